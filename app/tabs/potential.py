"""Local chemical potential: Ω of a probe atom on the isosurface around a molecule (Figs 3.12, 3.14, 4.10), or on a
planar cut through a crystal (Fig. 4.9), with the surface or grid as files."""

from __future__ import annotations

import dataclasses
import functools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from dash import Input, Output, Patch, State, dcc, html, no_update

import insight
from insight.examples import cut_plane
from insight.plots.potential import (
    isosurface_figure,
    isosurface_title,
    planar_cut_figure,
    potential_hover,
    potential_label,
)
from insight.thesis import ISOSURFACE_LEVEL

from ..components import UserError, element_choices, figure_card, guarded, message
from ..layout import ANALYSIS, MODEL, STRUCTURE
from ..state import Workbench, file_stem, structure_from_json

TAB = "potential"
PROBE, LEVEL, SURFACE_CONTROLS = "probe", "iso-level", "surface-controls"
PLY, VTK, CUBE, RENDER, FILE = "download-ply", "download-vtk", "download-cube", "download-render", "potential-file"
FIGURE, SHOWN, MESSAGE = "potential", "potential-shown", "potential-message"
#: Isosurface grid spacing in the app (Å): ~6,000 vertices for a QM9 molecule keep redraws quick in the browser;
#: the downloaded surface uses the library's finer default.
APP_ISOSURFACE_SPACING = 0.15
CUT_RESOLUTION = 80


def layout() -> dcc.Tab:
    return dcc.Tab(label="Local potential", value=TAB, children=[
        html.Div([
            html.Label(["probe ", dcc.Dropdown(id=PROBE, options=["H", "C", "N", "O", "F"], value="H",
                                               clearable=False, style={"width": "6em"})]),
            html.Span([
                html.Label(["isosurface level (Å⁻²) ", dcc.Input(id=LEVEL, type="number", value=ISOSURFACE_LEVEL,
                                                                   min=0.5, max=20, step=0.1, debounce=True,
                                                                   className="number")]),
                html.Button("surface (.ply)", id=PLY), html.Button("surface (.vtk)", id=VTK),
                html.Button("high-quality PNG", id=RENDER, title="rendered off screen with pyvista (VTK)"),
            ], id=SURFACE_CONTROLS, className="controls"),
            html.Button("cube file", id=CUBE), dcc.Download(id=FILE),
        ], className="controls"),
        html.P("Ω_A(r): the energy the model gives a probe atom of element A placed at r, the structure held fixed "
               "(Sec. 3.6.2). Blue (low) marks where the probe binds most favourably.", className="hint"),
        message(MESSAGE),
        figure_card(FIGURE, "560px"),
        dcc.Store(id=SHOWN),
    ])


def potential(bench: Workbench, data, model_name, probe, level, tab, shown):
    """The figure, its table, what is drawn (to patch a probe change in place), the surface controls' display."""
    if not data or tab != TAB:
        return no_update, no_update, no_update, no_update, ""
    structure = structure_from_json(data)
    model = bench.model(model_name)
    if structure.is_periodic:
        origin, u, v = cut_plane(structure)
        grid = insight.planar_cut(model, structure, probe, origin=origin, u=u, v=v, resolution=CUT_RESOLUTION)
        points = grid.points().reshape(-1, 3)
        table = pd.DataFrame({"x": points[:, 0], "y": points[:, 1], "z": points[:, 2],
                              f"Omega_{probe}": grid.values.ravel()})
        figure = planar_cut_figure(grid, structure=structure)
        return figure, bench.stash(table), None, {"display": "none"}, ""
    if level is None or not level > 0:
        raise UserError(f"the isosurface level must be a positive number (Å⁻²), e.g. {ISOSURFACE_LEVEL}")
    surface = _isosurface(tuple(structure.numbers), structure.positions.tobytes(), float(level))
    values = insight.local_potential(model, structure, surface.vertices, probe)
    surface = dataclasses.replace(surface, values=values, probe=probe, unit=model.energy_unit)
    table = bench.stash({"x": surface.vertices[:, 0], "y": surface.vertices[:, 1], "z": surface.vertices[:, 2],
                         f"Omega_{probe}": values})
    key = [structure.positions.tobytes().hex()[:64], float(level), model_name]
    if shown and shown.get("key") == key:
        return _patched(surface, shown["trace"]), table, no_update, no_update, ""
    figure = isosurface_figure(surface, structure)
    return figure, table, {"key": key, "trace": len(figure.data) - 1}, {}, ""


def _patched(surface: insight.Isosurface, trace: int) -> Patch:
    """Same surface, another probe: only the new values travel (the geometry stays in the browser)."""
    patch = Patch()
    patch["data"][trace]["intensity"] = surface.values
    patch["data"][trace]["cmin"] = float(surface.values.min())
    patch["data"][trace]["cmax"] = float(surface.values.max())
    patch["data"][trace]["colorbar"]["title"]["text"] = potential_label(surface)
    patch["data"][trace]["hovertemplate"] = potential_hover(surface)
    patch["layout"]["title"]["text"] = isosurface_title(surface)
    return patch


@functools.lru_cache(maxsize=32)
def _isosurface(numbers: tuple, positions: bytes, level: float) -> insight.Isosurface:
    """The isosurface of a molecule (cached: changing the probe does not move it)."""
    structure = insight.Structure(numbers, np.frombuffer(positions).reshape(-1, 3))
    return insight.isosurface(structure, level=level, spacing=APP_ISOSURFACE_SPACING)


def potential_file(bench: Workbench, trigger, _ply, _vtk, _cube, _render, data, model_name, probe, level):
    """The surface (PLY, VTK, or a pyvista render as PNG; molecules) or the potential on a 3D grid (Gaussian
    cube) as a download."""
    if not data:
        raise UserError("load a structure first")
    structure = structure_from_json(data)
    model = bench.model(model_name)
    name = file_stem(data, structure)
    with tempfile.TemporaryDirectory() as tmp:
        if trigger == CUBE:
            path = Path(tmp) / f"{name}_Omega_{probe}.cube"
            insight.write_cube(path, structure, insight.potential_grid(model, structure, probe, spacing=0.2))
        else:
            if structure.is_periodic:
                raise UserError("surfaces are for molecules; download the cube file for crystals")
            level = float(level) if level else ISOSURFACE_LEVEL
            surface = insight.potential_on_isosurface(model, structure, probe, level=level)
            suffix = {PLY: ".ply", VTK: ".vtk", RENDER: ".png"}[trigger]
            path = Path(tmp) / f"{name}_Omega_{probe}{suffix}"
            if trigger == RENDER:
                from insight.plots.render import render_potential

                render_potential(path, surface, structure)
            else:
                insight.write_surface(path, surface)
        return dcc.send_bytes(path.read_bytes(), path.name), ""


def register(app, bench: Workbench) -> None:
    app.callback(Output(PROBE, "options"), Output(PROBE, "value"), Input(MODEL, "value"),
                 State(PROBE, "value"))(guarded(functools.partial(element_choices, preferred="C"), bench, 2,
                                                       on_error={1: no_update}))
    app.callback(
        Output(FIGURE, "figure"), Output(f"{FIGURE}-data", "data"), Output(SHOWN, "data"),
        Output(SURFACE_CONTROLS, "style"), Output(MESSAGE, "children"),
        Input(STRUCTURE, "data"), Input(MODEL, "value"), Input(PROBE, "value"), Input(LEVEL, "value"),
        Input(ANALYSIS, "value"), State(SHOWN, "data"),
    )(guarded(potential, bench, 5))
    app.callback(
        Output(FILE, "data"), Output(MESSAGE, "children", allow_duplicate=True),
        Input(PLY, "n_clicks"), Input(VTK, "n_clicks"), Input(CUBE, "n_clicks"), Input(RENDER, "n_clicks"),
        State(STRUCTURE, "data"), State(MODEL, "value"), State(PROBE, "value"), State(LEVEL, "value"),
        prevent_initial_call=True,
    )(guarded(potential_file, bench, 2, trigger=True))
