"""The ladder's schedule notes say what the runs' own records say, and refuse where the rungs disagree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import import_script

BUDGETS = [2, 3.45, 7, 10, 13]


@pytest.fixture(scope="module")
def notes_module():
    return import_script("scripts", "ladder_schedule_notes")


def _write_runs(root: Path, schnet_rate=5e-4, dtnn_rate=1e-3, ema_decay=0.999, hours=13.0, **overrides) -> Path:
    for architecture, rate, rungs in (("schnet-qm9-f30-T", schnet_rate, (1, 2, 3, 6)),
                                      ("dtnn-qm9-ladder-T", dtnn_rate, (1, 2))):
        for t in rungs:
            run = f"{architecture}{t}"
            config = {"learning_rate": rate, "ema_decay": ema_decay, "max_hours": hours, "lr_schedule": "budget",
                      **overrides.get(run, {})}
            (root / run).mkdir(parents=True)
            (root / run / "config.json").write_text(json.dumps(config))
    return root


def test_the_restart_rates_are_the_linear_decay_worked_out_by_hand(notes_module, tmp_path):
    notes = notes_module.schedule_notes(_write_runs(tmp_path), BUDGETS)
    # 5e-4 (1 - 2/3.45) = 2.10e-4, 5e-4 (1 - 3.45/7) = 2.54e-4, 5e-4 (1 - 7/10) = 1.5e-4, 5e-4 (1 - 10/13) = 1.15e-4
    assert notes["schnet"] == (
        "Learning rate 5e-4 decaying linearly to 0 at the end of a 2 h budget; the budget was then raised four times, "
        "to 3.45 h, 7 h, 10 h and 13 h, and each time the rate restarted at the new decay's value (2.1e-4 at 2 h, "
        "2.5e-4 at 3.45 h, 1.5e-4 at 7 h and 1.2e-4 at 10 h) and decayed linearly to 0 at the new end. Validated and "
        "published: an exponential moving average of the weights (decay 0.999)."
    )
    assert notes["dtnn"].startswith("Learning rate 1e-3 decaying")
    assert "(4.2e-4 at 2 h, 5.1e-4 at 3.45 h, 3.0e-4 at 7 h and 2.3e-4 at 10 h)" in notes["dtnn"]


def test_the_rate_and_ema_come_from_the_records_not_from_the_script(notes_module, tmp_path):
    notes = notes_module.schedule_notes(_write_runs(tmp_path, schnet_rate=3e-4, ema_decay=0.995, hours=8.0), [4, 8])
    assert notes["schnet"].startswith("Learning rate 3e-4 decaying linearly to 0 at the end of a 4 h budget; the "
                                      "budget was then raised once, to 8 h, and the rate restarted at the new "
                                      "decay's value (1.5e-4 at 4 h)")
    assert notes["schnet"].endswith("(decay 0.995).")


def test_a_single_budget_and_no_ema_are_described_as_such(notes_module, tmp_path):
    notes = notes_module.schedule_notes(_write_runs(tmp_path, ema_decay=0.0, hours=13.0), [13])
    assert notes["schnet"] == ("Learning rate 5e-4 decaying linearly to 0 at the end of a 13 h budget. Validated and "
                               "published: the trained weights themselves (no moving average).")


@pytest.mark.parametrize("overrides, named", [
    ({"schnet-qm9-f30-T3": {"max_hours": 10.0}}, "train every rung to the same hours first"),
    ({"schnet-qm9-f30-T6": {"learning_rate": 1e-4}}, "different learning_rate"),
    ({"dtnn-qm9-ladder-T2": {"ema_decay": 0.99}}, "different ema_decay"),
    ({"dtnn-qm9-ladder-T1": {"lr_schedule": "exponential"}}, "not 'budget'"),
    ({"schnet-qm9-f30-T1": {"restart_lr": 2e-4}}, "restarted at the learning rate 0.0002"),
])
def test_rungs_that_disagree_are_refused_with_the_reason(notes_module, tmp_path, overrides, named):
    with pytest.raises(notes_module.LadderRecordError, match=named):
        notes_module.schedule_notes(_write_runs(tmp_path, **overrides), BUDGETS)


def test_the_command_line_prints_one_note_per_architecture_or_nothing(notes_module, tmp_path, capsys):
    root = _write_runs(tmp_path / "ok")
    assert notes_module.main([str(root), *map(str, BUDGETS)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" decaying")[0] for line in lines] == ["Learning rate 5e-4", "Learning rate 1e-3"]

    refused = _write_runs(tmp_path / "short", hours=10.0)
    assert notes_module.main([str(refused), *map(str, BUDGETS)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "13 h" in captured.err
