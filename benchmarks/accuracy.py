"""Test errors of every shipped model next to the thesis' numbers (SPEC.md, Tables 3.1, 4.2, 4.3).

    python benchmarks/accuracy.py            # from the model cards
    python benchmarks/accuracy.py --recompute  # re-evaluate each model on its recorded test split

Prints a Markdown table.
"""

from __future__ import annotations

import argparse

import insight
from insight.zoo import thesis_reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recompute", action="store_true", help="evaluate on the test split instead of reading cards")
    args = parser.parse_args()
    print("| model | architecture | T | target | N train | test MAE | thesis | status |")
    print("|---|---|---|---|---|---|---|---|")
    for name in insight.list_pretrained():
        model = insight.load_model(name, device="cpu")
        card = model.card
        unit = model.energy_unit
        mae = card.get("metrics", {}).get("test_mae")
        if args.recompute:
            from insight.training import test_metrics

            mae = test_metrics(name)["mae"]
        reference = thesis_reference(card)
        thesis = f"{reference['test_mae']} ({reference['source']})" if reference else "—"
        mae_text = f"{mae:.3f} {unit}" if mae is not None else "not evaluated"
        print(
            f"| {name} | {card['architecture']} | {card['hyperparameters']['n_interactions']} | {card.get('target')} "
            f"| {card.get('training', {}).get('n_train', '?')} | {mae_text} | {thesis} | {card.get('status', 'final')} |"
        )


if __name__ == "__main__":
    main()
