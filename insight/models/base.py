"""What every insight model exposes, whatever its interaction.

A model is embedding -> T interaction passes -> atom-wise output network
(Eq. 3.1, 3.2, 3.8). Subclasses define the interaction and the output
network; this class runs them and exposes the intermediate quantities the
analyses need: atom-wise energies ``E_i``, the representations ``x_i^(t)``
after every pass, the embedding matrix, forces by autograd, and the probe
atom of Eq. 3.12 / 4.15 evaluated for many positions in one batched call.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Sequence

import numpy as np
import torch
from torch import nn

from ..batch import Batch, collate
from ..errors import ArgumentError, DomainWarning, StructureError
from ..neighbors import check_overlaps, count_fragments, probe_pairs
from ..structures import Structure, atomic_number, element_symbol
from .card import ModelCard
from .layers import CosineCutoff, DistanceTable, GaussianRBF, scatter_sum

__all__ = ["AtomisticModel", "ModelOutput", "PairGeometry", "Prediction", "UnknownElementError"]


class UnknownElementError(StructureError):
    """A structure contains an element the model has never seen."""


@dataclass
class ModelOutput:
    """Everything one forward pass produces (energies in the model's unit, see ``model.energy_unit``).

    Attributes
    ----------
    energy
        Per structure, ``(n_structures,)``.
    contributions
        Atom-wise ``E_i``, ``(n_atoms,)``; they pool (sum or mean) to ``energy``.
    representations
        ``[x^(0), ..., x^(T)]``, each ``(n_atoms, n_features)`` (PaiNN: ``(n_atoms, 4 n_features)``, the scalars
        then the vector components, see :class:`~insight.models.painn.PaiNN`).
    forces
        ``-dE/dr`` in energy unit per Å, ``(n_atoms, 3)``, when asked for.
    """

    energy: torch.Tensor
    contributions: torch.Tensor
    representations: list[torch.Tensor]
    forces: torch.Tensor | None = None


@dataclass
class PairGeometry:
    """Pairs for one interaction: ``idx_i`` indexes receivers, ``idx_j`` senders.

    Receivers and senders are the same atoms in a normal pass; for a probe the
    receivers are probe points and the senders the structure's atoms.
    ``weights`` (optional, per pair) fade senders in and out (Eq. 3.15).
    ``mirrored``: the second half of the pairs mirrors the first, so distance
    features are computed for the first half only. ``dense_senders``: the
    pairs are every receiver with each of that many senders, receiver-major,
    in sender order (probes around a molecule); ``idx_i``/``idx_j`` are then unused. ``directions``: unit
    vectors from receiver to sender, ``(n_pairs, 3)``, for models that use them (PaiNN).
    """

    idx_i: torch.Tensor
    idx_j: torch.Tensor
    distances: torch.Tensor
    n_receivers: int
    weights: torch.Tensor | None = None
    mirrored: bool = False
    dense_senders: int | None = None
    directions: torch.Tensor | None = None

    def count(self) -> torch.Tensor:
        """Number of senders of each receiver, ``(n_receivers,)``."""
        if self.dense_senders is not None:
            return torch.full((self.n_receivers,), float(self.dense_senders), dtype=self.distances.dtype,
                              device=self.distances.device)
        return scatter_sum(torch.ones_like(self.distances), self.idx_i, self.n_receivers)


@dataclass
class Prediction:
    """Plain NumPy results of :meth:`AtomisticModel.predict`, one entry per structure."""

    energy: np.ndarray
    contributions: list[np.ndarray]
    forces: list[np.ndarray] | None
    unit: str


def validate_config(config: Any) -> None:
    """Checks every architecture's hyperparameters share."""
    if config.pooling not in ("sum", "mean"):
        raise ArgumentError(f"pooling must be 'sum' or 'mean', got {config.pooling!r}")
    if config.cosine_cutoff and config.cutoff is None:
        raise ArgumentError("cosine_cutoff needs a cutoff radius")
    if config.cutoff is not None and not config.cutoff > 0:
        raise ArgumentError(f"cutoff must be a positive distance in Å, got {config.cutoff}")
    if config.n_interactions < 1:
        raise ArgumentError("a model needs at least one interaction pass")


@functools.cache
def compiler_problem(device_type: str = "cpu") -> str | None:
    """Why ``torch.compile`` (inductor) cannot run on this kind of device here, or ``None`` when it can: it
    compiles and runs a tiny function once per process and device type (C++ on CPU, Triton on GPUs)."""
    try:
        torch.compile(lambda x: nn.functional.softplus(x) * 2.0)(torch.linspace(-1.0, 1.0, 8, device=device_type))
    except Exception as err:  # noqa: BLE001 - inductor fails in many ways (no compiler, no Python headers, ...)
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else ""
        return f"{type(err).__name__}: {first_line}"[:300]
    return None


def _points_array(points: Any) -> np.ndarray:
    try:
        array = np.array(points, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise StructureError(f"probe points must be numbers of shape (n_points, 3) in Å: {err}") from None
    if array.ndim not in (1, 2) or array.shape[-1] != 3:
        raise StructureError(f"probe points must have shape (n_points, 3) in Å, got {array.shape}")
    return array.reshape(-1, 3)


def _repeat_twice(features: Any) -> Any:
    """Pair features of a mirrored list: the same values for both halves."""
    if isinstance(features, torch.Tensor):
        return features.repeat(2, *([1] * (features.dim() - 1)))
    return type(features)(_repeat_twice(f) for f in features)


def structure_list(structures: Structure | Sequence[Structure]) -> list[Structure]:
    """One structure or several as a non-empty list of :class:`Structure`, or a :class:`StructureError`."""
    if isinstance(structures, Structure):
        return [structures]
    try:
        structures = list(structures) if not isinstance(structures, (str, bytes)) else None
    except TypeError:
        structures = None
    if structures is None:
        raise StructureError("expected an insight.Structure or a list of them; read files with insight.read or "
                             "build molecules with insight.from_smiles")
    if not structures:
        raise StructureError("no structures given: pass a Structure or a non-empty list of them")
    for s in structures:
        if not isinstance(s, Structure):
            raise StructureError(f"expected insight.Structure objects, got {type(s).__name__}; read files with "
                                 "insight.read or build molecules with insight.from_smiles")
    return structures


class AtomisticModel(nn.Module):
    """Base class of DTNN, SchNet and PaiNN.

    Subclasses set ``architecture`` and implement :meth:`pair_features`,
    :meth:`interact`, :meth:`atomwise_output` and :meth:`filters`.
    """

    architecture: ClassVar[str]
    Config: ClassVar[type]
    #: Expand distances only in the Gaussians that are not negligible (see
    #: :func:`~insight.models.layers.windowed_linear`): the same pair features to round-off, several times
    #: cheaper for fine bases. ``None`` (the default): where it pays (:attr:`GaussianRBF.window_pays`, e.g. the
    #: thesis' 300 Gaussians, not SchNetPack's 20); ``True``: always; ``False``: the dense expansion of the thesis
    #: (also used, automatically, to train on forces).
    windowed_expansion: bool | None = None

    def use_fast_training_path(self, fast: bool = True) -> None:
        """Force the model's part of the fast training path (the windowed expansion, even where it would not pay;
        subclasses add theirs) or, with ``fast=False``, the plain eager computation of the thesis: the same
        results to round-off. Without a call, each part chooses itself (:attr:`windowed_expansion` ``None``)."""
        self.windowed_expansion = fast

    def compile_training_path(self, enabled: bool = True) -> bool:
        """Run the interaction passes and the readout of training steps through ``torch.compile`` (inductor,
        dynamic shapes), as one graph.

        Inductor fuses the gathers, products and scatter sums of the passes and their elementwise work, forward
        and backward, into a few loops, and one graph call replaces a module call per pass: the same losses and
        gradients to round-off; on one CPU core, SchNet T=6 trains about 14% faster and DTNN T=3 about 40% faster
        than the same fast path eager (``benchmarks/training.py``). The pair features
        stay eager (the windowed expansion is its own autograd function). It applies only where it is valid: in
        training mode, with gradients, and not when the forces' graph is kept (``create_graph``, training on
        forces: compiled graphs have no double backward). Evaluation, probes and analyses stay eager, so published
        numbers are reproduced bit for bit. The first steps compile (seconds to a minute).

        Returns whether the compiled path is on. Where ``torch.compile`` cannot work (no C++ compiler for
        inductor, an unsupported platform) it warns and leaves the model eager. ``enabled=False`` switches back
        to eager. The compiled graph is not part of the model's state: a deep copy (e.g. the EMA model) or a
        pickled and reloaded model is eager.
        """
        self.__dict__.pop("_compiled_passes", None)
        if not enabled:
            return False
        problem = compiler_problem(self.device.type)
        if problem is not None:
            warnings.warn(f"training runs eager (uncompiled): torch.compile is not available here ({problem})",
                          RuntimeWarning, stacklevel=2)
            return False
        # Inductor's own CPU loops run on one thread: with more, their parallel scatter sums were slower than on
        # one (SchNet T=6 at 2 threads: 731 against 1,325 molecules/s eager); the matrix products it leaves to
        # ATen still use every thread.
        self.__dict__["_compiled_passes"] = torch.compile(self._passes_and_readout, dynamic=True,
                                                          options={"cpp.threads": 1})
        return True

    def __getstate__(self):
        # The compiled graph is a bound method of this model, not of a copy: copies and pickles start eager.
        state = dict(self.__dict__)
        state.pop("_compiled_passes", None)
        return state

    def window_tolerance_for(self, distances: torch.Tensor) -> float | None:
        """The windowed expansion's tolerance for these distances: looser in float32 training
        (:attr:`GaussianRBF.float32_training_window_tolerance`), else the default (``None``)."""
        if self.training and distances.dtype == torch.float32:
            return self.rbf.float32_training_window_tolerance
        return None

    def use_windowed_expansion(self, windowed: bool | None = None) -> bool:
        """Whether pair features use the windowed expansion: ``windowed`` if given, else :attr:`windowed_expansion`
        (where ``None`` means: where it pays)."""
        choice = self.windowed_expansion if windowed is None else windowed
        return self.rbf.window_pays if choice is None else bool(choice)

    #: The passes read the direction of each pair, not only its distance (PaiNN's vector features).
    uses_directions: ClassVar[bool] = False

    def __init__(self, config: Any):
        super().__init__()
        validate_config(config)
        self.config = config
        self.embedding = nn.Embedding(config.max_z + 1, config.n_features)
        # Gaussian expansion of distances (Eq. 3.4) on a grid up to the cutoff, if there is one.
        stop = config.rbf_stop if config.cutoff is None else min(config.rbf_stop, config.cutoff)
        self.rbf = GaussianRBF(stop, config.rbf_spacing, config.rbf_gamma)
        self.cosine = CosineCutoff(config.cutoff) if config.cosine_cutoff else None
        # E_i = stddev * E_hat_i + mean + atomref[Z_i]  (sec. 3.4; atomref optional, zero by default)
        self.register_buffer("mean", torch.tensor(0.0))
        self.register_buffer("stddev", torch.tensor(1.0))
        self.register_buffer("atomref", torch.zeros(config.max_z + 1))
        #: What is known about the model besides its weights (see :class:`~insight.models.card.ModelCard`).
        self.card = ModelCard(name=self.architecture, architecture=self.architecture,
                              hyperparameters=asdict(config))

    # -- to be implemented by each architecture -----------------------------
    @property
    def n_interactions(self) -> int:
        return self.config.n_interactions

    @property
    def cutoff(self) -> float | None:
        return self.config.cutoff

    def pair_features(self, distances: torch.Tensor, windowed: bool | None = None) -> Any:
        """Per-pair quantities that depend only on distance and are shared by all passes.

        ``windowed`` (default :attr:`windowed_expansion`) may use the windowed Gaussian expansion.
        """
        raise NotImplementedError

    def interact(
        self, t: int, x_receivers: torch.Tensor, x_senders: torch.Tensor, pairs: PairGeometry, features: Any
    ) -> torch.Tensor:
        """Representation of the receivers after pass ``t`` (0-based): ``x^(t+1)``."""
        raise NotImplementedError

    @property
    def n_state(self) -> int:
        """Numbers per atom in a representation ``x^(t)`` (``n_features``; PaiNN adds its vector features)."""
        return self.config.n_features

    def initial_state(self, x0: torch.Tensor) -> torch.Tensor:
        """The state before the first pass from the embeddings ``x0`` (PaiNN appends zero vector features)."""
        return x0

    def atomwise_output(self, x: torch.Tensor) -> torch.Tensor:
        """The output network ``o(x)`` giving the scaled contribution ``E_hat``, shape ``(n,)``."""
        raise NotImplementedError

    def filters(self, distances: torch.Tensor) -> torch.Tensor:
        """Filter values ``W(d)``, shape ``(n_filter_networks, len(distances), n_filters)``."""
        raise NotImplementedError

    # -- shared machinery -----------------------------------------------------
    @property
    def energy_unit(self) -> str:
        return self.card.energy_unit

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def known_elements(self) -> list[int]:
        """Atomic numbers the model was trained on (all embedding rows for an untrained model)."""
        return list(self.card.elements or range(1, self.config.max_z + 1))

    @property
    def embedding_matrix(self) -> torch.Tensor:
        """The embedding ``A`` (Eq. 3.1), one row per atomic number, ``(max_z + 1, n_features)``."""
        return self.embedding.weight

    @property
    def device(self) -> torch.device:
        return self.embedding.weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.embedding.weight.dtype

    def hyperparameters(self) -> dict[str, Any]:
        return asdict(self.config)

    def check_elements(self, numbers: Sequence[int] | np.ndarray) -> None:
        """Raise :class:`UnknownElementError` naming any element the model does not know."""
        unknown = sorted(set(int(z) for z in np.asarray(numbers).ravel()) - set(self.known_elements))
        if unknown:
            names = ", ".join(element_symbol(z) for z in unknown)
            known = ", ".join(element_symbol(z) for z in self.known_elements[:20])
            more = ", ..." if len(self.known_elements) > 20 else ""
            raise UnknownElementError(
                f"model {self.name!r} does not know {names}; it was trained on {known}{more}. "
                "Choose a model trained on these elements."
            )

    def readout(self, x: torch.Tensor, numbers: torch.Tensor) -> torch.Tensor:
        """Atom-wise energy contributions ``E_i`` from final representations (Eq. 3.8)."""
        return self.stddev * self.atomwise_output(x) + self.mean + self.atomref[numbers]

    def pool(self, contributions: torch.Tensor, structure_index: torch.Tensor, n_atoms: torch.Tensor) -> torch.Tensor:
        energy = scatter_sum(contributions, structure_index, int(n_atoms.shape[0]))
        if self.config.pooling == "mean":
            energy = energy / n_atoms.to(energy.dtype)
        return energy

    def run(
        self,
        x0: torch.Tensor,
        pairs: PairGeometry,
        tabulate: bool = False,
        windowed: bool | None = None,
    ) -> list[torch.Tensor]:
        """All representations ``[x^(0), ..., x^(T)]`` from initial embeddings ``x0``.

        ``tabulate`` reads the pair features from :meth:`distance_table` instead of computing them;
        ``windowed`` chooses the Gaussian expansion (see :meth:`pair_features`).
        """
        return self.passes(self.initial_state(x0), pairs, self.pair_features_of(pairs, tabulate, windowed))

    def pair_features_of(self, pairs: PairGeometry, tabulate: bool = False, windowed: bool | None = None) -> Any:
        """The pair features of ``pairs`` for :meth:`passes` (those of the first half only, where the list is
        mirrored and the architecture takes them so)."""
        if tabulate:
            features_of = self.distance_table()
        else:
            def features_of(distances):
                return self.pair_features(distances, windowed=windowed)
        if pairs.mirrored:
            half = features_of(pairs.distances[: len(pairs.distances) // 2])
            features = half if getattr(self, "half_pair_features", False) else _repeat_twice(half)
        else:
            features = features_of(pairs.distances)
        return features

    def passes(self, x: torch.Tensor, pairs: PairGeometry, features: Any) -> list[torch.Tensor]:
        """``[x^(0), ..., x^(T)]``: the T interaction passes from the state ``x`` with the pair features."""
        representations = [x]
        for t in range(self.n_interactions):
            x = self.interact(t, x, x, pairs, features)
            representations.append(x)
        return representations

    def _passes_and_readout(self, x: torch.Tensor, pairs: PairGeometry, features: Any, numbers: torch.Tensor):
        """What a training step's compiled graph holds (:meth:`compile_training_path`)."""
        representations = self.passes(x, pairs, features)
        return representations, self.readout(representations[-1], numbers)

    def forward(
        self,
        batch: Batch,
        forces: bool = False,
        create_graph: bool = False,
        embeddings: torch.Tensor | None = None,
        atom_weights: torch.Tensor | None = None,
        tabulate: bool = False,
    ) -> ModelOutput:
        """Energies, contributions and representations of a batch.

        Parameters
        ----------
        batch
            Structures with neighbour pairs, from :func:`insight.collate`.
        forces
            Also return ``-dE/dr``.
        create_graph
            Keep the graph of the forces (needed to train on forces).
        embeddings
            Replace the initial representations ``x^(0)`` (alchemy, Eq. 3.14).
        atom_weights
            Fading factors ``beta_i`` per atom scaling both what an atom sends and
            what it contributes to the energy (Eq. 3.15).
        tabulate
            Read the filters from a fine distance table (:meth:`distance_table`)
            instead of evaluating the filter network for every pair: energies
            equal to float32 round-off, several times faster for large
            molecules. Not for forces or training: the interpolated table has
            no exact derivative in distance.
        """
        if tabulate and (forces or torch.is_grad_enabled() and self.training):
            raise ArgumentError("tabulate=True gives energies only; use the exact filters (tabulate=False) for "
                                "forces and training")
        positions = batch.positions
        if forces and not positions.requires_grad:
            positions = positions.detach().requires_grad_(True)
        directions = None
        if batch.mirrored:
            half = len(batch.idx_i) // 2
            vectors = positions[batch.idx_j[:half]] - positions[batch.idx_i[:half]] + batch.offsets[:half]
            distances = torch.linalg.vector_norm(vectors, dim=1)
            if self.uses_directions:
                directions = vectors / distances[:, None]
                directions = torch.cat([directions, -directions])
            distances = distances.repeat(2)
        else:
            vectors = positions[batch.idx_j] - positions[batch.idx_i] + batch.offsets
            distances = torch.linalg.vector_norm(vectors, dim=1)
            if self.uses_directions:
                directions = vectors / distances[:, None]
        pairs = PairGeometry(
            idx_i=batch.idx_i,
            idx_j=batch.idx_j,
            distances=distances,
            n_receivers=int(batch.numbers.shape[0]),
            weights=None if atom_weights is None else atom_weights[batch.idx_j],
            mirrored=batch.mirrored,
            directions=directions,
        )
        x0 = self.embedding(batch.numbers) if embeddings is None else embeddings
        # Training on forces differentiates the forces again: the windowed expansion has no second derivative.
        features = self.pair_features_of(pairs, tabulate=tabulate, windowed=False if create_graph else None)
        compiled = self.__dict__.get("_compiled_passes")
        # The compiled graph (compile_training_path) in training steps only, and never under a graph that will be
        # differentiated again (compiled graphs have no double backward).
        if compiled is not None and self.training and torch.is_grad_enabled() and not create_graph:
            representations, contributions = compiled(self.initial_state(x0), pairs, features, batch.numbers)
        else:
            representations, contributions = self._passes_and_readout(self.initial_state(x0), pairs, features,
                                                                       batch.numbers)
        pooled = contributions if atom_weights is None else contributions * atom_weights
        energy = self.pool(pooled, batch.structure_index, batch.n_atoms)
        result = ModelOutput(energy=energy, contributions=contributions, representations=representations)
        if forces:
            (gradient,) = torch.autograd.grad(energy.sum(), positions, create_graph=create_graph)
            result.forces = -gradient
        return result

    def _probe_passes(self, x: torch.Tensor, atom_representations: list[torch.Tensor], geometry: PairGeometry,
                      features: Any, numbers: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """One chunk of :meth:`probe`: ``[x^(0), ..., x^(T)]`` of the probes, which feel the structure's
        ``x_j^(t)`` but are not felt, and their energies (``benchmarks/inference.py --compiled`` compiles this)."""
        representations = [x]
        for t in range(self.n_interactions):
            x = self.interact(t, x, atom_representations[t], geometry, features)
            representations.append(x)
        return representations, self.readout(x, numbers)

    # -- convenience on structures ----------------------------------------------
    #: Largest structure a model without a cutoff takes: all n^2 pairs are computed (settable per model).
    max_atoms_all_pairs: int = 1000
    #: Coordinates farther than this from the origin (Å) are refused: float32 positions lose precision there.
    max_coordinate: float = 1e4

    def check_structure(self, structure: Structure) -> None:
        """Raise :class:`StructureError` for input the model cannot give a meaningful number for; warn
        (:class:`~insight.errors.DomainWarning`) for input outside what it was trained on."""
        self.check_elements(structure.numbers)
        if structure.is_periodic and self.cutoff is None:
            raise StructureError(
                f"model {self.name!r} has no cutoff and is defined for molecules only; "
                "use a periodic model (e.g. one with a cutoff) for crystals"
            )
        if self.cutoff is None and len(structure) > self.max_atoms_all_pairs:
            raise StructureError(
                f"{len(structure)} atoms: model {self.name!r} computes all {len(structure) ** 2:,} atom pairs and "
                f"takes at most {self.max_atoms_all_pairs} atoms (set model.max_atoms_all_pairs to go further); "
                "for large systems use a model with a cutoff")
        farthest = float(np.abs(structure.positions).max()) if len(structure) else 0.0
        if farthest > self.max_coordinate:
            raise StructureError(
                f"coordinates up to {farthest:.3g} Å from the origin: positions that far lose precision in the "
                f"model's arithmetic; move the structure to the origin (structure.translated(-centre))")
        check_overlaps(structure)
        if self.card.periodic and not structure.is_periodic:
            warnings.warn(f"model {self.name!r} was trained on crystals; {structure.formula} is a molecule, "
                          "so its energy is outside what the model learned", DomainWarning, stacklevel=3)
        elif not self.card.periodic and self.card.dataset is not None and structure.is_periodic:
            warnings.warn(f"model {self.name!r} was trained on molecules ({self.card.dataset}); "
                          f"{structure.formula} is a crystal", DomainWarning, stacklevel=3)
        fragments = count_fragments(structure) if not structure.is_periodic and len(structure) > 1 else 1
        if fragments > 1:
            warnings.warn(f"{structure.formula} consists of {fragments} molecules not bonded to each other; the "
                          "model was trained on single molecules", DomainWarning, stacklevel=3)
        if len(structure) == 1 and not structure.is_periodic and not self.card.periodic:
            warnings.warn(f"a single {structure.formula} atom: its atomization energy is 0 by definition, and the "
                          "model, trained on molecules, only extrapolates to it", DomainWarning, stacklevel=3)

    def domain_warnings(self, structure: Structure) -> list[str]:
        """The :class:`~insight.errors.DomainWarning` messages :meth:`check_structure` gives for ``structure``
        (empty when it lies in the model's domain), for a front end to show; refused input still raises."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DomainWarning)
            self.check_structure(structure)
        for other in (w for w in caught if not issubclass(w.category, DomainWarning)):
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
        return [str(w.message) for w in caught if issubclass(w.category, DomainWarning)]

    def batch(self, structures: Structure | Sequence[Structure]) -> Batch:
        """Collate structures with this model's cutoff, on its device and dtype (each checked first)."""
        structures = structure_list(structures)
        for s in structures:
            self.check_structure(s)
        return collate(structures, cutoff=self.cutoff, dtype=self.dtype).to(self.device)

    def predict(
        self, structures: Structure | Sequence[Structure], forces: bool = False, batch_size: int = 64,
        tabulate: bool = False,
    ) -> Prediction:
        """Energies (in :attr:`energy_unit`), contributions and optionally forces as NumPy arrays.

        ``tabulate=True`` reads the filters from a distance table (energies only, see :meth:`forward`).
        """
        structures = structure_list(structures)
        if not batch_size >= 1:
            raise ArgumentError(f"batch_size must be at least 1, got {batch_size}")
        energies, contributions, all_forces = [], [], []
        for start in range(0, len(structures), batch_size):
            chunk = structures[start : start + batch_size]
            batch = self.batch(chunk)
            with torch.set_grad_enabled(forces):
                out = self(batch, forces=forces, tabulate=tabulate)
            counts = batch.n_atoms.tolist()
            energies.append(out.energy.detach().cpu().numpy())
            contributions += [c.numpy() for c in out.contributions.detach().cpu().split(counts)]
            if forces:
                all_forces += [f.numpy() for f in out.forces.detach().cpu().split(counts)]
        return Prediction(
            energy=np.concatenate(energies),
            contributions=contributions,
            forces=all_forces if forces else None,
            unit=self.energy_unit,
        )

    #: Grid spacing (Å) of :meth:`distance_table`; fine enough for a relative error below 1e-6.
    table_spacing: ClassVar[float] = 0.002

    def distance_table(self, spacing: float | None = None) -> "DistanceTable":
        """The pair features tabulated in distance (cached until the weights change)."""
        spacing = spacing or self.table_spacing
        key = (spacing, self.dtype, self.device, tuple(p._version for p in self.parameters()))
        cache = self.__dict__.setdefault("_distance_tables", {})
        if key not in cache:
            cache.clear()
            cache[key] = DistanceTable(self.pair_features, self.table_range(), spacing, self.dtype, self.device)
        return cache[key]

    def table_range(self) -> float:
        """Distance beyond which the pair features no longer change (Å)."""
        rbf = self.rbf
        gaussian_reach = float(rbf.centers[-1]) + 6.0 / math.sqrt(float(rbf.gamma))  # exp(-36): zero in float32
        return gaussian_reach if self.cutoff is None else min(self.cutoff, gaussian_reach)

    def probe(
        self,
        structure: Structure,
        points: np.ndarray | torch.Tensor,
        element: str | int,
        chunk_size: int = 512,
        tabulate: bool = True,
        return_representations: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """Energy ``Omega_A(r)`` of a probe atom of type ``element`` at each point (Eq. 3.12-3.13, 4.15).

        The probe feels the structure; the structure does not feel the probe,
        so the structure's representations ``x_j^(t)`` are computed once and
        reused for all probes, which are evaluated in chunks of ``chunk_size``.

        Parameters
        ----------
        structure
            Molecule or crystal.
        points
            Probe positions in Å, ``(n_points, 3)``.
        element
            Probe element, e.g. ``"H"`` or ``1``.
        tabulate
            Look the filters up in a fine distance table (:meth:`distance_table`)
            instead of evaluating the filter network for every probe-atom pair:
            about ten times faster; relative deviation below 1e-6.
        return_representations
            Also return the probe representations after every pass.

        Returns
        -------
        torch.Tensor
            ``(n_points,)`` in the model's energy unit, and the list of
            ``(n_points, n_features)`` representations if asked for.
        """
        z = atomic_number(element)
        self.check_elements([z])
        batch = self.batch(structure)
        atom_representations = self(batch).representations
        points_t = (
            points.to(self.device, self.dtype).reshape(-1, 3)
            if isinstance(points, torch.Tensor)
            else torch.as_tensor(_points_array(points), dtype=self.dtype, device=self.device)
        )
        n_points = int(points_t.shape[0])
        if n_points == 0:
            raise StructureError("no probe points given; pass an array of shape (n_points, 3) in Å")
        if not torch.isfinite(points_t).all():
            raise StructureError("probe points contain NaN or infinity; pass finite positions in Å")
        features_of = self.distance_table() if tabulate else self.pair_features
        dense = not structure.is_periodic and self.cutoff is None
        if not dense:
            pairs = probe_pairs(structure, points_t.detach().cpu().numpy(), self.cutoff)
            cell = np.zeros((3, 3)) if structure.cell is None else structure.cell
            offsets = torch.as_tensor(pairs.shifts @ cell, dtype=self.dtype, device=self.device)
            idx_i = torch.as_tensor(pairs.idx_i, device=self.device)
            idx_j = torch.as_tensor(pairs.idx_j, device=self.device)
            bounds = np.searchsorted(pairs.idx_i, np.arange(0, n_points + chunk_size, chunk_size).clip(max=n_points))
        x_probe0 = self.embedding.weight[z]
        numbers = torch.full((n_points,), z, dtype=torch.long, device=self.device)
        energies, representations = [], [[] for _ in range(self.n_interactions + 1)]
        for k, start in enumerate(range(0, n_points, chunk_size)):
            stop = min(start + chunk_size, n_points)
            if dense:  # models without a cutoff; those that use directions (PaiNN) always have one
                distances = torch.cdist(points_t[start:stop], batch.positions).reshape(-1)
                geometry = PairGeometry(None, None, distances, stop - start, dense_senders=len(structure))
            else:
                lo, hi = int(bounds[k]), int(bounds[k + 1])
                sel_i, sel_j = idx_i[lo:hi] - start, idx_j[lo:hi]
                vectors = batch.positions[sel_j] + offsets[lo:hi] - points_t[start:stop][sel_i]
                geometry = PairGeometry(sel_i, sel_j, torch.linalg.vector_norm(vectors, dim=1), stop - start)
            if self.uses_directions:  # a probe on a nucleus has no direction to it: 0, not 0/0
                length = geometry.distances[:, None]
                geometry.directions = torch.where(length > 0, vectors / length.clamp(min=1e-12), 0.0)
            features = features_of(geometry.distances)
            x = self.initial_state(x_probe0.expand(stop - start, -1))
            chunk_representations, chunk_energies = self._probe_passes(x, atom_representations, geometry, features,
                                                                       numbers[start:stop])
            for kept, x_t in zip(representations, chunk_representations):
                kept.append(x_t)
            energies.append(chunk_energies)
        omega = torch.cat(energies)
        if return_representations:
            return omega, [torch.cat(r) for r in representations]
        return omega
