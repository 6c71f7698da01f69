"""Example structures: the molecules and crystals the thesis analyses.

Molecules come from SMILES (RDKit ETKDG + MMFF94, seeded); crystals are built
with ASE at experimental lattice constants. Graphite and diamond are the
crystals of Figs 4.5 and 4.9.
"""

from __future__ import annotations

from dataclasses import dataclass

import ase
import numpy as np
from ase.build import bulk
from ase.lattice.hexagonal import Graphite

from .errors import StructureError
from .io import from_smiles
from .structures import Structure

__all__ = ["MD17_MOLECULES", "EXAMPLE_MOLECULES", "EXAMPLE_CRYSTALS", "example", "example_names", "crystal",
           "cut_plane"]

#: The eight molecules of MD17 (thesis sec. 3.5.2, Tables 5.3 and 5.4) as SMILES.
MD17_MOLECULES: dict[str, str] = {
    "benzene": "c1ccccc1",
    "toluene": "Cc1ccccc1",
    "malonaldehyde": "O=CCC=O",
    "salicylic acid": "OC(=O)c1ccccc1O",
    "aspirin": "CC(=O)Oc1ccccc1C(=O)O",
    "ethanol": "CCO",
    "uracil": "O=c1cc[nH]c(=O)[nH]1",
    "naphthalene": "c1ccc2ccccc2c1",
}

#: Molecules by name: SMILES (the MD17 molecules and a few of the thesis' QM9 examples).
EXAMPLE_MOLECULES: dict[str, str] = {"phenol": "c1ccccc1O", "pyridine": "c1ccncc1", **MD17_MOLECULES}


@dataclass(frozen=True)
class _Crystal:
    """An example crystal at its experimental lattice constants (Å)."""

    symbols: str
    lattice: str  # ASE's crystal structure name
    description: str
    a: float
    c: float | None = None

    def build(self) -> "ase.Atoms":
        if self.lattice == "graphite":
            return Graphite(symbol=self.symbols, latticeconstant={"a": self.a, "c": self.c}, size=(1, 1, 1))
        return bulk(self.symbols, self.lattice, a=self.a)


_CRYSTALS: dict[str, _Crystal] = {
    "diamond": _Crystal("C", "diamond", "cubic diamond", 3.567),
    "graphite": _Crystal("C", "graphite", "hexagonal AB graphite", 2.464, 6.711),
    "silicon": _Crystal("Si", "diamond", "cubic diamond", 5.431),
    "rock salt": _Crystal("NaCl", "rocksalt", "rock salt", 5.640),
    "copper": _Crystal("Cu", "fcc", "fcc", 3.615),
    "magnesium oxide": _Crystal("MgO", "rocksalt", "rock salt", 4.212),
    "gallium arsenide": _Crystal("GaAs", "zincblende", "zinc blende", 5.653),
}

#: Crystals by name: a one-line description (lattice constants in Å).
EXAMPLE_CRYSTALS: dict[str, str] = {
    name: f"{c.symbols}, {c.description}, a = {c.a:.3f}" + (f", c = {c.c:.3f}" if c.c else "")
    for name, c in _CRYSTALS.items()
}


def crystal(name: str) -> Structure:
    """One of :data:`EXAMPLE_CRYSTALS` as a periodic :class:`Structure` (primitive cell)."""
    if name not in _CRYSTALS:
        raise StructureError(f"no example crystal {name!r}; choose one of {', '.join(EXAMPLE_CRYSTALS)}")
    return Structure.from_ase(_CRYSTALS[name].build(), name=name)


def example_names() -> list[str]:
    return list(EXAMPLE_MOLECULES) + list(EXAMPLE_CRYSTALS)


def example(name: str) -> Structure:
    """An example molecule or crystal by name (see :func:`example_names`)."""
    if name in EXAMPLE_MOLECULES:
        return from_smiles(EXAMPLE_MOLECULES[name], name=name)
    if name in EXAMPLE_CRYSTALS:
        return crystal(name)
    raise StructureError(f"no example called {name!r}; choose one of {', '.join(example_names())}")


def cut_plane(structure: Structure) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(origin, u, v)`` of an informative planar cut through a crystal (Fig. 4.9).

    Layered cells (graphite: a short in-plane lattice and a long c axis) are
    cut in the layer through the first atom, over a rectangle of 3 x 2
    rectangular cells (a1 and a1 + 2 a2 for hexagonal layers). Cubic-lattice
    crystals given by their primitive fcc/bcc cell are cut in the (110) plane of
    the conventional cube, which holds the zig-zag bond chains of diamond
    and zinc blende, over 2 x 2 conventional cells. Anything else: the plane
    of the first two lattice vectors, over 2 x 2 cells.
    """
    if structure.cell is None:
        raise StructureError("a cut plane needs a crystal with a cell")
    cell = structure.cell
    lengths = np.linalg.norm(cell, axis=1)
    origin = structure.positions[0].copy()
    if lengths[2] > 1.8 * max(lengths[0], lengths[1]):
        rectangular = cell[0] + 2 * cell[1]  # orthogonal to a1 in a hexagonal layer: the cut is a rectangle
        if abs(rectangular @ cell[0]) < 1e-6 * lengths[0] ** 2:
            return origin, 3 * cell[0], 2 * rectangular
        return origin, 3 * cell[0], 3 * cell[1]
    conventional = _cubic_conventional_constant(cell)
    if conventional is not None:
        a = conventional
        return origin, 2 * a * np.array([1.0, 1.0, 0.0]), 2 * a * np.array([0.0, 0.0, 1.0])
    return origin, 2 * cell[0], 2 * cell[1]


def _cubic_conventional_constant(cell: np.ndarray) -> float | None:
    """The cube edge if ``cell`` is a primitive fcc or bcc cell (or a cube) aligned with the axes."""
    lengths = np.linalg.norm(cell, axis=1)
    if not np.allclose(lengths, lengths[0], rtol=1e-6):
        return None
    for factor, angle in ((np.sqrt(2.0), 60.0), (2.0 / np.sqrt(3.0), 109.4712206), (1.0, 90.0)):
        cosine = cell[0] @ cell[1] / lengths[0] ** 2
        if abs(np.degrees(np.arccos(np.clip(cosine, -1, 1))) - angle) < 1e-3:
            a = factor * lengths[0]
            # axis-aligned: every lattice vector has components in multiples of a/2
            if np.allclose(np.round(2 * cell / a), 2 * cell / a, atol=1e-6):
                return float(a)
    return None
