"""The frame of the page: header with the model picker, the structure panel on the left, the analysis tabs on
the right, and the stores the tabs share. The ids of these shared components live here."""

from __future__ import annotations

from dash import dcc, html

from .state import Workbench

#: The model picker; its value is a name from the workbench's registry.
MODEL = "model"
#: The current structure, as JSON (see ``state.structure_to_json``).
STRUCTURE = "structure"
#: Atoms a tab asks the 3D view to highlight (e.g. a ring); cleared when the tab changes.
HIGHLIGHT = "highlight"
#: Walks a tab asks the 3D view to draw (the relevance tab): ``[{"atoms", "relevance", "label"}]``, most relevant
#: first; emptied when that tab is not shown.
WALKS = "walks"
#: The analysis tabs; callbacks of a tab compute only while it is shown.
ANALYSIS = "analysis"


def build_layout(bench: Workbench, structure_panel: list, tabs: list, first_structure: dict) -> html.Div:
    return html.Div([
        html.Header([
            html.H1("insight"),
            html.Span("what did the network learn?", className="tagline"),
            dcc.Dropdown(id=MODEL, options=bench.model_options(), value=bench.default, clearable=False,
                         className="model-picker"),
        ]),
        html.Div([
            html.Div(structure_panel, className="left"),
            html.Div([dcc.Tabs(id=ANALYSIS, value=tabs[0].value, children=tabs)], className="right"),
        ], className="columns"),
        dcc.Store(id=STRUCTURE, data=first_structure),
        dcc.Store(id=HIGHLIGHT, data=[]),
        dcc.Store(id=WALKS, data=[]),
    ])
