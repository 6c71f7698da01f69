"""Figs 3.10 and 3.11: atom-wise energy contributions of DTNNs (T=2) trained on MD trajectories of benzene and
malonaldehyde, one colour per model trained on a different subset, with the distribution of total energies.

    python analyses/fig_3_10_3_11_md_partitioning.py [--quick] [--output DIR]

Our trajectories are GFN2-xTB MD at 500 K computed here (`insight data generate-md`), not MD17's DFT.
"""

from __future__ import annotations

from _common import md_evaluation_frames, start

import insight
from insight.plots.partition import distributions_figure
from insight.zoo import find_models

FIGURES = {"benzene": "Fig. 3.10", "malonaldehyde": "Fig. 3.11"}


def main(argv=None) -> None:
    run = start("fig_3_10_3_11", __doc__.splitlines()[0], argv)
    results, missing = {}, []
    for molecule, label in FIGURES.items():
        names = find_models(dataset=f"md:{molecule}", architecture="dtnn", n_interactions=2)
        if not names:
            missing.append(molecule)
            continue
        models = {name: insight.load_model(name, device="cpu") for name in names}
        trajectory, test, source, _ = md_evaluation_frames(molecule, names[0], run.quick)
        frames = test[:: max(1, len(test) // (200 if run.quick else 2000))]
        contributions = insight.with_totals(insight.contributions_over_dataset(models, trajectory.structures(frames),
                                                                               progress=False))
        elements = list(dict.fromkeys(trajectory.structure(0).symbols)) + ["E (total)"]
        figure = distributions_figure(contributions, elements)
        figure.update_layout(title=f"{label}: E_i of DTNN (T=2) models trained on {molecule} MD (GFN2-xTB), "
                                   f"{len(frames)} {source}")
        run.save(f"fig_{label[5:].replace('.', '_')}_{molecule}_partitioning", figure, contributions, width=1000,
                 height=260 * len(elements) + 150)
        results[molecule] = (len(models), insight.partition_agreement(contributions))
    if missing and not results:
        run.report("Figs 3.10, 3.11", _FINDING, None, f"No DTNN (T=2) MD models for {', '.join(missing)} are "
                   "shipped yet (issue 7: training continues).")
        return
    parts, atom_spread = [], {}
    for molecule, (n_models, agreement) in results.items():
        rows = agreement.set_index("element")
        atoms = rows.drop(index="E (total)")
        atom_spread[molecule] = float(atoms["spread_of_means"].mean())
        parts.append(f"{molecule}: {n_models} model(s); spread of the models' mean E_i per element "
                     + ", ".join(f"{e} {v:.2f}" for e, v in atoms["spread_of_means"].items())
                     + f" kcal/mol (mean {atom_spread[molecule]:.2f}) vs "
                     f"{rows.loc['E (total)', 'spread_of_means']:.3f} for total energies")
    testable = all(n >= 2 for n, _ in results.values()) and not missing
    totals_agree = all((a.set_index("element").drop(index="E (total)")["spread_of_means"]
                        > a.set_index("element").loc["E (total)", "spread_of_means"]).all() for _, a in results.values())
    benzene_more_alike = testable and atom_spread["benzene"] < atom_spread["malonaldehyde"]
    run.report("Figs 3.10, 3.11", _FINDING, None if not testable else bool(totals_agree and benzene_more_alike),
        "; ".join(parts) + ("" if testable else " (several models per molecule are needed to test the finding; "
                                                 "missing: " + (", ".join(missing) or "repetitions") + ")")
        + (f". Totals agree better than contributions: {totals_agree}; benzene's partitionings more alike than "
           f"malonaldehyde's: {benzene_more_alike} (criterion: both)." if testable else "."),
        {m: a.to_dict(orient="records") for m, (_, a) in results.items()})


_FINDING = ("DTNNs trained on different subsets predict the same total energies but may partition them differently: "
            "similar E_i distributions for benzene (few atom types), more diverse ones for malonaldehyde.")


if __name__ == "__main__":
    main()
