"""Filters: cuts through the continuous filters of one interaction block, centred on an atom (Fig. 4.4); for a
crystal with a periodic model, summed over the lattice (Fig. 4.5)."""

from __future__ import annotations

import pandas as pd
from dash import Input, Output, dcc, html, no_update

import insight
from insight.plots.filters import filter_cuts_figure

from ..components import figure_card, guarded, message
from ..layout import ANALYSIS, MODEL, STRUCTURE
from ..state import Workbench, structure_from_json

TAB = "filters"
BLOCK, EXTENT = "filter-block", "filter-extent"
FIGURE, MESSAGE = "filters", "filters-message"
#: Filters drawn per block, and points per side of each cut.
SHOWN_FILTERS, RESOLUTION = 8, 61


def layout() -> dcc.Tab:
    return dcc.Tab(label="Filters", value=TAB, children=[
        html.Div([
            html.Label(["block ", dcc.Dropdown(id=BLOCK, clearable=False, style={"width": "6em"})]),
            html.Label(["cut size (Å) ", dcc.Input(id=EXTENT, type="number", value=10, min=2, max=30,
                                                   className="number")]),
        ], className="controls"),
        html.P("Each panel: one filter W(r) of the block on a plane through an atom; red positive, blue negative. "
               "For a crystal the filter is summed over the lattice.", className="hint"),
        message(MESSAGE),
        figure_card(FIGURE, "420px"),
    ])


def block_choices(bench: Workbench, model_name):
    n = insight.n_filter_blocks(bench.model(model_name))
    return [{"label": str(t + 1), "value": t} for t in range(n)], 0


def filters(bench: Workbench, model_name, block, extent, tab, data):
    if tab != TAB or block is None:
        return no_update, no_update, ""
    model = bench.model(model_name)
    structure = structure_from_json(data) if data else None
    crystal = structure if structure is not None and structure.is_periodic and model.cutoff else None
    cuts = insight.filter_cuts(model, extent=float(extent or 10), resolution=RESOLUTION, structure=crystal)
    shown = list(range(min(SHOWN_FILTERS, cuts.values.shape[1])))
    figure = filter_cuts_figure(cuts, filters=shown, blocks=[int(block)])
    outward = cuts.coordinates[cuts.coordinates >= 0]
    radial = insight.radial_filters(model, outward)[int(block)]
    records = pd.DataFrame(radial, index=outward).rename_axis("distance").reset_index()
    return figure, bench.stash(records), ""


def register(app, bench: Workbench) -> None:
    app.callback(Output(BLOCK, "options"), Output(BLOCK, "value"), Input(MODEL, "value"))(
        guarded(block_choices, bench, 2, on_error={1: no_update}))
    app.callback(Output(FIGURE, "figure"), Output(f"{FIGURE}-data", "data"), Output(MESSAGE, "children"),
                 Input(MODEL, "value"), Input(BLOCK, "value"), Input(EXTENT, "value"), Input(ANALYSIS, "value"),
                 Input(STRUCTURE, "data"))(guarded(filters, bench, 3))
