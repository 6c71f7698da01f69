"""Inference and probe throughput on CPU for the thesis architectures.

    python benchmarks/inference.py [--threads 2] [--molecules 1000]

Prints molecules/s for SchNet (T=6, F=64) and DTNN (T=3, 30 features, 60
factors) on QM9 molecules, with and without building neighbour lists, and
probe points/s of the local chemical potential for one QM9-sized molecule.
Weights are random: speed does not depend on training.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _common import best_of, qm9_molecules

import insight


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--molecules", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--probe-points", type=int, default=20_000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    molecules = qm9_molecules(args.molecules)
    mean_atoms = np.mean([len(m) for m in molecules])
    print(f"{len(molecules)} QM9 molecules, {mean_atoms:.1f} atoms on average, {args.threads} threads, float32")

    models = {"SchNet T=6 F=64": insight.SchNet(n_interactions=6), "DTNN T=3 F=30": insight.DTNN(n_interactions=3)}
    probe_molecule = min(molecules, key=lambda m: abs(len(m) - 18))  # a typical QM9 size
    rng = np.random.default_rng(0)
    points = probe_molecule.positions.mean(0) + rng.normal(scale=2.5, size=(args.probe_points, 3))
    for name, model in models.items():
        model.eval()
        batches = [model.batch(molecules[k : k + args.batch_size]) for k in range(0, len(molecules), args.batch_size)]

        def end_to_end(tabulate: bool = False):
            with torch.no_grad():
                model.predict(molecules, batch_size=args.batch_size, tabulate=tabulate)

        def model_only():
            with torch.no_grad():
                for b in batches:
                    model(b)

        def with_forces():
            for b in batches:
                model(b, forces=True)

        t_all, t_model, t_forces = best_of(end_to_end), best_of(model_only), best_of(with_forces, 1)
        end_to_end(tabulate=True)  # builds and caches the distance table
        t_tabulated = best_of(lambda: end_to_end(tabulate=True))
        print(f"{name:18s} {len(molecules) / t_all:8.0f} molecules/s end to end (neighbour lists included)")
        print(f"{'':18s} {len(molecules) / t_tabulated:8.0f} molecules/s end to end, tabulated filters")
        print(f"{'':18s} {len(molecules) / t_model:8.0f} molecules/s model only")
        print(f"{'':18s} {len(molecules) / t_forces:8.0f} molecules/s with forces")

        for tabulate in (False, True):

            def probe():
                with torch.no_grad():
                    model.probe(probe_molecule, points, "H", tabulate=tabulate)

            probe()  # builds and caches the distance table once per model
            t_probe = best_of(probe)
            label = "tabulated filters" if tabulate else "exact filter network"
            print(
                f"{'':18s} {len(points) / t_probe:8.0f} probe points/s, {label} ({len(points)} points around "
                f"{probe_molecule.formula}, {len(probe_molecule)} atoms: {t_probe:.3f} s)"
            )


if __name__ == "__main__":
    main()
