"""The library's shared types: model cards (all format versions), datasets, units, errors, the testing helpers."""

from __future__ import annotations

import copy
import json
import shutil

import numpy as np
import pytest
import torch
from conftest import DATA, aspirin, small_model

import insight
from insight.data.base import formula_in_hill_order
from insight.data.qm9 import parse_qm9_csv
from insight.data.registry import dataset_entry, dataset_names, target_property
from insight.models.card import FORMAT_VERSION, ModelCard, read_card, write_card
from insight.models.files import build_model

# -- model cards ---------------------------------------------------------------------------------


def test_a_format_version_1_card_still_loads(tmp_path):
    """Cards written before the typed card (units nested, no null training) load, with the same meaning."""
    folder = tmp_path / "old"
    shutil.copytree(DATA / "card_v1", folder)
    raw = json.loads((folder / "card.json").read_text())
    assert raw["format_version"] == 1 and "units" in raw and "energy_unit" not in raw
    card = read_card(folder)
    assert card.energy_unit == raw["units"]["energy"] == "kcal/mol"
    assert card.dataset == "qm9" and card.training.n_train == raw["training"]["n_train"]
    assert card.n_interactions == 1 and card.thesis.test_mae == raw["thesis"]["test_mae"]
    assert card.label.startswith("dtnn-qm9-t1 (DTNN, T=1, test MAE")
    # With weights of the architecture it names, the old card gives a working model.
    model = build_model(card.architecture, dict(card.hyperparameters))
    insight.save_model(model, tmp_path / "weights-only")
    shutil.copy(tmp_path / "weights-only" / "weights.safetensors", folder / "weights.safetensors")
    loaded = insight.load_model(folder, device="cpu")
    assert loaded.energy_unit == "kcal/mol" and loaded.card.elements == (1, 6, 7, 8, 9)


def test_card_round_trips_through_the_current_format(tmp_path):
    card = read_card(DATA / "card_v1")
    write_card(tmp_path, card)
    raw = json.loads((tmp_path / "card.json").read_text())
    assert raw["format_version"] == FORMAT_VERSION and raw["energy_unit"] == "kcal/mol" and "units" not in raw
    again = read_card(tmp_path)
    assert again.to_dict() == card.to_dict()
    assert copy.deepcopy(again) == again  # models holding cards are deep-copied (EMA); proxies must survive


@pytest.mark.parametrize("change,message", [
    ({"format": "something-else"}, "not an insight model card"),
    ({"format_version": 99}, "format version 99.*update insight"),
    ({"format_version": "one"}, "format_version must be a whole number"),
    ({"architecture": None}, "no 'architecture'"),
    ({"hyperparameters": [1, 2]}, "'hyperparameters' must be a JSON object"),
])
def test_bad_cards_are_refused_naming_the_field(tmp_path, change, message):
    raw = json.loads((DATA / "card_v1" / "card.json").read_text())
    raw.update(change)
    (tmp_path / "card.json").write_text(json.dumps(raw))
    with pytest.raises(insight.ModelFileError, match=message):
        read_card(tmp_path)


def test_a_card_is_frozen_and_changed_by_replace():
    card = ModelCard(name="m", architecture="schnet", hyperparameters={"n_interactions": 3})
    with pytest.raises(Exception):
        card.name = "other"
    with pytest.raises(TypeError):
        card.hyperparameters["n_interactions"] = 4
    changed = card.replace(training={"dataset": "md:ethanol", "rho": 0.01}, energy_unit="kcal/mol")
    assert changed.dataset == "md:ethanol" and changed.training.with_forces and card.dataset is None


def test_converted_models_without_training_data_have_no_dataset():
    """A model without a training record is not taken for a QM9 model anywhere (the app asks card.dataset)."""
    card = small_model("schnet").card
    assert card.training is None and card.dataset is None and not card.periodic


def test_bundled_cards_are_read_without_weights(monkeypatch):
    import insight.models.files as files

    monkeypatch.setattr(files, "load_file", lambda *a, **k: pytest.fail("weights were read"))
    cards = insight.pretrained_cards()
    assert cards["schnet-qm9-t6"].dataset == "qm9" and cards["schnet-mp"].periodic
    assert cards["schnet-mp"].energy_unit == "eV/atom"


# -- datasets ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def qm9_head():
    return parse_qm9_csv([DATA / "qm9_head40.csv"])


def test_every_registered_dataset_states_its_properties_and_protocol():
    assert {"qm9", "flla", "md:ethanol", "md:salicylic-acid"} <= set(dataset_names())
    for name in dataset_names():
        entry = dataset_entry(name)
        protocol = entry.protocol
        assert protocol.default_target in entry.kind.properties and protocol.n_train > 0
    assert target_property("flla", "formation_energy_per_atom").intensive
    assert target_property("qm9", "U0").unit == "kcal/mol" and not target_property("qm9", "U0").intensive
    with pytest.raises(insight.DatasetError, match="choose one of"):
        target_property("qm9", "energy")
    with pytest.raises(insight.DatasetError, match="md:MOLECULE"):
        dataset_entry("qm7")


def test_dataset_subset_and_pack_agree_with_the_whole(qm9_head):
    rows = np.array([7, 2, 30])
    subset = qm9_head.subset(rows)
    assert isinstance(subset, insight.Dataset) and len(subset) == 3
    for k, row in enumerate(rows):
        np.testing.assert_array_equal(subset.structure(k).positions, qm9_head.structure(row).positions)
    np.testing.assert_array_equal(subset.row_ids(), qm9_head.row_ids()[rows])
    packed = qm9_head.pack("U0", None)
    np.testing.assert_allclose(packed.targets, qm9_head.target("U0"))
    assert qm9_head.property("U0").unit == "kcal/mol"


def test_qm9_search_by_number_formula_and_smiles(qm9_head):
    methane = qm9_head.search("1")
    assert list(methane["id"]) == [1] and "QM9 1" in methane["label"][0]
    water = qm9_head.search("H2O")  # typed in any order; Hill order in the table
    assert list(water["id"]) == [3]
    assert list(qm9_head.search("OH2")["id"]) == [3]
    smiles = qm9_head.table["smiles"][5]
    assert 5 in set(qm9_head.search(smiles)["row"])
    assert qm9_head.search("no such thing").empty and qm9_head.search("").empty


def test_typed_formulas_in_hill_order():
    assert formula_in_hill_order("NaCl") == "ClNa"
    assert formula_in_hill_order("OH2") == "H2O"
    assert formula_in_hill_order("Na2Cl2", reduce=True) == "ClNa"
    assert formula_in_hill_order("C2H6O") == "C2H6O"
    assert formula_in_hill_order("Xx2") is None and formula_in_hill_order("c1ccccc1") is None


def test_md_trajectory_is_a_dataset():
    trajectory = insight.data.md.Trajectory.load(DATA / "ethanol_md40.npz")
    assert trajectory.name == "md:ethanol" and len(trajectory) == 40
    packed = trajectory.pack("energy", None)
    assert packed.forces.shape == (40 * 9, 3)
    assert list(trajectory.search("3")["row"]) == [3]
    subset = trajectory.subset([4, 1])
    np.testing.assert_allclose(subset.energies, trajectory.energies[[4, 1]])


# -- units, thesis constants, errors ---------------------------------------------------------------


def test_units_agree_with_ase():
    from ase import units

    assert insight.units.EV_TO_KCAL_MOL == pytest.approx(units.eV / (units.kcal / units.mol), rel=1e-6)
    assert insight.units.HARTREE_TO_KCAL_MOL == pytest.approx(units.Hartree / (units.kcal / units.mol), rel=1e-6)
    assert insight.units.BOHR == pytest.approx(units.Bohr, rel=1e-8)
    assert insight.units.force_unit("eV/atom") == "eV/Å"
    with pytest.raises(ValueError, match="kcal/mol"):
        insight.units.energy_in_ev("furlongs")


def test_errors_share_one_base_and_keep_their_builtin_meaning():
    for error in (insight.StructureError, insight.ModelFileError, insight.DatasetError):
        assert issubclass(error, insight.InsightError) and issubclass(error, ValueError)
    assert issubclass(insight.MissingExtraError, ImportError)
    with pytest.raises(insight.MissingExtraError, match=r"pip install 'insight-dtnn-schnet\[md\]'"):
        insight.errors.require("no_such_module_for_insight", "md", "Computing GFN2-xTB energies")


# -- results and relaxation -------------------------------------------------------------------------


def test_result_types_are_frozen_and_carry_units():
    model = small_model("schnet")
    result = insight.atomwise_energies(model, aspirin())
    with pytest.raises(Exception):
        result.energy = 0.0
    surface = insight.potential_on_isosurface(model, insight.from_smiles("O"), "H", spacing=0.3)
    assert surface.unit == model.energy_unit and surface.probe == "H"
    frame = surface.to_frame()
    assert list(frame.columns) == ["x", "y", "z", "omega"] and len(frame) == len(surface.vertices)


def test_relaxation_keeps_fixed_atoms_in_place():
    torch.manual_seed(0)
    model = insight.SchNet(n_features=8, n_filters=8, n_interactions=1).double()
    model.stddev.fill_(50.0)  # forces well above fmax, so the optimiser moves
    model.card = model.card.replace(energy_unit="kcal/mol")
    molecule = insight.from_smiles("CCO")
    relaxed = insight.calculator.relax(model, molecule, fmax=1e-5, steps=20, fixed=[0, 1])
    np.testing.assert_allclose(relaxed.positions[:2], molecule.positions[:2], atol=1e-12)
    assert np.abs(relaxed.positions[2:] - molecule.positions[2:]).max() > 1e-4
    with pytest.raises(insight.StructureError, match="fixed atoms"):
        insight.calculator.relax(model, molecule, fixed=[99])


def test_relaxing_an_alchemical_state_moves_only_present_atoms():
    torch.manual_seed(0)
    model = insight.SchNet(n_features=8, n_filters=8, n_interactions=1).double()
    model.stddev.fill_(50.0)
    model.card = model.card.replace(energy_unit="kcal/mol")
    molecule = insight.from_smiles("CO")
    weights = np.ones(len(molecule))
    weights[-1] = 0.0
    state = insight.AlchemicalState(molecule.numbers, molecule.positions, weights)
    with pytest.warns(insight.errors.DomainWarning, match="not trained on forces"):
        relaxed = insight.relax_state(model, state, fmax=1e-5, steps=2)
    np.testing.assert_array_equal(relaxed.positions[-1], molecule.positions[-1])
    assert np.abs(relaxed.positions[:-1] - molecule.positions[:-1]).max() > 1e-4


def test_alchemical_end_state_morphs_and_fades_the_chosen_atoms():
    phenol = insight.example("phenol")
    oxygen = int(np.flatnonzero(phenol.numbers == 8)[0])
    hydroxyl_h = int(np.argmin(np.where(phenol.numbers == 1, phenol.distances()[oxygen], np.inf)))
    end = insight.alchemical_end_state(phenol, morph=[oxygen], element="N", fade=[hydroxyl_h])
    assert end.numbers[oxygen] == 7 and end.weights[hydroxyl_h] == 0 and end.weights.sum() == len(phenol) - 1
    np.testing.assert_array_equal(end.positions, phenol.positions)
    assert end.label == "C6H5N"  # the real molecule at that end: its present atoms
    with pytest.raises(insight.ArgumentError, match="choose atoms"):
        insight.alchemical_end_state(phenol)


def test_a_relaxation_that_breaks_the_molecule_is_refused():
    """QM9's energy-only SchNet has no reliable forces off equilibrium: aspirin with a C turned into N falls apart."""
    model = insight.load_model("schnet-qm9", device="cpu")
    end = insight.alchemical_end_state(insight.example("aspirin"), morph=[0], element="N")
    with pytest.warns(insight.errors.DomainWarning), pytest.raises(insight.StructureError,
                                                                   match="pieces|together.*not reliable"):
        insight.relax_state(model, end)


# -- the testing helpers users run on their own models -----------------------------------------------


@pytest.mark.parametrize("kind", ["schnet", "dtnn"])
def test_check_model_passes_for_insight_models(kind):
    insight.testing.check_model(small_model(kind), insight.from_smiles("CCO"))


def test_check_model_catches_a_broken_model():
    """A model whose contributions depend on the atoms' order is not permutation invariant."""
    model = small_model("schnet")
    original = model.atomwise_output

    def order_dependent(x):
        return original(x) + torch.arange(len(x), dtype=x.dtype)

    model.atomwise_output = order_dependent
    with pytest.raises(AssertionError, match="permutation|energy changed"):
        insight.testing.assert_invariant(model, insight.from_smiles("CCO"))
