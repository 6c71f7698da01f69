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
    alkali = per_family.set_index("family").reindex(["IA", "IIA"])["rho_period_pc1"].round(2).to_dict()
    run.report(
        "Fig. 4.15",
        "The embeddings of sp elements cluster by main group and order from light to heavy within groups "
        "(e.g. IA and IIA along the first component).",
        bool(clustered and ordered),
        f"sp elements ({summary['n_elements']}): same-group distance / other-group distance = "
        f"{summary['within_between_ratio']:.2f} (permutation p = {summary['permutation_p']:.3f}, silhouette "
        f"{summary['silhouette']:.2f}); period order (|ρ| ≥ 0.8 with distance from the lightest member) in "
        f"{summary['families_ordered']} of {summary['families_tested']} groups; Spearman ρ(period, PC1) for "
        f"IA, IIA: {alkali}. All {results['all'].n_elements} elements: ratio "
        f"{results['all'].within_between_ratio:.2f} (p = {results['all'].permutation_p:.3f}).",
        {"sp": summary, "all": {k: v for k, v in vars(results["all"]).items() if k != "per_family"}, "model": MODEL},
    )


if __name__ == "__main__":
    main()
