"""Materials analyses: example crystals and their cut planes, the sine-matrix baseline, embeddings across the
periodic table, error distributions, and the shipped periodic model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import insight
from insight.analysis.baselines import fit_sine_matrix_model, sine_matrix, sine_matrix_spectra
from insight.examples import EXAMPLE_CRYSTALS, crystal, cut_plane
from insight.plots.potential import atoms_in_plane, planar_cuts_figure


def test_example_crystals_have_their_textbook_bond_lengths():
    nearest = {"diamond": 1.545, "graphite": 1.423, "silicon": 2.352, "rock salt": 2.820, "copper": 2.556}
    for name, expected in nearest.items():
        structure = crystal(name)
        pairs = insight.neighbor_pairs(structure, 3.0)
        assert pairs.distances(structure).min() == pytest.approx(expected, abs=2e-3), name
    assert set(EXAMPLE_CRYSTALS) >= set(nearest)
    with pytest.raises(insight.StructureError, match="choose one of"):
        insight.example("unobtainium")


def test_cut_planes_hold_the_atoms_the_thesis_shows():
    # Graphite: the layer through the first atom is a rectangle (a1 and a1 + 2 a2 are orthogonal).
    graphite = crystal("graphite")
    origin, u, v = cut_plane(graphite)
    assert abs(u @ v) < 1e-9 and np.cross(u, v)[2] != 0
    grid = insight.analysis.potential.PotentialGrid(origin, np.stack([u / 10, v / 10, np.zeros(3)]),
                                                    np.zeros((11, 11)), "C", "eV/atom")
    planar, symbols = atoms_in_plane(graphite, grid)
    # A 3 x 2 block of rectangular graphene cells (4 atoms each in the layer) has 24 atoms inside, 35 with edges.
    assert set(symbols) == {"C"} and 24 <= len(symbols) <= 35
    # Diamond: the (110) plane of the cube holds the nearest-neighbour chains (bond 1.545 Å within the plane).
    diamond = crystal("diamond")
    origin, u, v = cut_plane(diamond)
    np.testing.assert_allclose([np.linalg.norm(u), np.linalg.norm(v)], [2 * np.sqrt(2) * 3.567, 2 * 3.567])
    grid = insight.analysis.potential.PotentialGrid(origin, np.stack([u / 10, v / 10, np.zeros(3)]),
                                                    np.zeros((11, 11)), "C", "eV/atom")
    planar, _ = atoms_in_plane(diamond, grid)
    gaps = np.linalg.norm(planar[:, None] - planar[None], axis=-1)
    assert np.min(gaps[gaps > 0]) == pytest.approx(1.545, abs=2e-3)


def test_sine_matrix_by_hand():
    # Two atoms half a cell apart along x in a cubic cell of 2 Å:
    # B^-1 r = (0.5, 0, 0), sin^2(pi/2) = 1, B (1, 0, 0) = (2, 0, 0), so x_12 = Z1 Z2 / 2.
    structure = insight.Structure([11, 17], [[0, 0, 0], [1.0, 0, 0]], cell=np.eye(3) * 2.0, pbc=True)
    expected = np.array([[0.5 * 11**2.4, 11 * 17 / 2.0], [11 * 17 / 2.0, 0.5 * 17**2.4]])
    np.testing.assert_allclose(sine_matrix(structure), expected)
    # Periodic: moving an atom by a lattice vector, or permuting atoms, keeps the spectrum.
    moved = insight.Structure([17, 11], [[1.0, 2.0, -2.0], [0, 0, 0]], cell=np.eye(3) * 2.0, pbc=True)
    np.testing.assert_allclose(sine_matrix_spectra([structure], 3), sine_matrix_spectra([moved], 3))
    assert sine_matrix_spectra([structure], 3)[0, 2] == 0.0  # zero padding
    with pytest.raises(ValueError, match="more than the descriptor size"):
        sine_matrix_spectra([structure], 1)


def test_sine_matrix_regression_learns_a_smooth_function():
    rng = np.random.default_rng(0)
    structures = [insight.Structure([3, 9], [[0, 0, 0], [a / 2, 0, 0]], cell=np.eye(3) * a, pbc=True)
                  for a in rng.uniform(3.0, 5.0, 60)]
    targets = np.array([np.linalg.det(s.cell) ** (1 / 3) for s in structures])  # the lattice constant
    model = fit_sine_matrix_model(structures[:40], targets[:40], structures[40:50], targets[40:50])
    test_mae = np.mean(np.abs(model.predict(structures[50:]) - targets[50:]))
    assert test_mae < 0.1 * np.mean(np.abs(targets[50:] - targets[:40].mean()))


def test_error_distribution_counts_by_hand():
    frame = insight.error_distribution({"a": np.array([0.1, 0.2, 0.4, 0.8])}, thresholds=np.array([0.0, 0.3, 1.0]))
    assert frame["percent_below"].tolist() == [0.0, 50.0, 100.0]


def test_embedding_group_structure_finds_planted_groups():
    model = insight.SchNet(n_features=8, n_filters=8, n_interactions=1)
    elements = [3, 11, 19, 37, 55, 9, 17, 35, 53, 4, 12, 20, 38, 56]  # groups IA, VIIA, IIA
    with torch.no_grad():
        rng = np.random.default_rng(1)
        centres = {"IA": rng.normal(size=8) * 5, "VIIA": rng.normal(size=8) * 5, "IIA": rng.normal(size=8) * 5}
        direction = rng.normal(size=8)
        for z in elements:
            family = insight.element_family(z)
            period = insight.periodic_table_position(z)[1]
            model.embedding.weight[z] = torch.as_tensor(centres[family] + 0.3 * period * direction)
    summary = insight.embedding_group_structure(model, elements, n_permutations=300)
    assert summary.within_between_ratio < 0.5 and summary.permutation_p < 0.01
    assert summary.families_tested == 3 and summary.families_ordered == 3
    per_family = summary.per_family
    np.testing.assert_allclose(per_family["rho_period_distance"], 1.0)
    # Shuffled labels: no clustering.
    with torch.no_grad():
        model.embedding.weight[elements] = torch.randn(len(elements), 8)
    assert insight.embedding_group_structure(model, elements, n_permutations=300).permutation_p > 0.01


def test_element_families_follow_the_periodic_table():
    assert [insight.element_family(z) for z in ("Na", "Ba", "Tl", "Xe", "Fe", "Ce", "La", "U", "Lu")] == [
        "IA", "IIA", "IIIA", "VIIIA", "group 8", "lanthanides", "lanthanides", "actinides", "group 3"]


@pytest.fixture(scope="module")
def schnet_mp():
    return insight.load_model("schnet-mp", device="cpu").double()


def test_shipped_materials_model_is_periodic_and_invariant(schnet_mp):
    assert schnet_mp.cutoff == 5.0 and schnet_mp.config.neighbor_average and schnet_mp.config.pooling == "mean"
    assert len(schnet_mp.known_elements) == 86
    diamond = crystal("diamond")
    energy = schnet_mp.predict(diamond).energy[0]
    assert schnet_mp.predict(diamond.repeated((2, 2, 1))).energy[0] == pytest.approx(energy, abs=1e-9)
    basis = np.array([[1, 0, 0], [1, 1, 0], [0, -1, 1]])
    recelled = insight.Structure(diamond.numbers, diamond.positions, cell=basis @ diamond.cell, pbc=True)
    assert schnet_mp.predict(recelled).energy[0] == pytest.approx(energy, abs=1e-9)
    # Diamond is a (meta)stable allotrope of an element: its formation energy per atom is small.
    assert abs(energy) < 0.5


def test_crystal_potential_cuts_repeat_with_the_lattice(schnet_mp):
    graphite = crystal("graphite")
    origin, u, v = cut_plane(graphite)
    grid = insight.planar_cut(schnet_mp, graphite, "C", origin=origin, u=u, v=v, resolution=13)
    points = grid.points().reshape(-1, 3)
    shifted = insight.local_potential(schnet_mp, graphite, points + graphite.cell[0] - graphite.cell[1], "C")
    np.testing.assert_allclose(shifted, grid.values.ravel(), atol=1e-8)
    figure = planar_cuts_figure({"graphite": grid}, {"graphite": graphite})
    assert figure.data[0].z is not None and len(figure.data[1].x) > 0


def test_periodic_filter_cut_is_the_lattice_sum_of_radial_filters(schnet_mp):
    diamond = crystal("diamond")
    cuts = insight.filter_cuts(schnet_mp, extent=5.0, resolution=5, structure=diamond)
    # Centre point: the sum over all lattice vectors R within the cutoff of W(|R|), by hand.
    shifts = np.array([[i, j, k] for i in range(-4, 5) for j in range(-4, 5) for k in range(-4, 5)])
    lengths = np.linalg.norm(shifts @ diamond.cell, axis=1)
    lengths = lengths[lengths < schnet_mp.cutoff]
    by_hand = insight.radial_filters(schnet_mp, lengths).sum(axis=1)  # (blocks, filters)
    np.testing.assert_allclose(cuts.values[:, :, 2, 2], by_hand, rtol=1e-9, atol=1e-12)
