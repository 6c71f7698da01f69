"""QM9 (Ramakrishnan et al. 2014) from the ``qm9pack`` package, in the thesis' units.

``qm9pack`` ships the 130,831 molecules that passed QM9's consistency check
as CSV files. Its ``__init__`` needs ``pkg_resources``, so the data folder is
located with ``importlib`` and the CSVs are read directly, once, into a compact
cache (``~/.cache/insight/qm9-v1.npz``, or ``$INSIGHT_CACHE``).

Energies are converted from Hartree to kcal/mol; ``U0``, ``U``, ``H`` and ``G``
are atomization energies (the total energy minus the free-atom references of
the QM9 paper), as used throughout the thesis.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import DatasetError, MissingExtraError, StructureError
from ..structures import Structure
from ..thesis import SCHNET_QM9_SPLIT
from ..units import HARTREE_TO_KCAL_MOL
from .base import Dataset, Property, Protocol, formula_in_hill_order
from .splits import random_split
from .storage import cache_dir, load_cache, save_cache

__all__ = ["QM9", "QM9_PROPERTIES", "ATOM_REFERENCES_HARTREE", "load_qm9", "qm9_split"]

#: Free-atom energies in Hartree at B3LYP/6-31G(2df,p) from the QM9 paper's atomref table.
ATOM_REFERENCES_HARTREE: dict[str, dict[int, float]] = {
    "U0": {1: -0.500273, 6: -37.846772, 7: -54.583861, 8: -75.064579, 9: -99.718730},
    "U": {1: -0.498857, 6: -37.845355, 7: -54.582445, 8: -75.063162, 9: -99.717314},
    "H": {1: -0.497912, 6: -37.844411, 7: -54.581501, 8: -75.062219, 9: -99.716370},
    "G": {1: -0.510927, 6: -37.861317, 7: -54.598897, 8: -75.079532, 9: -99.733544},
}

#: The 12 properties of Table 4.2: CSV column, unit, conversion factor, intensive or not.
QM9_PROPERTIES: dict[str, tuple[str, str, float, bool]] = {
    "mu": ("Dipole_debye", "Debye", 1.0, False),
    "alpha": ("Polarizability_bohr3", "Bohr^3", 1.0, False),
    "homo": ("HOMO_au", "kcal/mol", HARTREE_TO_KCAL_MOL, True),
    "lumo": ("LUMO_au", "kcal/mol", HARTREE_TO_KCAL_MOL, True),
    "gap": ("HOMO_LUMO_gap_au", "kcal/mol", HARTREE_TO_KCAL_MOL, True),
    "r2": ("R2_bohr2", "Bohr^2", 1.0, False),
    "zpve": ("ZPVE_au", "kcal/mol", HARTREE_TO_KCAL_MOL, False),
    "U0": ("InternalEnergy_0K_au", "kcal/mol", HARTREE_TO_KCAL_MOL, False),
    "U": ("InternalEnergy_298K_au", "kcal/mol", HARTREE_TO_KCAL_MOL, False),
    "H": ("Enthalphy_298K_au", "kcal/mol", HARTREE_TO_KCAL_MOL, False),
    "G": ("GibbsFreeEnergy_298K_au", "kcal/mol", HARTREE_TO_KCAL_MOL, False),
    "cv": ("Heatcapacity_Cv_cal_mol_K", "cal/mol/K", 1.0, False),
}

_CACHE_VERSION = 1
_SYMBOL_TO_Z = {"H": 1, "C": 6, "N": 7, "O": 8, "F": 9}


def qm9pack_data_dir() -> Path:
    """The ``data`` folder of the installed ``qm9pack`` package (without importing it)."""
    spec = importlib.util.find_spec("qm9pack")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("QM9 comes from the Python package qm9pack, which is not installed; run "
                                "`pip install 'insight-dtnn-schnet[qm9]'` (or `pip install --no-deps qm9pack`)")
    folder = Path(list(spec.submodule_search_locations)[0]) / "data"
    if not folder.is_dir():
        raise DatasetError(f"qm9pack is installed but has no data folder at {folder}; reinstall it")
    return folder


@dataclass
class QM9(Dataset):
    """QM9 molecules with properties in thesis units.

    Attributes
    ----------
    numbers
        Atomic numbers of all molecules, concatenated, ``(n_atoms_total,)``.
    positions
        Positions in Å, concatenated, ``(n_atoms_total, 3)``.
    offsets
        Start of each molecule in ``numbers``; molecule ``k`` is ``offsets[k]:offsets[k+1]``.
    table
        One row per molecule: ``index`` (QM9 number), ``smiles``, ``n_atoms`` and
        the 12 properties (see :data:`QM9_PROPERTIES`); ``U0``, ``U``, ``H``, ``G``
        are atomization energies in kcal/mol, ``*_total`` the raw totals in Hartree.
    """

    numbers: np.ndarray
    positions: np.ndarray
    offsets: np.ndarray
    table: pd.DataFrame

    cells = None  # molecules
    properties = MappingProxyType({
        name: Property(name, name, unit, intensive) for name, (_column, unit, _factor, intensive)
        in QM9_PROPERTIES.items()})
    protocol = Protocol(default_target="U0", n_train=SCHNET_QM9_SPLIT[0], n_validation=SCHNET_QM9_SPLIT[1],
                        id_key="qm9_index")
    search_hint = "a QM9 number (1-133885), a formula (C7H10O2) or a SMILES"
    elements = (1, 6, 7, 8, 9)

    @property
    def name(self) -> str:
        return "qm9"

    def structure(self, k: int) -> Structure:
        """Molecule at row ``k`` (not the QM9 index; see ``table['index']``)."""
        a, b = self.offsets[k], self.offsets[k + 1]
        row = self.table.iloc[k]
        return Structure(
            self.numbers[a:b],
            self.positions[a:b],
            info={"name": f"QM9 {int(row['index'])}", "qm9_index": int(row["index"]), "smiles": row["smiles"]},
        )

    def row_ids(self) -> np.ndarray:
        return self.table["index"].to_numpy()

    def formulas(self) -> np.ndarray:
        """Hill formula of every molecule, e.g. ``"C7H10O2"`` for the isomers of Fig. 3.7 (computed once)."""
        if getattr(self, "_formulas", None) is None:
            self._formulas = super().formulas()
        return self._formulas

    def _subset(self, rows, atom_rows, offsets) -> "QM9":
        return QM9(self.numbers[atom_rows], self.positions[atom_rows], offsets,
                   self.table.iloc[rows].reset_index(drop=True))

    def _search(self, query: str) -> np.ndarray:
        if query.isdigit():
            return np.flatnonzero(self.table["index"].to_numpy() == int(query))
        formula = formula_in_hill_order(query)
        return np.flatnonzero((self.formulas() == formula) | (self.table["smiles"].to_numpy() == query))

    def _label(self, k: int) -> str:
        return f"QM9 {self.table['index'].iloc[k]}: {self.table['smiles'].iloc[k]}"


def _atomization(totals: np.ndarray, numbers: np.ndarray, offsets: np.ndarray, prop: str) -> np.ndarray:
    refs = np.zeros(10)
    for z, e in ATOM_REFERENCES_HARTREE[prop].items():
        refs[z] = e
    per_molecule_reference = np.add.reduceat(refs[numbers], offsets[:-1])
    return (totals - per_molecule_reference) * HARTREE_TO_KCAL_MOL


def _literal(text: str):
    """A nested list of numbers; JSON is fast, and a few rows write floats as '0.' which only Python reads."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return ast.literal_eval(text)


def parse_qm9_csv(paths: Sequence[Path]) -> QM9:
    """Parse qm9pack's CSV files (all parts, in order) into a :class:`QM9`."""
    columns = ["Index", "SMILES", "N_atoms", "Elements", "XYZ_Ang"] + [c for c, *_ in QM9_PROPERTIES.values()]
    frames = []
    for path in paths:
        try:
            frames.append(pd.read_csv(path, usecols=columns))
        except (ValueError, pd.errors.ParserError) as err:
            raise StructureError(f"{path}: not a qm9pack CSV ({err}); reinstall qm9pack") from err
    raw = pd.concat(frames, ignore_index=True).sort_values("Index", kind="stable").reset_index(drop=True)
    counts = raw["N_atoms"].to_numpy(dtype=np.int64)
    numbers = np.fromiter(
        (_SYMBOL_TO_Z[s] for e in raw["Elements"] for s in json.loads(e.replace("'", '"'))),
        dtype=np.int8,
        count=int(counts.sum()),
    )
    positions = np.concatenate([np.asarray(_literal(xyz), dtype=np.float64) for xyz in raw["XYZ_Ang"]])
    offsets = np.concatenate([[0], np.cumsum(counts)])
    if len(positions) != offsets[-1]:
        raise StructureError("qm9pack CSV: geometry rows do not match N_atoms; reinstall qm9pack")
    table = pd.DataFrame({"index": raw["Index"].to_numpy(), "smiles": raw["SMILES"], "n_atoms": counts})
    for name, (column, _unit, factor, _intensive) in QM9_PROPERTIES.items():
        values = raw[column].to_numpy(dtype=np.float64)
        if name in ATOM_REFERENCES_HARTREE:
            table[f"{name}_total"] = values
            table[name] = _atomization(values, numbers.astype(np.int64), offsets, name)
        else:
            table[name] = values * factor
    return QM9(numbers=numbers.astype(np.int64), positions=positions, offsets=offsets, table=table)


def load_qm9(cache: bool = True, progress: bool = True) -> QM9:
    """All of QM9, parsed once from qm9pack's CSVs and then read from the cache (about a second)."""
    path = cache_dir() / f"qm9-v{_CACHE_VERSION}.npz"
    if cache and path.is_file():
        arrays, table = load_cache(path)
        return QM9(arrays["numbers"].astype(np.int64), arrays["positions"], arrays["offsets"], table)
    if progress:
        print("parsing QM9 from qm9pack's CSV files (once; about a minute) ...", flush=True)
    folder = qm9pack_data_dir()
    qm9 = parse_qm9_csv(sorted(folder.glob("qm9_part*.csv")))
    if cache:
        save_cache(path, qm9.table, numbers=qm9.numbers.astype(np.int8), positions=qm9.positions,
                   offsets=qm9.offsets)
    return qm9


def qm9_split(n_molecules: int, n_train: int, n_validation: int, seed: int) -> dict[str, np.ndarray]:
    """A seeded random split into train, validation and test rows (the rest).

    The thesis uses 110,000 / 10,000 / rest for SchNet (sec. 4.4.1) and
    100,000 / 1,000 / rest for DTNN (sec. 3.5.1).
    """
    return random_split(n_molecules, n_train, n_validation, seed)
