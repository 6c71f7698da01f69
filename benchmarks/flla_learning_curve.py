"""The FLLA learning curve (issue 14): SchNet T=6 trained on N = 500, 1,000, 2,000 and 3,000 crystals of one
split, against the sine-matrix kernel baseline fitted on the same training rows, all scored on the same 500 test
crystals.

    bash scripts/train_zoo.sh flla-curve         # trains the sizes (training-runs/schnet-mp-N<N>)
    python benchmarks/flla_learning_curve.py [--quick] [--output docs/figures]

Prints a Markdown table and writes ``flla_learning_curve.csv`` and ``.png`` to ``--output``. Needs the FLLA data
(`insight data fetch flla`). The sizes train with the same budget each (their cards say how long); the shipped
``schnet-mp`` (N = 3,000, trained longer with another schedule) and the thesis' Table 4.3 are shown as points.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import insight
from insight.data.flla import load_flla
from insight.models.files import load_split
from insight.plots.accuracy import learning_curve_figure
from insight.thesis import MP_FORMATION_MAE
from insight.zoo import TRAINING_RUNS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a coarse grid for the kernel baseline")
    parser.add_argument("--output", type=Path, default=None, help="folder for the CSV and PNG (default: none)")
    args = parser.parse_args()
    # learning_curve orders the sizes itself
    folders = [p for p in TRAINING_RUNS.glob("schnet-mp-N*/best") if re.fullmatch(r"schnet-mp-N\d+", p.parent.name)]
    if not folders:
        raise SystemExit("no training-runs/schnet-mp-N<N>/best: run `bash scripts/train_zoo.sh flla-curve` first")
    models = [(insight.load_model(folder, device="cpu"), load_split(folder)) for folder in folders]
    grid = dict(gammas=(1e-5, 1e-4), alphas=(1e-4, 1e-2)) if args.quick else None
    flla = load_flla()
    curve = insight.learning_curve(models, flla, sine_grid=grid)
    shipped = insight.load_model("schnet-mp", device="cpu")
    shipped_mae = float(insight.prediction_table(shipped, flla, load_split("schnet-mp")["test"]).table["abs_error"]
                        .mean())
    hours = {model.name: model.card.training.hours for model, _ in models}
    table = curve.table.assign(hours=curve.table["model"].map(hours))
    print(f"| N train | SchNet T=6 ({curve.unit}) | hours to best | sine matrix | training mean |")
    print("|---|---|---|---|---|")
    for row in table.itertuples():
        print(f"| {row.n_train:,} | {row.test_mae:.3f} | {row.hours:.2f} | {row.sine_matrix_mae:.3f} "
              f"| {row.training_mean_mae:.3f} |")
    print(f"\nshipped schnet-mp (N = 3,000, {shipped.card.training.hours:.2f} h): {shipped_mae:.3f}; "
          "thesis (N = 3,000): "
          f"SchNet {MP_FORMATION_MAE['schnet']}, sine matrix {MP_FORMATION_MAE['sine matrix']}; {curve.n_test} test "
          "crystals")
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.output / "flla_learning_curve.csv", index=False)
        figure = learning_curve_figure(curve, {
            f"schnet-mp, shipped ({shipped.card.training.hours:.1f} h)": (3000, shipped_mae),
            "thesis: SchNet": (3000, MP_FORMATION_MAE["schnet"]),
            "thesis: sine matrix": (3000, MP_FORMATION_MAE["sine matrix"])})
        figure.update_layout(title=f"FLLA formation energies: test MAE by training crystals ({curve.n_test} test "
                                   "crystals, one split)")
        figure.write_image(args.output / "flla_learning_curve.png", width=900, height=600)


if __name__ == "__main__":
    main()
