"""Example structures: the molecules and crystals the thesis analyses.

Molecules come from SMILES (RDKit ETKDG + MMFF94, seeded); crystals are built
with ASE at experimental lattice constants. Graphite and diamond are the
crystals of Figs 4.5 and 4.9.
"""

from __future__ import annotations

from .structures import Structure, StructureError

__all__ = ["EXAMPLE_MOLECULES", "EXAMPLE_CRYSTALS", "example", "example_names", "crystal"]

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
