"""Time to the top-K relevant walks (GNN-LRP) of QM9-sized molecules, against the issue's targets.

    python benchmarks/relevance.py [--molecules 10] [--top 20] [--threads 2]

For each shipped QM9 model with T = 3 and T = 6 passes, finds the ``--top`` most relevant walks behind the total
energy of the largest of ``--molecules`` random QM9 molecules (all pairs, no cutoff: ``n^(T+1)`` walks, about
10^8 for 18 atoms and T = 6) and prints the median and worst wall time per molecule, the number of walks, and the
exhaustive enumeration's time for T = 3 for comparison. Targets (issue 19): <= 2 s for T = 3 and <= 10 s for
T = 6 on 2 CPU cores. Every call also computes the exact per-atom and 1/2/3-body sums.

Latest (2026-12-02, 2 CPU cores, 10 QM9 molecules of 20-23 atoms, top 20; idle, and in brackets with two
single-thread training runs sharing the cores):

| model | T | walks per molecule | median | worst | target |
|---|---|---|---|---|---|
| schnet-qm9-t3 (F=64, since retired) | 3 | 1.9e5 | 0.06 s (0.28 s) | 0.11 s (0.61 s) | 2 s |
| dtnn-qm9-t3 | 3 | 1.9e5 | 0.04 s (0.18 s) | 0.06 s (0.39 s) | 2 s |
| schnet-qm9 (T=6 flagship) | 6 | 1.8e9 | 0.74 s (3.05 s) | 1.06 s (7.75 s) | 10 s |
| PaiNN F=128, random weights | 3 | 1.5e5 | 0.90 s (3.64 s) | 1.21 s (7.30 s) | |

Exhaustive enumeration of the 279,841 walks of a 23-atom molecule with schnet-qm9-t3: 0.52 s (0.96 s).
``schnet-qm9-t3`` now names the ladder's schnet-qm9-f30-t3 (F=30), which this script times.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _common import qm9_molecules

import insight

MODELS = {3: ["schnet-qm9-f30-t3", "dtnn-qm9-t3"], 6: ["schnet-qm9"]}
TARGETS = {3: 2.0, 6: 10.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--molecules", type=int, default=10)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    molecules = sorted(qm9_molecules(4 * args.molecules, seed=1), key=len)[-args.molecules:]
    print(f"{len(molecules)} QM9 molecules of {len(molecules[0])}-{len(molecules[-1])} atoms, top {args.top}, "
          f"{args.threads} threads")
    print("| model | T | walks per molecule | median | worst | target |")
    print("|---|---|---|---|---|---|")
    for passes, names in MODELS.items():
        for name in names:
            try:
                model = insight.load_model(name)
            except insight.ModelFileError as err:  # a rung of the ladder not yet published
                print(f"| {name} | {passes} | not available: {err} | | | |")
                continue
            insight.walk_relevance(model, molecules[0], top=args.top)  # warm-up
            times, walks = [], []
            for molecule in molecules:
                start = time.perf_counter()
                result = insight.walk_relevance(model, molecule, top=args.top)
                times.append(time.perf_counter() - start)
                walks.append(result.n_walks)
            print(f"| {name} | {passes} | {np.median(walks):.1e} | {np.median(times):.2f} s | {max(times):.2f} s "
                  f"| {TARGETS[passes]:.0f} s |")
    # No PaiNN is shipped: SchNetPack's QM9 settings (F = 128, T = 3, 5 Å cosine cutoff) with random weights
    torch.manual_seed(0)
    painn = insight.PaiNN(n_features=128, n_interactions=3).eval()
    times, walks = [], []
    for molecule in molecules:
        start = time.perf_counter()
        walks.append(insight.walk_relevance(painn, molecule, top=args.top).n_walks)
        times.append(time.perf_counter() - start)
    print(f"| PaiNN F=128 (random weights) | 3 | {np.median(walks):.1e} | {np.median(times):.2f} s | "
          f"{max(times):.2f} s | |")
    model = insight.load_model(MODELS[3][1])
    start = time.perf_counter()
    insight.walk_relevance(model, molecules[-1], top=None)
    print(f"\nexhaustive enumeration, {MODELS[3][1]}, {len(molecules[-1])} atoms: "
          f"{time.perf_counter() - start:.2f} s for {insight.count_walks(model, molecules[-1]):,} walks")


if __name__ == "__main__":
    main()
