"""Partitioning: the structure's atom-wise energies E_i, and where they fall in the distributions over the model's
test data (Figs 3.9, 4.8)."""

from __future__ import annotations

from dash import Input, Output, State, dash_table, dcc, html, no_update

import insight
from insight.plots.partition import distributions_figure

from ..components import STOPS, figure_card, guarded, message, placeholder
from ..layout import ANALYSIS, MODEL, STRUCTURE
from ..state import Workbench, structure_from_json
from .view import SELECTED, with_atom

TAB = "partition"
TABLE, SUMMARY, MESSAGE = "contributions-table", "energy-summary", "partition-message"
DISTRIBUTIONS, POLL = "distributions", "distributions-poll"
#: Panels shown for crystals (dozens of elements): those of the structure, at most this many.
MAX_CRYSTAL_PANELS = 6


def layout() -> dcc.Tab:
    return dcc.Tab(label="Partitioning", value=TAB, children=[
        message(MESSAGE),
        html.Div(id=SUMMARY, className="summary"),
        html.P("E_i: each atom's share of the energy (Eq. 3.4); the model's sum (or mean, for crystals) is the "
               "prediction. Click a row to select the atom in the view.", className="hint"),
        dash_table.DataTable(id=TABLE, page_size=12, style_table={"overflowX": "auto"}, sort_action="native"),
        dcc.Interval(id=POLL, interval=1000, disabled=True),
        figure_card(DISTRIBUTIONS, height=None),
    ])


def energy_table(bench: Workbench, data, model_name, selection):
    """The E_i table (its selected atoms marked) and the energy it sums to."""
    if not data:
        return (no_update,) * 4 + ("",)
    model = bench.model(model_name)
    structure = structure_from_json(data)
    result = insight.atomwise_energies(model, structure)
    shown = result.table[["atom", "element", "E_i", "x", "y", "z"]]
    pooled = "mean of the E_i" if model.config.pooling == "mean" else "Σ E_i"
    summary = f"E = {pooled} = {result.energy:.3f} {model.energy_unit}"
    ensemble = bench.ensemble(model_name)
    if ensemble is not None:  # the members' mean E_i and its spread (sample standard deviation)
        prediction = ensemble.predict(structure)
        shown = shown.assign(E_i=prediction.contributions[0], E_i_spread=prediction.contribution_spread[0])
        summary = (f"E = {pooled} = {prediction.energy[0]:.3f} ± {prediction.energy_spread[0]:.3f} "
                   f"{model.energy_unit} (mean ± spread over {len(ensemble.members)} repetitions; each E_i "
                   f"varies more than their sum, sec. 3.6.1)")
    shown = shown.round(4)
    names = {"E_i": f"E_i ({model.energy_unit})", "E_i_spread": f"spread ({model.energy_unit})"}
    columns = [{"name": names.get(c, c), "id": c} for c in shown.columns]
    marked = [{"if": {"filter_query": f"{{atom}} = {atom}"}, "backgroundColor": "#fff3c4"} for atom in selection or []]
    return shown.to_dict("records"), columns, marked, summary, ""


def select_row(_bench: Workbench, cell, rows, selection):
    """A clicked row selects its atom (the last two stay selected, as with clicks in the view)."""
    if not cell or not rows:
        return no_update, ""
    atom = int(rows[cell["row"]]["atom"])
    return with_atom(selection, atom), ""


def distributions(bench: Workbench, data, model_name, tab, _poll):
    """E_i over a sample of the model's test data, this structure's atoms marked; polls while computing."""
    if not data or tab != TAB:
        return no_update, no_update, True, ""
    structure = structure_from_json(data)
    dataset = bench.model_dataset(model_name)
    if dataset not in ("qm9", "flla") or (dataset == "qm9" and structure.is_periodic):
        text = f"no test data to compare with for a model trained on {dataset or 'unrecorded data'}"
        return placeholder(text), None, True, ""
    what = "QM9 test molecules" if dataset == "qm9" else "FLLA test crystals"
    contributions = bench.sample_contributions(model_name)
    if contributions is None:
        return placeholder(f"computing E_i over {what} ... {STOPS}"), None, False, ""
    atomwise = insight.atomwise_energies(bench.model(model_name), structure)
    present = set(contributions.table["element"])
    if dataset == "qm9":
        elements = [e for e in ["H", "C", "N", "O", "F"] if e in present]
    else:
        elements = [e for e in dict.fromkeys(structure.symbols) if e in present][:MAX_CRYSTAL_PANELS]
    figure = distributions_figure(contributions, elements, marks=atomwise)
    figure.update_layout(title=f"E_i over {contributions.table['structure'].nunique()} {what}; dotted: this "
                               "structure's atoms")
    return figure, bench.stash(contributions.table), True, ""


def register(app, bench: Workbench) -> None:
    app.callback(
        Output(TABLE, "data"), Output(TABLE, "columns"), Output(TABLE, "style_data_conditional"),
        Output(SUMMARY, "children"), Output(MESSAGE, "children"),
        Input(STRUCTURE, "data"), Input(MODEL, "value"), Input(SELECTED, "value"),
    )(guarded(energy_table, bench, 5))
    app.callback(Output(SELECTED, "value", allow_duplicate=True), Output(MESSAGE, "children", allow_duplicate=True),
                 Input(TABLE, "active_cell"), State(TABLE, "derived_viewport_data"), State(SELECTED, "value"),
                 prevent_initial_call=True)(guarded(select_row, bench, 2))
    # Runs at start-up too, so the first page shows the distributions without a tab switch.
    app.callback(
        Output(DISTRIBUTIONS, "figure"), Output(f"{DISTRIBUTIONS}-data", "data"), Output(POLL, "disabled"),
        Output(MESSAGE, "children", allow_duplicate=True),
        Input(STRUCTURE, "data"), Input(MODEL, "value"), Input(ANALYSIS, "value"), Input(POLL, "n_intervals"),
        prevent_initial_call="initial_duplicate",
    )(guarded(distributions, bench, 4, on_error={2: True}))
