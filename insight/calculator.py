"""An ASE calculator around an insight model, to relax structures or run short MD."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from ase import units
from ase.calculators.calculator import Calculator, all_changes
from ase.constraints import FixAtoms
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import Stationary, ZeroRotation, thermalize_momenta
from ase.md.verlet import VelocityVerlet
from ase.optimize import BFGS, FIRE

from .errors import ArgumentError, DomainWarning, StructureError
from .models.base import AtomisticModel
from .structures import Structure
from .units import ENERGY_UNITS_IN_EV

__all__ = ["InsightCalculator", "relax", "molecular_dynamics", "MDRun", "OPTIMIZERS"]

#: ASE optimisers :func:`relax` offers: BFGS (default; fast near a minimum) and FIRE (robust far from one).
OPTIMIZERS = {"BFGS": BFGS, "FIRE": FIRE}


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
            raise ArgumentError(f"model energy unit {unit!r} has no conversion to eV; known units: "
                                f"{', '.join(ENERGY_UNITS_IN_EV)} (set energy_unit in its card)")
        self.model = model
        self.to_ev = ENERGY_UNITS_IN_EV[unit]
        config = model.config
        if getattr(config, "neighbor_average", False) and getattr(config, "neighbor_weighting", "count") == "count":
            warnings.warn(f"model {model.name!r} divides by the number of neighbours (Eq. 4.14): its energy jumps "
                          "where a neighbour crosses the cutoff, so relaxations and MD with it are unsound; train "
                          "with neighbor_weighting='cutoff' for a smooth energy", DomainWarning, stacklevel=2)

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        prediction = self.model.predict(Structure.from_ase(self.atoms), forces="forces" in properties)
        # A mean-pooled model predicts an energy per atom; ASE needs the energy of the whole structure.
        scale = self.to_ev * (len(self.atoms) if self.model.config.pooling == "mean" else 1.0)
        self.results["energy"] = float(prediction.energy[0]) * scale
        self.results["energies"] = prediction.contributions[0] * self.to_ev
        if prediction.forces is not None:
            self.results["forces"] = prediction.forces[0] * scale


def relax(model: AtomisticModel, structure: Structure, fmax: float = 0.01, steps: int = 500,
          fixed: Sequence[int] = (), optimizer: str = "BFGS") -> Structure:
    """The structure relaxed with the model's forces.

    Parameters
    ----------
    fmax
        Stop when the largest force is below this, in eV/Å (ASE's unit).
    steps
        At most this many optimiser steps.
    fixed
        Indices of atoms that keep their positions.
    optimizer
        ``"BFGS"`` or ``"FIRE"`` (see :data:`OPTIMIZERS`).
    """
    if optimizer not in OPTIMIZERS:
        raise ArgumentError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    if not fmax > 0 or steps < 0:
        raise ArgumentError(f"relax needs a positive force threshold fmax (got {fmax}, in eV/Å) and steps >= 0 "
                            f"(got {steps})")
    fixed = [int(i) for i in fixed]
    if any(not 0 <= i < len(structure) for i in fixed):
        raise StructureError(f"fixed atoms {fixed} must be indices of the structure's {len(structure)} atoms")
    atoms = structure.to_ase()
    if fixed:
        atoms.set_constraint(FixAtoms(indices=fixed))
    atoms.calc = InsightCalculator(model)
    OPTIMIZERS[optimizer](atoms, logfile=None).run(fmax=fmax, steps=steps)
    return structure.replace(positions=atoms.get_positions())


@dataclass
class MDRun:
    """A short simulation with a model: energies per recorded step (model units) and the frames."""

    energies: pd.DataFrame
    frames: list[Structure]

    def drift(self) -> float:
        """Largest deviation of the total energy from its start (model units)."""
        total = self.energies["total"].to_numpy()
        return float(np.max(np.abs(total - total[0])))


def molecular_dynamics(
    model: AtomisticModel,
    structure: Structure,
    steps: int,
    timestep_fs: float = 0.5,
    temperature: float = 300.0,
    ensemble: str = "nve",
    friction_per_fs: float = 0.01,
    interval: int = 1,
    seed: int = 0,
) -> MDRun:
    """Molecular dynamics with the model's energies and forces (ASE).

    Velocities start from a Maxwell-Boltzmann distribution at ``temperature``
    (seeded; no net momentum or rotation). ``ensemble="nve"`` integrates with
    velocity Verlet (the total energy should be conserved), ``"nvt"`` with a
    Langevin thermostat.

    Returns
    -------
    MDRun
        ``energies`` with ``step``, ``time_fs``, ``potential``, ``kinetic``,
        ``total`` (in the model's energy unit) and ``temperature_K``, every
        ``interval`` steps, and the frames at those steps.
    """
    if ensemble not in ("nve", "nvt"):
        raise ArgumentError(f"ensemble must be 'nve' or 'nvt', got {ensemble!r}")
    if steps < 1 or interval < 1 or not timestep_fs > 0 or not temperature >= 0 or not friction_per_fs >= 0:
        raise ArgumentError(f"molecular dynamics needs steps >= 1 (got {steps}), interval >= 1 (got {interval}), a "
                            f"positive time step (got {timestep_fs} fs), temperature >= 0 (got {temperature} K) and "
                            f"friction >= 0 (got {friction_per_fs} per fs)")
    atoms = structure.to_ase()
    calculator = InsightCalculator(model)
    atoms.calc = calculator
    rng = np.random.default_rng(seed)
    thermalize_momenta(atoms, temperature_K=temperature, rng=rng)
    Stationary(atoms)
    if not structure.is_periodic:
        ZeroRotation(atoms)
    if ensemble == "nve":
        dynamics = VelocityVerlet(atoms, timestep=timestep_fs * units.fs)
    else:
        dynamics = Langevin(atoms, timestep=timestep_fs * units.fs, temperature_K=temperature,
                            friction=friction_per_fs / units.fs, rng=rng)
    rows, frames = [], []

    def record() -> None:
        potential, kinetic = atoms.get_potential_energy(), atoms.get_kinetic_energy()
        rows.append({"step": dynamics.nsteps, "time_fs": dynamics.nsteps * timestep_fs,
                     "potential": potential / calculator.to_ev, "kinetic": kinetic / calculator.to_ev,
                     "total": (potential + kinetic) / calculator.to_ev, "temperature_K": atoms.get_temperature()})
        frames.append(Structure.from_ase(atoms, **structure.info))

    dynamics.attach(record, interval=interval)
    dynamics.run(steps)
    return MDRun(pd.DataFrame(rows), frames)
