"""Figures of bond-breaking sensitivity with the training pair-distance distribution (Figs 4.11-4.13)."""

from __future__ import annotations

from typing import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = ["sensitivity_figure"]


def sensitivity_figure(
    curves: Mapping[str, pd.DataFrame], distribution: pd.DataFrame | None = None, title: str | None = None
) -> go.Figure:
    """Sensitivity curves of several models (``{label: pair_sensitivity(...)}``), one line per model and atom.

    Curves are scaled to their maximum per model, since representations of
    different models live on different scales (sec. 4.5.3). With a
    ``distribution`` (from :func:`pair_distance_distribution`) a lower panel shows the training data.
    """
    rows = 2 if distribution is not None else 1
    figure = make_subplots(rows=rows, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3][:rows],
                           vertical_spacing=0.06)
    for label, frame in curves.items():
        scale = frame["sensitivity"].max() or 1.0
        key = "atom" if "atom" in frame else "element"  # molecule curves: by atom index; pair curves: by element
        for atom, group in frame.groupby(key, sort=False):
            name = f"{label}: {atom}" if frame[key].nunique() > 1 else label
            figure.add_trace(go.Scatter(x=group["distance"], y=group["sensitivity"] / scale, mode="lines", name=name),
                             row=1, col=1)
    figure.update_yaxes(title_text="‖∂x<sup>(T)</sup>/∂r<sub>ij</sub>‖ (scaled)", row=1, col=1)
    if distribution is not None:
        figure.add_trace(go.Bar(x=distribution["distance"], y=distribution["density"], name="training data",
                                marker_color="grey", opacity=0.6), row=2, col=1)
        figure.update_yaxes(title_text="pair density (1/Å)", row=2, col=1)
    figure.update_xaxes(title_text="r<sub>ij</sub> (Å)", row=rows, col=1)
    figure.update_layout(title=title or "Bond-breaking sensitivity", plot_bgcolor="white", bargap=0)
    return figure
