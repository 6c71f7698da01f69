"""DTNN and SchNet, and their model files."""

from .base import AtomisticModel, ModelOutput, PairGeometry, Prediction, UnknownElementError
from .dtnn import DTNN, DTNNConfig
from .files import ARCHITECTURES, ModelFileError, build_model, list_pretrained, load_model, save_model
from .schnet import SchNet, SchNetConfig

__all__ = [
    "ARCHITECTURES",
    "AtomisticModel",
    "DTNN",
    "DTNNConfig",
    "ModelFileError",
    "ModelOutput",
    "PairGeometry",
    "Prediction",
    "SchNet",
    "SchNetConfig",
    "UnknownElementError",
    "build_model",
    "list_pretrained",
    "load_model",
    "save_model",
]
