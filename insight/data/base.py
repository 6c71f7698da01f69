"""What every dataset offers: QM9, the FLLA crystals and MD trajectories speak one interface.

A dataset is structures stored back to back (``numbers``, ``positions`` and
``offsets``, plus ``cells`` for crystals) with one table row per structure.
Its :attr:`Dataset.properties` say, for each target, the column, the unit and
whether it is intensive (per atom, mean pooling) or extensive (sum pooling);
its :attr:`Dataset.protocol` the thesis' split sizes and the hyperparameters a
model needs for it. Training packs it (:meth:`Dataset.pack`), the app searches
it (:meth:`Dataset.search`).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import DatasetError, StructureError
from ..structures import Structure, atomic_number, hill_formula
from .packed import PackedStructures
from .storage import concatenated_ranges

__all__ = ["Dataset", "Property", "Protocol", "formula_in_hill_order"]


@dataclass(frozen=True)
class Property:
    """One target of a dataset: its table column, unit, and whether it is intensive (a per-atom quantity)."""

    name: str
    column: str
    unit: str
    intensive: bool = False
    description: str = ""


@dataclass(frozen=True)
class Protocol:
    """How the thesis trains on a dataset.

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

    default_target: str
    n_train: int
    n_validation: int
    hyperparameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    id_key: str = "row_id"

    def __post_init__(self) -> None:
        object.__setattr__(self, "hyperparameters", MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in self.hyperparameters.items()}))


class Dataset(ABC):
    """Structures stored back to back with one table row each.

    Subclasses set :attr:`properties`, :attr:`protocol` and :attr:`search_hint`,
    and implement :meth:`structure`, :meth:`row_ids`, :meth:`_subset` and
    :meth:`_search`.
    """

    #: Targets by name.
    properties: ClassVar[Mapping[str, Property]]
    #: The thesis' protocol on this dataset.
    protocol: ClassVar[Protocol]
    #: What :meth:`search` understands, for messages and placeholders.
    search_hint: ClassVar[str]
    #: Atomic numbers that occur in the dataset, where they are fixed (QM9: H, C, N, O, F); ``None`` otherwise.
    elements: ClassVar[tuple[int, ...] | None] = None

    numbers: np.ndarray  # (n_atoms_total,)
    positions: np.ndarray  # (n_atoms_total, 3), Å
    offsets: np.ndarray  # structure k is offsets[k]:offsets[k+1]
    cells: np.ndarray | None  # (n_structures, 3, 3), Å, crystals; None for molecules
    table: pd.DataFrame

    @property
    @abstractmethod
    def name(self) -> str:
        """The dataset's name in the registry: ``"qm9"``, ``"flla"`` or ``"md:MOLECULE"``."""

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_atoms(self) -> np.ndarray:
        return np.diff(self.offsets)

    @abstractmethod
    def structure(self, k: int) -> Structure:
        """The structure at row ``k`` (a row, not an identifier: see :meth:`row_ids`)."""

    def structures(self, rows: Sequence[int]) -> list[Structure]:
        return [self.structure(int(k)) for k in rows]

    @abstractmethod
    def row_ids(self) -> np.ndarray:
        """One identifier per row (QM9 number, Materials Project id, frame), saved with every model's split."""

    def property(self, name: str) -> Property:
        """The :class:`Property` called ``name``; the error lists the dataset's properties."""
        if name not in self.properties:
            raise DatasetError(f"{self.name} has no property {name!r}; choose one of {', '.join(self.properties)}")
        return self.properties[name]

    def target(self, name: str) -> np.ndarray:
        """Values of a property for every row, in its unit (``self.property(name).unit``)."""
        return self.table[self.property(name).column].to_numpy(dtype=np.float64)

    def formulas(self) -> np.ndarray:
        """Hill formula of every structure (not reduced), e.g. ``"C7H10O2"``."""
        return np.array([hill_formula(self.numbers[a:b]) for a, b in zip(self.offsets[:-1], self.offsets[1:])])

    def subset(self, rows: Sequence[int]):
        """A smaller dataset of the same kind with the given rows, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        atom_rows = concatenated_ranges(self.offsets, rows)
        offsets = np.concatenate([[0], np.cumsum(self.n_atoms[rows])]).astype(np.int64)
        return self._subset(rows, atom_rows, offsets)

    @abstractmethod
    def _subset(self, rows: np.ndarray, atom_rows: np.ndarray, offsets: np.ndarray): ...

    def pack(self, target: str, cutoff: float | None) -> PackedStructures:
        """The whole dataset packed for training on ``target`` with neighbours within ``cutoff`` Å."""
        return PackedStructures(self.numbers, self.positions, self.offsets, self.target(target), cutoff,
                                cells=self.cells)

    def search(self, query: str, limit: int | None = None) -> pd.DataFrame:
        """Rows matching ``query`` (see :attr:`search_hint`): columns ``row``, ``id`` and ``label``.

        An empty frame when nothing matches; ``limit`` keeps the first rows.
        """
        query = str(query or "").strip()
        hits = self._search(query) if query else np.zeros(0, dtype=np.int64)
        hits = np.asarray(hits, dtype=np.int64)[:limit]
        ids = self.row_ids()[hits]
        return pd.DataFrame({"row": hits, "id": ids, "label": [self._label(int(k)) for k in hits]})

    @abstractmethod
    def _search(self, query: str) -> np.ndarray: ...

    def _label(self, k: int) -> str:
        return str(self.structure(k).info.get("name", k))


_FORMULA = re.compile(r"([A-Z][a-z]?)(\d*)")


def formula_in_hill_order(text: str, reduce: bool = False) -> str | None:
    """A typed formula in Hill order (``"NaCl"`` -> ``"ClNa"``, ``"H2O"`` -> ``"H2O"``); ``None`` if it is none.

    With ``reduce`` the counts are divided by their greatest common divisor (``"Na2Cl2"`` -> ``"ClNa"``).
    """
    parts = _FORMULA.findall(text)
    if not parts or "".join(e + n for e, n in parts) != text:
        return None
    try:
        counts: dict[int, int] = {}
        for element, n in parts:
            z = atomic_number(element)
            counts[z] = counts.get(z, 0) + int(n or 1)
    except StructureError:
        return None
    if reduce:
        divisor = int(np.gcd.reduce(list(counts.values())))
        counts = {z: n // divisor for z, n in counts.items()}
    return hill_formula([z for z, n in counts.items() for _ in range(n)])
