"""Walk relevances (GNN-LRP): conservation, exact top-K, invariances, body orders, and a T=1 case by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import insight

MOLECULE = insight.Structure([8, 6, 1, 1, 7], [[0.0, 0.0, 0.0], [1.21, 0.05, 0.0], [1.8, 0.95, 0.1],
                                               [1.75, -0.9, -0.2], [2.6, 0.1, 0.8]])


def _model(kind: str, passes: int = 3, seed: int = 0, biases: bool = True, **settings) -> insight.AtomisticModel:
    torch.manual_seed(seed)
    if kind == "schnet":
        model = insight.SchNet(n_features=8, n_filters=6, n_interactions=passes, n_output_hidden=5, **settings)
    elif kind == "painn":  # a cutoff every pair of MOLECULE lies within
        model = insight.PaiNN(n_features=6, n_interactions=passes, n_output_hidden=4, cutoff=4.0, rbf_stop=4.0,
                              rbf_spacing=0.4, rbf_gamma=3.0)
    else:
        model = insight.DTNN(n_features=6, n_factors=8, n_interactions=passes, n_output_hidden=4, **settings)
    model.stddev.fill_(2.5)
    model.mean.fill_(-1.5)
    model.atomref[[1, 6, 7, 8]] = torch.tensor([-0.5, -3.0, -4.0, -5.0])
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("bias"):  # zero, or large enough that the biases matter
                parameter.zero_() if not biases else parameter.normal_(0.0, 0.3)
    return model.double().eval()


@pytest.mark.parametrize("kind", ["schnet", "dtnn", "painn"])
def test_without_biases_the_walks_sum_to_the_learned_energy(kind):
    """LRP-0 conserves through residual sums, message sums and bias-free dense layers: nothing is absorbed
    (PaiNN's norm |U mu| = sqrt(sum + 1e-8) keeps a sliver)."""
    model = _model(kind, biases=False)
    result = insight.walk_relevance(model, MOLECULE, top=None)
    energy = float(model.predict(MOLECULE).energy[0])
    assert result.target + result.offset == pytest.approx(energy, abs=1e-9)
    assert result.explained == pytest.approx(result.target, rel=1e-6 if kind == "painn" else 1e-7)
    assert abs(result.absorbed) < 1e-6 * abs(result.target)
    assert result.relevance.sum() == pytest.approx(result.explained, rel=1e-10)


@pytest.mark.parametrize("kind", ["schnet", "dtnn", "painn"])
def test_every_sum_over_walks_agrees(kind):
    """The walks enumerated one by one, the per-atom sums, the body orders and the per-atom outputs all add up to
    the same relevance; with biases it differs from the learned energy by what the biases absorb."""
    model = _model(kind)
    result = insight.walk_relevance(model, MOLECULE, top=None)
    assert len(result.walks) == result.n_walks == 5 * 5**3
    total = result.relevance.sum()
    assert result.explained == pytest.approx(total, rel=1e-10)
    assert result.by_end.sum() == pytest.approx(total, rel=1e-10)
    assert sum(result.body_orders.values()) == pytest.approx(total, rel=1e-10)
    per_atom_outputs = [insight.walk_relevance(model, MOLECULE, output=atom, top=None) for atom in range(5)]
    assert sum(r.explained for r in per_atom_outputs) == pytest.approx(total, rel=1e-10)
    np.testing.assert_allclose([r.explained for r in per_atom_outputs], result.by_end, rtol=1e-10)
    contributions = model.predict(MOLECULE).contributions[0]
    np.testing.assert_allclose([r.target + r.offset for r in per_atom_outputs], contributions, atol=1e-9)
    assert all(set(r.walks[:, -1]) == {atom} for atom, r in enumerate(per_atom_outputs))


@pytest.mark.parametrize("kind,passes", [("schnet", 3), ("schnet", 2), ("dtnn", 3), ("schnet", 5), ("painn", 3)])
def test_top_k_is_the_k_largest_of_the_exhaustive_enumeration(kind, passes):
    model = _model(kind, passes=passes, seed=passes)
    everything = insight.walk_relevance(model, MOLECULE, top=None)
    top = insight.walk_relevance(model, MOLECULE, top=15)
    assert top.mode == "top-k" and everything.mode == "exhaustive"
    np.testing.assert_allclose(top.relevance, everything.relevance[:15], rtol=1e-10)
    np.testing.assert_array_equal(top.walks, everything.walks[:15])
    one_atom = insight.walk_relevance(model, MOLECULE, output=2, top=7)
    np.testing.assert_allclose(one_atom.relevance,
                               insight.walk_relevance(model, MOLECULE, output=2, top=None).relevance[:7], rtol=1e-10)


def test_top_k_with_a_cutoff_skips_the_pairs_beyond_it():
    model = _model("schnet", cutoff=2.0, cosine_cutoff=True)
    everything = insight.walk_relevance(model, MOLECULE, top=None)
    assert everything.n_walks == len(everything.walks) < 5 * 5**3
    distances = MOLECULE.distances()
    steps = np.abs(np.diff(everything.walks, axis=1))
    hops = distances[everything.walks[:, :-1], everything.walks[:, 1:]]
    assert (hops[steps > 0] < 2.0).all(), "no walk jumps farther than the cutoff"
    top = insight.walk_relevance(model, MOLECULE, top=10)
    np.testing.assert_allclose(top.relevance, everything.relevance[:10], rtol=1e-10)


@pytest.mark.parametrize("kind", ["schnet", "dtnn", "painn"])
def test_relevances_are_invariant_under_rotation_and_follow_a_permutation(kind):
    """PaiNN's relevances are invariant to within what epsilon moves: the rule stabilises each Cartesian component
    of its vector features, and a rotation changes which components are near zero."""
    model = _model(kind, passes=2)
    reference = insight.walk_relevance(model, MOLECULE, top=None)
    rotation = insight.Structure(MOLECULE.numbers, MOLECULE.positions @ _rotation().T + [0.3, -2.0, 1.0])
    rotated = insight.walk_relevance(model, rotation, top=None)
    np.testing.assert_allclose(rotated.relevance, reference.relevance, rtol=1e-4 if kind == "painn" else 1e-8,
                               atol=1e-12)
    order = np.array([3, 0, 4, 2, 1])  # new atom a is old atom order[a]
    permuted = insight.walk_relevance(model, insight.Structure(MOLECULE.numbers[order], MOLECULE.positions[order]),
                                      top=None)
    old_of_new = permuted.walks.copy()
    mapped = order[old_of_new]
    lookup = {tuple(w): r for w, r in zip(reference.walks.tolist(), reference.relevance)}
    np.testing.assert_allclose(permuted.relevance, [lookup[tuple(w)] for w in mapped.tolist()], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(permuted.by_start, reference.by_start[order], rtol=1e-8, atol=1e-12)


def test_body_orders_equal_the_walks_grouped_by_their_distinct_atoms():
    model = _model("schnet", passes=3)
    result = insight.walk_relevance(model, MOLECULE, top=None)
    by_atoms: dict[tuple, float] = {}
    for walk, relevance in zip(result.walks.tolist(), result.relevance):
        key = tuple(sorted(set(walk)))
        by_atoms[key] = by_atoms.get(key, 0.0) + relevance
    np.testing.assert_allclose(result.own, [by_atoms[(a,)] for a in range(5)], rtol=1e-9)
    for row in result.pairs.itertuples():
        assert row.relevance == pytest.approx(by_atoms[(row.a, row.b)], rel=1e-9, abs=1e-12)
    for row in result.triples.itertuples():
        assert row.relevance == pytest.approx(by_atoms[(row.a, row.b, row.c)], rel=1e-9, abs=1e-12)
    four_or_more = sum(v for key, v in by_atoms.items() if len(key) >= 4)
    assert result.body_orders["4+"] == pytest.approx(four_or_more, rel=1e-8, abs=1e-12)
    starts = np.bincount(result.walks[:, 0], weights=result.relevance, minlength=5)
    np.testing.assert_allclose(result.by_start, starts, rtol=1e-9)


def test_a_one_pass_schnet_worked_out_by_hand():
    """T = 1: walk (j -> k) carries atom j's embedding into E_k. The epsilon rule written out per atom in NumPy,
    independently of the library's batched propagation (epsilon = 0: plain LRP-0)."""
    model = _model("schnet", passes=1, seed=4)
    molecule = insight.Structure([6, 1, 8], [[0.0, 0.0, 0.0], [1.1, 0.0, 0.0], [-0.7, 1.0, 0.3]])
    result = insight.walk_relevance(model, molecule, top=None, epsilon=0.0)

    def weights(layer):
        return layer.weight.detach().numpy(), (layer.bias.detach().numpy() if layer.bias is not None else 0.0)

    def ssp(v):
        return np.logaddexp(v, 0.0) - np.log(2.0)

    block = model.interactions[0]
    W_in, _ = weights(block.in2f)
    A, a = weights(block.f2out)
    B, b = weights(block.dense)
    W1, b1 = weights(model.output_network[0])
    W2, b2 = weights(model.output_network[1])
    d = molecule.distances()
    n = len(molecule)
    filters = model.pair_features(torch.tensor(d.reshape(-1)), windowed=False)[0].detach().numpy().reshape(n, n, -1)
    x = model.embedding.weight.detach().numpy()[molecule.numbers]
    y = x @ W_in.T
    s = np.array([sum(filters[k, j] * y[j] for j in range(n) if j != k) for k in range(n)])
    p = s @ A.T + a
    h = ssp(p)
    v = h @ B.T + b
    x1 = x + v
    z1 = x1 @ W1.T + b1
    o = ssp(z1) @ W2.T + b2
    by_hand = {}
    for k in range(n):
        R_o = 2.5 * o[k, 0]
        R_h1 = ssp(z1[k]) * W2[0] * R_o / o[k, 0]
        R_x1 = x1[k] * (W1.T @ (R_h1 / z1[k]))
        by_hand[(k, k)] = float(np.sum(x[k] / x1[k] * R_x1))  # the residual stay
        R_v = v[k] / x1[k] * R_x1
        R_h = h[k] * (B.T @ (R_v / v[k]))
        R_s = s[k] * (A.T @ (R_h / p[k]))
        for j in range(n):
            if j != k:
                R_y = filters[k, j] * y[j] / s[k] * R_s
                by_hand[(j, k)] = float(np.sum(x[j] * (W_in.T @ (R_y / y[j]))))
    computed = {tuple(w): r for w, r in zip(result.walks.tolist(), result.relevance)}
    assert computed.keys() == by_hand.keys()
    for walk, value in by_hand.items():
        assert computed[walk] == pytest.approx(value, rel=1e-9, abs=1e-12), walk


def test_a_large_molecule_gets_the_sums_it_can_afford_or_a_clear_refusal():
    chain = insight.from_smiles("C" * 20)  # C20H42, 62 atoms
    shallow = insight.walk_relevance(_model("schnet", passes=1), chain, top=5)
    assert list(shallow.body_orders) == ["1", "2", "3+"] and shallow.triples.empty
    assert sum(shallow.body_orders.values()) == pytest.approx(shallow.explained, rel=1e-10)
    with pytest.raises(insight.StructureError, match="too many for the top-K search"):
        insight.walk_relevance(_model("schnet", passes=6), chain, top=5)


def test_the_frame_and_labels():
    model = _model("dtnn", passes=2)
    result = insight.walk_relevance(model, MOLECULE, top=4)
    frame = result.to_frame()
    assert list(frame.columns) == ["rank", "walk", "atoms", "body", "i0", "i1", "i2", "relevance", "share"]
    assert len(frame) == 4 and (np.diff(np.abs(frame["relevance"])) <= 0).all()
    assert result.label(np.array([1, 1, 3])) == "C1 ×2 → H3"
    assert list(result.atoms_frame().columns) == ["atom", "element", "by_start", "by_end", "own"]


def test_bad_requests_say_what_to_do():
    model = _model("schnet", passes=2)
    with pytest.raises(insight.ArgumentError, match="output must be 'energy' or an atom index 0..4"):
        insight.walk_relevance(model, MOLECULE, output=7)
    with pytest.raises(insight.ArgumentError, match="top must be a positive number"):
        insight.walk_relevance(model, MOLECULE, top=0)
    with pytest.raises(insight.ArgumentError, match="SchNet, DTNN and PaiNN, not for"):
        insight.walk_relevance(_Unknown(), MOLECULE)
    with pytest.raises(insight.StructureError, match="periodic"):
        insight.walk_relevance(_model("schnet", cutoff=3.0, cosine_cutoff=True),
                               insight.Structure([14, 14], [[0, 0, 0], [1.3, 1.3, 1.3]], cell=np.eye(3) * 5.4,
                                                 pbc=True))
    deep = _model("schnet", passes=9)
    with pytest.raises(insight.ArgumentError, match="top=K"):
        insight.walk_relevance(deep, MOLECULE, top=None)


@pytest.mark.parametrize("kind", ["schnet", "dtnn"])
def test_the_written_out_transposed_steps_equal_automatic_differentiation(kind):
    """SchNet and DTNN write P^T out (faster); PaiNN takes it from autograd. Both must agree."""
    from insight.analysis.relevance import _Steps, _steps

    steps = _steps(_model(kind), MOLECULE, 1e-9)
    j = torch.tensor([0, 3, 4, 1])
    functionals = torch.randn(4, steps.final.shape[1], dtype=torch.float64)
    receivers = torch.arange(5).expand(4, 5)
    for t in (1, 2, 3):
        np.testing.assert_allclose(steps.up(t, j, functionals, receivers),
                                   _Steps.up(steps, t, j, functionals, receivers), rtol=1e-10, atol=1e-12)


class _Unknown(insight.AtomisticModel):
    architecture = "unknown"

    def __init__(self):
        super().__init__(insight.SchNetConfig(n_interactions=1))


def _rotation() -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(7).normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))


def test_the_walk_figure_draws_each_top_walk_along_its_atoms():
    from insight.plots.relevance import pair_relevance_figure, walks_figure

    model = _model("schnet", passes=3)
    result = insight.walk_relevance(model, MOLECULE, top=6)
    figure = walks_figure(result, count=6)
    walks = [trace for trace in figure.data if trace.name and trace.name.startswith("#")]
    assert len(walks) == 6
    for rank, trace in enumerate(walks):
        walk = result.walks[rank]
        distinct = [a for a, _ in itertools.groupby(walk.tolist())]
        assert len(trace.x) == len(distinct)
        # each drawn point lies next to its atom (the nudge keeps overlapping walks apart)
        drawn = np.stack([trace.x, trace.y, trace.z], axis=1)
        assert np.abs(drawn - MOLECULE.positions[distinct]).max() < 0.2
        color = trace.line.color if len(distinct) > 1 else trace.marker.color
        assert (color == "rgb(200,30,30)") == (result.relevance[rank] >= 0)
    pairs = pair_relevance_figure(result)
    matrix = np.asarray(pairs.data[0].z)
    np.testing.assert_allclose(np.diag(matrix), result.own)
    row = result.pairs.iloc[0]
    assert matrix[row.a, row.b] == matrix[row.b, row.a] == pytest.approx(row.relevance)
