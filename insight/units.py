"""Units and conversions, stated once (in the spirit of :mod:`ase.units`).

insight measures lengths in Å everywhere. Energies are in the unit a model's
card declares: kcal/mol for the QM9 and MD models (as in the thesis), eV/atom
for crystals. Conversions are named constants; nothing else types a factor.
"""

from __future__ import annotations

from ase import units as _ase

from .errors import ArgumentError

__all__ = [
    "ANGSTROM",
    "BOHR",
    "HARTREE_TO_KCAL_MOL",
    "EV_TO_KCAL_MOL",
    "KCAL_MOL_TO_EV",
    "ENERGY_UNITS_IN_EV",
    "energy_in_ev",
    "force_unit",
]

#: The length unit of every position, distance, cell and grid (ASE's as well).
ANGSTROM = "Å"
#: The Bohr radius in Å (CODATA 2018); Gaussian cube files are written in Bohr.
BOHR = 0.529177210903
#: The Hartree energy in kcal/mol (CODATA 2018); QM9's energies are given in Hartree.
HARTREE_TO_KCAL_MOL = 627.509474
#: One eV in kcal/mol (CODATA 2018: 96.485332 kJ/mol per eV, 4.184 kJ per kcal).
EV_TO_KCAL_MOL = 23.060548
KCAL_MOL_TO_EV = 1.0 / EV_TO_KCAL_MOL

#: One unit of each energy unit a model card may declare, in eV (for ASE, whose energies are in eV).
ENERGY_UNITS_IN_EV: dict[str, float] = {
    "eV": 1.0,
    "eV/atom": 1.0,
    "meV": 1e-3,
    "kcal/mol": _ase.kcal / _ase.mol,
    "kJ/mol": _ase.kJ / _ase.mol,
    "Hartree": _ase.Hartree,
}


def energy_in_ev(unit: str) -> float:
    """One ``unit`` in eV; raises ``ValueError`` naming the known units."""
    if unit not in ENERGY_UNITS_IN_EV:
        raise ArgumentError(f"unknown energy unit {unit!r}; insight knows {', '.join(ENERGY_UNITS_IN_EV)}")
    return ENERGY_UNITS_IN_EV[unit]


def force_unit(energy_unit: str) -> str:
    """The unit of forces (or of any energy gradient) for an energy unit: ``kcal/mol/Å``."""
    return f"{energy_unit.removesuffix('/atom')}/{ANGSTROM}"
