"""Accuracy: the model's errors on its recorded test split by molecule (or unit-cell) size, the largest errors,
and the ranking of the C7H10O2 isomers (Fig. 3.7)."""

from __future__ import annotations

from dash import Input, Output, State, dash_table, dcc, html, no_update

import insight
from insight.plots.accuracy import errors_by_size_figure, isomer_figure

from ..components import STOPS, UserError, figure_card, guarded, message, placeholder
from ..layout import ANALYSIS, MODEL, STRUCTURE
from ..state import Workbench, structure_to_json

TAB = "accuracy"
BY_SIZE, ISOMERS, WORST = "errors-by-size", "isomers", "largest-errors"
POLL, MESSAGE = "accuracy-poll", "accuracy-message"
SHOWN_ERRORS = 10


def layout() -> dcc.Tab:
    return dcc.Tab(label="Accuracy", value=TAB, children=[
        message(MESSAGE),
        dcc.Interval(id=POLL, interval=1000, disabled=True),
        figure_card(BY_SIZE, "360px"),
        html.H4("Largest test errors (click a QM9 row to view the molecule)"),
        dash_table.DataTable(id=WORST, page_size=SHOWN_ERRORS, style_table={"overflowX": "auto"},
                             style_cell={"cursor": "pointer"}),
        figure_card(ISOMERS, "420px"),
    ])


def accuracy(bench: Workbench, model_name, tab, _poll):
    """Errors by size, isomer ranking (QM9) and the largest errors; polls while the test split is predicted."""
    if tab != TAB:
        return (no_update,) * 6 + (True, "")
    model = bench.model(model_name)
    dataset = bench.model_dataset(model_name)
    if dataset not in ("qm9", "flla"):
        raise UserError(f"accuracy views need a model trained on QM9 or FLLA, not {dataset or 'unrecorded data'}")
    predictions = bench.test_predictions(model_name)
    if predictions is None:
        waiting = placeholder(f"predicting the {dataset.upper()} test split ... {STOPS}")
        return waiting, None, waiting, None, [], [], False, ""
    per_size = insight.errors_by_size(predictions)
    by_size = errors_by_size_figure(per_size, model.energy_unit)
    if dataset == "qm9":
        ranking = insight.isomer_ranking(predictions)
        isomers, isomer_table = isomer_figure(ranking), bench.stash(ranking.table)
        shown = ["id", "smiles", "n_atoms", "reference", "predicted", "error"]
    else:
        by_size.update_layout(title="Error by unit-cell size (FLLA test crystals)")
        by_size.update_xaxes(title="atoms in the unit cell")
        isomers, isomer_table = placeholder("the isomer ranking (Fig. 3.7) is a QM9 analysis"), None
        shown = ["id", "formula", "n_atoms", "reference", "predicted", "error"]
    worst = insight.largest_errors(predictions, SHOWN_ERRORS)[shown + ["row"]].round(3)
    columns = [{"name": f"{c} ({predictions.unit})" if c in ("reference", "predicted", "error") else c, "id": c}
               for c in shown]
    return by_size, bench.stash(per_size), isomers, isomer_table, worst.to_dict("records"), columns, True, ""


def view_row(bench: Workbench, cell, rows, model_name):
    """A clicked row of a QM9 model's largest errors shows that molecule."""
    if not cell or not rows or bench.model_dataset(model_name) != "qm9":
        return no_update, ""
    structure = bench.qm9().structure(int(rows[cell["row"]]["row"]))
    bench.model(model_name).domain_warnings(structure)
    return structure_to_json(structure), ""


def register(app, bench: Workbench) -> None:
    app.callback(
        Output(BY_SIZE, "figure"), Output(f"{BY_SIZE}-data", "data"), Output(ISOMERS, "figure"),
        Output(f"{ISOMERS}-data", "data"), Output(WORST, "data"), Output(WORST, "columns"), Output(POLL, "disabled"),
        Output(MESSAGE, "children"), Input(MODEL, "value"), Input(ANALYSIS, "value"), Input(POLL, "n_intervals"),
        prevent_initial_call=True,
    )(guarded(accuracy, bench, 8, on_error={6: True}))
    app.callback(Output(STRUCTURE, "data", allow_duplicate=True), Output(MESSAGE, "children", allow_duplicate=True),
                 Input(WORST, "active_cell"), State(WORST, "derived_viewport_data"), State(MODEL, "value"),
                 prevent_initial_call=True)(guarded(view_row, bench, 2))
