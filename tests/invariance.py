"""A reusable check that a model's energy is invariant and its forces equivariant.

Applies random rotations (and a reflection), translations and permutations to
any structure and compares energies, atom-wise contributions and forces.
"""

from __future__ import annotations

import numpy as np

import insight


def random_rotation(rng: np.random.Generator, reflect: bool = False) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return -q if reflect else q


def assert_invariant(
    model: insight.AtomisticModel, structure: insight.Structure, seed: int = 0, atol: float = 1e-9, trials: int = 3
) -> None:
    """Energies invariant, contributions permute with atoms, forces rotate and permute with the structure."""
    rng = np.random.default_rng(seed)
    reference = model.predict(structure, forces=True)
    energy, contributions, forces = reference.energy[0], reference.contributions[0], reference.forces[0]
    for trial in range(trials):
        rotation = random_rotation(rng, reflect=trial == trials - 1)
        shift = rng.normal(scale=5.0, size=3)
        order = rng.permutation(len(structure))
        moved = structure.transformed(rotation).translated(shift).permuted(order)
        result = model.predict(moved, forces=True)
        np.testing.assert_allclose(result.energy[0], energy, atol=atol, rtol=0)
        np.testing.assert_allclose(result.contributions[0], contributions[order], atol=atol, rtol=0)
        np.testing.assert_allclose(result.forces[0], forces[order] @ rotation.T, atol=atol, rtol=0)
