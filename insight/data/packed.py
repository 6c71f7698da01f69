"""Structures packed for training and evaluation: concatenated atoms with precomputed pairs, batched by slicing."""

from __future__ import annotations

import numpy as np
import torch

from ..batch import Batch
from ..errors import DatasetError
from ..neighbors import neighbor_pairs
from ..structures import Structure
from .storage import concatenated_ranges

__all__ = ["PackedStructures"]


class PackedStructures:
    """Structures with targets and precomputed neighbour pairs, collated into batches by slicing.

    Pairs are computed once (each unordered pair within ``cutoff``, with its
    periodic offset for crystals), so an epoch spends its time in the model,
    not in Python. Batches are mirrored (see :class:`~insight.batch.Batch`).

    Parameters
    ----------
    numbers, positions, offsets
        Concatenated atoms; structure ``k`` is ``offsets[k]:offsets[k+1]``.
    targets
        One value per structure.
    cutoff
        Neighbour radius in Å; ``None`` takes all pairs (molecules only).
    cells
        Lattice vectors per structure, ``(n_structures, 3, 3)``, for periodic
        structures; ``None`` for molecules.
    forces
        Reference forces per atom, ``(n_atoms_total, 3)``, to train on (Eq. 5.7).
    """

    def __init__(
        self,
        numbers: np.ndarray,
        positions: np.ndarray,
        offsets: np.ndarray,
        targets: np.ndarray,
        cutoff: float | None,
        cells: np.ndarray | None = None,
        forces: np.ndarray | None = None,
    ):
        self.numbers = np.asarray(numbers, dtype=np.int64)
        self.forces = None if forces is None else np.asarray(forces, dtype=np.float64).reshape(-1, 3)
        if self.forces is not None and len(self.forces) != len(self.numbers):
            raise DatasetError(f"{len(self.forces)} force vectors for {len(self.numbers)} atoms")
        self.positions = np.asarray(positions, dtype=np.float64)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.targets = np.asarray(targets, dtype=np.float64)
        self.cells = None if cells is None else np.asarray(cells, dtype=np.float64)
        if self.cells is not None and cutoff is None:
            raise DatasetError("periodic structures need a neighbour cutoff; train with e.g. cutoff=5.0")
        pair_i, pair_j, pair_shift, pair_counts = [], [], [], []
        for k in range(len(self)):
            a, b = self.offsets[k], self.offsets[k + 1]
            if self.cells is None:
                i, j = np.triu_indices(b - a, k=1)  # each unordered pair once; batches mirror them
                if cutoff is not None:
                    d = np.linalg.norm(self.positions[a + j] - self.positions[a + i], axis=1)
                    i, j = i[d < cutoff], j[d < cutoff]
            else:
                crystal = Structure(self.numbers[a:b], self.positions[a:b], cell=self.cells[k], pbc=True)
                pairs = neighbor_pairs(crystal, cutoff)
                half = len(pairs) // 2
                i, j = pairs.idx_i[:half], pairs.idx_j[:half]
                pair_shift.append(pairs.shifts[:half] @ self.cells[k])
            pair_i.append(i)
            pair_j.append(j)
            pair_counts.append(len(i))
        self.pair_i = np.concatenate(pair_i).astype(np.int64)
        self.pair_j = np.concatenate(pair_j).astype(np.int64)
        self.pair_shift = None if self.cells is None else np.concatenate(pair_shift).reshape(-1, 3)
        self.pair_offsets = np.concatenate([[0], np.cumsum(pair_counts)]).astype(np.int64)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_atoms(self) -> np.ndarray:
        return np.diff(self.offsets)

    def batch(self, rows: np.ndarray, dtype: torch.dtype = torch.float32,
              by_distance: bool = False) -> tuple[Batch, torch.Tensor]:
        """Structures ``rows`` as one mirrored batch, and their targets.

        ``by_distance`` orders the pairs by distance (training): the windowed Gaussian expansion then takes its
        bins as slices, without permuting every pair's features there and back. The model's output is the same
        up to the summation order of float round-off; evaluation keeps the stored order, so that published
        numbers are reproduced bit for bit.
        """
        rows = np.asarray(rows, dtype=np.int64)
        counts = self.n_atoms[rows]
        atom_rows = concatenated_ranges(self.offsets, rows)
        pair_rows = concatenated_ranges(self.pair_offsets, rows)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        pair_counts = np.diff(self.pair_offsets)[rows]
        shift = np.repeat(starts, pair_counts)
        half_i, half_j = self.pair_i[pair_rows] + shift, self.pair_j[pair_rows] + shift
        half_offsets = None if self.pair_shift is None else self.pair_shift[pair_rows]
        if by_distance:
            positions = self.positions[atom_rows]
            vectors = positions[half_j] - positions[half_i]
            if half_offsets is not None:
                vectors += half_offsets
            order = np.argsort(np.einsum("ij,ij->i", vectors, vectors), kind="stable")
            half_i, half_j = half_i[order], half_j[order]
            half_offsets = None if half_offsets is None else half_offsets[order]
        if half_offsets is None:
            pair_offsets = torch.zeros((2 * len(pair_rows), 3), dtype=dtype)
        else:
            pair_offsets = torch.from_numpy(np.concatenate([half_offsets, -half_offsets])).to(dtype)
        batch = Batch(
            numbers=torch.from_numpy(self.numbers[atom_rows]),
            positions=torch.from_numpy(self.positions[atom_rows]).to(dtype),
            structure_index=torch.from_numpy(np.repeat(np.arange(len(rows)), counts)),
            n_atoms=torch.from_numpy(counts),
            idx_i=torch.from_numpy(np.concatenate([half_i, half_j])),
            idx_j=torch.from_numpy(np.concatenate([half_j, half_i])),
            offsets=pair_offsets,
            mirrored=True,
        )
        return batch, torch.from_numpy(self.targets[rows]).to(dtype)

    def atom_forces(self, rows: np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """Reference forces of the atoms of ``rows``, in the order of :meth:`batch`."""
        if self.forces is None:
            raise DatasetError("these data have no forces")
        return torch.from_numpy(self.forces[concatenated_ranges(self.offsets, rows)]).to(dtype)
