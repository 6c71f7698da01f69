"""E_i for every atom of QM9's test split in one call (issue: under a minute on 2 CPU cores).

    python benchmarks/partition.py [--model schnet-qm9] [--threads 2]

Uses the bundled model if present (its recorded test split), else a random
SchNet T=6 on a seeded 10,831-molecule split: speed does not depend on training.
"""

from __future__ import annotations

import argparse
import time

import torch

import insight
from insight.analysis.partition import contributions_over_dataset, element_summary
from insight.data.qm9 import load_qm9, qm9_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="schnet-qm9")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    qm9 = load_qm9()
    if args.model in insight.list_pretrained():
        from insight.models.files import load_split

        model = insight.load_model(args.model, device="cpu")
        rows = load_split(args.model)["test"]
    else:
        model = insight.SchNet(n_interactions=6).eval()
        rows = qm9_split(len(qm9), 110_000, 10_000, seed=0)["test"]
    start = time.perf_counter()
    structures = qm9.structures(rows)
    t_structures = time.perf_counter() - start
    start = time.perf_counter()
    with torch.no_grad():
        frame = contributions_over_dataset({model.name: model}, structures, progress=False)
    t_model = time.perf_counter() - start
    print(f"{model.name}: E_i of {len(frame.table):,} atoms in {len(rows):,} test molecules in {t_model:.1f} s "
          f"(+ {t_structures:.1f} s to build the structures), {args.threads} threads")
    print(element_summary(frame).to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
