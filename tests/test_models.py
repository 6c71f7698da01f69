"""DTNN and SchNet: invariances, forces, contributions, periodicity, probes, files."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import DATA, aspirin, random_crystal, silicon, small_model

import insight
from insight.neighbors import NeighborPairs, neighbor_pairs
from insight.testing import assert_invariant

# -- invariances --------------------------------------------------------------------


def test_molecule_energy_invariant_forces_equivariant(molecular_model):
    assert_invariant(molecular_model, aspirin())


@pytest.mark.parametrize("crystal", [random_crystal(), silicon()], ids=["triclinic", "silicon"])
def test_crystal_energy_invariant_forces_equivariant(periodic_model, crystal):
    assert_invariant(periodic_model, crystal)


def test_permutation_within_a_mixed_batch(molecular_model):
    """Batching molecules together changes nothing about each of them."""
    structures = [aspirin(), insight.from_smiles("CCO"), insight.from_smiles("c1ccncc1")]
    together = molecular_model.predict(structures)
    for k, s in enumerate(structures):
        alone = molecular_model.predict(s)
        np.testing.assert_allclose(together.energy[k], alone.energy[0], atol=1e-10)
        np.testing.assert_allclose(together.contributions[k], alone.contributions[0], atol=1e-10)


# -- forces and contributions ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["schnet", "dtnn", "painn"])
def test_forces_equal_minus_finite_difference_gradient_molecule(kind):
    insight.testing.assert_forces_are_energy_gradient(small_model(kind), insight.from_smiles("CC=O"), atol=1e-7)


@pytest.mark.parametrize("kind", ["schnet", "dtnn", "painn"])
def test_forces_equal_minus_finite_difference_gradient_crystal(kind):
    insight.testing.assert_forces_are_energy_gradient(small_model(kind, periodic=True), random_crystal(), atol=1e-7)


def test_contributions_sum_to_energy(molecular_model):
    prediction = molecular_model.predict([aspirin(), insight.from_smiles("CCO")])
    for energy, contributions in zip(prediction.energy, prediction.contributions):
        assert contributions.sum() == pytest.approx(energy, abs=1e-10)


def test_mean_pooling_averages_contributions():
    model = insight.SchNet(n_features=8, n_filters=8, n_interactions=1, pooling="mean").double()
    prediction = model.predict(aspirin())
    assert prediction.contributions[0].mean() == pytest.approx(prediction.energy[0], abs=1e-12)


def test_representations_after_every_pass(molecular_model):
    batch = molecular_model.batch(aspirin())
    out = molecular_model(batch)
    assert len(out.representations) == molecular_model.n_interactions + 1
    assert torch.equal(out.representations[0],
                       molecular_model.initial_state(molecular_model.embedding_matrix[batch.numbers]))
    # The output network applied to the last representation gives the contributions (Eq. 3.8).
    torch.testing.assert_close(out.contributions, molecular_model.readout(out.representations[-1], batch.numbers))


def test_filters_as_function_of_distance():
    model = small_model("schnet", periodic=True)
    distances = torch.linspace(0.0, 6.0, 61, dtype=torch.float64)
    filters = model.filters(distances)
    assert filters.shape == (model.n_interactions, 61, model.config.n_filters)
    # The cosine cutoff switches every filter off at and beyond 4 Å.
    assert torch.all(filters[:, distances >= 4.0] == 0)
    dtnn = small_model("dtnn")
    assert dtnn.filters(distances).shape == (1, 61, dtnn.config.n_factors)


# -- periodic structures ------------------------------------------------------------------


def test_supercell_energy_per_atom_unchanged(periodic_model):
    crystal = random_crystal()
    cell_energy = periodic_model.predict(crystal).energy[0] / len(crystal)
    for repeats in [(2, 1, 1), (2, 2, 2), (1, 3, 1)]:
        supercell = crystal.repeated(repeats)
        per_atom = periodic_model.predict(supercell).energy[0] / len(supercell)
        assert per_atom == pytest.approx(cell_energy, abs=1e-10)


def test_wrapping_atoms_into_the_cell_changes_nothing(periodic_model):
    crystal = random_crystal()
    wrapped = crystal.wrapped()
    assert not np.allclose(wrapped.positions, crystal.positions)
    a, b = periodic_model.predict(crystal, forces=True), periodic_model.predict(wrapped, forces=True)
    np.testing.assert_allclose(a.energy, b.energy, atol=1e-10)
    np.testing.assert_allclose(a.forces[0], b.forces[0], atol=1e-10)


def test_choice_of_unit_cell_changes_nothing(periodic_model):
    crystal = random_crystal()
    unimodular = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 1]])  # det = 1: the same lattice
    other = crystal.replace(cell=unimodular @ crystal.cell)
    np.testing.assert_allclose(
        periodic_model.predict(crystal).energy, periodic_model.predict(other).energy, atol=1e-10
    )


def test_molecular_model_refuses_crystals():
    with pytest.raises(insight.StructureError, match="molecules only"):
        small_model("schnet").predict(silicon())


# -- probes -----------------------------------------------------------------------------------


def _probe_by_hand(model, structure, point, element):
    """The probe as an extra atom with a one-way neighbour list: it feels the atoms, they never feel it."""
    with_probe = structure.replace(
        numbers=np.append(structure.numbers, insight.atomic_number(element)),
        positions=np.vstack([structure.positions, point]),
    )
    pairs = neighbor_pairs(with_probe, model.cutoff)
    probe = len(structure)
    keep = pairs.idx_j != probe
    one_way = NeighborPairs(pairs.idx_i[keep], pairs.idx_j[keep], pairs.shifts[keep])
    batch = insight.collate(with_probe, pairs=[one_way], dtype=model.dtype)
    out = model(batch)
    return out.contributions[probe].item(), out.contributions[:probe]


@pytest.mark.parametrize("element", ["H", "C", "O"])
def test_batched_probe_equals_probe_by_hand_molecule(molecular_model, element):
    molecule = aspirin()
    rng = np.random.default_rng(1)
    points = molecule.positions.mean(axis=0) + rng.normal(scale=3.0, size=(40, 3))
    batched = molecular_model.probe(molecule, points, element, chunk_size=7, tabulate=False).detach().numpy()
    alone = molecular_model.predict(molecule).contributions[0]
    for point, value in zip(points[::8], batched[::8]):
        by_hand, atoms = _probe_by_hand(molecular_model, molecule, point, element)
        assert value == pytest.approx(by_hand, abs=1e-10)
        np.testing.assert_allclose(atoms.detach().numpy(), alone, atol=1e-10)  # the molecule did not feel it


def test_batched_probe_equals_probe_by_hand_crystal(periodic_model):
    crystal = random_crystal()
    rng = np.random.default_rng(2)
    points = rng.uniform(-4, 8, size=(30, 3))  # many outside the cell
    batched = periodic_model.probe(crystal, points, "C", chunk_size=4, tabulate=False).detach().numpy()
    for point, value in zip(points[::6], batched[::6]):
        by_hand, _ = _probe_by_hand(periodic_model, crystal, point, "C")
        assert value == pytest.approx(by_hand, abs=1e-10)
    # A probe shifted by a lattice vector sees the same crystal.
    shifted = periodic_model.probe(crystal, points + crystal.cell[1] - 2 * crystal.cell[2], "C", tabulate=False)
    shifted = shifted.detach().numpy()
    np.testing.assert_allclose(shifted, batched, atol=1e-10)


@pytest.mark.parametrize("periodic", [False, True], ids=["molecule", "crystal"])
@pytest.mark.parametrize("kind", ["schnet", "dtnn", "painn"])
def test_tabulated_probe_equals_exact_probe(kind, periodic):
    """The distance table changes probe energies by less than 1e-6 of their scale."""
    model = small_model(kind, periodic=periodic)
    structure = random_crystal() if periodic else aspirin()
    points = np.random.default_rng(0).uniform(-3, 6, size=(300, 3)) + structure.positions.mean(axis=0) - 1.5
    exact = model.probe(structure, points, "O", tabulate=False)
    tabulated = model.probe(structure, points, "O", tabulate=True)
    assert (tabulated - exact).abs().max() < 1e-6 * exact.abs().max()
    # Far beyond the Gaussian grid the table's last row stands in for constant features.
    far = structure.positions.mean(axis=0) + np.array([[45.0, 0.0, 0.0]])
    if not periodic:
        assert model.probe(structure, far, "O").item() == pytest.approx(
            model.probe(structure, far, "O", tabulate=False).item(), rel=1e-6
        )


@pytest.mark.parametrize("periodic", [False, True], ids=["molecule", "crystal"])
@pytest.mark.parametrize("kind", ["schnet", "dtnn", "painn"])
def test_tabulated_prediction_equals_exact_prediction(kind, periodic):
    """predict(tabulate=True) changes energies and contributions by less than 1e-6 of their scale."""
    model = small_model(kind, periodic=periodic)
    structures = [random_crystal(), random_crystal(seed=1)] if periodic else [aspirin(), insight.example("benzene")]
    exact = model.predict(structures)
    tabulated = model.predict(structures, tabulate=True)
    scale = np.abs(exact.energy).max()
    np.testing.assert_allclose(tabulated.energy, exact.energy, atol=1e-6 * scale)
    for a, b in zip(tabulated.contributions, exact.contributions):
        np.testing.assert_allclose(a, b, atol=1e-6 * scale)
    with pytest.raises(ValueError, match="energies only"):
        model.predict(structures, forces=True, tabulate=True)


def test_probe_representations_for_every_pass(molecular_model):
    points = np.array([[0.0, 0.0, 5.0], [1.0, 2.0, 3.0]])
    omega, reps = molecular_model.probe(aspirin(), points, "H", return_representations=True)
    assert len(reps) == molecular_model.n_interactions + 1
    assert reps[-1].shape == (2, molecular_model.n_state)
    numbers = torch.ones(2, dtype=torch.long)
    torch.testing.assert_close(omega, molecular_model.readout(reps[-1], numbers))


# -- model files ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind,periodic", [("schnet", False), ("dtnn", False), ("schnet", True), ("painn", True)])
def test_save_load_round_trip_gives_identical_outputs(tmp_path, kind, periodic):
    model = small_model(kind, periodic=periodic)
    structure = random_crystal() if periodic else aspirin()
    card = model.card.replace(name="my-model", energy_unit="kcal/mol", target="U0", elements=(1, 6, 7, 8))
    folder = insight.save_model(model, tmp_path / "my-model", card)
    loaded = insight.load_model(folder, device="cpu", dtype=torch.float64)
    assert loaded.card.target == "U0" and loaded.energy_unit == "kcal/mol" and loaded.card.elements == (1, 6, 7, 8)
    assert type(loaded) is type(model) and loaded.config == model.config
    before, after = model.predict(structure, forces=True), loaded.predict(structure, forces=True)
    assert np.array_equal(before.energy, after.energy)
    assert np.array_equal(before.contributions[0], after.contributions[0])
    assert np.array_equal(before.forces[0], after.forces[0])
    # Loading by the weights file's path works too.
    assert insight.load_model(folder / "weights.safetensors", device="cpu").name == "my-model"


def test_load_model_errors_name_the_problem(tmp_path):
    with pytest.raises(insight.ModelFileError, match="no model 'no-such-model'"):
        insight.load_model("no-such-model")
    folder = insight.save_model(small_model("dtnn"), tmp_path / "m")
    (folder / "weights.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(insight.ModelFileError, match="not a readable safetensors"):
        insight.load_model(folder)
    (folder / "card.json").write_text("{broken")
    with pytest.raises(insight.ModelFileError, match="not valid JSON"):
        insight.load_model(folder)


def test_unknown_element_is_refused_by_name(tmp_path):
    model = small_model("schnet")
    folder = insight.save_model(model, tmp_path / "m", model.card.replace(elements=(1, 6, 7, 8, 9)))
    model = insight.load_model(folder, device="cpu")
    with pytest.raises(insight.UnknownElementError, match="does not know Si"):
        model.predict(insight.from_smiles("C[SiH3]"))
    with pytest.raises(insight.UnknownElementError, match="does not know Cl"):
        model.probe(aspirin(), np.zeros((1, 3)), "Cl")


def test_load_model_defaults_to_cuda_only_when_present(tmp_path):
    folder = insight.save_model(small_model("dtnn"), tmp_path / "m")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert insight.load_model(folder).device.type == expected


def test_periodic_cfconv_averages_over_neighbours_by_hand():
    """Eq. 4.14 computed with explicit loops over ASE's (independent) neighbour list for a T=1 SchNet."""
    from ase.neighborlist import neighbor_list

    torch.manual_seed(5)
    model = insight.SchNet(
        n_features=6, n_filters=5, n_interactions=1, cutoff=3.5, cosine_cutoff=True, neighbor_average=True
    ).double()
    crystal = random_crystal()
    i_list, j_list, d_list = neighbor_list("ijd", crystal.to_ase(), 3.5)
    block = model.interactions[0]
    with torch.no_grad():
        x = model.embedding_matrix[torch.tensor(crystal.numbers)]
        y = block.in2f(x)
        expected = []
        for i in range(len(crystal)):
            mine = i_list == i
            w = model.filters(torch.as_tensor(d_list[mine]))[0]
            conv = (y[torch.as_tensor(j_list[mine])] * w).sum(0) / mine.sum()
            expected.append(x[i] + block.dense(block.f2out(conv)))
        got = model(model.batch(crystal)).representations[1]
    torch.testing.assert_close(got, torch.stack(expected))


# -- the windowed Gaussian expansion (training and inference speed) -------------------------------------


def _loss_and_gradients(model, batch, targets, windowed):
    model.use_fast_training_path(windowed)
    model.zero_grad()
    loss = torch.nn.functional.mse_loss(model(batch).energy, targets)
    loss.backward()
    return loss.item(), {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("kind,periodic", [("schnet", False), ("dtnn", False), ("schnet", True), ("dtnn", True)])
def test_windowed_expansion_gives_the_dense_loss_and_gradients_in_float64(kind, periodic):
    torch.manual_seed(1)
    periodic_settings = dict(cutoff=5.0, cosine_cutoff=True, rbf_stop=5.0) if periodic else {}
    if kind == "schnet":
        model = insight.SchNet(n_features=8, n_filters=8, n_interactions=2, neighbor_average=periodic,
                               **periodic_settings)
    else:
        model = insight.DTNN(n_features=8, n_factors=8, n_interactions=2, **periodic_settings)
    model = model.double()
    structures = [random_crystal(), silicon()] if periodic else [aspirin(), insight.from_smiles("CCO")]
    batch = model.batch(structures)
    targets = torch.tensor([-50.0, -20.0], dtype=torch.float64)
    dense_loss, dense_gradients = _loss_and_gradients(model, batch, targets, windowed=False)
    loss, gradients = _loss_and_gradients(model, batch, targets, windowed=True)
    assert loss == pytest.approx(dense_loss, rel=1e-12)
    assert dense_gradients.keys() == gradients.keys()
    for name, gradient in gradients.items():
        torch.testing.assert_close(gradient, dense_gradients[name], rtol=1e-10, atol=1e-13, msg=name)
    # Forces (a first derivative in the distances) agree as well.
    model.windowed_expansion = False
    dense_forces = model(batch, forces=True).forces
    model.windowed_expansion = True
    torch.testing.assert_close(model(batch, forces=True).forces, dense_forces, rtol=1e-10, atol=1e-12)


def test_windowed_expansion_covers_every_distance_on_the_grid_and_beyond():
    """Distances in any order, at the grid's ends and far beyond it give the dense expansion's features."""
    model = insight.SchNet(n_features=8, n_filters=8, n_interactions=2).double()
    distances = torch.tensor([31.0, 0.0, 29.95, 12.3, 0.05, 80.0, 3.3, 3.31, 1e-9], dtype=torch.float64)
    windowed = model.pair_features(distances, windowed=True)
    dense = model.pair_features(distances, windowed=False)
    for a, b in zip(windowed, dense):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


def _qm9_head():
    from insight.data.packed import PackedStructures
    from insight.data.qm9 import parse_qm9_csv

    qm9 = parse_qm9_csv([DATA / "qm9_head40.csv"])
    return PackedStructures(qm9.numbers, qm9.positions, qm9.offsets, qm9.target("U0"), None)


def _first_steps(model, data, by_distance: bool, learning_rate: float) -> list[float]:
    """The losses of 50 Adam steps on 8 of the 40 molecules each (the same batches every call)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    for k in range(50):
        batch, targets = data.batch(np.random.default_rng(k).choice(40, 8, replace=False), by_distance=by_distance)
        loss = torch.nn.functional.mse_loss(model(batch).energy, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("kind", ["schnet", "dtnn"])
def test_new_and_old_training_paths_take_the_same_first_50_steps_in_float32(kind):
    """The new path: windowed expansion at the float32 training tolerance, pairs ordered by distance, DTNN's tanh
    from the sigmoid; the old: dense expansion, pairs in stored order, torch.tanh."""
    data = _qm9_head()
    losses = {}
    for windowed in (False, True):
        torch.manual_seed(0)
        if kind == "schnet":
            model = insight.SchNet(n_features=16, n_filters=16, n_interactions=2)
        else:
            model = insight.DTNN(n_features=16, n_factors=16, n_interactions=2)
        model.mean.fill_(-70.0)
        model.use_fast_training_path(windowed)
        losses[windowed] = _first_steps(model, data, by_distance=windowed,
                                        learning_rate=1e-3 if kind == "schnet" else 1e-2)
    np.testing.assert_allclose(losses[True], losses[False], rtol=2e-4)
    assert losses[True][-1] < losses[True][0]


@pytest.mark.parametrize("kind", ["schnet", "dtnn"])
def test_compiled_training_steps_are_the_eager_ones(kind):
    """compile_training_path (inductor): the same first 50 float32 steps as eager, the same loss and gradients in
    float64 on a fixed batch, and evaluation outside the compiled graph. DTNN with 30 features pads its messages'
    product to 32 outputs."""
    data = _qm9_head()

    def build():
        torch.manual_seed(0)
        if kind == "schnet":
            model = insight.SchNet(n_features=16, n_filters=16, n_interactions=2)
        else:
            model = insight.DTNN(n_features=30, n_factors=16, n_interactions=2)
        model.mean.fill_(-70.0)
        return model

    models, losses = {}, {}
    for compiled in (False, True):
        model = models[compiled] = build()
        assert model.compile_training_path(compiled) is compiled
        losses[compiled] = _first_steps(model, data, by_distance=True,
                                        learning_rate=1e-3 if kind == "schnet" else 1e-2)
    np.testing.assert_allclose(losses[True], losses[False], rtol=2e-4)
    assert losses[True][-1] < losses[True][0]

    batch, targets = data.batch(np.arange(12), by_distance=True)
    batch, targets = batch.to(dtype=torch.float64), targets.double()
    for model in models.values():
        model.double()
    models[True].load_state_dict(models[False].state_dict())
    gradients = {compiled: _loss_and_gradients(model, batch, targets, windowed=True)
                 for compiled, model in models.items()}
    assert gradients[True][0] == pytest.approx(gradients[False][0], rel=1e-12)
    for name, gradient in gradients[True][1].items():
        torch.testing.assert_close(gradient, gradients[False][1][name], rtol=1e-10, atol=1e-12, msg=name)

    # Evaluation and forces stay eager: bit for bit the uncompiled model's.
    compiled_model, eager_model = models[True].eval(), models[False].eval()
    assert torch.equal(compiled_model(batch, forces=True).forces, eager_model(batch, forces=True).forces)


def test_without_a_compiler_training_warns_and_stays_eager(monkeypatch, tmp_path):
    import insight.models.base as base

    monkeypatch.setattr(base, "compiler_problem", lambda device_type: "CppCompileError: no C++ compiler found")
    model = insight.SchNet(n_features=8, n_filters=8, n_interactions=1)
    with pytest.warns(RuntimeWarning, match="eager.*no C\\+\\+ compiler"):
        assert not model.compile_training_path()
    batch, targets = _qm9_head().batch(np.arange(4), by_distance=True)
    torch.nn.functional.mse_loss(model(batch).energy, targets).backward()
    assert model.embedding.weight.grad is not None


def test_the_padded_product_is_the_plain_one_with_its_gradients():
    from insight.models.layers import linear_padded

    x = torch.randn(50, 60, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(30, 60, dtype=torch.float64, requires_grad=True)
    torch.testing.assert_close(linear_padded(x, weight), x @ weight.T, rtol=1e-14, atol=1e-13)
    assert linear_padded(x, weight).shape == (50, 30)
    assert torch.autograd.gradcheck(linear_padded, (x[:5].detach().requires_grad_(), weight))
    square = torch.randn(32, 60, dtype=torch.float64)
    assert torch.equal(linear_padded(x, square), torch.nn.functional.linear(x, square))  # nothing to pad


def test_tanh_from_the_sigmoid_is_tanh_with_its_first_and_second_derivatives():
    from insight.models.layers import tanh_from_sigmoid

    x = torch.linspace(-30.0, 30.0, 2001, dtype=torch.float64)
    torch.testing.assert_close(tanh_from_sigmoid(x), torch.tanh(x), rtol=0, atol=1e-15)
    torch.testing.assert_close(tanh_from_sigmoid(x.float()), torch.tanh(x.float()), rtol=0, atol=3e-7)
    small = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(tanh_from_sigmoid, (small,))
    assert torch.autograd.gradgradcheck(tanh_from_sigmoid, (small,))  # training on forces differentiates twice


def test_pairs_ordered_by_distance_give_the_same_batch_prediction():
    from insight.data.packed import PackedStructures

    crystals = [random_crystal(), silicon()]
    data = PackedStructures(np.concatenate([c.numbers for c in crystals]),
                            np.concatenate([c.positions for c in crystals]),
                            np.cumsum([0] + [len(c) for c in crystals]), np.zeros(2), cutoff=5.0,
                            cells=np.stack([c.cell for c in crystals]))
    stored, _ = data.batch([0, 1], dtype=torch.float64)
    ordered, _ = data.batch([0, 1], dtype=torch.float64, by_distance=True)
    half = len(ordered.idx_i) // 2
    distances = (ordered.positions[ordered.idx_j] - ordered.positions[ordered.idx_i] + ordered.offsets).norm(dim=1)
    assert bool((distances[1:half] >= distances[: half - 1] - 1e-12).all())  # equal distances in any order
    assert not torch.equal(stored.idx_i, ordered.idx_i)
    torch.manual_seed(0)
    model = insight.SchNet(n_features=8, n_filters=8, n_interactions=2, cutoff=5.0, cosine_cutoff=True,
                           rbf_stop=5.0, neighbor_average=True).double()
    torch.testing.assert_close(model(ordered, forces=True).forces, model(stored, forces=True).forces)
    torch.testing.assert_close(model(ordered).energy, model(stored).energy)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("kind", ["schnet", "dtnn", "painn"])
def test_tabulated_filters_at_any_distance_equal_the_exact_ones(kind, dtype):
    """Regression: in float32 the table's last rows were indexed past its end (probes or atoms 30-40 Å away)."""
    model = small_model(kind).to(dtype)
    far_pair = insight.Structure([6, 6], [[0, 0, 0], [40.0, 0, 0]])
    for structure in (far_pair, insight.Structure([6, 1], [[0, 0, 0], [29.99, 0, 0]])):
        tabulated = model.predict(structure, tabulate=True).energy
        np.testing.assert_allclose(tabulated, model.predict(structure).energy, rtol=1e-5)
    ethanol = insight.from_smiles("CCO")
    points = np.array([[31.0, 0, 0], [0, 45.0, 0], [1e3, 0, 0], [0.0, 0.0, 0.0]])
    tabulated = model.probe(ethanol, points, "H", tabulate=True).detach().numpy()
    exact = model.probe(ethanol, points, "H", tabulate=False).detach().numpy()
    np.testing.assert_allclose(tabulated, exact, rtol=1e-5, atol=1e-5)


def test_cutoff_weighted_neighbour_average_is_continuous_where_eq_4_14_jumps():
    """fcc Cu where the second shell crosses a 5 Å cutoff: Eq. 4.14 jumps, the cutoff-weighted average does not."""
    from ase.build import bulk

    energies = {}
    for weighting in ("count", "cutoff"):
        torch.manual_seed(0)
        model = insight.SchNet(n_features=8, n_filters=8, n_interactions=2, cutoff=5.0, cosine_cutoff=True,
                               rbf_stop=5.0, neighbor_average=True, neighbor_weighting=weighting,
                               pooling="mean").double()
        # the third neighbour shell of fcc sits at distance a: at a = 5 Å it crosses the cutoff
        energies[weighting] = [model.predict(insight.Structure.from_ase(bulk("Cu", "fcc", a=a))).energy[0]
                               for a in (5.0 - 1e-7, 5.0 + 1e-7)]
    jump = {k: abs(v[1] - v[0]) for k, v in energies.items()}
    assert jump["count"] > 1e-5 and jump["cutoff"] < 1e-9  # a 2e-7 Å step: smooth means ~1e-7 at most
    assert jump["count"] > 1e4 * jump["cutoff"]
    with pytest.raises(ValueError, match="cosine_cutoff"):
        insight.SchNet(cutoff=5.0, neighbor_average=True, neighbor_weighting="cutoff")


def test_calculators_warn_about_models_whose_energy_jumps():
    model = insight.SchNet(n_features=8, n_filters=8, n_interactions=1, cutoff=5.0, cosine_cutoff=True,
                           rbf_stop=5.0, neighbor_average=True).double()
    model.card = model.card.replace(energy_unit="eV")
    with pytest.warns(insight.errors.DomainWarning, match="jumps"):
        insight.calculator.InsightCalculator(model)


def test_find_models_tells_the_ladder_from_the_flagship_by_width():
    from insight.zoo import find_models

    t3 = find_models(dataset="qm9", architecture="schnet", n_interactions=3)
    assert "schnet-qm9-f30-t3" in t3
    assert find_models(dataset="qm9", architecture="schnet", n_interactions=3, n_features=30) == ["schnet-qm9-f30-t3"]
    assert find_models(dataset="qm9", architecture="schnet", n_interactions=6, n_features=64) == ["schnet-qm9-t6"]
    assert find_models(dataset="qm9", architecture="schnet", n_features=7) == []
