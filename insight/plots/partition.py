"""Figures of energy partitioning (Figs 3.9-3.11, 4.8, B.1-B.3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis.ensemble import EnsemblePrediction
from ..analysis.partition import AtomwiseEnergies, Contributions
from ..structures import Structure
from .structure import structure_figure

__all__ = ["contributions_figure", "distributions_figure", "model_scatter_figure", "spread_figure"]


def contributions_figure(structure: Structure, atomwise: AtomwiseEnergies, title: str | None = None) -> go.Figure:
    """The structure with atoms coloured by ``E_i`` (from :func:`~insight.analysis.partition.atomwise_energies`)."""
    unit = atomwise.unit
    title = title or f"{structure.formula}: E = {atomwise.energy:.2f} {unit}"
    return structure_figure(structure, atomwise.table["E_i"].to_numpy(), value_label=f"E_i ({unit})", title=title)


def distributions_figure(
    contributions: Contributions,
    elements: list[str] | None = None,
    marks: AtomwiseEnergies | None = None,
    bins: int = 120,
) -> go.Figure:
    """Histograms of ``E_i`` per element (one panel each), models overlaid (Figs 3.9, 4.8).

    ``marks`` (e.g. one molecule's :func:`atomwise_energies`) draws its atoms as vertical lines.
    """
    unit = contributions.unit
    table = contributions.table
    elements = elements or list(dict.fromkeys(table["element"]))
    models = contributions.models
    figure = make_subplots(rows=len(elements), cols=1, subplot_titles=elements, vertical_spacing=0.08)
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
    for row, element in enumerate(elements, start=1):
        values = table[table["element"] == element]
        if values.empty:
            continue
        edges = np.histogram_bin_edges(values["E_i"], bins=bins)
        for k, model in enumerate(models):
            mine = values.loc[values["model"] == model, "E_i"].to_numpy()
            counts, _ = np.histogram(mine, bins=edges, density=True)
            figure.add_trace(go.Scatter(x=0.5 * (edges[1:] + edges[:-1]), y=counts, mode="lines", line_shape="hvh",
                                        name=model, legendgroup=model, showlegend=row == 1,
                                        line=dict(color=palette[k % len(palette)], width=2)), row=row, col=1)
        if marks is not None:
            for _, atom in marks.table[marks.table["element"] == element].iterrows():
                figure.add_vline(x=atom["E_i"], line=dict(color="black", dash="dot", width=1), row=row, col=1)
        figure.update_xaxes(title_text=f"E_i ({unit})", row=row, col=1)
        figure.update_yaxes(title_text="density", row=row, col=1)
    figure.update_layout(height=260 * len(elements), title="Atom-wise energy contributions", plot_bgcolor="white")
    return figure


def model_scatter_figure(comparison: pd.DataFrame, unit: str = "") -> go.Figure:
    """``E_i`` under one model against another, coloured by element (Figs B.1-B.3)."""
    a, b = comparison.columns[-2], comparison.columns[-1]
    figure = go.Figure()
    for element, group in comparison.groupby("element", sort=False):
        figure.add_trace(go.Scattergl(x=group[a], y=group[b], mode="markers", name=element,
                                      marker=dict(size=3, opacity=0.5)))
    low = float(min(comparison[a].min(), comparison[b].min()))
    high = float(max(comparison[a].max(), comparison[b].max()))
    figure.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", line=dict(color="grey", dash="dash"),
                                name="identity"))
    figure.update_layout(xaxis_title=f"{a.removeprefix('E_i_')} E_i ({unit})",
                         yaxis_title=f"{b.removeprefix('E_i_')} E_i ({unit})", plot_bgcolor="white",
                         title="Atom-wise contributions of two models")
    return figure


def spread_figure(predictions: dict[str, EnsemblePrediction], title: str | None = None) -> go.Figure:
    """Per structure, the spread of the total energy against the root-mean-square spread of its ``E_i``, one
    trace per ensemble (Fig. 3.9's reading: repetitions agree on the totals, not on the parts). Log axes;
    points above the diagonal are structures whose atoms disagree more than their sum."""
    figure = go.Figure()
    unit = next(iter(predictions.values())).unit if predictions else ""
    values = []
    for label, prediction in predictions.items():
        per_atom = prediction.rms_contribution_spread
        values += [prediction.energy_spread, per_atom]
        figure.add_trace(go.Scatter(x=prediction.energy_spread, y=per_atom, mode="markers", name=label,
                                    marker={"size": 5, "opacity": 0.6},
                                    hovertemplate=f"spread of E %{{x:.3g}} {unit}<br>RMS spread of E_i %{{y:.3g}} "
                                                  f"{unit}<extra>{label}</extra>"))
    positive = np.concatenate(values) if values else np.array([1.0])
    positive = positive[positive > 0]
    low, high = (float(positive.min()), float(positive.max())) if len(positive) else (1e-3, 1.0)
    figure.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="equal spread",
                                line={"dash": "dot", "color": "grey"}))
    figure.update_xaxes(type="log", title=f"spread of the total energy ({unit})")
    figure.update_yaxes(type="log", title=f"RMS spread of the E_i ({unit})")
    figure.update_layout(title=title or "Spread across repetitions: totals against atom-wise energies",
                         template="plotly_white")
    return figure
