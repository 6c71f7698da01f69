"""Local chemical potential on the isosurface of a QM9 molecule, SchNet T=6 (issue: < 0.5 s, >= 50x naive).

    python benchmarks/potential.py [--threads 2]

Measures, in one run: meshing the isosurface sum_i |r - r_i|^-2 = 3.8 Å^-2,
Omega_H at its ~20,000 vertices with the batched probe (tabulated filters and
exact filter network), and the naive approach, one full forward pass of
molecule + probe per point (timed on a subset and scaled per point).
Weights are random: speed does not depend on training.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _common import best_of, qm9_molecules

import insight
from insight.analysis.potential import isosurface, local_potential
from insight.neighbors import NeighborPairs, neighbor_pairs


def naive_probe(model, structure, point, element="H"):
    """One forward pass with the probe appended as an atom that only receives (one-way pairs)."""
    with_probe = structure.replace(
        numbers=np.append(structure.numbers, insight.atomic_number(element)),
        positions=np.vstack([structure.positions, point]),
    )
    pairs = neighbor_pairs(with_probe, model.cutoff)
    keep = pairs.idx_j != len(structure)
    one_way = NeighborPairs(pairs.idx_i[keep], pairs.idx_j[keep], pairs.shifts[keep])
    with torch.no_grad():
        return model(insight.collate(with_probe, pairs=[one_way])).contributions[-1].item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--naive-points", type=int, default=300)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    molecule = min(qm9_molecules(500), key=lambda m: abs(len(m) - 18))
    model = insight.SchNet(n_interactions=6).eval()
    print(f"{molecule.info.get('name', molecule.formula)} {molecule.formula} ({len(molecule)} atoms), SchNet T=6 F=64, "
          f"{args.threads} threads")

    surface = isosurface(molecule)
    t_mesh = best_of(lambda: isosurface(molecule))
    vertices = surface.vertices
    print(f"isosurface: {len(vertices)} vertices, meshing {t_mesh:.3f} s")

    local_potential(model, molecule, vertices[:10])  # builds the distance table once per model
    t_table = best_of(lambda: local_potential(model, molecule, vertices))
    t_exact = best_of(lambda: local_potential(model, molecule, vertices, tabulate=False), 1)
    values = local_potential(model, molecule, vertices)
    exact = local_potential(model, molecule, vertices, tabulate=False)

    subset = vertices[:: max(1, len(vertices) // args.naive_points)][: args.naive_points]
    start = time.perf_counter()
    naive = np.array([naive_probe(model, molecule, p) for p in subset])
    t_naive = (time.perf_counter() - start) / len(subset) * len(vertices)
    reference = values[:: max(1, len(vertices) // args.naive_points)][: args.naive_points]

    for label, seconds in (("batched + tabulated filters:", t_table), ("batched + exact filters:    ", t_exact)):
        print(f"Omega_H on all vertices, {label} {seconds:.3f} s ({len(vertices) / seconds:,.0f} points/s)")
    print(f"Omega_H on all vertices, naive loop (extrapolated from {len(subset)} points): {t_naive:.1f} s")
    print(f"speed-up over the naive loop: {t_naive / t_table:.0f}x; meshing + potential: {t_mesh + t_table:.3f} s")
    print(f"max |tabulated - exact| = {np.abs(values - exact).max():.2e}, max |batched - naive| = "
          f"{np.abs(reference - naive).max():.2e} (energy units of the model)")


if __name__ == "__main__":
    main()
