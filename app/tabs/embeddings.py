"""Embeddings: the first two principal components of the element embeddings, and how far they follow the periodic
table (Fig. 4.15)."""

from __future__ import annotations

from dash import Input, Output, dcc, html, no_update

import insight
from insight.plots.embeddings import embedding_pca_figure

from ..components import figure_card, guarded, message
from ..layout import ANALYSIS, MODEL
from ..state import Workbench

TAB = "embeddings"
FIGURE, SUMMARY, MESSAGE = "embeddings", "embeddings-summary", "embeddings-message"
#: Fewer elements than this give no meaningful group statistics (QM9 models know five).
MIN_ELEMENTS_FOR_GROUPS = 8


def layout() -> dcc.Tab:
    return dcc.Tab(label="Embeddings", value=TAB, children=[
        message(MESSAGE),
        figure_card(FIGURE, "520px"),
        html.Div(id=SUMMARY, className="summary"),
    ])


def embeddings(bench: Workbench, model_name, tab):
    if tab != TAB:
        return no_update, no_update, no_update, ""
    pca = insight.embedding_pca(bench.model(model_name))
    figure = embedding_pca_figure(pca)
    if len(pca.table) < MIN_ELEMENTS_FOR_GROUPS:
        return figure, bench.stash(pca.table), "", ""
    summary = bench.embedding_structure(model_name)
    text = (f"{summary.n_elements} elements in {summary.n_families} families. Same-family elements are "
            f"{summary.within_between_ratio:.2f}× as far apart as others (permutation p = "
            f"{summary.permutation_p:.3f}); silhouette {summary.silhouette:.2f}. Periods ordered "
            f"(|Spearman ρ| ≥ 0.8 between period and distance from the lightest member) in "
            f"{summary.families_ordered} of {summary.families_tested} families.")
    return figure, bench.stash(pca.table), text, ""


def register(app, bench: Workbench) -> None:
    app.callback(Output(FIGURE, "figure"), Output(f"{FIGURE}-data", "data"), Output(SUMMARY, "children"),
                 Output(MESSAGE, "children"), Input(MODEL, "value"), Input(ANALYSIS, "value"))(
        guarded(embeddings, bench, 4))
