"""MD data (GFN2-xTB with tblite) and training on energies and forces (Eq. 5.7)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import DATA

import insight
from insight.data.md import METHOD, Trajectory, generate_md
from insight.data.splits import random_split
from insight.evaluation import evaluate
from insight.training import TrainingConfig, train
from insight.units import EV_TO_KCAL_MOL

FIXTURE = DATA / "ethanol_md40.npz"


@pytest.fixture(scope="module")
def ethanol():
    return Trajectory.load(FIXTURE)


def test_generator_is_reproducible_from_its_seed():
    settings = dict(n_frames=3, interval=2, equilibration_steps=5)
    first, again = generate_md("ethanol", seed=3, **settings), generate_md("ethanol", seed=3, **settings)
    other = generate_md("ethanol", seed=4, **settings)
    np.testing.assert_allclose(first.frame_positions, again.frame_positions, atol=1e-8)
    np.testing.assert_allclose(first.energies, again.energies, atol=1e-6)
    assert np.abs(first.frame_positions - other.frame_positions).max() > 1e-3
    assert first.metadata["method"] == METHOD and "GFN2-xTB" in first.structure(0).info["name"]
    assert first.frame_positions.shape == (3, 9, 3) and first.forces.shape == (3, 9, 3)
    assert first.positions.shape == (27, 3) and first.name == "md:ethanol" and len(first.offsets) == 4


def test_energies_and_forces_are_gfn2_in_kcal_mol(ethanol):
    from tblite.ase import TBLite

    atoms = ethanol.structure(5).to_ase()
    atoms.calc = TBLite(method="GFN2-xTB", verbosity=0)
    # A fresh SCF converges from a different guess than in the MD run: agreement to ~1e-3.
    assert ethanol.energies[5] == pytest.approx(atoms.get_potential_energy() * EV_TO_KCAL_MOL, abs=1e-3)
    np.testing.assert_allclose(ethanol.forces[5], atoms.get_forces() * EV_TO_KCAL_MOL, atol=1e-2)
    # The stored forces are minus the gradient of the stored energies: a finite difference along them.
    step = 1e-4 * ethanol.forces[5] / np.linalg.norm(ethanol.forces[5])
    atoms.positions += step
    lower = atoms.get_potential_energy() * EV_TO_KCAL_MOL
    assert (lower - ethanol.energies[5]) == pytest.approx(-np.sum(step * ethanol.forces[5]), rel=1e-2)


def test_save_and_load_round_trip(ethanol, tmp_path):
    again = Trajectory.load(ethanol.save(tmp_path / "t.npz"))
    np.testing.assert_array_equal(again.forces, ethanol.forces)
    assert again.metadata == ethanol.metadata
    with pytest.raises(insight.DatasetError, match="generate-md"):
        Trajectory.load(tmp_path / "missing.npz")


def _run(ethanol, output, rho, epochs=25):
    data = ethanol.pack("energy", None)
    split = random_split(len(ethanol), 30, 5, seed=0)
    config = TrainingConfig(architecture="schnet", dataset="md:ethanol", target="energy", rho=rho,
                            hyperparameters=dict(n_features=16, n_filters=16, n_interactions=2, rbf_stop=6.0),
                            n_train=30, n_validation=5, batch_size=10, learning_rate=3e-3, max_epochs=epochs,
                            early_stopping_patience=1000)
    torch.manual_seed(0)
    best = train(config, output, data=data, split=split, progress=False, log=lambda _: None)
    return insight.load_model(best), data, split


def test_force_training_lowers_the_force_error(ethanol, tmp_path):
    model, data, split = _run(ethanol, tmp_path / "forces", rho=0.01)
    log = np.genfromtxt(tmp_path / "forces" / "log.csv", delimiter=",", names=True)
    assert log["val_force_mae"][-1] < 0.7 * log["val_force_mae"][0]
    assert log["train_loss"][-1] < log["train_loss"][0]
    result = evaluate(model, data, split["validation"])
    assert result.force_mae is not None and result.force_rmse is not None
    assert model.card.training.rho == 0.01 and model.card.training.with_forces
    # Training forces are what the model's autograd forces are compared with: check on one frame.
    frame = ethanol.structure(int(split["train"][0]))
    predicted = model.predict(frame, forces=True).forces[0]
    batch, _ = data.batch(split["train"][:1], dtype=model.dtype)
    np.testing.assert_allclose(model(batch, forces=True).forces.detach().numpy(), predicted, atol=1e-5)


def test_energy_only_training_does_not_learn_forces_as_well(ethanol, tmp_path):
    with_forces, data, split = _run(ethanol, tmp_path / "ef", rho=0.01)
    energy_only, _, _ = _run(ethanol, tmp_path / "e", rho=None)
    force_mae = {name: evaluate(m, data, split["validation"]).force_mae
                 for name, m in (("E+F", with_forces), ("E", energy_only))}
    assert force_mae["E+F"] < force_mae["E"]


def test_rho_without_forces_is_refused(tmp_path):
    from insight.data.packed import PackedStructures
    from insight.data.qm9 import parse_qm9_csv

    qm9 = parse_qm9_csv([DATA / "qm9_head40.csv"])
    data = PackedStructures(qm9.numbers, qm9.positions, qm9.offsets, qm9.target("U0"), None)
    config = TrainingConfig(architecture="schnet", rho=0.01, hyperparameters=dict(n_interactions=1), max_epochs=1)
    with pytest.raises(ValueError, match="no forces"):
        train(config, tmp_path / "run", data=data, split=random_split(40, 30, 5, 0), progress=False, log=print)


def test_nve_with_a_shipped_model_conserves_energy():
    from insight.calculator import molecular_dynamics, relax

    model = insight.load_model("schnet-md-ethanol", device="cpu")  # trained on GFN2-xTB MD, energies + forces
    start = relax(model, insight.example("ethanol"))
    run = molecular_dynamics(model, start, steps=1000, timestep_fs=0.5, temperature=300.0, interval=10, seed=0)
    energies = run.energies
    assert len(energies) == 101 and energies["kinetic"].std() > 0.3  # the molecule moves
    # Stated tolerance: total energy within 0.1 kcal/mol over 1,000 velocity-Verlet steps of 0.5 fs (float32
    # model), while potential and kinetic energy swing by several kcal/mol.
    assert run.drift() < 0.1
    assert np.ptp(energies["potential"]) > 2.0


def test_calculator_scales_mean_pooled_models_to_the_whole_cell():
    from insight.calculator import InsightCalculator

    model = insight.load_model("schnet-mp", device="cpu").double()
    atoms = insight.example("rock salt").repeated((2, 1, 1)).to_ase()
    atoms.rattle(0.05, seed=1)
    atoms.calc = InsightCalculator(model)
    per_atom = model.predict(insight.Structure.from_ase(atoms)).energy[0]
    assert atoms.get_potential_energy() == pytest.approx(per_atom * len(atoms))
    forces = atoms.get_forces()
    step, energies = 1e-4, []
    for sign in (1, -1):  # central difference
        moved = atoms.copy()
        moved.calc = InsightCalculator(model)
        moved.positions[1, 0] += sign * step
        energies.append(moved.get_potential_energy())
    assert (energies[0] - energies[1]) / (2 * step) == pytest.approx(-forces[1, 0], rel=1e-4, abs=1e-6)


def test_totals_and_partition_agreement_by_hand():
    import pandas as pd

    frame = pd.DataFrame({"model": ["a", "a", "a", "b", "b", "b"], "structure": [0, 0, 1, 0, 0, 1],
                          "atom": [0, 1, 0, 0, 1, 0], "element": ["H", "C", "H", "H", "C", "H"],
                          "E_i": [1.0, 2.0, 3.0, 2.0, 1.0, 3.0]})
    combined = insight.with_totals(insight.Contributions(frame, "kcal/mol"))
    assert combined.unit == "kcal/mol"
    totals = combined.table[combined.table["element"] == "E (total)"].set_index(["model", "structure"])["E_i"]
    assert totals.to_dict() == {("a", 0): 3.0, ("a", 1): 3.0, ("b", 0): 3.0, ("b", 1): 3.0}
    agreement = insight.partition_agreement(combined).set_index("element")
    # H: model a mean 2, model b mean 2.5 -> spread 0.25; the totals agree exactly.
    assert agreement.loc["H", "spread_of_means"] == pytest.approx(0.25)
    assert agreement.loc["E (total)", "spread_of_means"] == 0.0


def test_refitting_the_energy_offset_by_hand(ethanol, tmp_path):
    """The least-squares shift of E_mu removes the mean training residual and leaves forces unchanged."""
    from insight.evaluation import predict_packed
    from insight.training import refit_energy_offset

    model, data, split = _run(ethanol, tmp_path / "forces", rho=0.01)
    frame = ethanol.structure(int(split["test"][0]))
    forces_before = model.predict(frame, forces=True).forces[0]
    residual = data.targets[split["train"]] - predict_packed(model, data, split["train"])
    result = refit_energy_offset(model, data, split["train"])
    n_atoms = len(frame)  # one molecule: every frame has the same number of atoms
    assert result["per_atom_shift"] == pytest.approx(residual.mean() / n_atoms, rel=1e-5)
    after = data.targets[split["train"]] - predict_packed(model, data, split["train"])
    assert abs(after.mean()) < 1e-3 * max(1.0, abs(residual.mean()))
    assert result["train_mae_after"] <= result["train_mae_before"] + 1e-9
    np.testing.assert_allclose(model.predict(frame, forces=True).forces[0], forces_before, atol=1e-5)
