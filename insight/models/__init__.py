"""DTNN, SchNet and PaiNN, and their model files."""

from .base import AtomisticModel, ModelOutput, PairGeometry, Prediction, UnknownElementError
from .card import ModelCard, ThesisReference, TrainingRecord, read_card, write_card
from .dtnn import DTNN, DTNNConfig
from .files import (
    ARCHITECTURES,
    ModelFileError,
    build_model,
    list_pretrained,
    load_model,
    load_split,
    pretrained_cards,
    save_model,
)
from .painn import PaiNN, PaiNNConfig
from .schnet import SchNet, SchNetConfig

__all__ = [
    "ARCHITECTURES",
    "AtomisticModel",
    "DTNN",
    "DTNNConfig",
    "ModelCard",
    "ModelFileError",
    "ModelOutput",
    "PaiNN",
    "PaiNNConfig",
    "PairGeometry",
    "Prediction",
    "SchNet",
    "SchNetConfig",
    "ThesisReference",
    "TrainingRecord",
    "UnknownElementError",
    "build_model",
    "list_pretrained",
    "load_model",
    "load_split",
    "pretrained_cards",
    "read_card",
    "save_model",
    "write_card",
]
