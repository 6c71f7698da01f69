"""3D view of a structure: atoms as shaded spheres, bonds, the unit cell, hover with element, index and E_i."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from ase.data import covalent_radii
from ase.data.colors import jmol_colors

from ..structures import Structure

__all__ = ["structure_figure", "structure_traces", "bonds", "element_color", "atom_at", "view_camera"]

#: Sphere radius as a fraction of the covalent radius (ball-and-stick look).
_BALL_SCALE = 0.45


def element_color(z: int) -> str:
    r, g, b = (np.asarray(jmol_colors[z]) * 255).astype(int)
    return f"rgb({r},{g},{b})"


def bonds(structure: Structure, tolerance: float = 1.2) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, closer than ``tolerance`` times the sum of covalent radii (no periodic images)."""
    radii = covalent_radii[structure.numbers]
    d = structure.distances()
    i, j = np.nonzero(np.triu(d < tolerance * (radii[:, None] + radii[None, :]), k=1))
    return np.stack([i, j], axis=1)


@lru_cache(maxsize=4)
def _unit_sphere(subdivisions: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """An icosphere: vertices on the unit sphere and triangle faces."""
    t = (1 + 5**0.5) / 2
    vertices = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t), (0, -1, -t), (0, 1, -t),
                (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
    faces = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4), (11, 10, 2),
             (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8), (3, 8, 9), (4, 9, 5), (2, 4, 11),
             (6, 2, 10), (8, 6, 7), (9, 8, 1)]
    verts = [np.array(v, dtype=float) / np.linalg.norm(v) for v in vertices]
    for _ in range(subdivisions):
        cache: dict[tuple[int, int], int] = {}

        def midpoint(a: int, b: int) -> int:
            key = (min(a, b), max(a, b))
            if key not in cache:
                m = verts[a] + verts[b]
                verts.append(m / np.linalg.norm(m))
                cache[key] = len(verts) - 1
            return cache[key]

        new_faces = []
        for a, b, c in faces:
            ab, bc, ca = midpoint(a, b), midpoint(b, c), midpoint(c, a)
            new_faces += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        faces = new_faces
    return np.array(verts), np.array(faces)


def structure_traces(
    structure: Structure,
    atom_values: np.ndarray | None = None,
    value_label: str = "E_i",
    colorscale: str = "RdBu_r",
    highlight: list[int] | None = None,
    opacity: float = 1.0,
) -> list[go.BaseTraceType]:
    """Traces for atoms (one shaded mesh that carries the hover), bonds and cell edges."""
    sphere, sphere_faces = _unit_sphere()
    radii = _BALL_SCALE * covalent_radii[structure.numbers].clip(min=0.3)
    centers = structure.positions
    vertices = (sphere[None] * radii[:, None, None] + centers[:, None]).reshape(-1, 3)
    faces = (sphere_faces[None] + (np.arange(len(structure)) * len(sphere))[:, None, None]).reshape(-1, 3)
    traces: list[go.BaseTraceType] = []
    text = [f"{s} {i}" + (f"<br>{value_label} = {v:.3f}" if atom_values is not None else "")
            for i, (s, v) in enumerate(zip(structure.symbols, atom_values if atom_values is not None else centers))]
    # The spheres carry the hover (each vertex its atom's text); a click reports the point, and atom_at finds the
    # atom. Each colouring has its own uid, so plotly redraws the mesh instead of patching one into the other.
    mesh = dict(x=vertices[:, 0], y=vertices[:, 1], z=vertices[:, 2], i=faces[:, 0], j=faces[:, 1], k=faces[:, 2],
                flatshading=False, lighting=dict(ambient=0.45, diffuse=0.8, specular=0.35, roughness=0.4),
                text=np.repeat(text, len(sphere)), hoverinfo="text", opacity=opacity, name="atoms",
                showlegend=False)
    if atom_values is not None:
        values = np.repeat(np.asarray(atom_values, dtype=float), len(sphere))
        traces.append(go.Mesh3d(**mesh, intensity=values, colorscale=colorscale, uid="atoms-by-value",
                                colorbar=dict(title=dict(text=value_label, side="right"), x=1.0, len=0.75, y=0.45),
                                showscale=True))
    else:
        colors = np.repeat([element_color(z) for z in structure.numbers], len(sphere))
        traces.append(go.Mesh3d(**mesh, vertexcolor=colors, uid="atoms-by-element"))
    if highlight:
        chosen = np.asarray(sorted(set(highlight)), dtype=int)
        halo = (sphere[None] * (radii[chosen] * 1.9)[:, None, None] + centers[chosen][:, None]).reshape(-1, 3)
        halo_faces = (sphere_faces[None] + (np.arange(len(chosen)) * len(sphere))[:, None, None]).reshape(-1, 3)
        traces.append(go.Mesh3d(x=halo[:, 0], y=halo[:, 1], z=halo[:, 2], i=halo_faces[:, 0], j=halo_faces[:, 1],
                                k=halo_faces[:, 2], color="gold", opacity=0.35, hoverinfo="skip", name="highlight",
                                showlegend=False))
    pairs = bonds(structure)
    if len(pairs):
        segments = np.full((3 * len(pairs), 3), np.nan)
        segments[0::3], segments[1::3] = centers[pairs[:, 0]], centers[pairs[:, 1]]
        traces.append(go.Scatter3d(x=segments[:, 0], y=segments[:, 1], z=segments[:, 2], mode="lines",
                                   line=dict(color="rgb(120,120,120)", width=6), hoverinfo="skip",
                                   name="bonds", showlegend=False))
    if structure.cell is not None and structure.is_periodic:
        a, b, c = structure.cell
        corners = [np.zeros(3), a, a + b, b, np.zeros(3), c, a + c, a + b + c, b + c, c]
        extra = [(a, a + c), (a + b, a + b + c), (b, b + c)]
        path = np.array(corners + [p for seg in extra for p in (*seg, np.full(3, np.nan))])
        traces.append(go.Scatter3d(x=path[:, 0], y=path[:, 1], z=path[:, 2], mode="lines",
                                   line=dict(color="black", width=3), hoverinfo="skip", name="cell",
                                   showlegend=False))
    return traces


def atom_at(structure: Structure, point: np.ndarray) -> int | None:
    """The atom whose drawn sphere holds ``point`` (a clicked point of the 3D view, Å), or ``None``.

    The spheres do not overlap, so the atom nearest the point is the one clicked, as long as the point lies within
    its sphere or its highlight halo (twice the radius).
    """
    distances = np.linalg.norm(structure.positions - np.asarray(point, dtype=float), axis=1)
    nearest = int(np.argmin(distances))
    radius = _BALL_SCALE * max(float(covalent_radii[structure.numbers[nearest]]), 0.3)
    return nearest if distances[nearest] <= 2.0 * radius else None


def view_camera(positions: np.ndarray, distance: float = 2.6) -> dict:
    """A plotly camera looking along the structure's smallest principal axis (rings face the viewer), its largest
    axis across the screen, from far enough (``distance``, in units of the scene box) to show it whole."""
    centred = np.asarray(positions, dtype=float) - np.mean(positions, axis=0)
    if len(centred) < 3 or not np.any(centred):
        return dict(eye=dict(x=distance / 3**0.5, y=distance / 3**0.5, z=distance / 3**0.5))
    _, axes = np.linalg.eigh(centred.T @ centred)  # ascending: axes[:, 0] has the least spread
    eye, up = axes[:, 0] * distance, axes[:, 1]
    return dict(eye=dict(x=eye[0], y=eye[1], z=eye[2]), up=dict(x=up[0], y=up[1], z=up[2]),
                center=dict(x=0, y=0, z=0))


def _scene_layout(title: str | None, positions: np.ndarray | None = None) -> dict:
    axis = dict(showbackground=False, showgrid=False, zeroline=False, showticklabels=False, title="")
    scene = dict(xaxis=axis, yaxis=axis, zaxis=axis, aspectmode="data")
    if positions is not None and len(positions):
        scene["camera"] = view_camera(positions)
    return dict(title=title, scene=scene, margin=dict(l=0, r=0, t=40 if title else 0, b=0), paper_bgcolor="white")


def structure_figure(
    structure: Structure,
    atom_values: np.ndarray | None = None,
    value_label: str = "E_i",
    title: str | None = None,
    highlight: list[int] | None = None,
) -> go.Figure:
    """A 3D figure of a structure, atoms coloured by element or by ``atom_values`` (e.g. E_i)."""
    figure = go.Figure(structure_traces(structure, atom_values, value_label, highlight=highlight))
    framed = structure.positions
    if structure.is_periodic and structure.cell is not None:  # the cell's corners are drawn too
        corners = np.array([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)]) @ structure.cell
        framed = np.vstack([framed, corners])
    figure.update_layout(**_scene_layout(title, framed))
    return figure
