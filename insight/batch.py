"""Flat batches of structures for the models.

Atoms of all structures are concatenated; ``structure_index`` says which
structure each atom belongs to, and neighbour pairs use global atom indices.
No padding and no masks, so molecules and crystals of any size mix freely.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Sequence

import numpy as np
import torch

from .errors import ArgumentError, StructureError
from .neighbors import NeighborPairs, neighbor_pairs
from .structures import Structure

__all__ = ["Batch", "collate"]


@dataclass
class Batch:
    """Tensors describing several structures at once.

    Attributes
    ----------
    numbers
        Atomic numbers, ``(n_atoms,)``.
    positions
        Positions in Å, ``(n_atoms, 3)``.
    structure_index
        Structure of each atom, ``(n_atoms,)``.
    n_atoms
        Atoms per structure, ``(n_structures,)``.
    idx_i, idx_j
        Global atom indices of the ordered pairs (``i`` receives from ``j``), ``(n_pairs,)``.
    offsets
        Cartesian periodic offsets in Å added to ``r_j - r_i``, ``(n_pairs, 3)``.
    mirrored
        The second half of the pairs mirrors the first (see :class:`~insight.neighbors.NeighborPairs`).
    """

    numbers: torch.Tensor
    positions: torch.Tensor
    structure_index: torch.Tensor
    n_atoms: torch.Tensor
    idx_i: torch.Tensor
    idx_j: torch.Tensor
    offsets: torch.Tensor
    mirrored: bool = False

    @property
    def n_structures(self) -> int:
        return int(self.n_atoms.shape[0])

    def pair_vectors(self) -> torch.Tensor:
        """``r_j + offset - r_i`` for every pair, ``(n_pairs, 3)`` in Å."""
        return self.positions[self.idx_j] - self.positions[self.idx_i] + self.offsets

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> "Batch":
        """Move to a device; ``dtype`` applies to the floating-point tensors."""
        moved = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, torch.Tensor):
                continue
            if value.is_floating_point():
                moved[f.name] = value.to(device=device, dtype=dtype)
            else:
                moved[f.name] = value.to(device=device)
        return replace(self, **moved)


def collate(
    structures: Structure | Sequence[Structure],
    cutoff: float | None = None,
    pairs: Sequence[NeighborPairs] | None = None,
    dtype: torch.dtype = torch.float32,
) -> Batch:
    """Concatenate structures into one :class:`Batch` with their neighbour pairs.

    Parameters
    ----------
    structures
        One structure or several.
    cutoff
        Neighbour cutoff in Å (``None``: all pairs, molecules only).
    pairs
        Precomputed pairs per structure, e.g. a one-way list; overrides ``cutoff``.
    dtype
        Floating-point type of positions and offsets.
    """
    if isinstance(structures, Structure):
        structures = [structures]
    if len(structures) == 0:
        raise StructureError("cannot make a batch of zero structures")
    if pairs is None:
        pairs = [neighbor_pairs(s, cutoff) for s in structures]
    elif len(pairs) != len(structures):
        raise ArgumentError(f"got {len(pairs)} pair lists for {len(structures)} structures")
    counts = np.array([len(s) for s in structures])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    mirrored = all(p.mirrored for p in pairs)
    if mirrored:
        # Keep the batch mirrored: all first halves, then all second halves.
        halves = [(slice(0, len(p) // 2), slice(len(p) // 2, len(p))) for p in pairs]
        parts = [(p, s, start, half[h]) for h in (0, 1) for p, s, start, half in zip(pairs, structures, starts, halves)]
    else:
        parts = [(p, s, start, slice(None)) for p, s, start in zip(pairs, structures, starts)]
    idx_i = np.concatenate([p.idx_i[sel] + start for p, _, start, sel in parts])
    idx_j = np.concatenate([p.idx_j[sel] + start for p, _, start, sel in parts])
    offsets = np.concatenate(
        [p.shifts[sel] @ s.cell if s.cell is not None else np.zeros((len(p.idx_i[sel]), 3)) for p, s, _, sel in parts]
    )
    return Batch(
        numbers=torch.from_numpy(np.concatenate([s.numbers for s in structures])),
        positions=torch.from_numpy(np.concatenate([s.positions for s in structures])).to(dtype),
        structure_index=torch.from_numpy(np.repeat(np.arange(len(structures)), counts)),
        n_atoms=torch.from_numpy(counts.astype(np.int64)),
        idx_i=torch.from_numpy(idx_i.astype(np.int64)),
        idx_j=torch.from_numpy(idx_j.astype(np.int64)),
        offsets=torch.from_numpy(offsets.reshape(-1, 3)).to(dtype),
        mirrored=mirrored,
    )
