"""Figure of alchemical energy profiles (Fig. 3.16)."""

from __future__ import annotations

from typing import Mapping

import plotly.graph_objects as go

from ..analysis.alchemy import AlchemicalPath

__all__ = ["alchemy_figure"]


def alchemy_figure(paths: Mapping[str, AlchemicalPath], title: str | None = None) -> go.Figure:
    """Energy along one or more paths from :func:`~insight.analysis.alchemy.alchemical_path`, states labelled."""
    figure = go.Figure()
    unit = ""
    for label, path in paths.items():
        unit = path.unit
        figure.add_trace(go.Scatter(x=path.table["progress"], y=path.table["energy"], mode="lines+markers",
                                    name=label))
    first = next(iter(paths.values())).table
    ends = first[first["label"] != ""]
    figure.update_layout(
        title=title or "Alchemical path", plot_bgcolor="white", yaxis_title=f"energy ({unit})",
        xaxis=dict(title="path", tickmode="array", tickvals=ends["progress"].tolist(), ticktext=ends["label"].tolist()),
    )
    return figure
