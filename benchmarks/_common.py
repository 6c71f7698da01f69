"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import time

import numpy as np

import insight


def qm9_molecules(n: int, seed: int = 0) -> list[insight.Structure]:
    """``n`` random QM9 molecules (needs qm9pack), or drug-like SMILES embeddings as a stand-in."""
    try:
        from insight.data.qm9 import load_qm9

        qm9 = load_qm9()
        rows = np.random.default_rng(seed).choice(len(qm9), size=n, replace=False)
        return qm9.structures(rows)
    except FileNotFoundError:
        smiles = ["CC(=O)Oc1ccccc1C(=O)O", "c1ccccc1O", "CCO", "CC(C)CC(=O)N", "OC1CCNCC1", "c1ccncc1C#N"]
        return [insight.from_smiles(smiles[k % len(smiles)], seed=k) for k in range(n)]


def best_of(fn, repeats: int = 3) -> float:
    """Fastest wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
