"""MD17-like trajectories computed here with GFN2-xTB (tblite) and ASE Langevin dynamics.

MD17 itself cannot be downloaded on these machines. The thesis' MD17 set
(sec. 3.5.2, ch. 5) holds DFT molecular dynamics of eight small organic
molecules at 500 K; :func:`generate_md` produces trajectories of the same
molecules at the same temperature and time step, with energies and forces from
the semi-empirical GFN2-xTB method. Such data are labelled GFN2-xTB everywhere,
never DFT: the potential energy surface differs, so errors are comparable in
kind, not in value, to Tables 3.2, 5.3 and 5.4.

A trajectory starts from an RDKit geometry (ETKDG + MMFF94, seeded), relaxed
with GFN2-xTB, draws Maxwell-Boltzmann velocities at the target temperature,
equilibrates, then records a frame every ``interval`` steps. Everything random
comes from one seed, and tblite runs single-threaded, so the same seed gives
the same trajectory.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Callable

import numpy as np
import pandas as pd
from ase import units
from ase.constraints import FixCom
from ase.md.langevin import Langevin
from ase.md.velocitydistribution import Stationary, ZeroRotation, thermalize_momenta
from ase.optimize import BFGS

from ..errors import ArgumentError, DatasetError, require
from ..examples import MD17_MOLECULES
from ..io import from_smiles
from ..structures import Structure
from ..units import EV_TO_KCAL_MOL
from .base import Dataset, Property, Protocol
from .packed import PackedStructures
from .storage import atomic_npz, cache_dir

__all__ = ["MD17_MOLECULES", "METHOD", "Trajectory", "generate_md", "trajectory_path",
           "load_trajectory"]

METHOD = "GFN2-xTB (tblite)"


@dataclass
class Trajectory(Dataset):
    """Frames of one molecule with GFN2-xTB energies (kcal/mol) and forces (kcal/mol/Å).

    Attributes
    ----------
    frame_numbers
        ``(n_atoms,)``, the same in every frame.
    frame_positions
        ``(n_frames, n_atoms, 3)`` in Å.
    energies
        ``(n_frames,)`` total GFN2-xTB energies in kcal/mol.
    forces
        ``(n_frames, n_atoms, 3)`` in kcal/mol/Å.
    metadata
        Method, molecule, temperature, time step, interval, seed, ...
    """

    frame_numbers: np.ndarray
    frame_positions: np.ndarray
    energies: np.ndarray
    forces: np.ndarray
    metadata: dict = field(default_factory=dict)

    cells = None  # molecules
    properties = MappingProxyType({"energy": Property("energy", "energy", "kcal/mol", False,
                                                      "total GFN2-xTB energy (forces in kcal/mol/Å)")})
    protocol = Protocol(default_target="energy", n_train=1_000, n_validation=1_000, id_key="frame")
    search_hint = "a frame number"

    def __len__(self) -> int:
        return len(self.energies)

    @property
    def molecule(self) -> str:
        return str(self.metadata.get("molecule", "trajectory"))

    @property
    def name(self) -> str:
        return f"md:{self.molecule.replace(' ', '-')}"

    # The Dataset view: frames stored back to back like the structures of QM9.
    @property
    def numbers(self) -> np.ndarray:
        return np.tile(self.frame_numbers, len(self))

    @property
    def positions(self) -> np.ndarray:
        return self.frame_positions.reshape(-1, 3)

    @property
    def offsets(self) -> np.ndarray:
        return np.arange(len(self) + 1) * len(self.frame_numbers)

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"frame": np.arange(len(self)), "energy": self.energies})

    def structure(self, k: int) -> Structure:
        return Structure(self.frame_numbers, self.frame_positions[k],
                         info={"name": f"{self.molecule} frame {k} ({self.metadata.get('method', METHOD)})"})

    def row_ids(self) -> np.ndarray:
        return np.arange(len(self))

    def target(self, name: str) -> np.ndarray:
        self.property(name)
        return np.asarray(self.energies, dtype=np.float64)

    def _subset(self, rows, atom_rows, offsets) -> "Trajectory":
        return Trajectory(self.frame_numbers, self.frame_positions[rows], self.energies[rows], self.forces[rows],
                          dict(self.metadata))

    def _search(self, query: str) -> np.ndarray:
        return np.array([int(query)]) if query.isdigit() and int(query) < len(self) else np.zeros(0, dtype=np.int64)

    def pack(self, target: str, cutoff: float | None) -> PackedStructures:
        """Frames packed for training, with their forces (Eq. 5.7)."""
        return PackedStructures(self.numbers, self.positions, self.offsets, self.target(target), cutoff,
                                forces=self.forces.reshape(-1, 3))

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        with atomic_npz(path) as tmp:
            np.savez_compressed(tmp, numbers=self.frame_numbers, positions=self.frame_positions,
                                energies=self.energies, forces=self.forces,
                                metadata=np.array(json.dumps(self.metadata)))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Trajectory":
        path = Path(path)
        if not path.is_file():
            raise DatasetError(f"{path} does not exist; make it with `insight data generate-md MOLECULE`")
        with np.load(path, allow_pickle=False) as data:
            return cls(data["numbers"], data["positions"], data["energies"], data["forces"],
                       json.loads(str(data["metadata"])))


def trajectory_path(molecule: str) -> Path:
    """Where ``insight data generate-md MOLECULE`` writes by default."""
    return cache_dir() / "md" / f"{molecule.replace(' ', '-')}-gfn2xtb-500K.npz"


def load_trajectory(molecule_or_path: str | os.PathLike) -> Trajectory:
    """A generated trajectory by molecule name (from the cache) or by file path."""
    text = str(molecule_or_path)
    if text in MD17_MOLECULES or text.replace("-", " ") in MD17_MOLECULES:
        return Trajectory.load(trajectory_path(text.replace("-", " ")))
    return Trajectory.load(text)


def _calculator():
    tblite_ase = require("tblite.ase", "md", "Computing GFN2-xTB energies and forces")
    return tblite_ase.TBLite(method="GFN2-xTB", verbosity=0)


def generate_md(
    molecule: str,
    n_frames: int,
    temperature: float = 500.0,
    timestep_fs: float = 0.5,
    interval: int = 10,
    friction_per_fs: float = 0.01,
    equilibration_steps: int = 2000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Trajectory:
    """Langevin dynamics of an MD17 molecule with GFN2-xTB energies and forces.

    Parameters
    ----------
    molecule
        One of :data:`MD17_MOLECULES`, or a SMILES string.
    n_frames
        Frames to record (one every ``interval`` steps after equilibration).
    temperature
        Kelvin (MD17: 500 K).
    timestep_fs
        Integration step in femtoseconds (MD17: 0.5 fs).
    friction_per_fs
        Langevin friction (a 100 fs coupling to the heat bath).
    equilibration_steps
        Steps before the first frame (1 ps by default), from a relaxed geometry
        with Maxwell-Boltzmann velocities.
    progress
        Called as ``progress(done, total)`` after every recorded frame.
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # reproducible sums in tblite

    if n_frames < 1:
        raise ArgumentError("n_frames must be at least 1")
    smiles = MD17_MOLECULES.get(molecule, molecule)
    start = from_smiles(smiles, seed=seed, name=molecule)
    atoms = start.to_ase()
    atoms.calc = _calculator()
    BFGS(atoms, logfile=None).run(fmax=0.01, steps=500)
    rng = np.random.default_rng(seed)
    thermalize_momenta(atoms, temperature_K=temperature, rng=rng)  # Maxwell-Boltzmann
    Stationary(atoms)
    ZeroRotation(atoms)
    atoms.set_constraint(FixCom())  # the molecule does not drift away
    dynamics = Langevin(atoms, timestep=timestep_fs * units.fs, temperature_K=temperature,
                        friction=friction_per_fs / units.fs, rng=rng, fixcm=False)
    dynamics.run(equilibration_steps)
    positions = np.zeros((n_frames, len(atoms), 3))
    energies = np.zeros(n_frames)
    forces = np.zeros((n_frames, len(atoms), 3))
    for k in range(n_frames):
        dynamics.run(interval)
        positions[k] = atoms.get_positions()
        energies[k] = atoms.get_potential_energy() * EV_TO_KCAL_MOL
        forces[k] = atoms.get_forces(apply_constraint=False) * EV_TO_KCAL_MOL  # FixCom would project them
        if progress:
            progress(k + 1, n_frames)
    metadata = {"molecule": molecule, "smiles": smiles, "method": METHOD, "units": {"energy": "kcal/mol",
                "forces": "kcal/mol/Å", "length": "Å"}, "temperature_K": temperature, "timestep_fs": timestep_fs,
                "interval_steps": interval, "friction_per_fs": friction_per_fs,
                "equilibration_steps": equilibration_steps, "seed": seed, "thermostat": "ASE Langevin",
                "start": "RDKit ETKDG + MMFF94, relaxed with GFN2-xTB (BFGS, fmax 0.01 eV/Å)"}
    return Trajectory(np.asarray(start.numbers, dtype=np.int64), positions, energies, forces, metadata)
