"""Saving and loading models: safetensors weights plus a JSON model card.

A model is a folder holding ``weights.safetensors`` (tensors only, no code:
loading it can never run anything) and ``card.json`` (architecture and
hyperparameters, units, target, atom references and scaling, training data
and split seed, metrics). Bundled models live in ``pretrained/NAME/``.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..data.registry import dataset_entry
from ..errors import ArgumentError, ModelFileError
from .base import AtomisticModel
from .card import CARD_FILE, FORMAT, ModelCard, read_card, write_card
from .dtnn import DTNN
from .painn import PaiNN
from .schnet import SchNet
from .schnetpack import load_schnetpack

__all__ = [
    "ARCHITECTURES",
    "ModelFileError",
    "build_model",
    "list_pretrained",
    "load_model",
    "load_split",
    "pretrained_aliases",
    "pretrained_cards",
    "resolve_model_folder",
    "save_model",
    "untrained_like",
]

ARCHITECTURES: dict[str, type[AtomisticModel]] = {"schnet": SchNet, "dtnn": DTNN, "painn": PaiNN}
WEIGHTS_FILE = "weights.safetensors"
ALIASES_FILE = "aliases.json"
SPLIT_FILE = "split.npz"


def pretrained_dir() -> Path:
    """Folder of the bundled models (``pretrained/`` in the repository)."""
    return Path(str(resources.files("insight_pretrained")))


def list_pretrained() -> list[str]:
    """Names of the bundled models, e.g. ``["dtnn-qm9-t3", "schnet-qm9-t6"]`` (see also :func:`pretrained_aliases`)."""
    root = pretrained_dir()
    return sorted(p.name for p in root.iterdir() if (p / CARD_FILE).is_file() and (p / WEIGHTS_FILE).is_file())


def pretrained_aliases() -> dict[str, str]:
    """Short names for bundled models, e.g. ``{"schnet-qm9": "schnet-qm9-t6"}`` (``pretrained/aliases.json``)."""
    path = pretrained_dir() / ALIASES_FILE
    if not path.is_file():
        return {}
    aliases = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in aliases.items() if v in list_pretrained()}


#: Hyperparameters checked before anything is allocated: name -> (smallest, largest) allowed value.
_SIZE_LIMITS = {"n_features": (1, 4096), "n_filters": (1, 4096), "n_factors": (1, 4096), "n_interactions": (1, 32),
                "n_output_hidden": (1, 4096), "max_z": (1, 118)}
_LARGEST_EXPANSION = 20_000  # Gaussians: 30 Å every 0.1 Å is 301


def _check_hyperparameters(architecture: str, hyperparameters: dict[str, Any]) -> None:
    """Refuse sizes that are not whole numbers or would allocate absurd amounts, naming the field."""
    for name, (low, high) in _SIZE_LIMITS.items():
        if name not in hyperparameters:
            continue
        value = hyperparameters[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ModelFileError(f"{architecture} hyperparameter {name} must be a whole number from {low} to {high}, "
                                 f"got {value!r}; the card may be damaged")
    for name in ("rbf_stop", "rbf_spacing", "rbf_gamma", "cutoff"):
        value = hyperparameters.get(name)
        if value is None and name == "cutoff":
            continue
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value) or value <= 0):
            raise ModelFileError(f"{architecture} hyperparameter {name} must be a positive number, got {value!r}")
    stop, spacing = hyperparameters.get("rbf_stop"), hyperparameters.get("rbf_spacing")
    if stop is not None and spacing is not None and stop / spacing > _LARGEST_EXPANSION:
        raise ModelFileError(f"rbf_stop / rbf_spacing asks for {stop / spacing:.0f} Gaussians; at most "
                             f"{_LARGEST_EXPANSION} are allowed")


def build_model(architecture: str, hyperparameters: dict[str, Any]) -> AtomisticModel:
    """An untrained model of the given architecture (``"schnet"``, ``"dtnn"`` or ``"painn"``)."""
    if architecture not in ARCHITECTURES:
        raise ModelFileError(f"unknown architecture {architecture!r}; insight knows {sorted(ARCHITECTURES)}")
    cls = ARCHITECTURES[architecture]
    allowed = {f.name for f in fields(cls.Config)}
    unknown = set(hyperparameters) - allowed
    if unknown:
        raise ModelFileError(
            f"{architecture} has no hyperparameters {sorted(unknown)}; the file may come from a newer insight"
        )
    _check_hyperparameters(architecture, hyperparameters)
    try:
        return cls(cls.Config(**hyperparameters))
    except (TypeError, ValueError) as err:
        raise ModelFileError(f"invalid {architecture} hyperparameters: {err}") from err


def untrained_like(model: AtomisticModel, count: int = 1, seed: int = 1000) -> list[AtomisticModel]:
    """``count`` randomly initialised models (seeds ``seed``, ``seed + 1``, ...) of ``model``'s architecture, size
    and output scaling (mean, standard deviation, atom references): the negative control of a finding, which a
    trained model must pass and these must not."""
    controls = []
    for k in range(count):
        torch.manual_seed(seed + k)
        control = build_model(model.architecture, dict(model.card.hyperparameters))
        control.load_state_dict({key: value for key, value in model.state_dict().items()
                                 if key in ("mean", "stddev", "atomref")}, strict=False)
        control.card = model.card.replace(name=f"untrained-{k}")
        controls.append(control.to(device=model.device, dtype=model.dtype).eval())
    return controls


def save_model(model: AtomisticModel, path: str | os.PathLike, card: ModelCard | None = None) -> Path:
    """Write ``model`` (weights and card) to the folder ``path``, created if needed.

    ``card`` replaces the model's card; the architecture, hyperparameters and
    scaling are always taken from the model itself, so they cannot disagree.
    An untrained model's card takes the folder's name.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    if card is None:
        card = model.card if model.card.name != model.architecture else model.card.replace(name=folder.name)
    card = card.replace(
        architecture=model.architecture,
        hyperparameters=model.hyperparameters(),
        scaling={
            "mean": float(model.mean),
            "stddev": float(model.stddev),
            "atomref": {str(z): float(v) for z, v in enumerate(model.atomref.tolist()) if v != 0.0},
        },
    )
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"format": FORMAT})
    write_card(folder, card)
    model.card = card
    return folder


def pretrained_cards() -> dict[str, ModelCard]:
    """The card of every bundled model, by name (weights are not read)."""
    return {name: read_card(pretrained_dir() / name) for name in list_pretrained()}


def load_split(model_name_or_folder: str | os.PathLike) -> dict[str, np.ndarray]:
    """The train/validation/test rows a model was trained with (``split.npz`` beside its card).

    Takes a model folder or a bundled model's name or alias, like :func:`load_model`.
    """
    path = resolve_model_folder(model_name_or_folder) / SPLIT_FILE
    if not path.is_file():
        raise ModelFileError(f"{path} is missing: this model does not record its data split")
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def _as_path(name_or_path: Any) -> Path:
    if not isinstance(name_or_path, (str, os.PathLike)) or not str(name_or_path).strip():
        raise ModelFileError(f"a model is given by a bundled name or a folder path, got {name_or_path!r}")
    try:
        path = Path(name_or_path).expanduser()
        path.exists()  # raises for names the file system cannot hold (too long, NUL bytes)
    except (OSError, ValueError) as err:
        raise ModelFileError(f"{str(name_or_path)[:80]!r} cannot be a model name or path: {err}") from err
    return path


def _looks_like_torch_file(path: Path) -> bool:
    """A file written by torch.save: a zip archive, or a pickle of the legacy format."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    return head.startswith(b"PK\x03\x04") or head[:1] == b"\x80"


def resolve_model_folder(name_or_path: str | os.PathLike) -> Path:
    """The folder of a model given as a folder, one of its files, or a bundled name or alias."""
    path = _as_path(name_or_path)
    if path.is_file() and path.name in (WEIGHTS_FILE, CARD_FILE):
        path = path.parent
    if path.is_dir():
        return path
    name = pretrained_aliases().get(str(name_or_path), str(name_or_path))
    bundled = pretrained_dir() / name
    if os.sep not in name and (bundled / CARD_FILE).is_file():
        return bundled
    available = ", ".join(list_pretrained() + sorted(pretrained_aliases())) or "none installed"
    raise ModelFileError(
        f"no model {str(name_or_path)!r}: not a model folder and not a bundled name (bundled: {available})"
    )


def _check_card_against_model(card: ModelCard, model: AtomisticModel, where: Path) -> None:
    """The card's elements and unit must be possible for its weights and training data."""
    if card.elements is not None and any(not 1 <= z <= model.config.max_z for z in card.elements):
        raise ModelFileError(f"{where}: elements {list(card.elements)} include atomic numbers outside the model's "
                             f"embedding (1-{model.config.max_z})")
    if card.dataset is None:
        return
    if card.elements is None:
        raise ModelFileError(f"{where} records training on {card.dataset} but no 'elements'; the card is damaged")
    kind = dataset_entry(card.dataset).kind
    if kind.elements is not None and not set(card.elements) <= set(kind.elements):
        extra = sorted(set(card.elements) - set(kind.elements))
        raise ModelFileError(f"{where}: elements {extra} do not occur in {card.dataset}, on which the model was "
                             "trained; the card is damaged")
    if card.target in kind.properties and card.energy_unit != kind.properties[card.target].unit:
        raise ModelFileError(f"{where}: {card.dataset} gives {card.target} in {kind.properties[card.target].unit}, "
                             f"but the card says {card.energy_unit}; the card is damaged")


def load_model(
    name_or_path: str | os.PathLike, device: str | torch.device | None = None, dtype: torch.dtype | None = None,
    trust: bool = False, property: str | None = None, energy_unit: str | None = None,
) -> AtomisticModel:
    """Load a bundled model by name, a model folder by path, or a SchNetPack model file (0.3 to 2.2).

    Parameters
    ----------
    name_or_path
        A bundled name such as ``"schnet-qm9"`` (see :func:`list_pretrained`), a
        folder (or a file inside it) with ``weights.safetensors`` and ``card.json``,
        or a SchNetPack ``best_model`` file (converted, see :mod:`insight.models.schnetpack`).
    device
        ``None`` picks CUDA when available, else the CPU.
    dtype
        Optional floating-point type, e.g. ``torch.float64`` for finite differences.
    trust
        Unpickle a SchNetPack file that the restricted reader cannot map, which runs code from it (see
        :func:`~insight.models.schnetpack.load_schnetpack`). Our own format never needs it.
    property, energy_unit
        For SchNetPack files: the output to convert (e.g. ``"energy_U0"``; default: the only one) and its unit
        (default: as the training run's ``config.yaml`` records it, else eV, which ``model.card.source`` then
        calls assumed). Model folders have one output with its unit on the card.

    Returns
    -------
    AtomisticModel
        In evaluation mode, with its card in ``model.card``.
    """
    path = _as_path(name_or_path)
    if path.is_file() and path.name not in (WEIGHTS_FILE, CARD_FILE):
        if not _looks_like_torch_file(path):
            raise ModelFileError(f"{path} is neither a model folder (card.json + weights.safetensors) nor a "
                                 "SchNetPack model file; give a bundled name (insight models) or a model folder")
        model = load_schnetpack(path, trust=trust, property=property, energy_unit=energy_unit)
        if dtype is not None:
            model = model.to(dtype)
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        return model.to(device).eval()
    if property is not None or energy_unit is not None:
        raise ArgumentError("property= and energy_unit= choose a SchNetPack file's output; an insight model has one, "
                            "whose unit its card gives")
    folder = resolve_model_folder(name_or_path)
    card_path, weights_path = folder / CARD_FILE, folder / WEIGHTS_FILE
    if not card_path.is_file() or not weights_path.is_file():
        raise ModelFileError(f"{folder} must contain {CARD_FILE} and {WEIGHTS_FILE}")
    card = read_card(folder)
    model = build_model(card.architecture, dict(card.hyperparameters))
    try:
        state = load_file(str(weights_path), device="cpu")
    except (SafetensorError, OSError) as err:
        raise ModelFileError(f"{weights_path} is not a readable safetensors file: {err}") from err
    for name, tensor in state.items():
        if not tensor.is_floating_point():
            raise ModelFileError(f"{weights_path}: tensor {name} is {tensor.dtype}, not floating point; the file is "
                                 "damaged or not an insight model")
        if not torch.isfinite(tensor).all():
            raise ModelFileError(f"{weights_path}: tensor {name} holds NaN or infinite values; the weights are "
                                 "damaged (retrain or restore the file)")
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise ModelFileError(f"{weights_path} does not match the architecture in {card_path}: {err}") from err
    _check_card_against_model(card, model, card_path)
    model.card = card
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device=device, dtype=dtype)
    return model.eval()
