"""The shared 3D view: the structure coloured by E_i or element, its domain warnings, the selected atoms (clicked
in the view, picked in the list or in a table), and the structure as a file."""

from __future__ import annotations

import numpy as np
from dash import Input, Output, State, dcc, html, no_update

import insight
from insight.plots.structure import atom_at, structure_figure

from ..components import EMPTY, guarded, message
from ..layout import ANALYSIS, HIGHLIGHT, MODEL, STRUCTURE
from ..state import Workbench, structure_from_json

TITLE = "structure-title"
WARNINGS = "domain-warnings"
COLOR_BY = "color-by"
VIEW = "structure-view"
SELECTED = "pair-atoms"
EXPORT_FORMAT, EXPORT, EXPORT_FILE = "export-format", "export-structure", "structure-file"
MESSAGE = "view-message"


def layout(bench: Workbench, first: insight.Structure) -> list:
    figure, title = structure_view(bench, first, bench.default, "energy", [])
    return [
        html.Div(title, id=TITLE, className="summary"),
        html.Ul(id=WARNINGS, className="warnings"),
        dcc.RadioItems(id=COLOR_BY, options=[{"label": "colour by element", "value": "element"},
                                             {"label": "colour by E_i", "value": "energy"}],
                       value="energy", inline=True),
        dcc.Graph(id=VIEW, figure=figure, style={"height": "520px"}, config={"displaylogo": False}),
        html.Div([
            html.Label(["selected atoms ", dcc.Dropdown(id=SELECTED, multi=True, placeholder="click atoms in the view",
                                                        style={"minWidth": "14em"})]),
            dcc.Dropdown(id=EXPORT_FORMAT, options=["xyz", "extxyz", "cif"], value="xyz", clearable=False,
                         style={"width": "6em"}),
            html.Button("download structure", id=EXPORT), dcc.Download(id=EXPORT_FILE),
        ], className="controls"),
        message(MESSAGE),
    ]


def structure_view(bench: Workbench, structure: insight.Structure, model_name: str | None, color_by: str,
                   marked: list[int], name: str | None = None):
    """The 3D figure and its one-line title (name, formula, size, energy under the picked model)."""
    model = bench.model(model_name)
    atomwise = insight.atomwise_energies(model, structure)
    values = atomwise.table["E_i"].to_numpy() if color_by == "energy" else None
    figure = structure_figure(structure, values, value_label=f"E_i ({model.energy_unit})", highlight=marked or None)
    name = name or structure.info.get("name") or structure.formula
    picked = model_name or bench.default
    shown_as = picked if picked == model.name else f"{picked} = {model.name}"
    title = (f"{name} · {structure.formula} · {len(structure)} atoms · "
             f"E = {atomwise.energy:.2f} {model.energy_unit} ({shown_as})")
    return figure, title


def draw(bench: Workbench, data, model_name, color_by, selection, highlight):
    if not data:
        return EMPTY, "", [], ""
    structure = structure_from_json(data)
    marked = list(selection or []) + list(highlight or [])
    figure, title = structure_view(bench, structure, model_name, color_by, marked, data.get("name"))
    cautions = [html.Li(text) for text in bench.model(model_name).domain_warnings(structure)]
    return figure, title, cautions, ""


def select(bench: Workbench, trigger, click, data, selection):
    """The atom list is the one record of the selection: a new structure clears it, a click in the view adds the
    atom nearest the clicked point (the last two are kept, for the pair analyses)."""
    if trigger in (None, STRUCTURE) or not data:
        structure = structure_from_json(data) if data else None
        options = [] if structure is None else [{"label": f"{s}{i}", "value": i}
                                                for i, s in enumerate(structure.symbols)]
        return [], options
    point = (click or {}).get("points", [{}])[0]
    if not {"x", "y", "z"} <= set(point):
        return no_update, no_update
    atom = atom_at(structure_from_json(data), np.array([point["x"], point["y"], point["z"]]))
    if atom is None:
        return no_update, no_update
    return ([a for a in (selection or []) if a != atom] + [atom])[-2:], no_update


def clear_highlight(_tab):
    """A highlight belongs to the tab that made it (a ring); switching tabs clears it."""
    return []


def export(bench: Workbench, _clicks, data, fmt):
    if not data:
        return no_update, "load a structure first"
    structure = structure_from_json(data)
    text = insight.io.format_structure(structure, fmt)
    name = (data.get("name") or structure.formula).replace(" ", "_").replace("/", "_")
    return dict(content=text, filename=f"{name}.{fmt}"), ""


def register(app, bench: Workbench) -> None:
    app.callback(
        Output(VIEW, "figure"), Output(TITLE, "children"), Output(WARNINGS, "children"), Output(MESSAGE, "children"),
        Input(STRUCTURE, "data"), Input(MODEL, "value"), Input(COLOR_BY, "value"), Input(SELECTED, "value"),
        Input(HIGHLIGHT, "data"), prevent_initial_call=True,
    )(guarded(draw, bench, 4))
    app.callback(Output(SELECTED, "value"), Output(SELECTED, "options"), Input(VIEW, "clickData"),
                 Input(STRUCTURE, "data"), State(SELECTED, "value"))(
        guarded(select, bench, 2, on_error={1: no_update}, trigger=True))
    app.callback(Output(HIGHLIGHT, "data"), Input(ANALYSIS, "value"), prevent_initial_call=True)(clear_highlight)
    app.callback(Output(EXPORT_FILE, "data"), Output(MESSAGE, "children", allow_duplicate=True),
                 Input(EXPORT, "n_clicks"), State(STRUCTURE, "data"), State(EXPORT_FORMAT, "value"),
                 prevent_initial_call=True)(guarded(export, bench, 2))
