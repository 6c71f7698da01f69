"""Building blocks shared by the tabs: figure cards with downloads, messages, and the error guard of callbacks."""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Mapping

import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html, no_update

import insight

from .state import Workbench

log = logging.getLogger("insight_app")

#: Actions slower than this (ms) show a busy indicator over their figure.
BUSY_DELAY_MS = 500


class UserError(Exception):
    """A problem with what the user entered; shown in the page."""


def placeholder(text: str = "nothing to show yet") -> go.Figure:
    """An empty figure that says why it is empty (or what is being computed)."""
    return go.Figure(layout=dict(xaxis=dict(visible=False), yaxis=dict(visible=False), plot_bgcolor="white",
                                 annotations=[dict(text=text, showarrow=False, font=dict(size=15))]))


EMPTY = placeholder()
#: Said while a dataset-wide job runs (app.jobs stops a job nobody waits for).
STOPS = "<br>(it stops if you switch tab or model)"


def message(id_: str) -> html.Div:
    return html.Div(id=id_, className="message", role="alert")


def figure_card(name: str, height: str | None = "480px") -> html.Div:
    """A graph with PNG, SVG and CSV download buttons under it, and a busy indicator over it.

    ``height=None`` lets the figure's own layout height decide (tall stacked panels scroll with the page).
    """
    style = {"height": height} if height else {}
    return html.Div([
        dcc.Loading(dcc.Graph(id=name, figure=EMPTY, style=style, config={"displaylogo": False}),
                    delay_show=BUSY_DELAY_MS, type="circle"),
        html.Div([
            html.Button("PNG", id=f"{name}-png", className="small"),
            html.Button("SVG", id=f"{name}-svg", className="small"),
            html.Button("CSV", id=f"{name}-csv-button", className="small"),
            dcc.Download(id=f"{name}-csv"),
            dcc.Store(id=f"{name}-data"),
            html.Span(id=f"{name}-dummy", style={"display": "none"}),
        ], className="downloads"),
    ], className="figure-card")


def error_text(err: BaseException) -> str:
    """The message of an error as the page shows it (a KeyError's repr quotes are dropped, nothing else)."""
    if isinstance(err, KeyError) and len(err.args) == 1:
        return str(err.args[0])
    return str(err)


def guarded(callback: Callable, bench: Workbench, n_outputs: int, on_error: Mapping[int, Any] | None = None,
            trigger: bool = False) -> Callable:
    """``callback(bench, [triggered id,] *inputs)`` as a Dash callback that never crashes the page.

    Bad input becomes a message in the last output; the other outputs stay as they are, except those named in
    ``on_error`` (output index -> value), e.g. a poll that must stop. ``trigger`` passes ``ctx.triggered_id``
    first, so the callback itself stays a plain function the tests call directly.
    """

    @functools.wraps(callback)
    def wrapper(*inputs):
        from dash import ctx

        arguments = ((ctx.triggered_id,) if trigger else ()) + inputs
        try:
            return callback(bench, *arguments)
        except (UserError, insight.InsightError, ValueError, KeyError) as err:
            text = error_text(err)
        except Exception as err:  # keep the server up whatever happens; the page says what went wrong
            log.exception("callback %s failed", callback.__name__)
            text = f"unexpected error ({type(err).__name__}): {err}"
        outputs = [no_update] * (n_outputs - 1) + [text]
        for index, value in (on_error or {}).items():
            outputs[index] = value
        return tuple(outputs)

    return wrapper


def element_choices(bench: Workbench, model_name, current, preferred: str):
    """Element options for a model: those it knows; the current choice stays if the new model knows it."""
    symbols = [insight.element_symbol(z) for z in bench.model(model_name).known_elements]
    return symbols, current if current in symbols else (preferred if preferred in symbols else symbols[0])


def register_downloads(app, bench: Workbench, names: list[str]) -> None:
    """PNG and SVG (drawn by plotly in the browser) and CSV (the figure's table, kept on the server) per figure."""
    for name in names:
        for fmt, attribute in (("png", "title"), ("svg", "lang")):
            app.clientside_callback(
                f"""function(n) {{
                    if (!n) {{ return ''; }}
                    const gd = document.querySelector('#{name} .js-plotly-plot');
                    if (gd) {{ Plotly.downloadImage(gd, {{format: '{fmt}', filename: '{name}', width: 1200,
                                                          height: Math.max(800, gd.layout.height || 0)}}); }}
                    return '{fmt}' + n;
                }}""",
                Output(f"{name}-dummy", attribute), Input(f"{name}-{fmt}", "n_clicks"), prevent_initial_call=True,
            )
        app.callback(Output(f"{name}-csv", "data"), Input(f"{name}-csv-button", "n_clicks"),
                     State(f"{name}-data", "data"), prevent_initial_call=True)(
            functools.partial(_csv_download, bench, name))


def _csv_download(bench: Workbench, name: str, _clicks, token):
    table = bench.unstash(token)
    if table is None:
        return no_update
    return dcc.send_data_frame(table.to_csv, f"{name}.csv", index=False)
