"""Test errors of every shipped model next to the thesis' numbers (SPEC.md, Tables 3.1, 4.2, 4.3).

    python benchmarks/accuracy.py            # from the model cards
    python benchmarks/accuracy.py --recompute  # re-evaluate each model on its recorded test split

Prints a Markdown table.
"""

from __future__ import annotations

import argparse

import insight
from insight.evaluation import test_metrics
from insight.zoo import thesis_reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recompute", action="store_true", help="evaluate on the test split instead of reading cards")
    args = parser.parse_args()
    print("| model | architecture | T | target | N train | test MAE | thesis | status |")
    print("|---|---|---|---|---|---|---|---|")
    for name, card in insight.pretrained_cards().items():
        mae = test_metrics(name).mae if args.recompute else card.test_mae
        reference = thesis_reference(card)
        thesis = f"{reference.test_mae} ({reference.source})" if reference else "—"
        mae_text = f"{mae:.3f} {card.energy_unit}" if mae is not None else "not evaluated"
        n_train = card.training.n_train if card.training else "?"
        print(f"| {name} | {card.architecture} | {card.n_interactions} | {card.target} | {n_train} | {mae_text} "
              f"| {thesis} | {card.status or 'final'} |")


if __name__ == "__main__":
    main()
