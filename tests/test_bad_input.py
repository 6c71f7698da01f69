"""Bad or tampered input gets a clear error naming the problem: model files and names, far-away atoms and probes.

Each case states the error class and the words its message must contain.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import insight
from insight.models.files import pretrained_dir

SMALL_BUNDLED = "dtnn-qm9-ladder-t1"  # 80 kB of weights (a folder of pretrained/, not an alias)


@pytest.fixture
def model_copy(tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(pretrained_dir() / SMALL_BUNDLED, folder)
    return folder


def _edit_card(folder, change):
    card = json.loads((folder / "card.json").read_text())
    change(card)
    (folder / "card.json").write_text(json.dumps(card))


def _edit_weights(folder, change):
    tensors = load_file(str(folder / "weights.safetensors"))
    change(tensors)
    save_file(tensors, str(folder / "weights.safetensors"))


def _nested(depth):
    return "[" * depth + "]" * depth


CARD_CASES = {
    "energy unit relabelled": (lambda c: c.update(energy_unit="eV"), "gives U0 in kcal/mol, but the card says eV"),
    "silicon added to a QM9 model": (lambda c: c.update(elements=[1, 6, 7, 8, 9, 14]), "do not occur in qm9"),
    "elements removed": (lambda c: c.update(elements=None), "no 'elements'"),
    "element beyond the embedding": (lambda c: c.update(elements=[1, 6, 500]), "outside the model's embedding"),
    "a million interactions": (lambda c: c["hyperparameters"].update(n_interactions=1_000_000),
                               "n_interactions must be a whole number from 1 to 32"),
    "a billion features": (lambda c: c["hyperparameters"].update(n_features=1e9), "n_features must be a whole number"),
    "negative cutoff": (lambda c: c["hyperparameters"].update(cutoff=-5.0), "cutoff must be a positive number"),
    "a million Gaussians": (lambda c: c["hyperparameters"].update(rbf_spacing=1e-5), "Gaussians"),
    "architecture missing": (lambda c: c.pop("architecture"), "no 'architecture'"),
    "unknown architecture": (lambda c: c.update(architecture="mace"), "unknown architecture 'mace'"),
    "format version as a word": (lambda c: c.update(format_version="one"), "format_version must be a whole number"),
    "a future format version": (lambda c: c.update(format_version=99), "update insight"),
    "not an insight card": (lambda c: c.update(format="something"), "not an insight model card"),
    "hyperparameters not an object": (lambda c: c.update(hyperparameters=[64]), "must be a JSON object"),
    "unknown hyperparameter": (lambda c: c["hyperparameters"].update(n_heads=8), "no hyperparameters ['n_heads']"),
}


@pytest.mark.parametrize("case", list(CARD_CASES))
def test_tampered_cards_are_refused_naming_the_field(model_copy, case):
    change, words = CARD_CASES[case]
    _edit_card(model_copy, change)
    with pytest.raises(insight.ModelFileError, match=words.replace("[", r"\[").replace("]", r"\]")):
        insight.load_model(model_copy, device="cpu")


WEIGHT_CASES = {
    "a NaN weight": (lambda t: t["embedding.weight"].__setitem__((1, 0), float("nan")), "NaN or infinite"),
    "an infinite weight": (lambda t: t["mean"].fill_(float("inf")), "NaN or infinite"),
    "integer weights": (lambda t: t.__setitem__("stddev", t["stddev"].to(torch.int32)), "not floating point"),
    "a missing tensor": (lambda t: t.pop("stddev"), "does not match the architecture"),
    "a tensor of the wrong shape": (lambda t: t.__setitem__("mean", torch.zeros(3)), "does not match the architecture"),
}


@pytest.mark.parametrize("case", list(WEIGHT_CASES))
def test_tampered_weights_are_refused(model_copy, case):
    change, words = WEIGHT_CASES[case]
    _edit_weights(model_copy, change)
    with pytest.raises(insight.ModelFileError, match=words):
        insight.load_model(model_copy, device="cpu")


@pytest.mark.parametrize("name,words", [
    (None, "bundled name or a folder path"),
    ("", "bundled name or a folder path"),
    (42, "bundled name or a folder path"),
    ("no-such-model", "no model 'no-such-model'"),
    ("x" * 300, "cannot be a model name or path"),
    ("/etc/passwd", "neither a model folder"),
])
def test_bad_model_names_are_refused(name, words):
    with pytest.raises(insight.ModelFileError, match=words):
        insight.load_model(name)


def test_card_files_that_are_not_cards(model_copy):
    (model_copy / "card.json").write_text(_nested(200_000))
    with pytest.raises(insight.ModelFileError, match="not valid JSON|must be a JSON object"):
        insight.load_model(model_copy)
    (model_copy / "card.json").write_bytes("{}".encode("utf-16"))
    with pytest.raises(insight.ModelFileError, match="not valid JSON"):
        insight.load_model(model_copy)
    (model_copy / "card.json").unlink()
    with pytest.raises(insight.ModelFileError, match="must contain card.json"):
        insight.load_model(model_copy)


def test_a_folder_without_a_model(tmp_path):
    with pytest.raises(insight.ModelFileError, match="must contain"):
        insight.load_model(tmp_path)


@pytest.mark.parametrize("distance", [30.5, 40.0, 1e4])
def test_bundled_model_tabulated_predictions_and_probes_far_away(distance):
    """Regression (float32 bundled model): the tabulated filters crashed past the table's end."""
    model = insight.load_model("schnet-qm9", device="cpu")
    pair = insight.Structure([6, 6], [[0, 0, 0], [distance, 0, 0]])
    np.testing.assert_allclose(model.predict(pair, tabulate=True).energy, model.predict(pair).energy, rtol=1e-5)
    omega = model.probe(insight.from_smiles("CCO"), [[distance, 0, 0]], "H")
    assert np.isfinite(omega.detach().numpy()).all()


# -- structures, SMILES and probes -----------------------------------------------------------------------

STRUCTURE_CASES = {
    "two atoms at 0 Å": (insight.Structure([6, 6], [[0, 0, 0], [0, 0, 0]]), "overlap: 0.000 Å apart"),
    "two atoms at 0.01 Å": (insight.Structure([6, 1], [[0, 0, 0], [0.01, 0, 0]]), "overlap: 0.010 Å apart"),
    "a molecule 1e8 Å away": (insight.Structure([6, 1], [[1e8, 0, 0], [1e8 + 1.1, 0, 0]]), "1e\\+08 Å from the origin"),
    "20,000 atoms for an all-pairs model": (
        insight.Structure(np.ones(20_000, dtype=int), np.arange(60_000).reshape(-1, 3) * 1.0),
        "takes at most 1000 atoms"),
    "a crystal for a molecular model": (insight.example("diamond"), "defined for molecules only"),
    "an unknown element": (insight.Structure([14, 1], [[0, 0, 0], [1.5, 0, 0]]), "does not know Si"),
}


@pytest.mark.parametrize("case", list(STRUCTURE_CASES))
def test_structures_a_model_cannot_predict_are_refused(case):
    structure, words = STRUCTURE_CASES[case]
    model = insight.load_model("schnet-qm9", device="cpu")
    with pytest.raises(insight.StructureError, match=words):
        model.predict(structure)


@pytest.mark.parametrize("structures", [[], ["CCO"], [None]])
def test_predict_needs_structures(structures):
    with pytest.raises(insight.StructureError, match="no structures given|expected insight.Structure"):
        insight.load_model("schnet-qm9", device="cpu").predict(structures)


def test_input_outside_the_training_domain_gives_a_warning():
    crystal_model = insight.load_model("schnet-mp", device="cpu")
    with pytest.warns(insight.errors.DomainWarning, match="trained on crystals.*is a molecule"):
        crystal_model.predict(insight.from_smiles("CCO"))
    with pytest.warns(insight.errors.DomainWarning, match="2 molecules not bonded"):
        insight.load_model("schnet-qm9", device="cpu").predict(insight.from_smiles("CCO.O"))
    with pytest.warns(insight.errors.DomainWarning, match="single C atom.*atomization energy is 0"):
        insight.load_model("schnet-qm9", device="cpu").predict(insight.Structure([6], [[0.0, 0.0, 0.0]]))


def test_domain_warnings_are_returned_for_front_ends():
    """The app and CLI show the same words the library warns with; input in the domain gives none."""
    molecule_model = insight.load_model("schnet-qm9", device="cpu")
    assert molecule_model.domain_warnings(insight.example("phenol")) == []
    (message,) = insight.load_model("schnet-mp", device="cpu").domain_warnings(insight.from_smiles("CCO"))
    assert "trained on crystals" in message
    with pytest.raises(insight.StructureError, match="overlap"):
        molecule_model.domain_warnings(insight.Structure([6, 6], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.01]]))


def test_the_cli_prints_warnings_on_one_line(tmp_path, capsys):
    from insight.cli import main

    (tmp_path / "two.xyz").write_text("2\n\nC 0 0 0\nC 0 0 9\n")
    assert main(["predict", str(tmp_path / "two.xyz"), "--device", "cpu"]) == 0
    warning_lines = [line for line in capsys.readouterr().err.splitlines() if line]
    assert warning_lines == ["insight predict: warning: C2 consists of 2 molecules not bonded to each other; "
                             "the model was trained on single molecules"]


@pytest.mark.parametrize("smiles,words", [
    ("[NH4+]", "net charge of \\+1"),
    ("[CH3]", "1 unpaired electron"),
    ("CC(=O)[O-]", "net charge of -1"),
    ("C1CC", "could not be parsed"),
    ("", "a SMILES string is needed"),
    (None, "a SMILES string is needed"),
    ("C" * 400, "400 heavy atoms, more than 150"),
    ("*CC", "dummy atoms"),
])
def test_smiles_the_models_cannot_represent_are_refused(smiles, words):
    with pytest.raises(insight.StructureError, match=words):
        insight.from_smiles(smiles)


@pytest.mark.parametrize("smiles", ["C.C.C.C.C.C.C.C.C.C", "CCO.O", "[Na+].[Cl-]"])
def test_several_molecules_from_smiles_do_not_overlap(smiles):
    structure = insight.from_smiles(smiles)
    distances = structure.distances() + np.eye(len(structure)) * 10
    assert distances.min() > 0.9
    assert insight.neighbors.count_fragments(structure) == smiles.count(".") + 1


@pytest.mark.parametrize("points,words", [
    ([[np.nan, 0, 0]], "NaN or infinity"),
    ([[1.0, 2.0]], "shape \\(n_points, 3\\)"),
    ("abc", "must be numbers"),
    ([], "shape \\(n_points, 3\\)"),
])
def test_bad_probe_points_are_refused(points, words):
    model = insight.load_model("schnet-qm9", device="cpu")
    with pytest.raises(insight.StructureError, match=words):
        model.probe(insight.from_smiles("CCO"), points, "H")


# -- files and the command line ------------------------------------------------------------------------

WATER = "3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_structure_files_in_utf8_with_or_without_bom_and_utf16_are_read(tmp_path, encoding):
    path = tmp_path / "water.xyz"
    path.write_text(WATER, encoding=encoding)
    assert insight.read(path).formula == "H2O"


@pytest.mark.parametrize("make,words", [
    (lambda tmp: tmp / "missing.xyz", "no such file"),
    (lambda tmp: tmp, "is a folder"),
    (lambda tmp: __import__("pathlib").Path("/dev/zero"), "not a regular file"),
    (lambda tmp: tmp / ("x" * 300 + ".xyz"), "cannot be read"),
])
def test_files_that_cannot_be_structures_are_refused(tmp_path, make, words):
    with pytest.raises(insight.StructureError, match=words):
        insight.read(make(tmp_path), format="xyz")


def test_a_folder_is_named_as_such_whatever_its_name(tmp_path):
    with pytest.raises(insight.StructureError, match="is a folder"):
        insight.read(tmp_path)  # no extension, no format: the folder, not the format, is the problem


def test_a_fifo_is_refused_without_blocking(tmp_path):
    import os

    fifo = tmp_path / "pipe.xyz"
    os.mkfifo(fifo)
    with pytest.raises(insight.StructureError, match="not a regular file"):
        insight.read(fifo)


def test_oversized_files_are_refused_before_reading(tmp_path, monkeypatch):
    import insight.io as structure_io

    monkeypatch.setattr(structure_io, "MAX_FILE_BYTES", 10)
    path = tmp_path / "water.xyz"
    path.write_text(WATER)
    with pytest.raises(insight.StructureError, match="larger than"):
        insight.read(path)


def test_binary_garbage_is_named_as_such(tmp_path):
    path = tmp_path / "random.xyz"
    path.write_bytes(bytes(range(128, 256)) * 4)
    with pytest.raises(insight.StructureError, match="not UTF-8 or UTF-16 text"):
        insight.read(path)


@pytest.mark.parametrize("argv,words", [
    (["predict", "/dev/zero", "--format", "xyz"], "not a regular file"),
    (["predict", "/tmp", "--format", "xyz"], "is a folder"),
    (["predict", "missing.xyz"], "no such file"),
    (["info", "/etc/passwd"], "no model '/etc/passwd'"),
    (["info", "no-such-model"], "no model 'no-such-model'"),
    (["evaluate", "no-such-model"], "no model 'no-such-model'"),
])
def test_the_cli_answers_bad_input_in_one_line(argv, words, capsys):
    from insight.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert words in err


def test_partial_occupancies_in_a_cif_are_refused():
    from conftest import DATA

    with pytest.raises(insight.StructureError, match="partly occupied.*Fe 0.5, Ni 0.5"):
        insight.read(DATA / "partial_occupancy.cif")


def test_a_cell_far_denser_than_matter_is_refused_before_allocating():
    model = insight.load_model("schnet-mp", device="cpu")
    crystal = insight.Structure([29] * 8, np.random.default_rng(0).random((8, 3)) * 0.5 + 0.6,
                                cell=np.eye(3) * 0.9, pbc=True)
    with pytest.raises(insight.StructureError, match="denser than matter|overlap"):
        model.predict(crystal)
    with pytest.raises(insight.StructureError, match="denser than matter"):
        insight.neighbor_pairs(insight.Structure([29], [[0, 0, 0]], cell=np.eye(3) * 0.02, pbc=True), cutoff=5.0)


def _calculator():
    import insight.calculator

    return insight.calculator


# Arguments out of range reach every public analysis: each gives an ArgumentError (an InsightError and a ValueError)
# that names the argument, never a raw exception or a number.
ARGUMENT_CASES = {
    "points of two columns": (lambda m, mol: insight.local_potential(m, mol, [[0, 0]], probe="H"), "shape"),
    "points as text": (lambda m, mol: insight.local_potential(m, mol, "abc", probe="H"), "points must be numbers"),
    "negative isosurface level": (lambda m, mol: insight.potential_on_isosurface(m, mol, level=-1), "level"),
    "zero grid spacing": (lambda m, mol: insight.potential_grid(m, mol, spacing=0), "spacing must be a positive"),
    "a grid of petabytes": (lambda m, mol: insight.potential_grid(m, mol, spacing=1e-4), "larger spacing"),
    "zero alchemical steps": (lambda m, mol: insight.alchemical_path(
        m, insight.benzene_to_triazine(relaxed=False), steps=0), "steps must be at least 1"),
    "an atom index out of range": (lambda m, mol: insight.molecule_pair_sensitivity(m, mol, 0, 99), "indices"),
    "the same atom twice": (lambda m, mol: insight.molecule_pair_sensitivity(m, mol, 0, 0), "two different"),
    "a negative cut extent": (lambda m, mol: insight.filter_cuts(m, extent=-1.0), "positive extent"),
    "a zero cut normal": (lambda m, mol: insight.filter_cuts(m, normal=(0, 0, 0)), "non-zero 3-vector"),
    "2D filter distances": (lambda m, mol: insight.radial_filters(m, np.zeros((2, 2))), "1D array"),
    "negative filter distances": (lambda m, mol: insight.radial_filters(m, np.array([-1.0, 1.0])), "negative"),
    "no structure": (lambda m, mol: insight.atomwise_energies(m, None), "expected an insight.Structure"),
    "zero batch size": (lambda m, mol: m.predict(mol, batch_size=0), "batch_size"),
    "no PCA components": (lambda m, mol: insight.embedding_pca(m, n_components=0), "n_components"),
    "isomers of nothing": (lambda m, mol: insight.isomer_ranking(None), "Predictions of insight.prediction_table"),
    "a negative force threshold": (lambda m, mol: _calculator().relax(m, mol, fmax=-1), "fmax"),
    "negative MD steps": (lambda m, mol: _calculator().molecular_dynamics(m, mol, steps=-5), "steps >= 1"),
    "an empty dataset": (lambda m, mol: insight.contributions_over_dataset({"a": m}, []), "no structures"),
    "a cube into a missing folder": (lambda m, mol: insight.write_cube(
        "/nonexistent/folder/x.cube", mol, insight.potential_grid(m, mol, spacing=0.6)), "does not exist"),
    "a surface as .xyz": (lambda m, mol: insight.write_surface(
        "surface.xyz", insight.isosurface(mol, spacing=0.3)), "surfaces are written as"),
}


@pytest.mark.parametrize("case", list(ARGUMENT_CASES))
def test_arguments_out_of_range_are_refused_by_name(case):
    call, words = ARGUMENT_CASES[case]
    model = insight.load_model("schnet-qm9-t1", device="cpu")
    with pytest.raises(insight.InsightError, match=words) as caught:
        call(model, insight.example("ethanol"))
    assert isinstance(caught.value, ValueError)  # code written against the built-ins keeps working
