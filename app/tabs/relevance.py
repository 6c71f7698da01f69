"""Relevance: the walks of atoms (GNN-LRP) that produce the energy or one atom's E_i, drawn in the shared 3D view,
with a table and the 2-body map (insight.walk_relevance)."""

from __future__ import annotations

from dash import Input, Output, State, dash_table, dcc, html, no_update

import insight
from insight.plots.relevance import pair_relevance_figure, walk_labels

from ..components import EMPTY, figure_card, guarded, message
from ..layout import ANALYSIS, MODEL, STRUCTURE, WALKS
from ..state import Workbench, structure_from_json
from .view import SELECTED, with_atom

TAB = "relevance"
OUTPUT, TOP, SUMMARY, TABLE, MESSAGE = "relevance-output", "relevance-top", "relevance-summary", "walks-table", \
    "relevance-message"
PAIRS = "pair-relevance"
#: The most walks the tab lists and draws.
MAX_TOP = 50


def layout() -> dcc.Tab:
    return dcc.Tab(label="Relevance", value=TAB, children=[
        html.P("Which chains of interactions produce the energy? Each walk i₀ → i₁ → … → i_T carries atom i₀'s "
               "embedding through the T passes to atom i_T's E_i; its relevance (GNN-LRP, epsilon rule) is its "
               "share of the energy. Red walks raise the energy, blue ones lower it; a ring is an atom keeping its "
               "own representation. Drawn in the view on the left; click a row to select its atoms.", className="hint"),
        html.Div([
            html.Label(["explain ", dcc.Dropdown(id=OUTPUT, options=[{"label": "the energy E", "value": "energy"}],
                                                 value="energy", clearable=False, style={"width": "12em"})]),
            html.Label(["top K walks ", dcc.Input(id=TOP, type="number", min=1, max=MAX_TOP, step=1, value=10,
                                                  debounce=True, style={"width": "5em"})]),
        ], className="controls"),
        message(MESSAGE),
        html.Div(id=SUMMARY, className="summary"),
        dash_table.DataTable(id=TABLE, page_size=10, style_table={"overflowX": "auto"},
                             style_cell={"textAlign": "left"}),
        figure_card(PAIRS, "460px"),
    ])


def output_choices(_bench: Workbench, data, current):
    """The energy, or the E_i of one atom of the structure."""
    if not data:
        return no_update, no_update, ""
    structure = structure_from_json(data)
    options = [{"label": "the energy E", "value": "energy"}] + [
        {"label": f"E_i of {symbol}{atom}", "value": atom} for atom, symbol in enumerate(structure.symbols)]
    keep = current if current == "energy" or (isinstance(current, int) and current < len(structure)) else "energy"
    return options, keep, ""


def relevance(bench: Workbench, data, model_name, output, top, tab):
    """The top walks (for the view and the table), the summary line and the 2-body map."""
    if tab != TAB or not data:
        return ([],) + (no_update,) * 5 + ("",)
    if top is None or not 1 <= int(top) <= MAX_TOP:
        return (no_update,) * 6 + (f"K must be a whole number from 1 to {MAX_TOP}",)
    structure = structure_from_json(data)
    model = bench.model(model_name)
    result = insight.walk_relevance(model, structure, output=output if output == "energy" else int(output),
                                    top=int(top))
    unit = result.unit
    walks = [{"atoms": walk.tolist(), "relevance": float(value), "label": label}
             for walk, value, label in zip(result.walks, result.relevance, walk_labels(result, len(result.walks)))]
    table = result.to_frame()[["rank", "walk", "body", "relevance", "share"]].round(4)
    columns = [{"name": {"relevance": f"relevance ({unit})"}.get(c, c), "id": c} for c in table.columns]
    orders = ", ".join(f"{k}-body {v:+.2f}" for k, v in result.body_orders.items())
    target = "E" if result.output == "energy" else f"E_{result.output}"
    summary = (f"{len(result.walks)} of {result.n_walks:,} walks behind {target} ({model.name}). All walks together: "
               f"{result.explained:+.3f} {unit} ({orders}); the dense layers' biases keep {result.absorbed:+.3f}; the "
               f"constant offsets (mean and atom references) are {result.offset:+.3f}.")
    return (walks, table.to_dict("records"), columns, summary, pair_relevance_figure(result),
            bench.stash(result.pairs), "")


def select_walk(_bench: Workbench, cell, rows, walks, selection):
    """A clicked row selects the first and last atom of its walk."""
    if not cell or not rows or not walks:
        return no_update, ""
    atoms = walks[int(rows[cell["row"]]["rank"]) - 1]["atoms"]
    for atom in (atoms[0], atoms[-1]):
        selection = with_atom(selection, atom)
    return selection, ""


def register(app, bench: Workbench) -> None:
    app.callback(Output(OUTPUT, "options"), Output(OUTPUT, "value"), Output(MESSAGE, "children"),
                 Input(STRUCTURE, "data"), State(OUTPUT, "value"))(guarded(output_choices, bench, 3))
    app.callback(
        Output(WALKS, "data"), Output(TABLE, "data"), Output(TABLE, "columns"), Output(SUMMARY, "children"),
        Output(PAIRS, "figure"), Output(f"{PAIRS}-data", "data"), Output(MESSAGE, "children", allow_duplicate=True),
        Input(STRUCTURE, "data"), Input(MODEL, "value"), Input(OUTPUT, "value"), Input(TOP, "value"),
        Input(ANALYSIS, "value"), prevent_initial_call=True,
    )(guarded(relevance, bench, 7, on_error={0: [], 1: [], 3: "", 4: EMPTY, 5: None}))
    app.callback(Output(SELECTED, "value", allow_duplicate=True), Output(MESSAGE, "children", allow_duplicate=True),
                 Input(TABLE, "active_cell"), State(TABLE, "derived_viewport_data"), State(WALKS, "data"),
                 State(SELECTED, "value"), prevent_initial_call=True)(guarded(select_walk, bench, 2))
