"""Fig. 4.15: two leading principal components of the element embeddings of SchNet (Materials Project).

    python analyses/fig_4_15_element_embeddings.py [--quick] [--output DIR]

Like the thesis, the figure shows the s- and p-block ("sp") elements; a second
figure shows every element the model knows. The reading of the figure, groups
cluster and periods order within groups, is measured with
:func:`insight.embedding_group_structure`.
"""

from __future__ import annotations

from _common import start

import insight
from insight.models.files import untrained_like
from insight.plots.embeddings import embedding_pca_figure

MODEL = "schnet-mp"


def main(argv=None) -> None:
    run = start("fig_4_15", __doc__.splitlines()[0], argv)
    model = insight.load_model(MODEL, device="cpu")
    sp_elements = [z for z in model.known_elements if insight.periodic_table_position(z)[2] in "sp"]
    permutations = 200 if run.quick else 5000
    results = {}
    for name, elements in (("sp", sp_elements), ("all", model.known_elements)):
        pca = insight.embedding_pca(model, elements)
        figure = embedding_pca_figure(pca)
        figure.update_layout(title=f"Element embeddings of SchNet (T=6, Materials Project), "
                                   f"{'s- and p-block' if name == 'sp' else 'all'} elements")
        run.save(f"fig_4_15_embeddings_{name}", figure, pca.table, width=1100, height=750)
        structure = insight.embedding_group_structure(model, elements, n_permutations=permutations)
        structure.per_family.to_csv(run.output / f"fig_4_15_period_order_{name}.csv", index=False)
        run.files.append(f"fig_4_15_period_order_{name}.csv")
        results[name] = structure
    summary = {k: v for k, v in vars(results["sp"]).items() if k != "per_family"}
    per_family = results["sp"].per_family
    clustered = summary["within_between_ratio"] < 1 and summary["permutation_p"] < 0.05
    ordered = summary["families_ordered"] >= summary["families_tested"] / 2
    # Control: random embeddings, those of an untrained SchNet of the same size, for the same elements.
    control = insight.embedding_group_structure(untrained_like(model, 1)[0], sp_elements, n_permutations=permutations)
    control_clustered = control.within_between_ratio < 1 and control.permutation_p < 0.05
    control_ordered = control.families_ordered >= control.families_tested / 2
    alkali = per_family.set_index("family").reindex(["IA", "IIA"])["rho_period_pc1"].round(2).to_dict()
    run.report(
        "Fig. 4.15",
        "The embeddings of sp elements cluster by main group and order from light to heavy within groups "
        "(e.g. IA and IIA along the first component).",
        bool(clustered and ordered and not (control_clustered and control_ordered)),
        f"sp elements ({summary['n_elements']}): same-group distance / other-group distance = "
        f"{summary['within_between_ratio']:.2f} (permutation p = {summary['permutation_p']:.3f}, silhouette "
        f"{summary['silhouette']:.2f}); period order (|ρ| ≥ 0.8 with distance from the lightest member) in "
        f"{summary['families_ordered']} of {summary['families_tested']} groups; Spearman ρ(period, PC1) for "
        f"IA, IIA: {alkali}. All {results['all'].n_elements} elements: ratio "
        f"{results['all'].within_between_ratio:.2f} (p = {results['all'].permutation_p:.3f}).",
        {"sp": summary, "all": {k: v for k, v in vars(results["all"]).items() if k != "per_family"}, "model": MODEL,
         "control": {k: v for k, v in vars(control).items() if k != "per_family"}},
        criterion=(f"Clustered: same-group distances below other-group ones (ratio < 1) with permutation p < 0.05, "
                   f"ours {summary['within_between_ratio']:.2f} (p = {summary['permutation_p']:.3f}); ordered: "
                   f"periods in order (|ρ| ≥ 0.8) in at least half the groups, ours {summary['families_ordered']} "
                   f"of {summary['families_tested']}."),
        control=(f"An untrained SchNet of the same size (random embeddings): ratio {control.within_between_ratio:.2f} "
                 f"(p = {control.permutation_p:.3f}), periods in order in {control.families_ordered} of "
                 f"{control.families_tested} groups."),
        spread="No repetitions of schnet-mp exist, so there is no spread across training runs.",
    )


if __name__ == "__main__":
    main()
