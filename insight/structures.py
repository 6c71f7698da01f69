"""The structure type every part of insight speaks: molecules and crystals.

Lengths are in Å throughout. A :class:`Structure` is immutable; methods that
change geometry return a new structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import ase
import numpy as np
from ase.data import atomic_numbers as _ATOMIC_NUMBERS
from ase.data import chemical_symbols as _CHEMICAL_SYMBOLS

from .errors import StructureError

__all__ = ["Structure", "StructureError", "atomic_number", "element_symbol", "hill_formula"]

MAX_ATOMIC_NUMBER = 118

#: Two atoms closer than this (Å) are treated as overlapping: no stable
#: molecule or crystal has interatomic distances below ~0.6 Å (H2: 0.74 Å).
OVERLAP_DISTANCE = 0.5




def atomic_number(element: str | int) -> int:
    """Atomic number of an element given as symbol ("C") or number (6)."""
    if isinstance(element, (int, np.integer)):
        z = int(element)
        if not 1 <= z <= MAX_ATOMIC_NUMBER:
            raise StructureError(f"atomic number {z} is outside 1..{MAX_ATOMIC_NUMBER}")
        return z
    symbol = str(element).strip()
    symbol = symbol[:1].upper() + symbol[1:].lower()
    if symbol not in _ATOMIC_NUMBERS or symbol == "X":
        raise StructureError(f"unknown element symbol {element!r}; use a symbol such as 'H', 'C' or 'Fe'")
    return _ATOMIC_NUMBERS[symbol]


def element_symbol(z: int) -> str:
    """Chemical symbol of atomic number ``z``."""
    return _CHEMICAL_SYMBOLS[atomic_number(z)]


def hill_formula(numbers: Iterable[int]) -> str:
    """Hill formula of a set of atoms: C first, then H, then the others alphabetically."""
    values, counts = np.unique(np.asarray(list(numbers), dtype=np.int64), return_counts=True)
    count = {_CHEMICAL_SYMBOLS[z]: int(n) for z, n in zip(values, counts)}
    first = [s for s in ("C", "H") if s in count] if "C" in count else []
    order = first + sorted(s for s in count if s not in first)
    return "".join(f"{s}{count[s] if count[s] > 1 else ''}" for s in order)


def _as_numbers(numbers: Iterable[int | str]) -> np.ndarray:
    values = list(numbers)
    if values and all(isinstance(v, (int, np.integer)) for v in values):
        arr = np.asarray(values, dtype=np.int64)
    else:
        arr = np.asarray([atomic_number(v) for v in values], dtype=np.int64)
    return arr


@dataclass(frozen=True, eq=False)
class Structure:
    """Atoms with positions, optionally in a periodic cell.

    Parameters
    ----------
    numbers
        Atomic numbers, shape ``(n_atoms,)``. Symbols are accepted and converted.
    positions
        Cartesian positions in Å, shape ``(n_atoms, 3)``.
    cell
        Lattice vectors as rows in Å, shape ``(3, 3)``; required when any
        direction is periodic, optional otherwise.
    pbc
        Periodicity along each lattice vector. A single bool applies to all three.
    info
        Free-form metadata (name, source file, reference properties).
    """

    numbers: np.ndarray
    positions: np.ndarray
    cell: np.ndarray | None = None
    pbc: tuple[bool, bool, bool] = (False, False, False)
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        numbers = _as_numbers(self.numbers)
        positions = np.asarray(self.positions, dtype=np.float64)
        if numbers.ndim != 1:
            raise StructureError(f"numbers must be a flat list of atomic numbers, got shape {numbers.shape}")
        if len(numbers) == 0:
            raise StructureError("a structure needs at least one atom")
        if positions.shape != (len(numbers), 3):
            raise StructureError(
                f"positions must have shape ({len(numbers)}, 3) to match {len(numbers)} atoms, got {positions.shape}"
            )
        bad = (numbers < 1) | (numbers > MAX_ATOMIC_NUMBER)
        if bad.any():
            raise StructureError(
                f"atomic numbers must lie in 1..{MAX_ATOMIC_NUMBER}; atom {int(np.argmax(bad))} has {numbers[bad][0]}"
            )
        if not np.isfinite(positions).all():
            atom = int(np.argmax(~np.isfinite(positions).all(axis=1)))
            raise StructureError(f"positions contain NaN or infinity (first at atom {atom}); check the input file")
        pbc = (bool(self.pbc),) * 3 if isinstance(self.pbc, (bool, np.bool_)) else tuple(bool(p) for p in self.pbc)
        if len(pbc) != 3:
            raise StructureError(f"pbc must be one bool or three, got {self.pbc!r}")
        cell = None
        if self.cell is not None:
            cell = np.asarray(self.cell, dtype=np.float64)
            if cell.shape == (3,):
                cell = np.diag(cell)
            if cell.shape != (3, 3) or not np.isfinite(cell).all():
                raise StructureError(f"cell must be a finite 3x3 matrix of lattice vectors in Å, got {self.cell!r}")
            if not np.any(cell):
                cell = None
        if any(pbc):
            if cell is None:
                raise StructureError("a periodic structure needs a cell; pass cell=... or set pbc=False")
            if abs(np.linalg.det(cell)) < 1e-6:
                raise StructureError("the cell is singular (zero volume); check the lattice vectors")
        numbers.setflags(write=False)
        positions.setflags(write=False)
        if cell is not None:
            cell.setflags(write=False)
        object.__setattr__(self, "numbers", numbers)
        object.__setattr__(self, "positions", positions)
        object.__setattr__(self, "cell", cell)
        object.__setattr__(self, "pbc", pbc)
        object.__setattr__(self, "info", dict(self.info))

    # -- basic properties ---------------------------------------------------
    def __len__(self) -> int:
        return len(self.numbers)

    def __repr__(self) -> str:
        kind = "crystal" if self.is_periodic else "molecule"
        name = self.info.get("name")
        label = f" {name!r}" if name else ""
        return f"Structure({kind}{label}, {self.formula}, {len(self)} atoms)"

    @property
    def n_atoms(self) -> int:
        return len(self.numbers)

    @property
    def is_periodic(self) -> bool:
        return any(self.pbc)

    @property
    def symbols(self) -> list[str]:
        return [_CHEMICAL_SYMBOLS[z] for z in self.numbers]

    @property
    def formula(self) -> str:
        """Hill formula (C first, then H, then alphabetical), e.g. ``C6H6``."""
        return hill_formula(self.numbers)

    # -- geometry -------------------------------------------------------------
    def distances(self) -> np.ndarray:
        """Plain (non-periodic) pairwise distance matrix in Å, shape ``(n, n)``."""
        diff = self.positions[:, None, :] - self.positions[None, :, :]
        return np.linalg.norm(diff, axis=-1)

    def replace(self, **changes: Any) -> "Structure":
        """A copy with some fields replaced, e.g. ``s.replace(positions=new)``."""
        fields = dict(numbers=self.numbers, positions=self.positions, cell=self.cell, pbc=self.pbc, info=self.info)
        fields.update(changes)
        return Structure(**fields)

    def translated(self, shift: Sequence[float]) -> "Structure":
        return self.replace(positions=self.positions + np.asarray(shift, dtype=np.float64))

    def transformed(self, rotation: np.ndarray) -> "Structure":
        """Apply a 3x3 orthogonal matrix to positions and cell (rotates the whole structure)."""
        rotation = np.asarray(rotation, dtype=np.float64)
        cell = None if self.cell is None else self.cell @ rotation.T
        return self.replace(positions=self.positions @ rotation.T, cell=cell)

    def permuted(self, order: Sequence[int]) -> "Structure":
        order = np.asarray(order)
        return self.replace(numbers=self.numbers[order], positions=self.positions[order])

    def wrapped(self) -> "Structure":
        """Atoms moved into the cell along periodic directions (fractional coordinates in [0, 1))."""
        if not self.is_periodic:
            return self
        frac = np.linalg.solve(self.cell.T, self.positions.T).T
        for axis in range(3):
            if self.pbc[axis]:
                frac[:, axis] -= np.floor(frac[:, axis])
        return self.replace(positions=frac @ self.cell)

    def repeated(self, repeats: int | Sequence[int]) -> "Structure":
        """Supercell made of ``repeats`` copies of the cell along each lattice vector."""
        if self.cell is None:
            raise StructureError("only a structure with a cell can be repeated into a supercell")
        reps = (int(repeats),) * 3 if np.isscalar(repeats) else tuple(int(r) for r in repeats)
        shifts = np.array([(a, b, c) for a in range(reps[0]) for b in range(reps[1]) for c in range(reps[2])])
        offsets = shifts @ self.cell
        positions = (self.positions[None, :, :] + offsets[:, None, :]).reshape(-1, 3)
        numbers = np.tile(self.numbers, len(shifts))
        return self.replace(numbers=numbers, positions=positions, cell=self.cell * np.asarray(reps)[:, None])

    # -- ASE interop --------------------------------------------------------
    def to_ase(self) -> "ase.Atoms":
        atoms = ase.Atoms(numbers=self.numbers, positions=self.positions, pbc=self.pbc)
        if self.cell is not None:
            atoms.set_cell(self.cell)
        atoms.info.update({k: v for k, v in self.info.items() if isinstance(v, (str, int, float, bool))})
        return atoms

    @classmethod
    def from_ase(cls, atoms: "ase.Atoms", **info: Any) -> "Structure":
        cell = np.asarray(atoms.get_cell())
        pbc = tuple(bool(p) for p in atoms.get_pbc())
        merged = {k: v for k, v in atoms.info.items() if isinstance(v, (str, int, float, bool))}
        merged.update(info)
        return cls(
            numbers=atoms.get_atomic_numbers(),
            positions=atoms.get_positions(),
            cell=cell if np.any(cell) else None,
            pbc=pbc,
            info=merged,
        )
