"""Ensembles of models: the mean and the spread of every atom-wise quantity across independently trained models.

The partitioning ``E = sum_i E_i`` is not unique (thesis sec. 3.6.1, Fig. 3.9): models of equal accuracy may
split the same energy differently. Members trained from other seeds or on other splits (the DTNN repetitions
``dtnn-qm9-t3``, ``-split1``, ``-split2``) show how much of an atom-wise quantity the data determine: where the
members agree on ``E_i`` or ``Omega(r)``, the reading does not hang on one training run; where they scatter, it
does. The spread is the sample standard deviation across members (zero for a single member), in the models'
energy unit.

Ensembles of deep models are the established way to put error bars on such quantities (Lakshminarayanan et al.
2017; for atom-wise energies, Kellner and Ceriotti 2024). They measure disagreement between training runs, not the
error against quantum chemistry: members that share a bias agree on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ..models.base import AtomisticModel, structure_list
from ..structures import Structure, atomic_number, element_symbol
from .potential import local_potential

__all__ = ["Ensemble", "EnsemblePrediction", "EnsembleProbe"]


def _spread(values: np.ndarray) -> np.ndarray:
    """Sample standard deviation over the first axis (members); 0 for a single member."""
    return values.std(axis=0, ddof=1) if len(values) > 1 else np.zeros_like(values[0])


@dataclass(frozen=True)
class EnsemblePrediction:
    """Mean and spread across the members, per structure (energies) and per atom (contributions, forces).

    Attributes
    ----------
    energy, energy_spread
        ``(n_structures,)`` in ``unit``.
    contributions, contribution_spread
        One ``(n_atoms,)`` array per structure: ``E_i`` and its spread, in ``unit``.
    forces, force_spread
        One ``(n_atoms, 3)`` array per structure in ``unit``/Å (spread per component), when asked for.
    members
        The members' names.
    """

    energy: np.ndarray
    energy_spread: np.ndarray
    contributions: list[np.ndarray]
    contribution_spread: list[np.ndarray]
    forces: list[np.ndarray] | None
    force_spread: list[np.ndarray] | None
    unit: str
    members: tuple[str, ...]

    @property
    def rms_contribution_spread(self) -> np.ndarray:
        """Per structure, the root-mean-square spread of its ``E_i`` (``unit``)."""
        return np.array([float(np.sqrt(np.mean(s**2))) for s in self.contribution_spread])

    @property
    def partition_variance_ratio(self) -> np.ndarray:
        """Per structure, the per-atom variances of ``E_i`` summed, over the variance of the total: far above 1
        where the members agree on the energy but not on how it splits into atoms (sec. 3.6.1)."""
        return np.array([float((s**2).sum() / max(float(e) ** 2, 1e-12))
                         for s, e in zip(self.contribution_spread, self.energy_spread)])

    def to_frame(self) -> pd.DataFrame:
        """One row per atom: ``structure``, ``atom``, ``E_i`` and ``E_i_spread`` (in ``unit``)."""
        return pd.DataFrame([
            {"structure": k, "atom": i, "E_i": float(e), "E_i_spread": float(s)}
            for k, (values, spreads) in enumerate(zip(self.contributions, self.contribution_spread))
            for i, (e, s) in enumerate(zip(values, spreads))
        ])


@dataclass(frozen=True)
class EnsembleProbe:
    """``Omega_A(r)`` at probe points: the members' mean and spread (``unit``), for probe element ``probe``."""

    values: np.ndarray
    spread: np.ndarray
    probe: str
    unit: str

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"omega": self.values, "omega_spread": self.spread})


class Ensemble:
    """Several models of the same quantity, used together: ``Ensemble([model_a, model_b, ...])`` or
    ``Ensemble.from_names(["dtnn-qm9-t3", "dtnn-qm9-t3-split1", "dtnn-qm9-t3-split2"])``.

    The members must predict the same target in the same unit with the same pooling; each keeps its own
    architecture, size and cutoff.
    """

    def __init__(self, models: Sequence[AtomisticModel]):
        models = list(models)
        if not models or not all(isinstance(m, AtomisticModel) for m in models):
            raise ArgumentError("an ensemble needs one or more insight models (insight.load_model(...))")
        first = models[0]
        for model in models[1:]:
            for what, ours, theirs in (("energy unit", first.energy_unit, model.energy_unit),
                                       ("target", first.card.target, model.card.target),
                                       ("pooling", first.config.pooling, model.config.pooling)):
                if ours != theirs:
                    raise ArgumentError(f"ensemble members must agree on their {what}: {first.name!r} has {ours!r}, "
                                        f"{model.name!r} has {theirs!r}")
        self.models = models

    @classmethod
    def from_names(cls, names: Sequence[str], device: str | None = None) -> "Ensemble":
        from ..models.files import load_model

        return cls([load_model(name, device=device) for name in names])

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(model.name for model in self.models)

    @property
    def energy_unit(self) -> str:
        return self.models[0].energy_unit

    @property
    def name(self) -> str:
        return f"ensemble of {len(self.models)}: {', '.join(self.members)}"

    @property
    def known_elements(self) -> list[int]:
        """Elements every member knows."""
        return sorted(set.intersection(*(set(model.known_elements) for model in self.models)))

    def predict(self, structures: Structure | Sequence[Structure], forces: bool = False,
                batch_size: int = 64) -> EnsemblePrediction:
        """Every member's :meth:`~insight.models.base.AtomisticModel.predict`, reduced to mean and spread."""
        structures = structure_list(structures)
        predictions = [model.predict(structures, forces=forces, batch_size=batch_size) for model in self.models]
        energies = np.stack([p.energy for p in predictions])
        per_structure = [np.stack([p.contributions[k] for p in predictions]) for k in range(len(structures))]
        per_structure_forces = ([np.stack([p.forces[k] for p in predictions]) for k in range(len(structures))]
                                if forces else None)
        return EnsemblePrediction(
            energy=energies.mean(0), energy_spread=_spread(energies),
            contributions=[c.mean(0) for c in per_structure], contribution_spread=[_spread(c) for c in per_structure],
            forces=[f.mean(0) for f in per_structure_forces] if forces else None,
            force_spread=[_spread(f) for f in per_structure_forces] if forces else None,
            unit=self.energy_unit, members=self.members)

    def probe(self, structure: Structure, points: np.ndarray, element: str | int,
              tabulate: bool = True) -> EnsembleProbe:
        """``Omega_A(r)`` of every member at ``points`` (Å), reduced to mean and spread."""
        values = np.stack([local_potential(model, structure, points, element, tabulate=tabulate)
                           for model in self.models])
        return EnsembleProbe(values.mean(0), _spread(values), element_symbol(atomic_number(element)),
                             self.energy_unit)
