"""Reading pickled model files without running code from them (issue 18, safe reading)."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys

import pytest
import torch

import insight
from insight.models.safe_pickle import Record, UnsafePickleError, safe_load


class _Payload:
    """Pickles as a call of ``function(*arguments)``: what a malicious model file does."""

    def __init__(self, function, *arguments):
        self.function, self.arguments = function, arguments

    def __reduce__(self):
        return self.function, self.arguments


@pytest.mark.parametrize("function,words", [
    (os.system, "posix.system"),
    (builtins.exec, "builtins.exec"),
    (subprocess.check_call, "subprocess.check_call"),
])
def test_a_malicious_pickle_is_refused_and_runs_nothing(tmp_path, function, words):
    marker = tmp_path / "marker"
    command = f"open({str(marker)!r}, 'w').write('ran')" if function is builtins.exec else f"touch {marker}"
    arguments = (command,) if function is not subprocess.check_call else (["touch", str(marker)],)
    path = tmp_path / "best_model"
    torch.save({"model": _Payload(function, *arguments)}, path)
    with pytest.raises(UnsafePickleError, match=words.replace(".", r"\.")):
        safe_load(path)
    assert not marker.exists()
    assert isinstance(UnsafePickleError("x"), insight.ModelFileError)


def test_a_call_of_a_schnetpack_name_stays_an_inert_record(tmp_path):
    """A pickle that calls a SchNetPack class only builds a record: SchNetPack's code is never imported or run."""
    schnetpack = pytest.importorskip("schnetpack")
    path = tmp_path / "best_model"
    torch.save(_Payload(schnetpack.model.NeuralNetworkPotential, "hello"), path)
    record = safe_load(path)
    assert isinstance(record, Record) and record.path == "schnetpack.model.base.NeuralNetworkPotential"
    assert record._args == ("hello",)


def test_a_schnetpack_model_reads_as_records_with_its_tensors(tmp_path):
    pytest.importorskip("schnetpack")
    from test_schnetpack import spk_model

    model = spk_model(seed=4)
    path = tmp_path / "best_model"
    torch.save(model, path)
    record = safe_load(path)
    assert record.path == "schnetpack.model.base.NeuralNetworkPotential"
    representation = record.representation
    assert representation.name == "SchNet" and len(representation.interactions) == 3
    torch.testing.assert_close(representation.embedding.weight, model.representation.embedding.weight)
    torch.testing.assert_close(representation.interactions[1].filter_network[0].weight,
                               model.representation.interactions[1].filter_network[0].weight)
    assert [m.name for m in record.output_modules] == ["Atomwise", "Forces"]


def test_files_that_are_not_pickles_are_named(tmp_path):
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(insight.ModelFileError, match="cannot read .*notes.txt as a PyTorch model file"):
        safe_load(tmp_path / "notes.txt")
    with pytest.raises(insight.ModelFileError, match="no such file"):
        safe_load(tmp_path / "missing")


@pytest.mark.parametrize("function", [os.system, builtins.exec, subprocess.check_call, torch.load])
def test_a_malicious_pickle_runs_nothing_even_when_trusted(tmp_path, function):
    """trust=True imports a file's own classes, but the standard library's commands and code, and torch's and
    NumPy's loaders, are still refused by name: whatever the options, the payload does not run."""
    from insight.models.safe_pickle import trusted_load

    marker = tmp_path / "marker"
    arguments = {os.system: (f"touch {marker}",), builtins.exec: (f"open({str(marker)!r}, 'w').write('ran')",),
                 subprocess.check_call: (["touch", str(marker)],), torch.load: (str(tmp_path / "other"),)}[function]
    path = tmp_path / "best_model"
    torch.save({"model": _Payload(function, *arguments)}, path)
    with pytest.raises(UnsafePickleError, match="refused even though the file is trusted"):
        trusted_load(path)
    for trust in (False, True):
        with pytest.raises(UnsafePickleError):
            insight.load_model(path, trust=trust)
    if function is os.system:  # and on the command line
        refused = subprocess.run([sys.executable, "-m", "insight.cli", "convert", str(path), "-o",
                                  str(tmp_path / "out"), "--trust"], capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2 and "refused" in refused.stderr
    assert not marker.exists()
