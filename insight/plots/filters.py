"""Figure of filter cuts (Figs 4.4, 4.5)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis.filters import FilterCuts

__all__ = ["filter_cuts_figure"]


def filter_cuts_figure(cuts: FilterCuts, filters: list[int] | None = None, blocks: list[int] | None = None) -> go.Figure:
    """A grid of heat maps: rows are interaction blocks, columns filters (negative blue, positive red)."""
    blocks = blocks if blocks is not None else list(range(cuts.values.shape[0]))
    filters = filters if filters is not None else list(range(min(8, cuts.values.shape[1])))
    figure = make_subplots(rows=len(blocks), cols=len(filters), horizontal_spacing=0.01, vertical_spacing=0.02,
                           row_titles=[f"block {t + 1}" for t in blocks], column_titles=[f"filter {f}" for f in filters])
    for r, t in enumerate(blocks, start=1):
        for c, f in enumerate(filters, start=1):
            values = cuts.values[t, f]
            bound = float(np.abs(values).max()) or 1.0
            figure.add_trace(go.Heatmap(z=values, x=cuts.coordinates, y=cuts.coordinates, colorscale="RdBu_r",
                                        zmin=-bound, zmax=bound, showscale=False), row=r, col=c)
    figure.update_xaxes(showticklabels=False)
    figure.update_yaxes(showticklabels=False)
    for k in range(1, len(blocks) * len(filters) + 1):  # square cuts: each y axis follows its own x axis
        figure.layout[f"yaxis{k if k > 1 else ''}"].scaleanchor = f"x{k if k > 1 else ''}"
    side = cuts.coordinates[-1] - cuts.coordinates[0]
    kind = f"periodic ({cuts.label})" if cuts.periodic else "molecular"
    figure.update_layout(title=f"Filter cuts, {side:.0f} × {side:.0f} Å, {kind}", height=140 * len(blocks) + 120)
    return figure
