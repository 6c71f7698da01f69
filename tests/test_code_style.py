"""The whole tree (library, app, analyses, scripts, benchmarks, tests, notebooks) passes ruff's E and F rules."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_ruff_finds_no_errors():
    """Undefined names, unused imports, shadowed variables and over-long lines are caught here, not in review."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
