"""What every figure script shares: arguments, image and CSV export, and its entry in the reproduction report.

A script computes with ``insight``'s public API, then calls :func:`save` for
each figure (PNG and SVG through plotly's kaleido and the system's Chromium,
plus the data behind it as CSV) and :func:`report` once with the thesis'
finding and whether the shipped models reproduce it. ``run_all.py`` runs
every script and gathers the reports into ``REPORT.md``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import insight

ROOT = Path(__file__).resolve().parent.parent
FULL_OUTPUT = ROOT / "docs" / "figures"
QUICK_OUTPUT = ROOT / "build" / "analyses-quick"
#: Data tables above this size stay out of docs/figures (and out of git): the script regenerates them into
#: LARGE_OUTPUT, and the report names the command.
MAX_COMMITTED_CSV_BYTES = 1_000_000
LARGE_OUTPUT = ROOT / "build" / "figure-data"


@dataclass
class Run:
    """One script's settings and what it wrote."""

    key: str
    output: Path
    quick: bool
    files: list[str] = field(default_factory=list)
    #: Tables too large for docs/figures, written to LARGE_OUTPUT instead (full runs only).
    regenerated: list[str] = field(default_factory=list)

    def save(self, name: str, figure, table=None, width: int = 1000, height: int = 650) -> None:
        """Write ``name.png``, ``name.svg`` and (with ``table``, a DataFrame or any result with ``.to_frame()``)
        ``name.csv`` into the output folder.

        3D figures are written as PNG only: the SVG of a WebGL scene is a bitmap in an SVG wrapper,
        as large as the PNG and no sharper.
        """
        figure.update_layout(font=dict(size=15), template="plotly_white")
        three_d = any(trace.type in ("mesh3d", "scatter3d", "surface", "isosurface", "volume")
                      for trace in figure.data)
        for suffix in ("png",) if three_d else ("png", "svg"):
            path = self.output / f"{name}.{suffix}"
            figure.write_image(path, width=width, height=height, scale=1 if three_d or suffix == "svg" else 2)
            self.files.append(path.name)
        if table is not None:
            self.save_table(name, table)

    def render(self, name: str, surfaces: dict, structures: dict | None = None, title: str | None = None) -> None:
        """Also write ``name.png`` as a pyvista render (smooth shading, lit spheres; insight.plots.render) of the
        same isosurface grid; skipped, with a note, where the ``render`` extra is not installed."""
        try:
            from insight.plots.render import render_potential_grid

            render_potential_grid(self.output / f"{name}.png", surfaces, structures, title=title)
        except insight.MissingExtraError as err:
            print(f"{name}.png not rendered: {err}")
            return
        self.files.append(f"{name}.png")

    def save_table(self, name: str, table) -> None:
        """Write a table (a DataFrame or a result with ``.to_frame()``) as ``name.csv``.

        In a full run into docs/figures, a table over 1 MB goes to ``build/figure-data/`` instead, so that git
        keeps only what a reader needs; the report says which script regenerates it.
        """
        frame = table.to_frame() if hasattr(table, "to_frame") else table
        text = frame.to_csv(index=False, float_format="%.6g")
        path = self.output / f"{name}.csv"
        if self.output.resolve() == FULL_OUTPUT.resolve() and len(text.encode()) > MAX_COMMITTED_CSV_BYTES:
            LARGE_OUTPUT.mkdir(parents=True, exist_ok=True)
            (LARGE_OUTPUT / path.name).write_text(text)
            path.unlink(missing_ok=True)
            self.regenerated.append(path.name)
            return
        path.write_text(text)
        self.files.append(path.name)

    def report(self, figure: str, finding: str, reproduced: bool | str | None, result: str,
               numbers: dict[str, Any] | None = None, key: str | None = None, beyond: bool = False,
               criterion: str | None = None, control: str | None = None, spread: str | None = None,
               files: list[str] | None = None) -> None:
        """Record the thesis' finding (one sentence), whether we reproduce it, and our numbers.

        ``reproduced`` is ``True``, ``"partly"``, ``False``, or ``None`` where the shipped models cannot test the
        finding. ``criterion``: the measurable test, with its window; ``control``: the same test on a control
        (an untrained model of the same architecture), whose passing would make the criterion vacuous;
        ``spread``: the difference against its spread across repetitions, where they exist. Each is one or two
        sentences with the numbers, written by the script from what it computed. ``key`` names the entry when
        one script reports on several figures or tables. ``beyond``: an analysis the thesis does not have
        (``finding`` is then its question, ``result`` our reading); listed after the verdicts. ``files``: the
        entry's own outputs, where not every file the script has written so far.
        """
        if reproduced not in (True, False, None, "partly"):
            raise ValueError(f"reproduced must be True, 'partly', False or None, got {reproduced!r}")
        if not beyond and reproduced is not None and not (criterion and control):
            raise ValueError(f"{figure}: a verdict needs the criterion and the control it was reached with")
        key = key or self.key
        entry = {"key": key, "figure": figure, "finding": finding, "reproduced": reproduced, "result": result,
                 "numbers": numbers or {}, "files": self.files if files is None else files,
                 "regenerated": self.regenerated, "quick": self.quick,
                 "beyond": beyond, "criterion": criterion, "control": control, "spread": spread}
        (self.output / f"{key}.report.json").write_text(json.dumps(entry, indent=2, default=float) + "\n")


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
    from insight.errors import MissingExtraError, require

    try:
        kaleido = require("kaleido", "figures", "Writing the figures as PNG and SVG")
    except MissingExtraError as err:
        sys.exit(str(err))
    warnings.filterwarnings("ignore", message="The kopts argument is ignored")
    try:
        kaleido.start_sync_server(silence_warnings=True)
    except Exception as err:  # noqa: BLE001 - say what is missing instead of a traceback from deep inside
        sys.exit(f"cannot start Chromium for image export ({err}); install it, e.g. apt-get install chromium")
    _server_started = True


def test_structures(model_name: str, n: int, seed: int = 0):
    """Up to ``n`` structures drawn at random (seeded) from a bundled model's own test split."""
    import numpy as np

    import insight
    from insight.models.files import resolve_model_folder

    card = insight.read_card(resolve_model_folder(model_name))
    test = insight.load_split(model_name)["test"]
    rows = np.sort(np.random.default_rng(seed).choice(test, size=min(n, len(test)), replace=False))
    return insight.load_dataset(card.dataset).structures(rows)


def qm9_model(architecture: str, n_interactions: int) -> str | None:
    """The bundled QM9 model of that architecture and depth that the thesis' figures use: for SchNet the production
    width (64 features, as the flagship) where one exists, else the Fig. 4.6 ladder's (30 features)."""
    from insight.zoo import find_models

    def matching(**width):
        return find_models(dataset="qm9", architecture=architecture, n_interactions=n_interactions, **width)

    return (matching(n_features=64) or matching() or [None])[0]


def other_repetitions(name: str) -> dict:
    """The bundled repetitions of a model on other random splits (zoo names ``NAME-splitK``), loaded, by name;
    empty where there are none."""
    import insight
    from insight.zoo import repetitions

    return {other: insight.load_model(other, device="cpu") for other in repetitions().get(name, [])[1:]}


def repetition_spread(values) -> float | None:
    """The sample standard deviation of a reading across repetitions; ``None`` for fewer than two."""
    import numpy as np

    values = list(values)
    return float(np.std(values, ddof=1)) if len(values) > 1 else None


def md_evaluation_frames(molecule: str, model_name: str, quick: bool, n_quick: int = 40):
    """``(trajectory, rows, description, recorded)``: the frames an MD model is evaluated on.

    Normally its recorded test frames of the GFN2-xTB trajectory it was trained on. Where that trajectory has not
    been generated on this machine (``insight data generate-md``, minutes per molecule), quick mode runs a short
    independent trajectory of the same molecule from another seed instead: frames no model has seen.
    """
    import numpy as np

    from insight.data.md import load_trajectory, trajectory_path
    from insight.models.files import load_split

    if trajectory_path(molecule).is_file():
        trajectory = load_trajectory(molecule)
        return trajectory, load_split(model_name)["test"], "test frames of the training trajectory", True
    if not quick:
        sys.exit(f"the {molecule} trajectory is missing: run `insight data generate-md {molecule} --frames 5000`")
    trajectory = _independent_trajectory(molecule, n_quick)
    return trajectory, np.arange(len(trajectory)), f"{n_quick} frames of an independent trajectory (seed 1)", False


@functools.lru_cache(maxsize=None)
def _independent_trajectory(molecule: str, n_frames: int):
    from insight.data.md import generate_md

    return generate_md(molecule, n_frames, seed=1, equilibration_steps=400)
