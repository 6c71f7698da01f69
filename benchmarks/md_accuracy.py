"""Energy and force errors of the MD models on held-out frames, in the style of Tables 3.2, 5.3 and 5.4.

    python benchmarks/md_accuracy.py [--runs training-runs]

Evaluates every model trained on an ``md:MOLECULE`` dataset (bundled ones and
the best model of each run folder) on its recorded test frames. Our reference
data are GFN2-xTB trajectories computed here, not MD17's DFT, so the thesis'
numbers are shown for orientation only. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import insight
from insight.evaluation import test_metrics
from insight.models.files import pretrained_dir
from insight.thesis import MD17_MAE_N1000


def folders(runs: Path) -> list[Path]:
    found = [p for p in sorted(pretrained_dir().iterdir()) if (p / "card.json").is_file()]
    found += [p / "best" for p in sorted(runs.glob("*")) if (p / "best" / "card.json").is_file()]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=Path, default=Path("training-runs"))
    args = parser.parse_args()
    print("| model | data | trained on | N train | test energy MAE | test force MAE | thesis (MD17 DFT, N=1,000) |")
    print("|---|---|---|---|---|---|---|")
    for folder in folders(args.runs):
        card = insight.read_card(folder)
        if not (card.dataset or "").startswith("md:"):
            continue
        result = test_metrics(folder)
        molecule = card.dataset[3:].replace("-", " ")
        kind = "energy+forces" if card.training.with_forces else "energy"
        thesis = MD17_MAE_N1000.get(molecule)
        column = 1 if kind == "energy+forces" else 0
        reference = (f"{thesis['energy'][column]} / {thesis['forces'][column]}"
                     if thesis and card.architecture == "schnet" else "—")
        print(f"| {folder.parent.name if folder.name == 'best' else folder.name} | {molecule} (GFN2-xTB) | {kind} "
              f"| {card.training.n_train} | {result.mae:.3f} kcal/mol (mean predictor {result.mean_predictor_mae:.2f}) "
              f"| {result.force_mae:.3f} kcal/mol/Å | {reference} |")


if __name__ == "__main__":
    main()
