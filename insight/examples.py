"""Example structures: the molecules and crystals the thesis analyses.

Molecules come from SMILES (RDKit ETKDG + MMFF94, seeded); crystals are built
with ASE at experimental lattice constants. Graphite and diamond are the
crystals of Figs 4.5 and 4.9.
"""

from __future__ import annotations

import numpy as np

from .structures import Structure, StructureError

__all__ = ["EXAMPLE_MOLECULES", "EXAMPLE_CRYSTALS", "example", "example_names", "crystal", "cut_plane"]

#: Molecules by name: SMILES (the MD17 molecules and a few of the thesis' QM9 examples).
EXAMPLE_MOLECULES: dict[str, str] = {
    "benzene": "c1ccccc1",
    "toluene": "Cc1ccccc1",
    "phenol": "c1ccccc1O",
    "pyridine": "c1ccncc1",
    "aspirin": "CC(=O)Oc1ccccc1C(=O)O",
    "salicylic acid": "OC(=O)c1ccccc1O",
    "malonaldehyde": "O=CCC=O",
    "ethanol": "CCO",
    "uracil": "O=c1cc[nH]c(=O)[nH]1",
    "naphthalene": "c1ccc2ccccc2c1",
}

#: Crystals by name: a one-line description (lattice constants in Å).
EXAMPLE_CRYSTALS: dict[str, str] = {
    "diamond": "C, cubic diamond, a = 3.567",
    "graphite": "C, hexagonal AB graphite, a = 2.464, c = 6.711",
    "silicon": "Si, cubic diamond, a = 5.431",
    "rock salt": "NaCl, rock salt, a = 5.640",
    "copper": "Cu, fcc, a = 3.615",
    "magnesium oxide": "MgO, rock salt, a = 4.212",
    "gallium arsenide": "GaAs, zinc blende, a = 5.653",
}


def crystal(name: str) -> Structure:
    """One of :data:`EXAMPLE_CRYSTALS` as a periodic :class:`Structure` (primitive cell)."""
    from ase.build import bulk

    if name == "graphite":
        from ase.lattice.hexagonal import Graphite

        atoms = Graphite(symbol="C", latticeconstant={"a": 2.464, "c": 6.711}, size=(1, 1, 1))
    else:
        arguments = {
            "diamond": ("C", "diamond", 3.567),
            "silicon": ("Si", "diamond", 5.431),
            "rock salt": ("NaCl", "rocksalt", 5.640),
            "copper": ("Cu", "fcc", 3.615),
            "magnesium oxide": ("MgO", "rocksalt", 4.212),
            "gallium arsenide": ("GaAs", "zincblende", 5.653),
        }
        if name not in arguments:
            raise StructureError(f"no example crystal {name!r}; choose one of {', '.join(EXAMPLE_CRYSTALS)}")
        symbols, kind, a = arguments[name]
        atoms = bulk(symbols, kind, a=a)
    return Structure.from_ase(atoms, name=name)


def example_names() -> list[str]:
    return list(EXAMPLE_MOLECULES) + list(EXAMPLE_CRYSTALS)


def example(name: str) -> Structure:
    """An example molecule or crystal by name (see :func:`example_names`)."""
    if name in EXAMPLE_MOLECULES:
        from .io import from_smiles

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
