"""The model zoo: publishing trained models into ``pretrained/`` with their cards.

Publishing evaluates the best model of a run on its held-out test split,
records the result and the thesis' number for the same setting in the card,
and writes a human-readable ``README.md`` beside it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from .models.files import CARD_FILE, WEIGHTS_FILE, load_model, pretrained_dir, save_model

__all__ = ["THESIS_QM9_U0_MAE", "THESIS_MP_FORMATION_MAE", "bundled_cards", "zoo_markdown", "find_models",
           "thesis_reference", "publish", "render_card"]

#: QM9 U0 test MAE in kcal/mol reported in the thesis, keyed by (architecture, T).
THESIS_QM9_U0_MAE: dict[tuple[str, int], tuple[float, str]] = {
    ("dtnn", 1): (1.54, "Table 3.1, N = 100k"),
    ("dtnn", 2): (0.93, "Table 3.1, N = 100k"),
    ("dtnn", 3): (0.84, "Table 3.1, N = 100k"),
    ("schnet", 2): (0.35, "sec. 4.4.1, N = 100k"),
    ("schnet", 3): (0.32, "sec. 4.4.1, N = 100k"),
    ("schnet", 6): (0.32, "Table 4.2, N = 110k"),
}


#: Materials Project formation energies, eV/atom, N = 3,000 training crystals (Table 4.3).
THESIS_MP_FORMATION_MAE = {"schnet": 0.127, "sine matrix": 0.37, "Ewald sum matrix": 0.49, "ext. Coulomb matrix": 0.64}


def bundled_cards() -> dict[str, dict[str, Any]]:
    """The card of every bundled model, by name."""
    from .models.files import list_pretrained

    return {name: json.loads((pretrained_dir() / name / CARD_FILE).read_text(encoding="utf-8"))
            for name in list_pretrained()}


def zoo_markdown() -> str:
    """The bundled models as a Markdown table beside the thesis, then each model's card (docs' model zoo page)."""
    cards = bundled_cards()
    lines = ["| model | architecture | data | N train | test MAE | test force MAE | thesis | status |",
             "|---|---|---|---|---|---|---|---|"]
    for name, card in cards.items():
        training, metrics = card.get("training", {}), card.get("metrics", {})
        unit = card.get("units", {}).get("energy", "")
        mae = f"{metrics['test_mae']:.3f} {unit}" if "test_mae" in metrics else "—"
        force = f"{metrics['test_force_mae']:.3f} {unit}/Å" if "test_force_mae" in metrics else "—"
        thesis = card.get("thesis") or thesis_reference(card)
        thesis_text = f"{thesis['test_mae']} {thesis['unit']} ({thesis['source']})" if thesis else "—"
        status = card.get("status", "final").split(";")[0]
        lines.append(f"| [{name}](#{name}) | {card['architecture']}, T = {card['hyperparameters']['n_interactions']} "
                     f"| {training.get('dataset')} | {training.get('n_train')} | {mae} | {force} | {thesis_text} "
                     f"| {status} |")
    sections = ["\n".join(lines), ""]
    for card in cards.values():
        sections.append(render_card(card).replace(f"# {card['name']}", f"## {card['name']}", 1))
    return "\n".join(sections)


def find_models(dataset: str | None = None, architecture: str | None = None, n_interactions: int | None = None,
                forces: bool | None = None) -> list[str]:
    """Names of bundled models whose cards match: training dataset (e.g. ``"md:benzene"``), architecture,
    number of interactions, and whether they were trained on forces."""
    found = []
    for name, card in bundled_cards().items():
        training = card.get("training", {})
        if dataset is not None and training.get("dataset") != dataset:
            continue
        if architecture is not None and card.get("architecture") != architecture:
            continue
        if n_interactions is not None and card.get("hyperparameters", {}).get("n_interactions") != n_interactions:
            continue
        if forces is not None and (training.get("rho") is not None) != forces:
            continue
        found.append(name)
    return found


def thesis_reference(card: dict[str, Any]) -> dict[str, Any] | None:
    """The thesis' test MAE for the setting of a model card, if the thesis states one."""
    training = card.get("training", {})
    if training.get("dataset") == "flla":
        if card["architecture"] != "schnet" or card.get("target") != "formation_energy_per_atom":
            return None
        return {"test_mae": THESIS_MP_FORMATION_MAE["schnet"], "unit": "eV/atom",
                "source": "Table 4.3, SchNet T=6, N = 3,000 Materials Project crystals",
                "baselines": {k: v for k, v in THESIS_MP_FORMATION_MAE.items() if k != "schnet"}}
    if training.get("dataset") != "qm9" or card.get("target") != "U0":
        return None
    if training.get("n_train", 0) < 90_000:  # the thesis numbers are for 100k-110k training molecules
        return None
    key = (card["architecture"], int(card["hyperparameters"]["n_interactions"]))
    if key not in THESIS_QM9_U0_MAE:
        return None
    value, where = THESIS_QM9_U0_MAE[key]
    return {"test_mae": value, "unit": "kcal/mol", "source": where}


def publish(
    best_folder: str | Path, name: str, destination: str | Path | None = None, description: str | None = None,
    extra: dict[str, Any] | None = None, refit_offset: bool = False,
) -> Path:
    """Evaluate a run's best model on its test split and copy it into the zoo as ``name``.

    ``refit_offset`` first refits the energy offset on the training structures
    (:func:`~insight.training.refit_energy_offset`; for models trained on forces with a small rho).
    Returns the folder of the published model.
    """
    from .training import SPLIT_FILE, evaluate, load_split, packed_test_data, refit_energy_offset

    best_folder = Path(best_folder)
    model = load_model(best_folder, device="cpu")
    split = load_split(best_folder)
    data = packed_test_data(model, split)
    refit = refit_energy_offset(model, data, split["train"]) if refit_offset else None
    metrics, per_size = evaluate(model, data, split["test"])
    card = dict(model.card)
    if refit:
        card["offset_refit"] = refit
    card["name"] = name
    card["metrics"] = {**card.get("metrics", {}), "test_mae": metrics["mae"], "test_rmse": metrics["rmse"],
                       "n_test": metrics["n"]}
    if "force_mae" in metrics:
        card["metrics"].update(test_force_mae=metrics["force_mae"], test_force_rmse=metrics["force_rmse"])
    card["metrics_per_size"] = per_size.to_dict(orient="list")
    reference = thesis_reference(card)
    if reference:
        card["thesis"] = reference
    if description:
        card["description"] = description
    card.update(extra or {})
    target = Path(destination) if destination else pretrained_dir() / name
    target.mkdir(parents=True, exist_ok=True)
    save_model(model, target, **card)
    shutil.copy(best_folder / SPLIT_FILE, target / SPLIT_FILE)
    (target / "README.md").write_text(render_card(json.loads((target / CARD_FILE).read_text())), encoding="utf-8")
    assert (target / WEIGHTS_FILE).is_file()
    return target


def render_card(card: dict[str, Any]) -> str:
    """A model card as Markdown."""
    hp = card["hyperparameters"]
    training = card.get("training", {})
    metrics = card.get("metrics", {})
    unit = card.get("units", {}).get("energy", "")
    lines = [f"# {card['name']}", ""]
    if card.get("description"):
        lines += [card["description"], ""]
    lines += [
        "| | |",
        "|---|---|",
        f"| architecture | {card['architecture']}, T = {hp['n_interactions']}, F = {hp['n_features']} |",
        f"| cutoff | {hp.get('cutoff') or 'none (all pairs)'} |",
        f"| target | {card.get('target')} ({unit}) |",
        f"| elements | {_element_list(card.get('elements', []))} |",
        f"| data | {training.get('dataset')}: {training.get('n_train')} train / {training.get('n_validation')} "
        f"validation / {training.get('n_test')} test, split seed {training.get('split_seed')} |",
        f"| training | {training.get('optimizer')}, batch {training.get('batch_size')}, lr {training.get('learning_rate')} "
        f"({training.get('lr_schedule')}), {training.get('epochs')} epochs, {training.get('steps')} steps, "
        f"{training.get('hours')} h |",
    ]
    if "test_mae" in metrics:
        lines.append(f"| test MAE | **{metrics['test_mae']:.3f} {unit}** (RMSE {metrics['test_rmse']:.3f}) |")
    if "test_force_mae" in metrics:
        lines.append(f"| test force MAE | **{metrics['test_force_mae']:.3f} {unit}/Å** (per component) |")
    if "validation_mae" in metrics:
        lines.append(f"| validation MAE | {metrics['validation_mae']:.3f} {unit} |")
    if card.get("thesis"):
        t = card["thesis"]
        lines.append(f"| thesis | {t['test_mae']} {t['unit']} ({t['source']}) |")
        for name, value in t.get("baselines", {}).items():
            lines.append(f"| thesis baseline | {name}: {value} {t['unit']} |")
    for key in ("status", "hardware"):
        if card.get(key):
            lines.append(f"| {key} | {card[key]} |")
    hyper = ", ".join(f"{k}={v}" for k, v in hp.items())
    lines += ["", f"Hyperparameters: {hyper}.", ""]
    if card.get("notes"):
        lines += ["## Notes", ""] + [f"- {note}" for note in card["notes"]] + [""]
    return "\n".join(lines)


def _element_list(numbers: list[int]) -> str:
    from .structures import element_symbol

    return f"{len(numbers)}: " + " ".join(element_symbol(z) for z in numbers) if numbers else ""
