"""Checks any model should pass, for users' own and converted models as much as for insight's tests.

>>> import insight, insight.testing
>>> model = insight.SchNet(n_interactions=2).double()
>>> insight.testing.check_model(model, insight.example("ethanol"))

Each ``assert_*`` raises ``AssertionError`` with what differed and by how much.
Tolerances follow the model's floating-point type (:func:`tolerance`).
"""

from __future__ import annotations

import numpy as np
import torch

from .models.base import AtomisticModel
from .structures import Structure

__all__ = ["random_rotation", "tolerance", "assert_invariant", "assert_forces_are_energy_gradient",
           "assert_contributions_sum_to_energy", "check_model"]


def tolerance(model: AtomisticModel) -> float:
    """Absolute tolerance in the model's energy unit: 1e-9 in float64, 1e-3 in float32."""
    return 1e-9 if model.dtype == torch.float64 else 1e-3


def random_rotation(rng: np.random.Generator, reflect: bool = False) -> np.ndarray:
    """A uniformly random rotation matrix (with ``reflect``: a rotation times -1, an improper rotation)."""
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return -q if reflect else q


def assert_invariant(model: AtomisticModel, structure: Structure, seed: int = 0, atol: float | None = None,
                     trials: int = 3) -> None:
    """Energy invariant, contributions permuted with the atoms, forces rotated and permuted with the structure,
    under random rotations (the last trial with a reflection), translations and permutations."""
    atol = tolerance(model) if atol is None else atol
    rng = np.random.default_rng(seed)
    reference = model.predict(structure, forces=True)
    energy, contributions, forces = reference.energy[0], reference.contributions[0], reference.forces[0]
    for trial in range(trials):
        rotation = random_rotation(rng, reflect=trial == trials - 1)
        shift = rng.normal(scale=5.0, size=3)
        order = rng.permutation(len(structure))
        moved = structure.transformed(rotation).translated(shift).permuted(order)
        result = model.predict(moved, forces=True)
        np.testing.assert_allclose(result.energy[0], energy, atol=atol, rtol=0,
                                   err_msg=f"energy changed under rotation/translation/permutation (trial {trial})")
        np.testing.assert_allclose(result.contributions[0], contributions[order], atol=atol, rtol=0,
                                   err_msg="atom-wise contributions do not follow the permutation")
        np.testing.assert_allclose(result.forces[0], forces[order] @ rotation.T, atol=atol, rtol=0,
                                   err_msg="forces do not rotate with the structure")


def assert_forces_are_energy_gradient(model: AtomisticModel, structure: Structure, step: float = 1e-5,
                                      atol: float | None = None) -> None:
    """Forces equal minus the central finite-difference gradient of the energy (run in float64)."""
    atol = (1e-6 if model.dtype == torch.float64 else 1e-2) if atol is None else atol
    forces = model.predict(structure, forces=True).forces[0]
    numeric = np.zeros_like(forces)
    for atom in range(len(structure)):
        for axis in range(3):
            displaced = []
            for sign in (1.0, -1.0):
                positions = structure.positions.copy()
                positions[atom, axis] += sign * step
                displaced.append(structure.replace(positions=positions))
            plus, minus = model.predict(displaced).energy
            numeric[atom, axis] = -(plus - minus) / (2 * step)
    np.testing.assert_allclose(forces, numeric, atol=atol, rtol=0, err_msg="forces are not -dE/dr")


def assert_contributions_sum_to_energy(model: AtomisticModel, structure: Structure, atol: float | None = None) -> None:
    """The atom-wise contributions pool (sum, or mean for intensive targets) to the energy."""
    atol = tolerance(model) if atol is None else atol
    prediction = model.predict(structure)
    contributions = prediction.contributions[0]
    pooled = contributions.mean() if model.config.pooling == "mean" else contributions.sum()
    np.testing.assert_allclose(pooled, prediction.energy[0], atol=atol, rtol=0,
                               err_msg="atom-wise contributions do not pool to the energy")


def check_model(model: AtomisticModel, structure: Structure) -> None:
    """All of the above on one structure."""
    assert_invariant(model, structure)
    assert_contributions_sum_to_energy(model, structure)
    assert_forces_are_energy_gradient(model, structure)
