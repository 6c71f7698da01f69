"""Neighbour pairs for molecules and crystals.

Molecules without a cutoff use all ordered pairs ``i != j`` (the QM9 models of
the thesis have no cutoff, sec. 4.4.1). With a cutoff, or for crystals, pairs
come from vesin's cell list, which returns integer cell shifts so that the
pair vector ``r_j + S @ cell - r_i`` stays differentiable in the positions.
Small molecules are handled by a dense NumPy distance matrix instead: for a
QM9-sized molecule this is faster than any cell list (see benchmarks/neighbors.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase.data import covalent_radii
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .errors import ArgumentError, StructureError
from .structures import OVERLAP_DISTANCE, Structure

__all__ = ["NeighborPairs", "check_overlaps", "count_fragments", "neighbor_pairs", "probe_pairs"]

#: Up to this many atoms a dense distance matrix beats a cell list for molecules.
_DENSE_LIMIT = 200


@dataclass(frozen=True)
class NeighborPairs:
    """Ordered pairs ``(i, j)``: atom ``i`` receives from atom ``j`` shifted by ``shifts`` cells.

    Attributes
    ----------
    idx_i, idx_j
        Atom indices, shape ``(n_pairs,)``.
    shifts
        Integer lattice shifts of atom ``j``, shape ``(n_pairs, 3)``; zero for molecules.
    mirrored
        The second half of the pairs is the first half with ``i`` and ``j``
        swapped and shifts negated, so that anything depending only on the
        distance is computed once per unordered pair.
    """

    idx_i: np.ndarray
    idx_j: np.ndarray
    shifts: np.ndarray
    mirrored: bool = False

    def __len__(self) -> int:
        return len(self.idx_i)

    def vectors(self, structure: Structure) -> np.ndarray:
        """Pair vectors ``r_j + S @ cell - r_i`` in Å, shape ``(n_pairs, 3)``."""
        offsets = 0.0 if structure.cell is None else self.shifts @ structure.cell
        return structure.positions[self.idx_j] + offsets - structure.positions[self.idx_i]

    def distances(self, structure: Structure) -> np.ndarray:
        return np.linalg.norm(self.vectors(structure), axis=1)


def _mirror(i: np.ndarray, j: np.ndarray, shifts: np.ndarray) -> NeighborPairs:
    return NeighborPairs(
        np.concatenate([i, j]).astype(np.int64),
        np.concatenate([j, i]).astype(np.int64),
        np.concatenate([shifts, -shifts]).astype(np.int64),
        mirrored=True,
    )


def _dense_pairs(positions: np.ndarray, cutoff: float | None) -> NeighborPairs:
    i, j = np.triu_indices(len(positions), k=1)
    if cutoff is not None:
        keep = np.linalg.norm(positions[j] - positions[i], axis=1) < cutoff
        i, j = i[keep], j[keep]
    return _mirror(i, j, np.zeros((len(i), 3), dtype=np.int64))


def neighbor_pairs(structure: Structure, cutoff: float | None = None) -> NeighborPairs:
    """All ordered neighbour pairs of a structure, as a mirrored list (see :class:`NeighborPairs`).

    Parameters
    ----------
    structure
        A molecule or crystal.
    cutoff
        Interaction radius in Å. ``None`` means all pairs, which is only
        defined for molecules.

    Returns
    -------
    NeighborPairs
        With periodic images for crystals (including an atom's own images).
    """
    if cutoff is not None and not cutoff > 0:
        raise ArgumentError(f"cutoff must be a positive distance in Å, got {cutoff}")
    if not structure.is_periodic:
        if cutoff is None or len(structure) <= _DENSE_LIMIT:
            return _dense_pairs(structure.positions, cutoff)
    elif cutoff is None:
        raise StructureError(
            "a periodic structure needs a finite cutoff; all pairs of an infinite crystal do not exist")
    else:
        _check_pair_count(structure, cutoff)

    from vesin import NeighborList

    box = structure.cell if structure.cell is not None else np.zeros((3, 3))
    i, j, shifts = NeighborList(cutoff=float(cutoff), full_list=False).compute(
        points=structure.positions, box=box, periodic=list(structure.pbc), quantities="ijS"
    )
    return _mirror(np.asarray(i), np.asarray(j), np.asarray(shifts))


#: Most neighbour pairs a periodic structure may have before anything is allocated (about 1 GB of pair data).
MAX_PERIODIC_PAIRS = 20_000_000


def _check_pair_count(structure: Structure, cutoff: float) -> None:
    """Refuse cells so small or dense that the neighbour list would exhaust memory, before building it."""
    volume = abs(float(np.linalg.det(structure.cell)))
    if volume < 1e-6:
        raise StructureError(f"the cell has zero volume ({volume:.2g} Å³); check the lattice vectors")
    expected = len(structure) ** 2 * (4.0 / 3.0 * np.pi * cutoff**3) / volume
    if expected > MAX_PERIODIC_PAIRS:
        raise StructureError(f"about {expected:.2g} neighbour pairs within {cutoff} Å: the cell ({volume:.3g} Å³ for "
                             f"{len(structure)} atoms) is far denser than matter; check the lattice constants and "
                             "their unit (Å)")


def _shift_range(cell: np.ndarray, pbc: tuple[bool, bool, bool], cutoff: float) -> np.ndarray:
    """All integer lattice shifts that can bring a point within ``cutoff`` of any point of the cell."""
    # The distance between lattice planes is 1/|b_k| for reciprocal vectors b_k;
    # one extra shell covers points anywhere inside the cell.
    reciprocal = np.linalg.inv(cell).T
    plane_spacing = 1.0 / np.linalg.norm(reciprocal, axis=1)
    n = [int(np.ceil(cutoff / plane_spacing[k])) + 1 if pbc[k] else 0 for k in range(3)]
    grid = np.meshgrid(*[np.arange(-m, m + 1) for m in n], indexing="ij")
    return np.stack([g.ravel() for g in grid], axis=1)


def probe_pairs(structure: Structure, points: np.ndarray, cutoff: float | None = None) -> NeighborPairs:
    """One-way pairs from probe points to the atoms of a structure.

    ``idx_i`` indexes ``points`` (the probes, which receive), ``idx_j`` the atoms
    (which send); atoms never receive from probes (thesis Eq. 3.12, 4.15).

    Parameters
    ----------
    structure
        The structure felt by the probes.
    points
        Probe positions in Å, shape ``(n_points, 3)``.
    cutoff
        Interaction radius in Å; ``None`` (molecules only) pairs every probe with every atom.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    n_points, n_atoms = len(points), len(structure)
    if not structure.is_periodic:
        idx_i = np.repeat(np.arange(n_points), n_atoms)
        idx_j = np.tile(np.arange(n_atoms), n_points)
        if cutoff is not None:
            d = np.linalg.norm(structure.positions[idx_j] - points[idx_i], axis=1)
            keep = d < cutoff
            idx_i, idx_j = idx_i[keep], idx_j[keep]
        return NeighborPairs(idx_i, idx_j, np.zeros((len(idx_i), 3), dtype=np.int64))
    if cutoff is None:
        raise StructureError("probing a periodic structure needs a finite cutoff")
    # Work with probes and atoms wrapped into the cell, then fold the wrapping
    # back into the shifts so that r_j + S @ cell - r_p holds for the inputs.
    cell = structure.cell
    probe_cells = _cell_index(points, cell, structure.pbc)
    atom_cells = _cell_index(structure.positions, cell, structure.pbc)
    points = points - probe_cells @ cell
    atoms = structure.positions - atom_cells @ cell
    shifts = _shift_range(cell, structure.pbc, cutoff)
    images = atoms[None, :, :] + (shifts @ cell)[:, None, :]  # (n_shifts, n_atoms, 3)
    images = images.reshape(-1, 3)
    image_atom = np.tile(np.arange(n_atoms), len(shifts))
    image_shift = np.repeat(shifts, n_atoms, axis=0)
    # A k-d tree over the atom images finds each probe's neighbours in O(n log n);
    # the "ndarray" output keeps pairs at distance zero (a probe on a nucleus).
    from scipy.spatial import cKDTree

    found = cKDTree(points).sparse_distance_matrix(cKDTree(images), cutoff, output_type="ndarray")
    found = found[found["v"] < cutoff]
    order = np.lexsort((found["j"], found["i"]))  # probe-major, as the brute-force search returned them
    p, k = found["i"][order].astype(np.int64), found["j"][order].astype(np.int64)
    atom = image_atom[k]
    shift = image_shift[k] + probe_cells[p] - atom_cells[atom]
    return NeighborPairs(p.astype(np.int64), atom.astype(np.int64), shift.astype(np.int64))


def _cell_index(positions: np.ndarray, cell: np.ndarray, pbc: tuple[bool, bool, bool]) -> np.ndarray:
    """Integer cell each position lies in, along periodic directions (zero elsewhere)."""
    frac = np.linalg.solve(cell.T, positions.T).T
    index = np.floor(frac).astype(np.int64)
    index[:, [not p for p in pbc]] = 0
    return index


def check_overlaps(structure: Structure, min_distance: float = OVERLAP_DISTANCE) -> None:
    """Raise :class:`StructureError` if two atoms (or periodic images) are closer than ``min_distance`` Å."""
    pairs = neighbor_pairs(structure, cutoff=min_distance)
    if len(pairs.idx_i):
        i, j = int(pairs.idx_i[0]), int(pairs.idx_j[0])
        d = float(pairs.distances(structure)[0])
        same = " (with its own periodic image)" if i == j else ""
        raise StructureError(
            f"atoms {i} ({structure.symbols[i]}) and {j} ({structure.symbols[j]}){same} overlap: "
            f"{d:.3f} Å apart, below {min_distance} Å; check the coordinates and their unit (Å expected)"
        )


def count_fragments(structure: Structure, tolerance: float = 1.25) -> int:
    """How many molecules a (non-periodic) structure holds: atoms are bonded when closer than ``tolerance`` times
    the sum of their covalent radii (ASE's table)."""
    radii = covalent_radii[structure.numbers]
    if len(structure) <= _DENSE_LIMIT:  # small molecules: grow each molecule from one atom over the bond matrix
        bonded = structure.distances() < tolerance * (radii[:, None] + radii[None, :])
        unreached, count = np.ones(len(structure), dtype=bool), 0
        while unreached.any():
            count += 1
            grown = np.zeros(len(structure), dtype=bool)
            grown[np.argmax(unreached)] = True
            while True:
                wider = grown | bonded[grown].any(axis=0)
                if (wider == grown).all():
                    break
                grown = wider
            unreached &= ~grown
        return count
    pairs = neighbor_pairs(structure.replace(cell=None, pbc=(False, False, False)),
                           cutoff=float(2 * tolerance * radii.max()) + 1e-6)
    bonded = pairs.distances(structure) < tolerance * (radii[pairs.idx_i] + radii[pairs.idx_j])
    graph = coo_matrix((np.ones(int(bonded.sum())), (pairs.idx_i[bonded], pairs.idx_j[bonded])),
                       shape=(len(structure), len(structure)))
    return int(connected_components(graph, directed=False)[0])
