"""Array helpers shared by the datasets and the packed training data."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["atomic_npz", "cache_dir", "concatenated_ranges", "save_cache", "load_cache"]


def cache_dir() -> Path:
    """Where parsed datasets, fetched files and MD trajectories are kept: ``$INSIGHT_CACHE`` or ``~/.cache/insight``."""
    return Path(os.environ.get("INSIGHT_CACHE", Path.home() / ".cache" / "insight"))


def concatenated_ranges(offsets: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``concat(arange(offsets[k], offsets[k + 1]) for k in rows)``, without a Python loop.

    Gathers the atoms (or pairs) of several structures stored back to back.
    """
    rows = np.asarray(rows, dtype=np.int64)
    starts = np.asarray(offsets, dtype=np.int64)[rows]
    counts = np.asarray(offsets, dtype=np.int64)[rows + 1] - starts
    if counts.sum() == 0:
        return np.zeros(0, dtype=np.int64)
    # Each output position: its range's start plus its position within that range.
    first_of_range = np.cumsum(counts) - counts
    return np.repeat(starts - first_of_range, counts) + np.arange(int(counts.sum()))


def save_cache(path: Path, table: pd.DataFrame, **arrays: np.ndarray) -> None:
    """Arrays and a table in one ``.npz`` (no pickles), written atomically."""
    columns = {f"table_{c}": table[c].to_numpy(dtype=None if pd.api.types.is_numeric_dtype(table[c]) else str)
               for c in table}
    with atomic_npz(path) as tmp:
        np.savez(tmp, **arrays, **columns)


@contextlib.contextmanager
def atomic_npz(path: Path):
    """A temporary ``.npz`` name beside ``path`` that replaces ``path`` once written.

    The name is unique per writer, so two processes building the same cache at once
    (two training lanes starting together) each finish, and the last one wins whole.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".npz")
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def load_cache(path: Path) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """What :func:`save_cache` wrote: ``(arrays, table)``."""
    with np.load(path, allow_pickle=False) as data:
        table = pd.DataFrame({k[6:]: data[k] for k in data.files if k.startswith("table_")})
        arrays = {k: data[k] for k in data.files if not k.startswith("table_")}
    return arrays, table
