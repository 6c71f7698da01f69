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
            from insight.data.qm9 import load_qm9
            from insight.models.files import pretrained_dir
            from insight.training import PackedMolecules, evaluate, load_split

            qm9 = load_qm9()
            data = PackedMolecules(qm9.numbers, qm9.positions, qm9.offsets, qm9.target(card["target"]), model.cutoff)
            mae = evaluate(model, data, load_split(pretrained_dir() / name)["test"])[0]["mae"]
        reference = thesis_reference(card)
        thesis = f"{reference['test_mae']} ({reference['source']})" if reference else "—"
        mae_text = f"{mae:.3f} {unit}" if mae is not None else "not evaluated"
        print(
            f"| {name} | {card['architecture']} | {card['hyperparameters']['n_interactions']} | {card.get('target')} "
            f"| {card.get('training', {}).get('n_train', '?')} | {mae_text} | {thesis} | {card.get('status', 'final')} |"
        )


if __name__ == "__main__":
    main()
