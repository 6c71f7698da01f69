"""Figure of filter cuts (Figs 4.4, 4.5)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis.filters import FilterCuts

__all__ = ["filter_cuts_figure", "periodic_filters_figure"]


def filter_cuts_figure(
    cuts: FilterCuts, filters: list[int] | None = None, blocks: list[int] | None = None
) -> go.Figure:
    """A grid of heat maps: rows are interaction blocks, columns filters (negative blue, positive red)."""
    blocks = blocks if blocks is not None else list(range(cuts.values.shape[0]))
    filters = filters if filters is not None else list(range(min(8, cuts.values.shape[1])))
    figure = make_subplots(rows=len(blocks), cols=len(filters), horizontal_spacing=0.01, vertical_spacing=0.02,
                           row_titles=[f"block {t + 1}" for t in blocks],
                           column_titles=[f"filter {f}" for f in filters])
    # One colour scale per block, shared by its filters and shown once, so panels of a block compare directly.
    for r, t in enumerate(blocks, start=1):
        bound = float(np.abs(cuts.values[t][filters]).max()) or 1.0
        for c, f in enumerate(filters, start=1):
            colorbar = dict(title=dict(text=f"W (block {t + 1})", side="right"), len=1.0 / len(blocks),
                            y=1 - (r - 0.5) / len(blocks), thickness=12)
            figure.add_trace(go.Heatmap(z=cuts.values[t, f], x=cuts.coordinates, y=cuts.coordinates,
                                        colorscale="RdBu_r", zmin=-bound, zmax=bound, showscale=c == len(filters),
                                        colorbar=colorbar, hovertemplate="x %{x:.1f} Å, y %{y:.1f} Å<br>"
                                        "W = %{z:.3f}<extra></extra>"), row=r, col=c)
    half = (cuts.coordinates[-1] - cuts.coordinates[0]) / 2
    ticks = [-round(half), 0, round(half)]
    figure.update_xaxes(tickvals=ticks, ticks="outside", tickfont=dict(size=9))
    figure.update_yaxes(tickvals=ticks, ticks="outside", tickfont=dict(size=9), showticklabels=False)
    figure.update_yaxes(showticklabels=True, col=1)
    figure.update_xaxes(title_text="Å", row=len(blocks))
    for k in range(1, len(blocks) * len(filters) + 1):  # square cuts: each y axis follows its own x axis
        figure.layout[f"yaxis{k if k > 1 else ''}"].scaleanchor = f"x{k if k > 1 else ''}"
    side = cuts.coordinates[-1] - cuts.coordinates[0]
    kind = f"periodic ({cuts.label})" if cuts.periodic else "molecular"
    figure.update_layout(title=f"Filter cuts, {side:.0f} × {side:.0f} Å, {kind}", height=140 * len(blocks) + 120,
                         plot_bgcolor="white")
    return figure


def periodic_filters_figure(cuts: list[FilterCuts], block: int = 0, filters: list[int] | None = None) -> go.Figure:
    """The same filters under different boundary conditions (Fig. 4.5): rows are the cuts (no PBC, diamond,
    graphite, ...), columns filters of one interaction block; each filter keeps one colour scale across rows."""
    filters = filters if filters is not None else list(range(min(4, cuts[0].values.shape[1])))
    rows = [cut.label if cut.periodic else "no PBC" for cut in cuts]
    figure = make_subplots(rows=len(cuts), cols=len(filters), horizontal_spacing=0.01, vertical_spacing=0.02,
                           row_titles=rows, column_titles=[f"filter {f}" for f in filters])
    for c, f in enumerate(filters, start=1):
        bound = max(float(np.abs(cut.values[block, f]).max()) for cut in cuts) or 1.0
        for r, cut in enumerate(cuts, start=1):
            figure.add_trace(go.Heatmap(z=cut.values[block, f], x=cut.coordinates, y=cut.coordinates,
                                        colorscale="RdBu_r", zmin=-bound, zmax=bound, showscale=False), row=r, col=c)
    figure.update_xaxes(showticklabels=False)
    figure.update_yaxes(showticklabels=False)
    for k in range(1, len(cuts) * len(filters) + 1):
        figure.layout[f"yaxis{k if k > 1 else ''}"].scaleanchor = f"x{k if k > 1 else ''}"
    side = cuts[0].coordinates[-1] - cuts[0].coordinates[0]
    figure.update_layout(title=f"Filters of block {block + 1} under periodic boundary conditions, "
                               f"{side:.0f} × {side:.0f} Å cuts", height=170 * len(cuts) + 120,
                         width=170 * len(filters) + 200)
    return figure
