"""The model card: one typed record of what a model is, how it was trained and how well it does.

A model folder holds ``card.json`` beside ``weights.safetensors``. This module
is the card's only reader (:func:`read_card`, which never touches the weights)
and only writer (:func:`write_card`); everything else uses :class:`ModelCard`.

Format versions
---------------
1
    Energy unit under ``units.energy``; converted SchNetPack models have no
    ``training`` entry.
2 (current)
    Energy and length units as ``energy_unit`` and ``length_unit``; ``training``
    is always present (``null`` when the model records no training, e.g. a
    converted SchNetPack file), with the EMA decay and warm restarts of the run.

Older versions are upgraded when read; newer ones are refused with a request to
update insight.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..errors import ModelFileError
from ..structures import element_symbol

__all__ = ["ModelCard", "TrainingRecord", "ThesisReference", "read_card", "write_card", "CARD_FILE", "FORMAT",
           "FORMAT_VERSION"]

FORMAT = "insight-model"
FORMAT_VERSION = 2
CARD_FILE = "card.json"


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class TrainingRecord:
    """How a model was trained (``insight train`` writes it; :func:`insight.zoo.publish` keeps it).

    ``dataset`` names the data as the dataset registry does: ``"qm9"``, ``"flla"`` or ``"md:MOLECULE"``.
    ``hours`` is wall-clock training time; ``warm_restarts`` lists ``(seconds, learning rate)`` where a
    budget schedule was restarted.
    """

    dataset: str
    n_train: int | None = None
    n_validation: int | None = None
    n_test: int | None = None
    split_seed: int | None = None
    seed: int | None = None
    batch_size: int | None = None
    optimizer: str | None = None
    learning_rate: float | None = None
    lr_schedule: str | None = None
    ema_decay: float | None = None
    warm_restarts: tuple[tuple[float, float], ...] = ()
    epochs: int | None = None
    steps: int | None = None
    hours: float | None = None
    rho: float | None = None
    loss: str | None = None

    @property
    def with_forces(self) -> bool:
        """Trained on energies and forces (Eq. 5.7)."""
        return self.rho is not None

    def summary(self) -> str:
        """One line: optimiser, batch, rate and schedule, EMA, length of training."""
        parts = [f"{self.optimizer or '?'}, batch {self.batch_size}, lr {self.learning_rate} ({self.lr_schedule})"]
        if self.ema_decay:
            parts.append(f"EMA {self.ema_decay}")
        if self.loss and self.rho is None:
            parts.append(f"loss: {self.loss}")
        if self.warm_restarts:
            parts.append(f"{len(self.warm_restarts)} warm restart(s)")
        parts.append(f"{self.epochs} epochs, {self.steps} steps, {self.hours} h")
        return ", ".join(parts)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TrainingRecord":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["warm_restarts"] = tuple(tuple(r) for r in values.get("warm_restarts") or ())
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["warm_restarts"] = [list(r) for r in self.warm_restarts]
        return {k: v for k, v in data.items() if v is not None and v != []}


@dataclass(frozen=True)
class ThesisReference:
    """The thesis' test error for a model's setting (``insight.thesis``), in ``unit``."""

    test_mae: float
    unit: str
    source: str
    baselines: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ThesisReference":
        return cls(float(data["test_mae"]), data["unit"], data["source"], _frozen(data.get("baselines")))

    def __reduce__(self):  # mapping proxies do not pickle or deep-copy: rebuild from plain data
        return (ThesisReference.from_dict, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        data = {"test_mae": self.test_mae, "unit": self.unit, "source": self.source}
        if self.baselines:
            data["baselines"] = dict(self.baselines)
        return data


@dataclass(frozen=True)
class ModelCard:
    """Everything known about a model besides its weights.

    Attributes
    ----------
    name
        The model's name (a bundled model's folder name).
    architecture, hyperparameters
        ``"schnet"`` or ``"dtnn"`` and the keyword arguments of its config.
    energy_unit
        Unit of energies and atom-wise contributions (``kcal/mol``, ``eV/atom``, ...);
        forces are in ``energy_unit`` per Å.
    target
        The property the model predicts (``U0``, ``energy``, ``formation_energy_per_atom``).
    elements
        Atomic numbers the model was trained on; ``None`` when not recorded.
    training
        The training record; ``None`` for models that record none (converted files).
    metrics
        Validation and test errors (``test_mae``, ``test_force_mae``, ...) in ``energy_unit`` (per Å).
    """

    name: str
    architecture: str
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    energy_unit: str = "arbitrary units"
    length_unit: str = "Å"
    target: str | None = None
    elements: tuple[int, ...] | None = None
    scaling: Mapping[str, Any] = field(default_factory=dict)
    training: TrainingRecord | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    metrics_per_size: Mapping[str, list] = field(default_factory=dict)
    thesis: ThesisReference | None = None
    description: str | None = None
    status: str | None = None
    hardware: str | None = None
    notes: tuple[str, ...] = ()
    source: Mapping[str, Any] = field(default_factory=dict)
    offset_refit: Mapping[str, float] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        for name in ("hyperparameters", "scaling", "metrics", "metrics_per_size", "source", "offset_refit"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        if self.elements is not None:
            object.__setattr__(self, "elements", tuple(int(z) for z in self.elements))
        object.__setattr__(self, "notes", tuple(self.notes))

    # -- what callers ask ----------------------------------------------------------------------
    @property
    def dataset(self) -> str | None:
        """The dataset the model was trained on (``"qm9"``, ``"flla"``, ``"md:ethanol"``), or ``None``."""
        return self.training.dataset if self.training is not None else None

    @property
    def n_interactions(self) -> int:
        return int(self.hyperparameters.get("n_interactions", 0))

    @property
    def test_mae(self) -> float | None:
        return self.metrics.get("test_mae")

    @property
    def periodic(self) -> bool:
        """Trained on crystals (a cutoff with neighbour averaging, or crystal training data)."""
        return self.dataset == "flla" or bool(self.hyperparameters.get("neighbor_average"))

    @property
    def label(self) -> str:
        """One line for pickers and tables: ``schnet-qm9-t6 (SchNet, T=6, test MAE 0.57 kcal/mol)``."""
        architecture = {"schnet": "SchNet", "dtnn": "DTNN", "painn": "PaiNN"}.get(self.architecture, self.architecture)
        text = f"{self.name} ({architecture}, T={self.n_interactions}"
        if self.test_mae is not None:
            text += f", test MAE {self.test_mae:.2f} {self.energy_unit}"
        if self.source.get("energy_unit") == "assumed":
            text += f", {self.energy_unit} assumed"
        return text + ")"

    def element_list(self) -> str:
        return " ".join(element_symbol(z) for z in self.elements or ())

    def replace(self, **changes: Any) -> "ModelCard":
        """A copy with fields changed (``training`` and ``thesis`` also accept plain dicts)."""
        if isinstance(changes.get("training"), Mapping):
            changes["training"] = TrainingRecord.from_dict(changes["training"])
        if isinstance(changes.get("thesis"), Mapping):
            changes["thesis"] = ThesisReference.from_dict(changes["thesis"])
        return replace(self, **changes)

    # -- the file format -----------------------------------------------------------------------
    def __reduce__(self):  # mapping proxies do not pickle or deep-copy (copy.deepcopy of a model): rebuild
        return (ModelCard.from_dict, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        """The card as written to ``card.json`` (current format version)."""
        data: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "architecture": self.architecture,
            "hyperparameters": dict(self.hyperparameters),
            "energy_unit": self.energy_unit,
            "length_unit": self.length_unit,
            "target": self.target,
            "elements": None if self.elements is None else list(self.elements),
            "scaling": json.loads(json.dumps(dict(self.scaling))),
            "training": None if self.training is None else self.training.to_dict(),
            "metrics": dict(self.metrics),
        }
        optional = {
            "metrics_per_size": dict(self.metrics_per_size) or None,
            "thesis": None if self.thesis is None else self.thesis.to_dict(),
            "description": self.description,
            "status": self.status,
            "hardware": self.hardware,
            "notes": list(self.notes) or None,
            "source": dict(self.source) or None,
            "offset_refit": dict(self.offset_refit) or None,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "the card") -> "ModelCard":
        """Read a card of any known format version (see the module docstring)."""
        if not isinstance(data, Mapping):
            raise ModelFileError(f"{where} must be a JSON object, got {type(data).__name__}")
        if data.get("format") != FORMAT:
            raise ModelFileError(f"{where} is not an insight model card (missing format={FORMAT!r})")
        version = data.get("format_version", 1)
        if not isinstance(version, int) or isinstance(version, bool):
            raise ModelFileError(f"{where}: format_version must be a whole number, got {version!r}")
        if version > FORMAT_VERSION:
            raise ModelFileError(f"{where} has format version {version}; this insight reads up to "
                                 f"{FORMAT_VERSION}: update insight to read it")
        data = dict(data)
        if version < 2:
            units = data.pop("units", None) or {}
            data.setdefault("energy_unit", units.get("energy", "arbitrary units"))
            data.setdefault("length_unit", units.get("length", "Å"))
            data.setdefault("training", None)
        for required in ("name", "architecture"):
            if not isinstance(data.get(required), str):
                raise ModelFileError(f"{where} has no {required!r} (a string)")
        if not isinstance(data.get("hyperparameters", {}), Mapping):
            raise ModelFileError(f"{where}: 'hyperparameters' must be a JSON object")
        training = data.get("training")
        thesis = data.get("thesis")
        try:
            return cls(
                name=data["name"],
                architecture=data["architecture"],
                hyperparameters=data.get("hyperparameters", {}),
                energy_unit=str(data.get("energy_unit", "arbitrary units")),
                length_unit=str(data.get("length_unit", "Å")),
                target=data.get("target"),
                elements=data.get("elements"),
                scaling=data.get("scaling") or {},
                training=None if training is None else TrainingRecord.from_dict(training),
                metrics=data.get("metrics") or {},
                metrics_per_size=data.get("metrics_per_size") or {},
                thesis=None if thesis is None else ThesisReference.from_dict(thesis),
                description=data.get("description"),
                status=data.get("status"),
                hardware=data.get("hardware"),
                notes=tuple(data.get("notes") or ()),
                source=data.get("source") or {},
                offset_refit=data.get("offset_refit") or {},
                format_version=version,
            )
        except (TypeError, ValueError, KeyError) as err:
            raise ModelFileError(f"{where} has a malformed entry: {err}") from err


def read_card(folder: str | os.PathLike) -> ModelCard:
    """The card of a model folder, without loading its weights."""
    path = Path(folder) / CARD_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ModelFileError(f"{path} is missing: a model folder holds {CARD_FILE} and its weights") from err
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as err:
        raise ModelFileError(f"{path} is not valid JSON: {err}") from err
    return ModelCard.from_dict(data, where=str(path))


def write_card(folder: str | os.PathLike, card: ModelCard) -> Path:
    """Write ``card`` as ``folder/card.json`` (current format version)."""
    path = Path(folder) / CARD_FILE
    path.write_text(json.dumps(card.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
