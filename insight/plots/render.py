"""Publication-quality 3D renders with pyvista (VTK), off screen: smooth-shaded isosurfaces coloured by Ω, atoms as
lit spheres, bonds as tubes. The interactive view stays plotly's (the app, notebooks); these are for figures.

Needs the ``render`` extra (``pip install 'insight-dtnn-schnet[render]'``). Without a display, VTK renders through
EGL (Mesa's software rasteriser is enough).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from ase.data import covalent_radii
from ase.data.colors import jmol_colors

from ..analysis.potential import Isosurface
from ..errors import ArgumentError, require
from ..io import writable_path
from ..structures import Structure
from .structure import _BALL_SCALE, bonds, view_camera

__all__ = ["to_pyvista", "structure_plotter", "potential_plotter", "render_potential", "render_potential_grid",
           "render_structure"]


def _pyvista():
    if not os.environ.get("DISPLAY"):  # straight to EGL instead of failing on X first
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    return require("pyvista", "render", "Rendering with pyvista")


def to_pyvista(surface: Isosurface):
    """The surface as a ``pyvista.PolyData``, with ``Omega_<probe>`` as point data when it has values."""
    pv = _pyvista()
    faces = np.hstack([np.full((len(surface.faces), 1), 3), surface.faces]).astype(np.int64).ravel()
    mesh = pv.PolyData(np.asarray(surface.vertices, dtype=np.float64), faces)
    if surface.values is not None:
        mesh.point_data[f"Omega_{surface.probe}"] = np.asarray(surface.values, dtype=np.float64)
    return mesh


def _add_structure(plotter, structure: Structure, opacity: float = 1.0) -> None:
    pv = _pyvista()
    for z, center in zip(structure.numbers, structure.positions):
        radius = _BALL_SCALE * max(float(covalent_radii[z]), 0.3)
        plotter.add_mesh(pv.Sphere(radius=radius, center=center, theta_resolution=32, phi_resolution=32),
                         color=tuple(jmol_colors[z]), smooth_shading=True, specular=0.4, specular_power=20,
                         opacity=opacity)
    for i, j in bonds(structure):
        plotter.add_mesh(pv.Tube(pointa=structure.positions[i], pointb=structure.positions[j], radius=0.07,
                                 n_sides=20), color=(0.55, 0.55, 0.55), smooth_shading=True, opacity=opacity)


def _frame(plotter, points: np.ndarray) -> None:
    """Look along the smallest principal axis (as the plotly view does), the whole scene in the picture."""
    camera = view_camera(points)
    direction = np.array([camera["eye"][k] for k in "xyz"])
    center = points.mean(axis=0)
    extent = float(np.linalg.norm(points - center, axis=1).max())
    plotter.camera_position = [tuple(center + direction / np.linalg.norm(direction) * (4.0 * extent + 4.0)),
                               tuple(center), tuple(camera.get("up", {"x": 0, "y": 0, "z": 1})[k] for k in "xyz")]
    plotter.reset_camera_clipping_range()


def structure_plotter(structure: Structure, window_size: tuple[int, int] = (1600, 1200)):
    """An off-screen ``pyvista.Plotter`` with the structure drawn (add to it, then ``.screenshot(path)``)."""
    pv = _pyvista()
    plotter = pv.Plotter(off_screen=True, window_size=list(window_size))
    plotter.set_background("white")
    _add_structure(plotter, structure)
    _frame(plotter, structure.positions)
    return plotter


def potential_plotter(surface: Isosurface, structure: Structure | None = None,
                      window_size: tuple[int, int] = (1600, 1200), opacity: float = 0.75,
                      value_range: tuple[float, float] | None = None):
    """An off-screen plotter with the isosurface coloured by Ω (low blue, high red) around the structure."""
    if surface.values is None:
        raise ArgumentError("the surface has no potential values; use insight.potential_on_isosurface")
    pv = _pyvista()
    plotter = pv.Plotter(off_screen=True, window_size=list(window_size))
    plotter.set_background("white")
    if structure is not None:
        _add_structure(plotter, structure)
    _add_surface(plotter, surface, value_range, opacity, scalar_bar_args=dict(
        title=f"Omega_{surface.probe} ({surface.unit})", fmt="%.1f", vertical=True, title_font_size=28,
        label_font_size=22, color="black", position_x=0.84, position_y=0.15, height=0.7, width=0.06))
    _frame(plotter, surface.vertices)
    return plotter


def _add_surface(plotter, surface: Isosurface, value_range: tuple[float, float] | None = None,
                 opacity: float = 0.75, **options) -> None:
    """The surface, smooth-shaded, coloured by its Ω from blue (low) to red (high) over ``value_range``
    (default: its own range)."""
    plotter.add_mesh(to_pyvista(surface), scalars=f"Omega_{surface.probe}", cmap="RdBu_r", smooth_shading=True,
                     opacity=opacity, specular=0.2,
                     clim=value_range or (float(surface.values.min()), float(surface.values.max())), **options)


def render_potential(path: str | Path, surface: Isosurface, structure: Structure | None = None,
                     window_size: tuple[int, int] = (1600, 1200),
                     value_range: tuple[float, float] | None = None) -> Path:
    """A high-quality PNG of the potential on the isosurface (Figs 3.12, 3.14, 3.15, 4.10)."""
    return _screenshot(potential_plotter(surface, structure, window_size, value_range=value_range), path)


def render_structure(path: str | Path, structure: Structure, window_size: tuple[int, int] = (1600, 1200)) -> Path:
    """A high-quality PNG of the structure alone."""
    return _screenshot(structure_plotter(structure, window_size), path)


def _screenshot(plotter, path: str | Path) -> Path:
    try:
        path = writable_path(path)
        plotter.screenshot(str(path))
    finally:
        plotter.close()
    return path


def render_potential_grid(path: str | Path, surfaces: dict[tuple[str, str], Isosurface],
                          structures: dict[tuple[str, str], Structure] | None = None,
                          panel_size: tuple[int, int] = (560, 480), title: str | None = None) -> Path:
    """Isosurfaces in a grid as one PNG, ``{(row, column): surface}`` as :func:`~insight.plots.potential.
    isosurface_grid_figure` lays them out; each panel has its own colour range (blue low, red high), written
    under its label, as in the thesis. ``structures`` (same keys) draws the molecules inside."""
    pv = _pyvista()
    path = writable_path(path)
    rows = list(dict.fromkeys(r for r, _ in surfaces))
    columns = list(dict.fromkeys(c for _, c in surfaces))
    plotter = pv.Plotter(off_screen=True, shape=(len(rows), len(columns)), border=False,
                         window_size=[panel_size[0] * len(columns), panel_size[1] * len(rows)])
    plotter.set_background("white")
    try:
        for i, r in enumerate(rows):
            for j, c in enumerate(columns):
                surface = surfaces.get((r, c))
                if surface is None or surface.values is None:
                    continue
                plotter.subplot(i, j)
                if structures and structures.get((r, c)) is not None:
                    _add_structure(plotter, structures[(r, c)])
                low, high = float(surface.values.min()), float(surface.values.max())
                _add_surface(plotter, surface, show_scalar_bar=False)
                label = ", ".join(part for part in (r, c) if part)
                plotter.add_text(f"{label}\nOmega_{surface.probe} {low:.1f} to {high:.1f} {surface.unit}",
                                 position="upper_edge", font_size=11, color="black")
                _frame(plotter, surface.vertices)
        if title:
            plotter.subplot(0, 0)
            plotter.add_text(title, position="lower_left", font_size=9, color="gray")
        plotter.screenshot(str(path))
    finally:
        plotter.close()
    return path
