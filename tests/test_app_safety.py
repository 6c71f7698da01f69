"""The workbench's safety rules, without a browser: models by registry name only, bounded uploads, localhost."""

from __future__ import annotations

import base64

import pytest
from conftest import DATA, small_model
from insight_app.components import UserError
from insight_app.main import build_parser_defaults
from insight_app.state import Workbench
from insight_app.tabs.inputs import MAX_UPLOAD_BYTES, parse_upload

import insight


@pytest.fixture
def bench(tmp_path):
    model = small_model("dtnn")
    insight.save_model(model, tmp_path / "models" / "mine", model.card.replace(name="mine", energy_unit="kcal/mol"))
    (tmp_path / "secret").mkdir()
    insight.save_model(small_model("dtnn"), tmp_path / "secret" / "outside")
    return Workbench(device="cpu", model_dir=tmp_path / "models", default="mine (user)")


def test_models_in_the_chosen_folder_are_offered(bench):
    assert "mine (user)" in bench.model_folders()
    assert bench.model("mine (user)").energy_unit == "kcal/mol"


@pytest.mark.parametrize("name", ["../secret/outside", "/etc/passwd", "secret/outside", "mine", "~/.ssh/id_rsa"])
def test_typed_paths_are_never_read(bench, name, tmp_path):
    with pytest.raises(insight.ModelFileError, match="no model named"):
        bench.model(name)


def _upload(text: bytes, mime: str = "text/plain") -> str:
    return f"data:{mime};base64," + base64.b64encode(text).decode()


def test_uploads_are_parsed_and_bounded():
    structure = parse_upload(_upload((DATA / "aspirin.xyz").read_bytes()), "aspirin.xyz")
    assert structure.formula == "C9H8O4"
    with pytest.raises(UserError, match="larger than the 5 MB"):
        parse_upload(_upload(b"x" * (MAX_UPLOAD_BYTES + 1)), "big.xyz")
    with pytest.raises(insight.StructureError, match="not UTF-8 or UTF-16 text"):
        parse_upload(_upload(bytes(range(256))), "binary.xyz")
    with pytest.raises(insight.StructureFileError, match="unknown structure format 'exe'"):
        parse_upload(_upload(b"hello"), "program.exe")


def test_server_binds_to_localhost_by_default():
    assert build_parser_defaults()["host"] == "127.0.0.1"


class _FakeApp:
    """Records how it is served instead of serving."""

    def __init__(self):
        self.server, self.calls = object(), []

    def run(self, **options):
        self.calls.append(("flask", options))


def test_served_quietly_on_localhost_and_by_waitress_beyond(monkeypatch, capsys):
    import logging

    import waitress
    from insight_app.main import serve

    app = _FakeApp()
    serve(app, "127.0.0.1", 8123)
    assert app.calls == [("flask", {"host": "127.0.0.1", "port": 8123, "debug": False})]
    assert logging.getLogger("werkzeug").level == logging.ERROR  # no line per request
    assert "http://127.0.0.1:8123/" in capsys.readouterr().out
    served = []
    monkeypatch.setattr(waitress, "serve", lambda wsgi, **options: served.append((wsgi, options)))
    serve(app, "0.0.0.0", 8124, verbose=True)
    assert served == [(app.server, {"host": "0.0.0.0", "port": 8124, "threads": 8})]
    assert logging.getLogger("werkzeug").level == logging.INFO
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
