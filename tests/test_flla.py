"""The FLLA Materials Project crystals: fetching, parsing, packing and periodic invariances."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile

import numpy as np
import pytest
import torch
from conftest import DATA

import insight
from insight.data import flla as flla_module
from insight.data.flla import FLLAError, fetch_flla, flla_split, load_flla, parse_flla_csv, reduced_composition
from insight.data.packed import PackedStructures
from insight.testing import assert_invariant
from insight.training import TrainingConfig, apply_dataset_defaults, train

HEAD = DATA / "flla_head.csv"


@pytest.fixture(scope="module")
def head():
    return parse_flla_csv(HEAD)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("INSIGHT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def mp_model(seed: int = 0) -> insight.SchNet:
    """A small SchNet with the Materials Project settings: 5 Å cosine cutoff, Eq. 4.14, mean pooling."""
    torch.manual_seed(seed)
    config = apply_dataset_defaults(TrainingConfig(architecture="schnet", dataset="flla", target=None,
                                                   hyperparameters=dict(n_features=16, n_filters=16, n_interactions=2)))
    model = insight.SchNet(**config.hyperparameters).double().eval()
    model.stddev.fill_(0.8)
    model.mean.fill_(-1.2)
    return model


def test_crystals_match_their_formulas(head):
    assert len(head) == 10
    graphite = head.structure(head.find("mp-48"))
    assert graphite.formula == "C4" and graphite.cell is not None and all(graphite.pbc)
    hf2s = head.structure(head.find("mp-10000"))
    assert reduced_composition(hf2s.numbers) == {72: 2, 16: 1}
    assert head.table.set_index("material_id").loc["mp-10000", "formula"] == "Hf2S"
    # Cartesian positions are the fractional ones times the lattice (first As site of mp-10 by hand).
    arsenic = head.structure(head.find("mp-10"))
    np.testing.assert_allclose(arsenic.positions[0], 0.25 * arsenic.cell.sum(axis=0), atol=1e-6)
    assert head.target("formation_energy_per_atom")[head.find("mp-10")] == pytest.approx(0.10740506)


def _corrupt(tmp_path, old: str, new: str):
    text = HEAD.read_text().replace(old, new, 1)
    path = tmp_path / "flla.csv"
    path.write_text(text)
    return path


def test_corrupt_files_are_refused_with_the_crystal_named(tmp_path):
    with pytest.raises(FLLAError, match="mp-10000.*do not match its formula"):
        parse_flla_csv(_corrupt(tmp_path, "{'S': 1.0, 'Hf': 2.0}", "{'S': 1.0, 'Hf': 3.0}"))
    with pytest.raises(FLLAError, match="mp-10 .*malformed"):
        parse_flla_csv(_corrupt(tmp_path, "{'lattice': {'gamma'", "{'lattice': {'gamma"))
    with pytest.raises(FLLAError, match="fractional site coordinates disagree"):
        parse_flla_csv(_corrupt(tmp_path, "'xyz': [1.11758409", "'xyz': [1.51758409"))
    with pytest.raises(FLLAError, match="not the FLLA CSV"):
        parse_flla_csv(DATA / "qm9_head40.csv")
    with pytest.raises(FLLAError, match="insight data fetch flla"):
        parse_flla_csv(tmp_path / "missing.csv")


def test_missing_data_names_the_fetch_command(cache):
    with pytest.raises(FLLAError, match="run `insight data fetch flla`"):
        load_flla()


def _sdist(tmp_path, payload: bytes):
    path = tmp_path / "matminer-0.4.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(flla_module._MEMBER)
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    return path


def test_fetch_extracts_verifies_and_caches(cache, tmp_path, monkeypatch):
    payload = HEAD.read_bytes()
    sdist = _sdist(tmp_path, payload)
    # A file that is not matminer 0.4.0's CSV is refused and not left in the cache.
    with pytest.raises(FLLAError, match="corrupt or a different file"):
        fetch_flla(sdist, progress=False)
    assert not (cache / "flla_2015.csv").exists()
    # With the checksum of this payload, the same archive is accepted, parsed and cached.
    monkeypatch.setattr(flla_module, "FLLA_CSV_SHA256", flla_module._sha256(HEAD))
    path = fetch_flla(sdist, progress=False)
    assert path.read_bytes() == payload
    first = load_flla()
    assert (cache / "flla-v1.npz").is_file()
    second = load_flla()  # from the cache
    np.testing.assert_array_equal(first.numbers, second.numbers)
    np.testing.assert_array_equal(first.cells, second.cells)
    assert list(second.table["material_id"]) == list(first.table["material_id"])
    with pytest.raises(FLLAError, match="cannot read .* as a .tar.gz"):
        bad = tmp_path / "broken.tar.gz"
        bad.write_bytes(b"not an archive")
        fetch_flla(bad, progress=False, force=True)


def test_fetch_without_a_registry_says_what_to_do(cache, tmp_path, monkeypatch):
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(tmp_path / "no-pip.conf"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    with pytest.raises(FLLAError, match="registry reachable.*--from"):
        fetch_flla(progress=False)


def test_cli_fetch_from_a_local_file(cache, tmp_path):
    result = subprocess.run([sys.executable, "-m", "insight.cli", "data", "fetch", "flla", "--from",
                             str(tmp_path / "nothing.tar.gz")], capture_output=True, text=True)
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_default_split_fits_the_3938_crystals():
    split = flla_split(3938)
    assert [len(split[k]) for k in ("train", "validation", "test")] == [3000, 438, 500]
    assert len(np.union1d(np.union1d(split["train"], split["validation"]), split["test"])) == 3938


def test_dataset_defaults_give_periodic_schnet_with_mean_pooling():
    config = apply_dataset_defaults(TrainingConfig(architecture="schnet", dataset="flla", target=None,
                                                   n_train=None, n_validation=None))
    assert config.target == "formation_energy_per_atom" and (config.n_train, config.n_validation) == (3000, 438)
    assert config.hyperparameters == {"cutoff": 5.0, "cosine_cutoff": True, "neighbor_average": True,
                                      "rbf_stop": 5.0, "pooling": "mean"}
    explicit = apply_dataset_defaults(TrainingConfig(architecture="schnet", dataset="flla", target=None,
                                                     hyperparameters={"cutoff": 4.0}))
    assert explicit.hyperparameters["cutoff"] == 4.0


def test_packed_crystals_equal_collated_structures(head):
    model = mp_model()
    data = PackedStructures(head.numbers, head.positions, head.offsets, head.target("formation_energy_per_atom"),
                            model.cutoff, cells=head.cells)
    rows = np.array([1, 3, 4, 7])
    batch, targets = data.batch(rows, dtype=torch.float64)
    packed = model(batch).energy
    collated = model(model.batch(head.structures(rows))).energy
    torch.testing.assert_close(packed, collated)
    torch.testing.assert_close(targets, torch.as_tensor(head.target("formation_energy_per_atom")[rows]))


def test_mp_model_periodic_invariances(head):
    model = mp_model()
    for material in ("mp-48", "mp-10000", "mp-1068"):
        crystal = head.structure(head.find(material))
        assert_invariant(model, crystal, atol=1e-9, trials=2)
        energy = model.predict(crystal).energy[0]
        # Mean pooling: a supercell has the same energy per atom.
        assert model.predict(crystal.repeated((2, 1, 2))).energy[0] == pytest.approx(energy, abs=1e-10)
        # Wrapping atoms into the cell, and another choice of cell (a unimodular change of basis).
        shifted = insight.Structure(crystal.numbers, crystal.positions + crystal.cell[0] * 1.0 - crystal.cell[2] * 2.0,
                                    cell=crystal.cell, pbc=True)
        assert model.predict(shifted.wrapped()).energy[0] == pytest.approx(energy, abs=1e-10)
        basis = np.array([[1, 1, 0], [0, 1, 0], [0, 1, 1]])
        other_cell = insight.Structure(crystal.numbers, crystal.positions, cell=basis @ crystal.cell, pbc=True)
        assert model.predict(other_cell).energy[0] == pytest.approx(energy, abs=1e-10)


def test_training_on_crystals_lowers_the_loss(head, tmp_path):
    model_settings = dict(n_features=8, n_filters=8, n_interactions=1, n_output_hidden=4)
    config = apply_dataset_defaults(TrainingConfig(architecture="schnet", dataset="flla", target=None,
                                                   hyperparameters=model_settings, n_train=8, n_validation=2,
                                                   batch_size=4, learning_rate=5e-3, max_epochs=6,
                                                   early_stopping_patience=100))
    data = PackedStructures(head.numbers, head.positions, head.offsets, head.target(config.target), 5.0,
                            cells=head.cells)
    split = flla_split(len(head), 8, 2, seed=0)
    best = train(config, tmp_path / "run", data=data, split=split, progress=False, log=lambda _: None)
    log = np.genfromtxt(tmp_path / "run" / "log.csv", delimiter=",", names=True)
    assert log["train_rmse"][-1] < log["train_rmse"][0]
    trained = insight.load_model(best)
    assert trained.config.pooling == "mean" and trained.config.neighbor_average
    # E_mu is the training crystals' mean formation energy per atom (mean pooling: no division by size).
    assert float(trained.mean) == pytest.approx(data.targets[split["train"]].mean(), rel=1e-6)
