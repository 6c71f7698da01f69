"""Tables 5.3 and 5.4 (and Table 3.2's DTNN column): energy and force errors on held-out MD frames,
SchNet (T=3) trained on energies only and on energies and forces (Eq. 5.7), N = 1,000.

    python analyses/table_5_3_5_4_md.py [--quick] [--output DIR]

Reference data are GFN2-xTB trajectories computed here, not MD17's DFT: compare the size of the effect of
force training with the thesis, not the numbers.
"""

from __future__ import annotations

import pandas as pd
from _common import md_evaluation_frames, start

import insight
from insight.evaluation import evaluate, test_metrics
from insight.plots.accuracy import md_errors_figure
from insight.thesis import MD17_MAE_N1000
from insight.training import read_log, validation_at
from insight.zoo import find_models, training_run

MOLECULES = tuple(MD17_MAE_N1000)


def main(argv=None) -> None:
    run = start("table_5_3_5_4", __doc__.splitlines()[0], argv)
    rows = []
    for molecule in MOLECULES:
        dataset = f"md:{molecule.replace(' ', '-')}"
        for architecture, forces in (("schnet", False), ("schnet", True), ("dtnn", False)):
            for name in find_models(dataset=dataset, architecture=architecture, forces=forces):
                model = insight.load_model(name, device="cpu")
                card = model.card
                trajectory, rows_used, source, recorded = md_evaluation_frames(molecule, name, run.quick)
                if recorded:
                    result = test_metrics(name)
                else:
                    result = evaluate(model, trajectory.pack(card.target, model.cutoff), rows_used)
                thesis = MD17_MAE_N1000[molecule] if architecture == "schnet" else None
                rows.append({"molecule": molecule, "model": name, "architecture": architecture,
                             "T": card.n_interactions,
                             "trained_on": "energy+forces" if forces else "energy",
                             "n_train": card.training.n_train, "evaluated_on": source,
                             "energy_mae": result.mae,
                             "force_mae": result.force_mae, "mean_predictor_mae": result.mean_predictor_mae,
                             "thesis_energy_mae": thesis["energy"][int(forces)] if thesis else None,
                             "thesis_force_mae": thesis["forces"][int(forces)] if thesis else None})
    table = pd.DataFrame(rows)
    finding = ("Trained on 1,000 frames, SchNet with energies and forces is far more accurate than with energies "
               "only (e.g. ethanol 0.08 vs 0.93 kcal/mol, forces 0.39 vs 6.56 kcal/mol/Å).")
    if table.empty:
        run.report("Tables 5.3, 5.4", finding, None, "No MD models are shipped yet (issue 7: training continues).")
        return
    table.to_csv(run.output / "table_5_3_5_4_md.csv", index=False)
    run.files.append("table_5_3_5_4_md.csv")
    run.save("table_5_3_5_4_md", md_errors_figure(table), None, width=1100, height=550)
    ratios = {}
    for molecule, group in table[table["architecture"] == "schnet"].groupby("molecule"):
        kinds = group.set_index("trained_on")
        if {"energy", "energy+forces"} <= set(kinds.index):
            ratios[molecule] = (float(kinds.loc["energy", "energy_mae"] / kinds.loc["energy+forces", "energy_mae"]),
                                float(kinds.loc["energy", "force_mae"] / kinds.loc["energy+forces", "force_mae"]))
    result = "; ".join(f"{m}: energy-only / energy+forces = {e:.1f}x (energy), {f:.1f}x (forces)"
                       for m, (e, f) in ratios.items()) or "no molecule has both SchNet variants yet"
    if not ratios:
        run.report("Tables 5.3, 5.4", finding, None, result + ".")
        return
    # Control: equal compute. The energy+forces runs trained longer, so each pair is also read from its training
    # logs at the shorter run's total time (best validation energy error reached by then).
    equal_budget = {}
    for molecule, group in table[table["architecture"] == "schnet"].groupby("molecule"):
        names = group.set_index("trained_on")["model"]
        if molecule not in ratios:
            continue
        runs = {kind: training_run(names[kind]) for kind in ("energy", "energy+forces")}
        if None in runs.values():
            continue
        budget = float(min(read_log(folder)["seconds"].max() for folder in runs.values()))
        errors = {kind: validation_at(folder, budget) for kind, folder in runs.items()}
        equal_budget[molecule] = {"seconds": budget, **errors, "ratio": errors["energy"] / errors["energy+forces"]}
    holds = all(e > 2 and f > 2 for e, f in ratios.values())
    at_equal_budget = [v["ratio"] > 2 for v in equal_budget.values()]
    run.report(
        "Tables 5.3, 5.4", finding,
        False if not holds else True if all(at_equal_budget) else "partly" if any(at_equal_budget) else False,
        result + ".",
        {"ratios": ratios, "equal_budget": equal_budget},
        criterion=("Energy+forces training is more than twice as accurate as energy-only training on held-out frames, "
                   "in energies and in forces, for every molecule: " + ", ".join(
                       f"{m} {e:.1f}x, {f:.1f}x" for m, (e, f) in ratios.items()) + "; and in energies still at "
                   "equal compute. Partly when the equal-compute ratio exceeds 2 for some molecules only."),
        control=("Equal compute, from the training logs at the shorter run's total time (validation energy MAE, "
                 "energy-only / energy+forces): " + ", ".join(
                     f"{m} {v['energy']:.2f} / {v['energy+forces']:.2f} = {v['ratio']:.1f}x after "
                     f"{v['seconds'] / 60:.0f} min" for m, v in equal_budget.items()) + "." if equal_budget else
                 "The training logs are not in this checkout, so equal compute cannot be checked."),
        spread="No repetitions of the MD SchNets exist, so there is no spread across training runs.",
    )


if __name__ == "__main__":
    main()
