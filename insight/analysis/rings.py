"""Ranking of 6-membered carbon ring stability (thesis sec. 4.5.4, Eq. 4.16, Fig. 4.14, App. B.2).

``E_ring = sum_{i in ring} E_i`` over the six carbons of a ring. Rings are
perceived by RDKit on connectivity derived from the geometry (atom order kept),
as the smallest set of smallest rings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..errors import StructureError
from ..models.base import AtomisticModel
from ..structures import Structure, hill_formula

__all__ = ["RingStability", "connectivity_mol", "six_membered_carbon_rings", "ring_neighbors", "ring_stability"]


@dataclass(frozen=True)
class RingStability:
    """Six-membered carbon rings ranked by ``E_ring``, the sum of their atoms' ``E_i`` (Fig. 4.14), in ``unit``."""

    table: pd.DataFrame
    unit: str

    def to_frame(self) -> pd.DataFrame:
        return self.table


def connectivity_mol(structure: Structure):
    """An RDKit molecule with bonds from the geometry (``rdDetermineBonds.DetermineConnectivity``), atom order kept."""
    from rdkit import Chem
    from rdkit.Chem import rdDetermineBonds

    block = f"{len(structure)}\n\n" + "\n".join(
        f"{symbol} {x:.8f} {y:.8f} {z:.8f}" for symbol, (x, y, z) in zip(structure.symbols, structure.positions)
    )
    mol = Chem.MolFromXYZBlock(block)
    rdDetermineBonds.DetermineConnectivity(mol)
    return mol


def six_membered_carbon_rings(structure: Structure, mol=None) -> list[tuple[int, ...]]:
    """Atom indices of every 6-membered all-carbon ring, each in order around the ring.

    ``mol``: the structure's :func:`connectivity_mol`, if already at hand.
    """
    from rdkit import Chem

    if structure.is_periodic:
        raise StructureError("ring perception is for molecules")
    rings = Chem.GetSymmSSSR(mol if mol is not None else connectivity_mol(structure))
    return [tuple(int(a) for a in ring) for ring in rings
            if len(ring) == 6 and all(structure.numbers[a] == 6 for a in ring)]


def ring_neighbors(structure: Structure, ring: Sequence[int], mol=None) -> str:
    """Hill formula of the atoms bonded to ``ring`` from outside it (e.g. ``"H5N"`` for aniline's ring).

    ``mol``: the structure's :func:`connectivity_mol`, if already at hand.
    """
    mol = mol if mol is not None else connectivity_mol(structure)
    members = set(int(a) for a in ring)
    outside = {neighbor.GetIdx() for a in members for neighbor in mol.GetAtomWithIdx(a).GetNeighbors()} - members
    return hill_formula(structure.numbers[sorted(outside)])


def ring_stability(
    model: AtomisticModel, structures: Sequence[Structure], batch_size: int = 256, progress: bool = True,
    tabulate: bool = True,
) -> RingStability:
    """Every 6-membered carbon ring of ``structures`` with its energy ``E_ring``, most stable first.

    ``tabulate``: filters from the model's distance table (same ``E_i`` to float32 round-off, faster).

    Returns
    -------
    RingStability
        ``table``: ``rank`` (1 = lowest E_ring = most stable), ``structure`` (position in
        ``structures``), ``name``, ``smiles``, ``ring`` (atom indices, ``"0-1-2-3-4-5"``),
        ``neighbors`` (Hill formula of the atoms bonded to the ring from outside,
        see :func:`ring_neighbors`) and ``E_ring`` in ``model.energy_unit``.
    """
    found = []
    iterator = range(len(structures))
    if progress:
        iterator = tqdm(iterator, desc="finding rings", unit="molecule", leave=False, mininterval=2.0,
                        disable=None)
    neighbors = []
    for k in iterator:
        mol = connectivity_mol(structures[k])  # one connectivity per molecule, for its rings and their neighbours
        for ring in six_membered_carbon_rings(structures[k], mol):
            found.append((k, ring))
            neighbors.append(ring_neighbors(structures[k], ring, mol))
    with_rings = sorted({k for k, _ in found})
    contributions: dict[int, np.ndarray] = {}
    chunks = range(0, len(with_rings), batch_size)
    if progress:
        chunks = tqdm(chunks, desc="E_i of ring molecules", unit="batch", leave=False)
    for start in chunks:
        rows = with_rings[start : start + batch_size]
        prediction = model.predict([structures[k] for k in rows], batch_size=batch_size, tabulate=tabulate)
        contributions.update(zip(rows, prediction.contributions))
    frame = pd.DataFrame({
        "structure": [k for k, _ in found],
        "name": [structures[k].info.get("name", structures[k].formula) for k, _ in found],
        "smiles": [structures[k].info.get("smiles", "") for k, _ in found],
        "ring": ["-".join(map(str, ring)) for _, ring in found],
        "neighbors": neighbors,
        "E_ring": [float(contributions[k][list(ring)].sum()) for k, ring in found],
    })
    frame = frame.sort_values("E_ring", kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return RingStability(frame, model.energy_unit)
