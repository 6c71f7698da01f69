"""Figure of the ring stability ranking (Fig. 4.14)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..analysis.rings import RingStability

__all__ = ["ring_ranking_figure"]


def ring_ranking_figure(ranking: RingStability, n: int = 10) -> go.Figure:
    """The ``n`` most and least stable rings as horizontal bars of ``E_ring``."""
    unit, table = ranking.unit, ranking.table
    shown = pd.concat([table.head(n).assign(kind="most stable"), table.tail(n).assign(kind="least stable")])
    figure = go.Figure()
    for kind, group in shown.groupby("kind", sort=False):
        # Dots, not bars: E_ring lies far from zero, and a bar cut off at an axis that excludes zero would
        # exaggerate the differences; dots on an axis fitted to the values read correctly.
        figure.add_trace(go.Scatter(x=group["E_ring"], y=[f"#{r} {s}" for r, s in zip(group["rank"], group["smiles"])],
                                    mode="markers", marker=dict(size=11), name=kind,
                                    customdata=group[["structure", "ring"]],
                                    hovertemplate="%{y}<br>E_ring = %{x:.2f}<br>ring atoms %{customdata[1]}"
                                                  "<extra></extra>"))
    figure.update_layout(title="6-membered carbon rings: most and least stable", xaxis_title=f"E_ring ({unit})",
                         yaxis=dict(autorange="reversed"), plot_bgcolor="white", height=40 * len(shown) + 150,
                         xaxis=dict(showgrid=True, gridcolor="#e5e5e5"))
    return figure
