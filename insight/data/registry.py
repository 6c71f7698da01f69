"""The datasets ``insight train`` knows, with their thesis protocols.

A dataset here is a name with: how to load it, its properties and units, the
default split sizes of the thesis' experiment on it, the hyperparameters a
model needs for it (periodic SchNet: 5 Å cutoff and neighbour averaging,
Eq. 4.14), and an identifier per row, stored with each model's split so that
re-evaluation can check it reads the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["DatasetInfo", "DATASETS", "dataset_info", "load_dataset", "pack_dataset", "target_info", "row_ids"]


@dataclass(frozen=True)
class DatasetInfo:
    """What the trainer needs to know about a dataset.

    Attributes
    ----------
    default_target
        Property trained on unless told otherwise.
    n_train, n_validation
        Default split sizes (the rest is the test set).
    hyperparameters
        Per architecture, hyperparameters the data requires by default.
    id_key
        Name under which the rows' identifiers are saved in ``split.npz``.
    """

    name: str
    description: str
    default_target: str
    n_train: int
    n_validation: int
    hyperparameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    id_key: str = "row_id"


_PERIODIC_SCHNET = {"cutoff": 5.0, "cosine_cutoff": True, "neighbor_average": True, "rbf_stop": 5.0}

DATASETS: dict[str, DatasetInfo] = {
    "qm9": DatasetInfo(
        name="qm9",
        description="QM9 molecules (qm9pack), thesis units",
        default_target="U0",
        n_train=110_000,
        n_validation=10_000,
        id_key="qm9_index",
    ),
    "flla": DatasetInfo(
        name="flla",
        description="FLLA Materials Project crystals (matminer 0.4.0); fetch with `insight data fetch flla`",
        default_target="formation_energy_per_atom",
        n_train=3_000,
        n_validation=438,
        hyperparameters={"schnet": _PERIODIC_SCHNET, "dtnn": {"cutoff": 5.0, "cosine_cutoff": True, "rbf_stop": 5.0}},
        id_key="material_id",
    ),
}


def dataset_info(name: str) -> DatasetInfo:
    """Known datasets, and ``md:MOLECULE`` for trajectories made by ``insight data generate-md``."""
    if name.startswith("md:"):
        molecule = name[3:]
        return DatasetInfo(
            name=name,
            description=f"{molecule} molecular dynamics at 500 K, GFN2-xTB energies and forces (not DFT)",
            default_target="energy",
            n_train=1_000,
            n_validation=1_000,
            id_key="frame",
        )
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; insight trains on {', '.join(DATASETS)} and md:MOLECULE")
    return DATASETS[name]


def load_dataset(name: str):
    """The dataset object (:class:`~insight.data.qm9.QM9` or :class:`~insight.data.flla.FLLA`)."""
    dataset_info(name)
    if name.startswith("md:"):
        from .md import load_trajectory

        return load_trajectory(name[3:])
    if name == "qm9":
        from .qm9 import load_qm9

        return load_qm9()
    from .flla import load_flla

    return load_flla()


def target_info(name: str, target: str) -> tuple[str, bool]:
    """``(unit, intensive)`` of a dataset's property; intensive properties use mean pooling."""
    if name.startswith("md:"):
        properties = {"energy": ("kcal/mol", False)}
    elif name == "qm9":
        from .qm9 import QM9_PROPERTIES

        properties = {k: (unit, intensive) for k, (_c, unit, _f, intensive) in QM9_PROPERTIES.items()}
    else:
        from .flla import FLLA_PROPERTIES

        properties = {k: (unit, intensive) for k, (_c, unit, intensive) in FLLA_PROPERTIES.items()}
    if target not in properties:
        raise ValueError(f"{name} has no property {target!r}; choose one of {', '.join(properties)}")
    return properties[target]


def row_ids(name: str, dataset) -> np.ndarray:
    """One identifier per row (QM9 number or Materials Project id)."""
    if name.startswith("md:"):
        return np.arange(len(dataset))
    column = "index" if name == "qm9" else "material_id"
    values = dataset.table[column].to_numpy()
    return values.astype(str) if name != "qm9" else values


def pack_dataset(dataset, target: str, cutoff: float | None):
    """:class:`~insight.training.PackedStructures` of a whole dataset for one target (with forces for MD)."""
    from ..training import PackedStructures
    from .md import Trajectory

    if isinstance(dataset, Trajectory):
        return PackedStructures(dataset.flat_numbers, dataset.positions.reshape(-1, 3), dataset.offsets,
                                dataset.target(target), cutoff, forces=dataset.forces.reshape(-1, 3))
    return PackedStructures(dataset.numbers, dataset.positions, dataset.offsets, dataset.target(target), cutoff,
                            cells=getattr(dataset, "cells", None))
