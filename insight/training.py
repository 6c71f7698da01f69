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
import torch
from tqdm import tqdm

from .data.packed import PackedStructures
from .data.registry import dataset_entry, target_property
from .data.splits import random_split
from .errors import ArgumentError
from .evaluation import evaluate, predict_packed
from .models.base import AtomisticModel
from .models.card import ModelCard, TrainingRecord
from .models.files import SPLIT_FILE, build_model, save_model
from .models.layers import scatter_sum

__all__ = ["TrainingConfig", "apply_dataset_defaults", "train", "refit_energy_offset", "LR_SCHEDULES",
           "validation_at", "read_log"]

#: Settings a resumed run takes from the new command rather than from its saved config.
_BUDGET_FIELDS = ("restart_lr", "max_epochs", "max_hours", "early_stopping_patience", "checkpoint_minutes", "ema_decay")
LR_SCHEDULES = ("exponential", "plateau", "budget")
#: Energy losses by name: the batch mean of one process, and its sum (DDP shards add up to the batch's mean).
ENERGY_LOSSES = {"mse": (torch.nn.functional.mse_loss, lambda errors: errors.square().sum()),
                 "mae": (torch.nn.functional.l1_loss, lambda errors: errors.abs().sum())}


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
    #: Train on only the first this many of the split's training rows; validation and test rows stay those of the
    #: full split, so that runs with growing subsets share one test set (a learning curve). ``None``: all.
    train_subset: int | None = None
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
    #: Epochs without a better validation score before training stops. ``None``: 60, except under the budget
    #: schedule, which trains to the end of its budget: its rate only nears 0 there, so a best from an earlier
    #: (raised) budget is rarely beaten before, and stopping early would waste the budget the run was given.
    early_stopping_patience: int | None = None
    max_hours: float | None = None
    checkpoint_minutes: float = 5.0
    name: str | None = None
    #: Eq. 5.7's energy-force trade-off: ``None`` trains on energies only; a number (thesis: 0.01) trains on
    #: ``rho |E - E_hat|^2 + 1/n_atoms sum_i |F_i - F_hat_i|^2`` with forces ``-dE_hat/dr`` by autograd.
    rho: float | None = None
    #: Exponential moving average of the weights (SchNetPack: 0.995, DimeNet: 0.999); validated, selected and
    #: published instead of the raw weights. ``None``: no average. A resumed run may switch it on.
    ema_decay: float | None = None
    #: With the budget schedule, a resumed run whose budget is spent starts a new linear decay from this rate to
    #: 0 at the new ``max_hours`` (a warm restart). Ignored while the previous budget is still running.
    restart_lr: float | None = None
    #: What energy-only training minimises over a batch: ``"mse"``, the squared error of the thesis, or ``"mae"``,
    #: the absolute error, the metric itself (heavy-tailed errors, e.g. crystals' formation energies, weigh less).
    loss: str = "mse"

    @property
    def patience(self) -> int | None:
        """The early stopping patience in epochs that applies, ``None`` where training runs to its end."""
        if self.early_stopping_patience is not None:
            return self.early_stopping_patience
        return None if self.lr_schedule == "budget" else 60

    def __post_init__(self) -> None:
        if self.lr_schedule not in LR_SCHEDULES:
            raise ArgumentError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")
        if self.lr_schedule == "budget" and self.max_hours is None:
            raise ArgumentError("lr_schedule 'budget' decays to zero at the end of max_hours: give max_hours (--hours)")
        if self.ema_decay is not None and not 0.0 < self.ema_decay < 1.0:
            raise ArgumentError(f"ema_decay must lie between 0 and 1 (e.g. 0.995), got {self.ema_decay}")
        if self.loss not in ENERGY_LOSSES:
            raise ArgumentError(f"loss must be one of {', '.join(ENERGY_LOSSES)}, got {self.loss!r}")
        if self.loss != "mse" and self.rho is not None:
            raise ArgumentError("training on forces (rho) minimises Eq. 5.7's squared errors: leave loss at 'mse'")
        if self.rho is not None and self.rho < 0:
            raise ArgumentError(f"rho (Eq. 5.7) must be >= 0, got {self.rho}")


# -- datasets ----------------------------------------------------------------------------


def apply_dataset_defaults(config: TrainingConfig) -> TrainingConfig:
    """Fill in what the dataset's thesis protocol prescribes and the user left open.

    Split sizes and target left as ``None`` take the dataset's defaults; the
    dataset's required hyperparameters (e.g. a 5 Å cutoff with neighbour
    averaging for crystals) and mean pooling for intensive targets are added
    unless set explicitly.
    """
    protocol = dataset_entry(config.dataset).protocol
    target = config.target or protocol.default_target
    hyperparameters = dict(protocol.hyperparameters.get(config.architecture, {}))
    if target_property(config.dataset, target).intensive:
        hyperparameters["pooling"] = "mean"
    hyperparameters.update(config.hyperparameters)
    return replace(
        config,
        target=target,
        n_train=protocol.n_train if config.n_train is None else config.n_train,
        n_validation=protocol.n_validation if config.n_validation is None else config.n_validation,
        hyperparameters=hyperparameters,
    )


def _adam(model: AtomisticModel, learning_rate: float) -> torch.optim.Adam:
    """Adam with PyTorch's fused kernel where it has one: the same update to round-off (2e-16 in float64 over ten
    steps), about seven times faster than the per-parameter loop on CPU; the plain loop otherwise."""
    try:
        return torch.optim.Adam(model.parameters(), lr=learning_rate, fused=True)
    except (RuntimeError, ValueError):  # a device or dtype without the fused kernel
        return torch.optim.Adam(model.parameters(), lr=learning_rate)


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



@dataclass(frozen=True)
class _Processes:
    """This process's place among the training processes (``torchrun`` sets ``RANK`` and ``WORLD_SIZE``)."""

    rank: int = 0
    size: int = 1
    owns_group: bool = False

    @property
    def main(self) -> bool:
        return self.rank == 0

    @classmethod
    def join(cls, device: str) -> "_Processes":
        """Join the process group of a ``torchrun`` launch (gloo on CPU, NCCL on CUDA), or train alone."""
        size = int(os.environ.get("WORLD_SIZE", "1"))
        if size <= 1:
            return cls()
        owns = not torch.distributed.is_initialized()
        if owns:
            torch.distributed.init_process_group(backend="nccl" if device.startswith("cuda") else "gloo")
        return cls(rank=torch.distributed.get_rank(), size=torch.distributed.get_world_size(), owns_group=owns)

    def agree(self, *values: float) -> list[float]:
        """Rank 0's values, everywhere: the learning rate and the decision to stop depend on its clock."""
        if self.size == 1:
            return list(values)
        tensor = torch.tensor(values, dtype=torch.float64)
        torch.distributed.broadcast(tensor, src=0)
        return tensor.tolist()

    def wait_for_main(self) -> None:
        """Let every process pass only once rank 0 has written what the others read next."""
        if self.size > 1:
            torch.distributed.barrier()

    def leave(self) -> None:
        if self.owns_group:
            torch.distributed.destroy_process_group()



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
    compile: bool = False,
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
        Model-card fields to set (:class:`~insight.models.card.ModelCard` names: ``energy_unit``,
        ``description``, ...).
    compile
        Compile the training step's interaction passes and readout as one graph
        (:meth:`~insight.models.base.AtomisticModel.compile_training_path`): the same steps to round-off, faster
        after a compilation of seconds to a minute; eager, with a warning, where ``torch.compile`` cannot run.
        Training on forces (``rho``) stays eager.
    """
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    processes = _Processes.join(device)
    if processes.size > 1 and device.startswith("cuda"):
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', processes.rank))}"
    if processes.main:
        log = log or (lambda message: print(message, flush=True))  # flushed: runs are followed through nohup logs
    else:
        log, progress = (lambda message: None), False
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    config_path, checkpoint_path = output / "config.json", output / "checkpoint.pt"
    config, switch_to_budget, spent_budget_hours = _resumed_config(config, config_path, checkpoint_path)
    if data is None:
        config = apply_dataset_defaults(config)
    if processes.size > 1 and config.rho is not None:
        raise ArgumentError("training on forces (rho) runs in one process; start it without torchrun")
    if processes.size > 1 and config.batch_size % processes.size:
        raise ArgumentError(f"the batch of {config.batch_size} must split evenly over {processes.size} processes")
    if processes.main:
        config_path.write_text(json.dumps(asdict(config), indent=2) + "\n")
    processes.wait_for_main()
    torch.manual_seed(config.seed)

    model = build_model(config.architecture, config.hyperparameters)
    # The unit of the target, as the dataset states it (also when the caller passes the packed data).
    target = config.target or dataset_entry(config.dataset).protocol.default_target
    unit = target_property(config.dataset, target).unit
    if data is None:
        dataset = dataset_entry(config.dataset).load()
        split = random_split(len(dataset), config.n_train, config.n_validation, config.split_seed,
                             config.train_subset)
        split[dataset.protocol.id_key] = dataset.row_ids()
        data = dataset.pack(config.target, model.cutoff)
    elements = sorted(set(int(z) for z in np.unique(data.numbers)))
    train_rows, val_rows = split["train"], split["validation"]

    _init_scaling(model, data, train_rows)
    model.to(device)
    optimizer = _adam(model, config.learning_rate)
    averaged = None if config.ema_decay is None else torch.optim.swa_utils.AveragedModel(
        model, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(config.ema_decay), use_buffers=True)
    state = {"epoch": 0, "position": 0, "step": 0, "best_mae": math.inf, "epochs_since_best": 0,
             "plateau_scale": 1.0, "plateau_best": math.inf, "plateau_wait": 0, "seconds": 0.0,
             "budget_start_seconds": 0.0, "budget_start_lr": config.learning_rate}
    if checkpoint_path.is_file():
        checkpoint = torch.load(checkpoint_path, map_location=device, weights_only=True)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        for group in optimizer.param_groups:  # a checkpoint of the unfused Adam continues fused (same update)
            group.update(fused=optimizer.defaults["fused"], foreach=optimizer.defaults["foreach"])
        state.update(checkpoint["state"])
        if averaged is not None and "ema" in checkpoint:
            averaged.load_state_dict(checkpoint["ema"])
        elif averaged is not None:
            log(f"starting an exponential moving average of the weights (decay {config.ema_decay})")
        log(f"resuming {output} at epoch {state['epoch']}, step {state['step']}, best validation MAE "
            f"{state['best_mae']:.4f}")
        _reschedule_on_resume(config, state, switch_to_budget, spent_budget_hours, log)
    if config.lr_schedule == "budget" and state["seconds"] >= 3600 * config.max_hours:
        log(f"the budget of {config.max_hours} h is already spent ({state['seconds'] / 3600:.2f} h): nothing to do")
        processes.leave()
        return output / "best"

    # After the EMA copy, which stays eager: it is only evaluated.
    if compile and config.rho is None and model.compile_training_path():
        log("training step compiled with torch.compile (inductor): the first steps take longer")
    # Distributed: every process holds the whole model; DDP averages the gradients of the shards of each batch.
    trained = model if processes.size == 1 else torch.nn.parallel.DistributedDataParallel(
        model, device_ids=[torch.device(device).index] if device.startswith("cuda") else None)

    def checkpoint() -> None:
        if not processes.main:
            return
        saved_state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state}
        if averaged is not None:
            saved_state["ema"] = averaged.state_dict()
        _save_checkpoint(checkpoint_path, saved_state)

    log_path = output / "log.csv"
    new_log = not log_path.is_file()
    log_file = open(log_path if processes.main else os.devnull, "a", newline="")
    writer = csv.writer(log_file)
    with_forces = config.rho is not None
    if with_forces and data.forces is None:
        raise ArgumentError("rho is set (training on forces, Eq. 5.7) but the data have no forces")
    if new_log:
        writer.writerow(["epoch", "step", "train_loss" if with_forces else "train_rmse", "val_mae", "val_rmse"]
                        + (["val_force_mae", "val_loss"] if with_forces else []) + ["learning_rate", "seconds"])

    best_dir = output / "best"
    base_card = ModelCard(name=config.name or output.name, architecture=config.architecture, energy_unit=unit,
                          target=target, elements=elements)
    if card is not None:
        base_card = base_card.replace(**card)
    mean_loss, summed_loss = ENERGY_LOSSES[config.loss]
    started = time.time() - state["seconds"]
    last_checkpoint = time.time()
    stop_reason = None
    restore_sigterm = _stop_on_sigterm()
    patience = config.patience
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
                iterator = tqdm(iterator, initial=state["position"], total=n_batches, desc=f"epoch {state['epoch']}",
                                leave=False, mininterval=5.0, disable=None)
            for b in iterator:
                batch_rows = order[b * config.batch_size : (b + 1) * config.batch_size]
                rows = batch_rows[processes.rank :: processes.size]  # this process's shard of the batch
                batch, targets = data.batch(rows, by_distance=True)
                batch, targets = batch.to(device), targets.to(device)
                elapsed = time.time() - started
                lr, elapsed = processes.agree(_learning_rate(config, state, elapsed), elapsed)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                if config.rho is None and processes.size == 1:
                    predicted = trained(batch).energy
                    loss = mean_loss(predicted, targets)
                elif config.rho is None:
                    # DDP averages the processes' gradients: scaled so, the average is the whole batch's mean.
                    predicted = trained(batch).energy
                    loss = summed_loss(predicted - targets) * (processes.size / len(batch_rows))
                else:  # Eq. 5.7, averaged over the batch
                    output = model(batch, forces=True, create_graph=True)
                    reference = data.atom_forces(rows, targets.dtype).to(device)
                    per_atom = ((output.forces - reference) ** 2).sum(dim=1)
                    per_structure = scatter_sum(per_atom, batch.structure_index, len(rows)) / batch.n_atoms
                    loss = config.rho * ((output.energy - targets) ** 2).mean() + per_structure.mean()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if averaged is not None:
                    averaged.update_parameters(model)
                state["step"] += 1
                state["position"] = b + 1
                if config.loss == "mse" or with_forces:
                    squared += loss.item() * len(rows)
                else:  # the log's training RMSE whatever the loss
                    squared += float((predicted.detach() - targets).square().sum())
                counted += len(rows)
                if time.time() - last_checkpoint > 60 * config.checkpoint_minutes:
                    state["seconds"] = time.time() - started
                    checkpoint()
                    last_checkpoint = time.time()
                if config.max_hours is not None and elapsed > 3600 * config.max_hours:
                    stop_reason = f"time limit of {config.max_hours} h reached"
                    break
            if stop_reason:
                break
            selected = model if averaged is None else averaged.module  # validated and published
            metrics = evaluate(selected, data, val_rows)
            state["epoch"] += 1
            state["position"] = 0
            state["seconds"] = time.time() - started
            # nan: resumed after the last batch; with forces the mean Eq. 5.7 loss, else the energy RMSE
            train_rmse = (squared / counted if with_forces else math.sqrt(squared / counted)) if counted else math.nan
            # Model selection: the energy MAE, or with forces the validation value of the Eq. 5.7 loss.
            score = metrics.mae if not with_forces else config.rho * metrics.rmse ** 2 + metrics.force_sq
            force_columns = [f"{metrics.force_mae:.5f}", f"{score:.5f}"] if with_forces else []
            writer.writerow([state["epoch"], state["step"], f"{train_rmse:.5f}", f"{metrics.mae:.5f}",
                             f"{metrics.rmse:.5f}"] + force_columns + [f"{lr:.3e}", f"{state['seconds']:.0f}"])
            log_file.flush()
            improved = score < state["best_mae"]
            if improved:
                state["best_mae"] = score
                state["epochs_since_best"] = 0
                if processes.main:
                    _write_best(selected, best_dir, base_card, config, split, state, metrics, data)
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
            forces_text = f"  force MAE {metrics.force_mae:8.4f} {unit}/Å" if with_forces else ""
            log(f"epoch {state['epoch']:4d}  step {state['step']:8d}  train {'loss' if with_forces else 'RMSE'} "
                f"{train_rmse:8.4f}  val MAE {metrics.mae:8.4f} {unit}{forces_text}{'  *' if improved else ''}  "
                f"lr {lr:.2e}  {state['seconds'] / 3600:.2f} h")
            checkpoint()
            last_checkpoint = time.time()
            if patience is not None and state["epochs_since_best"] >= patience:
                stop_reason = f"no improvement for {patience} epochs"
                break
            if config.lr_schedule != "budget" and _learning_rate(config, state) < config.min_learning_rate:
                stop_reason = "learning rate below its minimum"
                break
    finally:
        state["seconds"] = time.time() - started
        checkpoint()
        log_file.close()
        restore_sigterm()
        processes.leave()
    log(f"stopped: {stop_reason or 'max_epochs reached'}; best validation MAE {state['best_mae']:.4f} {unit}")
    return best_dir


def _resumed_config(config: TrainingConfig, config_path: Path, checkpoint_path: Path):
    """``(config, switch_to_budget, spent_budget_hours)`` for a run that may resume.

    A resumed run keeps what defines the model and data; the budget may change, and so may the schedule, to the
    budget decay only (the other schedules' state would not carry over). ``switch_to_budget`` is the saved config
    of a run switching to the budget schedule now; ``spent_budget_hours`` the previous budget of a budget run.
    """
    if not (config_path.is_file() and checkpoint_path.is_file()):
        return config, None, None
    saved = json.loads(config_path.read_text())
    switch_to_budget = spent_budget_hours = None
    if config.lr_schedule == "budget" and saved["lr_schedule"] != "budget":
        switch_to_budget = dict(saved)
        saved["lr_schedule"] = "budget"
    elif saved["lr_schedule"] == "budget":
        spent_budget_hours = saved["max_hours"]
    saved.update({k: getattr(config, k) for k in _BUDGET_FIELDS})
    return TrainingConfig(**saved), switch_to_budget, spent_budget_hours


def _reschedule_on_resume(config: TrainingConfig, state: dict[str, Any], switch_to_budget: dict | None,
                          spent_budget_hours: float | None, log: Callable[[str], None]) -> None:
    """Start the budget decay where a resumed run switches to it, or a warm restart once its budget is spent."""
    if switch_to_budget is not None:
        # The rate the run had under its saved schedule is where the budget decay starts.
        state["budget_start_lr"] = _learning_rate(TrainingConfig(**switch_to_budget), state)
        state["budget_start_seconds"] = state["seconds"]
        log(f"switching to the budget schedule: lr {state['budget_start_lr']:.2e} decays linearly to 0 at "
            f"{config.max_hours} h")
    if (config.restart_lr is not None and spent_budget_hours is not None
            and state["seconds"] >= 3600 * spent_budget_hours - 60 and config.max_hours > spent_budget_hours):
        state["budget_start_lr"], state["budget_start_seconds"] = config.restart_lr, state["seconds"]
        state.setdefault("restarts", []).append([round(state["seconds"]), config.restart_lr])
        log(f"warm restart: lr {config.restart_lr:.2e} decays linearly to 0 at {config.max_hours} h")


def _write_best(model, best_dir, base_card: ModelCard, config, split, state, metrics, data) -> None:
    training = TrainingRecord(
        dataset=config.dataset,
        n_train=int(len(split["train"])),
        n_validation=int(len(split["validation"])),
        n_test=int(len(split.get("test", []))),
        split_seed=config.split_seed,
        seed=config.seed,
        batch_size=config.batch_size,
        optimizer="Adam",
        learning_rate=config.learning_rate,
        lr_schedule=config.lr_schedule,
        ema_decay=config.ema_decay,
        warm_restarts=tuple(tuple(r) for r in state.get("restarts", [])),
        epochs=state["epoch"],
        steps=state["step"],
        hours=round(state["seconds"] / 3600, 3),
        rho=config.rho,
        loss=("rho |E - E_hat|^2 + 1/n_atoms sum_i |F_i - F_hat_i|^2 (Eq. 5.7)" if config.rho is not None
              else "mean absolute error |E - E_hat|" if config.loss == "mae" else None),
    )
    validation = {"validation_mae": metrics.mae, "validation_rmse": metrics.rmse}
    if metrics.force_mae is not None:
        validation.update(validation_force_mae=metrics.force_mae, validation_force_rmse=metrics.force_rmse)
    save_model(model, best_dir, base_card.replace(training=training, metrics=validation))
    np.savez_compressed(best_dir / SPLIT_FILE, **{k: np.asarray(v) for k, v in split.items()})


def validation_at(run_folder: str | os.PathLike, seconds: float | None = None, column: str = "val_mae", *,
                  steps: int | None = None) -> float:
    """The best validation error (``column`` of the run's ``log.csv``) reached within ``seconds`` of training, or
    within ``steps`` optimizer steps (give one of the two).

    This compares runs at equal compute, or at equal steps: a run trained for longer is read at the shorter run's
    budget. Raises :class:`~insight.errors.ArgumentError` when the run has no log or logged nothing that early.
    """
    if (seconds is None) == (steps is None):
        raise ArgumentError("validation_at reads a log at one budget: give exactly one of seconds= and steps=")
    log = read_log(run_folder)
    if column not in log.columns:
        raise ArgumentError(f"{run_folder}/log.csv has no column {column!r}; it has {', '.join(log.columns)}")
    by, budget, unit = ("seconds", seconds, "s") if steps is None else ("step", steps, "steps")
    reached = log.loc[log[by] <= budget, column]
    if reached.empty:
        raise ArgumentError(f"{run_folder}/log.csv logged no validation within {budget:g} {unit} "
                            f"(first at {log[by].min():g} {unit})")
    return float(reached.min())


def read_log(run_folder: str | os.PathLike):
    """A training run's ``log.csv`` as a DataFrame: one row per epoch, ``seconds`` of training so far."""
    import pandas as pd

    path = Path(run_folder) / "log.csv"
    if not path.is_file():
        raise ArgumentError(f"{run_folder} has no log.csv; pass the folder `insight train -o` wrote")
    return pd.read_csv(path)
