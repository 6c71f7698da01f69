"""Training and evaluating models, resumable from checkpoints.

The default recipe is the thesis' (sec. 4.4): Adam, 32 molecules per batch,
learning rate 1e-3 decayed by 0.96 every 100,000 steps, early stopping on the
validation MAE. ``lr_schedule="plateau"`` halves the rate when validation
stalls, which reaches a given accuracy in far fewer epochs on a CPU budget.
``lr_schedule="budget"`` decays the rate linearly to zero at the end of
``max_hours``, the schedule that does best when a time budget rather than
convergence ends training (Li, Yumer and Ramanan, ICLR 2020). A run may switch
to it when resumed; the decay then starts from the rate in effect.

A run lives in one folder: ``config.json``, ``checkpoint.pt`` (written every
few minutes and at the end of every epoch, tensors only), ``log.csv`` and
``best/`` (the best model so far, with its card and ``split.npz``). Running
the same command again resumes where the checkpoint left off.
"""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from .batch import Batch
from .data.storage import concatenated_ranges
from .neighbors import neighbor_pairs
from .structures import Structure
from .models.base import AtomisticModel
from .models.files import build_model, save_model
from .models.layers import scatter_sum

__all__ = ["TrainingConfig", "PackedStructures", "apply_dataset_defaults", "packed_test_data", "train", "evaluate",
           "load_split", "test_metrics", "refit_energy_offset", "LR_SCHEDULES"]

SPLIT_FILE = "split.npz"
#: Settings a resumed run takes from the new command rather than from its saved config.
_BUDGET_FIELDS = ("max_epochs", "max_hours", "early_stopping_patience", "checkpoint_minutes")
LR_SCHEDULES = ("exponential", "plateau", "budget")


@dataclass
class TrainingConfig:
    """Everything that defines a training run (saved as ``config.json``)."""

    architecture: str = "schnet"
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    dataset: str = "qm9"
    target: str | None = "U0"  # None: the dataset's default
    n_train: int | None = 110_000  # None: the dataset's thesis protocol
    n_validation: int | None = 10_000
    split_seed: int = 0
    seed: int = 0
    batch_size: int = 32
    learning_rate: float = 1e-3
    lr_schedule: str = "exponential"  # one of LR_SCHEDULES
    lr_decay: float = 0.96
    lr_decay_steps: int = 100_000
    plateau_factor: float = 0.5
    plateau_patience: int = 8
    min_learning_rate: float = 1e-6
    max_epochs: int = 10_000
    early_stopping_patience: int = 60
    max_hours: float | None = None
    checkpoint_minutes: float = 5.0
    name: str | None = None
    #: Eq. 5.7's energy-force trade-off: ``None`` trains on energies only; a number (thesis: 0.01) trains on
    #: ``rho |E - E_hat|^2 + 1/n_atoms sum_i |F_i - F_hat_i|^2`` with forces ``-dE_hat/dr`` by autograd.
    rho: float | None = None

    def __post_init__(self) -> None:
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")
        if self.lr_schedule == "budget" and self.max_hours is None:
            raise ValueError("lr_schedule 'budget' decays to zero at the end of max_hours: give max_hours (--hours)")
        if self.rho is not None and self.rho < 0:
            raise ValueError(f"rho (Eq. 5.7) must be >= 0, got {self.rho}")


class PackedStructures:
    """Structures with targets and precomputed neighbour pairs, collated into batches by slicing.

    Pairs are computed once (each unordered pair within ``cutoff``, with its
    periodic offset for crystals), so an epoch spends its time in the model,
    not in Python. Batches are mirrored (see :class:`~insight.batch.Batch`).

    Parameters
    ----------
    numbers, positions, offsets
        Concatenated atoms; structure ``k`` is ``offsets[k]:offsets[k+1]``.
    targets
        One value per structure.
    cutoff
        Neighbour radius in Å; ``None`` takes all pairs (molecules only).
    cells
        Lattice vectors per structure, ``(n_structures, 3, 3)``, for periodic
        structures; ``None`` for molecules.
    forces
        Reference forces per atom, ``(n_atoms_total, 3)``, to train on (Eq. 5.7).
    """

    def __init__(
        self,
        numbers: np.ndarray,
        positions: np.ndarray,
        offsets: np.ndarray,
        targets: np.ndarray,
        cutoff: float | None,
        cells: np.ndarray | None = None,
        forces: np.ndarray | None = None,
    ):
        self.numbers = np.asarray(numbers, dtype=np.int64)
        self.forces = None if forces is None else np.asarray(forces, dtype=np.float64).reshape(-1, 3)
        if self.forces is not None and len(self.forces) != len(self.numbers):
            raise ValueError(f"{len(self.forces)} force vectors for {len(self.numbers)} atoms")
        self.positions = np.asarray(positions, dtype=np.float64)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.targets = np.asarray(targets, dtype=np.float64)
        self.cells = None if cells is None else np.asarray(cells, dtype=np.float64)
        if self.cells is not None and cutoff is None:
            raise ValueError("periodic structures need a neighbour cutoff; train with e.g. cutoff=5.0")
        pair_i, pair_j, pair_shift, pair_counts = [], [], [], []
        for k in range(len(self)):
            a, b = self.offsets[k], self.offsets[k + 1]
            if self.cells is None:
                i, j = np.triu_indices(b - a, k=1)  # each unordered pair once; batches mirror them
                if cutoff is not None:
                    d = np.linalg.norm(self.positions[a + j] - self.positions[a + i], axis=1)
                    i, j = i[d < cutoff], j[d < cutoff]
            else:
                crystal = Structure(self.numbers[a:b], self.positions[a:b], cell=self.cells[k], pbc=True)
                pairs = neighbor_pairs(crystal, cutoff)
                half = len(pairs) // 2
                i, j = pairs.idx_i[:half], pairs.idx_j[:half]
                pair_shift.append(pairs.shifts[:half] @ self.cells[k])
            pair_i.append(i)
            pair_j.append(j)
            pair_counts.append(len(i))
        self.pair_i = np.concatenate(pair_i).astype(np.int64)
        self.pair_j = np.concatenate(pair_j).astype(np.int64)
        self.pair_shift = None if self.cells is None else np.concatenate(pair_shift).reshape(-1, 3)
        self.pair_offsets = np.concatenate([[0], np.cumsum(pair_counts)]).astype(np.int64)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_atoms(self) -> np.ndarray:
        return np.diff(self.offsets)

    def batch(self, rows: np.ndarray, dtype: torch.dtype = torch.float32) -> tuple[Batch, torch.Tensor]:
        rows = np.asarray(rows, dtype=np.int64)
        counts = self.n_atoms[rows]
        atom_rows = concatenated_ranges(self.offsets, rows)
        pair_rows = concatenated_ranges(self.pair_offsets, rows)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        pair_counts = np.diff(self.pair_offsets)[rows]
        shift = np.repeat(starts, pair_counts)
        half_i, half_j = self.pair_i[pair_rows] + shift, self.pair_j[pair_rows] + shift
        if self.pair_shift is None:
            pair_offsets = torch.zeros((2 * len(pair_rows), 3), dtype=dtype)
        else:
            half_offsets = self.pair_shift[pair_rows]
            pair_offsets = torch.from_numpy(np.concatenate([half_offsets, -half_offsets])).to(dtype)
        batch = Batch(
            numbers=torch.from_numpy(self.numbers[atom_rows]),
            positions=torch.from_numpy(self.positions[atom_rows]).to(dtype),
            structure_index=torch.from_numpy(np.repeat(np.arange(len(rows)), counts)),
            n_atoms=torch.from_numpy(counts),
            idx_i=torch.from_numpy(np.concatenate([half_i, half_j])),
            idx_j=torch.from_numpy(np.concatenate([half_j, half_i])),
            offsets=pair_offsets,
            mirrored=True,
        )
        return batch, torch.from_numpy(self.targets[rows]).to(dtype)

    def atom_forces(self, rows: np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """Reference forces of the atoms of ``rows``, in the order of :meth:`batch`."""
        if self.forces is None:
            raise ValueError("these data have no forces")
        return torch.from_numpy(self.forces[concatenated_ranges(self.offsets, rows)]).to(dtype)


# -- datasets ----------------------------------------------------------------------------


def _load_dataset(config: TrainingConfig):
    """(dataset, split, unit) for the configured dataset."""
    from .data.registry import dataset_info, load_dataset, row_ids, target_info
    from .data.splits import random_split

    info = dataset_info(config.dataset)
    unit, _intensive = target_info(config.dataset, config.target)
    dataset = load_dataset(config.dataset)
    split = random_split(len(dataset), config.n_train, config.n_validation, config.split_seed)
    split[info.id_key] = row_ids(config.dataset, dataset)
    return dataset, split, unit


def apply_dataset_defaults(config: TrainingConfig) -> TrainingConfig:
    """Fill in what the dataset's thesis protocol prescribes and the user left open.

    Split sizes and target left as ``None`` take the dataset's defaults; the
    dataset's required hyperparameters (e.g. a 5 Å cutoff with neighbour
    averaging for crystals) and mean pooling for intensive targets are added
    unless set explicitly.
    """
    from .data.registry import dataset_info, target_info

    info = dataset_info(config.dataset)
    target = config.target or info.default_target
    _unit, intensive = target_info(config.dataset, target)
    hyperparameters = dict(info.hyperparameters.get(config.architecture, {}))
    if intensive:
        hyperparameters["pooling"] = "mean"
    hyperparameters.update(config.hyperparameters)
    return replace(
        config,
        target=target,
        n_train=info.n_train if config.n_train is None else config.n_train,
        n_validation=info.n_validation if config.n_validation is None else config.n_validation,
        hyperparameters=hyperparameters,
    )


def packed_test_data(model: AtomisticModel, split: dict[str, np.ndarray]) -> PackedStructures:
    """The dataset a model was trained on, packed for its target and cutoff.

    Checks that the rows are the ones recorded in the model's ``split.npz``.
    """
    from .data.registry import dataset_info, load_dataset, pack_dataset, row_ids

    name = model.card.get("training", {}).get("dataset", "qm9")
    info = dataset_info(name)
    dataset = load_dataset(name)
    if info.id_key in split and not np.array_equal(split[info.id_key], row_ids(name, dataset)):
        raise ValueError(f"the {name} data on this machine does not match the rows this model was trained on")
    return pack_dataset(dataset, model.card["target"], model.cutoff)


def test_metrics(model_name_or_folder: str | os.PathLike, split_name: str = "test") -> dict[str, float]:
    """A bundled or saved model's errors on its recorded test split (energies; forces for MD models)."""
    from .models.files import resolve_model_folder, load_model

    folder = resolve_model_folder(model_name_or_folder)
    model = load_model(folder, device="cpu")
    split = load_split(folder)
    data = packed_test_data(model, split)
    metrics, _ = evaluate(model, data, split[split_name])
    metrics["mean_predictor_mae"] = float(np.mean(np.abs(data.targets[split[split_name]]
                                                        - data.targets[split["train"]].mean())))
    return metrics


def load_split(model_name_or_folder: str | os.PathLike) -> dict[str, np.ndarray]:
    """The train/validation/test rows a model was trained with (``split.npz`` beside its card).

    Takes a model folder or a bundled model's name or alias, like :func:`insight.load_model`.
    """
    from .models.files import resolve_model_folder

    path = resolve_model_folder(model_name_or_folder) / SPLIT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: this model does not record its data split")
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


# -- evaluation --------------------------------------------------------------------------------


def predict_packed(
    model: AtomisticModel, data: PackedStructures, rows: np.ndarray, batch_size: int = 256, forces: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Energies of ``rows`` (and, with ``forces``, the forces of their atoms, concatenated)."""
    energies, atom_forces = [], []
    for start in range(0, len(rows), batch_size):
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


def evaluate(
    model: AtomisticModel, data: PackedStructures, rows: np.ndarray, batch_size: int = 256
) -> tuple[dict[str, float], pd.DataFrame]:
    """MAE and RMSE on ``rows``, overall and per molecule size; force errors too when the data have forces.

    Returns
    -------
    metrics
        ``{"mae", "rmse", "n"}`` in the model's energy unit; with forces also
        ``force_mae`` and ``force_rmse`` (over Cartesian components, as in
        Table 5.4) and ``force_sq`` (mean squared norm of the force error per atom).
    per_size
        DataFrame with columns ``n_atoms``, ``count``, ``mae``, ``rmse``.
    """
    was_training = model.training
    model.eval()
    with_forces = data.forces is not None
    predicted = predict_packed(model, data, rows, batch_size, forces=with_forces)
    model.train(was_training)
    predictions = predicted[0] if with_forces else predicted
    errors = predictions - data.targets[rows]
    sizes = data.n_atoms[rows]
    frame = pd.DataFrame({"n_atoms": sizes, "abs_error": np.abs(errors), "sq_error": errors**2})
    per_size = (
        frame.groupby("n_atoms")
        .agg(count=("abs_error", "size"), mae=("abs_error", "mean"), mse=("sq_error", "mean"))
        .reset_index()
    )
    per_size["rmse"] = np.sqrt(per_size.pop("mse"))
    metrics = {"mae": float(np.mean(np.abs(errors))), "rmse": float(np.sqrt(np.mean(errors**2))), "n": int(len(rows))}
    if with_forces:
        force_errors = predicted[1] - data.atom_forces(rows, torch.float64).numpy()
        metrics["force_mae"] = float(np.mean(np.abs(force_errors)))
        metrics["force_rmse"] = float(np.sqrt(np.mean(force_errors**2)))
        metrics["force_sq"] = float(np.mean(np.sum(force_errors**2, axis=1)))
    return metrics, per_size


def refit_energy_offset(model: AtomisticModel, data: PackedStructures, rows: np.ndarray) -> dict[str, float]:
    """Refit the per-atom energy offset ``E_mu`` by least squares on ``rows``, in place.

    Eq. 5.7 with a small rho weights energies little against forces, so a force-trained model can end with
    a constant energy error that forces never see. A constant added to ``E_mu`` shifts every structure's
    energy by ``n_atoms`` times it (sum pooling) and leaves forces, and all energy differences within a
    structure size, unchanged. Returns the shift and the training MAE before and after.
    """
    predicted = predict_packed(model, data, rows)
    residual = data.targets[rows] - predicted
    n_atoms = data.n_atoms[rows].astype(np.float64)
    scale = np.ones_like(n_atoms) if model.config.pooling == "mean" else n_atoms
    shift = float(np.sum(residual * scale) / np.sum(scale**2))
    with torch.no_grad():
        model.mean += shift
    return {"per_atom_shift": shift, "train_mae_before": float(np.mean(np.abs(residual))),
            "train_mae_after": float(np.mean(np.abs(residual - shift * scale)))}


# -- training --------------------------------------------------------------------------------


def _learning_rate(config: TrainingConfig, state: dict[str, Any], seconds: float | None = None) -> float:
    """The learning rate at ``state["step"]``, or for the budget schedule after ``seconds`` of training."""
    if config.lr_schedule == "exponential":
        return config.learning_rate * config.lr_decay ** (state["step"] / config.lr_decay_steps)
    if config.lr_schedule == "budget":
        start, end = state["budget_start_seconds"], 3600 * config.max_hours
        elapsed = state["seconds"] if seconds is None else seconds
        remaining = max(0.0, (end - elapsed) / max(end - start, 1e-9))
        return state["budget_start_lr"] * remaining
    return config.learning_rate * state["plateau_scale"]



def _init_scaling(model: AtomisticModel, data: PackedStructures, rows: np.ndarray) -> None:
    """E_mu and E_sigma: mean and standard deviation of the energy per atom on the training set (sec. 3.4).

    With mean pooling the target already is a per-atom quantity.
    """
    per_atom = data.targets[rows] if model.config.pooling == "mean" else data.targets[rows] / data.n_atoms[rows]
    model.mean.fill_(float(per_atom.mean()))
    model.stddev.fill_(float(per_atom.std(ddof=1)))


def _stop_on_sigterm() -> Callable[[], None]:
    """Let SIGTERM (``kill``, the end of a session) stop training like Ctrl+C: with a final checkpoint."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)


def _save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def train(
    config: TrainingConfig,
    output: str | os.PathLike,
    data: PackedStructures | None = None,
    split: dict[str, np.ndarray] | None = None,
    device: str | None = None,
    progress: bool = True,
    card: dict[str, Any] | None = None,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Train (or resume training) a model; returns the folder of the best model.

    Parameters
    ----------
    config
        The run's settings. When ``output`` already holds a run, its saved config
        is used and training resumes from ``checkpoint.pt``.
    output
        Run folder.
    data, split
        Packed molecules and ``{"train", "validation", "test"}`` rows; by default
        loaded from ``config.dataset``.
    device
        ``None`` picks CUDA when available.
    card
        Extra model-card fields (units, description, ...).
    """
    log = log or (lambda message: print(message, flush=True))  # flushed: runs are followed through nohup logs
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    config_path, checkpoint_path = output / "config.json", output / "checkpoint.pt"
    switch_to_budget = None  # the saved config of a run that switches to the budget schedule now
    if config_path.is_file() and checkpoint_path.is_file():
        # A resumed run keeps what defines the model and data; the budget may change, and so may the
        # schedule, to the budget decay only (the other schedules' state would not carry over).
        saved = json.loads(config_path.read_text())
        if config.lr_schedule == "budget" and saved["lr_schedule"] != "budget":
            switch_to_budget = dict(saved)
            saved["lr_schedule"] = "budget"
        saved.update({k: getattr(config, k) for k in _BUDGET_FIELDS})
        config = TrainingConfig(**saved)
    if data is None:
        config = apply_dataset_defaults(config)
    config_path.write_text(json.dumps(asdict(config), indent=2) + "\n")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(config.seed)

    model = build_model(config.architecture, config.hyperparameters)
    unit = "kcal/mol"
    if data is None:
        from .data.registry import pack_dataset

        dataset, split, unit = _load_dataset(config)
        data = pack_dataset(dataset, config.target, model.cutoff)
    elements = sorted(set(int(z) for z in np.unique(data.numbers)))
    train_rows, val_rows = split["train"], split["validation"]

    _init_scaling(model, data, train_rows)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    state = {"epoch": 0, "position": 0, "step": 0, "best_mae": math.inf, "epochs_since_best": 0,
             "plateau_scale": 1.0, "plateau_best": math.inf, "plateau_wait": 0, "seconds": 0.0,
             "budget_start_seconds": 0.0, "budget_start_lr": config.learning_rate}
    if checkpoint_path.is_file():
        checkpoint = torch.load(checkpoint_path, map_location=device, weights_only=True)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        state.update(checkpoint["state"])
        log(f"resuming {output} at epoch {state['epoch']}, step {state['step']}, best validation MAE {state['best_mae']:.4f}")
        if switch_to_budget is not None:
            # The rate the run had under its saved schedule is where the budget decay starts.
            state["budget_start_lr"] = _learning_rate(TrainingConfig(**switch_to_budget), state)
            state["budget_start_seconds"] = state["seconds"]
            log(f"switching to the budget schedule: lr {state['budget_start_lr']:.2e} decays linearly to 0 at "
                f"{config.max_hours} h")
    if config.lr_schedule == "budget" and state["seconds"] >= 3600 * config.max_hours:
        log(f"the budget of {config.max_hours} h is already spent ({state['seconds'] / 3600:.2f} h): nothing to do")
        return output / "best"

    def checkpoint() -> None:
        _save_checkpoint(checkpoint_path, {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state})

    log_path = output / "log.csv"
    new_log = not log_path.is_file()
    log_file = open(log_path, "a", newline="")
    writer = csv.writer(log_file)
    with_forces = config.rho is not None
    if with_forces and data.forces is None:
        raise ValueError("rho is set (training on forces, Eq. 5.7) but the data have no forces")
    if new_log:
        writer.writerow(["epoch", "step", "train_loss" if with_forces else "train_rmse", "val_mae", "val_rmse"]
                        + (["val_force_mae", "val_loss"] if with_forces else []) + ["learning_rate", "seconds"])

    best_dir = output / "best"
    base_card = {
        "name": config.name or output.name,
        "units": {"energy": unit, "length": "Å"},
        "target": config.target,
        "elements": elements,
        **(card or {}),
    }
    started = time.time() - state["seconds"]
    last_checkpoint = time.time()
    stop_reason = None
    restore_sigterm = _stop_on_sigterm()
    try:
        while state["epoch"] < config.max_epochs:
            rng = np.random.default_rng([config.seed, state["epoch"]])
            order = rng.permutation(train_rows)
            n_batches = math.ceil(len(order) / config.batch_size)
            model.train()
            squared, counted = 0.0, 0
            lr = _learning_rate(config, state, time.time() - started)
            iterator = range(state["position"], n_batches)
            if progress:
                from tqdm import tqdm

                iterator = tqdm(iterator, initial=state["position"], total=n_batches, desc=f"epoch {state['epoch']}",
                                leave=False, mininterval=5.0)
            for b in iterator:
                rows = order[b * config.batch_size : (b + 1) * config.batch_size]
                batch, targets = data.batch(rows)
                batch, targets = batch.to(device), targets.to(device)
                lr = _learning_rate(config, state, time.time() - started)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                if config.rho is None:
                    loss = torch.nn.functional.mse_loss(model(batch).energy, targets)
                else:  # Eq. 5.7, averaged over the batch
                    output = model(batch, forces=True, create_graph=True)
                    reference = data.atom_forces(rows, targets.dtype).to(device)
                    per_atom = ((output.forces - reference) ** 2).sum(dim=1)
                    per_structure = scatter_sum(per_atom, batch.structure_index, len(rows)) / batch.n_atoms
                    loss = config.rho * ((output.energy - targets) ** 2).mean() + per_structure.mean()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                state["step"] += 1
                state["position"] = b + 1
                squared += loss.item() * len(rows)
                counted += len(rows)
                if time.time() - last_checkpoint > 60 * config.checkpoint_minutes:
                    state["seconds"] = time.time() - started
                    checkpoint()
                    last_checkpoint = time.time()
                if config.max_hours is not None and time.time() - started > 3600 * config.max_hours:
                    stop_reason = f"time limit of {config.max_hours} h reached"
                    break
            if stop_reason:
                break
            metrics, _ = evaluate(model, data, val_rows)
            state["epoch"] += 1
            state["position"] = 0
            state["seconds"] = time.time() - started
            # nan: resumed after the last batch; with forces the mean Eq. 5.7 loss, else the energy RMSE
            train_rmse = (squared / counted if with_forces else math.sqrt(squared / counted)) if counted else math.nan
            # Model selection: the energy MAE, or with forces the validation value of the Eq. 5.7 loss.
            score = metrics["mae"] if not with_forces else config.rho * metrics["rmse"] ** 2 + metrics["force_sq"]
            force_columns = [f"{metrics['force_mae']:.5f}", f"{score:.5f}"] if with_forces else []
            writer.writerow([state["epoch"], state["step"], f"{train_rmse:.5f}", f"{metrics['mae']:.5f}",
                             f"{metrics['rmse']:.5f}"] + force_columns + [f"{lr:.3e}", f"{state['seconds']:.0f}"])
            log_file.flush()
            improved = score < state["best_mae"]
            if improved:
                state["best_mae"] = score
                state["epochs_since_best"] = 0
                _write_best(model, best_dir, base_card, config, split, state, metrics, data)
            else:
                state["epochs_since_best"] += 1
            if config.lr_schedule == "plateau":
                if score < state["plateau_best"]:
                    state["plateau_best"], state["plateau_wait"] = score, 0
                else:
                    state["plateau_wait"] += 1
                    if state["plateau_wait"] > config.plateau_patience:
                        state["plateau_scale"] *= config.plateau_factor
                        state["plateau_wait"] = 0
            forces_text = f"  force MAE {metrics['force_mae']:8.4f} {unit}/Å" if with_forces else ""
            log(f"epoch {state['epoch']:4d}  step {state['step']:8d}  train {'loss' if with_forces else 'RMSE'} "
                f"{train_rmse:8.4f}  val MAE {metrics['mae']:8.4f} {unit}{forces_text}{'  *' if improved else ''}  "
                f"lr {lr:.2e}  {state['seconds'] / 3600:.2f} h")
            checkpoint()
            last_checkpoint = time.time()
            if state["epochs_since_best"] >= config.early_stopping_patience:
                stop_reason = f"no improvement for {config.early_stopping_patience} epochs"
                break
            if config.lr_schedule != "budget" and _learning_rate(config, state) < config.min_learning_rate:
                stop_reason = "learning rate below its minimum"
                break
    finally:
        state["seconds"] = time.time() - started
        checkpoint()
        log_file.close()
        restore_sigterm()
    log(f"stopped: {stop_reason or 'max_epochs reached'}; best validation MAE {state['best_mae']:.4f} {unit}")
    return best_dir


def _write_best(model, best_dir, base_card, config, split, state, metrics, data) -> None:
    card = dict(base_card)
    card["training"] = {
        "dataset": config.dataset,
        "n_train": int(len(split["train"])),
        "n_validation": int(len(split["validation"])),
        "n_test": int(len(split.get("test", []))),
        "split_seed": config.split_seed,
        "seed": config.seed,
        "batch_size": config.batch_size,
        "optimizer": "Adam",
        "learning_rate": config.learning_rate,
        "lr_schedule": config.lr_schedule,
        "epochs": state["epoch"],
        "steps": state["step"],
        "hours": round(state["seconds"] / 3600, 3),
    }
    card["metrics"] = {"validation_mae": metrics["mae"], "validation_rmse": metrics["rmse"]}
    if config.rho is not None:
        card["training"]["rho"] = config.rho
        card["training"]["loss"] = "rho |E - E_hat|^2 + 1/n_atoms sum_i |F_i - F_hat_i|^2 (Eq. 5.7)"
        card["metrics"].update(validation_force_mae=metrics["force_mae"], validation_force_rmse=metrics["force_rmse"])
    save_model(model, best_dir, **card)
    np.savez_compressed(best_dir / SPLIT_FILE, **{k: np.asarray(v) for k, v in split.items()})
