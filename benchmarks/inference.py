"""Inference and probe throughput on CPU for the thesis architectures.

    python benchmarks/inference.py [--threads 2] [--molecules 1000]
    python benchmarks/inference.py --threads 1 --compiled

Prints molecules/s for SchNet (T=6, F=64) and DTNN (T=3, 30 features, 60
factors) on QM9 molecules, with and without building neighbour lists, and
probe points/s of the local chemical potential for one QM9-sized molecule.
Weights are random: speed does not depend on training.

``--compiled`` also measures what ``torch.compile`` (inductor, dynamic shapes,
as the training path of ``insight train``) would give inference: the passes and
readout of ``predict`` and of each probe chunk compiled, against the same calls
eager, in alternating rounds so that other load affects both alike. It prints
the compilation time and the ratio; the library's inference stays eager where
the ratio does not pay for the compilation.
"""

from __future__ import annotations

import argparse
import time

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
    parser.add_argument("--compiled", action="store_true",
                        help="also measure inference and probes with the passes compiled by torch.compile")
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

        if args.compiled:
            compare_compiled(model, molecules, args.batch_size, probe_molecule, points)


def compare_compiled(model, molecules, batch_size: int, probe_molecule, points) -> None:
    """Eager against compiled ``predict`` (model only, batches built beforehand) and tabulated ``probe``."""
    from insight.models.base import compiler_problem

    problem = compiler_problem()
    if problem is not None:
        print(f"{'':18s} compiled inference not measured: {problem}")
        return
    batches = [model.batch(molecules[k : k + batch_size]) for k in range(0, len(molecules), batch_size)]

    def predict():
        with torch.no_grad():
            for batch in batches:
                model(batch)

    def probe():
        with torch.no_grad():
            model.probe(probe_molecule, points, "H")

    timed = {"predict": predict, "probe": probe}
    with torch.no_grad():
        eager_energies = [model(batch).energy for batch in batches]
        eager_omega = model.probe(probe_molecule, points, "H")
    # Instance attributes shadow the methods that forward and probe call: the same code, compiled.
    compiled = {
        name: torch.compile(getattr(model, name), dynamic=True, options={"cpp.threads": 1})
        for name in ("_passes_and_readout", "_probe_passes")
    }

    def use_compiled(on: bool) -> None:
        for name, fn in compiled.items():
            if on:
                setattr(model, name, fn)
            else:
                model.__dict__.pop(name, None)

    try:
        use_compiled(True)
        started = time.perf_counter()
        with torch.no_grad():
            compiled_energies = [model(batch).energy for batch in batches]
            compile_seconds = {"predict": time.perf_counter() - started}
            started = time.perf_counter()
            compiled_omega = model.probe(probe_molecule, points, "H")
            compile_seconds["probe"] = time.perf_counter() - started
        deviation = max(float((a - b).abs().max()) for a, b in zip(eager_energies, compiled_energies))
        probe_deviation = float((eager_omega - compiled_omega).abs().max())
        seconds = {(name, on): float("inf") for name in timed for on in (False, True)}
        for _ in range(3):
            for on in (False, True):
                use_compiled(on)
                for name, fn in timed.items():
                    seconds[name, on] = min(seconds[name, on], best_of(fn, 1))
    finally:
        use_compiled(False)
    print(f"{'':18s} compiled: first predict {compile_seconds['predict']:.0f} s, first probe "
          f"{compile_seconds['probe']:.0f} s (compilation included); largest deviation from eager "
          f"{deviation:.1e} (energies), {probe_deviation:.1e} (probe)")
    for name, count, unit in (("predict", len(molecules), "molecules/s model only"),
                              ("probe", len(points), "probe points/s, tabulated")):
        eager_rate, compiled_rate = count / seconds[name, False], count / seconds[name, True]
        saved_per_item = 1.0 / eager_rate - 1.0 / compiled_rate
        break_even = f"pays after {compile_seconds[name] / saved_per_item:,.0f}" if saved_per_item > 0 else "never pays"
        print(f"{'':18s} {eager_rate:8.0f} eager, {compiled_rate:8.0f} compiled {unit}: "
              f"{compiled_rate / eager_rate:.2f}x, {break_even} {unit.split('/')[0]}")


if __name__ == "__main__":
    main()
