"""Figures of walk relevances (GNN-LRP): the top walks as paths through the 3D molecule, and the 2-body map."""

from __future__ import annotations

import itertools

import numpy as np
import plotly.graph_objects as go

from ..analysis.relevance import WalkRelevance
from ..structures import Structure
from .structure import _scene_layout, structure_traces

__all__ = ["pair_relevance_figure", "walk_labels", "walk_traces", "walks_figure"]

#: Positive relevance (raises the energy) red, negative blue, as in the E_i colour scale.
_POSITIVE, _NEGATIVE = "rgb(200,30,30)", "rgb(30,80,200)"


def _path(positions: np.ndarray, walk, rank: int) -> np.ndarray:
    """Points of a walk's path: its atoms with repeated stays dropped, nudged sideways by rank so that walks over
    the same atoms stay apart."""
    atoms = [atom for atom, _ in itertools.groupby(int(a) for a in walk)]
    nudge = 0.06 * (rank % 5 - 2)
    return positions[atoms].astype(float) + nudge * np.array([0.58, 0.58, 0.58])


def walk_traces(structure: Structure, walks, relevance, labels) -> list[go.Scatter3d]:
    """Traces of walks (atom index sequences, most relevant first) to add to a 3D view of ``structure``: a line
    from the source atom to the atom whose ``E_i`` the walk feeds (a diamond), red where it raises the energy and
    blue where it lowers it, its width proportional to ``|relevance|``; a walk that never leaves its atom is a
    ring around it. ``labels`` are the legend and hover texts."""
    traces = []
    relevance = np.asarray(relevance, dtype=float)
    largest = float(np.abs(relevance).max()) if len(relevance) else 0.0
    for rank, (walk, value, label) in enumerate(zip(walks, relevance, labels)):
        color = _POSITIVE if value >= 0 else _NEGATIVE
        width = 2.0 + 10.0 * abs(value) / largest if largest else 2.0
        points = _path(structure.positions, walk, rank)
        if len(points) == 1:
            traces.append(go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2], mode="markers",
                                       marker=dict(symbol="circle-open", size=6 + 2 * width, color=color,
                                                   line=dict(width=3, color=color)),
                                       name=label, hovertext=label, hoverinfo="text"))
            continue
        traces.append(go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2], mode="lines+markers",
                                   line=dict(color=color, width=width),
                                   marker=dict(size=[3] * (len(points) - 1) + [7], color=color,
                                               symbol=["circle"] * (len(points) - 1) + ["diamond"]),
                                   name=label, hovertext=label, hoverinfo="text"))
    return traces


def walk_labels(result: WalkRelevance, count: int) -> list[str]:
    """``"#1 C0 → H3: +0.421 kcal/mol"`` for the first ``count`` walks."""
    return [f"#{rank + 1} {result.label(walk)}: {value:+.3f} {result.unit}"
            for rank, (walk, value) in enumerate(zip(result.walks[:count], result.relevance[:count]))]


def walks_figure(result: WalkRelevance, count: int = 10, title: str | None = None) -> go.Figure:
    """The ``count`` most relevant walks drawn as paths through the molecule (3D; see :func:`walk_traces`), the
    atoms coloured by the relevance of the walks that start there. Hover a walk for its atoms and relevance."""
    structure = result.structure
    shown = min(count, len(result.walks))
    traces = structure_traces(structure, result.by_start, value_label=f"from atom ({result.unit})", opacity=0.55)
    traces += walk_traces(structure, result.walks[:shown], result.relevance[:shown], walk_labels(result, shown))
    target = "E" if result.output == "energy" else f"E_{result.output}"
    title = title or (f"{structure.formula}: top {shown} of {result.n_walks:,} walks behind {target} "
                      f"({result.model})")
    figure = go.Figure(traces)
    figure.update_layout(**_scene_layout(title, structure.positions))
    figure.update_layout(legend=dict(x=0.0, y=1.0, bgcolor="rgba(255,255,255,0.7)", font=dict(size=11)),
                         showlegend=True)
    return figure


def pair_relevance_figure(result: WalkRelevance, title: str | None = None) -> go.Figure:
    """The 2-body relevances as a symmetric atom-by-atom map, the 1-body (own) relevances on the diagonal."""
    matrix = np.diag(result.own.astype(float))
    a, b = result.pairs["a"].to_numpy(), result.pairs["b"].to_numpy()
    matrix[a, b] = matrix[b, a] = result.pairs["relevance"].to_numpy()
    labels = [f"{s}{i}" for i, s in enumerate(result.structure.symbols)]
    bound = float(np.abs(matrix).max()) or 1.0
    figure = go.Figure(go.Heatmap(z=matrix, x=labels, y=labels, colorscale="RdBu_r", zmin=-bound, zmax=bound,
                                  colorbar=dict(title=dict(text=f"relevance ({result.unit})", side="right")),
                                  hovertemplate="%{y} – %{x}: %{z:.4f}<extra></extra>"))
    orders = ", ".join(f"{k}-body {v:+.2f}" for k, v in result.body_orders.items())
    title = title or (f"{result.structure.formula}: 2-body relevance, 1-body on the diagonal<br>"
                      f"<sup>all walks by body order: {orders} {result.unit}</sup>")
    figure.update_layout(title=title,
                         yaxis=dict(autorange="reversed", scaleanchor="x"), xaxis=dict(side="bottom"),
                         width=None, height=None, margin=dict(l=60, r=20, t=60, b=60), paper_bgcolor="white")
    return figure
