"""Analyses: partitioning, alchemy, rings, embeddings, sensitivity, filters, accuracy views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from ase.build import bulk
from conftest import DATA, aspirin, small_model

import insight
from insight.analysis.accuracy import errors_by_size, isomer_ranking, largest_errors, prediction_table
from insight.analysis.alchemy import AlchemicalState, alchemical_energy, alchemical_path, benzene_to_triazine
from insight.analysis.embeddings import embedding_pca, periodic_table_position
from insight.analysis.filters import filter_cuts, radial_filters
from insight.analysis.partition import atomwise_energies, compare_models, contributions_over_dataset, element_summary
from insight.analysis.rings import ring_neighbors, ring_stability, six_membered_carbon_rings
from insight.analysis.sensitivity import molecule_pair_sensitivity, pair_distance_distribution, pair_sensitivity
from insight.plots.alchemy import alchemy_figure
from insight.plots.embeddings import embedding_pca_figure
from insight.plots.filters import filter_cuts_figure
from insight.plots.partition import contributions_figure, distributions_figure, model_scatter_figure
from insight.plots.rings import ring_ranking_figure
from insight.plots.sensitivity import sensitivity_figure

# -- partitioning ---------------------------------------------------------------------------


def test_atomwise_energies_sum_to_the_energy():
    model = small_model("schnet")
    result = atomwise_energies(model, aspirin())
    assert result.table["E_i"].sum() == pytest.approx(result.energy, abs=1e-10)
    assert result.unit == model.energy_unit and result.to_frame() is result.table
    assert list(result.table["element"][:3]) == aspirin().symbols[:3]
    assert contributions_figure(aspirin(), result).data[0].intensity is not None


def test_contributions_over_a_dataset_for_two_models():
    molecules = [aspirin(), insight.from_smiles("CCO"), insight.from_smiles("c1ccncc1")]
    models = {"schnet": small_model("schnet"), "dtnn": small_model("dtnn")}
    contributions = contributions_over_dataset(models, molecules, batch_size=2, progress=False, tabulate=False)
    frame = contributions.table
    assert len(frame) == 2 * sum(len(m) for m in molecules) and contributions.models == ["schnet", "dtnn"]
    for label, model in models.items():
        energies = frame[frame["model"] == label].groupby("structure")["E_i"].sum()
        np.testing.assert_allclose(energies.to_numpy(), model.predict(molecules).energy, atol=1e-9)
    wide = compare_models(contributions, "schnet", "dtnn")
    assert len(wide) == sum(len(m) for m in molecules) and list(wide.columns[-2:]) == ["E_i_schnet", "E_i_dtnn"]
    assert len(distributions_figure(contributions, ["H", "C"]).data) == 4
    assert len(model_scatter_figure(wide).data) >= 3


def test_element_summary_finds_peak_and_width_of_a_known_distribution():
    rng = np.random.default_rng(0)
    values = rng.normal(-75.0, 10.0 / 2.3548, size=200_000)  # FWHM 10
    frame = pd.DataFrame({"model": "m", "element": "H", "E_i": values})
    summary = element_summary(insight.Contributions(frame, "kcal/mol"), bins=200).iloc[0]
    assert summary["peak"] == pytest.approx(-75.0, abs=0.5)
    assert summary["fwhm"] == pytest.approx(10.0, rel=0.1)


# -- alchemy -----------------------------------------------------------------------------------


def test_alchemy_end_points_equal_the_pure_molecules():
    model = small_model("schnet")
    states = benzene_to_triazine(relaxed=True)
    assert [s.structure().formula for s in states] == ["C6H6", "C5H5N", "C4H4N2", "C3H3N3"]
    path = alchemical_path(model, states, steps=3, interpolate_positions=True)
    ends = path.table[path.table["label"] != ""]
    expected = model.predict([s.structure() for s in states]).energy
    np.testing.assert_allclose(ends["energy"].to_numpy(), expected, atol=1e-9)
    fixed = alchemical_path(model, states, steps=3)
    assert fixed.table["energy"].iloc[0] == pytest.approx(expected[0], abs=1e-9)
    assert len(path.frames) == len(path.table) and path.unit == model.energy_unit
    assert len(alchemy_figure({"fixed": fixed, "interpolated": path}).data) == 2


def test_fading_an_atom_to_zero_equals_removing_it():
    model = small_model("dtnn")
    molecule = aspirin()
    weights = np.ones(len(molecule))
    weights[20] = 0.0
    result = alchemical_energy(model, molecule.numbers, molecule.numbers, np.ones(len(molecule)),
                               molecule.positions, weights)
    energy, contributions = result.energy, result.contributions
    without = molecule.replace(numbers=molecule.numbers[:20], positions=molecule.positions[:20])
    assert energy == pytest.approx(model.predict(without).energy[0], abs=1e-9)
    np.testing.assert_allclose(contributions[:20], model.predict(without).contributions[0], atol=1e-9)


def test_morphing_half_way_mixes_the_embeddings():
    model = small_model("schnet")
    molecule = insight.from_smiles("C")
    numbers_n = molecule.numbers.copy()
    numbers_n[0] = 7
    for alpha, z in ((1.0, 6), (0.0, 7)):
        energy = alchemical_energy(model, molecule.numbers, numbers_n, np.r_[alpha, np.ones(4)],
                                   molecule.positions, np.ones(5)).energy
        assert energy == pytest.approx(model.predict(molecule.replace(numbers=np.r_[z, 1, 1, 1, 1])).energy[0],
                                       abs=1e-9)


def test_alchemical_states_must_match():
    with pytest.raises(insight.StructureError, match="same atoms"):
        alchemical_path(small_model("dtnn"), [insight.from_smiles("C"), insight.from_smiles("CC")])
    with pytest.raises(insight.StructureError, match="beta must lie"):
        AlchemicalState([6], [[0, 0, 0]], [1.5])


# -- rings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "smiles,expected",
    [("c1ccccc1", 1), ("Cc1ccccc1", 1), ("c1ccc2ccccc2c1", 2), ("C1CCC2CCCCC2C1", 2), ("c1ccncc1", 0),
     ("C1CCCCC1", 1), ("C1CCCCCC1", 0)],
)
def test_ring_finder(smiles, expected):
    molecule = insight.from_smiles(smiles)
    rings = six_membered_carbon_rings(molecule)
    assert len(rings) == expected
    for ring in rings:
        assert all(molecule.numbers[a] == 6 for a in ring)
        d = molecule.distances()
        assert all(d[ring[k], ring[(k + 1) % 6]] < 1.6 for k in range(6))  # consecutive atoms are bonded


def test_toluene_ring_excludes_the_methyl_carbon():
    molecule = insight.from_smiles("Cc1ccccc1")
    [ring] = six_membered_carbon_rings(molecule)
    assert 0 not in ring  # the methyl carbon comes first in the SMILES and keeps index 0


@pytest.mark.parametrize(
    "smiles,expected",
    [("c1ccccc1", "H6"), ("Nc1ccccc1", "H5N"), ("Cc1ccccc1F", "CH4F"), ("c1ccc2ccccc2c1", "C2H4")],
)
def test_ring_neighbors_are_the_atoms_bonded_from_outside(smiles, expected):
    molecule = insight.from_smiles(smiles)
    ring = six_membered_carbon_rings(molecule)[0]
    assert ring_neighbors(molecule, ring) == expected


def test_ring_energy_is_the_sum_of_ring_atom_contributions():
    model = small_model("schnet")
    molecules = [insight.from_smiles(s) for s in ("c1ccccc1", "Cc1ccccc1", "CCO", "c1ccc2ccccc2c1")]
    ranking = ring_stability(model, molecules, progress=False, tabulate=False)
    table = ranking.table
    assert len(table) == 4 and list(table["rank"]) == [1, 2, 3, 4] and ranking.unit == model.energy_unit
    assert table["E_ring"].is_monotonic_increasing
    for _, row in table.iterrows():
        atoms = [int(a) for a in row["ring"].split("-")]
        e_i = model.predict(molecules[row["structure"]]).contributions[0]
        assert row["E_ring"] == pytest.approx(e_i[atoms].sum(), abs=1e-9)
    assert len(ring_ranking_figure(ranking, n=2).data) == 2


# -- embeddings ------------------------------------------------------------------------------------


def test_pca_of_a_known_embedding_matrix():
    model = small_model("schnet")
    elements = [1, 3, 6, 7, 8, 9, 11]
    rng = np.random.default_rng(0)
    u, v = np.linalg.qr(rng.normal(size=(model.config.n_features, 2)))[0].T
    a = np.array([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0])
    b = np.array([1.0, 0.0, -1.0, 0.0, -1.0, 0.0, 1.0])  # zero mean, orthogonal to a
    with torch.no_grad():
        model.embedding.weight[elements] = torch.as_tensor(np.outer(a, u) + np.outer(b, v) + 0.5)
    pca = embedding_pca(model, elements)
    frame, ratio = pca.table, pca.explained_variance_ratio
    # All variance lies in the plane of u and v; PC1 is the direction of a, PC2 of b (up to sign).
    np.testing.assert_allclose(ratio, [np.var(a), np.var(b)] / (np.var(a) + np.var(b)), rtol=1e-6)
    np.testing.assert_allclose(np.abs(frame["PC1"]), np.abs(a - a.mean()), atol=1e-6)
    np.testing.assert_allclose(np.abs(frame["PC2"]), np.abs(b - b.mean()), atol=1e-6)
    assert embedding_pca_figure(pca).layout.xaxis.title.text.startswith("PC1")


@pytest.mark.parametrize("z,expected", [(1, (1, 1)), (6, (14, 2)), (11, (1, 3)), (26, (8, 4)), (35, (17, 4)),
                                        (56, (2, 6)), (79, (11, 6)), (83, (15, 6))])
def test_periodic_table_positions(z, expected):
    assert periodic_table_position(z)[:2] == expected


# -- sensitivity ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["schnet", "dtnn"])
def test_pair_sensitivity_matches_a_finite_difference(kind):
    model = small_model(kind)
    distances = np.array([0.9, 1.5, 2.7, 5.0])
    curve = pair_sensitivity(model, "C", "H", distances)
    h = 1e-5

    def representation(d):
        dimer = insight.Structure([6, 1], [[0, 0, 0], [d, 0, 0]])
        with torch.no_grad():
            return model(model.batch(dimer)).representations[-1].numpy()

    for k, d in enumerate(distances):
        derivative = (representation(d + h) - representation(d - h)) / (2 * h)
        for atom, symbol in enumerate(("C", "H")):
            value = curve[(curve["element"] == symbol)]["sensitivity"].iloc[k]
            assert value == pytest.approx(np.linalg.norm(derivative[atom]), rel=1e-5)


def test_sensitivity_is_safe_in_concurrent_threads():
    """The app computes sensitivities in parallel request threads; forward-mode AD must not collide."""
    from concurrent.futures import ThreadPoolExecutor

    model = small_model("schnet")
    expected = pair_sensitivity(model, "C", "H", np.linspace(0.8, 6.0, 40))["sensitivity"].to_numpy()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: pair_sensitivity(model, "C", "H", np.linspace(0.8, 6.0, 40)), range(8)))
    for result in results:
        np.testing.assert_allclose(result["sensitivity"].to_numpy(), expected, rtol=1e-10)


def test_molecule_pair_sensitivity_matches_a_finite_difference():
    model = small_model("schnet")
    molecule = insight.from_smiles("CCO")
    curve = molecule_pair_sensitivity(model, molecule, 0, 1, stretch=[0.0, 0.5])
    bond = molecule.positions[1] - molecule.positions[0]
    unit = bond / np.linalg.norm(bond)
    h = 1e-5

    def representation(shift):
        positions = molecule.positions.copy()
        positions[1] += shift * unit
        with torch.no_grad():
            return model(model.batch(molecule.replace(positions=positions))).representations[-1].numpy()

    derivative = (representation(0.5 + h) - representation(0.5 - h)) / (2 * h)
    got = curve[curve["atom"] == 0]["sensitivity"].iloc[1]
    assert got == pytest.approx(np.linalg.norm(derivative[0]), rel=1e-5)


def test_pair_distance_distribution_counts_pairs_by_hand():
    from insight.data.qm9 import parse_qm9_csv

    qm9 = parse_qm9_csv([DATA / "qm9_head40.csv"])
    hist = pair_distance_distribution(qm9.numbers, qm9.positions, qm9.offsets, "C", "H", max_distance=12.0)
    expected = 0
    for k in range(len(qm9)):
        s = qm9.structure(k)
        d = s.distances()
        carbon, hydrogen = s.numbers == 6, s.numbers == 1
        expected += int((d[np.ix_(carbon, hydrogen)] < 12.0).sum())
    assert hist["count"].sum() == expected

    def shortest_carbon_pair(structure):
        carbons = structure.positions[structure.numbers == 6]
        d = np.linalg.norm(carbons[:, None] - carbons[None], axis=-1)[np.triu_indices(len(carbons), 1)]
        return d.min(initial=np.inf)

    shortest = min(shortest_carbon_pair(qm9.structure(k)) for k in range(len(qm9)))
    assert insight.shortest_pair_distance(qm9.numbers, qm9.positions, qm9.offsets, "C", "C") == pytest.approx(shortest)
    with pytest.raises(insight.ArgumentError, match="no F-F pair"):
        insight.shortest_pair_distance(qm9.numbers, qm9.positions, qm9.offsets, "F", "F")
    assert hist["distance"][hist["count"].argmax()] == pytest.approx(1.09, abs=0.05)  # the C-H bond
    curves = {"m": pair_sensitivity(small_model("schnet"), "C", "H", np.linspace(0.8, 4, 5))}
    assert len(sensitivity_figure(curves, hist).data) == 3


# -- filters --------------------------------------------------------------------------------------------


def test_molecular_filter_cut_is_radial():
    model = small_model("schnet")
    cuts = filter_cuts(model, extent=6.0, resolution=7)
    x = cuts.coordinates
    i, j = 1, 5
    expected = radial_filters(model, np.array([np.hypot(x[j], x[i])]))[:, 0, :]
    np.testing.assert_allclose(cuts.values[:, :, i, j], expected, atol=1e-12)
    assert filter_cuts_figure(cuts, filters=[0, 1]).data[0].z is not None


def test_periodic_filter_is_the_sum_over_lattice_images():
    model = small_model("schnet", periodic=True)
    diamond = insight.Structure.from_ase(bulk("C", "diamond", a=3.567))
    cuts = filter_cuts(model, extent=4.0, resolution=5, structure=diamond)
    assert cuts.periodic
    point = np.array([cuts.coordinates[3], cuts.coordinates[1], 0.0])  # column 3, row 1
    r = np.arange(-6, 7)
    lattice = np.array(np.meshgrid(r, r, r, indexing="ij")).reshape(3, -1).T @ diamond.cell
    d = np.linalg.norm(point + lattice, axis=1)
    by_hand = radial_filters(model, d[d < model.cutoff]).sum(axis=1)
    np.testing.assert_allclose(cuts.values[:, :, 1, 3], by_hand, atol=1e-10)


# -- accuracy views --------------------------------------------------------------------------------------


def test_isomer_ranking_of_perfect_and_swapped_predictions():
    table = pd.DataFrame({"formula": ["C7H10O2"] * 4 + ["CH4"], "reference": [1.0, 2.0, 3.0, 4.0, 0.0],
                          "predicted": [1.0, 2.0, 3.0, 4.0, 9.0]})
    table["abs_error"] = (table["predicted"] - table["reference"]).abs()
    perfect = isomer_ranking(insight.Predictions(table, "kcal/mol", "m", "U0"))
    assert (perfect.n, perfect.mae, perfect.kendall_tau, perfect.formula) == (4, 0.0, 1.0, "C7H10O2")
    table.loc[[2, 3], "predicted"] = [4.0, 3.0]  # one discordant pair of six
    table["abs_error"] = (table["predicted"] - table["reference"]).abs()
    swapped = isomer_ranking(insight.Predictions(table, "kcal/mol", "m", "U0"))
    assert swapped.kendall_tau == pytest.approx(4 / 6) and swapped.mae == pytest.approx(0.5)
    assert list(swapped.table["predicted_rank"]) == [1, 2, 4, 3] and swapped.unit == "kcal/mol"


def test_prediction_table_errors_by_size_and_largest_errors():
    from insight.data.qm9 import parse_qm9_csv

    qm9 = parse_qm9_csv([DATA / "qm9_head40.csv"])
    model = small_model("dtnn")
    predictions = prediction_table(model, qm9, np.arange(10, 30), target="U0")
    table = predictions.table
    assert list(table["id"]) == list(qm9.table["index"][10:30]) and predictions.unit == model.energy_unit
    np.testing.assert_allclose(table["predicted"], model.predict(qm9.structures(range(10, 30))).energy, atol=1e-8)
    np.testing.assert_allclose(table["reference"], qm9.target("U0")[10:30])
    per_size = errors_by_size(predictions)
    assert per_size["count"].sum() == 20
    worst = largest_errors(predictions, n=3)
    assert worst["abs_error"].is_monotonic_decreasing and worst["abs_error"].iloc[0] == table["abs_error"].max()


def test_short_range_share_by_hand():
    from insight.analysis.sensitivity import short_range_share

    distance = np.linspace(0.0, 4.0, 401)
    curve = pd.DataFrame({"distance": distance, "element": "C", "sensitivity": np.where(distance <= 1.0, 1.0, 0.0)})
    assert short_range_share(curve, below=1.0) == pytest.approx(1.0, abs=0.01)
    flat = curve.assign(sensitivity=1.0)
    assert short_range_share(flat, below=1.0) == pytest.approx(0.25, abs=1e-9)
    # a window that starts where the data do: 0.5-1.0 Å of the 0.5-4.0 Å
    assert short_range_share(flat, below=1.0, start=0.5) == pytest.approx(0.5 / 3.5, abs=1e-9)
    with pytest.raises(insight.ArgumentError, match="too few points"):
        short_range_share(flat, below=1.0, start=1.5)
    assert 0.0 < short_range_share(pair_sensitivity(small_model("schnet"), "C", "H", np.linspace(0.5, 4, 36))) < 1.0


def test_block_similarity_of_identical_and_independent_blocks():
    from insight.analysis.filters import block_similarity

    model = small_model("schnet")
    distances = np.linspace(0.0, 6.0, 121)
    similarity = block_similarity(model, distances)
    assert similarity.shape == (2, 2) and np.allclose(np.diag(similarity), 1.0)
    assert abs(similarity[0, 1]) < 0.99  # random untied blocks differ
    model.interactions[1].load_state_dict(model.interactions[0].state_dict())
    assert block_similarity(model, distances)[0, 1] == pytest.approx(1.0)


def test_filter_excursions_count_rises_and_falls_whatever_the_scale(monkeypatch):
    from insight.analysis.filters import filter_excursions

    model = small_model("schnet")
    distances = np.linspace(0.0, 6.0, 241)
    excursions = filter_excursions(model, distances)
    assert excursions.shape == (2, model.filters(torch.zeros(1)).shape[-1]) and np.all(excursions >= 1.0 - 1e-9)
    # scaling the filter network's output scales every filter, not its shape
    original = model.filters
    monkeypatch.setattr(model, "filters", lambda d: 3.0 * original(d))
    assert np.allclose(filter_excursions(model, distances), excursions)
    # worked by hand: a ramp rises once (1), one bump rises and falls (2), two sine periods swing 8 times their
    # amplitude over a range of twice it (4)
    by_hand = small_model("schnet")
    monkeypatch.setattr(by_hand, "filters", lambda d: torch.stack([
        torch.stack([d, torch.exp(-((d - 3.0) ** 2)), torch.sin(2 * torch.pi * d / 3.0), torch.ones_like(d)], -1)]))
    ramp, bump, sine, constant = filter_excursions(by_hand, distances)[0]
    assert ramp == pytest.approx(1.0) and bump == pytest.approx(2.0, abs=1e-3) and sine == pytest.approx(4.0, abs=1e-3)
    assert np.isnan(constant)


def test_path_linearity_by_hand():
    from insight.analysis.alchemy import AlchemicalPath, path_linearity

    def path(table):
        return AlchemicalPath(table, "kcal/mol", False, frames=None)

    straight = pd.DataFrame({"progress": np.linspace(0, 3, 16), "energy": 5.0 * np.linspace(0, 3, 16) - 2.0})
    fit = path_linearity(path(straight))
    assert fit.r_squared == pytest.approx(1.0) and fit.slope == pytest.approx(5.0) and fit.unit == "kcal/mol"
    bent = straight.assign(energy=straight["progress"] ** 4)
    assert path_linearity(path(bent)).r_squared < 0.95


def test_composition_baseline_by_hand():
    from insight.analysis.baselines import composition_baseline_mae, composition_counts
    from insight.data.qm9 import QM9

    # CH4, H2O, CH3OH, NH3, C2H6: energies from per-element values, plus +1/-1 kcal/mol on the last two
    molecules = [[6, 1, 1, 1, 1], [8, 1, 1], [6, 8, 1, 1, 1, 1], [7, 1, 1, 1], [6, 6, 1, 1, 1, 1, 1, 1]]
    per_element = {1: -10.0, 6: -50.0, 7: -60.0, 8: -70.0}
    energies = np.array([sum(per_element[z] for z in m) for m in molecules]) + np.array([0, 0, 0, 1.0, -1.0])
    numbers = np.concatenate(molecules)
    data = QM9(numbers, np.zeros((len(numbers), 3)), np.concatenate([[0], np.cumsum([len(m) for m in molecules])]),
               pd.DataFrame({"U0": energies}))
    elements, counts = composition_counts(data, [2, 4])
    assert elements.tolist() == [1, 6, 7, 8] and counts.tolist() == [[4, 1, 0, 1], [6, 2, 0, 0]]
    # fitted on the three exact ones, H, C and O are recovered: no error on them, and ethane's is its offset
    assert composition_baseline_mae(data, [0, 1, 2], [0, 1, 2], "U0") == pytest.approx(0.0, abs=1e-9)
    assert composition_baseline_mae(data, [0, 1, 2], [4], "U0") == pytest.approx(1.0, abs=1e-9)


def test_learning_curve_scores_nested_sizes_on_one_test_set():
    from insight.data.qm9 import load_qm9
    from insight.data.splits import random_split

    molecules = load_qm9(progress=False).subset(np.arange(120))
    models = [(small_model("schnet", seed=n), random_split(120, 80, 20, seed=0, train_subset=n)) for n in (40, 10)]
    curve = insight.learning_curve(models, molecules, sine_matrix=False)
    assert curve.table["n_train"].tolist() == [10, 40] and curve.n_test == 20 and curve.unit == "kcal/mol"
    for (model, split), row in zip(models[::-1], curve.table.itertuples()):
        by_hand = insight.prediction_table(model, molecules, split["test"]).table["abs_error"].mean()
        assert row.test_mae == pytest.approx(by_hand) and row.model == model.name
        reference = molecules.target("U0")
        assert row.training_mean_mae == pytest.approx(np.abs(reference[split["train"]].mean()
                                                             - reference[split["test"]]).mean())
    with pytest.raises(insight.ArgumentError, match="validation or test rows differ"):
        insight.learning_curve([models[0], (models[1][0], random_split(120, 80, 20, seed=1, train_subset=10))],
                               molecules, sine_matrix=False)
