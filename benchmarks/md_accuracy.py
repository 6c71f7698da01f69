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
from insight.models.files import pretrained_dir
from insight.training import test_metrics

#: Thesis SchNet (T=3) at N = 1,000 on MD17 (DFT): energy MAE (Table 5.3), force MAE (Table 5.4), kcal/mol(/Å).
THESIS_SCHNET_N1000 = {
    "benzene": {"energy": (1.19, 0.08), "forces": (14.12, 0.31)},
    "malonaldehyde": {"energy": (2.03, 0.13), "forces": (20.41, 0.66)},
    "ethanol": {"energy": (0.93, 0.08), "forces": (6.56, 0.39)},
}


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
        model = insight.load_model(folder, device="cpu")
        training = model.card.get("training", {})
        dataset = training.get("dataset", "")
        if not dataset.startswith("md:"):
            continue
        metrics = test_metrics(folder)
        molecule = dataset[3:]
        kind = "energy+forces" if training.get("rho") is not None else "energy"
        thesis = THESIS_SCHNET_N1000.get(molecule)
        column = 1 if kind == "energy+forces" else 0
        reference = (f"{thesis['energy'][column]} / {thesis['forces'][column]}"
                     if thesis and model.card["architecture"] == "schnet" else "—")
        mean_predictor = metrics["mean_predictor_mae"]
        print(f"| {folder.parent.name if folder.name == 'best' else folder.name} | {molecule} (GFN2-xTB) | {kind} "
              f"| {training.get('n_train')} | {metrics['mae']:.3f} kcal/mol (mean predictor {mean_predictor:.2f}) "
              f"| {metrics['force_mae']:.3f} kcal/mol/Å | {reference} |")


if __name__ == "__main__":
    main()
