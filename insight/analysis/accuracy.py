"""Accuracy views (thesis Figs 3.4-3.7): errors per molecule size, the largest errors, isomer ranking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from ..data.base import Dataset
from ..errors import ArgumentError
from ..evaluation import predict_packed
from ..models.base import AtomisticModel
from ..thesis import ISOMER_FORMULA

__all__ = ["Predictions", "IsomerRanking", "LearningCurve", "prediction_table", "errors_by_size", "largest_errors",
           "isomer_ranking", "error_distribution", "learning_curve"]


@dataclass(frozen=True)
class Predictions:
    """A model's predictions next to the reference values.

    ``table`` has ``row``, ``id`` (the dataset's row identifier: QM9 number, Materials Project id, frame),
    ``formula``, ``n_atoms``, ``reference``, ``predicted``, ``error`` (predicted - reference) and ``abs_error``,
    in ``unit``; QM9 adds ``smiles``.
    """

    table: pd.DataFrame
    unit: str
    model: str
    target: str

    def to_frame(self) -> pd.DataFrame:
        return self.table


@dataclass(frozen=True)
class IsomerRanking:
    """How well a model orders the isomers of one formula by energy (Fig. 3.7).

    ``table``: the isomers sorted by reference energy with ``reference_rank`` and ``predicted_rank``;
    ``mae`` in ``unit``; ``kendall_tau`` the rank correlation (thesis, DTNN: MAE 0.89 kcal/mol, tau 0.969).
    """

    table: pd.DataFrame
    formula: str
    n: int
    mae: float
    kendall_tau: float
    unit: str

    def to_frame(self) -> pd.DataFrame:
        return self.table


@dataclass(frozen=True)
class LearningCurve:
    """Test error against the number of training structures, on nested training sets that share one test set.

    ``table``: one row per training-set size with ``n_train``, ``model``, ``test_mae`` (the model), and where
    fitted ``sine_matrix_mae`` (Table 4.3's kernel baseline on the same training rows, hyperparameters by the same
    validation rows) and ``training_mean_mae`` (predicting the training rows' mean); all in ``unit``. ``n_test``
    structures, the same for every row.
    """

    table: pd.DataFrame
    unit: str
    target: str
    n_test: int

    def to_frame(self) -> pd.DataFrame:
        return self.table


def prediction_table(model: AtomisticModel, dataset: Dataset, rows: np.ndarray, target: str | None = None,
                     batch_size: int = 256) -> Predictions:
    """Reference and predicted values for ``rows`` of a dataset (QM9, the FLLA crystals, an MD trajectory).

    Parameters
    ----------
    dataset
        Any :class:`~insight.data.base.Dataset`.
    rows
        Which molecules, e.g. the model's test split.
    target
        Property (default: the model card's target).

    Returns
    -------
    Predictions
        In ``model.energy_unit``.
    """
    rows = np.asarray(rows, dtype=np.int64)
    target = target or model.card.target or dataset.protocol.default_target
    subset = dataset.subset(rows)
    packed = subset.pack(target, model.cutoff)
    predicted = predict_packed(model, packed, np.arange(len(rows)), batch_size)
    columns = {"row": rows, "id": subset.row_ids()}
    if "smiles" in subset.table:
        columns["smiles"] = subset.table["smiles"].to_numpy()
    columns["formula"] = (subset.table["formula"].to_numpy(dtype=str) if "formula" in subset.table
                          else subset.formulas())
    columns.update(n_atoms=subset.n_atoms, reference=packed.targets, predicted=predicted.astype(np.float64))
    frame = pd.DataFrame(columns)
    frame["error"] = frame["predicted"] - frame["reference"]
    frame["abs_error"] = frame["error"].abs()
    return Predictions(frame, model.energy_unit, model.name, target)


def errors_by_size(predictions: Predictions) -> pd.DataFrame:
    """MAE and RMSE per number of atoms (Fig. 3.6): ``n_atoms``, ``count``, ``mae``, ``rmse`` in
    ``predictions.unit``."""
    grouped = predictions.table.groupby("n_atoms")["error"]
    return pd.DataFrame({
        "count": grouped.size(),
        "mae": grouped.apply(lambda e: e.abs().mean()),
        "rmse": grouped.apply(lambda e: float(np.sqrt((e**2).mean()))),
    }).reset_index()


def largest_errors(predictions: Predictions, n: int = 10) -> pd.DataFrame:
    """The ``n`` structures with the largest absolute errors (Fig. 3.5), in ``predictions.unit``."""
    return predictions.table.nlargest(n, "abs_error").reset_index(drop=True)


def isomer_ranking(predictions: Predictions, formula: str = ISOMER_FORMULA) -> IsomerRanking:
    """How well the model orders the isomers of one formula by energy (Fig. 3.7)."""
    if not isinstance(predictions, Predictions):
        raise ArgumentError(f"isomer_ranking takes the Predictions of insight.prediction_table, got "
                            f"{type(predictions).__name__}")
    table = predictions.table
    isomers = table[table["formula"] == formula].sort_values("reference").reset_index(drop=True)
    if len(isomers) < 2:
        raise ArgumentError(f"fewer than two {formula} isomers among the given molecules; rank isomers of a formula "
                            "that occurs at least twice")
    isomers["reference_rank"] = isomers["reference"].rank(method="first").astype(int)
    isomers["predicted_rank"] = isomers["predicted"].rank(method="first").astype(int)
    tau = kendalltau(isomers["reference"], isomers["predicted"]).statistic
    return IsomerRanking(isomers, formula, int(len(isomers)), float(isomers["abs_error"].mean()), float(tau),
                         predictions.unit)


def error_distribution(abs_errors: dict[str, np.ndarray], thresholds: np.ndarray | None = None) -> pd.DataFrame:
    """Share of structures predicted with an absolute error below each threshold (Fig. 4.7).

    Parameters
    ----------
    abs_errors
        Absolute errors per model name.
    thresholds
        Error thresholds; default: 200 steps up to the largest error.

    Returns
    -------
    pandas.DataFrame
        ``model``, ``threshold``, ``percent_below``.
    """
    if thresholds is None:
        largest = max(float(np.max(e)) for e in abs_errors.values())
        thresholds = np.linspace(0.0, largest, 200)
    frames = []
    for name, errors in abs_errors.items():
        errors = np.sort(np.asarray(errors, dtype=np.float64))
        below = np.searchsorted(errors, thresholds, side="left") / len(errors) * 100.0
        frames.append(pd.DataFrame({"model": name, "threshold": thresholds, "percent_below": below}))
    return pd.concat(frames, ignore_index=True)


def learning_curve(models: list[tuple[AtomisticModel, dict[str, np.ndarray]]], dataset: Dataset,
                   target: str | None = None, sine_matrix: bool = True, sine_grid: dict | None = None) -> LearningCurve:
    """Test errors of models trained on growing training sets (``insight train --train-subset N``).

    ``models``: ``(model, split)`` pairs, each split as saved with the model (``load_split``). Their validation and
    test rows must be the same, so that every size is scored on the same structures. ``sine_matrix``: also fit the
    sine-matrix kernel baseline (crystals only) on each model's training rows; ``sine_grid`` narrows its
    hyperparameter search (``gammas``, ``alphas``).
    """
    from .baselines import fit_sine_matrix_model

    if not models:
        raise ArgumentError("learning_curve needs at least one (model, split) pair")
    first = models[0][1]
    for model, split in models[1:]:
        if not (np.array_equal(split["test"], first["test"]) and np.array_equal(split["validation"],
                                                                                  first["validation"])):
            raise ArgumentError(f"{model.name}'s validation or test rows differ from {models[0][0].name}'s: train the "
                                "sizes of a learning curve on one split with --train-subset")
    target = target or dataset.protocol.default_target
    values = dataset.target(target)
    test, validation = first["test"], first["validation"]
    if sine_matrix:  # the same validation and test crystals for every size
        validation_structures, test_structures = dataset.structures(validation), dataset.structures(test)
        size = int(dataset.n_atoms.max())
    rows = []
    for model, split in sorted(models, key=lambda pair: len(pair[1]["train"])):
        train = split["train"]
        predictions = prediction_table(model, dataset, test, target=target)
        row = {"n_train": int(len(train)), "model": model.name,
               "test_mae": float(predictions.table["abs_error"].mean()),
               "training_mean_mae": float(np.mean(np.abs(values[train].mean() - values[test])))}
        if sine_matrix:
            baseline = fit_sine_matrix_model(dataset.structures(train), values[train], validation_structures,
                                             values[validation], size=size, **(sine_grid or {}))
            row["sine_matrix_mae"] = float(np.mean(np.abs(baseline.predict(test_structures) - values[test])))
        rows.append(row)
    return LearningCurve(pd.DataFrame(rows), dataset.property(target).unit, target, int(len(test)))
