"""The datasets insight knows, by name: ``qm9``, ``flla`` and ``md:MOLECULE``.

This is the one place where a dataset name is turned into a dataset class; the
class itself (:class:`~insight.data.base.Dataset`) carries the properties,
units and the thesis' protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import DatasetError
from ..examples import MD17_MOLECULES
from .base import Dataset, Property, Protocol
from .flla import FLLA, load_flla
from .md import Trajectory, load_trajectory
from .qm9 import QM9, load_qm9

__all__ = ["DatasetEntry", "dataset_entry", "dataset_names", "load_dataset", "target_property"]

MD_PREFIX = "md:"


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset by name: its class (properties, protocol) and how to load it."""

    name: str
    description: str
    kind: type[Dataset]
    loader: Callable[[], Dataset]

    @property
    def protocol(self) -> Protocol:
        return self.kind.protocol

    def load(self) -> Dataset:
        return self.loader()


_FIXED = {
    "qm9": DatasetEntry("qm9", "QM9 molecules (qm9pack), thesis units", QM9, load_qm9),
    "flla": DatasetEntry("flla", "FLLA Materials Project crystals (matminer 0.4.0); fetch with "
                                 "`insight data fetch flla`", FLLA, load_flla),
}


def dataset_names() -> list[str]:
    """Every name :func:`load_dataset` accepts, ``md:*`` for the MD17 molecules included."""
    return list(_FIXED) + [MD_PREFIX + molecule.replace(" ", "-") for molecule in MD17_MOLECULES]


def dataset_entry(name: str) -> DatasetEntry:
    """The registry entry for ``qm9``, ``flla`` or ``md:MOLECULE`` (a generated GFN2-xTB trajectory)."""
    if name in _FIXED:
        return _FIXED[name]
    if isinstance(name, str) and name.startswith(MD_PREFIX) and len(name) > len(MD_PREFIX):
        molecule = name[len(MD_PREFIX):]
        return DatasetEntry(name, f"{molecule} molecular dynamics at 500 K, GFN2-xTB energies and forces (not DFT)",
                            Trajectory, lambda: load_trajectory(molecule))
    raise DatasetError(f"unknown dataset {name!r}; insight knows {', '.join(_FIXED)} and md:MOLECULE "
                       f"(e.g. md:ethanol)")


def load_dataset(name: str) -> Dataset:
    """The dataset called ``name`` (see :func:`dataset_names`)."""
    return dataset_entry(name).load()


def target_property(name: str, target: str) -> Property:
    """A dataset's property by name, without loading the data (unit, and whether it is intensive)."""
    properties = dataset_entry(name).kind.properties
    if target not in properties:
        raise DatasetError(f"{name} has no property {target!r}; choose one of {', '.join(properties)}")
    return properties[target]
