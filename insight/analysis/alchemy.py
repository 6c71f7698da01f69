"""Alchemical pathways (thesis sec. 3.6.3, Eqs 3.14-3.15, Fig. 3.16).

Atoms morph between elements by interpolating their embeddings,
``x_i^(0) = alpha A[Z_a] + (1 - alpha) A[Z_b]`` (Eq. 3.14), and fade in or
out by factors ``beta_i`` that scale what they send to other atoms and what
they contribute to the energy, ``E = sum_i beta_i E_i`` (Eq. 3.15).

A path is a sequence of :class:`AlchemicalState` s with the same atoms in the
same order; atoms that exist at only one end are present throughout with
``beta = 0`` where they are absent.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
import torch

from ..batch import collate
from ..calculator import relax
from ..errors import ArgumentError, DomainWarning, StructureError
from ..io import from_smiles
from ..models.base import AtomisticModel
from ..neighbors import count_fragments
from ..structures import Structure, atomic_number

__all__ = ["alchemical_end_state", "AlchemicalState", "AlchemicalEnergy", "AlchemicalFrames", "AlchemicalPath",
           "PathLinearity", "alchemical_energy", "alchemical_frames", "alchemical_path", "benzene_to_triazine",
           "path_linearity", "relax_state"]


@dataclass(frozen=True)
class AlchemicalEnergy:
    """The energy of a mixed molecule (Eqs. 3.14, 3.15) and its faded contributions ``beta_i E_i``, in ``unit``."""

    energy: float
    contributions: np.ndarray
    unit: str


@dataclass(frozen=True)
class AlchemicalFrames:
    """The geometry of every point of an :func:`alchemical_path`.

    ``positions`` ``(n_points, n_atoms, 3)`` in Å; ``numbers`` ``(n_points, n_atoms)``, the element of each atom
    at the nearer end of its segment (for drawing); ``weights`` ``(n_points, n_atoms)``, fading factors ``beta``.
    """

    positions: np.ndarray
    numbers: np.ndarray
    weights: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)


@dataclass(frozen=True)
class AlchemicalPath:
    """Energies along an alchemical path.

    ``table``: ``segment``, ``lambda`` (0..1 within the segment), ``progress`` (0..n_segments), ``energy``
    (in ``unit``), ``label`` (the state's label at the ends). ``frames`` are the geometries of its rows.
    """

    table: pd.DataFrame
    unit: str
    interpolate_positions: bool
    frames: AlchemicalFrames

    def to_frame(self) -> pd.DataFrame:
        return self.table


@dataclass(frozen=True)
class PathLinearity:
    """How straight a path's energy is against its progress: ``r_squared`` of a line and its ``slope``
    (energy change per segment, in ``unit``)."""

    r_squared: float
    slope: float
    unit: str


@dataclass
class AlchemicalState:
    """Elements, positions (Å) and fading factors of every atom at one end of a path."""

    numbers: np.ndarray
    positions: np.ndarray
    weights: np.ndarray = field(default=None)  # type: ignore[assignment]
    label: str = ""

    def __post_init__(self) -> None:
        self.numbers = np.asarray([atomic_number(z) for z in self.numbers], dtype=np.int64)
        self.positions = np.asarray(self.positions, dtype=np.float64).reshape(-1, 3)
        self.weights = np.ones(len(self.numbers)) if self.weights is None else np.asarray(self.weights, float)
        if not (len(self.numbers) == len(self.positions) == len(self.weights)):
            raise StructureError("an alchemical state needs one element, position and weight per atom")
        if np.any((self.weights < 0) | (self.weights > 1)):
            raise StructureError("fading factors beta must lie in [0, 1]")

    @classmethod
    def from_structure(cls, structure: Structure, label: str = "") -> "AlchemicalState":
        return cls(structure.numbers, structure.positions, None, label or structure.formula)

    def structure(self) -> Structure:
        """The real molecule of this state: atoms with ``beta = 1`` (all others must have ``beta = 0``)."""
        if np.any((self.weights > 0) & (self.weights < 1)):
            raise StructureError("a state with partly faded atoms is not a real molecule")
        keep = self.weights == 1
        return Structure(self.numbers[keep], self.positions[keep], info={"name": self.label})


def alchemical_energy(
    model: AtomisticModel,
    numbers_a: np.ndarray,
    numbers_b: np.ndarray,
    alpha: np.ndarray,
    positions: np.ndarray,
    weights: np.ndarray,
) -> AlchemicalEnergy:
    """Energy of a mixed molecule and its faded contributions ``beta_i E_i``.

    Atom ``i`` has the embedding ``alpha_i A[Z_a,i] + (1 - alpha_i) A[Z_b,i]`` (Eq. 3.14)
    and fading factor ``weights[i]`` (Eq. 3.15); its atom reference is interpolated alike.
    Energies in ``model.energy_unit``.
    """
    numbers_a, numbers_b = np.asarray(numbers_a), np.asarray(numbers_b)
    model.check_elements(np.concatenate([numbers_a, numbers_b]))
    batch = collate(Structure(numbers_a, positions), cutoff=model.cutoff, dtype=model.dtype).to(model.device)
    za = torch.tensor(numbers_a, device=model.device)
    zb = torch.tensor(numbers_b, device=model.device)
    a = torch.as_tensor(alpha, dtype=model.dtype, device=model.device)[:, None]
    beta = torch.as_tensor(weights, dtype=model.dtype, device=model.device)
    with torch.no_grad():
        embeddings = a * model.embedding(za) + (1 - a) * model.embedding(zb)
        out = model(batch, embeddings=embeddings, atom_weights=beta)
        # The readout used Z_a's atom reference; use the interpolated one instead.
        correction = (1 - a[:, 0]) * (model.atomref[zb] - model.atomref[za])
        contributions = (out.contributions + correction) * beta
    energy = float(contributions.sum()) if model.config.pooling == "sum" else float(contributions.sum() / beta.sum())
    return AlchemicalEnergy(energy, contributions.cpu().numpy(), model.energy_unit)


def _as_states(states: Sequence[AlchemicalState | Structure], steps: int) -> list[AlchemicalState]:
    states = [s if isinstance(s, AlchemicalState) else AlchemicalState.from_structure(s) for s in states]
    if len(states) < 2:
        raise ArgumentError("a path needs at least two states")
    if any(len(s.numbers) != len(states[0].numbers) for s in states):
        raise StructureError("all states of a path need the same atoms in the same order "
                             "(use beta = 0 for absent ones)")
    if steps < 1:
        raise ArgumentError("steps must be at least 1")
    return states


def _path_points(states: list[AlchemicalState], steps: int):
    """(segment, lambda, start, end) for every point of the path; segment ends are shared."""
    for segment, (start, end) in enumerate(zip(states[:-1], states[1:])):
        for k, lam in enumerate(np.linspace(0.0, 1.0, steps + 1)):
            if segment == 0 or k > 0:
                yield segment, k, lam, start, end


def alchemical_path(
    model: AtomisticModel,
    states: Sequence[AlchemicalState | Structure],
    steps: int = 10,
    interpolate_positions: bool = False,
) -> AlchemicalPath:
    """Energies along a piecewise-linear path through ``states``.

    Parameters
    ----------
    states
        Two or more states with the same atoms in the same order.
    steps
        Interpolation steps per segment.
    interpolate_positions
        Move atoms linearly between the states' positions; otherwise keep the
        first state's geometry throughout (the two paths of Fig. 3.16).

    Returns
    -------
    AlchemicalPath
        Energies in ``model.energy_unit``, with the geometry of every point.
    """
    states = _as_states(states, steps)
    frames = alchemical_frames(states, steps, interpolate_positions)
    rows = []
    for (segment, k, lam, start, end), frame_positions, frame_weights in zip(_path_points(states, steps),
                                                                              frames.positions, frames.weights):
        alpha = np.full(len(start.numbers), 1.0 - lam)
        energy = alchemical_energy(model, start.numbers, end.numbers, alpha, frame_positions, frame_weights).energy
        label = start.label if k == 0 else end.label if k == steps else ""
        rows.append({"segment": segment, "lambda": lam, "progress": segment + lam, "energy": energy, "label": label})
    return AlchemicalPath(pd.DataFrame(rows), model.energy_unit, interpolate_positions, frames)


def alchemical_frames(
    states: Sequence[AlchemicalState | Structure], steps: int = 10, interpolate_positions: bool = False
) -> AlchemicalFrames:
    """Geometry of every point of :func:`alchemical_path`."""
    states = _as_states(states, steps)
    positions, numbers, weights = [], [], []
    for _, _, lam, start, end in _path_points(states, steps):
        positions.append((1 - lam) * start.positions + lam * end.positions if interpolate_positions
                         else states[0].positions)
        numbers.append(start.numbers if lam < 0.5 else end.numbers)
        weights.append((1 - lam) * start.weights + lam * end.weights)
    return AlchemicalFrames(np.stack(positions), np.stack(numbers), np.stack(weights))


def benzene_to_triazine(relaxed: bool = True, seed: int = 42) -> list[AlchemicalState]:
    """Benzene -> pyridine -> pyrazine -> s-triazine (Fig. 3.16): C-H units become N one at a time.

    Ring atoms 0, 3 (para, for pyrazine) and then 0, 2, 4 (meta, for s-triazine)
    become nitrogen; their hydrogens fade out. Positions of each state come from
    its own RDKit/MMFF geometry aligned onto benzene's atoms (the faded
    hydrogens stay where benzene has them) when ``relaxed``; otherwise all
    states share benzene's geometry.
    """
    benzene = _ordered_ring(from_smiles("c1ccccc1", seed=seed))
    plans = [("benzene", []), ("pyridine", [0]), ("pyrazine", [0, 3]), ("s-triazine", [0, 2, 4])]
    smiles = {"pyridine": "c1ccncc1", "pyrazine": "c1cnccn1", "s-triazine": "c1ncncn1"}
    states = []
    for label, nitrogens in plans:
        numbers = benzene.numbers.copy()
        weights = np.ones(len(numbers))
        for ring_atom in nitrogens:
            numbers[ring_atom] = 7
            weights[6 + ring_atom] = 0.0  # its hydrogen
        positions = benzene.positions
        if relaxed and label != "benzene":
            positions = _aligned_geometry(from_smiles(smiles[label], seed=seed), benzene, numbers, weights)
        states.append(AlchemicalState(numbers, positions, weights, label))
    return states


def _ring_order(molecule: Structure) -> np.ndarray:
    """Indices of the heavy atoms of a planar ring molecule, in order around the ring."""
    heavy = np.nonzero(molecule.numbers > 1)[0]
    rel = molecule.positions[heavy] - molecule.positions[heavy].mean(axis=0)
    normal = np.linalg.svd(rel)[2][2]
    e1 = rel[0] / np.linalg.norm(rel[0])
    e2 = np.cross(normal, e1)
    return heavy[np.argsort(np.arctan2(rel @ e2, rel @ e1))]


def _nearest_hydrogens(molecule: Structure, atoms: Sequence[int]) -> np.ndarray:
    hydrogens = np.nonzero(molecule.numbers == 1)[0]
    d = np.linalg.norm(molecule.positions[hydrogens][:, None] - molecule.positions[list(atoms)][None], axis=-1)
    return hydrogens[np.argmin(d, axis=0)]


def _ordered_ring(molecule: Structure) -> Structure:
    """Benzene with ring carbons 0..5 in ring order and hydrogen 6 + k bonded to carbon k."""
    ring = _ring_order(molecule)
    keep = np.concatenate([ring, _nearest_hydrogens(molecule, ring)])
    return molecule.replace(numbers=molecule.numbers[keep], positions=molecule.positions[keep])


def _aligned_geometry(target: Structure, benzene: Structure, numbers: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Positions for the benzene-ordered atoms taken from ``target``'s geometry after a Kabsch alignment."""
    heavy_target = _ring_order(target)
    present = weights > 0
    # Match the target's ring atoms (by element, around the ring) and its hydrogens onto benzene's slots.
    best = None
    for shift in range(6):
        for direction in (1, -1):
            order = [heavy_target[(shift + direction * k) % 6] for k in range(6)]
            if np.all(target.numbers[order] == numbers[:6]):
                best = order
                break
        if best:
            break
    if best is None:
        raise StructureError("could not map the target ring onto benzene's atoms")
    positions = benzene.positions.copy()
    with_hydrogen = [k for k in range(6) if present[6 + k]]
    slots = list(range(6)) + [6 + k for k in with_hydrogen]
    source = [*best, *_nearest_hydrogens(target, [best[k] for k in with_hydrogen])]
    moved = _kabsch(target.positions[source], benzene.positions[slots])
    positions[slots] = moved
    return positions


def _kabsch(moving: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``moving`` rotated and translated onto ``reference`` (least squares)."""
    a = moving - moving.mean(axis=0)
    b = reference - reference.mean(axis=0)
    u, _, vt = np.linalg.svd(a.T @ b)
    d = np.sign(np.linalg.det(u @ vt))
    rotation = u @ np.diag([1.0, 1.0, d]) @ vt
    return a @ rotation + reference.mean(axis=0)


def path_linearity(path: AlchemicalPath) -> PathLinearity:
    """How nearly a straight line fits an :func:`alchemical_path`'s energies against its progress.

    Fig. 3.16's composition-only path rises "virtually linearly"; R² says how nearly, the slope is the
    energy change per segment in the model's unit.
    """
    x, y = path.table["progress"].to_numpy(), path.table["energy"].to_numpy()
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    spread = np.sum((y - y.mean()) ** 2)
    r_squared = 1.0 - float(np.sum(residual**2) / spread) if spread > 0 else 1.0
    return PathLinearity(r_squared, float(slope), path.unit)


#: A relaxed state with two atoms closer than this (Å) is refused: no bond is that short but H2's (0.74 Å).
MIN_RELAXED_DISTANCE = 0.7


def relax_state(model: AtomisticModel, state: AlchemicalState, fmax: float = 0.05,
                steps: int = 300) -> AlchemicalState:
    """``state`` with the positions of its present atoms (``beta > 0``) relaxed with the model's forces
    (:func:`insight.calculator.relax`, BFGS), faded atoms (``beta = 0``) held where they are.

    A model trained on energies alone (QM9: equilibrium molecules) has no reliable forces away from equilibrium:
    it gets a :class:`~insight.errors.DomainWarning`, and a relaxation that ends with atoms closer than
    :data:`MIN_RELAXED_DISTANCE` is refused. Prefer a model trained on forces, or fixed positions.
    """
    training = model.card.training
    if training is None or not (training.rho or 0) > 0:
        warnings.warn(f"model {model.name!r} was not trained on forces, so relaxing with it is unreliable away from "
                      "equilibrium; prefer a model trained on forces or fixed positions", DomainWarning, stacklevel=2)
    present = np.flatnonzero(state.weights > 0)
    molecule = Structure(state.numbers[present], state.positions[present])
    with warnings.catch_warnings():  # the intermediate geometries are judged once, at the end
        warnings.simplefilter("ignore", DomainWarning)
        relaxed = relax(model, molecule, fmax=fmax, steps=steps)
    if len(relaxed) > 1:
        closest = float(relaxed.distances()[np.triu_indices(len(relaxed), k=1)].min())
        pieces, before = count_fragments(relaxed), count_fragments(molecule)
        if closest < MIN_RELAXED_DISTANCE or pieces > before:
            what = (f"brought two atoms {closest:.2f} Å together" if closest < MIN_RELAXED_DISTANCE
                    else f"broke the molecule into {pieces} pieces")
            raise StructureError(f"relaxing with model {model.name!r} {what}: its forces are not reliable for this "
                                 "state; use fixed positions, or a model trained on forces")
    positions = state.positions.copy()
    positions[present] = relaxed.positions
    return AlchemicalState(state.numbers, positions, state.weights, state.label)


def alchemical_end_state(structure: Structure, morph: Sequence[int] = (), element: str | int = "N",
                         fade: Sequence[int] = ()) -> AlchemicalState:
    """The end of a path from ``structure``: atoms ``morph`` turned into ``element``, atoms ``fade`` faded out
    (``beta = 0``), positions kept (relax them with :func:`relax_state`)."""
    morph, fade = [int(i) for i in morph], [int(i) for i in fade]
    if not morph and not fade:
        raise ArgumentError("choose atoms to morph into another element or to fade out")
    if any(not 0 <= i < len(structure) for i in morph + fade):
        raise ArgumentError(f"atoms {morph + fade} must be indices of the structure's {len(structure)} atoms")
    numbers = structure.numbers.copy()
    numbers[morph] = atomic_number(element)
    weights = np.ones(len(structure))
    weights[fade] = 0.0
    end = AlchemicalState(numbers, structure.positions, weights)
    end.label = Structure(numbers[weights == 1], structure.positions[weights == 1]).formula
    return end
