"""Figures of local chemical potentials: isosurfaces (Figs 3.12-3.15) and planar cuts (Fig. 4.9)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..analysis.potential import Isosurface, PotentialGrid
from ..structures import Structure
from .structure import _scene_layout, structure_traces

__all__ = ["isosurface_figure", "isosurface_title", "planar_cut_figure", "potential_label"]


def isosurface_figure(
    surface: Isosurface, structure: Structure | None = None, title: str | None = None, colorscale: str = "RdBu_r",
    value_range: tuple[float, float] | None = None,
) -> go.Figure:
    """The isosurface coloured by ``Omega_A`` (low: blue, high: red), with the structure inside."""
    if surface.values is None:
        raise ValueError("the surface has no potential values; use potential_on_isosurface")
    v, f = surface.vertices, surface.faces
    low, high = value_range or (float(np.min(surface.values)), float(np.max(surface.values)))
    label = potential_label(surface)
    traces = [] if structure is None else structure_traces(structure)
    traces.append(go.Mesh3d(
        x=v[:, 0], y=v[:, 1], z=v[:, 2], i=f[:, 0], j=f[:, 1], k=f[:, 2], intensity=surface.values,
        cmin=low, cmax=high, colorscale=colorscale, colorbar=dict(title=label), opacity=0.85, name="potential",
        hovertemplate="Ω = %{intensity:.2f}<extra></extra>", lighting=dict(ambient=0.6, diffuse=0.6, specular=0.1),
    ))
    figure = go.Figure(traces)
    figure.update_layout(**_scene_layout(title or isosurface_title(surface)))
    return figure


def potential_label(surface: Isosurface) -> str:
    """Colour-bar title of a potential, e.g. ``Ω_H (kcal/mol)``."""
    return f"Ω<sub>{surface.probe}</sub> ({surface.unit})"


def isosurface_title(surface: Isosurface) -> str:
    return f"Local chemical potential, {surface.probe} probe, isosurface Σ|r−r_i|⁻² = {surface.level} Å⁻²"


def planar_cut_figure(grid: PotentialGrid, title: str | None = None, colorscale: str = "RdBu_r") -> go.Figure:
    """A planar cut as a heat map over the in-plane coordinates (Å)."""
    if grid.values.ndim != 2:
        raise ValueError("a planar cut has a 2D grid (use planar_cut)")
    n_u, n_v = grid.values.shape
    u_len = np.linalg.norm(grid.axes[0]) * np.arange(n_u)
    v_axis = grid.axes[1]
    # Express the cut in an orthonormal frame of the plane so that oblique lattices look right.
    e1 = grid.axes[0] / np.linalg.norm(grid.axes[0])
    e2 = v_axis - (v_axis @ e1) * e1
    e2 /= np.linalg.norm(e2)
    points = grid.points() - grid.origin
    x, y = points @ e1, points @ e2
    label = f"Ω<sub>{grid.probe}</sub> ({grid.unit})"
    if abs(v_axis @ e1) < 1e-9:
        trace = go.Heatmap(x=u_len, y=np.linalg.norm(v_axis) * np.arange(n_v), z=grid.values.T,
                           colorscale=colorscale, colorbar=dict(title=label))
    else:
        trace = go.Contour(x=x.ravel(), y=y.ravel(), z=grid.values.ravel(), colorscale=colorscale,
                           colorbar=dict(title=label), contours=dict(coloring="heatmap", showlines=False),
                           ncontours=40)
    figure = go.Figure(trace)
    figure.update_layout(title=title or f"Local chemical potential, {grid.probe} probe, planar cut",
                         xaxis_title="in-plane position (Å)", yaxis_title="in-plane position (Å)",
                         yaxis=dict(scaleanchor="x"), plot_bgcolor="white")
    return figure
