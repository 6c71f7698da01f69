"""What every figure script shares: arguments, image and CSV export, and its entry in the reproduction report.

A script computes with ``insight``'s public API, then calls :func:`save` for
each figure (PNG and SVG through plotly's kaleido and the system's Chromium,
plus the data behind it as CSV) and :func:`report` once with the thesis'
finding and whether the shipped models reproduce it. ``run_all.py`` runs
every script and gathers the reports into ``REPORT.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
FULL_OUTPUT = ROOT / "docs" / "figures"
QUICK_OUTPUT = ROOT / "build" / "analyses-quick"


@dataclass
class Run:
    """One script's settings and what it wrote."""

    key: str
    output: Path
    quick: bool
    files: list[str] = field(default_factory=list)

    def save(self, name: str, figure, table: pd.DataFrame | None = None, width: int = 1000,
             height: int = 650) -> None:
        """Write ``name.png``, ``name.svg`` and (with ``table``) ``name.csv`` into the output folder."""
        figure.update_layout(font=dict(size=15), template="plotly_white")
        for suffix in ("png", "svg"):
            path = self.output / f"{name}.{suffix}"
            figure.write_image(path, width=width, height=height, scale=2 if suffix == "png" else 1)
            self.files.append(path.name)
        if table is not None:
            path = self.output / f"{name}.csv"
            table.to_csv(path, index=False, float_format="%.6g")
            self.files.append(path.name)

    def report(self, figure: str, finding: str, reproduced: bool | None, result: str,
               numbers: dict[str, Any] | None = None) -> None:
        """Record the thesis' finding (one sentence), whether we reproduce it, and our numbers.

        ``reproduced`` is ``None`` where the shipped models cannot test the finding.
        """
        entry = {"key": self.key, "figure": figure, "finding": finding, "reproduced": reproduced, "result": result,
                 "numbers": numbers or {}, "files": self.files, "quick": self.quick}
        (self.output / f"{self.key}.report.json").write_text(json.dumps(entry, indent=2, default=float) + "\n")


def start(key: str, description: str, argv: list[str] | None = None) -> Run:
    """Parse the common arguments (``--quick``, ``--output``) and prepare the image exporter."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small settings, for CI (minutes, not hours)")
    parser.add_argument("--output", type=Path, default=None,
                        help=f"output folder (default: {FULL_OUTPUT.relative_to(ROOT)}, or "
                             f"{QUICK_OUTPUT.relative_to(ROOT)} with --quick)")
    args = parser.parse_args(argv)
    output = args.output or (QUICK_OUTPUT if args.quick else FULL_OUTPUT)
    output.mkdir(parents=True, exist_ok=True)
    start_image_server()
    return Run(key=key, output=output, quick=args.quick)


_server_started = False


def start_image_server() -> None:
    """Keep one headless Chromium for all image exports (0.2 s per image instead of 3 s)."""
    global _server_started
    if _server_started:
        return
    import kaleido

    warnings.filterwarnings("ignore", message="The kopts argument is ignored")
    try:
        kaleido.start_sync_server(silence_warnings=True)
    except Exception as err:  # noqa: BLE001 - say what is missing instead of a traceback from deep inside
        sys.exit(f"cannot start Chromium for image export ({err}); install it, e.g. apt-get install chromium")
    _server_started = True
