"""Server-side state of the workbench: the model registry and caches of dataset-wide results.

The browser holds the current structure (as JSON in a ``dcc.Store``); the server
holds models and results that are expensive and the same for every user.
Models are only ever loaded by a name from the registry, so nothing a user
types can make the server read a path of its choosing.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

import insight
from insight.data.registry import dataset_entry, load_dataset
from insight.data.splits import random_split
from insight.models.card import CARD_FILE, read_card
from insight.models.files import WEIGHTS_FILE, list_pretrained, pretrained_aliases, pretrained_dir
from insight.models.schnetpack import load_schnetpack, unit_note
from insight.zoo import repetitions

from .jobs import Jobs

#: Figure tables kept for CSV downloads (the most recent ones, across all sessions).
STASH_SIZE = 256

#: Structures of a model's test split used for dataset-wide views in the app (a sample keeps pages fast).
DATASET_SAMPLE = 2000


#: Headings of the model picker, in order.
MODEL_GROUPS = ("QM9 molecules", "Materials Project crystals", "Molecular dynamics", "Your models")


def _model_group(name: str, card) -> str:
    if name.endswith(("(user)", "(SchNetPack)")) or card is None or card.dataset is None:
        return MODEL_GROUPS[3]
    if card.dataset == "qm9":
        return MODEL_GROUPS[0]
    return MODEL_GROUPS[1] if card.dataset == "flla" else MODEL_GROUPS[2]


def structure_to_json(structure: insight.Structure) -> dict[str, Any]:
    return {
        "numbers": structure.numbers.tolist(),
        "positions": structure.positions.tolist(),
        "cell": None if structure.cell is None else structure.cell.tolist(),
        "pbc": list(structure.pbc),
        "name": str(structure.info.get("name", "")),
        "smiles": str(structure.info.get("smiles", "")),
    }


def file_stem(data: dict[str, Any], structure: insight.Structure) -> str:
    """A download's file name stem for the shown structure: its name, else its formula, safe as a file name."""
    return (data.get("name") or structure.formula).replace(" ", "_").replace("/", "_")


def structure_from_json(data: dict[str, Any]) -> insight.Structure:
    return insight.Structure(
        data["numbers"], data["positions"], cell=data.get("cell"), pbc=tuple(data.get("pbc", (False,) * 3)),
        info={"name": data.get("name", ""), "smiles": data.get("smiles", "")},
    )


@dataclass
class Workbench:
    """Models by name, a device, and caches shared by all browser sessions."""

    device: str | None = None
    model_dir: Path | None = None
    default: str | None = None
    _models: dict[str, insight.AtomisticModel] = field(default_factory=dict)
    _cache: dict[tuple, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: Dataset-wide work, in child processes that can be stopped (see app.jobs).
    jobs: Jobs = field(default_factory=Jobs)
    _stash: OrderedDict = field(default_factory=OrderedDict)
    _converted: dict = field(default_factory=dict)

    def add_schnetpack(self, path: Path, trust: bool, property: str | None = None,
                       energy_unit: str | None = None) -> str:
        """Convert a SchNetPack model file once into a private folder and offer it as ``FILE (SchNetPack)``; print
        which output and energy unit it shows."""
        model = load_schnetpack(path, trust=trust, property=property, energy_unit=energy_unit)
        print(f"insight-app: {path.name}: SchNetPack {model.card.label}, output {model.card.target!r}, "
              f"{unit_note(model)}", flush=True)
        folder = Path(tempfile.mkdtemp(prefix="insight-schnetpack-"))
        atexit.register(shutil.rmtree, folder, True)
        name = f"{path.name} (SchNetPack)"
        insight.save_model(model, folder, model.card.replace(name=name))
        self._converted[name] = folder
        return name

    def model_folders(self) -> dict[str, Path]:
        """Every model the app may load: bundled ones, their aliases, and folders under ``model_dir``."""
        folders = {name: pretrained_dir() / name for name in list_pretrained()}
        for alias, target in pretrained_aliases().items():
            folders[alias] = pretrained_dir() / target
        if self.model_dir is not None and self.model_dir.is_dir():
            for card in sorted(self.model_dir.glob(f"*/{CARD_FILE}")):
                if (card.parent / WEIGHTS_FILE).is_file():
                    folders[f"{card.parent.name} (user)"] = card.parent
        folders.update(self._converted)
        # An ensemble's other views show its first member (the E_i table shows the members' mean and spread).
        folders.update({name: folders[members[0]] for name, members in self.ensembles().items()})
        return folders

    def ensembles(self) -> dict[str, list[str]]:
        """The bundled models with repetitions on other splits, offered as ``NAME ensemble``: name -> members
        (found once: the bundled models do not change while the app runs, and every callback asks)."""
        return self.cached(("ensembles",), lambda: {f"{name} ensemble": members
                                                     for name, members in repetitions().items()})

    def ensemble(self, name: str | None) -> insight.Ensemble | None:
        """The ensemble registered as ``name``, or ``None`` for a single model."""
        members = self.ensembles().get(name or "")
        if members is None:
            return None
        return self.cached(("ensemble", name), lambda: insight.Ensemble([self.model(m) for m in members]))

    def model_options(self) -> list[dict]:
        """Picker options grouped under headings (QM9, materials, MD, your models), aliases shown as aliases."""
        aliases, ensembles = pretrained_aliases(), self.ensembles()
        groups: dict[str, list[dict]] = {heading: [] for heading in MODEL_GROUPS}
        for name, folder in self.model_folders().items():
            try:
                card = read_card(folder)
                label = card.replace(name=name).label
            except insight.ModelFileError:
                card, label = None, f"{name} (unreadable card)"
            if name in aliases:
                label = f"{name} = {aliases[name]} (alias)"
            if name in ensembles:
                members = ensembles[name]
                label = (f"{name}: {len(members)} repetitions, E_i with their spread (other views show "
                         f"{members[0]})")
            groups[_model_group(name, card)].append({"label": label, "value": name})
        options = []
        for heading, members in groups.items():
            if members:
                options.append({"label": heading, "value": f"__{heading}", "disabled": True})
                options += sorted(members, key=lambda o: (o["value"] not in aliases, o["value"]))
        return options

    def model(self, name: str | None) -> insight.AtomisticModel:
        """The model registered as ``name``; anything else is refused."""
        name = name or self.default
        folders = self.model_folders()
        if name not in folders:
            raise insight.ModelFileError(f"no model named {name!r} in this workbench; pick one from the list")
        with self._lock:
            if name not in self._models:
                self._models[name] = insight.load_model(folders[name], device=self.device)
            return self._models[name]

    def cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key (results shared by all sessions)."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = compute()
        with self._lock:
            self._cache[key] = value
        return value

    def stash(self, table: pd.DataFrame | dict) -> str:
        """Keep a figure's data on the server and give the page a token for its CSV download."""
        token = uuid.uuid4().hex
        with self._lock:
            self._stash[token] = pd.DataFrame(table)
            while len(self._stash) > STASH_SIZE:
                self._stash.popitem(last=False)
        return token

    def unstash(self, token: str | None) -> pd.DataFrame | None:
        with self._lock:
            return self._stash.get(token) if token else None

    # -- dataset-wide results ---------------------------------------------------------------------
    def dataset(self, name: str):
        """A dataset by registry name (raises DatasetError, with what to run, when it is missing)."""
        return self.cached(("dataset", name), lambda: load_dataset(name))

    def qm9(self):
        return self.dataset("qm9")

    def model_dataset(self, model_name: str) -> str | None:
        """The dataset a model was trained on; ``None`` when its card records none (e.g. a converted file)."""
        return self.model(model_name).card.dataset

    def test_rows(self, model_name: str) -> np.ndarray:
        """The model's recorded test split, or a seeded stand-in for models without one."""
        folder = self.model_folders()[model_name or self.default]
        try:
            return insight.load_split(folder)["test"]
        except insight.ModelFileError:
            name = self.model_dataset(model_name)
            if name is None:
                raise insight.DatasetError(f"{model_name} records neither its training data nor a split; "
                                           "dataset-wide views need one") from None
            protocol = dataset_entry(name).protocol
            return random_split(len(self.dataset(name)), protocol.n_train, protocol.n_validation, seed=0)["test"]

    def sample_contributions(self, model_name: str) -> insight.Contributions | None:
        """E_i over a sample of the model's test split (for the distributions); ``None`` while computing."""
        rows = self.test_rows(model_name)
        rows = rows[np.linspace(0, len(rows) - 1, min(DATASET_SAMPLE, len(rows))).astype(int)]
        return self.jobs.result(("contributions", model_name), _sample_contributions, *self._job_args(model_name),
                                rows)

    def test_predictions(self, model_name: str) -> insight.Predictions | None:
        """Predictions on the model's whole test split; ``None`` while computing."""
        return self.jobs.result(("predictions", model_name), _test_predictions, *self._job_args(model_name),
                                self.test_rows(model_name))

    def _job_args(self, model_name: str) -> tuple:
        """What a job process needs to load the model and its data itself: the folder, name, dataset, device."""
        return (str(self.model_folders()[model_name or self.default]), model_name or self.default,
                self.model_dataset(model_name), self.device)

    def embedding_structure(self, model_name: str) -> insight.EmbeddingGroupStructure:
        """How far the model's embeddings follow the periodic table (Fig. 4.15's reading)."""
        return self.cached(("embedding-structure", model_name),
                           lambda: insight.embedding_group_structure(self.model(model_name), n_permutations=500))

    def ring_ranking(self, model_name: str) -> insight.RingStability | None:
        """Ring stability over the model's QM9 test molecules; ``None`` while computing."""
        return self.jobs.result(("rings", model_name), _ring_ranking, *self._job_args(model_name),
                                self.test_rows(model_name))

    def pair_distances(self, element_a: str, element_b: str) -> pd.DataFrame:
        def compute():
            qm9 = self.qm9()
            return insight.pair_distance_distribution(qm9.numbers, qm9.positions, qm9.offsets, element_a, element_b)

        return self.cached(("pairs", element_a, element_b), compute)


# -- the jobs, run in their own processes (app.jobs): module-level, so that they pickle -----------------------


def _job_model(folder: str, name: str, device: str | None) -> insight.AtomisticModel:
    model = insight.load_model(folder, device=device)
    model.card = model.card.replace(name=name)  # the name the page shows
    return model


def _sample_contributions(folder, name, dataset, device, rows) -> insight.Contributions:
    structures = load_dataset(dataset).structures(rows)
    return insight.contributions_over_dataset({name: _job_model(folder, name, device)}, structures, progress=False)


def _test_predictions(folder, name, dataset, device, rows) -> insight.Predictions:
    return insight.prediction_table(_job_model(folder, name, device), load_dataset(dataset), rows)


def _ring_ranking(folder, name, dataset, device, rows) -> insight.RingStability:
    ranking = insight.ring_stability(_job_model(folder, name, device), load_dataset(dataset).structures(rows),
                                     progress=False)
    ranking.table["qm9_row"] = rows[ranking.table["structure"].to_numpy()]
    return ranking
