"""Local chemical potentials ``Omega_A(r)`` (thesis sec. 3.6.2, 4.5.2; Eqs 3.11-3.13, 4.15).

A probe atom of type A at r feels the structure; the structure does not feel
the probe. ``Omega_A(r)`` is the output network applied to the probe's final
representation: the energy contribution an atom of type A would have at r.
It is shown on the isosurface ``sum_i ||r - r_i||^-2 = c`` around molecules
(c = 3.8 Å^-2 in Figs 3.12-3.15) and on planar cuts through crystals (Fig. 4.9).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from ase.data import covalent_radii

from ..errors import ArgumentError, StructureError
from ..io import writable_path
from ..models.base import AtomisticModel
from ..structures import Structure, atomic_number, element_symbol
from ..thesis import ISOSURFACE_LEVEL
from ..units import BOHR

__all__ = [
    "ISOSURFACE_LEVEL",
    "RegionContrast",
    "hydrogen_saturation",
    "potential_separation",
    "saturation_contrast",
    "Isosurface",
    "PotentialGrid",
    "local_potential",
    "inverse_square_field",
    "isosurface",
    "potential_on_isosurface",
    "symmetry_deviation",
    "axis_rotation",
    "planar_cut",
    "potential_grid",
    "write_cube",
    "write_surface",
    "potential_roughness",
]

BOHR_PER_ANGSTROM = 1.0 / BOHR


@dataclass(frozen=True)
class Isosurface:
    """A triangulated surface, optionally with a value per vertex.

    Attributes
    ----------
    vertices
        ``(n_vertices, 3)`` in Å.
    faces
        ``(n_faces, 3)`` vertex indices.
    level
        The level ``c`` of ``sum_i |r - r_i|^-2 = c`` in Å^-2.
    values
        ``Omega_A`` at each vertex in ``unit``, or ``None``.
    probe
        The probe element A.
    """

    vertices: np.ndarray
    faces: np.ndarray
    level: float
    values: np.ndarray | None = None
    probe: str | None = None
    unit: str | None = None

    def to_pyvista(self):
        """The surface as a ``pyvista.PolyData`` (``Omega_<probe>`` as point data) for interactive notebook work;
        :mod:`insight.plots.render` draws publication renders from it. Needs the ``render`` extra."""
        from ..plots.render import to_pyvista

        return to_pyvista(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per vertex: ``x``, ``y``, ``z`` (Å) and, with values, ``omega`` (in ``unit``)."""
        frame = pd.DataFrame(self.vertices, columns=["x", "y", "z"])
        if self.values is not None:
            frame["omega"] = self.values
        return frame


@dataclass(frozen=True)
class PotentialGrid:
    """Values on a regular grid: point ``(i, j, k)`` sits at ``origin + i a + j b + k c`` for ``axes = [a, b, c]``.

    Attributes
    ----------
    origin
        ``(3,)`` in Å.
    axes
        ``(3, 3)`` step vectors in Å (rows); a planar cut has a zero third axis.
    values
        ``(n_a, n_b, n_c)`` in ``unit``.
    """

    origin: np.ndarray
    axes: np.ndarray
    values: np.ndarray
    probe: str
    unit: str

    def points(self) -> np.ndarray:
        """Cartesian coordinates of every grid point, ``values.shape + (3,)``."""
        return _grid_points(self.origin, self.axes, self.values.shape)

    def to_frame(self) -> pd.DataFrame:
        """One row per grid point: ``x``, ``y``, ``z`` (Å) and ``omega`` (in ``unit``)."""
        frame = pd.DataFrame(self.points().reshape(-1, 3), columns=["x", "y", "z"])
        frame["omega"] = self.values.ravel()
        return frame


def _grid_points(origin: np.ndarray, axes: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    index = np.indices(shape, dtype=np.float64)
    return origin + np.tensordot(np.moveaxis(index, 0, -1), axes[: index.shape[0]], axes=1)


def local_potential(
    model: AtomisticModel, structure: Structure, points: np.ndarray, probe: str | int = "H", tabulate: bool = True
) -> np.ndarray:
    """``Omega_A`` at arbitrary points.

    Parameters
    ----------
    model
        DTNN or SchNet.
    structure
        The molecule or crystal the probe feels.
    points
        ``(n_points, 3)`` positions in Å.
    probe
        Probe element A.
    tabulate
        Read the filters from the model's distance table (the default, as for :meth:`AtomisticModel.probe`);
        ``False`` evaluates the filter network for every probe-atom pair (about ten times slower, the same
        values to 1e-6).

    Returns
    -------
    numpy.ndarray
        ``(n_points,)`` in the model's energy unit (``model.energy_unit``).
    """
    try:
        points = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ArgumentError(f"points must be numbers, an array of shape (n_points, 3) in Å ({err})") from None
    if points.ndim != 2 or points.shape[1] != 3:
        raise ArgumentError(f"points must have shape (n_points, 3) in Å, got {points.shape}")
    with torch.no_grad():  # model.probe refuses NaN or infinite points
        return model.probe(structure, points, probe, tabulate=tabulate).cpu().numpy().astype(np.float64)


def inverse_square_field(structure: Structure, points: np.ndarray) -> np.ndarray:
    """``sum_i ||r - r_i||^-2`` in Å^-2 at each point (non-periodic), ``(n_points,)``."""
    points = torch.as_tensor(np.asarray(points, dtype=np.float64).reshape(-1, 3))
    atoms = torch.tensor(structure.positions)
    field = torch.empty(len(points), dtype=torch.float64)
    for start in range(0, len(points), 100_000):
        squared = torch.cdist(points[start : start + 100_000], atoms, compute_mode="donot_use_mm_for_euclid_dist") ** 2
        field[start : start + 100_000] = squared.clamp(min=1e-12).reciprocal().sum(dim=1)
    return field.numpy()


def isosurface(structure: Structure, level: float = ISOSURFACE_LEVEL, spacing: float = 0.08) -> Isosurface:
    """The surface ``sum_i ||r - r_i||^-2 = level`` around a molecule, by marching cubes (scikit-image).

    Parameters
    ----------
    level
        In Å^-2; larger values give a tighter surface (3.8 in the thesis).
    spacing
        Grid spacing in Å; 0.08 Å gives about 20,000 vertices for an 18-atom QM9 molecule.
    """
    from skimage.measure import marching_cubes

    if not level > 0:
        raise ArgumentError(f"the isosurface level must be positive (Å^-2), got {level}")
    # Everywhere farther than sqrt(n / level) from all atoms the field is below the level.
    margin = np.sqrt(len(structure) / level) + 2 * _checked_spacing(spacing)
    low = structure.positions.min(axis=0) - margin
    high = structure.positions.max(axis=0) + margin
    shape = _grid_shape(np.ceil((high - low) / spacing).astype(int) + 1, spacing)
    axes = [low[k] + spacing * np.arange(shape[k]) for k in range(3)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    field = inverse_square_field(structure, grid).reshape(shape)
    vertices, faces, _normals, _ = marching_cubes(field, level=level, spacing=(spacing,) * 3)
    return Isosurface(vertices=vertices + low, faces=faces.astype(np.int64), level=level)


def potential_on_isosurface(
    model: AtomisticModel,
    structure: Structure,
    probe: str | int = "H",
    level: float = ISOSURFACE_LEVEL,
    spacing: float = 0.08,
) -> Isosurface:
    """``Omega_A`` at the vertices of the isosurface (Figs 3.12-3.15, 4.10)."""
    if structure.is_periodic:
        raise StructureError("isosurfaces are for molecules; use planar_cut for crystals (Fig. 4.9)")
    surface = isosurface(structure, level, spacing)
    return replace(surface, values=local_potential(model, structure, surface.vertices, probe), probe=_symbol(probe),
                   unit=model.energy_unit)


def planar_cut(
    model: AtomisticModel,
    structure: Structure,
    probe: str | int = "C",
    origin: Sequence[float] | None = None,
    u: Sequence[float] | None = None,
    v: Sequence[float] | None = None,
    resolution: int = 100,
) -> PotentialGrid:
    """``Omega_A`` on the parallelogram ``origin + s u + t v`` for s, t in [0, 1] (Fig. 4.9).

    For a crystal the default plane spans the first two lattice vectors
    through the origin, so it contains the atoms of layered structures such as
    graphite; for a molecule it is the xy-plane through the centre, 8 Å wide.
    """
    positions = structure.positions
    if u is None or v is None:
        if structure.is_periodic:
            u, v = structure.cell[0], structure.cell[1]
        else:
            u, v = np.array([8.0, 0.0, 0.0]), np.array([0.0, 8.0, 0.0])
    u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
    if origin is None:
        origin = np.zeros(3) if structure.is_periodic else positions.mean(axis=0) - 0.5 * (u + v)
    if np.linalg.norm(np.cross(u, v)) < 1e-9:
        raise ArgumentError("u and v are parallel: they do not span a plane")
    if resolution < 2:
        raise ArgumentError("resolution must be at least 2 points per side")
    axes = np.stack([u / (resolution - 1), v / (resolution - 1), np.zeros(3)])
    origin = np.asarray(origin, dtype=np.float64)
    points = _grid_points(origin, axes, (resolution, resolution)).reshape(-1, 3)
    values = local_potential(model, structure, points, probe).reshape(resolution, resolution)
    return PotentialGrid(origin, axes, values, _symbol(probe), model.energy_unit)


def potential_grid(
    model: AtomisticModel, structure: Structure, probe: str | int = "H", spacing: float = 0.2, margin: float = 3.0
) -> PotentialGrid:
    """``Omega_A`` on a 3D box around a molecule (or on the unit cell of a crystal), e.g. for a cube file."""
    _checked_spacing(spacing)
    if structure.is_periodic:
        n = _grid_shape(np.maximum(np.ceil(np.linalg.norm(structure.cell, axis=1) / spacing).astype(int), 2), spacing)
        origin, axes = np.zeros(3), structure.cell / n[:, None]
    else:
        low = structure.positions.min(axis=0) - margin
        n = _grid_shape(np.ceil((structure.positions.max(axis=0) + margin - low) / spacing).astype(int) + 1, spacing)
        origin, axes = low, np.eye(3) * spacing
    points = _grid_points(origin, axes, tuple(n)).reshape(-1, 3)
    values = local_potential(model, structure, points, probe).reshape(tuple(n))
    return PotentialGrid(origin, axes, values, _symbol(probe), model.energy_unit)


def write_cube(path: str | Path, structure: Structure, grid: PotentialGrid) -> Path:
    """Write a 3D grid as a Gaussian cube file (coordinates in Bohr, as the format requires)."""
    if grid.values.ndim != 3:
        raise ArgumentError("a cube file needs a 3D grid (use potential_grid)")
    path = writable_path(path)
    origin = grid.origin * BOHR_PER_ANGSTROM
    lines = [
        f"insight local chemical potential Omega_{grid.probe} in {grid.unit}",
        f"probe {grid.probe}; values in {grid.unit}; lengths in Bohr",
        f"{len(structure):5d} {origin[0]:12.6f} {origin[1]:12.6f} {origin[2]:12.6f}",
    ]
    for n, axis in zip(grid.values.shape, grid.axes * BOHR_PER_ANGSTROM):
        lines.append(f"{n:5d} {axis[0]:12.6f} {axis[1]:12.6f} {axis[2]:12.6f}")
    for z, position in zip(structure.numbers, structure.positions * BOHR_PER_ANGSTROM):
        lines.append(f"{z:5d} {float(z):12.6f} {position[0]:12.6f} {position[1]:12.6f} {position[2]:12.6f}")
    values = grid.values.reshape(-1, grid.values.shape[2])
    body = []
    for row in values:  # the z index runs fastest, six values per line
        for start in range(0, len(row), 6):
            body.append(" ".join(f"{v:13.5e}" for v in row[start : start + 6]))
    path.write_text("\n".join(lines + body) + "\n")
    return path


def write_surface(path: str | Path, surface: Isosurface) -> Path:
    """Write an isosurface with its values as ``.vtk``, ``.vtu``, ``.ply`` or ``.obj`` (via meshio)."""
    import meshio

    path = writable_path(path)
    if path.suffix not in SURFACE_FORMATS:
        raise ArgumentError(f"cannot write {path.name}: surfaces are written as {', '.join(SURFACE_FORMATS)}; "
                            "choose one of these extensions")
    point_data = {} if surface.values is None else {f"Omega_{surface.probe}": surface.values.astype(np.float64)}
    mesh = meshio.Mesh(surface.vertices, [("triangle", surface.faces)], point_data=point_data)
    meshio.write(path, mesh, binary=False) if path.suffix in (".vtk", ".ply") else meshio.write(path, mesh)
    return path


SURFACE_FORMATS = (".vtk", ".vtu", ".ply", ".obj")

#: Largest grid (points) that :func:`isosurface` and :func:`potential_grid` lay out; raise it for huge boxes.
MAX_GRID_POINTS = 50_000_000


def _checked_spacing(spacing: float) -> float:
    if not spacing > 0:
        raise ArgumentError(f"the grid spacing must be a positive distance in Å (e.g. 0.1), got {spacing}")
    return spacing


def _grid_shape(shape: np.ndarray, spacing: float) -> np.ndarray:
    """The grid's points per axis, refused before allocation when it would exceed :data:`MAX_GRID_POINTS`."""
    total = float(np.prod(shape.astype(np.float64)))
    if total > MAX_GRID_POINTS:
        raise ArgumentError(f"a grid spacing of {spacing} Å gives {total:.3g} grid points, more than "
                            f"{MAX_GRID_POINTS:,}: use a larger spacing (or raise insight.analysis.potential."
                            "MAX_GRID_POINTS)")
    return shape


def _symbol(probe: str | int) -> str:
    return element_symbol(atomic_number(probe))


def potential_roughness(surface: Isosurface) -> float:
    """Mean change of ``Omega`` along the mesh edges of an isosurface, relative to its range.

    Sharp, patchy potentials (the T = 1 artefacts of Fig. 3.15) score high; smooth
    ones low. Independent of the energy scale, so models trained on different data compare.
    """
    if surface.values is None:
        raise ArgumentError("the surface has no potential values; use potential_on_isosurface")
    faces = surface.faces
    edges = np.unique(np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [0, 2]]]), axis=1), axis=0)
    values = surface.values
    spread = float(np.ptp(values)) or 1.0
    return float(np.mean(np.abs(values[edges[:, 0]] - values[edges[:, 1]])) / spread)


def potential_separation(surface: Isosurface) -> float:
    """How clearly ``Omega`` on a surface splits into a low and a high region (Fig. 3.15), from 0 to 1.

    The values are split at the threshold that maximises the variance between the two groups (Otsu's method, on
    the 1D values); the result is that between-group variance over the total variance. Two flat plateaus give 1,
    a uniform spread of values 0.75, a single bump with tails less. Independent of the energy scale.
    """
    if surface.values is None:
        raise ArgumentError("the surface has no potential values; use potential_on_isosurface")
    values = np.sort(np.asarray(surface.values, dtype=np.float64))
    total = values.var()
    if len(values) < 2 or not total > 0:
        return 0.0
    n = len(values)
    low_count = np.arange(1, n)
    low_mean = np.cumsum(values)[:-1] / low_count
    high_mean = (values.sum() - np.cumsum(values)[:-1]) / (n - low_count)
    between = low_count * (n - low_count) * (low_mean - high_mean) ** 2 / n**2
    return float(between.max() / total)


def symmetry_deviation(
    model: AtomisticModel, structure: Structure, surface: Isosurface, rotation: np.ndarray, center: np.ndarray
) -> float:
    """How much ``Omega`` on a surface changes under a symmetry operation of the molecule (Fig. 3.12's symmetries).

    The surface's vertices are rotated by ``rotation`` (3 x 3) about ``center`` (Å) and the probe is evaluated
    there; returns the largest change relative to the range of ``surface.values``. A model invariant to
    rotations gives round-off for a true symmetry of the molecule.
    """
    if surface.values is None or surface.probe is None:
        raise ArgumentError("the surface has no potential values; use potential_on_isosurface")
    rotation = np.asarray(rotation, dtype=np.float64)
    if rotation.shape != (3, 3) or not np.allclose(rotation @ rotation.T, np.eye(3), atol=1e-8):
        raise ArgumentError("rotation must be an orthogonal 3 x 3 matrix")
    moved = (surface.vertices - center) @ rotation.T + center
    values = local_potential(model, structure, moved, surface.probe)
    return float(np.max(np.abs(values - surface.values)) / (np.ptp(surface.values) or 1.0))


def hydrogen_saturation(structure: Structure, tolerance: float = 1.2) -> dict[int, str]:
    """The hydrogens bonded to a carbon, each ``"unsaturated"`` when that carbon has three bonded neighbours
    (aromatic or double-bonded, sp2) or ``"saturated"`` when it has four (sp3); bonded: closer than ``tolerance``
    times the sum of covalent radii. Other hydrogens are left out."""
    radii = covalent_radii[structure.numbers]
    bonded = structure.distances() < tolerance * (radii[:, None] + radii[None, :])
    np.fill_diagonal(bonded, False)
    kinds = {}
    for hydrogen in np.flatnonzero(structure.numbers == 1):
        carbons = [a for a in np.flatnonzero(bonded[hydrogen]) if structure.numbers[a] == 6]
        if len(carbons) == 1:
            degree = int(bonded[carbons[0]].sum())
            kinds[int(hydrogen)] = {3: "unsaturated", 4: "saturated"}.get(degree)
    return {h: kind for h, kind in kinds.items() if kind}


@dataclass(frozen=True)
class RegionContrast:
    """``Omega`` on the parts of isosurfaces nearest two kinds of atoms, and how far apart the two are.

    ``mean_a``, ``mean_b``, ``spread_a``, ``spread_b`` (sample standard deviations) in ``unit``; ``n_a``, ``n_b``
    vertices; ``effect_size``: Cohen's d, ``(mean_a - mean_b)`` over the pooled standard deviation.
    """

    mean_a: float
    mean_b: float
    spread_a: float
    spread_b: float
    n_a: int
    n_b: int
    effect_size: float
    unit: str | None


def saturation_contrast(surfaces: Sequence[tuple[Structure, Isosurface]]) -> RegionContrast:
    """``Omega`` near hydrogens on unsaturated carbons (a: aromatic, sp2) against those on saturated carbons (b:
    sp3), pooled over molecules: each vertex belongs to its nearest atom (Fig. 3.12's saturation and
    aromaticity, made measurable)."""
    regions = {"unsaturated": [], "saturated": []}
    unit = None
    for structure, surface in surfaces:
        if surface.values is None:
            raise ArgumentError("the surfaces need potential values; use potential_on_isosurface")
        unit = surface.unit
        nearest = np.argmin(np.linalg.norm(surface.vertices[:, None] - structure.positions[None], axis=-1), axis=1)
        for hydrogen, kind in hydrogen_saturation(structure).items():
            regions[kind].append(surface.values[nearest == hydrogen])
    a, b = (np.concatenate(regions[k]) if regions[k] else np.zeros(0) for k in ("unsaturated", "saturated"))
    if len(a) < 2 or len(b) < 2:
        raise ArgumentError("the molecules need hydrogens on both unsaturated and saturated carbons")
    pooled = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    return RegionContrast(float(a.mean()), float(b.mean()), float(a.std(ddof=1)), float(b.std(ddof=1)), len(a),
                          len(b), float((a.mean() - b.mean()) / pooled) if pooled > 0 else 0.0, unit)


def axis_rotation(axis: Sequence[float], angle: float) -> np.ndarray:
    """The 3 x 3 rotation by ``angle`` (radians) about ``axis`` (Rodrigues' formula)."""
    axis = np.asarray(axis, dtype=np.float64)
    axis = axis / np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k
