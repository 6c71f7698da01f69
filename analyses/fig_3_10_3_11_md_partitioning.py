"""Figs 3.10 and 3.11: atom-wise energy contributions of DTNNs (T=2) trained on MD trajectories of benzene and
malonaldehyde, one colour per model trained on a different subset, with the distribution of total energies.

    python analyses/fig_3_10_3_11_md_partitioning.py [--quick] [--output DIR]

Our trajectories are GFN2-xTB MD at 500 K computed here (`insight data generate-md`), not MD17's DFT.
"""

from __future__ import annotations

import numpy as np
from _common import md_evaluation_frames, start

import insight
from insight.models.files import untrained_like
from insight.plots.partition import distributions_figure
from insight.zoo import find_models

FIGURES = {"benzene": "Fig. 3.10", "malonaldehyde": "Fig. 3.11"}


def main(argv=None) -> None:
    run = start("fig_3_10_3_11", __doc__.splitlines()[0], argv)
    results, controls, missing = {}, {}, []
    for molecule, label in FIGURES.items():
        names = find_models(dataset=f"md:{molecule}", architecture="dtnn", n_interactions=2)
        if not names:
            missing.append(molecule)
            continue
        models = {name: insight.load_model(name, device="cpu") for name in names}
        trajectory, test, source, _ = md_evaluation_frames(molecule, names[0], run.quick)
        frames = trajectory.structures(test[:: max(1, len(test) // (200 if run.quick else 2000))])
        contributions = insight.with_totals(insight.contributions_over_dataset(models, frames, progress=False))
        elements = list(dict.fromkeys(trajectory.structure(0).symbols)) + ["E (total)"]
        figure = distributions_figure(contributions, elements)
        figure.update_layout(title=f"{label}: E_i of DTNN (T=2) models trained on {molecule} MD (GFN2-xTB), "
                                   f"{len(frames)} {source}")
        run.save(f"fig_{label[5:].replace('.', '_')}_{molecule}_partitioning", figure, contributions, width=1000,
                 height=260 * len(elements) + 150)
        results[molecule] = _agreement(contributions, len(models))
        # Control: as many untrained DTNNs of the same size and output scaling, on the same frames.
        untrained = {m.name: m for m in untrained_like(models[names[0]], len(models))}
        controls[molecule] = _agreement(insight.with_totals(
            insight.contributions_over_dataset(untrained, frames, progress=False)), len(untrained))
    if missing and not results:
        run.report("Figs 3.10, 3.11", _FINDING, None, f"No DTNN (T=2) MD models for {', '.join(missing)} are "
                   "shipped yet (issue 7: training continues).")
        return
    testable = all(r["n_models"] >= 2 for r in results.values()) and not missing
    parts = [f"{molecule}: {r['n_models']} model(s); spread of the models' mean E_i per element "
             + ", ".join(f"{e} {v:.2f}" for e, v in r["per_element"].items())
             + f" kcal/mol (mean {r['atoms']:.2f}) vs {r['total']:.3f} for total energies"
             for molecule, r in results.items()]
    numbers = {"models": results, "control": controls}
    if not testable:
        run.report("Figs 3.10, 3.11", _FINDING, None, "; ".join(parts) + " (several models per molecule are needed "
                   "to test the finding; missing: " + (", ".join(missing) or "repetitions") + ").", numbers)
        return
    totals_agree = all(r["atoms"] > r["total"] for r in results.values())
    control_totals_agree = all(r["atoms"] > r["total"] for r in controls.values())
    # Benzene more alike: malonaldehyde's mean spread minus benzene's, against the uncertainty of spreads estimated
    # from this few models (a standard deviation from n samples is uncertain by about itself / sqrt(2 (n - 1))).
    difference = results["malonaldehyde"]["atoms"] - results["benzene"]["atoms"]
    uncertainty = float(np.hypot(results["malonaldehyde"]["atoms_error"], results["benzene"]["atoms_error"]))
    control_difference = controls["malonaldehyde"]["atoms"] - controls["benzene"]["atoms"]
    benzene_more_alike = difference > 2 * uncertainty
    numbers |= {"difference": difference, "uncertainty": uncertainty, "control_difference": control_difference}
    run.report(
        "Figs 3.10, 3.11", _FINDING,
        True if totals_agree and benzene_more_alike and not control_totals_agree
        else "partly" if totals_agree and not control_totals_agree else False,
        "; ".join(parts) + ".",
        numbers,
        criterion=("Totals agree better than contributions: for both molecules the models' mean E_i scatter more "
                   "than their mean totals (" + ", ".join(f"{m} {r['atoms']:.2f} vs {r['total']:.3f}"
                                                      for m, r in results.items())
                   + f" kcal/mol; {'holds' if totals_agree else 'fails'}). Benzene's partitionings more alike than "
                   f"malonaldehyde's: malonaldehyde's mean spread minus benzene's exceeds twice its uncertainty "
                   f"({difference:+.2f} kcal/mol; {'holds' if benzene_more_alike else 'fails'}). Reproduced when both "
                   "hold, partly when the first does."),
        control=("As many untrained DTNNs of the same size and output scaling: mean E_i vs totals scatter "
                 + ", ".join(f"{m} {r['atoms']:.2f} vs {r['total']:.2f}" for m, r in controls.items())
                 + f" kcal/mol; malonaldehyde minus benzene {control_difference:+.2f}."),
        spread=(f"The repetitions are the spread: {results['benzene']['n_models']} DTNN T=2 models per molecule on "
                f"different splits; the difference's uncertainty from so few models is {uncertainty:.2f} kcal/mol."),
    )


def _agreement(contributions, n_models: int) -> dict:
    """How much the models' mean E_i (per element) and mean totals scatter, in kcal/mol."""
    rows = insight.partition_agreement(contributions).set_index("element")
    atoms = rows.drop(index="E (total)")["spread_of_means"]
    relative_error = 1.0 / np.sqrt(2.0 * max(n_models - 1, 1))
    return {"n_models": n_models, "per_element": atoms.to_dict(), "atoms": float(atoms.mean()),
            "atoms_error": float(np.sqrt((atoms**2).sum()) * relative_error / len(atoms)),
            "total": float(rows.loc["E (total)", "spread_of_means"])}


_FINDING = ("DTNNs trained on different subsets predict the same total energies but may partition them differently: "
            "similar E_i distributions for benzene (few atom types), more diverse ones for malonaldehyde.")


if __name__ == "__main__":
    main()
