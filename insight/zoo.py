"""The model zoo: publishing trained models into ``pretrained/`` with their cards.

Publishing evaluates the best model of a run on its held-out test split,
records the result and the thesis' number for the same setting in the card,
and writes a human-readable ``README.md`` beside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .evaluation import evaluate, packed_test_data
from .models.card import ModelCard, ThesisReference, read_card
from .models.files import SPLIT_FILE, load_model, load_split, pretrained_cards, pretrained_dir, save_model
from .thesis import MP_FORMATION_MAE, QM9_U0_MAE
from .training import refit_energy_offset

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["zoo_markdown", "find_models", "repetitions", "training_run", "training_curves", "thesis_reference",
           "publish", "render_card"]


#: Where ``scripts/train_zoo.sh`` trains: one folder per run (config, log, checkpoint, best model), in a checkout.
TRAINING_RUNS = Path(__file__).resolve().parent.parent / "training-runs"


def zoo_markdown() -> str:
    """The bundled models as a Markdown table beside the thesis, then each model's card (docs' model zoo page)."""
    cards = pretrained_cards()
    lines = ["| model | architecture | data | N train | test MAE | test force MAE | thesis | status |",
             "|---|---|---|---|---|---|---|---|"]
    for name, card in cards.items():
        unit = card.energy_unit
        mae = f"{card.test_mae:.3f} {unit}" if card.test_mae is not None else "—"
        force_mae = card.metrics.get("test_force_mae")
        force = f"{force_mae:.3f} {unit}/Å" if force_mae is not None else "—"
        thesis = card.thesis or thesis_reference(card)
        thesis_text = f"{thesis.test_mae} {thesis.unit} ({thesis.source})" if thesis else "—"
        status = (card.status or "final").split(";")[0]
        training = card.training
        lines.append(f"| [{name}](#{name}) | {card.architecture}, T = {card.n_interactions} "
                     f"| {card.dataset} | {training.n_train if training else '—'} | {mae} | {force} | {thesis_text} "
                     f"| {status} |")
    sections = ["\n".join(lines), ""]
    for card in cards.values():
        sections.append(render_card(card).replace(f"# {card.name}", f"## {card.name}", 1))
    return "\n".join(sections)


def find_models(dataset: str | None = None, architecture: str | None = None, n_interactions: int | None = None,
                forces: bool | None = None, n_features: int | None = None) -> list[str]:
    """Names of bundled models whose cards match: training dataset (e.g. ``"md:benzene"``), architecture,
    number of interactions, whether they were trained on forces, and feature width (the Fig. 4.6 ladder's
    SchNets have 30 features, the flagship 64)."""
    found = []
    for name, card in pretrained_cards().items():
        if dataset is not None and card.dataset != dataset:
            continue
        if architecture is not None and card.architecture != architecture:
            continue
        if n_interactions is not None and card.n_interactions != n_interactions:
            continue
        if forces is not None and (card.training is not None and card.training.with_forces) != forces:
            continue
        if n_features is not None and card.hyperparameters.get("n_features") != n_features:
            continue
        found.append(name)
    return found


def training_run(name: str) -> Path | None:
    """The folder of ``training-runs/`` a bundled model was published from (its log and checkpoint), where this
    checkout has it; ``None`` otherwise. Read from the card's status, which :func:`publish` writes."""
    from .models.files import resolve_model_folder

    return _run_folder(read_card(resolve_model_folder(name)))


def _run_folder(card: ModelCard) -> Path | None:
    """The run folder a card's status names (:func:`training_run`), where this checkout has it."""
    import re

    found = re.search(r"training-runs/([\w.-]+)", card.status or "")
    if not found:
        return None
    folder = TRAINING_RUNS / found.group(1)
    return folder if folder.is_dir() else None


def training_curves(names: list[str], past_published: bool = False) -> pd.DataFrame:
    """The validation curves of bundled models, from the logs of the runs they were published from: a DataFrame
    with one row per validation (``model``, ``step``, ``hours`` of training, ``val_mae`` and ``val_rmse`` in the
    model's energy unit, ``learning_rate``).

    Each curve ends at the step of the published weights (the card's ``training.steps``), so it stays the curve of
    the model that ships while its run trains on; ``past_published=True`` gives the whole log. Models whose run
    this checkout lacks are left out."""
    import pandas as pd

    from .models.files import resolve_model_folder
    from .training import read_log

    frames = []
    for name in names:
        card = read_card(resolve_model_folder(name))
        folder = _run_folder(card)
        if folder is None or not (folder / "log.csv").is_file():
            continue
        log = read_log(folder)
        training = card.training
        if not past_published and training is not None and training.steps is not None:
            log = log[log["step"] <= training.steps]
        frames.append(pd.DataFrame({"model": name, "step": log["step"], "hours": log["seconds"] / 3600,
                                    "val_mae": log["val_mae"], "val_rmse": log["val_rmse"],
                                    "learning_rate": log["learning_rate"]}))
    columns = ["model", "step", "hours", "val_mae", "val_rmse", "learning_rate"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def repetitions() -> dict[str, list[str]]:
    """Bundled models trained again on other random splits, by name: ``{"dtnn-qm9-t3": ["dtnn-qm9-t3",
    "dtnn-qm9-t3-split1", "dtnn-qm9-t3-split2"], ...}`` (the zoo names a repetition ``NAME-splitK``). Each list
    makes an :class:`~insight.analysis.ensemble.Ensemble`."""
    from .models.files import list_pretrained

    names = list_pretrained()
    groups = {}
    for name in names:
        members = [name] + sorted(n for n in names if n.startswith(f"{name}-split") and n[len(name) + 6:].isdigit())
        if len(members) > 1:
            groups[name] = members
    return groups


def thesis_reference(card: ModelCard) -> ThesisReference | None:
    """The thesis' test MAE for the setting of a model card, if the thesis states one."""
    if card.dataset == "flla":
        if card.architecture != "schnet" or card.target != "formation_energy_per_atom":
            return None
        return ThesisReference(MP_FORMATION_MAE["schnet"], "eV/atom",
                               "Table 4.3, SchNet T=6, N = 3,000 Materials Project crystals",
                               {k: v for k, v in MP_FORMATION_MAE.items() if k != "schnet"})
    if card.dataset != "qm9" or card.target != "U0":
        return None
    if (card.training.n_train or 0) < 90_000:  # the thesis numbers are for 100k-110k training molecules
        return None
    key = (card.architecture, card.n_interactions)
    if key not in QM9_U0_MAE:
        return None
    if card.architecture == "schnet" and card.hyperparameters.get("n_features", 64) != 64:
        return None  # the thesis' SchNet numbers are for F = 64 (Fig. 4.6's F = 30 curves give none)
    value, where = QM9_U0_MAE[key]
    return ThesisReference(value, "kcal/mol", where)


def publish(
    best_folder: str | Path, name: str, destination: str | Path | None = None, description: str | None = None,
    extra: dict[str, Any] | None = None, refit_offset: bool = False, progress: bool = False,
) -> Path:
    """Evaluate a run's best model on its test split and copy it into the zoo as ``name``.

    ``refit_offset`` first refits the energy offset on the training structures
    (:func:`~insight.training.refit_energy_offset`; for models trained on forces with a small rho).
    ``progress`` shows a bar over the test split. Returns the folder of the published model.
    """
    best_folder = Path(best_folder)
    model = load_model(best_folder, device="cpu")
    split = load_split(best_folder)
    data = packed_test_data(model, split)
    refit = refit_energy_offset(model, data, split["train"]) if refit_offset else None
    result = evaluate(model, data, split["test"], progress=progress)
    metrics = {**model.card.metrics, "test_mae": result.mae, "test_rmse": result.rmse, "n_test": result.n}
    if result.force_mae is not None:
        metrics.update(test_force_mae=result.force_mae, test_force_rmse=result.force_rmse)
    card = model.card.replace(name=name, metrics=metrics, metrics_per_size=result.per_size.to_dict(orient="list"),
                              **({"offset_refit": refit} if refit else {}))
    reference = thesis_reference(card)
    if reference:
        card = card.replace(thesis=reference)
    if description:
        card = card.replace(description=description)
    card = card.replace(**(extra or {}))
    target = Path(destination) if destination else pretrained_dir() / name
    save_model(model, target, card)
    shutil.copy(best_folder / SPLIT_FILE, target / SPLIT_FILE)
    (target / "README.md").write_text(render_card(read_card(target)), encoding="utf-8")
    return target


def _cell(text: object) -> str:
    """Text for a Markdown table cell: its pipes escaped (e.g. |E - E_hat| in a loss)."""
    return str(text).replace("|", "\\|")


def render_card(card: ModelCard) -> str:
    """A model card as Markdown."""
    hp = card.hyperparameters
    training = card.training
    unit = card.energy_unit
    lines = [f"# {card.name}", ""]
    if card.description:
        lines += [card.description, ""]
    lines += [
        "| | |",
        "|---|---|",
        f"| architecture | {card.architecture}, T = {card.n_interactions}, F = {hp.get('n_features')} |",
        f"| cutoff | {hp.get('cutoff') or 'none (all pairs)'} |",
        f"| target | {card.target} ({unit}) |",
        f"| elements | {len(card.elements or ())}: {card.element_list()} |",
    ]
    if training is not None:
        lines += [
            f"| data | {training.dataset}: {training.n_train} train / {training.n_validation} validation / "
            f"{training.n_test} test, split seed {training.split_seed} |",
            f"| training | {_cell(training.summary())} |",
        ]
    metrics = card.metrics
    if "test_mae" in metrics:
        lines.append(f"| test MAE | **{metrics['test_mae']:.3f} {unit}** (RMSE {metrics['test_rmse']:.3f}) |")
    if "test_force_mae" in metrics:
        lines.append(f"| test force MAE | **{metrics['test_force_mae']:.3f} {unit}/Å** (per component) |")
    if "validation_mae" in metrics:
        lines.append(f"| validation MAE | {metrics['validation_mae']:.3f} {unit} |")
    if card.thesis:
        lines.append(f"| thesis | {card.thesis.test_mae} {card.thesis.unit} ({card.thesis.source}) |")
        for name, value in card.thesis.baselines.items():
            lines.append(f"| thesis baseline | {name}: {value} {card.thesis.unit} |")
    for key in ("status", "hardware"):
        if getattr(card, key):
            lines.append(f"| {key} | {_cell(getattr(card, key))} |")
    hyper = ", ".join(f"{k}={v}" for k, v in hp.items())
    lines += ["", f"Hyperparameters: {hyper}.", ""]
    if card.notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in card.notes] + [""]
    return "\n".join(lines)
