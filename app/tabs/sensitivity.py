"""Bond-breaking sensitivity: how strongly two atoms' representations change as one is pulled away from the other
(Figs 4.11-4.13), for the selected pair in this molecule and for element pairs, over QM9's distances."""

from __future__ import annotations

import numpy as np
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

import insight
from insight.plots.sensitivity import sensitivity_figure

from ..components import EMPTY, figure_card, guarded, message
from ..layout import ANALYSIS, MODEL, STRUCTURE
from ..state import Workbench, structure_from_json
from .view import SELECTED

TAB = "sensitivity"
STATUS, MESSAGE = "selected-atoms", "sensitivity-message"
PAIR_FIGURE, ELEMENT_FIGURE = "pair-sensitivity", "element-sensitivity"
ELEMENT_PAIR, MODELS = "element-pair", "sensitivity-models"
ELEMENT_PAIRS = ["C-C", "C-H", "H-H", "C-N", "C-O", "N-H", "O-H"]
#: Distances of the element-pair curves (Å).
PAIR_DISTANCES = np.linspace(0.5, 8.0, 151)


def layout() -> dcc.Tab:
    return dcc.Tab(label="Sensitivity", value=TAB, children=[
        html.P("Select two atoms (click them in the view, or pick them under it): atom j is pulled away from atom "
               "i, and the curves show ‖∂x⁽ᵀ⁾/∂r_ij‖, how strongly each atom's final representation changes with "
               "the distance (Sec. 4.5.3). Scaled: each model's curves are divided by their maximum, since "
               "representations of different models have different units.", className="hint"),
        html.Div(id=STATUS, className="summary"),
        message(MESSAGE),
        figure_card(PAIR_FIGURE, "380px"),
        html.Div([
            html.Label(["element pair ", dcc.Dropdown(id=ELEMENT_PAIR, options=ELEMENT_PAIRS, value="C-H",
                                                      clearable=False, style={"width": "7em"})]),
            html.Label(["models ", dcc.Dropdown(id=MODELS, multi=True, style={"minWidth": "24em"})]),
        ], className="controls"),
        figure_card(ELEMENT_FIGURE, "480px"),
    ])


def pair_curve(bench: Workbench, selection, model_name, tab, data):
    """The sensitivity of atoms i and j as atom j moves away from atom i along their bond."""
    if not data or tab != TAB:
        return no_update, no_update, no_update, ""
    structure = structure_from_json(data)
    selection = list(selection or [])[-2:]
    if len(selection) < 2:
        picked = ", ".join(f"{structure.symbols[a]}{a}" for a in selection) or "none"
        return EMPTY, None, f"selected: {picked} (select {2 - len(selection)} more)", ""
    i, j = selection
    model = bench.model(model_name)
    curve = insight.molecule_pair_sensitivity(model, structure, i, j)
    curve["atom"] = [f"{e}{a}" for e, a in zip(curve["element"], curve["atom"])]
    figure = sensitivity_figure({model.name: curve}, title=f"Pulling {structure.symbols[j]}{j} away from "
                                                           f"{structure.symbols[i]}{i}")
    return figure, bench.stash(curve), f"selected: {structure.symbols[i]}{i} and {structure.symbols[j]}{j}", ""


def model_choices(bench: Workbench, model_name):
    return bench.model_options(), [model_name]


def element_curves(bench: Workbench, pair, names, tab):
    """The element pair pulled apart under each chosen model, over QM9's distribution of that pair's distances."""
    if tab != TAB or not names:
        return no_update, no_update, ""
    a, b = pair.split("-")
    curves = {name: insight.pair_sensitivity(bench.model(name), a, b, PAIR_DISTANCES) for name in names}
    distribution = bench.pair_distances(a, b)
    distribution = distribution[distribution["distance"] <= PAIR_DISTANCES[-1]]
    figure = sensitivity_figure(curves, distribution, title=f"{pair} pulled apart")
    return figure, bench.stash(pd.concat([c.assign(model=n) for n, c in curves.items()])), ""


def register(app, bench: Workbench) -> None:
    app.callback(
        Output(PAIR_FIGURE, "figure"), Output(f"{PAIR_FIGURE}-data", "data"), Output(STATUS, "children"),
        Output(MESSAGE, "children"),
        Input(SELECTED, "value"), Input(MODEL, "value"), Input(ANALYSIS, "value"), State(STRUCTURE, "data"),
    )(guarded(pair_curve, bench, 4))
    app.callback(Output(MODELS, "options"), Output(MODELS, "value"), Input(MODEL, "value"))(
        guarded(model_choices, bench, 2, on_error={1: no_update}))
    app.callback(
        Output(ELEMENT_FIGURE, "figure"), Output(f"{ELEMENT_FIGURE}-data", "data"),
        Output(MESSAGE, "children", allow_duplicate=True),
        Input(ELEMENT_PAIR, "value"), Input(MODELS, "value"), Input(ANALYSIS, "value"), prevent_initial_call=True,
    )(guarded(element_curves, bench, 3))
