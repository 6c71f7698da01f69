"""Seeded random splits of a dataset into train, validation and test rows."""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError

__all__ = ["random_split"]


def random_split(n_items: int, n_train: int, n_validation: int, seed: int,
                 train_subset: int | None = None) -> dict[str, np.ndarray]:
    """Sorted rows for ``train`` and ``validation``; ``test`` gets the rest.

    ``train_subset``: keep only the first that many training rows (in the seeded random order), while validation
    and test stay those of the full split. Subsets are nested and share one test set: a learning curve.
    """
    if min(n_train, n_validation) < 0 or n_train + n_validation > n_items:
        raise ArgumentError(f"{n_train} training + {n_validation} validation items asked for, but only {n_items} exist")
    if train_subset is not None and not 0 < train_subset <= n_train:
        raise ArgumentError(f"train_subset must lie between 1 and the {n_train} training items, got {train_subset}")
    order = np.random.default_rng(seed).permutation(n_items)
    return {
        "train": np.sort(order[: n_train if train_subset is None else train_subset]),
        "validation": np.sort(order[n_train : n_train + n_validation]),
        "test": np.sort(order[n_train + n_validation :]),
    }
