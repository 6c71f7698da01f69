"""The documentation builds without broken links, and its example notebook runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The docs build and the notebook's cells run under this limit; the tests' own (pytest-timeout) is above it.
BUILD_TIMEOUT = 600


@pytest.mark.timeout(BUILD_TIMEOUT + 120)
def test_docs_build_strict(tmp_path):
    """mkdocs --strict turns every broken link, missing anchor or image, and unknown page into an error."""
    pytest.importorskip("mkdocs")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    zoo = (tmp_path / "zoo.html").read_text()  # the offline plugin writes page.html, not page/index.html
    assert "schnet-qm9-t6" in zoo and "model zoo table" not in zoo  # generated from the cards
    assert (tmp_path / "notebooks" / "probe_chemical_potential.ipynb").is_file()


@pytest.mark.timeout(BUILD_TIMEOUT + 120)
def test_example_notebook_runs():
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    notebook = nbformat.read(ROOT / "docs" / "notebooks" / "probe_chemical_potential.ipynb", as_version=4)
    NotebookClient(notebook, timeout=BUILD_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert "largest difference" in printed and "phenol_H.vtk" in printed


def _python_blocks(markdown: str) -> list[str]:
    blocks, inside, lines = [], False, []
    for line in markdown.splitlines():
        if line.strip() == "```python":
            inside, lines = True, []
        elif line.strip() == "```" and inside:
            inside = False
            blocks.append("\n".join(lines))
        elif inside:
            lines.append(line)
    return blocks


def test_the_readme_python_snippets_run_as_written():
    """Every Python block of the README, in order, in one namespace (as a reader would paste them)."""
    blocks = _python_blocks((ROOT / "README.md").read_text())
    assert blocks, "the README has Python examples"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's own examples


DOC_PAGES = sorted(str(page.relative_to(ROOT / "docs")) for page in (ROOT / "docs").rglob("*.md")
                   if "```python" in page.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("page", DOC_PAGES)
def test_the_docs_python_snippets_run_as_written(page, tmp_path, monkeypatch):
    """Each page's Python blocks, in order, in one namespace that has ``import insight`` (as the index starts).

    They run in an empty folder (files they write land there); ``figure.show()`` draws nothing. The SchNetPack page
    loads a user's ``best_model``: a real SchNetPack model (written by SchNetPack 2.2) saved there.
    """
    import plotly.basedatatypes

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plotly.basedatatypes.BaseFigure, "show", lambda self, *args, **kwargs: None)
    if page == "schnetpack.md":  # a PaiNN written by SchNetPack 2.2, as its checkpointing saves it
        shutil.copy(ROOT / "tests" / "data" / "schnetpack" / "2.2.0-painn.pt", tmp_path / "best_model")
    namespace: dict = {}
    exec("import insight", namespace)  # noqa: S102
    for block in _python_blocks((ROOT / "docs" / page).read_text()):
        exec(compile(block, page, "exec"), namespace)  # noqa: S102 - the documentation's own examples


def test_the_screenshots_show_the_current_layout():
    """``benchmarks/app_responsiveness.py --screenshots FOLDER`` records the layout it photographed."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from screenshots_manifest import MANIFEST, layout_hash, read_manifest

    folders = sorted(path.parent for path in (ROOT / "docs" / "screenshots").rglob(MANIFEST))
    assert ROOT / "docs" / "screenshots" in folders
    for folder in folders:
        manifest = read_manifest(folder)
        assert manifest["layout_hash"] == layout_hash(), (
            f"the app's layout changed since {folder.relative_to(ROOT)} was taken: run `python "
            f"benchmarks/app_responsiveness.py --screenshots {folder.relative_to(ROOT)}` (see its README)")
        for name in manifest["screenshots"]:
            assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
