"""An ASE calculator around an insight model, to relax structures or run short MD."""

from __future__ import annotations

from ase import units
from ase.calculators.calculator import Calculator, all_changes

from .models.base import AtomisticModel
from .structures import Structure

__all__ = ["InsightCalculator", "ENERGY_UNITS_IN_EV"]

#: Model energy units in eV (ASE's unit).
ENERGY_UNITS_IN_EV = {"eV": 1.0, "eV/atom": 1.0, "kcal/mol": units.kcal / units.mol, "Hartree": units.Hartree}


class InsightCalculator(Calculator):
    """Energies and forces from a DTNN or SchNet model, converted to eV and eV/Å for ASE.

    Parameters
    ----------
    model
        A model whose card declares its energy unit (``kcal/mol`` or ``eV``).
    """

    implemented_properties = ["energy", "forces", "energies"]

    def __init__(self, model: AtomisticModel, **kwargs):
        super().__init__(**kwargs)
        unit = model.energy_unit
        if unit not in ENERGY_UNITS_IN_EV:
            raise ValueError(f"model energy unit {unit!r} has no conversion to eV; set units.energy in its card")
        self.model = model
        self.to_ev = ENERGY_UNITS_IN_EV[unit]

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        prediction = self.model.predict(Structure.from_ase(self.atoms), forces="forces" in properties)
        self.results["energy"] = float(prediction.energy[0]) * self.to_ev
        self.results["energies"] = prediction.contributions[0] * self.to_ev
        if prediction.forces is not None:
            self.results["forces"] = prediction.forces[0] * self.to_ev
