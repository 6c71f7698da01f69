"""The Fig. 4.6 ladder's learning-rate history in words, one model-card note per architecture.

Everything the notes state comes from the runs' own ``config.json`` (initial rate, EMA decay, final budget), so a card
cannot say something other than what trained. The budgets the ladder was raised through are not recorded by a run
(a raised budget overwrites ``max_hours``), so they are passed in; the last must equal every run's recorded budget.

    python scripts/ladder_schedule_notes.py training-runs 2 3.45 7 10 13

prints the SchNet note, then the DTNN note, one per line; it exits with a message (and prints nothing) when the rungs
disagree with the budgets or with one another.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

LADDER_RUNS = {
    "schnet": [f"schnet-qm9-f30-T{t}" for t in (1, 2, 3, 6)],
    "dtnn": [f"dtnn-qm9-ladder-T{t}" for t in (1, 2)],
}
_COUNT_WORDS = {1: "once", 2: "twice", 3: "three times", 4: "four times", 5: "five times", 6: "six times"}


class LadderRecordError(ValueError):
    """The rungs' recorded configurations cannot be described by one schedule note per architecture."""


def _rate_text(rate: float, digits: int = 0) -> str:
    """5e-4 rather than 5e-04, as the cards have always written rates."""
    return f"{rate:.{digits}e}".replace("e-0", "e-")


def _list_text(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _shared_setting(configs: dict[str, dict], key: str, architecture: str) -> float:
    values = {run: config[key] for run, config in configs.items()}
    if len(set(values.values())) != 1:
        raise LadderRecordError(
            f"the {architecture} rungs record different {key} values {values}; one schedule note cannot describe "
            "them: publish the rungs that share a setting separately"
        )
    return next(iter(values.values()))


def schedule_notes(runs_root: Path | str, budgets: list[float]) -> dict[str, str]:
    """One note per architecture that has rungs under ``runs_root``, keyed by architecture."""
    if not budgets or any(b <= 0 for b in budgets) or list(budgets) != sorted(set(budgets)):
        raise LadderRecordError(f"budgets {budgets} must be positive hours in increasing order")
    configs = {
        architecture: {run: json.loads(path.read_text())
                       for run in runs if (path := Path(runs_root, run, "config.json")).exists()}
        for architecture, runs in LADDER_RUNS.items()
    }
    recorded = {run: config["max_hours"] for runs in configs.values() for run, config in runs.items()}
    if not recorded:
        raise LadderRecordError(f"no ladder run under {runs_root}: train them with scripts/ladder_lanes.sh first")
    if set(recorded.values()) != {budgets[-1]}:
        raise LadderRecordError(
            f"the ladder's runs record the budgets {recorded}, not the last of the budgets given, {budgets[-1]:g} h: "
            "train every rung to the same hours first"
        )
    notes = {}
    for architecture, runs in configs.items():
        if not runs:
            continue
        for run, config in runs.items():
            if config.get("lr_schedule") != "budget":
                raise LadderRecordError(f"{run} trained with the {config.get('lr_schedule')!r} schedule, not 'budget'")
            # The restarts below are rate * (1 - old / new) only where no run was restarted at a rate of its own.
            if config.get("restart_lr") is not None:
                raise LadderRecordError(f"{run} was restarted at the learning rate {config['restart_lr']:g}, which "
                                        "the ladder's note does not describe: write its schedule note by hand")
        rate = _shared_setting(runs, "learning_rate", architecture)
        ema_decay = _shared_setting(runs, "ema_decay", architecture)
        text = f"Learning rate {_rate_text(rate)} decaying linearly to 0 at the end of a {budgets[0]:g} h budget"
        if len(budgets) > 1:
            raised = _list_text([f"{b:g} h" for b in budgets[1:]])
            # A raised budget restarts the rate at the new linear decay's value: rate * (1 - old / new).
            restarts = _list_text([f"{_rate_text(rate * (1 - old / new), 1)} at {old:g} h"
                                   for old, new in zip(budgets, budgets[1:])])
            raises = len(budgets) - 1
            text += (f"; the budget was then raised {_COUNT_WORDS.get(raises, f'{raises} times')}, to {raised}, and "
                     f"{'each time ' if raises > 1 else ''}the rate restarted at the new decay's value ({restarts}) "
                     "and decayed linearly to 0 at the new end")
        if ema_decay:
            text += f". Validated and published: an exponential moving average of the weights (decay {ema_decay:g})."
        else:
            text += ". Validated and published: the trained weights themselves (no moving average)."
        notes[architecture] = text
    return notes


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        notes = schedule_notes(argv[0], [float(b) for b in argv[1:]])
    except ValueError as error:  # a LadderRecordError, or a budget that is no number
        print(error, file=sys.stderr)
        return 1
    for architecture in LADDER_RUNS:
        print(notes.get(architecture, ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
