"""Figures of accuracy views (Figs 3.4-3.7)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = ["errors_by_size_figure", "isomer_figure", "error_distribution_figure"]


def errors_by_size_figure(per_size: pd.DataFrame, unit: str = "kcal/mol") -> go.Figure:
    """MAE per number of atoms with the number of test molecules of each size (Fig. 3.6)."""
    figure = go.Figure(go.Bar(x=per_size["n_atoms"], y=per_size["mae"], customdata=per_size["count"],
                              hovertemplate="%{x} atoms: MAE %{y:.3f} (%{customdata} molecules)<extra></extra>"))
    figure.update_layout(title="Error by molecule size", xaxis_title="number of atoms",
                         yaxis_title=f"MAE ({unit})", plot_bgcolor="white")
    return figure


def isomer_figure(isomers: pd.DataFrame, metrics: dict, unit: str = "kcal/mol", formula: str = "") -> go.Figure:
    """Predicted against reference energies of isomers, ordered by reference (Fig. 3.7)."""
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=isomers.index, y=isomers["reference"], mode="markers", name="reference",
                                marker=dict(size=5)))
    figure.add_trace(go.Scatter(x=isomers.index, y=isomers["predicted"], mode="markers", name="predicted",
                                marker=dict(size=4, symbol="x")))
    figure.update_layout(
        title=f"{formula} isomers: MAE {metrics['mae']:.2f} {unit}, Kendall τ {metrics['kendall_tau']:.3f} "
              f"({metrics['n']} isomers)",
        xaxis_title="isomers ordered by reference energy", yaxis_title=f"energy ({unit})", plot_bgcolor="white")
    return figure


def error_distribution_figure(distribution: pd.DataFrame, unit: str = "eV/atom", log_x: bool = True) -> go.Figure:
    """Percentage of test structures predicted better than a given absolute error, per model (Fig. 4.7)."""
    figure = go.Figure()
    for name, rows in distribution.groupby("model", sort=False):
        rows = rows[rows["threshold"] > 0] if log_x else rows
        figure.add_trace(go.Scatter(x=rows["threshold"], y=rows["percent_below"], mode="lines", name=name,
                                    line=dict(width=3)))
    figure.update_layout(title="Distribution of absolute test errors", xaxis_title=f"absolute error ({unit})",
                         yaxis_title="% of test structures below", xaxis_type="log" if log_x else "linear",
                         yaxis_range=[0, 100], plot_bgcolor="white")
    return figure
