"""The insight command line."""

from __future__ import annotations

import json

import pytest
from conftest import DATA, small_model

import insight
from insight.cli import main


@pytest.fixture
def model_folder(tmp_path):
    model = small_model("schnet")
    return insight.save_model(model, tmp_path / "tiny", model.card.replace(name="tiny", energy_unit="kcal/mol"))


def test_predict_prints_energy_and_contributions(model_folder, capsys, tmp_path):
    assert main(["predict", str(DATA / "aspirin.xyz"), "--model", str(model_folder), "--forces"]) == 0
    out = capsys.readouterr().out
    model = insight.load_model(model_folder, device="cpu")
    energy = model.predict(insight.read(DATA / "aspirin.xyz")).energy[0]
    assert f"C9H8O4): E = {energy:.4f} kcal/mol" in out
    assert "F_x" in out
    csv_path = tmp_path / "atoms.csv"
    assert main(["predict", str(DATA / "aspirin.xyz"), "--model", str(model_folder), "-o", str(csv_path)]) == 0
    assert len(csv_path.read_text().splitlines()) == 1 + 21


def test_info_prints_a_readable_card_and_the_raw_one_with_json(model_folder, capsys):
    assert main(["info", str(model_folder)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# tiny") and "| architecture | schnet, T = 2" in text and "kcal/mol" in text
    assert main(["info", str(model_folder), "--json"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["architecture"] == "schnet" and card["hyperparameters"]["n_interactions"] == 2
    assert card["format_version"] == 2 and card["energy_unit"] == "kcal/mol"


def test_models_lists_bundled_models_with_their_aliases_without_reading_weights(capsys, monkeypatch):
    import insight.models.files as files

    monkeypatch.setattr(files, "load_file", lambda *a, **k: pytest.fail("insight models read weights"))
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["model", "aliases"]
    row = next(line for line in lines if line.startswith("schnet-qm9-t6 "))
    assert "schnet-qm9" in row.split()[1] and "U0" in row


def test_bad_input_exits_with_a_message_not_a_traceback(model_folder, capsys, tmp_path):
    bad = tmp_path / "bad.xyz"
    bad.write_text("1\nx\nH 0 0\n")
    assert main(["predict", str(bad), "--model", str(model_folder)]) == 2
    assert "bad.xyz, line 3" in capsys.readouterr().err
    assert main(["info", "no-such-model"]) == 2
    assert "no model 'no-such-model'" in capsys.readouterr().err
