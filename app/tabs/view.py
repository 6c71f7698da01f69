"""The shared 3D view: the structure coloured by E_i or element, its domain warnings, the selected atoms (clicked
in the view, picked in the list or in a table), and the structure as a file."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from dash import Input, Output, State, dcc, html, no_update

import insight
from insight.plots.relevance import walk_traces
from insight.plots.structure import atom_at, structure_figure
from insight.sharing import write_chemiscope

from ..components import EMPTY, guarded, message
from ..layout import ANALYSIS, HIGHLIGHT, MODEL, STRUCTURE, WALKS
from ..state import Workbench, file_stem, structure_from_json

TITLE = "structure-title"
WARNINGS = "domain-warnings"
COLOR_BY, REPEATS, REPEATS_CONTROL = "color-by", "cell-repeats", "cell-repeats-control"
VIEW = "structure-view"
SELECTED = "pair-atoms"
EXPORT_FORMAT, EXPORT, EXPORT_FILE = "export-format", "export-structure", "structure-file"
MESSAGE = "view-message"
#: Files the shown structure downloads as; "chemiscope" adds the model's E_i and forces (insight.sharing).
EXPORT_FORMATS = ["xyz", "extxyz", "cif", "chemiscope"]


def layout(bench: Workbench, first: insight.Structure) -> list:
    figure, title = structure_view(bench, first, bench.default, "energy", [])
    return [
        html.Div(title, id=TITLE, className="summary"),
        html.Ul(id=WARNINGS, className="warnings"),
        html.Div([
            dcc.RadioItems(id=COLOR_BY, options=[{"label": "colour by element", "value": "element"},
                                                 {"label": "colour by E_i", "value": "energy"}],
                           value="energy", inline=True),
            html.Label(["cells shown ", dcc.RadioItems(id=REPEATS, options=[{"label": f"{n}×{n}×{n}", "value": n}
                                                                            for n in (1, 2, 3)],
                                                       value=1, inline=True)],
                       id=REPEATS_CONTROL, style={"display": "none"}),
        ], className="controls"),
        dcc.Graph(id=VIEW, figure=figure, style={"height": "520px"}, config={"displaylogo": False}),
        html.Div([
            html.Label(["selected atoms ", dcc.Dropdown(id=SELECTED, multi=True, placeholder="click atoms in the view",
                                                        style={"minWidth": "14em"})]),
            dcc.Dropdown(id=EXPORT_FORMAT, options=EXPORT_FORMATS, value="xyz", clearable=False,
                         style={"width": "8em"}),
            html.Button("download structure", id=EXPORT), dcc.Download(id=EXPORT_FILE),
        ], className="controls"),
        message(MESSAGE),
    ]


def structure_view(bench: Workbench, structure: insight.Structure, model_name: str | None, color_by: str,
                   marked: list[int], name: str | None = None, repeats: int = 1):
    """The 3D figure and its one-line title (name, formula, size, energy under the picked model); a crystal is
    drawn as ``repeats`` cells along each lattice vector (the E_i repeat with it)."""
    model = bench.model(model_name)
    atomwise = insight.atomwise_energies(model, structure)
    values = atomwise.table["E_i"].to_numpy() if color_by == "energy" else None
    shown = structure.repeated(repeats) if structure.is_periodic and repeats > 1 else structure
    if values is not None:
        values = np.tile(values, len(shown) // len(structure))
    figure = structure_figure(shown, values, value_label=f"E_i ({model.energy_unit})", highlight=marked or None)
    name = name or structure.info.get("name") or structure.formula
    picked = model_name or bench.default
    shown_as = picked if picked == model.name else f"{picked} = {model.name}"
    title = (f"{name} · {structure.formula} · {len(structure)} atoms · "
             f"E = {atomwise.energy:.2f} {model.energy_unit} ({shown_as})")
    return figure, title


def draw(bench: Workbench, data, model_name, color_by, selection, highlight, repeats=1, walks=None):
    """The view, its title, the model's domain warnings, and the cell-repeat control (crystals only); the walks a
    tab asked for are drawn over the structure."""
    if not data:
        return EMPTY, "", [], {"display": "none"}, ""
    structure = structure_from_json(data)
    marked = list(selection or []) + list(highlight or [])
    figure, title = structure_view(bench, structure, model_name, color_by, marked, data.get("name"),
                                   int(repeats or 1))
    if walks and not structure.is_periodic:
        figure.add_traces(walk_traces(structure, [w["atoms"] for w in walks], [w["relevance"] for w in walks],
                                      [w["label"] for w in walks]))
        figure.update_layout(showlegend=True, legend=dict(x=0.0, y=1.0, bgcolor="rgba(255,255,255,0.7)",
                                                          font=dict(size=10)))
    cautions = [html.Li(text) for text in bench.model(model_name).domain_warnings(structure)]
    return figure, title, cautions, {} if structure.is_periodic else {"display": "none"}, ""


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
    return with_atom(selection, atom), no_update


def with_atom(selection, atom: int) -> list[int]:
    """The selection with ``atom`` added last (the last two are kept, for the pair analyses)."""
    return ([a for a in (selection or []) if a != atom] + [atom])[-2:]


def clear_highlight(_tab):
    """A highlight belongs to the tab that made it (a ring); switching tabs clears it."""
    return []


def export(bench: Workbench, _clicks, data, fmt, model_name=None):
    """The shown structure as a file; as chemiscope input, with the model's E_i and forces per atom."""
    if not data:
        return no_update, "load a structure first"
    structure = structure_from_json(data)
    name = file_stem(data, structure)
    if fmt == "chemiscope":
        with tempfile.TemporaryDirectory() as folder:
            path = write_chemiscope(Path(folder) / f"{name}.chemiscope.json.gz", bench.model(model_name), structure)
            return dcc.send_bytes(path.read_bytes(), path.name), ""
    return dict(content=insight.io.format_structure(structure, fmt), filename=f"{name}.{fmt}"), ""


def register(app, bench: Workbench) -> None:
    app.callback(
        Output(VIEW, "figure"), Output(TITLE, "children"), Output(WARNINGS, "children"),
        Output(REPEATS_CONTROL, "style"), Output(MESSAGE, "children"),
        Input(STRUCTURE, "data"), Input(MODEL, "value"), Input(COLOR_BY, "value"), Input(SELECTED, "value"),
        Input(HIGHLIGHT, "data"), Input(REPEATS, "value"), Input(WALKS, "data"), prevent_initial_call=True,
    )(guarded(draw, bench, 5))
    app.callback(Output(SELECTED, "value"), Output(SELECTED, "options"), Input(VIEW, "clickData"),
                 Input(STRUCTURE, "data"), State(SELECTED, "value"))(
        guarded(select, bench, 2, on_error={1: no_update}, trigger=True))
    app.callback(Output(HIGHLIGHT, "data"), Input(ANALYSIS, "value"), prevent_initial_call=True)(clear_highlight)
    app.callback(Output(EXPORT_FILE, "data"), Output(MESSAGE, "children", allow_duplicate=True),
                 Input(EXPORT, "n_clicks"), State(STRUCTURE, "data"), State(EXPORT_FORMAT, "value"),
                 State(MODEL, "value"), prevent_initial_call=True)(guarded(export, bench, 2))
