"""The workbench in a real browser (headless Chromium through Dash's testing tools)."""

from __future__ import annotations

import shutil
import time

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromedriver") is None or shutil.which("chromium") is None,
                       reason="needs Debian's chromium and chromium-driver (installed by .ci/run)"),
    # Above the sum of the waits below, which are generous for a loaded machine.
    pytest.mark.timeout(1200),
]


@pytest.fixture(scope="module")
def app():
    from insight_app.main import create_app

    return create_app("schnet-qm9", device="cpu")


def _tab(dash_duo, label: str) -> None:
    from selenium.webdriver.common.by import By

    dash_duo.driver.find_element(By.XPATH, f"//div[contains(@class, 'tab') and normalize-space()='{label}']").click()


def _traces(dash_duo, graph_id: str) -> list[dict]:
    return dash_duo.driver.execute_script(
        # _fullData holds the decoded arrays (figures arrive base64-encoded).
        f"const gd = document.querySelector('#{graph_id} .js-plotly-plot');"
        "return gd && gd._fullData ? gd._fullData.map(t => ({name: t.name, type: t.type,"
        " n: (t.intensity || t.x || []).length,"
        " intensity: t.intensity ? Array.from(t.intensity).slice(0, 50) : null})) : [];"
    )


def _choose(dash_duo, dropdown: str, text: str) -> None:
    """Pick the option of a dropdown whose label contains ``text``."""
    from selenium.webdriver.common.by import By

    dash_duo.find_element(dropdown).click()
    options = _wait_for(lambda: [o for o in dash_duo.driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")
                                 if text in o.text], message=f"option {text!r}")
    # A long list shows a search box that can cover the first options: click through the script.
    dash_duo.driver.execute_script("arguments[0].click()", options[0])


def _wait_for(condition, timeout: float = 60.0, message: str = "condition"):
    end = time.time() + timeout
    while time.time() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {message}")


def _uncovered(dash_duo, selector: str) -> bool:
    """Whether the element's centre is the element itself (or inside it), i.e. nothing covers it."""
    return dash_duo.driver.execute_script(
        "const e = document.querySelector(arguments[0]); if (!e) { return false; }"
        "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
        "const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        "return top === e || e.contains(top);", selector)


def test_workbench_end_to_end(dash_duo, app, tmp_path):
    dash_duo.start_server(app)
    dash_duo.wait_for_contains_text("#structure-title", "phenol", timeout=60)

    # The first page: the distributions fill without a tab switch, every element panel fits in its box, and the
    # download buttons under it are not covered.
    _wait_for(lambda: len(_traces(dash_duo, "distributions")) >= 5, timeout=180, message="first-page distributions")
    panels = dash_duo.driver.execute_script(
        "const gd = document.querySelector('#distributions .js-plotly-plot');"
        "return [gd._fullLayout.annotations.map(a => a.text), gd._fullLayout.height,"
        " gd.getBoundingClientRect().height];")
    assert panels[0][:5] == ["H", "C", "N", "O", "F"] and panels[2] >= panels[1] - 1
    for button in ("#distributions-png", "#distributions-svg", "#distributions-csv-button"):
        assert _uncovered(dash_duo, button), button

    # Switching the colouring redraws the atoms in element colours: phenol has no N, so nothing is blue any more.
    def bluish_pixels() -> int:
        import io

        import numpy as np
        from PIL import Image

        shot = Image.open(io.BytesIO(dash_duo.find_element("#structure-view").screenshot_as_png)).convert("RGB")
        pixels = np.asarray(shot).astype(int)
        return int(((pixels[..., 2] > 150) & (pixels[..., 0] < 90)).sum())

    _wait_for(lambda: bluish_pixels() > 300, message="E_i colours (RdBu) in the view")
    dash_duo.find_element("#color-by input[value='element']").click()
    _wait_for(lambda: bluish_pixels() < 50, message="element colours after switching from E_i")

    # A click on a drawn atom selects it: a lone carbon sits in the middle of the view.
    lone = tmp_path / "carbon.xyz"
    lone.write_text("1\nlone carbon\nC 0 0 0\n")
    _tab(dash_duo, "Upload")
    dash_duo.find_element("#upload input[type=file]").send_keys(str(lone))
    dash_duo.wait_for_contains_text("#structure-title", "1 atoms", timeout=30)
    dash_duo.wait_for_contains_text("#domain-warnings", "single C atom", timeout=30)
    from selenium.webdriver.common.action_chains import ActionChains

    _wait_for(lambda: [t for t in _traces(dash_duo, "structure-view") if t["type"] == "mesh3d" and t["n"] == 162],
              message="the lone atom drawn")  # one icosphere
    offsets = iter([(0, 0), (4, 0), (0, 4), (-4, 0), (0, -4)] * 24)

    def click_the_atom() -> bool:
        # plotly's 3D scene picks on its next drawn frame and counts a click only if the button is still down then:
        # hold it for several frames (a loaded machine draws slowly), and move a little before each try, so a retry
        # is a fresh pick.
        canvas = _wait_for(lambda: dash_duo.find_elements("#structure-view canvas"), message="3D canvas")[0]
        dx, dy = next(offsets)
        (ActionChains(dash_duo.driver).move_to_element_with_offset(canvas, dx, dy).pause(0.3)
         .click_and_hold().pause(0.8).release().perform())
        time.sleep(0.5)
        return "C0" in dash_duo.find_element("#pair-atoms").text

    _wait_for(click_the_atom, timeout=120, message="atom picked")  # element colours: no colour bar, centred scene
    dash_duo.find_element("#color-by input[value='energy']").click()

    # A SMILES string, embedded in 3D.
    _tab(dash_duo, "SMILES")
    smiles = dash_duo.find_element("#smiles")
    smiles.send_keys("CCO\n")
    dash_duo.wait_for_contains_text("#structure-title", "C2H6O", timeout=30)
    assert any(t["type"] == "mesh3d" for t in _traces(dash_duo, "structure-view"))

    # Partitioning: one row per atom, energies summing to the total.
    _wait_for(lambda: len(dash_duo.find_elements("#contributions-table tbody tr")) == 1 + 9, message="E_i table")
    dash_duo.wait_for_contains_text("#energy-summary", "kcal/mol", timeout=60)
    _wait_for(lambda: len(_traces(dash_duo, "distributions")) >= 3, timeout=120, message="distributions")

    # Relevance: the top walks in a table and drawn in the shared view; leaving the tab takes them away.
    _tab(dash_duo, "Relevance")
    _wait_for(lambda: len(dash_duo.find_elements("#walks-table tbody tr")) == 1 + 10, timeout=60, message="walks")
    _wait_for(lambda: sum((t["name"] or "").startswith("#") for t in _traces(dash_duo, "structure-view")) == 10,
              message="walks in the view")

    # Local potential: the isosurface carries the potential; a different probe changes it.
    _tab(dash_duo, "Local potential")
    _wait_for(lambda: not any((t["name"] or "").startswith("#") for t in _traces(dash_duo, "structure-view")),
              message="walks gone from the view")
    surface = _wait_for(lambda: [t for t in _traces(dash_duo, "potential") if t["name"] == "potential"],
                        message="isosurface")[0]
    assert surface["n"] > 1000 and surface["intensity"] and all(isinstance(v, float) for v in surface["intensity"])
    dash_duo.select_dcc_dropdown("#probe", value="C")
    changed = _wait_for(lambda: [t for t in _traces(dash_duo, "potential")
                                 if t["name"] == "potential" and t["intensity"] != surface["intensity"]],
                        message="potential for a carbon probe")
    assert changed[0]["n"] == surface["n"]

    # Downloads: the figure's data as CSV (server side) and the figure as SVG (in the browser).
    from pathlib import Path

    downloads = Path(dash_duo.download_path)
    dash_duo.find_element("#potential-csv-button").click()
    csv_file = _wait_for(lambda: next(iter(downloads.glob("potential*.csv")), None), message="CSV download")
    lines = _wait_for(lambda: csv_file.read_text().splitlines(), message="CSV content")
    assert lines[0] == "x,y,z,Omega_C" and len(lines) == 1 + surface["n"]
    dash_duo.find_element("#potential-svg").click()
    svg_file = _wait_for(lambda: next(iter(downloads.glob("potential*.svg")), None), message="SVG download")
    assert _wait_for(lambda: svg_file.read_text().startswith("<svg"), message="SVG content")

    # Sensitivity: element-pair curves with the training distribution.
    _tab(dash_duo, "Sensitivity")
    _wait_for(lambda: len(_traces(dash_duo, "element-sensitivity")) >= 3, timeout=120, message="sensitivity curves")

    # Alchemy: the thesis' benzene -> s-triazine path, fixed and interpolated.
    _tab(dash_duo, "Alchemy")
    dash_duo.find_element("#run-triazine").click()
    _wait_for(lambda: len(_traces(dash_duo, "alchemy")) == 2, timeout=60, message="alchemical paths")

    # Embeddings and filters.
    _tab(dash_duo, "Embeddings")
    _wait_for(lambda: len(_traces(dash_duo, "embeddings")) >= 3, message="embedding PCA")
    _tab(dash_duo, "Filters")
    _wait_for(lambda: len(_traces(dash_duo, "filters")) == 8, timeout=60, message="filter cuts")
    _tab(dash_duo, "Accuracy")
    _wait_for(lambda: len(_traces(dash_duo, "isomers")) == 2, timeout=180, message="isomer ranking")

    # Rings: the ranking table; clicking a row shows that molecule.
    _tab(dash_duo, "Rings")
    _wait_for(lambda: len(dash_duo.find_elements("#rings-table tbody tr")) > 5, timeout=180, message="ring table")
    dash_duo.find_elements("#rings-table input[type=radio]")[0].click()
    dash_duo.wait_for_contains_text("#structure-title", "QM9", timeout=30)
    _wait_for(lambda: any(t["name"] == "highlight" for t in _traces(dash_duo, "structure-view")),
              message="the ring highlighted")

    # A malformed upload: a clear message, and the app keeps working.
    bad = tmp_path / "broken.xyz"
    bad.write_text("2\nwater?\nO 0 0 0\nH 0.9\n")
    _tab(dash_duo, "Upload")
    dash_duo.find_element("#upload input[type=file]").send_keys(str(bad))
    dash_duo.wait_for_contains_text("#input-message", "broken.xyz, line 4", timeout=30)
    _tab(dash_duo, "SMILES")
    smiles = dash_duo.find_element("#smiles")
    smiles.clear()
    smiles.send_keys("C1CC\n")  # does not parse
    dash_duo.wait_for_contains_text("#input-message", "could not be parsed", timeout=30)
    smiles.clear()
    smiles.send_keys("c1ccncc1\n")
    dash_duo.wait_for_contains_text("#structure-title", "C5H5N", timeout=30)
    assert dash_duo.get_logs() == [] or all("SEVERE" not in str(entry) for entry in dash_duo.get_logs())

    # An ensemble of repetitions: each E_i with its spread, the energy as mean ± spread.
    _choose(dash_duo, "#model", "dtnn-qm9-t3 ensemble")
    _tab(dash_duo, "Partitioning")
    dash_duo.wait_for_contains_text("#energy-summary", "±", timeout=120)
    _wait_for(lambda: "spread (kcal/mol)" in dash_duo.find_element("#contributions-table").text,
              message="the spread column")

    # Materials: the periodic model on a crystal, its planar cut, and a Materials Project crystal.
    _choose(dash_duo, "#model", "schnet-mp (")
    dash_duo.wait_for_contains_text("#domain-warnings", "trained on crystals", timeout=60)  # pyridine is no crystal
    _tab(dash_duo, "Examples")
    dash_duo.select_dcc_dropdown("#example", value="graphite (crystal)")
    dash_duo.wait_for_contains_text("#structure-title", "graphite", timeout=60)
    _wait_for(lambda: dash_duo.find_element("#domain-warnings").text == "", message="no warning for a crystal")
    dash_duo.wait_for_contains_text("#structure-title", "eV/atom", timeout=60)
    _tab(dash_duo, "Local potential")
    _wait_for(lambda: any(t["type"] in ("heatmap", "contour") and t["n"] > 10 for t in _traces(dash_duo, "potential")),
              timeout=120, message="planar cut of graphite")
    _tab(dash_duo, "Embeddings")
    dash_duo.wait_for_contains_text("#embeddings-summary", "86 elements", timeout=60)
    from insight.data.flla import flla_csv_path

    if flla_csv_path().is_file():  # fetched by .ci/run with `insight data fetch flla`
        _tab(dash_duo, "Materials Project")
        query = dash_duo.find_element("#mp-query")
        query.send_keys("mp-10000\n")
        dash_duo.wait_for_contains_text("#structure-title", "mp-10000", timeout=60)
        _tab(dash_duo, "Partitioning")
        _wait_for(lambda: len(_traces(dash_duo, "distributions")) >= 2, timeout=180, message="FLLA distributions")
    assert all("SEVERE" not in str(entry) for entry in dash_duo.get_logs())
