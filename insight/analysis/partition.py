"""Energy partitioning into atom-wise contributions (thesis sec. 3.6.1, 4.5.1; Figs 3.9-3.11, 4.8, B.1-B.3).

``E = sum_i E_i``. The partitioning is not unique (Eqs 3.9, 3.10): models of
equal accuracy may distribute the energy differently, which the
distributions over a dataset and the model-vs-model scatter reveal.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..models.base import AtomisticModel
from ..structures import Structure

__all__ = ["atomwise_energies", "contributions_over_dataset", "compare_models", "element_summary", "with_totals",
           "partition_agreement"]


def atomwise_energies(model: AtomisticModel, structure: Structure) -> pd.DataFrame:
    """Atom-wise energy contributions ``E_i`` of one structure.

    Returns
    -------
    pandas.DataFrame
        One row per atom: ``atom``, ``element``, ``Z``, ``E_i`` (in ``model.energy_unit``),
        ``x``, ``y``, ``z`` (Å). ``frame.attrs`` holds ``energy`` and ``unit``.
    """
    prediction = model.predict(structure)
    frame = pd.DataFrame({
        "atom": np.arange(len(structure)),
        "element": structure.symbols,
        "Z": structure.numbers,
        "E_i": prediction.contributions[0].astype(np.float64),
        "x": structure.positions[:, 0],
        "y": structure.positions[:, 1],
        "z": structure.positions[:, 2],
    })
    frame.attrs.update(energy=float(prediction.energy[0]), unit=model.energy_unit, model=model.name)
    return frame


def contributions_over_dataset(
    models: Mapping[str, AtomisticModel] | Sequence[AtomisticModel],
    structures: Sequence[Structure],
    batch_size: int = 256,
    progress: bool = True,
    tabulate: bool = True,
) -> pd.DataFrame:
    """``E_i`` of every atom of every structure for several models (Figs 3.9, 4.8).

    Parameters
    ----------
    models
        ``{label: model}``, or a list (labelled by ``model.name``).
    structures
        E.g. QM9's test split (``QM9.structures(split["test"])``).
    tabulate
        Filters from the models' distance tables (see :meth:`AtomisticModel.forward`): the
        same contributions to float32 round-off, several times faster over a dataset.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``structure``, ``atom``, ``element``, ``E_i``.
    """
    if not isinstance(models, Mapping):
        models = {m.name: m for m in models}
    if not structures:
        raise ValueError("no structures given")
    numbers = np.concatenate([s.numbers for s in structures])
    counts = np.array([len(s) for s in structures])
    structure_index = np.repeat(np.arange(len(structures)), counts)
    atom_index = np.concatenate([np.arange(n) for n in counts])
    from ase.data import chemical_symbols

    symbols = np.array(chemical_symbols)[numbers]
    frames = []
    for label, model in models.items():
        chunks = range(0, len(structures), batch_size)
        if progress:
            from tqdm import tqdm

            chunks = tqdm(chunks, desc=f"E_i with {label}", unit="batch", leave=False)
        contributions = [c for start in chunks
                         for c in model.predict(structures[start : start + batch_size], batch_size=batch_size,
                                                        tabulate=tabulate).contributions]
        frames.append(pd.DataFrame({"model": label, "structure": structure_index, "atom": atom_index,
                                    "element": symbols, "E_i": np.concatenate(contributions)}))
    frame = pd.concat(frames, ignore_index=True)
    frame.attrs["unit"] = next(iter(models.values())).energy_unit
    return frame


def compare_models(contributions: pd.DataFrame, model_a: str, model_b: str) -> pd.DataFrame:
    """``E_i`` of the same atoms under two models side by side (Figs B.1-B.3).

    Returns columns ``structure``, ``atom``, ``element``, ``E_i_<model_a>``, ``E_i_<model_b>``.
    """
    present = set(contributions["model"])
    for name in (model_a, model_b):
        if name not in present:
            raise KeyError(f"no contributions of model {name!r}; have {sorted(present)}")
    wide = contributions.pivot_table(index=["structure", "atom", "element"], columns="model", values="E_i")
    wide = wide[[model_a, model_b]].reset_index()
    wide.columns = ["structure", "atom", "element", f"E_i_{model_a}", f"E_i_{model_b}"]
    return wide


def element_summary(contributions: pd.DataFrame, bins: int = 200) -> pd.DataFrame:
    """Per model and element: count, mean, standard deviation, the peak (mode) and full width at half maximum.

    The thesis reads SchNet's H and C distributions as peaking near -75 and
    -130 kcal/mol with an H width of about 10 kcal/mol (sec. 4.5.1).
    """
    rows = []
    for (model, element), group in contributions.groupby(["model", "element"], sort=False):
        values = group["E_i"].to_numpy()
        counts, edges = np.histogram(values, bins=bins)
        centers = 0.5 * (edges[1:] + edges[:-1])
        peak = int(np.argmax(counts))
        above = np.nonzero(counts >= counts[peak] / 2)[0]
        rows.append({"model": model, "element": element, "count": len(values), "mean": values.mean(),
                     "std": values.std(), "peak": centers[peak], "fwhm": edges[above[-1] + 1] - edges[above[0]]})
    return pd.DataFrame(rows)



def with_totals(contributions: pd.DataFrame, label: str = "E (total)") -> pd.DataFrame:
    """``contributions`` plus one row per model and structure holding the pooled energy, as element ``label``,
    so that the energy distribution shows as one more panel (bottom rows of Figs 3.9-3.11).

    Sum pooling is assumed (the energy models of the thesis).
    """
    totals = contributions.groupby(["model", "structure"], sort=False)["E_i"].sum().reset_index()
    totals["atom"] = -1
    totals["element"] = label
    combined = pd.concat([contributions, totals[contributions.columns]], ignore_index=True)
    combined.attrs.update(contributions.attrs)
    return combined


def partition_agreement(contributions: pd.DataFrame) -> pd.DataFrame:
    """How much models agree per element: mean and spread of ``E_i`` per model, and the spread across models.

    Returns one row per element with ``mean_<model>`` columns, ``spread_of_means`` (standard deviation of
    the models' means) and ``mean_width`` (average within-model standard deviation). Models that partition
    alike have a spread of means far below the widths; equally accurate models with different partitionings
    (sec. 3.6.1) do not.
    """
    stats = contributions.groupby(["element", "model"], sort=False)["E_i"].agg(["mean", "std"]).reset_index()
    rows = []
    for element, group in stats.groupby("element", sort=False):
        row = {"element": element}
        row.update({f"mean_{m}": v for m, v in zip(group["model"], group["mean"])})
        row["spread_of_means"] = float(group["mean"].std(ddof=0))
        row["mean_width"] = float(group["std"].mean())
        rows.append(row)
    return pd.DataFrame(rows)
