"""Alchemy: the energy along a path that morphs atoms into other elements or fades them out (Fig. 3.16), and the
molecule at any step of it."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

import insight
from insight.plots.alchemy import alchemy_figure
from insight.plots.structure import structure_figure

from ..components import EMPTY, UserError, element_choices, figure_card, guarded, message
from ..layout import MODEL, STRUCTURE
from ..state import Workbench, structure_from_json

TAB = "alchemy"
MORPH, ELEMENT, FADE = "morph-atoms", "morph-element", "fade-atoms"
STEPS, POSITIONS = "alchemy-steps", "alchemy-positions"
RUN, TRIAZINE = "run-alchemy", "run-triazine"
FIGURE, FRAME_FIGURE, FRAMES, FRAME_INDEX = "alchemy", "alchemy-frame", "alchemy-frames", "alchemy-frame-index"
FRAME_EXPORT, FRAME_FILE, FRAME_TYPED = "alchemy-frame-xyz", "alchemy-frame-file", "alchemy-frame-typed"
MESSAGE = "alchemy-message"


def layout() -> dcc.Tab:
    return dcc.Tab(label="Alchemy", value=TAB, children=[
        html.Div([
            html.Label(["morph atoms ", dcc.Dropdown(id=MORPH, multi=True, style={"minWidth": "14em"})]),
            html.Label(["into ", dcc.Dropdown(id=ELEMENT, options=["H", "C", "N", "O", "F"], value="N",
                                              clearable=False, style={"width": "6em"})]),
            html.Label(["fade out ", dcc.Dropdown(id=FADE, multi=True, style={"minWidth": "14em"})]),
            html.Label(["steps ", dcc.Input(id=STEPS, type="number", value=10, min=1, max=50, step=1,
                                            className="number")]),
            dcc.RadioItems(id=POSITIONS, options=[
                {"label": "fixed positions", "value": "fixed"},
                {"label": "interpolated to the relaxed end (model forces)", "value": "interpolated"}],
                value="fixed", inline=True),
            html.Button("run path", id=RUN),
            html.Button("benzene → s-triazine (Fig. 3.16)", id=TRIAZINE),
        ], className="controls"),
        message(MESSAGE),
        figure_card(FIGURE, "380px"),
        html.Div([
            html.Div(dcc.Slider(id=FRAME_INDEX, min=0, max=1, step=1, value=0, updatemode="drag",
                                allow_direct_input=False), style={"flex": "1 1 auto"}),
            html.Label(["frame ", dcc.Input(id=FRAME_TYPED, type="number", min=0, step=1, value=0, debounce=True,
                                            className="number")]),
        ], className="controls"),
        figure_card(FRAME_FIGURE, "420px"),
        html.Button("this frame as XYZ", id=FRAME_EXPORT), dcc.Download(id=FRAME_FILE),
        dcc.Store(id=FRAMES),
    ])


def atom_choices(_bench: Workbench, data):
    options = [] if not data else [{"label": f"{s}{i}", "value": i}
                                   for i, s in enumerate(structure_from_json(data).symbols)]
    return options, options


def run_path(bench: Workbench, trigger, _run, _triazine, data, model_name, morph, element, fade, steps, positions):
    """The path(s) with their energies, the frames of the last one for the slider, and a note on relaxing."""
    model = bench.model(model_name)
    steps = int(steps or 10)
    note = ""
    if trigger == TRIAZINE:
        states = insight.benzene_to_triazine(relaxed=True)
        variants = {"fixed positions": False, "interpolated positions": True}
    else:
        if not data:
            raise UserError("load a structure first")
        structure = structure_from_json(data)
        start = insight.AlchemicalState.from_structure(structure, label=structure.formula)
        end = insight.alchemical_end_state(structure, morph or [], element, fade or [])
        interpolate = positions == "interpolated"
        if interpolate:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", insight.errors.DomainWarning)
                end = insight.relax_state(model, end)
            note = "; ".join(str(w.message) for w in caught)
        states, variants = [start, end], {f"{positions} positions": interpolate}
    paths = {label: insight.alchemical_path(model, states, steps, interpolate_positions=interpolate)
             for label, interpolate in variants.items()}
    shown = list(paths.values())[-1].frames
    frames = {"positions": shown.positions.tolist(), "numbers": shown.numbers.tolist(),
              "weights": shown.weights.tolist()}
    records = bench.stash(pd.concat([p.table.assign(path=k) for k, p in paths.items()]))
    return alchemy_figure(paths), records, frames, len(shown) - 1, 0, note


def frame_structure(frames: dict, index) -> tuple[int, insight.Structure, pd.DataFrame]:
    """The molecule at one step (atoms with β > 0.5, each with the element of the nearer end) and the full table."""
    index = min(int(index or 0), len(frames["positions"]) - 1)
    positions = np.asarray(frames["positions"][index])
    numbers = np.asarray(frames["numbers"][index])
    weights = np.asarray(frames["weights"][index])
    shown = weights > 0.5
    structure = insight.Structure(numbers[shown], positions[shown], info={"name": f"alchemical frame {index}"})
    return index, structure, pd.DataFrame(positions, columns=["x", "y", "z"]).assign(Z=numbers, beta=weights)


def show_frame(bench: Workbench, index, frames):
    if not frames:
        return EMPTY, None, ""
    index, structure, table = frame_structure(frames, index)
    figure = structure_figure(structure, title=f"frame {index}: atoms with β > 0.5, elements of the nearer end")
    return figure, bench.stash(table), ""


def sync_frame(_bench: Workbench, trigger, dragged, typed, last):
    """The slider and the number box show one frame: dragging moves the box, a typed number (committed on Enter
    or leaving the box) moves the slider, clipped to the path."""
    if trigger == FRAME_TYPED:
        frame = min(max(int(typed or 0), 0), int(last or 0))
        return frame, frame
    return no_update, dragged


def export_frame(_bench: Workbench, _clicks, index, frames):
    if not frames:
        raise UserError("run a path first")
    index, structure, _ = frame_structure(frames, index)
    return dict(content=insight.io.format_structure(structure, "xyz"), filename=f"alchemy_frame_{index}.xyz"), ""


def register(app, bench: Workbench) -> None:
    app.callback(Output(ELEMENT, "options"), Output(ELEMENT, "value"), Input(MODEL, "value"),
                 State(ELEMENT, "value"))(guarded(functools.partial(element_choices, preferred="N"), bench, 2,
                                                       on_error={1: no_update}))
    app.callback(Output(MORPH, "options"), Output(FADE, "options"), Input(STRUCTURE, "data"))(
        guarded(atom_choices, bench, 2, on_error={1: no_update}))
    app.callback(
        Output(FIGURE, "figure"), Output(f"{FIGURE}-data", "data"), Output(FRAMES, "data"),
        Output(FRAME_INDEX, "max"), Output(FRAME_INDEX, "value"), Output(MESSAGE, "children"),
        Input(RUN, "n_clicks"), Input(TRIAZINE, "n_clicks"),
        State(STRUCTURE, "data"), State(MODEL, "value"), State(MORPH, "value"), State(ELEMENT, "value"),
        State(FADE, "value"), State(STEPS, "value"), State(POSITIONS, "value"), prevent_initial_call=True,
    )(guarded(run_path, bench, 6, trigger=True))
    app.callback(Output(FRAME_FIGURE, "figure"), Output(f"{FRAME_FIGURE}-data", "data"),
                 Output(MESSAGE, "children", allow_duplicate=True),
                 Input(FRAME_INDEX, "value"), Input(FRAMES, "data"), prevent_initial_call=True)(
        guarded(show_frame, bench, 3))
    app.callback(Output(FRAME_INDEX, "value", allow_duplicate=True), Output(FRAME_TYPED, "value"),
                 Input(FRAME_INDEX, "value"), Input(FRAME_TYPED, "value"), State(FRAME_INDEX, "max"),
                 prevent_initial_call=True)(guarded(sync_frame, bench, 2, on_error={1: no_update}, trigger=True))
    app.callback(Output(FRAME_FILE, "data"), Output(MESSAGE, "children", allow_duplicate=True),
                 Input(FRAME_EXPORT, "n_clicks"), State(FRAME_INDEX, "value"), State(FRAMES, "data"),
                 prevent_initial_call=True)(guarded(export_frame, bench, 2))
