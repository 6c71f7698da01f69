"""The figure scripts in analyses/ run in quick mode and write valid images, CSV files and report entries."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insight.data.flla import flla_csv_path

ANALYSES = Path(__file__).resolve().parent.parent / "analyses"

#: The scripts run in a subprocess with this limit; the test's own limit (pytest-timeout) is above it, so a slow
#: machine ends the subprocess with its output rather than killing the test without it.
SCRIPT_TIMEOUT = 1200

pytestmark = [pytest.mark.skipif(shutil.which("chromium") is None, reason="image export needs Chromium"),
              pytest.mark.timeout(SCRIPT_TIMEOUT + 120)]


def _run(names: list[str], output: Path) -> None:
    command = [sys.executable, str(ANALYSES / "run_all.py"), "--quick", "--output", str(output), "--only", *names]
    result = subprocess.run(command, capture_output=True, text=True, timeout=SCRIPT_TIMEOUT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _check_outputs(output: Path, key: str) -> dict:
    entry = json.loads((output / f"{key}.report.json").read_text())
    assert entry["finding"] and entry["result"] and entry["reproduced"] in (True, "partly", False, None)
    if not entry["beyond"] and entry["reproduced"] is not None:  # every verdict says how it was reached
        assert entry["criterion"] and entry["control"], key
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


def _check_summary_counts(report: str) -> None:
    """The summary line counts the sections' verdicts."""
    import re

    line = report.split("Summary: ")[1].split("\n")[0]
    summary = {verdict: int(n) for n, verdict in re.findall(r"(\d+) ([a-z ]+?)(?:,|\.)", line)}
    headings = re.findall(r"^## .+?: (reproduced|partly reproduced|not reproduced|not testable with the shipped "
                          r"models)$", report, flags=re.MULTILINE)
    assert summary == {v: headings.count(v) for v in summary}, (summary, headings)
    assert sum(summary.values()) == len(headings)


def test_materials_figures_quick(tmp_path):
    names = ["fig_4_5", "fig_4_9", "fig_4_15"] + (["table_4_3"] if flla_csv_path().is_file() else [])
    _run(names, tmp_path)
    for key in names:
        entry = _check_outputs(tmp_path, key)
        assert entry["quick"]
    report = (tmp_path / "REPORT.md").read_text()
    assert "Fig. 4.9" in report and "Fig. 4.15" in report
    embeddings = _check_outputs(tmp_path, "fig_4_15")
    assert f"{embeddings['numbers']['control']['within_between_ratio']:.2f}" in embeddings["control"]
    periodic = _check_outputs(tmp_path, "fig_4_9")  # the control repeats with the lattice too, and says so
    assert f"{periodic['numbers']['control_periodicity_error']['diamond']:.1e}" in periodic["control"]


QM9_SCRIPTS = ["fig_3_7", "fig_3_9", "fig_3_12", "fig_3_14", "fig_3_16", "fig_4_4", "fig_4_6", "fig_4_8", "fig_4_10",
               "fig_4_11", "fig_4_14"]


def test_qm9_figures_quick(tmp_path):
    """Every QM9 figure script with the bundled models, in quick mode (QM9 comes from the qm9pack package)."""
    _run(QM9_SCRIPTS, tmp_path)
    keys = QM9_SCRIPTS + ["table_3_1", "table_4_2"]
    for key in keys:
        _check_outputs(tmp_path, key)
    report = (tmp_path / "REPORT.md").read_text()
    for figure in ("Fig. 3.7", "Fig. 3.16", "Fig. 4.14", "Table 3.1", "Table 4.2"):
        assert f"## {figure}:" in report
    _check_summary_counts(report)
    # The re-judged findings carry a criterion and a control computed by the script: their numbers are in the text.
    saturation = _check_outputs(tmp_path, "fig_3_12")
    assert f"{saturation['numbers']['control_effect_size']:+.2f}" in saturation["control"]
    assert f"{saturation['numbers']['saturation_effect_size']:+.2f}" in saturation["criterion"]
    bonds = _check_outputs(tmp_path, "fig_4_11")
    window = bonds["numbers"]["windows"][0]
    assert window["window"] == "data-aware" and 1.1 < window["start"] < 1.3  # QM9's shortest C-C: a triple bond
    assert f"{window['control_difference']:+.3f}" in bonds["control"] and f"{window['difference']:+.3f}" in \
        bonds["criterion"]
    isomers = _check_outputs(tmp_path, "fig_3_7")
    assert f"{isomers['numbers']['control_kendall_tau']:+.3f}" in isomers["control"]
    alchemy = _check_outputs(tmp_path, "fig_3_16")
    assert f"{alchemy['numbers']['control_learned_rise']:+.1f}" in alchemy["control"]
    assert f"{alchemy['numbers']['learned_rise']:+.1f}" in alchemy["criterion"]
    filters = _check_outputs(tmp_path, "fig_4_4")
    assert all(f"{v:.1f}" in filters["control"] for v in filters["numbers"]["control_excursions"])
    widths = _check_outputs(tmp_path, "fig_4_8")["numbers"]["narrower"]
    assert set(widths) == {"H", "C"} and all(len(v["dtnn_t3_fwhm"]) == 3 for v in widths.values())
    potentials = _check_outputs(tmp_path, "fig_4_10")
    assert f"{potentials['numbers']['control_effect']['range']:+.1f}" in potentials["control"]
    probes = _check_outputs(tmp_path, "fig_3_14")
    assert f"{probes['numbers']['control']['min_ratio']:.2f}" in probes["control"]
    rings = _check_outputs(tmp_path, "fig_4_14")
    assert f"{rings['numbers']['control_least_with_nitrogen']} of its 10" in rings["control"]
    for table in ("table_3_1", "table_4_2"):  # composition alone, about 20 kcal/mol on QM9 U0
        baselines = _check_outputs(tmp_path, table)["numbers"]["composition_baseline"]
        assert baselines and all(10 < v < 30 for v in baselines.values())
    ladder = _check_outputs(tmp_path, "fig_4_6")
    assert set(ladder["numbers"]["claims"]) == {"SchNet falls with T", "DTNN falls with T",
                                                "SchNet T=1 beats DTNN T=3"}
    assert ladder["reproduced"] is not True or all(c.startswith("holds") for c in ladder["numbers"]["claims"].values())
    rungs = [r for r in ladder["numbers"]["ladder"] if r["model"] != "dtnn-qm9-t3"]  # the zoo's DTNN T=3 is no rung
    assert f"{max(r['hours'] for r in rungs):.1f} h each" in ladder["criterion"]
    assert not any(f"{r['model']} trained" in ladder["control"] for r in rungs)  # only non-rungs are called unequal
    assert all(f"{r['model']} {r['test_mae']:.3f} ({r['hours']:.1f} h, {r['steps'] / 1000:.0f}k steps)"
               in ladder["result"] for r in ladder["numbers"]["ladder"])
    equal_steps = _check_outputs(tmp_path, "fig_4_6_equal_steps")  # read from the committed training logs
    schnet = [r for r in equal_steps["numbers"]["equal_steps"] if r["architecture"] == "schnet"]
    assert equal_steps["beyond"] and len(schnet) == 4 and len({r["steps"] for r in schnet}) == 1
    assert all(f"T={r['T']} {r['val_mae']:.3f}" in equal_steps["result"] for r in schnet)
    assert "fig_4_6_ladder_training_curves.png" in equal_steps["files"]
    isomers = pd.read_csv(tmp_path / "fig_3_7_isomers.csv")
    assert (isomers["formula"] == "C7H10O2").all() and len(isomers) >= 50
    ranking = pd.read_csv(tmp_path / "fig_4_14_ring_stability.csv")
    assert ranking["E_ring"].is_monotonic_increasing and ranking["rank"].iloc[0] == 1


def test_md_figures_quick(tmp_path):
    """The MD scripts; without generated trajectories (as in CI) they evaluate on a short independent one."""
    _run(["fig_3_10", "fig_3_15", "table_5_3", "beyond_walk"], tmp_path)
    for key in ("fig_3_10_3_11", "fig_3_15", "table_5_3_5_4", "beyond_walk_relevance"):
        _check_outputs(tmp_path, key)
    report = (tmp_path / "REPORT.md").read_text()
    _check_summary_counts(report)
    partitioning = _check_outputs(tmp_path, "fig_3_10_3_11")["numbers"]
    assert partitioning["control"] and all(r["n_models"] == 3 for r in partitioning["models"].values())
    forces = _check_outputs(tmp_path, "table_5_3_5_4")
    assert all(f"{v['ratio']:.1f}x" in forces["control"] for v in forces["numbers"]["equal_budget"].values())
    smoothness = _check_outputs(tmp_path, "fig_3_15")
    assert f"{smoothness['numbers']['control_roughness']['1']:.4f}" in smoothness["control"]
    verdicts, beyond = report.split("\n# Beyond the thesis\n")
    assert "relevant walks" in beyond and "relevant walks" not in verdicts, "no verdict, not counted"
    summary = pd.read_csv(tmp_path / "beyond_walk_relevance_summary.csv")
    assert len(summary) == 6
    np.testing.assert_allclose(summary.filter(regex=r"^[0-9]\+?-body$").sum(axis=1), summary["explained"], rtol=1e-5)
    table = pd.read_csv(tmp_path / "table_5_3_5_4_md.csv")
    with_forces = table[(table["architecture"] == "schnet") & (table["trained_on"] == "energy+forces")]
    energy_only = table[(table["architecture"] == "schnet") & (table["trained_on"] == "energy")]
    for molecule in set(with_forces["molecule"]) & set(energy_only["molecule"]):
        # Forces in training: far better forces on frames the models have not seen (Table 5.4).
        assert (with_forces.loc[with_forces["molecule"] == molecule, "force_mae"].min()
                < 0.5 * energy_only.loc[energy_only["molecule"] == molecule, "force_mae"].min())


def test_every_script_is_run_by_a_quick_test():
    scripts = {p.stem for p in ANALYSES.glob("*.py") if p.name.startswith(("fig_", "table_", "beyond_"))}
    tested = set(QM9_SCRIPTS) | {"fig_4_5", "fig_4_9", "fig_4_15", "table_4_3", "fig_3_10", "fig_3_15", "table_5_3",
                                 "beyond_walk"}
    untested = {s for s in scripts if not any(s.startswith(t) for t in tested)}
    assert not untested, f"figure scripts without a quick-mode test: {sorted(untested)}"
