"""The figure scripts in analyses/ run in quick mode and write valid images, CSV files and report entries."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from insight.data.flla import flla_csv_path

ANALYSES = Path(__file__).resolve().parent.parent / "analyses"

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="image export needs Chromium")


def _run(names: list[str], output: Path) -> None:
    command = [sys.executable, str(ANALYSES / "run_all.py"), "--quick", "--output", str(output), "--only", *names]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _check_outputs(output: Path, key: str) -> dict:
    entry = json.loads((output / f"{key}.report.json").read_text())
    assert entry["finding"] and entry["result"] and entry["reproduced"] in (True, False, None)
    for name in entry["files"]:
        path = output / name
        assert path.stat().st_size > (100 if name.endswith(".csv") else 500), name
        if name.endswith(".png"):
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        elif name.endswith(".svg"):
            assert path.read_text().lstrip().startswith("<svg")
        elif name.endswith(".csv"):
            assert len(pd.read_csv(path)) > 0
    return entry


def test_materials_figures_quick(tmp_path):
    names = ["fig_4_5", "fig_4_9", "fig_4_15"] + (["table_4_3"] if flla_csv_path().is_file() else [])
    _run(names, tmp_path)
    for key in names:
        entry = _check_outputs(tmp_path, key)
        assert entry["quick"]
    report = (tmp_path / "REPORT.md").read_text()
    assert "Fig. 4.9" in report and "Fig. 4.15" in report
