"""QM9 loading, training, resuming and evaluation on a tiny slice of QM9."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest
import torch
from conftest import DATA

import insight
from insight.data.packed import PackedStructures
from insight.data.qm9 import ATOM_REFERENCES_HARTREE, HARTREE_TO_KCAL_MOL, parse_qm9_csv, qm9_split
from insight.evaluation import evaluate
from insight.models.files import load_split
from insight.training import TrainingConfig, train


@pytest.fixture(scope="module")
def qm9_head():
    """The first 40 molecules of QM9, straight from qm9pack's CSV."""
    return parse_qm9_csv([DATA / "qm9_head40.csv"])


def test_methane_atomization_energy_by_hand(qm9_head):
    methane = qm9_head.structure(0)
    assert methane.formula == "CH4"
    # From the CSV row: U0 = -40.47893 Ha; references C -37.846772, H -0.500273 Ha.
    by_hand = (-40.47893 - (-37.846772 + 4 * -0.500273)) * 627.509474
    assert qm9_head.target("U0")[0] == pytest.approx(by_hand, abs=1e-6)
    assert by_hand == pytest.approx(-396.0, abs=0.1)
    assert ATOM_REFERENCES_HARTREE["U0"][6] * HARTREE_TO_KCAL_MOL == pytest.approx(-23749.0, abs=1.0)


def test_all_twelve_properties_in_thesis_units(qm9_head):
    table = qm9_head.table
    for prop in ["mu", "alpha", "homo", "lumo", "gap", "r2", "zpve", "U0", "U", "H", "G", "cv"]:
        assert np.isfinite(table[prop]).all()
    # Methane's HOMO of -0.3877 Ha in kcal/mol; the gap is LUMO - HOMO.
    assert table["homo"][0] == pytest.approx(-0.3877 * 627.509474)
    np.testing.assert_allclose(table["gap"], table["lumo"] - table["homo"], atol=0.1)


def test_split_is_seeded_and_disjoint():
    a, b = qm9_split(1000, 700, 100, seed=3), qm9_split(1000, 700, 100, seed=3)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert len(np.intersect1d(a["train"], a["test"])) == 0 and len(a["test"]) == 200


def test_packed_batches_equal_collated_structures(qm9_head):
    model = insight.SchNet(n_features=8, n_filters=8, n_interactions=2).double()
    data = PackedStructures(qm9_head.numbers, qm9_head.positions, qm9_head.offsets, qm9_head.target("U0"), None)
    rows = np.array([3, 17, 25])
    batch, targets = data.batch(rows, dtype=torch.float64)
    packed = model(batch).energy
    collated = model(model.batch(qm9_head.structures(rows))).energy
    torch.testing.assert_close(packed, collated)
    torch.testing.assert_close(targets, torch.as_tensor(qm9_head.target("U0")[rows]))


TINY = {"dtnn": dict(n_features=8, n_factors=8, n_interactions=1, n_output_hidden=4),
        "painn": dict(n_features=8, n_interactions=1, n_output_hidden=4)}


def _tiny_run(qm9_head, output, max_epochs, architecture="dtnn", **settings):
    data = PackedStructures(qm9_head.numbers, qm9_head.positions, qm9_head.offsets, qm9_head.target("U0"), None)
    split = qm9_split(len(qm9_head), 28, 6, seed=0)
    config = TrainingConfig(
        architecture=architecture,
        hyperparameters=TINY[architecture],
        n_train=28,
        n_validation=6,
        batch_size=7,
        learning_rate=5e-3,
        max_epochs=max_epochs,
        early_stopping_patience=100,
        **settings,
    )
    best = train(config, output, data=data, split=split, progress=False, log=lambda _: None)
    return best, data, split


def test_training_on_the_absolute_error_is_recorded_and_changes_the_steps(qm9_head, tmp_path):
    best, _, _ = _tiny_run(qm9_head, tmp_path / "mae", max_epochs=2, loss="mae")
    _tiny_run(qm9_head, tmp_path / "mse", max_epochs=2)
    card = insight.load_model(best).card
    assert card.training.loss == "mean absolute error |E - E_hat|" and "loss: mean absolute" in card.training.summary()
    from insight.zoo import render_card

    training_row = next(line for line in render_card(card).splitlines() if line.startswith("| training |"))
    assert training_row.count("|") - training_row.count("\\|") == 3  # the loss's pipes escaped: still two cells
    mae = torch.load(tmp_path / "mae" / "checkpoint.pt", weights_only=True)["model"]
    mse = torch.load(tmp_path / "mse" / "checkpoint.pt", weights_only=True)["model"]
    assert not torch.equal(mae["interaction.factors_to_features.weight"], mse["interaction.factors_to_features.weight"])
    log = (tmp_path / "mae" / "log.csv").read_text().splitlines()
    assert len(log) == 3 and all(float(row.split(",")[2]) > 0 for row in log[1:])  # its training RMSE


def test_unknown_losses_and_an_absolute_error_with_forces_are_refused():
    with pytest.raises(insight.errors.ArgumentError, match="loss must be one of mse, mae"):
        TrainingConfig(loss="huber")
    with pytest.raises(insight.errors.ArgumentError, match="leave loss at 'mse'"):
        TrainingConfig(loss="mae", rho=0.01)


@pytest.mark.parametrize("architecture", ["dtnn", "painn"])
def test_training_lowers_the_loss(qm9_head, tmp_path, architecture):
    _tiny_run(qm9_head, tmp_path / "run", max_epochs=8, architecture=architecture)
    log = np.genfromtxt(tmp_path / "run" / "log.csv", delimiter=",", names=True)
    assert log["val_mae"][-1] < log["val_mae"][0]
    assert log["train_rmse"][-1] < log["train_rmse"][0]


def test_resume_gives_the_same_state_as_an_uninterrupted_run(qm9_head, tmp_path):
    _tiny_run(qm9_head, tmp_path / "straight", max_epochs=4)
    _tiny_run(qm9_head, tmp_path / "interrupted", max_epochs=2)
    _tiny_run(qm9_head, tmp_path / "interrupted", max_epochs=4)  # resumes from its checkpoint
    a = torch.load(tmp_path / "straight" / "checkpoint.pt", weights_only=True)
    b = torch.load(tmp_path / "interrupted" / "checkpoint.pt", weights_only=True)
    assert a["state"]["step"] == b["state"]["step"]
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key


def test_evaluate_reproduces_the_card_metric(qm9_head, tmp_path, capsys):
    best, data, _ = _tiny_run(qm9_head, tmp_path / "run", max_epochs=3)
    model = insight.load_model(best, device="cpu")
    card = json.loads((best / "card.json").read_text())
    split = load_split(best)
    capsys.readouterr()
    result = evaluate(model, data, split["validation"], progress=True)
    assert "structures" not in capsys.readouterr().err  # progress bars on a terminal only, never in a log file
    assert result.mae == pytest.approx(card["metrics"]["validation_mae"], rel=1e-6)
    assert result.per_size["count"].sum() == len(split["validation"])
    assert card["energy_unit"] == "kcal/mol" and card["training"]["n_train"] == 28 and result.unit == "kcal/mol"


def test_resume_after_the_last_batch_of_an_epoch(qm9_head, tmp_path):
    """A run interrupted while validating resumes straight into validation."""
    _tiny_run(qm9_head, tmp_path / "run", max_epochs=1)
    path = tmp_path / "run" / "checkpoint.pt"
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["state"].update(epoch=0, position=4)  # 28 molecules in batches of 7: all 4 batches done
    torch.save(checkpoint, path)
    _tiny_run(qm9_head, tmp_path / "run", max_epochs=1)
    assert torch.load(path, weights_only=True)["state"]["epoch"] == 1


def test_concatenated_ranges_equal_the_loop():
    from insight.data.storage import concatenated_ranges

    offsets = np.array([0, 3, 3, 7, 9, 9])
    for rows in ([2, 0, 1, 3], [1, 4], [], [3, 3]):
        expected = np.concatenate([np.arange(offsets[k], offsets[k + 1]) for k in rows] + [np.zeros(0, int)])
        np.testing.assert_array_equal(concatenated_ranges(offsets, np.array(rows, dtype=int)), expected)


def test_two_processes_writing_the_same_cache_both_finish(tmp_path):
    """Two training lanes parsing QM9 at once once crashed: both renamed one shared temporary file."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    path = tmp_path / "cache.npz"
    writers = [context.Process(target=_write_cache, args=(path, value)) for value in (1.0, 2.0)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    assert [writer.exitcode for writer in writers] == [0, 0]
    from insight.data.storage import load_cache

    arrays, table = load_cache(path)
    assert arrays["values"].shape == (200_000,) and len(set(arrays["values"])) == 1
    assert list(table["name"]) == ["a", "b"]
    assert [p.name for p in tmp_path.iterdir()] == ["cache.npz"], "no temporary files are left behind"


def _write_cache(path, value):
    import pandas as pd

    from insight.data.storage import save_cache

    for _ in range(20):
        save_cache(path, pd.DataFrame({"name": ["a", "b"]}), values=np.full(200_000, value))


def test_budget_schedule_decays_linearly_to_zero():
    from insight.training import _learning_rate

    config = TrainingConfig(lr_schedule="budget", learning_rate=1e-3, max_hours=2.0)
    state = {"step": 0, "budget_start_seconds": 3600.0, "budget_start_lr": 4e-4}
    assert _learning_rate(config, state, 3600.0) == pytest.approx(4e-4)
    assert _learning_rate(config, state, 5400.0) == pytest.approx(2e-4)  # half way through the rest of the budget
    assert _learning_rate(config, state, 7200.0) == 0.0
    assert _learning_rate(config, state, 9000.0) == 0.0
    with pytest.raises(ValueError, match="max_hours"):
        TrainingConfig(lr_schedule="budget")


def test_a_raised_budget_continues_one_linear_decay_whatever_the_route():
    """The ladder's rungs are raised through different budgets (10 h, then 13 h, or straight to 13 h); without a
    warm restart the rate at t hours must be lr0 (1 - t / budget) on every route, so equal hours get equal rates."""
    from insight.training import _learning_rate

    state = {"step": 0, "budget_start_seconds": 0.0, "budget_start_lr": 5e-4}
    for hours in (7.0, 10.0, 11.5, 12.9):
        expected = 5e-4 * (1 - hours / 13.0)
        raised_at_10 = _learning_rate(TrainingConfig(lr_schedule="budget", max_hours=13.0), state, 3600 * hours)
        assert raised_at_10 == pytest.approx(expected)
    # At 10 h a 10 h budget has reached 0, and raising it to 13 h restarts the rate at 5e-4 * 3 / 13 = 1.15e-4.
    assert _learning_rate(TrainingConfig(lr_schedule="budget", max_hours=10.0), state, 36000.0) == 0.0
    assert _learning_rate(TrainingConfig(lr_schedule="budget", max_hours=13.0), state, 36000.0) == pytest.approx(
        1.1538e-4, rel=1e-4)


def test_resumed_run_switches_to_the_budget_schedule_from_the_rate_in_effect(qm9_head, tmp_path):
    _tiny_run(qm9_head, tmp_path / "run", max_epochs=2)
    path = tmp_path / "run" / "checkpoint.pt"
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["state"]["plateau_scale"] = 0.25  # as if halved twice; the saved run uses the exponential decay
    torch.save(checkpoint, path)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    saved["lr_schedule"] = "plateau"
    (tmp_path / "run" / "config.json").write_text(json.dumps(saved))
    data = PackedStructures(qm9_head.numbers, qm9_head.positions, qm9_head.offsets, qm9_head.target("U0"), None)
    config = TrainingConfig(architecture="dtnn", lr_schedule="budget", max_hours=1.0, max_epochs=3)
    messages = []
    train(config, tmp_path / "run", data=data, split=qm9_split(len(qm9_head), 28, 6, seed=0), progress=False,
          log=messages.append)
    state = torch.load(path, weights_only=True)["state"]
    assert state["budget_start_lr"] == pytest.approx(5e-3 * 0.25)  # the plateau rate in effect at the switch
    assert json.loads((tmp_path / "run" / "config.json").read_text())["lr_schedule"] == "budget"
    assert any("switching to the budget schedule" in m for m in messages) and state["epoch"] == 3
    log = np.genfromtxt(tmp_path / "run" / "log.csv", delimiter=",", names=True)
    assert 0 < log["learning_rate"][-1] <= 5e-3 * 0.25  # decaying from there


def test_the_budget_schedule_trains_to_its_end_and_the_others_stop_early(qm9_head, tmp_path):
    """A best the run cannot beat (as after a raised budget restarts the rate) stops only the other schedules."""
    assert TrainingConfig().patience == 60 and TrainingConfig(early_stopping_patience=5).patience == 5
    assert TrainingConfig(lr_schedule="budget", max_hours=1.0).patience is None
    assert TrainingConfig(lr_schedule="budget", max_hours=1.0, early_stopping_patience=5).patience == 5
    _tiny_run(qm9_head, tmp_path / "budget", max_epochs=1)
    path = tmp_path / "budget" / "checkpoint.pt"
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["state"].update(best_mae=0.0, epochs_since_best=1000)
    torch.save(checkpoint, path)
    shutil.copytree(tmp_path / "budget", tmp_path / "exponential")
    data = PackedStructures(qm9_head.numbers, qm9_head.positions, qm9_head.offsets, qm9_head.target("U0"), None)
    split = qm9_split(len(qm9_head), 28, 6, seed=0)
    for schedule in ("budget", "exponential"):
        messages = []
        config = TrainingConfig(architecture="dtnn", lr_schedule=schedule, max_hours=1.0, max_epochs=3)
        train(config, tmp_path / schedule, data=data, split=split, progress=False, log=messages.append)
        epochs = torch.load(tmp_path / schedule / "checkpoint.pt", weights_only=True)["state"]["epoch"]
        stopped_early = any("no improvement for 60 epochs" in m for m in messages)
        assert (epochs, stopped_early) == ((3, False) if schedule == "budget" else (2, True))


def test_load_split_takes_bundled_names():
    split = load_split("schnet-qm9")
    assert len(split["test"]) == 10_831 and len(np.intersect1d(split["train"], split["test"])) == 0


def test_formulas_are_hill_formulas(qm9_head):
    formulas = qm9_head.formulas()
    assert formulas[0] == "CH4" and len(formulas) == len(qm9_head)
    assert all(f == s.formula for f, s in zip(formulas, qm9_head.structures(range(len(qm9_head)))))


def test_ema_weights_are_the_exponential_average_and_are_published(qm9_head, tmp_path):
    """With ema_decay the published weights are the running average: w_avg <- d w_avg + (1 - d) w after each step."""
    data = PackedStructures(qm9_head.numbers, qm9_head.positions, qm9_head.offsets, qm9_head.target("U0"), None)
    split = qm9_split(len(qm9_head), 28, 6, seed=0)
    hyper = dict(n_features=8, n_factors=8, n_interactions=1, n_output_hidden=4)
    config = TrainingConfig(architecture="dtnn", hyperparameters=hyper, batch_size=7, learning_rate=5e-3,
                            max_epochs=1, early_stopping_patience=100, ema_decay=0.5)
    best = train(config, tmp_path / "run", data=data, split=split, progress=False, log=lambda _: None)
    checkpoint = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    # Replay the 4 steps with plain Adam from the same seed and average by hand.
    torch.manual_seed(config.seed)
    from insight.models.files import build_model
    from insight.training import _init_scaling

    model = build_model("dtnn", hyper)
    _init_scaling(model, data, split["train"])
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    order = np.random.default_rng([config.seed, 0]).permutation(split["train"])
    average = None
    for b in range(4):
        batch, targets = data.batch(order[b * 7 : (b + 1) * 7])
        loss = torch.nn.functional.mse_loss(model(batch).energy, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        current = {k: v.detach().clone() for k, v in model.state_dict().items()}
        average = current if average is None else {k: 0.5 * average[k] + 0.5 * current[k] for k in current}
    for key, value in average.items():
        torch.testing.assert_close(checkpoint["ema"]["module." + key], value)
        torch.testing.assert_close(checkpoint["model"][key], dict(model.state_dict())[key])
    published = insight.load_model(best, device="cpu").state_dict()
    for key, value in average.items():
        torch.testing.assert_close(published[key], value)
    assert insight.read_card(best).training.ema_decay == 0.5


def test_warm_restart_starts_a_new_decay_only_after_the_budget_is_spent(qm9_head, tmp_path):
    from insight.training import _learning_rate

    _tiny_run(qm9_head, tmp_path / "run", max_epochs=1)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    saved.update(lr_schedule="budget", max_hours=1.0)
    (tmp_path / "run" / "config.json").write_text(json.dumps(saved))
    path = tmp_path / "run" / "checkpoint.pt"
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["state"].update(seconds=3600.0, budget_start_seconds=0.0, budget_start_lr=5e-3)
    torch.save(checkpoint, path)
    data = PackedStructures(qm9_head.numbers, qm9_head.positions, qm9_head.offsets, qm9_head.target("U0"), None)
    split = qm9_split(len(qm9_head), 28, 6, seed=0)
    config = TrainingConfig(architecture="dtnn", lr_schedule="budget", max_hours=2.0, max_epochs=2, restart_lr=1e-3)
    messages = []
    train(config, tmp_path / "run", data=data, split=split, progress=False, log=messages.append)
    state = torch.load(path, weights_only=True)["state"]
    assert state["budget_start_lr"] == 1e-3 and state["budget_start_seconds"] == pytest.approx(3600.0, abs=1.0)
    assert any("warm restart" in m for m in messages)
    # Half way through the new budget the rate is half the restart rate.
    config = TrainingConfig(**{**json.loads((tmp_path / "run" / "config.json").read_text())})
    assert _learning_rate(config, state, state["budget_start_seconds"] + 0.5 * (7200 - state["budget_start_seconds"])) \
        == pytest.approx(5e-4)
    # Resumed again within the new budget, the restart is not repeated.
    train(dataclasses.replace(config, max_epochs=3), tmp_path / "run", data=data, split=split, progress=False,
          log=messages.append)
    assert torch.load(path, weights_only=True)["state"]["restarts"] == state["restarts"]


def _distributed_worker(rank, world_size, port, output, steps):
    import os

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world_size),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    _ddp_run(output, steps, compile=True)


def _ddp_run(output, steps, compile=False):
    qm9 = parse_qm9_csv([DATA / "qm9_head40.csv"])
    data = PackedStructures(qm9.numbers, qm9.positions, qm9.offsets, qm9.target("U0"), None)
    split = qm9_split(len(qm9), 32, 4, seed=0)
    config = TrainingConfig(architecture="schnet", batch_size=8, learning_rate=1e-3, max_epochs=steps,
                            hyperparameters=dict(n_features=8, n_filters=8, n_interactions=2),
                            early_stopping_patience=100, ema_decay=0.9)
    train(config, output, data=data, split=split, device="cpu", progress=False, log=lambda _: None, compile=compile)


def test_two_processes_with_gloo_take_the_steps_of_one_process_with_the_same_batch(tmp_path):
    """DDP over 2 CPU processes (each half of every batch of 8) ends with the parameters of 1 process on batches of 8.
    The two processes run the compiled training step, the one process eager: the same steps, EMA included."""
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    epochs = 2  # 4 batches of 8 per epoch
    mp.spawn(_distributed_worker, args=(2, port, str(tmp_path / "two"), epochs), nprocs=2, join=True)
    _ddp_run(tmp_path / "one", epochs)
    two = torch.load(tmp_path / "two" / "checkpoint.pt", weights_only=True)
    one = torch.load(tmp_path / "one" / "checkpoint.pt", weights_only=True)
    assert two["state"]["step"] == one["state"]["step"] == 8
    for key in one["model"]:
        torch.testing.assert_close(two["model"][key], one["model"][key], rtol=1e-5, atol=1e-6, msg=key)
    for key in one["ema"]:
        torch.testing.assert_close(two["ema"][key], one["ema"][key], rtol=1e-5, atol=1e-6, msg=key)
    # Only rank 0 wrote: one log with one row per epoch, and the best model.
    assert len((tmp_path / "two" / "log.csv").read_text().splitlines()) == epochs + 1
    assert (tmp_path / "two" / "best" / "card.json").is_file()


def test_a_checkpoint_of_unfused_adam_resumes_fused_with_the_same_steps(qm9_head, tmp_path, monkeypatch):
    """Runs started before training used the fused Adam kernel resume on it: the same update to round-off."""
    import insight.training

    def plain_adam(model, learning_rate):
        return torch.optim.Adam(model.parameters(), lr=learning_rate)

    with monkeypatch.context() as patched:
        patched.setattr(insight.training, "_adam", plain_adam)
        _tiny_run(qm9_head, tmp_path / "plain", max_epochs=4)
        _tiny_run(qm9_head, tmp_path / "resumed", max_epochs=2)
    _tiny_run(qm9_head, tmp_path / "resumed", max_epochs=4)  # continues on the fused kernel
    a = torch.load(tmp_path / "plain" / "checkpoint.pt", weights_only=True)
    b = torch.load(tmp_path / "resumed" / "checkpoint.pt", weights_only=True)
    assert b["optimizer"]["param_groups"][0]["fused"] is True and a["state"]["step"] == b["state"]["step"]
    for key in a["model"]:
        torch.testing.assert_close(a["model"][key], b["model"][key], rtol=1e-5, atol=1e-6)


def test_validation_at_reads_the_best_error_within_a_budget(tmp_path):
    from insight.training import validation_at
    from insight.zoo import training_run

    (tmp_path / "log.csv").write_text("epoch,step,train_rmse,val_mae,val_rmse,learning_rate,seconds\n"
                                      "1,10,5.0,3.0,4.0,1e-3,50\n2,20,4.0,2.0,3.0,1e-3,100\n"
                                      "3,30,3.0,2.5,3.5,1e-3,150\n4,40,2.0,1.0,2.0,1e-3,200\n")
    assert validation_at(tmp_path, 99) == 3.0
    assert validation_at(tmp_path, 150) == 2.0  # the best so far, not the last
    assert validation_at(tmp_path, 1e9, column="val_rmse") == 2.0
    with pytest.raises(insight.ArgumentError, match="no validation within 10 s"):
        validation_at(tmp_path, 10)
    with pytest.raises(insight.ArgumentError, match="no log.csv"):
        validation_at(tmp_path / "missing", 10)
    # at equal steps instead of equal time
    assert validation_at(tmp_path, steps=29) == 2.0 and validation_at(tmp_path, steps=40) == 1.0
    with pytest.raises(insight.ArgumentError, match="no validation within 5 steps"):
        validation_at(tmp_path, steps=5)
    for neither_or_both in ({}, {"seconds": 100, "steps": 20}):
        with pytest.raises(insight.ArgumentError, match="exactly one of seconds= and steps="):
            validation_at(tmp_path, **neither_or_both)
    # a bundled model names the run it was published from
    folder = training_run("schnet-md-ethanol")
    assert folder is not None and (folder / "log.csv").is_file()


def test_training_curves_of_bundled_models_come_from_their_logs():
    from insight.models.card import read_card
    from insight.models.files import resolve_model_folder
    from insight.plots.accuracy import training_curves_figure
    from insight.training import read_log
    from insight.zoo import training_curves, training_run

    log = read_log(training_run("schnet-md-ethanol"))
    whole = training_curves(["schnet-md-ethanol"], past_published=True)
    assert len(whole) == len(log) and (whole["model"] == "schnet-md-ethanol").all()
    np.testing.assert_allclose(whole["hours"] * 3600, log["seconds"])
    np.testing.assert_array_equal(whole["val_mae"], log["val_mae"])
    # by default a curve ends at the published weights, whose validation error is its last point and its best
    card = read_card(resolve_model_folder("schnet-md-ethanol"))
    curves = training_curves(["schnet-md-ethanol"])
    assert curves["step"].iloc[-1] == card.training.steps and len(curves) <= len(log)
    assert curves["val_mae"].min() == pytest.approx(card.metrics["validation_mae"], rel=1e-4)
    figure = training_curves_figure(curves)  # one line against hours, one against steps
    assert len(figure.data) == 2 and list(figure.data[1].x) == list(curves["step"])
    assert training_curves([]).empty


def test_training_subsets_are_nested_and_share_validation_and_test():
    from insight.data.splits import random_split

    full = random_split(100, 60, 20, seed=3)
    subsets = [random_split(100, 60, 20, seed=3, train_subset=n) for n in (10, 30, 60)]
    for small, large in zip(subsets, subsets[1:]):
        assert set(small["train"]) < set(large["train"])
    assert np.array_equal(subsets[-1]["train"], full["train"]) and len(subsets[0]["train"]) == 10
    for subset in subsets:
        assert np.array_equal(subset["validation"], full["validation"]) and np.array_equal(subset["test"], full["test"])
    with pytest.raises(insight.ArgumentError, match="train_subset must lie between 1 and the 60"):
        random_split(100, 60, 20, seed=3, train_subset=61)
