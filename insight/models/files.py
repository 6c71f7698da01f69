"""Saving and loading models: safetensors weights plus a JSON model card.

A model is a folder holding ``weights.safetensors`` (tensors only, no code:
loading it can never run anything) and ``card.json`` (architecture and
hyperparameters, units, target, atom references and scaling, training data
and split seed, metrics). Bundled models live in ``pretrained/NAME/``.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any

import torch

from .base import AtomisticModel
from .dtnn import DTNN
from .schnet import SchNet

__all__ = [
    "ARCHITECTURES",
    "ModelFileError",
    "build_model",
    "list_pretrained",
    "load_model",
    "pretrained_aliases",
    "save_model",
]

ARCHITECTURES: dict[str, type[AtomisticModel]] = {"schnet": SchNet, "dtnn": DTNN}
FORMAT = "insight-model"
FORMAT_VERSION = 1
WEIGHTS_FILE = "weights.safetensors"
CARD_FILE = "card.json"
ALIASES_FILE = "aliases.json"


class ModelFileError(ValueError):
    """A model file or name cannot be loaded."""


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


def build_model(architecture: str, hyperparameters: dict[str, Any]) -> AtomisticModel:
    """An untrained model of the given architecture (``"schnet"`` or ``"dtnn"``)."""
    if architecture not in ARCHITECTURES:
        raise ModelFileError(f"unknown architecture {architecture!r}; insight knows {sorted(ARCHITECTURES)}")
    cls = ARCHITECTURES[architecture]
    allowed = {f.name for f in fields(cls.Config)}
    unknown = set(hyperparameters) - allowed
    if unknown:
        raise ModelFileError(
            f"{architecture} has no hyperparameters {sorted(unknown)}; the file may come from a newer insight"
        )
    return cls(cls.Config(**hyperparameters))


def save_model(model: AtomisticModel, path: str | os.PathLike, **card: Any) -> Path:
    """Write ``model`` to the folder ``path`` (created if needed).

    Keyword arguments are merged into the model card (e.g. ``name``, ``units``,
    ``target``, ``training``, ``metrics``).
    """
    from safetensors.torch import save_file

    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    merged = dict(model.card)
    merged.update(card)
    merged.update(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        architecture=model.architecture,
        hyperparameters=model.hyperparameters(),
        scaling={
            "mean": float(model.mean),
            "stddev": float(model.stddev),
            "atomref": {str(z): float(v) for z, v in enumerate(model.atomref.tolist()) if v != 0.0},
        },
    )
    merged.setdefault("name", folder.name)
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"format": FORMAT})
    (folder / CARD_FILE).write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    model.card = merged
    return folder


def resolve_model_folder(name_or_path: str | os.PathLike) -> Path:
    """The folder of a model given as a folder, one of its files, or a bundled name or alias."""
    path = Path(name_or_path).expanduser()
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


def load_model(
    name_or_path: str | os.PathLike, device: str | torch.device | None = None, dtype: torch.dtype | None = None,
    trust: bool = False,
) -> AtomisticModel:
    """Load a bundled model by name, a model folder by path, or a SchNetPack 2.x model file.

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
        Allow reading a SchNetPack file, a pickle that runs code when loaded.
        Our own format never needs it.

    Returns
    -------
    AtomisticModel
        In evaluation mode, with its card in ``model.card``.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(name_or_path).expanduser()
    if path.is_file() and path.name not in (WEIGHTS_FILE, CARD_FILE):
        from .schnetpack import load_schnetpack

        model = load_schnetpack(path, trust=trust)
        if dtype is not None:
            model = model.to(dtype)
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        return model.to(device).eval()
    folder = resolve_model_folder(name_or_path)
    card_path, weights_path = folder / CARD_FILE, folder / WEIGHTS_FILE
    if not card_path.is_file() or not weights_path.is_file():
        raise ModelFileError(f"{folder} must contain {CARD_FILE} and {WEIGHTS_FILE}")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelFileError(f"{card_path} is not valid JSON: {err}") from err
    if card.get("format") != FORMAT:
        raise ModelFileError(f"{card_path} is not an insight model card (missing format={FORMAT!r})")
    if int(card.get("format_version", 0)) > FORMAT_VERSION:
        raise ModelFileError(f"{card_path} has format version {card['format_version']}; update insight to read it")
    model = build_model(card["architecture"], card.get("hyperparameters", {}))
    try:
        state = load_file(str(weights_path), device="cpu")
    except (SafetensorError, OSError) as err:
        raise ModelFileError(f"{weights_path} is not a readable safetensors file: {err}") from err
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise ModelFileError(f"{weights_path} does not match the architecture in {card_path}: {err}") from err
    model.card = card
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device=device, dtype=dtype)
    return model.eval()
