"""Bond-breaking sensitivity of representations (thesis sec. 4.5.3, Figs 4.11-4.13).

``x_i^(T) = x^(0) + sum_t v^(t)``. As two atoms move apart, a local
representation stops changing: ``||d x_i^(T) / d r_ij||`` goes to zero. Where
it does not, the model still reads that distance regime. The pair-distance
distribution of the training data tells which regimes the model has seen.
"""

from __future__ import annotations

import threading
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from scipy.integrate import trapezoid

from ..batch import collate
from ..errors import ArgumentError
from ..models.base import AtomisticModel
from ..models.layers import dense_expansion
from ..structures import Structure, atomic_number, element_symbol

__all__ = ["pair_sensitivity", "molecule_pair_sensitivity", "pair_distance_distribution", "shortest_pair_distance",
           "short_range_share"]

# PyTorch's forward-mode AD levels are shared by the whole process: two jvp passes in
# different threads (e.g. two requests of the app) would tear down each other's level.
_FORWARD_AD_LOCK = threading.Lock()


def _sensitivities(model: AtomisticModel, structures: list[Structure], mover: int, anchor: int, watch: Sequence[int]):
    """``||d x_a^(T) / d r||`` for atoms ``watch`` of each structure as ``mover`` moves away from ``anchor``.

    Forward-mode differentiation: moving ``mover`` along the unit vector from
    ``anchor`` is one tangent, so one pass gives the derivative of every
    representation in every structure.
    """
    batch = collate(structures, cutoff=model.cutoff, dtype=model.dtype).to(model.device)
    n = len(structures[0])
    starts = np.arange(len(structures)) * n
    direction = np.stack([s.positions[mover] - s.positions[anchor] for s in structures])
    tangent = torch.zeros_like(batch.positions)
    tangent[torch.as_tensor(starts + mover)] = torch.as_tensor(
        direction / np.linalg.norm(direction, axis=1, keepdims=True), dtype=model.dtype, device=model.device
    )

    def final_representation(positions: torch.Tensor) -> torch.Tensor:
        batch.positions = positions
        return model(batch).representations[-1]

    # Forward-mode differentiation runs through the dense expansion (the windowed one has no jvp rule).
    with _FORWARD_AD_LOCK, torch.no_grad(), dense_expansion():
        _, derivative = torch.func.jvp(final_representation, (batch.positions,), (tangent,))
    norms = torch.linalg.vector_norm(derivative, dim=1).cpu().numpy()
    return np.stack([norms[starts + atom] for atom in watch], axis=1)


def pair_sensitivity(
    model: AtomisticModel, element_a: str | int, element_b: str | int, distances: Sequence[float] | None = None
) -> pd.DataFrame:
    """Sensitivity of both atoms' representations as an isolated pair A-B is pulled apart (Figs 4.11, 4.13).

    Returns
    -------
    pandas.DataFrame
        ``distance`` (Å), ``element`` (whose representation: ``"C"`` or ``"H"`` in C-H),
        ``pair`` (e.g. ``"C-H"``), ``sensitivity`` (``||d x^(T) / d r||`` in representation units per Å).
    """
    za, zb = atomic_number(element_a), atomic_number(element_b)
    model.check_elements([za, zb])
    distances = np.asarray(distances if distances is not None else np.linspace(0.5, 12.0, 231), dtype=np.float64)
    if np.any(distances <= 0):
        raise ArgumentError("pair distances must be positive (Å)")
    structures = [Structure([za, zb], [[0.0, 0.0, 0.0], [d, 0.0, 0.0]]) for d in distances]
    values = _sensitivities(model, structures, mover=1, anchor=0, watch=[0, 1])
    pair = f"{element_symbol(za)}-{element_symbol(zb)}"
    frames = [pd.DataFrame({"distance": distances, "element": element_symbol(z), "pair": pair,
                            "sensitivity": values[:, k]}) for k, z in enumerate((za, zb)) if k == 0 or za != zb]
    return pd.concat(frames, ignore_index=True)


def molecule_pair_sensitivity(
    model: AtomisticModel, structure: Structure, i: int, j: int, stretch: Sequence[float] | None = None
) -> pd.DataFrame:
    """Sensitivity of atoms ``i`` and ``j`` while ``j`` is pulled away from ``i`` inside a molecule.

    Parameters
    ----------
    stretch
        Displacements of ``j`` along ``r_j - r_i`` in Å (default 0 to 3 Å); the other atoms stay.

    Returns
    -------
    pandas.DataFrame
        ``distance`` (r_ij in Å), ``atom`` (index), ``element``, ``sensitivity``.
    """
    n = len(structure)
    if not (0 <= i < n and 0 <= j < n) or i == j:
        raise ArgumentError(f"atoms i={i} and j={j} must be two different indices in 0..{n - 1}")
    stretch = np.asarray(stretch if stretch is not None else np.linspace(0.0, 3.0, 61), dtype=np.float64)
    bond = structure.positions[j] - structure.positions[i]
    r0 = np.linalg.norm(bond)
    unit = bond / r0
    structures = []
    for s in stretch:
        positions = structure.positions.copy()
        positions[j] = positions[j] + s * unit
        structures.append(structure.replace(positions=positions))
    values = _sensitivities(model, structures, mover=j, anchor=i, watch=[i, j])
    frames = [pd.DataFrame({"distance": r0 + stretch, "atom": atom, "element": structure.symbols[atom],
                            "sensitivity": values[:, k]}) for k, atom in enumerate((i, j))]
    return pd.concat(frames, ignore_index=True)


def _pair_distances(numbers, positions, offsets, element_a, element_b, molecules):
    """The A-B distances within each molecule, one array per block of molecules of equal size."""
    za, zb = atomic_number(element_a), atomic_number(element_b)
    rows = np.arange(len(offsets) - 1) if molecules is None else np.asarray(molecules)
    # Group molecules by size so that each size is one vectorised block.
    sizes = np.diff(offsets)[rows]
    for n in np.unique(sizes):
        chosen = rows[sizes == n]
        block = offsets[chosen][:, None] + np.arange(n)[None, :]
        z, r = numbers[block], positions[block]
        i, j = np.triu_indices(n, k=1)
        match = ((z[:, i] == za) & (z[:, j] == zb)) | ((z[:, i] == zb) & (z[:, j] == za))
        yield np.linalg.norm(r[:, i] - r[:, j], axis=-1)[match]


def pair_distance_distribution(
    numbers: np.ndarray,
    positions: np.ndarray,
    offsets: np.ndarray,
    element_a: str | int,
    element_b: str | int,
    max_distance: float = 12.0,
    bins: int = 240,
    molecules: np.ndarray | None = None,
) -> pd.DataFrame:
    """Histogram of A-B distances within molecules of a dataset (Fig. 4.12).

    ``numbers``, ``positions``, ``offsets`` as in :class:`~insight.data.qm9.QM9`;
    ``molecules`` restricts to some rows (e.g. the training split).

    Returns ``distance`` (bin centre, Å), ``count`` and ``density`` (per Å).
    """
    edges = np.linspace(0.0, max_distance, bins + 1)
    counts = np.zeros(bins, dtype=np.int64)
    for d in _pair_distances(numbers, positions, offsets, element_a, element_b, molecules):
        counts += np.histogram(d, bins=edges)[0]
    width = edges[1] - edges[0]
    total = max(counts.sum(), 1)
    return pd.DataFrame({"distance": 0.5 * (edges[1:] + edges[:-1]), "count": counts,
                         "density": counts / (total * width)})


def shortest_pair_distance(numbers: np.ndarray, positions: np.ndarray, offsets: np.ndarray, element_a: str | int,
                           element_b: str | int, molecules: np.ndarray | None = None) -> float:
    """The smallest A-B distance within any molecule of a dataset (Å): where a model's data begin for that pair,
    e.g. 1.197 Å for C-C in QM9 (a C#C triple bond). Arguments as for :func:`pair_distance_distribution`."""
    found = [d.min() for d in _pair_distances(numbers, positions, offsets, element_a, element_b, molecules) if len(d)]
    if not found:
        raise ArgumentError(f"no {element_symbol(atomic_number(element_a))}-{element_symbol(atomic_number(element_b))}"
                            " pair in these molecules")
    return float(min(found))


def short_range_share(curve: pd.DataFrame, below: float = 1.5, element: str | None = None,
                      start: float | None = None) -> float:
    """Share of a sensitivity curve's area at distances below ``below`` Å (sec. 4.5.3: bonds lie below 1.5 Å).

    ``curve`` from :func:`pair_sensitivity`; ``element`` picks one atom's curve (default: the first). ``start``
    (Å) leaves out the distances below it, e.g. those shorter than any pair in the training data
    (:func:`shortest_pair_distance`), where a model was never taught anything. Independent of the
    representation's scale, so models compare.
    """
    element = element if element is not None else curve["element"].iloc[0]
    chosen = curve[curve["element"] == element].sort_values("distance")
    if start is not None:
        chosen = chosen[chosen["distance"] >= start]
        if len(chosen) < 2 or not chosen["distance"].iloc[0] < below:
            raise ArgumentError(f"the curve has too few points between start={start} Å and below={below} Å")
    distance, value = chosen["distance"].to_numpy(), chosen["sensitivity"].to_numpy()
    total = trapezoid(value, distance)
    if not total > 0:
        raise ArgumentError("the sensitivity curve is zero everywhere")
    inside = distance <= below
    return float(trapezoid(value[inside], distance[inside]) / total)
