"""The insight workbench: layout and callbacks. Every number shown comes from ``insight``'s public API."""

from __future__ import annotations

import base64
import dataclasses
import functools
import tempfile
import traceback
from pathlib import Path

import dash
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, Patch, State, ctx, dash_table, dcc, html, no_update

import insight
import insight.plots.accuracy as accuracy_plots
import insight.plots.alchemy as alchemy_plots
import insight.plots.embeddings as embedding_plots
import insight.plots.filters as filter_plots
import insight.plots.partition as partition_plots
import insight.plots.potential as potential_plots
import insight.plots.sensitivity as sensitivity_plots
from insight.examples import EXAMPLE_CRYSTALS, EXAMPLE_MOLECULES, cut_plane
from insight.plots.rings import ring_ranking_figure
from insight.plots.structure import structure_figure
from insight.thesis import ISOSURFACE_LEVEL

from .state import Workbench, structure_from_json, structure_to_json

#: Largest upload accepted, in bytes.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
DEFAULT_EXAMPLE = "phenol"
#: Rows listed for a QM9 or Materials Project search.
MAX_SEARCH_RESULTS = 200
#: Isosurface grid spacing in the app (Å): ~6,000 vertices for a QM9 molecule keep redraws quick in the
#: browser; the downloaded surface uses the library's finer default.
APP_ISOSURFACE_SPACING = 0.15
FIGURES = ["distributions", "potential", "pair-sensitivity", "element-sensitivity", "alchemy", "alchemy-frame",
           "rings", "embeddings", "filters", "errors-by-size", "isomers"]
_EMPTY = go.Figure(layout=dict(xaxis=dict(visible=False), yaxis=dict(visible=False), plot_bgcolor="white",
                               annotations=[dict(text="nothing to show yet", showarrow=False)]))


class UserError(Exception):
    """A problem with what the user entered; shown in the page."""


def reports_errors(n_outputs: int):
    """Turn bad input into a message in the last output instead of a crash; the other outputs stay."""

    def decorate(callback):
        @functools.wraps(callback)
        def wrapper(*args):
            try:
                return callback(*args)
            except (UserError, insight.InsightError, ValueError, KeyError) as err:
                message = str(err).strip("'\"")
            except Exception as err:  # keep the server up whatever happens; the page says what went wrong
                traceback.print_exc()
                message = f"unexpected error ({type(err).__name__}): {err}"
            return (no_update,) * (n_outputs - 1) + (message,)

        return wrapper

    return decorate


def figure_card(name: str, height: str = "480px") -> html.Div:
    """A graph with PNG, SVG and CSV download buttons."""
    return html.Div([
        dcc.Graph(id=name, figure=_EMPTY, style={"height": height}, config={"displaylogo": False}),
        html.Div([
            html.Button("PNG", id=f"{name}-png", className="small"),
            html.Button("SVG", id=f"{name}-svg", className="small"),
            html.Button("CSV", id=f"{name}-csv-button", className="small"),
            dcc.Download(id=f"{name}-csv"),
            dcc.Store(id=f"{name}-data"),
            html.Span(id=f"{name}-dummy", style={"display": "none"}),
        ], className="downloads"),
    ], className="figure-card")


def _message(id_: str) -> html.Div:
    return html.Div(id=id_, className="message", role="alert")


def build_layout(bench: Workbench) -> html.Div:
    elements = ["H", "C", "N", "O", "F"]
    # The first molecule is drawn into the layout itself, so the first page needs no callback round trip.
    first = insight.example(DEFAULT_EXAMPLE)
    first_view, first_title = _structure_view(bench, first, bench.default, "energy", [])
    tabs = [
        dcc.Tab(label="Partitioning", value="partition", children=[
            _message("partition-message"),
            html.Div(id="energy-summary", className="summary"),
            dcc.Interval(id="distributions-poll", interval=1000, disabled=True),
            dash_table.DataTable(id="contributions-table", page_size=12, style_table={"overflowX": "auto"},
                                 sort_action="native"),
            figure_card("distributions", "520px"),
        ]),
        dcc.Tab(label="Local potential", value="potential", children=[
            html.Div([
                html.Label(["probe ", dcc.Dropdown(id="probe", options=elements, value="H", clearable=False,
                                                   style={"width": "6em"})]),
                html.Label(["isosurface level (Å⁻²) ", dcc.Input(id="iso-level", type="number",
                                                                   value=ISOSURFACE_LEVEL, min=0.5, max=20, step=0.1,
                                                                   debounce=True)]),
                html.Button("surface (.ply)", id="download-ply"), html.Button("surface (.vtk)", id="download-vtk"),
                html.Button("cube file", id="download-cube"), dcc.Download(id="potential-file"),
            ], className="controls"),
            _message("potential-message"),
            figure_card("potential", "560px"),
        ]),
        dcc.Tab(label="Sensitivity", value="sensitivity", children=[
            html.Div([
                html.Span("Click two atoms in the structure view, or choose them:", className="hint"),
                dcc.Dropdown(id="pair-atoms", multi=True, placeholder="atoms i, j", style={"minWidth": "16em"}),
            ], className="controls"),
            html.Div(id="selected-atoms", className="summary"),
            _message("sensitivity-message"),
            figure_card("pair-sensitivity", "380px"),
            html.Div([
                html.Label(["element pair ", dcc.Dropdown(id="element-pair", options=["C-C", "C-H", "H-H", "C-N", "C-O",
                                                                                     "N-H", "O-H"],
                                                          value="C-H", clearable=False, style={"width": "7em"})]),
                html.Label(["models ", dcc.Dropdown(id="sensitivity-models", multi=True, style={"minWidth": "24em"})]),
            ], className="controls"),
            figure_card("element-sensitivity", "480px"),
        ]),
        dcc.Tab(label="Alchemy", value="alchemy", children=[
            html.Div([
                html.Label(["morph atoms ", dcc.Dropdown(id="morph-atoms", multi=True, style={"minWidth": "14em"})]),
                html.Label(["into ", dcc.Dropdown(id="morph-element", options=elements, value="N", clearable=False,
                                                  style={"width": "6em"})]),
                html.Label(["fade out ", dcc.Dropdown(id="fade-atoms", multi=True, style={"minWidth": "14em"})]),
                html.Label(["steps ", dcc.Input(id="alchemy-steps", type="number", value=10, min=1, max=50,
                                                step=1)]),
                dcc.RadioItems(id="alchemy-positions", options=[
                    {"label": "fixed positions", "value": "fixed"},
                    {"label": "interpolated to the relaxed end (model forces)", "value": "interpolated"}],
                    value="fixed", inline=True),
                html.Button("run path", id="run-alchemy"),
                html.Button("benzene → s-triazine (Fig. 3.16)", id="run-triazine"),
            ], className="controls"),
            _message("alchemy-message"),
            figure_card("alchemy", "380px"),
            dcc.Slider(id="alchemy-frame-index", min=0, max=1, step=1, value=0),
            figure_card("alchemy-frame", "420px"),
            dcc.Store(id="alchemy-frames"),
        ]),
        dcc.Tab(label="Rings", value="rings", children=[
            html.P("6-membered carbon rings of the model's QM9 test molecules, ranked by E_ring (Eq. 4.16). "
                   "Click a row to view the molecule with its ring.", className="hint"),
            _message("rings-message"),
            dcc.Interval(id="rings-poll", interval=1000, disabled=True),
            dash_table.DataTable(id="rings-table", page_size=15, row_selectable="single", sort_action="native",
                                 filter_action="native", style_table={"overflowX": "auto"}),
            figure_card("rings", "640px"),
        ]),
        dcc.Tab(label="Embeddings", value="embeddings", children=[
            _message("embeddings-message"),
            figure_card("embeddings", "520px"),
            html.Div(id="embeddings-summary", className="summary"),
        ]),
        dcc.Tab(label="Filters & accuracy", value="filters", children=[
            html.Div([
                html.Label(["block ", dcc.Dropdown(id="filter-block", clearable=False, style={"width": "6em"})]),
                html.Label(["cut size (Å) ", dcc.Input(id="filter-extent", type="number", value=10, min=2, max=30)]),
            ], className="controls"),
            _message("filters-message"),
            figure_card("filters", "380px"),
            figure_card("errors-by-size", "360px"),
            figure_card("isomers", "420px"),
            dcc.Interval(id="accuracy-poll", interval=1000, disabled=True),
            html.H4("Largest test errors"),
            dash_table.DataTable(id="largest-errors", page_size=10, style_table={"overflowX": "auto"}),
        ]),
    ]
    options = bench.model_options()
    return html.Div([
        html.Header([
            html.H1("insight"),
            html.Span("what did the network learn?", className="tagline"),
            dcc.Dropdown(id="model", options=options, value=bench.default, clearable=False, className="model-picker"),
        ]),
        html.Div([
            html.Div([
                dcc.Tabs(id="input-mode", value="examples", children=[
                    dcc.Tab(label="Examples", value="examples", children=[
                        dcc.Dropdown(id="example", options=_example_options(), value=DEFAULT_EXAMPLE,
                                     clearable=False)]),
                    dcc.Tab(label="SMILES", value="smiles", children=[
                        dcc.Input(id="smiles", placeholder="e.g. c1ccccc1O", debounce=True, className="wide"),
                        html.Button("embed in 3D", id="embed-smiles")]),
                    dcc.Tab(label="QM9", value="qm9", children=[
                        dcc.Input(id="qm9-query", placeholder=insight.data.qm9.QM9.search_hint, debounce=True,
                                  className="wide"),
                        dcc.Dropdown(id="qm9-results", placeholder="matching QM9 molecules")]),
                    dcc.Tab(label="Materials Project", value="materials", children=[
                        dcc.Input(id="mp-query", placeholder=insight.data.flla.FLLA.search_hint, debounce=True,
                                  className="wide"),
                        dcc.Dropdown(id="mp-results", placeholder="matching FLLA crystals")]),
                    dcc.Tab(label="Upload", value="upload", children=[
                        dcc.Upload(id="upload", children=html.Div(["drop or ", html.A("choose"),
                                                                   " an XYZ, SDF, MOL or CIF file (≤ 5 MB)"]),
                                   max_size=MAX_UPLOAD_BYTES, className="upload")]),
                ]),
                _message("input-message"),
                html.Div(first_title, id="structure-title", className="summary"),
                html.Ul(id="domain-warnings", className="warnings"),
                dcc.RadioItems(id="color-by", options=[{"label": "colour by element", "value": "element"},
                                                       {"label": "colour by E_i", "value": "energy"}],
                               value="energy", inline=True),
                dcc.Graph(id="structure-view", figure=first_view, style={"height": "520px"},
                          config={"displaylogo": False}),
            ], className="left"),
            html.Div([dcc.Tabs(id="analysis", value="partition", children=tabs)], className="right"),
        ], className="columns"),
        dcc.Store(id="structure", data=structure_to_json(first)),
        dcc.Store(id="potential-shown"),
        dcc.Store(id="highlight", data=[]),
    ])


def register_callbacks(app: dash.Dash, bench: Workbench) -> None:  # noqa: C901 - one place for all callbacks
    # -- input -------------------------------------------------------------------------------------
    @app.callback(
        Output("structure", "data"), Output("highlight", "data"), Output("input-message", "children"),
        Input("example", "value"), Input("embed-smiles", "n_clicks"), Input("smiles", "value"),
        Input("qm9-results", "value"), Input("mp-results", "value"), Input("upload", "contents"),
        Input("rings-table", "selected_rows"), State("upload", "filename"), State("rings-table", "data"),
        State("model", "value"), prevent_initial_call=True,
    )
    @reports_errors(3)
    def load_structure(example, _clicks, smiles, qm9_row, mp_row, upload, ring_rows, filename, ring_data, model_name):
        trigger = ctx.triggered_id or "example"
        highlight: list[int] = []
        if trigger == "example":
            structure = insight.example(example)
        elif trigger in ("embed-smiles", "smiles"):
            if not smiles:
                return no_update, no_update, ""
            structure = insight.from_smiles(smiles.strip())
        elif trigger == "qm9-results":
            if qm9_row is None:
                return no_update, no_update, ""
            structure = bench.qm9().structure(int(qm9_row))
        elif trigger == "mp-results":
            if mp_row is None:
                return no_update, no_update, ""
            structure = bench.dataset("flla").structure(int(mp_row))
        elif trigger == "upload":
            structure = _parse_upload(upload, filename)
        elif trigger == "rings-table":
            if not ring_rows:
                return no_update, no_update, ""
            row = ring_data[ring_rows[0]]
            structure = bench.qm9().structure(int(row["qm9_row"]))
            highlight = [int(a) for a in row["ring"].split("-")]
        else:
            return no_update, no_update, ""
        bench.model(model_name).domain_warnings(structure)  # refuses what the model cannot take; the view warns
        return structure_to_json(structure), highlight, ""

    @app.callback(Output("qm9-results", "options"), Output("qm9-results", "value"), Output("input-message",
                  "children", allow_duplicate=True), Input("qm9-query", "value"), prevent_initial_call=True)
    @reports_errors(3)
    def search_qm9(query):
        return _search(bench.dataset("qm9"), query)

    @app.callback(Output("mp-results", "options"), Output("mp-results", "value"), Output("input-message",
                  "children", allow_duplicate=True), Input("mp-query", "value"), prevent_initial_call=True)
    @reports_errors(3)
    def search_materials(query):
        return _search(bench.dataset("flla"), query)

    @app.callback(Output("probe", "options"), Output("probe", "value"), Output("morph-element", "options"),
                  Output("morph-element", "value"), Input("model", "value"), State("probe", "value"),
                  State("morph-element", "value"))
    def element_choices(model_name, probe, morph):
        """Probes and morph targets are the elements the model knows."""
        try:
            symbols = [insight.element_symbol(z) for z in bench.model(model_name).known_elements]
        except Exception:  # an unloadable model is reported by the other callbacks
            return no_update, no_update, no_update, no_update
        pick = lambda current, preferred: current if current in symbols else (preferred if preferred in symbols
                                                                              else symbols[0])
        return symbols, pick(probe, "C"), symbols, pick(morph, "N")

    # -- the shared structure view ----------------------------------------------------------------
    @app.callback(
        Output("structure-view", "figure"), Output("structure-title", "children"),
        Output("domain-warnings", "children"), Output("partition-message", "children"),
        Input("structure", "data"), Input("model", "value"), Input("color-by", "value"), Input("pair-atoms", "value"),
        Input("highlight", "data"), prevent_initial_call=True,
    )
    @reports_errors(4)
    def draw_structure(data, model_name, color_by, selection, highlight):
        if not data:
            return _EMPTY, "", [], ""
        structure = structure_from_json(data)
        marked = list(selection or []) + list(highlight or [])
        figure, title = _structure_view(bench, structure, model_name, color_by, marked, data.get("name"))
        cautions = [html.Li(text) for text in bench.model(model_name).domain_warnings(structure)]
        return figure, title, cautions, ""

    @app.callback(Output("pair-atoms", "value"), Output("pair-atoms", "options"),
                  Input("structure-view", "clickData"), Input("structure", "data"), State("pair-atoms", "value"))
    def select_atoms(click, data, selection):
        """The atom dropdown is the one record of the selected pair; a click in the 3D view adds to it."""
        if ctx.triggered_id in (None, "structure") or not data:
            options = [] if not data else [{"label": f"{s}{i}", "value": i}
                                           for i, s in enumerate(structure_from_json(data).symbols)]
            return [], options
        point = (click or {}).get("points", [{}])[0]
        if "customdata" not in point:
            return no_update, no_update
        atom = int(point["customdata"] if np.isscalar(point["customdata"]) else point["customdata"][0])
        return ([a for a in (selection or []) if a != atom] + [atom])[-2:], no_update

    # -- partitioning -------------------------------------------------------------------------------
    @app.callback(
        Output("contributions-table", "data"), Output("contributions-table", "columns"), Output("energy-summary",
        "children"), Output("partition-message", "children", allow_duplicate=True),
        Input("structure", "data"), Input("model", "value"), prevent_initial_call="initial_duplicate",
    )
    @reports_errors(4)
    def partition(data, model_name):  # also runs at start-up, for the molecule drawn into the layout
        if not data:
            return (no_update,) * 4
        model = bench.model(model_name)
        result = insight.atomwise_energies(model, structure_from_json(data))
        shown = result.table[["atom", "element", "E_i", "x", "y", "z"]].round(4)
        columns = [{"name": c if c != "E_i" else f"E_i ({model.energy_unit})", "id": c} for c in shown.columns]
        pooled = "mean of the E_i" if model.config.pooling == "mean" else "Σ E_i"
        return shown.to_dict("records"), columns, f"E = {pooled} = {result.energy:.3f} {model.energy_unit}", ""

    @app.callback(
        Output("distributions", "figure"), Output("distributions-data", "data"), Output("distributions-poll",
        "disabled"), Output("partition-message", "children", allow_duplicate=True),
        Input("structure", "data"), Input("model", "value"), Input("analysis", "value"),
        Input("distributions-poll", "n_intervals"), prevent_initial_call=True,
    )
    @reports_errors(4)
    def distributions(data, model_name, tab, _poll):
        if not data or tab != "partition":
            return no_update, no_update, True, ""
        structure = structure_from_json(data)
        model = bench.model(model_name)
        dataset = bench.model_dataset(model_name)
        if dataset not in ("qm9", "flla") or (dataset == "qm9" and structure.is_periodic):
            return _EMPTY, [], True, ""
        what = "QM9 test molecules" if dataset == "qm9" else "FLLA test crystals"
        contributions = bench.sample_contributions(model_name)
        if contributions is None:
            return _waiting(f"computing E_i over {what} ..."), [], False, ""
        atomwise = insight.atomwise_energies(model, structure)
        present = set(contributions.table["element"])
        if dataset == "qm9":
            elements = [e for e in ["H", "C", "N", "O", "F"] if e in present]
        else:  # dozens of elements: show those of this structure
            elements = [e for e in dict.fromkeys(structure.symbols) if e in present][:6]
        figure = partition_plots.distributions_figure(contributions, elements, marks=atomwise)
        figure.update_layout(title=f"E_i over {contributions.table['structure'].nunique()} {what}; dotted: this "
                                   "structure's atoms")
        return figure, bench.stash(atomwise.table), True, ""

    # -- local potential ---------------------------------------------------------------------------
    @app.callback(
        Output("potential", "figure"), Output("potential-data", "data"), Output("potential-shown", "data"),
        Output("potential-message", "children"),
        Input("structure", "data"), Input("model", "value"), Input("probe", "value"), Input("iso-level", "value"),
        Input("analysis", "value"), State("potential-shown", "data"),
    )
    @reports_errors(4)
    def potential(data, model_name, probe, level, tab, shown):
        if not data or tab != "potential":
            return no_update, no_update, no_update, ""
        structure = structure_from_json(data)
        model = bench.model(model_name)
        if structure.is_periodic:
            origin, u, v = cut_plane(structure)
            grid = insight.planar_cut(model, structure, probe, origin=origin, u=u, v=v, resolution=80)
            points = grid.points().reshape(-1, 3)
            table = pd.DataFrame({"x": points[:, 0], "y": points[:, 1], "z": points[:, 2],
                                  f"Omega_{probe}": grid.values.ravel()})
            return potential_plots.planar_cut_figure(grid, structure=structure), bench.stash(table), None, ""
        if level is None or level <= 0:
            raise UserError(f"the isosurface level must be a positive number (Å⁻²), e.g. {ISOSURFACE_LEVEL}")
        surface = _cached_isosurface(tuple(structure.numbers), structure.positions.tobytes(), float(level))
        values = insight.local_potential(model, structure, surface.vertices, probe)
        surface = dataclasses.replace(surface, values=values, probe=probe, unit=model.energy_unit)
        table = bench.stash({"x": surface.vertices[:, 0], "y": surface.vertices[:, 1], "z": surface.vertices[:, 2],
                             f"Omega_{probe}": values})
        key = [structure.positions.tobytes().hex()[:64], float(level), model_name]
        if shown and shown.get("key") == key:
            # Same surface, another probe: send only the new values (the geometry stays in the browser).
            patch = Patch()
            index = shown["trace"]
            patch["data"][index]["intensity"] = values
            patch["data"][index]["cmin"] = float(values.min())
            patch["data"][index]["cmax"] = float(values.max())
            patch["data"][index]["colorbar"]["title"]["text"] = potential_plots.potential_label(surface)
            patch["layout"]["title"]["text"] = potential_plots.isosurface_title(surface)
            return patch, table, no_update, ""
        figure = potential_plots.isosurface_figure(surface, structure)
        return figure, table, {"key": key, "trace": len(figure.data) - 1}, ""

    @app.callback(
        Output("potential-file", "data"), Output("potential-message", "children", allow_duplicate=True),
        Input("download-ply", "n_clicks"), Input("download-vtk", "n_clicks"), Input("download-cube", "n_clicks"),
        State("structure", "data"), State("model", "value"), State("probe", "value"), State("iso-level", "value"),
        prevent_initial_call=True,
    )
    @reports_errors(2)
    def potential_file(_ply, _vtk, _cube, data, model_name, probe, level):
        if not data:
            raise UserError("load a structure first")
        structure = structure_from_json(data)
        model = bench.model(model_name)
        name = (data.get("name") or structure.formula).replace(" ", "_").replace("/", "_")
        with tempfile.TemporaryDirectory() as tmp:
            if ctx.triggered_id == "download-cube":
                path = Path(tmp) / f"{name}_Omega_{probe}.cube"
                insight.write_cube(path, structure, insight.potential_grid(model, structure, probe, spacing=0.2))
            else:
                if structure.is_periodic:
                    raise UserError("surfaces are for molecules; download the cube file for crystals")
                suffix = ".ply" if ctx.triggered_id == "download-ply" else ".vtk"
                surface = insight.potential_on_isosurface(model, structure, probe,
                                                          level=float(level or ISOSURFACE_LEVEL))
                path = Path(tmp) / f"{name}_Omega_{probe}{suffix}"
                insight.write_surface(path, surface)
            return dcc.send_bytes(path.read_bytes(), path.name), ""

    # -- sensitivity ------------------------------------------------------------------------------------
    @app.callback(
        Output("pair-sensitivity", "figure"), Output("pair-sensitivity-data", "data"), Output("selected-atoms",
        "children"), Output("sensitivity-message", "children"),
        Input("pair-atoms", "value"), Input("model", "value"), Input("analysis", "value"), State("structure", "data"),
    )
    @reports_errors(4)
    def pair_curve(selection, model_name, tab, data):
        if not data or tab != "sensitivity":
            return no_update, no_update, no_update, ""
        structure = structure_from_json(data)
        selection = list(selection or [])[-2:]
        if len(selection) < 2:
            picked = ", ".join(f"{structure.symbols[a]}{a}" for a in selection) or "none"
            return _EMPTY, [], f"selected: {picked} (click {2 - len(selection)} more)", ""
        i, j = selection
        model = bench.model(model_name)
        curve = insight.molecule_pair_sensitivity(model, structure, i, j)
        curve["atom"] = [f"{e}{a}" for e, a in zip(curve["element"], curve["atom"])]
        figure = sensitivity_plots.sensitivity_figure({model.name: curve},
                                                      title=f"Pulling {structure.symbols[j]}{j} away from "
                                                            f"{structure.symbols[i]}{i}")
        return figure, bench.stash(curve), f"selected: {structure.symbols[i]}{i} and {structure.symbols[j]}{j}", ""

    @app.callback(Output("sensitivity-models", "options"), Output("sensitivity-models", "value"),
                  Input("model", "value"))
    def sensitivity_model_options(model_name):
        return [o["value"] for o in bench.model_options()], [model_name]

    @app.callback(
        Output("element-sensitivity", "figure"), Output("element-sensitivity-data", "data"),
        Output("sensitivity-message", "children", allow_duplicate=True),
        Input("element-pair", "value"), Input("sensitivity-models", "value"), Input("analysis", "value"),
        prevent_initial_call=True,
    )
    @reports_errors(3)
    def element_curves(pair, names, tab):
        if tab != "sensitivity" or not names:
            return no_update, no_update, ""
        a, b = pair.split("-")
        curves = {name: insight.pair_sensitivity(bench.model(name), a, b, np.linspace(0.5, 8.0, 151)) for name in names}
        distribution = bench.pair_distances(a, b)
        distribution = distribution[distribution["distance"] <= 8.0]
        figure = sensitivity_plots.sensitivity_figure(curves, distribution, title=f"{pair} pulled apart")
        return figure, bench.stash(pd.concat([c.assign(model=n) for n, c in curves.items()])), ""

    # -- alchemy ---------------------------------------------------------------------------------------
    @app.callback(Output("morph-atoms", "options"), Output("fade-atoms", "options"), Input("structure", "data"))
    def alchemy_atoms(data):
        if not data:
            return [], []
        structure = structure_from_json(data)
        options = [{"label": f"{s}{i}", "value": i} for i, s in enumerate(structure.symbols)]
        return options, options

    @app.callback(
        Output("alchemy", "figure"), Output("alchemy-data", "data"), Output("alchemy-frames", "data"),
        Output("alchemy-frame-index", "max"), Output("alchemy-frame-index", "value"),
        Output("alchemy-message", "children"),
        Input("run-alchemy", "n_clicks"), Input("run-triazine", "n_clicks"),
        State("structure", "data"), State("model", "value"), State("morph-atoms", "value"),
        State("morph-element", "value"), State("fade-atoms", "value"), State("alchemy-steps", "value"),
        State("alchemy-positions", "value"), prevent_initial_call=True,
    )
    @reports_errors(6)
    def alchemy(_run, _triazine, data, model_name, morph, element, fade, steps, positions):
        model = bench.model(model_name)
        steps = int(steps or 10)
        if ctx.triggered_id == "run-triazine":
            states = insight.benzene_to_triazine(relaxed=True)
            variants = {"fixed positions": False, "interpolated positions": True}
        else:
            if not data:
                raise UserError("load a structure first")
            if not morph and not fade:
                raise UserError("choose atoms to morph or to fade out")
            structure = structure_from_json(data)
            start = insight.AlchemicalState.from_structure(structure, label=structure.formula)
            numbers = structure.numbers.copy()
            numbers[list(morph or [])] = insight.atomic_number(element)
            weights = np.ones(len(structure))
            weights[list(fade or [])] = 0.0
            interpolate = positions == "interpolated"
            end = insight.AlchemicalState(numbers, structure.positions, weights)
            if interpolate:
                end = insight.relax_state(model, end)
            end.label = end.structure().formula
            states = [start, end]
            variants = {f"{positions} positions": interpolate}
        paths = {label: insight.alchemical_path(model, states, steps, interpolate_positions=interpolate)
                 for label, interpolate in variants.items()}
        shown = list(paths.values())[-1].frames
        frames = {"positions": shown.positions.tolist(), "numbers": shown.numbers.tolist(),
                  "weights": shown.weights.tolist()}
        records = bench.stash(pd.concat([p.table.assign(path=k) for k, p in paths.items()]))
        return alchemy_plots.alchemy_figure(paths), records, frames, len(shown) - 1, 0, ""

    @app.callback(Output("alchemy-frame", "figure"), Output("alchemy-frame-data", "data"),
                  Input("alchemy-frame-index", "value"), Input("alchemy-frames", "data"))
    def alchemy_frame(index, frames):
        if not frames:
            return _EMPTY, []
        index = min(int(index or 0), len(frames["positions"]) - 1)
        positions = np.asarray(frames["positions"][index])
        numbers = np.asarray(frames["numbers"][index])
        weights = np.asarray(frames["weights"][index])
        shown = weights > 0.5
        structure = insight.Structure(numbers[shown], positions[shown])
        figure = structure_figure(structure, title=f"frame {index}: atoms with β > 0.5, elements of the nearer end")
        table = pd.DataFrame(positions, columns=["x", "y", "z"]).assign(Z=numbers, beta=weights)
        return figure, bench.stash(table)

    # -- rings -----------------------------------------------------------------------------------------
    @app.callback(
        Output("rings-table", "data"), Output("rings-table", "columns"), Output("rings", "figure"),
        Output("rings-data", "data"), Output("rings-poll", "disabled"), Output("rings-message", "children"),
        Input("model", "value"), Input("analysis", "value"), Input("rings-poll", "n_intervals"),
    )
    @reports_errors(6)
    def rings(model_name, tab, _poll):
        if tab != "rings":
            return (no_update,) * 4 + (True, "")
        model = bench.model(model_name)
        if model.card.dataset != "qm9":
            raise UserError("the ring ranking needs a model trained on QM9 (its card names the training data)")
        ranking = bench.ring_ranking(model_name)
        if ranking is None:
            return [], [], _waiting("finding and ranking rings in the QM9 test molecules ..."), [], False, ""
        shown = ranking.table[["rank", "name", "smiles", "ring", "neighbors", "E_ring", "qm9_row"]].round(3)
        columns = [{"name": c if c != "E_ring" else f"E_ring ({ranking.unit})", "id": c} for c in shown.columns]
        return shown.to_dict("records"), columns, ring_ranking_figure(ranking), bench.stash(ranking.table), True, ""

    # -- embeddings ------------------------------------------------------------------------------------
    @app.callback(Output("embeddings", "figure"), Output("embeddings-data", "data"),
                  Output("embeddings-summary", "children"), Output("embeddings-message", "children"),
                  Input("model", "value"), Input("analysis", "value"))
    @reports_errors(4)
    def embeddings(model_name, tab):
        if tab != "embeddings":
            return no_update, no_update, no_update, ""
        pca = insight.embedding_pca(bench.model(model_name))
        figure = embedding_plots.embedding_pca_figure(pca)
        if len(pca.table) < 8:
            return figure, bench.stash(pca.table), "", ""
        summary = bench.embedding_structure(model_name)
        text = (f"{summary.n_elements} elements in {summary.n_families} families. Same-family elements are "
                f"{summary.within_between_ratio:.2f}× as far apart as others (permutation p = "
                f"{summary.permutation_p:.3f}); silhouette {summary.silhouette:.2f}. Periods ordered "
                f"(|Spearman ρ| ≥ 0.8 between period and distance from the lightest member) in "
                f"{summary.families_ordered} of {summary.families_tested} families.")
        return figure, bench.stash(pca.table), text, ""

    # -- filters and accuracy ------------------------------------------------------------------------
    @app.callback(Output("filter-block", "options"), Output("filter-block", "value"), Input("model", "value"))
    def filter_blocks(model_name):
        n = insight.n_filter_blocks(bench.model(model_name))
        return [{"label": str(t + 1), "value": t} for t in range(n)], 0

    @app.callback(Output("filters", "figure"), Output("filters-data", "data"), Output("filters-message", "children"),
                  Input("model", "value"), Input("filter-block", "value"), Input("filter-extent", "value"),
                  Input("analysis", "value"), State("structure", "data"))
    @reports_errors(3)
    def filters(model_name, block, extent, tab, data):
        if tab != "filters" or block is None:
            return no_update, no_update, ""
        model = bench.model(model_name)
        crystal = structure_from_json(data) if data and data.get("cell") else None
        cuts = insight.filter_cuts(model, extent=float(extent or 10), resolution=61,
                                   structure=crystal if crystal is not None and model.cutoff else None)
        figure = filter_plots.filter_cuts_figure(cuts, filters=list(range(min(8, cuts.values.shape[1]))),
                                                 blocks=[int(block)])
        radial = insight.radial_filters(model, cuts.coordinates[cuts.coordinates >= 0])[int(block)]
        records = pd.DataFrame(radial, index=cuts.coordinates[cuts.coordinates >= 0]).rename_axis("distance")
        return figure, bench.stash(records.reset_index()), ""

    @app.callback(
        Output("errors-by-size", "figure"), Output("errors-by-size-data", "data"), Output("isomers", "figure"),
        Output("isomers-data", "data"), Output("largest-errors", "data"), Output("accuracy-poll", "disabled"),
        Output("filters-message", "children", allow_duplicate=True), Input("model", "value"),
        Input("analysis", "value"), Input("accuracy-poll", "n_intervals"), prevent_initial_call=True,
    )
    @reports_errors(7)
    def accuracy(model_name, tab, _poll):
        if tab != "filters":
            return (no_update,) * 5 + (True, no_update)
        model = bench.model(model_name)
        dataset = bench.model_dataset(model_name)
        if dataset not in ("qm9", "flla"):
            raise UserError(f"accuracy views need a model trained on QM9 or FLLA, not {dataset or 'unrecorded data'}")
        predictions = bench.test_predictions(model_name)
        if predictions is None:
            waiting = _waiting(f"predicting the {dataset.upper()} test split ...")
            return waiting, [], waiting, [], [], False, ""
        per_size = insight.errors_by_size(predictions)
        figure = accuracy_plots.errors_by_size_figure(per_size, model.energy_unit)
        if dataset == "qm9":
            ranking = insight.isomer_ranking(predictions)
            isomer_figure, isomer_token = accuracy_plots.isomer_figure(ranking), bench.stash(ranking.table)
            columns = ["id", "smiles", "n_atoms", "reference", "predicted", "error"]
        else:
            figure.update_layout(title="Error by unit-cell size (FLLA test crystals)")
            figure.update_xaxes(title="atoms in the unit cell")
            isomer_figure, isomer_token = _waiting("isomer ranking (Fig. 3.7) is a QM9 analysis"), None
            columns = ["id", "formula", "n_atoms", "reference", "predicted", "error"]
        worst = insight.largest_errors(predictions, 10)[columns].round(3)
        return figure, bench.stash(per_size), isomer_figure, isomer_token, worst.to_dict("records"), True, ""

    # -- downloads for every figure ------------------------------------------------------------------
    for name in FIGURES:
        for fmt in ("png", "svg"):
            app.clientside_callback(
                f"""function(n) {{
                    if (!n) {{ return ''; }}
                    const gd = document.querySelector('#{name} .js-plotly-plot');
                    if (gd) {{ Plotly.downloadImage(gd, {{format: '{fmt}', filename: '{name}', width: 1200,
                                                          height: 800}}); }}
                    return '{fmt}' + n;
                }}""",
                Output(f"{name}-dummy", "title" if fmt == "png" else "lang"), Input(f"{name}-{fmt}", "n_clicks"),
                prevent_initial_call=True,
            )

        @app.callback(Output(f"{name}-csv", "data"), Input(f"{name}-csv-button", "n_clicks"),
                      State(f"{name}-data", "data"), prevent_initial_call=True)
        def download_csv(_n, token, name=name):
            table = bench.unstash(token)
            if table is None:
                return no_update
            return dcc.send_data_frame(table.to_csv, f"{name}.csv", index=False)


def _structure_view(bench: Workbench, structure: insight.Structure, model_name: str | None, color_by: str,
                    marked: list[int], name: str | None = None) -> tuple[go.Figure, str]:
    model = bench.model(model_name)
    atomwise = insight.atomwise_energies(model, structure)
    values = atomwise.table["E_i"].to_numpy() if color_by == "energy" else None
    figure = structure_figure(structure, values, value_label=f"E_i ({model.energy_unit})", highlight=marked or None)
    name = name or structure.info.get("name") or structure.formula
    title = (f"{name} · {structure.formula} · {len(structure)} atoms · "
             f"E = {atomwise.energy:.2f} {model.energy_unit} ({model.name})")
    return figure, title


@functools.lru_cache(maxsize=32)
def _cached_isosurface(numbers: tuple, positions: bytes, level: float):
    """The isosurface of a molecule (cached: changing the probe does not move it)."""
    structure = insight.Structure(numbers, np.frombuffer(positions).reshape(-1, 3))
    return insight.isosurface(structure, level=level, spacing=APP_ISOSURFACE_SPACING)


def _search(dataset: insight.Dataset, query: str | None) -> tuple[list[dict], int | None, str]:
    """Dropdown options for the first ``MAX_SEARCH_RESULTS`` rows found, the first one picked, and a count."""
    if not query:
        return [], None, ""
    found = dataset.search(query)
    if found.empty:
        raise UserError(f"no {dataset.name.upper()} entry matches {query.strip()!r}; try {dataset.search_hint}")
    shown = found.head(MAX_SEARCH_RESULTS)
    options = [{"label": label, "value": int(row)} for row, label in zip(shown["row"], shown["label"])]
    more = f" (first {MAX_SEARCH_RESULTS} shown)" if len(found) > MAX_SEARCH_RESULTS else ""
    return options, options[0]["value"], f"{len(found)} matches{more}"


def _example_options() -> list[dict]:
    molecules = [{"label": name, "value": name} for name in EXAMPLE_MOLECULES]
    crystals = [{"label": f"{name} (crystal)", "value": name} for name in EXAMPLE_CRYSTALS]
    return molecules + crystals


def _waiting(text: str) -> go.Figure:
    return go.Figure(layout=dict(xaxis=dict(visible=False), yaxis=dict(visible=False), plot_bgcolor="white",
                                 annotations=[dict(text=text, showarrow=False, font=dict(size=16))]))


def _parse_upload(contents: str | None, filename: str | None) -> insight.Structure:
    if not contents or not filename:
        raise UserError("no file received")
    _header, _, payload = contents.partition(",")
    raw = base64.b64decode(payload)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UserError(f"{filename} is larger than {MAX_UPLOAD_BYTES // 2**20} MB")
    text = insight.io.decode_text(raw, filename)
    fmt = Path(filename).suffix.lstrip(".").lower()
    structures = insight.parse(text, fmt, source=Path(filename).name)
    return structures[0]


def build_app(bench: Workbench) -> dash.Dash:
    app = dash.Dash(__name__, title="insight", suppress_callback_exceptions=True)
    app.layout = build_layout(bench)
    register_callbacks(app, bench)
    app.server.config["MAX_CONTENT_LENGTH"] = 2 * MAX_UPLOAD_BYTES  # base64 and form overhead
    return app

