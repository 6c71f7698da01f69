"""Rings: the 6-membered carbon rings of the model's QM9 test molecules ranked by E_ring (Eq. 4.16, Fig. 4.14);
a row, clicked, shows its molecule with the ring highlighted."""

from __future__ import annotations

from dash import Input, Output, dash_table, dcc, html, no_update

from insight.plots.rings import ring_ranking_figure

from ..components import STOPS, UserError, figure_card, guarded, message, placeholder
from ..layout import ANALYSIS, MODEL
from ..state import Workbench
from .inputs import RING_TABLE

TAB = "rings"
TABLE = RING_TABLE
FIGURE, POLL, MESSAGE = "rings", "rings-poll", "rings-message"


def layout() -> dcc.Tab:
    return dcc.Tab(label="Rings", value=TAB, children=[
        html.P("6-membered carbon rings of the model's QM9 test molecules, ranked by E_ring = Σ E_i over the ring "
               "(Eq. 4.16): low is stable. Click a row to view the molecule with its ring.", className="hint"),
        message(MESSAGE),
        dcc.Interval(id=POLL, interval=1000, disabled=True),
        dash_table.DataTable(id=TABLE, page_size=15, row_selectable="single", sort_action="native",
                             filter_action="native", style_table={"overflowX": "auto"},
                             style_cell={"cursor": "pointer"}),
        figure_card(FIGURE, "640px"),
    ])


def ranking(bench: Workbench, model_name, tab, _poll):
    """The ranking table and figure; polls while the ranking is computed in the background."""
    if tab != TAB:
        return (no_update,) * 4 + (True, "")
    if bench.model(model_name).card.dataset != "qm9":
        raise UserError("the ring ranking needs a model trained on QM9 (its card names the training data)")
    result = bench.ring_ranking(model_name)
    if result is None:
        return [], [], placeholder(f"finding and ranking rings in the QM9 test molecules ... {STOPS}"), None, False, ""
    shown = result.table[["rank", "name", "smiles", "ring", "neighbors", "E_ring", "qm9_row"]].round(3)
    columns = [{"name": c if c != "E_ring" else f"E_ring ({result.unit})", "id": c} for c in shown.columns]
    return shown.to_dict("records"), columns, ring_ranking_figure(result), bench.stash(result.table), True, ""


def select_clicked_row(_bench: Workbench, cell):
    """A click anywhere in a row selects it (as its radio button does)."""
    if not cell:
        return no_update
    return [cell["row"]]


def register(app, bench: Workbench) -> None:
    app.callback(
        Output(TABLE, "data"), Output(TABLE, "columns"), Output(FIGURE, "figure"), Output(f"{FIGURE}-data", "data"),
        Output(POLL, "disabled"), Output(MESSAGE, "children"),
        Input(MODEL, "value"), Input(ANALYSIS, "value"), Input(POLL, "n_intervals"),
    )(guarded(ranking, bench, 6, on_error={4: True}))
    app.callback(Output(TABLE, "selected_rows"), Input(TABLE, "active_cell"), prevent_initial_call=True)(
        lambda cell: select_clicked_row(bench, cell))
