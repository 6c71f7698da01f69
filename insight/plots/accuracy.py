"""Figures of accuracy views (Figs 3.4-3.7)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis.accuracy import IsomerRanking, LearningCurve

__all__ = ["errors_by_size_figure", "isomer_figure", "error_distribution_figure", "md_errors_figure",
           "learning_curve_figure"]


def errors_by_size_figure(per_size: pd.DataFrame, unit: str = "kcal/mol") -> go.Figure:
    """MAE per number of atoms with the number of test molecules of each size (Fig. 3.6)."""
    figure = go.Figure(go.Bar(x=per_size["n_atoms"], y=per_size["mae"], customdata=per_size["count"],
                              hovertemplate="%{x} atoms: MAE %{y:.3f} (%{customdata} molecules)<extra></extra>"))
    figure.update_layout(title="Error by molecule size", xaxis_title="number of atoms",
                         yaxis_title=f"MAE ({unit})", plot_bgcolor="white")
    return figure


def isomer_figure(ranking: IsomerRanking) -> go.Figure:
    """Predicted against reference energies of isomers, ordered by reference (Fig. 3.7)."""
    isomers, unit = ranking.table, ranking.unit
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=isomers.index, y=isomers["reference"], mode="markers", name="reference",
                                marker=dict(size=5)))
    figure.add_trace(go.Scatter(x=isomers.index, y=isomers["predicted"], mode="markers", name="predicted",
                                marker=dict(size=4, symbol="x")))
    figure.update_layout(
        title=f"{ranking.formula} isomers: MAE {ranking.mae:.2f} {unit}, Kendall τ {ranking.kendall_tau:.3f} "
              f"({ranking.n} isomers)",
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


def md_errors_figure(table: pd.DataFrame) -> go.Figure:
    """Energy and force test errors per molecule and training mode (Tables 5.3, 5.4), log scale."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=["energy MAE (kcal/mol)", "force MAE (kcal/mol/Å)"])
    for k, ((architecture, mode), rows) in enumerate(table.groupby(["architecture", "trained_on"], sort=False)):
        name = f"{'SchNet' if architecture == 'schnet' else 'DTNN'}, {mode}"
        for col, column in ((1, "energy_mae"), (2, "force_mae")):
            figure.add_trace(go.Bar(x=rows["molecule"], y=rows[column], name=name, legendgroup=name,
                                    showlegend=col == 1, marker_color=["#1f77b4", "#d62728", "#2ca02c"][k % 3]),
                             row=1, col=col)
    figure.update_yaxes(type="log")
    figure.update_layout(title="Held-out MD frames (GFN2-xTB), N = 1,000 training frames", barmode="group",
                         plot_bgcolor="white")
    return figure


def learning_curve_figure(curve: LearningCurve, reference: dict[str, tuple[float, float]] | None = None) -> go.Figure:
    """Test MAE against training-set size on log-log axes: the model, the sine-matrix baseline where fitted, and
    ``reference`` points (label -> (n_train, MAE)), e.g. the thesis' Table 4.3."""
    table = curve.table
    figure = go.Figure(go.Scatter(x=table["n_train"], y=table["test_mae"], mode="lines+markers", name="SchNet (ours)",
                                  text=table["model"], line=dict(color="#d62728"),
                                  hovertemplate="%{text}: N = %{x}, MAE %{y:.3f}<extra></extra>"))
    if "sine_matrix_mae" in table:
        figure.add_trace(go.Scatter(x=table["n_train"], y=table["sine_matrix_mae"], mode="lines+markers",
                                    name="sine matrix (KRR, ours)", line=dict(color="#1f77b4")))
    figure.add_trace(go.Scatter(x=table["n_train"], y=table["training_mean_mae"], mode="lines", name="training mean",
                                line=dict(color="grey", dash="dot")))
    symbols = ("diamond", "x", "cross", "star", "triangle-up")
    for k, (label, (n, mae)) in enumerate((reference or {}).items()):
        figure.add_trace(go.Scatter(x=[n], y=[mae], mode="markers", name=label,
                                    marker=dict(symbol=symbols[k % len(symbols)], size=11, color="black",
                                                line=dict(width=1, color="white"))))
    figure.update_layout(title=f"Learning curve on {curve.n_test} test structures",
                         xaxis=dict(title="training structures N", type="log"),
                         yaxis=dict(title=f"test MAE ({curve.unit})", type="log"), plot_bgcolor="white")
    return figure


def training_curves_figure(curves: pd.DataFrame, unit: str = "kcal/mol") -> go.Figure:
    """Validation MAE of training runs (``insight.zoo.training_curves``) against hours of training and against
    optimizer steps, side by side: runs that differ in cost per step compare differently on the two axes."""
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True,
                           subplot_titles=["against training time", "against optimizer steps"])
    palette = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")
    for k, (name, rows) in enumerate(curves.groupby("model", sort=False)):
        for col, x in ((1, "hours"), (2, "step")):
            figure.add_trace(go.Scatter(x=rows[x], y=rows["val_mae"], mode="lines", name=name, legendgroup=name,
                                        showlegend=col == 1, line=dict(color=palette[k % len(palette)])),
                             row=1, col=col)
    figure.update_xaxes(title_text="hours of training (one CPU core)", row=1, col=1)
    figure.update_xaxes(title_text="optimizer steps", type="log", row=1, col=2)
    figure.update_yaxes(title_text=f"validation MAE ({unit})", type="log", row=1, col=1)
    figure.update_yaxes(type="log", row=1, col=2)
    figure.update_layout(title="Training curves", plot_bgcolor="white")
    return figure
