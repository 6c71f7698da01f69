"""Figures of local chemical potentials: isosurfaces (Figs 3.12-3.15) and planar cuts (Fig. 4.9)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis.potential import Isosurface, PotentialGrid
from ..errors import ArgumentError
from ..neighbors import _shift_range
from ..structures import Structure
from .structure import _scene_layout, structure_traces

__all__ = ["atoms_in_plane", "isosurface_figure", "isosurface_grid_figure", "isosurface_title", "planar_cut_figure",
           "planar_cuts_figure", "potential_hover", "potential_label"]


def isosurface_figure(
    surface: Isosurface, structure: Structure | None = None, title: str | None = None, colorscale: str = "RdBu_r",
    value_range: tuple[float, float] | None = None,
) -> go.Figure:
    """The isosurface coloured by ``Omega_A`` (low: blue, high: red), with the structure inside."""
    if surface.values is None:
        raise ArgumentError("the surface has no potential values; use potential_on_isosurface")
    v, f = surface.vertices, surface.faces
    low, high = value_range or (float(np.min(surface.values)), float(np.max(surface.values)))
    label = potential_label(surface)
    traces = [] if structure is None else structure_traces(structure)
    traces.append(go.Mesh3d(
        x=v[:, 0], y=v[:, 1], z=v[:, 2], i=f[:, 0], j=f[:, 1], k=f[:, 2], intensity=surface.values,
        cmin=low, cmax=high, colorscale=colorscale, colorbar=dict(title=label), opacity=0.85, name="potential",
        hovertemplate=potential_hover(surface), lighting=dict(ambient=0.6, diffuse=0.6, specular=0.1),
    ))
    figure = go.Figure(traces)
    figure.update_layout(**_scene_layout(title or isosurface_title(surface), v))
    return figure


def potential_label(surface: Isosurface) -> str:
    """Colour-bar title of a potential, e.g. ``Ω_H (kcal/mol)``."""
    return f"Ω<sub>{surface.probe}</sub> ({surface.unit})"


def potential_hover(surface: Isosurface) -> str:
    """Hover text of a surface point: the value with its unit and probe, and what it means."""
    return (f"Ω<sub>{surface.probe}</sub> = %{{intensity:.2f}} {surface.unit}<br>energy change for a {surface.probe} "
            "probe atom here<br>(lower: more favourable)<extra></extra>")


def isosurface_title(surface: Isosurface) -> str:
    return f"Local chemical potential, {surface.probe} probe, isosurface Σ|r−r_i|⁻² = {surface.level} Å⁻²"


def atoms_in_plane(structure: Structure, grid: PotentialGrid, tolerance: float = 0.3) -> tuple[np.ndarray, list[str]]:
    """In-plane coordinates ``(n, 2)`` (in the frame of :func:`planar_cut_figure`) and symbols of the atoms,
    periodic images included, that lie within ``tolerance`` Å of a planar cut."""

    n_u, n_v = grid.values.shape
    u, v = grid.axes[0] * (n_u - 1), grid.axes[1] * (n_v - 1)
    e1, e2 = _plane_frame(grid)
    normal = np.cross(e1, e2)
    positions, symbols = structure.positions, list(structure.symbols)
    if structure.is_periodic:
        reach = np.linalg.norm(u) + np.linalg.norm(v) + np.linalg.norm(grid.origin - positions.mean(axis=0))
        shifts = _shift_range(structure.cell, structure.pbc, reach) @ structure.cell
        positions = (positions[None, :, :] + shifts[:, None, :]).reshape(-1, 3)
        symbols = symbols * len(shifts)
    relative = positions - grid.origin
    # In-plane coefficients s, t with relative = s u + t v + w n.
    coefficients = np.linalg.solve(np.stack([u, v, normal], axis=1), relative.T).T
    inside = ((coefficients[:, 0] > -1e-6) & (coefficients[:, 0] < 1 + 1e-6) & (coefficients[:, 1] > -1e-6)
              & (coefficients[:, 1] < 1 + 1e-6) & (np.abs(coefficients[:, 2]) < tolerance))
    planar = relative[inside]
    return np.stack([planar @ e1, planar @ e2], axis=1), [symbols[k] for k in np.flatnonzero(inside)]


def _plane_frame(grid: PotentialGrid) -> tuple[np.ndarray, np.ndarray]:
    e1 = grid.axes[0] / np.linalg.norm(grid.axes[0])
    e2 = grid.axes[1] - (grid.axes[1] @ e1) * e1
    return e1, e2 / np.linalg.norm(e2)


def _cut_trace(grid: PotentialGrid, colorscale: str, zmin: float | None = None, zmax: float | None = None,
               showscale: bool = True) -> go.BaseTraceType:
    n_u, n_v = grid.values.shape
    e1, e2 = _plane_frame(grid)
    label = f"Ω<sub>{grid.probe}</sub> ({grid.unit})"
    common = dict(colorscale=colorscale, zmin=zmin, zmax=zmax, showscale=showscale, colorbar=dict(title=label))
    if abs(grid.axes[1] @ e1) < 1e-9:
        return go.Heatmap(x=np.linalg.norm(grid.axes[0]) * np.arange(n_u),
                          y=np.linalg.norm(grid.axes[1]) * np.arange(n_v), z=grid.values.T, **common)
    # Oblique lattices: scattered points in an orthonormal frame of the plane, so the cut is not sheared.
    points = grid.points() - grid.origin
    return go.Contour(x=(points @ e1).ravel(), y=(points @ e2).ravel(), z=grid.values.ravel(),
                      contours=dict(coloring="heatmap", showlines=False), ncontours=40, **common)


def _atom_trace(structure: Structure, grid: PotentialGrid) -> go.Scatter:
    planar, symbols = atoms_in_plane(structure, grid)
    return go.Scatter(x=planar[:, 0], y=planar[:, 1], mode="markers", text=symbols, showlegend=False,
                      marker=dict(size=7, color="black", symbol="circle-open", line=dict(width=2)),
                      hovertemplate="%{text} nucleus in the plane<extra></extra>")


def planar_cut_figure(grid: PotentialGrid, title: str | None = None, colorscale: str = "RdBu_r",
                      structure: Structure | None = None) -> go.Figure:
    """A planar cut as a heat map over the in-plane coordinates (Å); with ``structure``, the nuclei in the
    plane are marked."""
    if grid.values.ndim != 2:
        raise ArgumentError("a planar cut has a 2D grid (use planar_cut)")
    figure = go.Figure(_cut_trace(grid, colorscale))
    if structure is not None:
        figure.add_trace(_atom_trace(structure, grid))
    figure.update_layout(title=title or f"Local chemical potential, {grid.probe} probe, planar cut",
                         xaxis_title="in-plane position (Å)", yaxis_title="in-plane position (Å)",
                         yaxis=dict(scaleanchor="x"), plot_bgcolor="white")
    return figure


def planar_cuts_figure(grids: dict[str, PotentialGrid], structures: dict[str, Structure] | None = None,
                       title: str | None = None, colorscale: str = "RdBu_r") -> go.Figure:
    """Several planar cuts side by side on one colour scale (Fig. 4.9: graphite and diamond)."""

    names = list(grids)
    low = min(float(g.values.min()) for g in grids.values())
    high = max(float(g.values.max()) for g in grids.values())
    figure = make_subplots(rows=1, cols=len(names), subplot_titles=names, horizontal_spacing=0.08)
    for k, name in enumerate(names, start=1):
        figure.add_trace(_cut_trace(grids[name], colorscale, low, high, showscale=k == 1), row=1, col=k)
        if structures and name in structures:
            figure.add_trace(_atom_trace(structures[name], grids[name]), row=1, col=k)
        figure.update_xaxes(title_text="in-plane position (Å)", row=1, col=k)
        figure.update_yaxes(title_text="in-plane position (Å)" if k == 1 else None,
                            scaleanchor=f"x{k if k > 1 else ''}", row=1, col=k)
    probe = next(iter(grids.values())).probe
    figure.update_layout(title=title or f"Local chemical potentials Ω<sub>{probe}</sub>, planar cuts",
                         plot_bgcolor="white")
    return figure


def isosurface_grid_figure(surfaces: dict[tuple[str, str], Isosurface], title: str | None = None,
                           colorscale: str = "RdBu_r") -> go.Figure:
    """Isosurfaces in a grid, ``{(row, column): surface}`` (Fig. 3.15: training data by rows, T by columns);
    each surface has its own colour range (written under its title), as in the thesis. An empty row label
    leaves the titles to the column labels."""

    rows = list(dict.fromkeys(r for r, _ in surfaces))
    columns = list(dict.fromkeys(c for _, c in surfaces))
    titles = []
    for r in rows:
        for c in columns:
            s = surfaces.get((r, c))
            label = ", ".join(part for part in (r, c) if part)
            titles.append(f"{label}<br>{np.min(s.values):.1f} to {np.max(s.values):.1f} {s.unit}" if s else "")
    figure = make_subplots(rows=len(rows), cols=len(columns), specs=[[{"type": "scene"}] * len(columns)] * len(rows),
                           subplot_titles=titles, horizontal_spacing=0.01, vertical_spacing=0.06)
    for i, r in enumerate(rows, start=1):
        for j, c in enumerate(columns, start=1):
            s = surfaces.get((r, c))
            if s is None:
                continue
            v, f = s.vertices, s.faces
            figure.add_trace(go.Mesh3d(x=v[:, 0], y=v[:, 1], z=v[:, 2], i=f[:, 0], j=f[:, 1], k=f[:, 2],
                                       intensity=s.values, colorscale=colorscale, showscale=False, name="potential",
                                       lighting=dict(ambient=0.6, diffuse=0.6, specular=0.1)), row=i, col=j)
    axis = dict(visible=False)
    figure.update_scenes(xaxis=axis, yaxis=axis, zaxis=axis, aspectmode="data", camera=dict(eye=dict(x=0, y=0, z=2.1)))
    figure.update_layout(title=title or "Local chemical potentials on isosurfaces", margin=dict(l=0, r=0, t=110, b=0))
    return figure
