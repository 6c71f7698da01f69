"""Local chemical potentials: the T=1 identity, isosurfaces, planar cuts, cube and surface files."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import aspirin, random_crystal, small_model

import insight
from insight.analysis.potential import (
    inverse_square_field,
    isosurface,
    local_potential,
    planar_cut,
    potential_grid,
    potential_on_isosurface,
    write_cube,
    write_surface,
)
from insight.plots.potential import isosurface_figure, planar_cut_figure
from insight.testing import random_rotation


@pytest.mark.parametrize("kind", ["schnet", "dtnn", "painn"])
@pytest.mark.parametrize("tabulate", [False, True])
def test_t1_probe_at_a_removed_atom_equals_its_contribution(kind, tabulate):
    """With one pass, atom k only feels the others; a probe of k's element at r_k without k feels the same
    (PaiNN: the others' embeddings and zero vectors, along the directions from r_k)."""
    torch.manual_seed(0)
    model = {"schnet": lambda: insight.SchNet(n_features=16, n_filters=16, n_interactions=1),
             "dtnn": lambda: insight.DTNN(n_features=12, n_factors=16, n_interactions=1),
             "painn": lambda: insight.PaiNN(n_features=8, n_interactions=1, cutoff=4.0, rbf_stop=4.0,
                                            rbf_spacing=0.4)}[kind]().double()
    model.stddev.fill_(3.0)
    model.mean.fill_(-2.0)
    molecule = aspirin()
    contributions = model.predict(molecule).contributions[0]
    for k in [0, 7, 15, 20]:
        keep = np.arange(len(molecule)) != k
        without_k = molecule.replace(numbers=molecule.numbers[keep], positions=molecule.positions[keep])
        omega = local_potential(model, without_k, molecule.positions[k : k + 1], int(molecule.numbers[k]),
                                tabulate=tabulate)
        assert omega[0] == pytest.approx(contributions[k], abs=1e-5 if tabulate else 1e-9)


def test_isosurface_lies_on_the_level_and_is_closed():
    molecule = aspirin()
    surface = isosurface(molecule, level=3.8, spacing=0.1)
    field = inverse_square_field(molecule, surface.vertices)
    np.testing.assert_allclose(field, 3.8, rtol=0.02)
    n_edges = len({tuple(sorted(e)) for f in surface.faces for e in ((f[0], f[1]), (f[1], f[2]), (f[2], f[0]))})
    assert len(surface.vertices) - n_edges + len(surface.faces) == 2  # one closed surface of genus 0


def test_potential_is_invariant_when_molecule_and_points_move_together():
    model = small_model("schnet")
    molecule = aspirin()
    surface = potential_on_isosurface(model, molecule, probe="O", spacing=0.15)
    rotation = random_rotation(np.random.default_rng(0))
    moved = molecule.transformed(rotation).translated([3.0, -1.0, 2.0])
    moved_points = surface.vertices @ rotation.T + [3.0, -1.0, 2.0]
    np.testing.assert_allclose(local_potential(model, moved, moved_points, "O"), surface.values, atol=1e-6)
    assert surface.probe == "O" and len(surface.values) == len(surface.vertices)


def test_planar_cut_of_a_crystal_is_periodic():
    model = small_model("schnet", periodic=True)
    crystal = random_crystal()
    cut = planar_cut(model, crystal, "C", resolution=12)
    shifted = planar_cut(model, crystal, "C", origin=crystal.cell[2] - crystal.cell[0], resolution=12)
    np.testing.assert_allclose(shifted.values, cut.values, atol=1e-6)
    # The plane spans the first two lattice vectors: opposite edges are one lattice vector apart.
    np.testing.assert_allclose(cut.values[0], cut.values[-1], atol=1e-6)
    assert planar_cut_figure(cut).data[0].z is not None


def test_cube_file_round_trip_through_ase(tmp_path):
    from ase.io.cube import read_cube_data

    model = small_model("dtnn")
    molecule = insight.from_smiles("CO")
    grid = potential_grid(model, molecule, "H", spacing=0.5, margin=2.0)
    data, atoms = read_cube_data(str(write_cube(tmp_path / "omega.cube", molecule, grid)))
    np.testing.assert_allclose(data, grid.values, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(atoms.positions, molecule.positions, atol=1e-5)


@pytest.mark.parametrize("suffix", [".vtk", ".ply"])
def test_surface_files_keep_the_potential(tmp_path, suffix):
    import meshio

    surface = potential_on_isosurface(small_model("schnet"), insight.from_smiles("O"), probe="H", spacing=0.1)
    mesh = meshio.read(write_surface(tmp_path / f"surface{suffix}", surface))
    np.testing.assert_allclose(mesh.points, surface.vertices, atol=1e-5)
    np.testing.assert_allclose(mesh.point_data["Omega_H"], surface.values, rtol=1e-6)


def test_figure_carries_the_potential_values():
    molecule = insight.from_smiles("CCO")
    surface = potential_on_isosurface(small_model("schnet"), molecule, probe="C", spacing=0.15)
    figure = isosurface_figure(surface, molecule)
    mesh = [t for t in figure.data if t.name == "potential"][0]
    np.testing.assert_allclose(mesh.intensity, surface.values)


def test_bad_input_is_refused_with_a_reason():
    model = small_model("schnet")
    with pytest.raises(ValueError, match="shape \\(n_points, 3\\)"):
        local_potential(model, aspirin(), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="level must be positive"):
        isosurface(aspirin(), level=-1)
    with pytest.raises(ValueError, match="planar_cut for crystals"):
        potential_on_isosurface(small_model("schnet", periodic=True), random_crystal())


def test_symmetry_deviation_is_round_off_for_a_symmetry_and_not_otherwise():
    """Benzene's 60° rotation maps Ω onto itself; 30° (not a symmetry of the hydrogens) does not."""
    from insight.analysis.potential import axis_rotation, symmetry_deviation

    model = small_model("schnet")
    benzene = insight.from_smiles("c1ccccc1")
    surface = insight.potential_on_isosurface(model, benzene, "H", spacing=0.25)
    carbons = benzene.positions[benzene.numbers == 6]
    center = carbons.mean(axis=0)
    normal = np.linalg.svd(carbons - center)[2][-1]
    assert symmetry_deviation(model, benzene, surface, axis_rotation(normal, np.pi / 3), center) < 1e-3
    assert symmetry_deviation(model, benzene, surface, axis_rotation(normal, np.pi / 6), center) > 1e-2
    np.testing.assert_allclose(axis_rotation([0, 0, 1], np.pi / 2) @ [1, 0, 0], [0, 1, 0], atol=1e-12)
    with pytest.raises(ValueError, match="orthogonal"):
        symmetry_deviation(model, benzene, surface, 2 * np.eye(3), center)


def test_hydrogens_are_told_apart_by_their_carbon_and_the_contrast_is_worked_out_by_hand():
    toluene = insight.from_smiles("Cc1ccccc1")
    kinds = insight.hydrogen_saturation(toluene)
    methyl = [h for h in kinds if np.linalg.norm(toluene.positions[h] - toluene.positions[0]) < 1.2]
    assert len(kinds) == 8 and {kinds[h] for h in methyl} == {"saturated"} and len(methyl) == 3
    assert sorted(kinds.values()).count("unsaturated") == 5
    assert insight.hydrogen_saturation(insight.from_smiles("O")) == {}  # no carbon: left out
    # two vertices beside an aromatic H at Omega 1 and 3, two beside a methyl H at 6 and 8: means 2 and 7, both
    # standard deviations sqrt(2), so d = (2 - 7) / sqrt(2)
    aromatic, saturated = next(h for h in kinds if kinds[h] == "unsaturated"), methyl[0]
    nudge = np.array([[0.05, 0.0, 0.0], [0.0, 0.05, 0.0]])
    vertices = np.vstack([toluene.positions[aromatic] + nudge, toluene.positions[saturated] + nudge])
    surface = insight.Isosurface(vertices, np.zeros((0, 3), dtype=int), 3.8, np.array([1.0, 3.0, 6.0, 8.0]), "H",
                                 "kcal/mol")
    contrast = insight.saturation_contrast([(toluene, surface)])
    assert (contrast.mean_a, contrast.mean_b, contrast.n_a, contrast.n_b) == (2.0, 7.0, 2, 2)
    assert contrast.effect_size == pytest.approx(-5 / np.sqrt(2))
    with pytest.raises(insight.ArgumentError, match="both unsaturated and saturated"):
        insight.saturation_contrast([(insight.from_smiles("c1ccccc1"), surface)])


def test_separation_into_low_and_high_regions_by_hand():
    def surface(values):
        return insight.Isosurface(np.zeros((len(values), 3)), np.zeros((0, 3), dtype=int), 3.8, np.asarray(values,
                                                                                                             float))

    assert insight.potential_separation(surface([0.0] * 50 + [1.0] * 50)) == pytest.approx(1.0)
    # a uniform spread splits at its middle: between-group variance (1/2)^2 / 4 of the variance 1/12
    assert insight.potential_separation(surface(np.linspace(0, 1, 100001))) == pytest.approx(0.75, abs=1e-4)
    assert insight.potential_separation(surface([2.0] * 10)) == 0.0
    peaked = np.random.default_rng(0).normal(size=20000)
    assert insight.potential_separation(surface(peaked)) == pytest.approx(2 / np.pi, abs=0.01)  # Gaussian: 2/pi
