"""Cuts through the continuous filters of each interaction block (thesis Figs 4.4, 4.5).

A SchNet filter ``W^(t)(r)`` is radial for a molecule. In a crystal the atoms
of all periodic images are folded into one filter (Eq. 4.14):
``W~(r) = sum_b W(||r + R_b||)`` over lattice vectors ``R_b``, a superposition
of radial filters on the lattice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..errors import ArgumentError
from ..models.base import AtomisticModel
from ..neighbors import _shift_range
from ..structures import Structure

__all__ = ["FilterCuts", "filter_cuts", "radial_filters", "block_similarity", "n_filter_blocks"]


@dataclass(frozen=True)
class FilterCuts:
    """Filter values on a square cut through the origin.

    Attributes
    ----------
    coordinates
        ``(n,)`` positions along both in-plane axes, in Å.
    values
        ``(n_blocks, n_filters, n, n)``; ``values[t, f, i, j]`` is filter ``f`` of block
        ``t`` at in-plane position ``(coordinates[j], coordinates[i])``.
    periodic
        Whether the filters were summed over the lattice of ``structure``.
    """

    coordinates: np.ndarray
    values: np.ndarray
    periodic: bool
    label: str = ""


def radial_filters(model: AtomisticModel, distances: np.ndarray) -> np.ndarray:
    """Filters of every block as functions of distance, ``(n_blocks, len(distances), n_filters)``."""
    try:
        distances = np.asarray(distances, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ArgumentError(f"distances must be numbers in Å ({err})") from None
    if distances.ndim != 1 or not np.all(distances >= 0):
        raise ArgumentError(f"distances must be a 1D array of distances >= 0 Å, got shape {distances.shape}"
                            + ("" if distances.ndim != 1 else " with negative or NaN values"))
    with torch.no_grad():
        return model.filters(torch.as_tensor(distances)).cpu().double().numpy()


def filter_cuts(
    model: AtomisticModel,
    extent: float = 10.0,
    resolution: int = 101,
    structure: Structure | None = None,
    normal: tuple[float, float, float] = (0.0, 0.0, 1.0),
) -> FilterCuts:
    """Square cuts of side ``extent`` (Å) through all filters, centred on an atom at the origin.

    Parameters
    ----------
    extent
        Side of the square; 10 Å as in Fig. 4.4, 5 Å as in Fig. 4.5.
    structure
        A crystal: sum each filter over its lattice (Fig. 4.5); the model needs a cutoff. ``None``
        (or a molecule): the radial filters of Fig. 4.4.
    normal
        Normal of the cut plane (Cartesian).
    """
    if not extent > 0 or not resolution >= 2:
        raise ArgumentError(f"a cut needs a positive extent (Å) and at least 2 points per side, got extent "
                            f"{extent} and resolution {resolution}")
    normal_v = np.asarray(normal, dtype=np.float64)
    if normal_v.shape != (3,) or not np.linalg.norm(normal_v) > 0:
        raise ArgumentError(f"normal must be a non-zero 3-vector, got {normal!r}")
    normal_v /= np.linalg.norm(normal_v)
    helper = np.array([1.0, 0.0, 0.0]) if abs(normal_v[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(normal_v, helper)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(normal_v, e1)
    coordinates = np.linspace(-extent / 2, extent / 2, resolution)
    grid = coordinates[None, :, None] * e1 + coordinates[:, None, None] * e2  # (n, n, 3): [i, j] -> (x_j, y_i)
    points = grid.reshape(-1, 3)
    periodic = structure is not None and structure.is_periodic
    if not periodic:
        values = radial_filters(model, np.linalg.norm(points, axis=1))
    else:
        crystal = structure
        if model.cutoff is None:
            raise ArgumentError("periodic filters need a model with a cutoff")
        lattice = _shift_range(crystal.cell, crystal.pbc, model.cutoff + extent) @ crystal.cell
        distances = np.linalg.norm(points[:, None, :] + lattice[None, :, :], axis=-1)  # (n*n, n_images)
        inside = distances < model.cutoff
        flat = radial_filters(model, distances[inside])
        values = np.zeros((flat.shape[0], len(points), flat.shape[2]))
        point_of = np.nonzero(inside)[0]
        for t in range(flat.shape[0]):
            np.add.at(values[t], point_of, flat[t])
    n_blocks, _, n_filters = values.shape
    values = values.reshape(n_blocks, resolution, resolution, n_filters).transpose(0, 3, 1, 2)
    label = (structure.info.get("name") or structure.formula) if periodic else "molecule"
    return FilterCuts(coordinates, values, periodic, label)


def n_filter_blocks(model: AtomisticModel) -> int:
    """How many filter-generating networks the model has (SchNet: one per interaction block)."""
    return int(radial_filters(model, np.zeros(1)).shape[0])


def block_similarity(model: AtomisticModel, distances: np.ndarray) -> np.ndarray:
    """Correlation between the interaction blocks' filters over ``distances`` (Å), ``(n_blocks, n_blocks)``.

    Each block's filters, minus their mean over distance, are flattened and correlated with the other
    blocks': 1 means two blocks learned the same filters; untied blocks (Fig. 4.4) need not.
    """
    profiles = radial_filters(model, distances)
    centred = (profiles - profiles.mean(axis=1, keepdims=True)).reshape(profiles.shape[0], -1)
    return np.corrcoef(centred)


def filter_excursions(model: AtomisticModel, distances: np.ndarray) -> np.ndarray:
    """How often each filter rises and falls over ``distances`` (Å), ``(n_blocks, n_filters)``.

    The total variation of a filter divided by its range: 1 for a monotone filter, 2 for one bump, more for a
    filter that oscillates. It does not depend on the filter's scale, so trained and untrained filters compare on
    their shape alone. A filter that is constant over ``distances`` gives NaN.
    """
    profiles = radial_filters(model, distances)
    variation = np.abs(np.diff(profiles, axis=1)).sum(axis=1)
    span = profiles.max(axis=1) - profiles.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(span > 0, variation / np.where(span > 0, span, 1.0), np.nan)
