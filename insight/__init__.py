"""insight: an interpretability workbench for DTNN and SchNet.

>>> import insight
>>> mol = insight.from_smiles("c1ccccc1")
>>> model = insight.SchNet(n_interactions=2)          # or insight.load_model("schnet-qm9")
>>> model.predict(mol).energy.shape
(1,)
"""

from .batch import Batch, collate
from .io import StructureFileError, from_smiles, parse, read, write_xyz
from .models import (
    DTNN,
    AtomisticModel,
    DTNNConfig,
    ModelFileError,
    ModelOutput,
    Prediction,
    SchNet,
    SchNetConfig,
    UnknownElementError,
    list_pretrained,
    load_model,
    save_model,
)
from .neighbors import NeighborPairs, neighbor_pairs, probe_pairs
from .structures import Structure, StructureError, atomic_number, element_symbol

__version__ = "0.1.0"

__all__ = [
    "AtomisticModel",
    "Batch",
    "DTNN",
    "DTNNConfig",
    "ModelFileError",
    "ModelOutput",
    "NeighborPairs",
    "Prediction",
    "SchNet",
    "SchNetConfig",
    "Structure",
    "StructureError",
    "StructureFileError",
    "UnknownElementError",
    "atomic_number",
    "collate",
    "element_symbol",
    "from_smiles",
    "list_pretrained",
    "load_model",
    "neighbor_pairs",
    "parse",
    "probe_pairs",
    "read",
    "save_model",
    "write_xyz",
]
