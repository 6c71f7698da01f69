"""Neighbour pairs against brute force and ASE."""

from __future__ import annotations

import numpy as np
import pytest
from ase.neighborlist import neighbor_list
from conftest import aspirin, random_crystal, silicon

import insight
from insight.neighbors import neighbor_pairs, probe_pairs


def _as_set(i, j, shifts):
    return {(int(a), int(b), *map(int, s)) for a, b, s in zip(i, j, shifts)}


def test_all_pairs_of_a_molecule():
    mol = aspirin()
    pairs = neighbor_pairs(mol)
    n = len(mol)
    assert len(pairs) == n * (n - 1)
    assert not np.any(pairs.idx_i == pairs.idx_j)


@pytest.mark.parametrize("cutoff", [1.2, 2.5])
def test_molecule_pairs_within_cutoff_match_brute_force(cutoff):
    mol = aspirin()
    d = mol.distances()
    expected = {(i, j) for i in range(len(mol)) for j in range(len(mol)) if i != j and d[i, j] < cutoff}
    pairs = neighbor_pairs(mol, cutoff)
    assert {(int(i), int(j)) for i, j in zip(pairs.idx_i, pairs.idx_j)} == expected


@pytest.mark.parametrize("crystal", [random_crystal(), silicon(), random_crystal().repeated((2, 2, 3))])
@pytest.mark.parametrize("cutoff", [2.0, 5.0])
def test_crystal_pairs_match_ase(crystal, cutoff):
    ours = neighbor_pairs(crystal, cutoff)
    i, j, shifts = neighbor_list("ijS", crystal.to_ase(), cutoff)
    assert _as_set(ours.idx_i, ours.idx_j, ours.shifts) == _as_set(i, j, shifts)
    assert len(ours) == len(i)  # no pair twice
    assert np.all(ours.distances(crystal) < cutoff)


def test_pair_lists_are_mirrored():
    """The second half of a pair list is the first with i, j swapped and shifts negated."""
    for pairs in [neighbor_pairs(aspirin()), neighbor_pairs(random_crystal(), 4.0)]:
        half = len(pairs) // 2
        assert pairs.mirrored and len(pairs) == 2 * half
        assert np.array_equal(pairs.idx_i[half:], pairs.idx_j[:half])
        assert np.array_equal(pairs.idx_j[half:], pairs.idx_i[:half])
        assert np.array_equal(pairs.shifts[half:], -pairs.shifts[:half])


def test_mirrored_and_plain_pair_lists_give_the_same_model_output():
    from conftest import small_model

    from insight.neighbors import NeighborPairs

    model = small_model("schnet", periodic=True)
    crystal = random_crystal()
    pairs = neighbor_pairs(crystal, model.cutoff)
    order = np.random.default_rng(0).permutation(len(pairs))
    shuffled = NeighborPairs(pairs.idx_i[order], pairs.idx_j[order], pairs.shifts[order], mirrored=False)
    a = model(insight.collate(crystal, pairs=[pairs], dtype=model.dtype), forces=True)
    b = model(insight.collate(crystal, pairs=[shuffled], dtype=model.dtype), forces=True)
    assert a.energy.item() == pytest.approx(b.energy.item(), abs=1e-10)
    np.testing.assert_allclose(a.forces.detach().numpy(), b.forces.detach().numpy(), atol=1e-10)


def test_large_molecule_with_cutoff_uses_cell_list_and_agrees():
    rng = np.random.default_rng(0)
    positions = rng.uniform(0, 20, size=(300, 3))
    mol = insight.Structure(np.full(300, 6), positions)
    pairs = neighbor_pairs(mol, 3.0)
    d = mol.distances()
    assert len(pairs) == int(((d < 3.0) & (d > 0)).sum())


def test_slab_is_periodic_in_two_directions_only():
    slab = random_crystal().replace(pbc=(True, True, False))
    pairs = neighbor_pairs(slab, 5.0)
    assert np.all(pairs.shifts[:, 2] == 0)
    i, j, shifts = neighbor_list("ijS", slab.to_ase(), 5.0)
    assert _as_set(pairs.idx_i, pairs.idx_j, pairs.shifts) == _as_set(i, j, shifts)


def test_probe_pairs_of_a_crystal_find_every_image_within_cutoff():
    crystal = random_crystal()
    rng = np.random.default_rng(4)
    points = rng.uniform(-6, 9, size=(25, 3))
    pairs = probe_pairs(crystal, points, cutoff=3.0)
    vectors = crystal.positions[pairs.idx_j] + pairs.shifts @ crystal.cell - points[pairs.idx_i]
    assert np.all(np.linalg.norm(vectors, axis=1) < 3.0)
    # Brute force over a generous block of images.
    r = np.arange(-6, 7)
    shifts = np.array(np.meshgrid(r, r, r, indexing="ij")).reshape(3, -1).T
    images = crystal.positions[None] + (shifts @ crystal.cell)[:, None]
    d = np.linalg.norm(points[:, None, None] - images[None], axis=-1)  # (points, shifts, atoms)
    assert len(pairs) == int((d < 3.0).sum())


def test_periodic_structure_needs_a_cutoff():
    with pytest.raises(insight.StructureError, match="finite cutoff"):
        neighbor_pairs(silicon())


def test_fragment_count_by_both_paths_agrees_with_scipy(monkeypatch):
    """Molecules grown over the bond matrix (small structures) and over a neighbour list agree with scipy."""
    from ase.data import covalent_radii
    from scipy.sparse.csgraph import connected_components

    import insight.neighbors as neighbors

    rng = np.random.default_rng(3)
    for n, box in ((12, 6.0), (40, 9.0), (120, 14.0)):
        structure = insight.Structure(rng.choice([1, 6, 8], n), rng.random((n, 3)) * box)
        radii = covalent_radii[structure.numbers]
        expected = connected_components(structure.distances() < 1.25 * (radii[:, None] + radii[None, :]))[0]
        assert neighbors.count_fragments(structure) == expected
        monkeypatch.setattr(neighbors, "_DENSE_LIMIT", 0)  # the neighbour-list path
        assert neighbors.count_fragments(structure) == expected
        monkeypatch.undo()
