"""PaiNN in insight: what its analyses mean for equivariant features, checked on small random models and on a
PaiNN file written by SchNetPack 2.2 (the invariances, forces and contribution sums run for every architecture in
tests/test_models.py, the T=1 probe identity in tests/test_potential.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import aspirin, small_model

import insight
from insight.models.schnetpack import load_schnetpack
from insight.testing import random_rotation

FIXTURE = Path(__file__).parent / "data" / "schnetpack" / "2.2.0-painn.pt"


def converted_painn() -> insight.PaiNN:
    return load_schnetpack(FIXTURE, property="energy_U0").double()


def test_scalars_are_invariant_and_vectors_rotate_with_the_molecule():
    model = small_model("painn")
    molecule = aspirin()
    rotation = random_rotation(np.random.default_rng(1))
    rotated = molecule.replace(positions=molecule.positions @ rotation.T + 3.0)
    before = model(model.batch(molecule)).representations
    after = model(model.batch(rotated)).representations
    R = torch.as_tensor(rotation)
    for x, y in zip(before[1:], after[1:]):
        q, mu = model.split_state(x)
        q_rot, mu_rot = model.split_state(y)
        torch.testing.assert_close(q_rot, q, atol=1e-10, rtol=1e-9)
        torch.testing.assert_close(mu_rot, torch.einsum("ab,nbf->naf", R, mu), atol=1e-10, rtol=1e-9)
        assert float(mu.abs().max()) > 1e-3  # the vector features are not trivially zero


@pytest.mark.parametrize("points", [np.array([[0.3, -1.1, 2.0], [4.0, 0.5, -0.7], [0.0, 0.0, 6.5]])])
def test_probe_by_hand_is_an_added_atom_the_structure_does_not_feel(points):
    """Omega(p) for any T: add an atom of the probe's element at p, let it send nothing (fading weight 0, Eq. 3.15),
    and take its contribution; the full model computes it through mirrored pair lists, the probe through its own."""
    for model in (small_model("painn"), converted_painn()):
        molecule = aspirin()
        omega = model.probe(molecule, points, "O", tabulate=False).detach().numpy()
        for k, point in enumerate(points):
            with_probe = molecule.replace(numbers=np.append(molecule.numbers, 8),
                                          positions=np.vstack([molecule.positions, point]))
            weights = torch.ones(len(with_probe), dtype=model.dtype)
            weights[-1] = 0.0
            out = model(model.batch(with_probe), atom_weights=weights)
            assert omega[k] == pytest.approx(float(out.contributions[-1]), abs=1e-9)
        tabulated = model.probe(molecule, points, "O").detach().numpy()
        np.testing.assert_allclose(tabulated, omega, atol=1e-5 * max(1.0, np.abs(omega).max()))
        one_by_one = [float(model.probe(molecule, point[None], "O", tabulate=False)) for point in points]
        np.testing.assert_allclose(one_by_one, omega, atol=1e-12)


def test_probe_on_a_nucleus_is_finite():
    model = small_model("painn")
    molecule = aspirin()
    omega = model.probe(molecule, molecule.positions[:2], "H", tabulate=False)
    assert torch.isfinite(omega).all()


def test_analyses_run_on_a_converted_painn():
    model = converted_painn()
    ethanol = insight.from_smiles("CCO")
    partition = insight.atomwise_energies(model, ethanol)
    assert partition.to_frame()["E_i"].sum() == pytest.approx(partition.energy, abs=1e-8)
    # Filters: 3F per pass (the dq, direction and neighbour-vector parts), zero at the cutoff.
    filters = model.filters(torch.linspace(0.0, 5.0, 51, dtype=torch.float64))
    assert filters.shape == (2, 51, 3 * model.config.n_features)
    assert float(filters[:, 40:].abs().max()) == 0.0  # 4 Å cutoff
    # Sensitivity: ||d x / d r|| of the whole state (scalars and vector components), zero beyond the cutoff.
    sensitivity = insight.pair_sensitivity(model, "C", "H", distances=[1.1, 2.0, 4.5])
    values = sensitivity[sensitivity.element == "C"].sensitivity.to_numpy()
    assert values[0] > 0 and values[-1] == 0.0
    # Alchemy: the path starts and ends at the two molecules' energies.
    methanol = insight.from_smiles("CO")
    nitrogen = methanol.replace(numbers=np.where(methanol.numbers == 8, 7, methanol.numbers))
    path = insight.alchemical_path(model, [methanol, nitrogen], steps=4).to_frame()
    energies = model.predict([methanol, nitrogen]).energy
    assert path.energy.iloc[0] == pytest.approx(energies[0], abs=1e-8)
    assert path.energy.iloc[-1] == pytest.approx(energies[1], abs=1e-8)
    embedding = insight.embedding_pca(model, elements=["H", "C", "N", "O"])
    assert len(embedding.to_frame()) == 4
    surface = insight.potential_on_isosurface(model, ethanol, probe="H", spacing=0.3)
    assert np.isfinite(surface.values).all() and len(surface.values) == len(surface.vertices)
