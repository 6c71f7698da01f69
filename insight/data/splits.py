"""Seeded random splits of a dataset into train, validation and test rows."""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError

__all__ = ["random_split"]


def random_split(n_items: int, n_train: int, n_validation: int, seed: int) -> dict[str, np.ndarray]:
    """Sorted rows for ``train`` and ``validation``; ``test`` gets the rest."""
    if min(n_train, n_validation) < 0 or n_train + n_validation > n_items:
        raise ArgumentError(f"{n_train} training + {n_validation} validation items asked for, but only {n_items} exist")
    order = np.random.default_rng(seed).permutation(n_items)
    return {
        "train": np.sort(order[:n_train]),
        "validation": np.sort(order[n_train : n_train + n_validation]),
        "test": np.sort(order[n_train + n_validation :]),
    }
