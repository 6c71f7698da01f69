"""Energy partitioning into atom-wise contributions (thesis sec. 3.6.1, 4.5.1; Figs 3.9-3.11, 4.8, B.1-B.3).

``E = sum_i E_i``. The partitioning is not unique (Eqs 3.9, 3.10): models of
equal accuracy may distribute the energy differently, which the
distributions over a dataset and the model-vs-model scatter reveal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from ase.data import chemical_symbols
from tqdm import tqdm

from ..errors import ArgumentError, StructureError
from ..models.base import AtomisticModel
from ..structures import Structure

__all__ = ["AtomwiseEnergies", "Contributions", "atomwise_energies", "contributions_over_dataset", "compare_models",
           "element_summary", "with_totals", "partition_agreement"]


@dataclass(frozen=True)
class AtomwiseEnergies:
    """The partitioning of one structure's energy: ``energy = sum_i E_i`` (or the mean, for mean pooling).

    Attributes
    ----------
    table
        One row per atom: ``atom`` (index), ``element``, ``Z``, ``E_i`` (in ``unit``), ``x``, ``y``, ``z`` (Å).
    energy
        The pooled energy in ``unit``.
    unit
        The model's energy unit.
    model
        The model's name.
    """

    table: pd.DataFrame
    energy: float
    unit: str
    model: str

    def to_frame(self) -> pd.DataFrame:
        return self.table


@dataclass(frozen=True)
class Contributions:
    """``E_i`` of every atom of many structures under one or more models.

    ``table`` has columns ``model``, ``structure``, ``atom`` (index within the structure), ``element``
    and ``E_i`` (in ``unit``).
    """

    table: pd.DataFrame
    unit: str

    def to_frame(self) -> pd.DataFrame:
        return self.table

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(self.table["model"]))


def atomwise_energies(model: AtomisticModel, structure: Structure) -> AtomwiseEnergies:
    """Atom-wise energy contributions ``E_i`` of one structure (in ``model.energy_unit``)."""
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
    return AtomwiseEnergies(frame, float(prediction.energy[0]), model.energy_unit, model.name)


def contributions_over_dataset(
    models: Mapping[str, AtomisticModel] | Sequence[AtomisticModel],
    structures: Sequence[Structure],
    batch_size: int = 256,
    progress: bool = True,
    tabulate: bool = True,
) -> Contributions:
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
    Contributions
        ``E_i`` per model, structure and atom, in the models' energy unit.
    """
    if not isinstance(models, Mapping):
        models = {m.name: m for m in models}
    if not structures:
        raise StructureError("no structures given")
    numbers = np.concatenate([s.numbers for s in structures])
    counts = np.array([len(s) for s in structures])
    structure_index = np.repeat(np.arange(len(structures)), counts)
    atom_index = np.concatenate([np.arange(n) for n in counts])
    symbols = np.array(chemical_symbols)[numbers]
    frames = []
    for label, model in models.items():
        chunks = range(0, len(structures), batch_size)
        if progress:
            chunks = tqdm(chunks, desc=f"E_i with {label}", unit="batch", leave=False, disable=None)
        contributions = [c for start in chunks
                         for c in model.predict(structures[start : start + batch_size], batch_size=batch_size,
                                                        tabulate=tabulate).contributions]
        frames.append(pd.DataFrame({"model": label, "structure": structure_index, "atom": atom_index,
                                    "element": symbols, "E_i": np.concatenate(contributions)}))
    units = {model.energy_unit for model in models.values()}
    if len(units) > 1:
        raise ArgumentError(f"the models give energies in different units ({', '.join(sorted(units))}); compare "
                            "models of one unit")
    return Contributions(pd.concat(frames, ignore_index=True), units.pop())


def compare_models(contributions: Contributions, model_a: str, model_b: str) -> pd.DataFrame:
    """``E_i`` of the same atoms under two models side by side (Figs B.1-B.3).

    Returns columns ``structure``, ``atom``, ``element``, ``E_i_<model_a>``, ``E_i_<model_b>``
    (in ``contributions.unit``).
    """
    present = set(contributions.table["model"])
    for name in (model_a, model_b):
        if name not in present:
            raise KeyError(f"no contributions of model {name!r}; have {sorted(present)}")
    wide = contributions.table.pivot_table(index=["structure", "atom", "element"], columns="model", values="E_i")
    wide = wide[[model_a, model_b]].reset_index()
    wide.columns = ["structure", "atom", "element", f"E_i_{model_a}", f"E_i_{model_b}"]
    return wide


def element_summary(contributions: Contributions, bins: int = 200) -> pd.DataFrame:
    """Per model and element: count, mean, standard deviation, the peak (mode) and full width at half maximum,
    all in ``contributions.unit``.

    The thesis reads SchNet's H and C distributions as peaking near -75 and
    -130 kcal/mol with an H width of about 10 kcal/mol (sec. 4.5.1).
    """
    rows = []
    for (model, element), group in contributions.table.groupby(["model", "element"], sort=False):
        values = group["E_i"].to_numpy(dtype=np.float64)
        if np.ptp(values) <= 1e-9 * max(1.0, np.abs(values).max()):  # one value: a spike, no width
            peak, fwhm = values.mean(), 0.0
        else:
            counts, edges = np.histogram(values, bins=bins)
            top = int(np.argmax(counts))
            above = np.nonzero(counts >= counts[top] / 2)[0]
            peak, fwhm = 0.5 * (edges[top] + edges[top + 1]), edges[above[-1] + 1] - edges[above[0]]
        rows.append({"model": model, "element": element, "count": len(values), "mean": values.mean(),
                     "std": values.std(), "peak": peak, "fwhm": fwhm})
    return pd.DataFrame(rows)


def with_totals(contributions: Contributions, label: str = "E (total)") -> Contributions:
    """``contributions`` plus one row per model and structure holding the pooled energy, as element ``label``,
    so that the energy distribution shows as one more panel (bottom rows of Figs 3.9-3.11).

    Sum pooling is assumed (the energy models of the thesis).
    """
    table = contributions.table
    totals = table.groupby(["model", "structure"], sort=False)["E_i"].sum().reset_index()
    totals["atom"] = -1
    totals["element"] = label
    return replace(contributions, table=pd.concat([table, totals[table.columns]], ignore_index=True))


def partition_agreement(contributions: Contributions) -> pd.DataFrame:
    """How much models agree per element: mean and spread of ``E_i`` per model, and the spread across models.

    Returns one row per element with ``mean_<model>`` columns, ``spread_of_means`` (standard deviation of
    the models' means) and ``mean_width`` (average within-model standard deviation). Models that partition
    alike have a spread of means far below the widths; equally accurate models with different partitionings
    (sec. 3.6.1) do not.
    """
    stats = contributions.table.groupby(["element", "model"], sort=False)["E_i"].agg(["mean", "std"]).reset_index()
    rows = []
    for element, group in stats.groupby("element", sort=False):
        row = {"element": element}
        row.update({f"mean_{m}": v for m, v in zip(group["model"], group["mean"])})
        row["spread_of_means"] = float(group["mean"].std(ddof=0))
        row["mean_width"] = float(group["std"].mean())
        rows.append(row)
    return pd.DataFrame(rows)
