"""Evaluating models on their recorded splits: errors overall, per molecule size, and on forces."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from .data.packed import PackedStructures
from .data.registry import dataset_entry
from .errors import DatasetError
from .models.base import AtomisticModel
from .models.files import load_model, load_split, resolve_model_folder

__all__ = ["Evaluation", "evaluate", "packed_test_data", "predict_packed", "test_metrics"]


@dataclass(frozen=True)
class Evaluation:
    """Errors of a model on a set of structures.

    Attributes
    ----------
    mae, rmse
        Energy errors in ``unit``.
    n
        Number of structures.
    unit
        The model's energy unit; force errors are in ``unit`` per Å.
    force_mae, force_rmse
        Over Cartesian components (as in Table 5.4); ``None`` without reference forces.
    force_sq
        Mean squared norm of the force error per atom (the force term of Eq. 5.7).
    per_size
        One row per molecule size: ``n_atoms``, ``count``, ``mae``, ``rmse``.
    """

    mae: float
    rmse: float
    n: int
    unit: str
    per_size: pd.DataFrame
    force_mae: float | None = None
    force_rmse: float | None = None
    force_sq: float | None = None
    #: The MAE of always predicting the training mean (the floor a model must beat); set by :func:`test_metrics`.
    mean_predictor_mae: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """The errors per molecule size."""
        return self.per_size

    def as_dict(self) -> dict[str, float]:
        """The scalar errors, e.g. for a model card's metrics (force entries only when there are forces)."""
        values = {"mae": self.mae, "rmse": self.rmse, "n": self.n}
        if self.force_mae is not None:
            values.update(force_mae=self.force_mae, force_rmse=self.force_rmse, force_sq=self.force_sq)
        return values


def predict_packed(
    model: AtomisticModel, data: PackedStructures, rows: np.ndarray, batch_size: int = 256, forces: bool = False,
    progress: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Energies of ``rows`` (and, with ``forces``, the forces of their atoms, concatenated)."""
    energies, atom_forces = [], []
    starts = range(0, len(rows), batch_size)
    if progress:
        starts = tqdm(starts, desc=f"{model.name} on {len(rows):,} structures", unit="batch", leave=False,
                      disable=None)
    for start in starts:
        batch, _ = data.batch(rows[start : start + batch_size], dtype=model.dtype)
        with torch.set_grad_enabled(forces):
            output = model(batch.to(model.device), forces=forces)
        energies.append(output.energy.detach().cpu().numpy())
        if forces:
            atom_forces.append(output.forces.detach().cpu().numpy())
    energy = np.concatenate(energies) if energies else np.zeros(0)
    if not forces:
        return energy
    return energy, (np.concatenate(atom_forces) if atom_forces else np.zeros((0, 3)))


def evaluate(model: AtomisticModel, data: PackedStructures, rows: np.ndarray, batch_size: int = 256,
             progress: bool = False) -> Evaluation:
    """The model's errors on ``rows`` of ``data``, overall and per molecule size; on forces too when the data
    have them."""
    was_training = model.training
    model.eval()
    with_forces = data.forces is not None
    predicted = predict_packed(model, data, rows, batch_size, forces=with_forces, progress=progress)
    model.train(was_training)
    predictions = predicted[0] if with_forces else predicted
    errors = predictions - data.targets[rows]
    frame = pd.DataFrame({"n_atoms": data.n_atoms[rows], "abs_error": np.abs(errors), "sq_error": errors**2})
    per_size = (
        frame.groupby("n_atoms")
        .agg(count=("abs_error", "size"), mae=("abs_error", "mean"), mse=("sq_error", "mean"))
        .reset_index()
    )
    per_size["rmse"] = np.sqrt(per_size.pop("mse"))
    forces = {}
    if with_forces:
        force_errors = predicted[1] - data.atom_forces(rows, torch.float64).numpy()
        forces = dict(force_mae=float(np.mean(np.abs(force_errors))),
                      force_rmse=float(np.sqrt(np.mean(force_errors**2))),
                      force_sq=float(np.mean(np.sum(force_errors**2, axis=1))))
    return Evaluation(mae=float(np.mean(np.abs(errors))), rmse=float(np.sqrt(np.mean(errors**2))), n=int(len(rows)),
                      unit=model.energy_unit, per_size=per_size, **forces)


def packed_test_data(model: AtomisticModel, split: dict[str, np.ndarray]) -> PackedStructures:
    """The dataset a model was trained on, packed for its target and cutoff.

    Checks that the rows are the ones recorded in the model's ``split.npz``.
    """
    if model.card.dataset is None:
        raise DatasetError(f"{model.name} records no training dataset, so it has no test split to evaluate on")
    entry = dataset_entry(model.card.dataset)
    dataset = entry.load()
    id_key = entry.protocol.id_key
    if id_key in split and not np.array_equal(split[id_key], dataset.row_ids()):
        raise DatasetError(f"the {entry.name} data on this machine does not match the rows {model.name} was "
                           "trained on")
    return dataset.pack(model.card.target, model.cutoff)


def test_metrics(model_name_or_folder: str | os.PathLike, split_name: str = "test") -> Evaluation:
    """A bundled or saved model's errors on its recorded test split (energies; forces for MD models)."""
    folder = resolve_model_folder(model_name_or_folder)
    model = load_model(folder, device="cpu")
    split = load_split(folder)
    data = packed_test_data(model, split)
    rows = split[split_name]
    baseline = float(np.mean(np.abs(data.targets[rows] - data.targets[split["train"]].mean())))
    return replace(evaluate(model, data, rows), mean_predictor_mae=baseline)
