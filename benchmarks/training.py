"""Training throughput: molecules per second of a full training step (forward, backward, Adam) on QM9 batches.

    python benchmarks/training.py                       # SchNet T=6 F=64 and DTNN T=3, 1 and 2 threads
    python benchmarks/training.py --threads 1 --steps 60
    python benchmarks/training.py --processes 2           # DDP scaling: 2 processes (gloo) against 1

Compares, in one run and on the same molecules, the old path (``model.use_fast_training_path(False)``: the dense
Gaussian expansion of the thesis, ``torch.tanh`` in DTNN's messages, pairs in stored order and Adam's
per-parameter loop: what every step computed before) with the path ``insight train`` takes now: the windowed
expansion, pairs ordered by distance, DTNN's tanh from the sigmoid and its message product padded to 32 outputs,
and Adam's fused kernel, eager ("new, eager") and with
the interaction and output networks compiled by inductor (``model.compile_training_path()``, "new, compiled",
the default of ``insight train``). The ratio is compiled against old. Batches are 32 random QM9 molecules with all
pairs, as in ``insight train``; the first steps of each path are warm-up (and compilation) and not timed. The
paths alternate in rounds so that other load on the machine affects them alike; the best round counts.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import insight
from insight.data.qm9 import load_qm9

MODELS = {
    "SchNet T=6, F=64": lambda: insight.SchNet(n_interactions=6),
    "DTNN T=3": lambda: insight.DTNN(n_interactions=3),
}


#: The paths compared, as (name, fast training path, compiled).
PATHS = (("old", False, False), ("new, eager", True, False), ("new, compiled", True, True))


def training_steps(build, fast: bool, compiled: bool, batches, warmup: int):
    """A function that runs the timed training steps of one path; the warm-up steps (and any compilation) are
    done here. ``batches`` are ordered by distance for the new path, in stored order for the old."""
    torch.manual_seed(0)
    model = build()
    model.use_fast_training_path(fast)
    if compiled and not model.compile_training_path():
        raise SystemExit("torch.compile is not available here: the compiled path cannot be measured")
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-4, fused=fast or None)

    def step(batch, targets):
        loss = torch.nn.functional.mse_loss(model(batch).energy, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for batch, targets in batches[:warmup]:
        step(batch, targets)

    def timed() -> float:
        """Steps per second over the timed batches."""
        started = time.perf_counter()
        for batch, targets in batches[warmup:]:
            step(batch, targets)
        return (len(batches) - warmup) / (time.perf_counter() - started)

    return timed


def _ddp_worker(rank: int, size: int, port: int, steps: int, batch_size: int, results) -> None:
    """One process of a DDP run: its shard of every batch, gradients averaged by DDP (as ``insight train``)."""
    import os

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo", rank=rank, world_size=size)
    qm9 = load_qm9(progress=False)
    data = qm9.pack("U0", None)
    rng = np.random.default_rng(0)
    batches = [rng.choice(len(qm9), batch_size, replace=False) for _ in range(5 + steps)]
    torch.manual_seed(0)
    model = insight.SchNet(n_interactions=6)
    model.compile_training_path()  # as insight train
    model = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-4)
    for k, rows in enumerate(batches):
        if k == 5:  # after warm-up and compilation
            torch.distributed.barrier()
            started = time.perf_counter()
        batch, targets = data.batch(rows[rank::size], by_distance=True)
        loss = ((model(batch).energy - targets) ** 2).sum() * (size / len(rows))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    torch.distributed.barrier()
    if rank == 0:
        results.put(steps * batch_size / (time.perf_counter() - started))
    torch.distributed.destroy_process_group()


def ddp_scaling(max_processes: int, steps: int, batch_size: int) -> None:
    import socket

    import torch.multiprocessing as mp

    context = mp.get_context("spawn")
    print("| SchNet T=6, F=64, batch 32 | molecules/s | scaling |")
    print("|---|---|---|")
    single = None
    for size in range(1, max_processes + 1):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        results = context.SimpleQueue()
        mp.start_processes(_ddp_worker, args=(size, port, steps, batch_size, results), nprocs=size,
                           start_method="spawn")
        rate = results.get()
        single = single or rate
        print(f"| {size} process{'es' if size > 1 else ''} (gloo, 1 thread each) | {rate:.0f} | "
              f"{rate / single:.2f}x |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--steps", type=int, default=40, help="timed steps per path and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--processes", type=int, default=None,
                        help="instead: DDP scaling from 1 to this many processes (the new path)")
    args = parser.parse_args()
    if args.processes:
        ddp_scaling(args.processes, args.steps, args.batch_size)
        return
    qm9 = load_qm9()
    data = qm9.pack("U0", None)
    rng = np.random.default_rng(0)
    warmup = 5
    rows = [rng.choice(len(qm9), args.batch_size, replace=False) for _ in range(warmup + args.steps)]
    batches = {fast: [data.batch(r, by_distance=fast) for r in rows] for fast in (False, True)}
    pairs = np.mean([len(batch.idx_i) // 2 for batch, _ in batches[False]])
    print(f"QM9 batches of {args.batch_size} molecules, {pairs:.0f} atom pairs on average; best of {args.rounds} "
          "rounds\n")
    print("| model | threads | old path (molecules/s) | new, eager | new, compiled | ratio (compiled / old) |")
    print("|---|---|---|---|---|---|")
    for threads in args.threads:
        torch.set_num_threads(threads)
        for name, build in MODELS.items():
            runs = {path: training_steps(build, fast, compiled, batches[fast], warmup)
                    for path, fast, compiled in PATHS}
            best = dict.fromkeys(runs, 0.0)
            for _ in range(args.rounds):
                for path, timed in runs.items():
                    best[path] = max(best[path], timed() * args.batch_size)
            rates = " | ".join(f"{best[path]:.0f}" for path, _, _ in PATHS)
            print(f"| {name} | {threads} | {rates} | {best['new, compiled'] / best['old']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
