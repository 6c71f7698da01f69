"""Ensembles: the mean and spread of energies, E_i, forces and Omega across members."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from conftest import aspirin, small_model

import insight

POINTS = np.array([[0.0, 0.0, 4.0], [2.5, -1.0, 0.5]])


def test_an_ensemble_of_one_is_the_model():
    model = small_model("schnet")
    ensemble = insight.Ensemble([model])
    molecule = aspirin()
    alone, together = model.predict(molecule, forces=True), ensemble.predict(molecule, forces=True)
    np.testing.assert_array_equal(together.energy, alone.energy)
    np.testing.assert_array_equal(together.contributions[0], alone.contributions[0])
    np.testing.assert_array_equal(together.forces[0], alone.forces[0])
    assert not together.energy_spread.any() and not together.contribution_spread[0].any()
    assert not together.force_spread[0].any()
    probe = ensemble.probe(molecule, POINTS, "O", tabulate=False)
    np.testing.assert_array_equal(probe.values, insight.local_potential(model, molecule, POINTS, "O", tabulate=False))
    assert not probe.spread.any() and probe.probe == "O"


def test_identical_members_have_no_spread_and_two_members_are_worked_out_by_hand():
    first, second = small_model("schnet", seed=0), small_model("schnet", seed=1)
    molecule = aspirin()
    same = insight.Ensemble([first, copy.deepcopy(first), copy.deepcopy(first)]).predict(molecule)
    assert np.abs(same.contribution_spread[0]).max() < 1e-12 and same.energy_spread[0] < 1e-12  # round-off
    pair = insight.Ensemble([first, second]).predict(molecule)
    a, b = first.predict(molecule), second.predict(molecule)
    # mean and sample standard deviation of two values: (a + b) / 2 and |a - b| / sqrt(2)
    np.testing.assert_allclose(pair.contributions[0], (a.contributions[0] + b.contributions[0]) / 2, atol=1e-12)
    np.testing.assert_allclose(pair.contribution_spread[0],
                               np.abs(a.contributions[0] - b.contributions[0]) / np.sqrt(2), atol=1e-12)
    np.testing.assert_allclose(pair.energy_spread, np.abs(a.energy - b.energy) / np.sqrt(2), atol=1e-12)
    frame = insight.Ensemble([first, second]).predict([molecule, insight.from_smiles("CCO")]).to_frame()
    assert list(frame.columns) == ["structure", "atom", "E_i", "E_i_spread"] and len(frame) == 21 + 9


def test_members_must_predict_the_same_quantity():
    model = small_model("schnet")
    other = small_model("dtnn")
    other.card = other.card.replace(energy_unit="eV")
    with pytest.raises(insight.ArgumentError, match="energy unit"):
        insight.Ensemble([model, other])
    with pytest.raises(insight.ArgumentError, match="one or more insight models"):
        insight.Ensemble([])


def test_the_dtnn_repetitions_disagree_on_the_parts_far_more_than_on_the_whole():
    """Sec. 3.6.1: the partitioning is not unique. Across the three DTNN T=3 repetitions (other random splits),
    the per-atom variances of E_i add up to far more than the variance of the total: the members move energy
    between atoms while agreeing on the sum."""
    ensemble = insight.Ensemble.from_names(["dtnn-qm9-t3", "dtnn-qm9-t3-split1", "dtnn-qm9-t3-split2"],
                                           device="cpu")
    assert len(ensemble.members) == 3 and ensemble.energy_unit == "kcal/mol"
    molecules = [insight.example(name) for name in ("ethanol", "phenol", "aspirin")]
    prediction = ensemble.predict(molecules)
    assert np.all(prediction.partition_variance_ratio > 10)
    for k in range(len(molecules)):
        assert (prediction.contribution_spread[k] ** 2).sum() > 10 * prediction.energy_spread[k] ** 2
        # the spread of the total is the spread of the summed contributions (nothing is lost in the pooling)
        sums = np.stack([m.predict(molecules[k]).contributions[0].sum() for m in ensemble.models])
        assert prediction.energy_spread[k] == pytest.approx(sums.std(ddof=1), abs=1e-3)  # float32 sums
    torch.testing.assert_close(torch.tensor(prediction.energy), torch.tensor(np.stack(
        [m.predict(molecules).energy for m in ensemble.models]).mean(0)))
