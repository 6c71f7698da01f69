"""The sine-matrix baseline of Table 4.3 (Faber, Lindmaa, von Lilienfeld, Armiento 2015).

The sine matrix is a periodic Coulomb matrix:

    x_ii = 0.5 Z_i^2.4,   x_ij = Z_i Z_j / || B · sum_k e_k sin^2(pi e_k B^-1 (r_i - r_j)) ||

with the lattice vectors as the columns of B. Its eigenvalues, sorted by
magnitude and zero-padded, are the descriptor; kernel ridge regression with a
Laplacian kernel, hyperparameters chosen on the validation set, predicts the
formation energy per atom. Fitting it on the same split as SchNet makes the
comparison of Table 4.3 on equal terms. scikit-learn's ``KernelRidge`` does
the regression; the matrix itself is a few lines of NumPy (matminer's version
needs pymatgen).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import ArgumentError, StructureError
from ..structures import Structure

__all__ = ["sine_matrix", "sine_matrix_spectra", "SineMatrixModel", "fit_sine_matrix_model", "composition_counts",
           "composition_baseline_mae"]


def sine_matrix(structure: Structure) -> np.ndarray:
    """The ``(n_atoms, n_atoms)`` sine matrix of a crystal."""
    if structure.cell is None:
        raise StructureError("the sine matrix needs a crystal with a cell")
    numbers = structure.numbers.astype(np.float64)
    basis = structure.cell.T  # lattice vectors as columns
    difference = structure.positions[:, None, :] - structure.positions[None, :, :]
    fractional = np.linalg.solve(basis, difference.reshape(-1, 3).T).T
    folded = np.sin(np.pi * fractional) ** 2 @ basis.T  # B · sum_k e_k sin^2(pi e_k B^-1 r)
    norm = np.linalg.norm(folded, axis=1).reshape(len(numbers), len(numbers))
    with np.errstate(divide="ignore"):
        matrix = np.outer(numbers, numbers) / norm
    np.fill_diagonal(matrix, 0.5 * numbers**2.4)
    return matrix


def sine_matrix_spectra(structures: Sequence[Structure], size: int | None = None) -> np.ndarray:
    """Eigenvalues of each sine matrix, largest magnitude first, zero-padded to ``size``: ``(n, size)``."""
    size = size or max(len(s) for s in structures)
    spectra = np.zeros((len(structures), size))
    for k, structure in enumerate(structures):
        if len(structure) > size:
            raise ArgumentError(f"structure {k} has {len(structure)} atoms, more than the descriptor size {size}")
        values = np.linalg.eigvalsh(sine_matrix(structure))
        spectra[k, : len(values)] = values[np.argsort(-np.abs(values))]
    return spectra


@dataclass
class SineMatrixModel:
    """A fitted sine-matrix kernel ridge regression (Laplacian kernel ``exp(-gamma |x - x'|_1)``)."""

    regression: object
    train_spectra: np.ndarray
    size: int
    gamma: float
    alpha: float
    validation_mae: float

    def predict(self, structures: Sequence[Structure]) -> np.ndarray:
        from sklearn.metrics.pairwise import manhattan_distances

        spectra = sine_matrix_spectra(structures, self.size)
        return self.regression.predict(np.exp(-self.gamma * manhattan_distances(spectra, self.train_spectra)))


def fit_sine_matrix_model(
    train: Sequence[Structure],
    train_targets: np.ndarray,
    validation: Sequence[Structure],
    validation_targets: np.ndarray,
    size: int | None = None,
    gammas: Sequence[float] = tuple(np.logspace(-6, -1, 11)),
    alphas: Sequence[float] = tuple(np.logspace(-8, -1, 8)),
) -> SineMatrixModel:
    """Kernel ridge regression (Laplacian kernel) on sine-matrix spectra; gamma and alpha by validation MAE."""
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.metrics.pairwise import manhattan_distances

    size = size or max(len(s) for s in list(train) + list(validation))
    x_train, x_validation = sine_matrix_spectra(train, size), sine_matrix_spectra(validation, size)
    y_train, y_validation = np.asarray(train_targets, dtype=np.float64), np.asarray(validation_targets, np.float64)
    # Distances once; each (gamma, alpha) is then one kernel and one linear solve.
    d_train, d_validation = manhattan_distances(x_train), manhattan_distances(x_validation, x_train)
    best = None
    for gamma in gammas:
        k_train, k_validation = np.exp(-gamma * d_train), np.exp(-gamma * d_validation)
        for alpha in alphas:
            regression = KernelRidge(kernel="precomputed", alpha=alpha).fit(k_train, y_train)
            mae = float(np.mean(np.abs(regression.predict(k_validation) - y_validation)))
            if best is None or mae < best.validation_mae:
                best = SineMatrixModel(regression, x_train, size, float(gamma), float(alpha), mae)
    return best


def composition_counts(dataset, rows: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(elements, counts)``: the atomic numbers occurring in ``dataset`` and how often each occurs in every row,
    ``(len(rows), len(elements))``."""
    from ..data.storage import concatenated_ranges

    rows = np.asarray(rows, dtype=np.int64)
    elements = np.unique(dataset.numbers)
    counts = np.zeros((len(rows), len(elements)))
    structure_of_atom = np.repeat(np.arange(len(rows)), dataset.n_atoms[rows])
    atoms = dataset.numbers[concatenated_ranges(dataset.offsets, rows)]
    np.add.at(counts, (structure_of_atom, np.searchsorted(elements, atoms)), 1.0)
    return elements, counts


def composition_baseline_mae(dataset, train_rows: Sequence[int], test_rows: Sequence[int], target: str) -> float:
    """Test MAE of the model that knows only each structure's composition: one energy per element, fitted by least
    squares on the training rows (no intercept, so a structure's energy is the sum of its atoms').

    It is what any atom-wise model gets for free, the control for an error table: QM9 U0 about 20 kcal/mol.
    """
    from sklearn.linear_model import LinearRegression

    _, train_counts = composition_counts(dataset, train_rows)
    _, test_counts = composition_counts(dataset, test_rows)
    values = dataset.target(target)
    regression = LinearRegression(fit_intercept=False).fit(train_counts, values[np.asarray(train_rows)])
    return float(np.mean(np.abs(regression.predict(test_counts) - values[np.asarray(test_rows)])))
