"""Cost of neighbour lists: insight's choice against ASE, for a QM9 molecule and a 100-atom crystal.

    python benchmarks/neighbors.py
"""

from __future__ import annotations

import numpy as np
from _common import best_of, qm9_molecules
from ase.neighborlist import neighbor_list

import insight
from insight.neighbors import neighbor_pairs


def report(label: str, seconds: float) -> None:
    print(f"  {label:42s} {seconds * 1e6:10.1f} µs")


def main() -> None:
    molecule = min(qm9_molecules(200), key=lambda m: abs(len(m) - 18))
    print(f"QM9 molecule {molecule.formula} ({len(molecule)} atoms), all pairs:")
    report("insight (dense NumPy, mirrored)", best_of(lambda: neighbor_pairs(molecule), 200))
    from vesin import NeighborList

    calc = NeighborList(cutoff=30.0, full_list=False)
    report("vesin cell list, 30 Å cutoff",
           best_of(lambda: calc.compute(molecule.positions, np.zeros((3, 3)), False, "ijS"), 200))
    atoms = molecule.to_ase()
    report("ase.neighborlist, 30 Å cutoff", best_of(lambda: neighbor_list("ijS", atoms, 30.0), 50))

    rng = np.random.default_rng(0)
    cell = np.diag([11.0, 10.5, 10.0]) + rng.normal(scale=0.5, size=(3, 3))
    crystal = insight.Structure(rng.choice([6, 8, 14, 26], size=100), rng.uniform(0, 1, (100, 3)) @ cell, cell=cell,
                                pbc=True)
    n_pairs = len(neighbor_pairs(crystal, 5.0))
    print(f"100-atom triclinic crystal, 5 Å cutoff ({n_pairs} ordered pairs):")
    report("insight (vesin half list, mirrored)", best_of(lambda: neighbor_pairs(crystal, 5.0), 50))
    atoms = crystal.to_ase()
    report("ase.neighborlist", best_of(lambda: neighbor_list("ijS", atoms, 5.0), 10))


if __name__ == "__main__":
    main()
