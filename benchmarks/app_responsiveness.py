"""Responsiveness of insight-app in headless Chromium, and screenshots of every tab.

    python benchmarks/app_responsiveness.py [--screenshots docs/screenshots] [--model schnet-qm9]

Starts ``insight-app`` as a user would, then measures
- start-up: from launching the process until the server answers,
- first page: from opening the address until the structure view is drawn,
- isosurface update: from choosing another probe element until the new potential is on screen
  (a QM9-sized molecule, SchNet T=6),
and saves a screenshot of each tab. Needs Debian's chromium and chromium-driver.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TABS = ["Partitioning", "Relevance", "Local potential", "Sensitivity", "Alchemy", "Rings", "Embeddings", "Filters",
        "Accuracy"]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots_manifest import write_manifest  # noqa: E402


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1600,1000",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                 *os.environ.get("INSIGHT_CHROME_FLAGS", "").split()):
        options.add_argument(flag)
    return webdriver.Chrome(options=options)


def wait(condition, timeout=120.0, poll=0.02):
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    raise TimeoutError("condition not met")


def intensity(driver, graph: str):
    return driver.execute_script(
        f"const gd = document.querySelector('#{graph} .js-plotly-plot');"
        "if (!gd || !gd._fullData) return null;"
        "const t = gd._fullData.find(t => t.name === 'potential');"
        "return t ? Array.from(t.intensity).slice(0, 20) : null;")


def wait_until_serving(url: str, timeout: float = 120.0) -> None:
    def answers():
        try:
            return urllib.request.urlopen(url, timeout=1).status == 200
        except OSError:
            return False

    wait(answers, timeout=timeout, poll=0.05)


def structure_drawn(driver) -> bool:
    return driver.execute_script(
        "const gd = document.querySelector('#structure-view .js-plotly-plot');"
        "return !!(gd && gd._fullData && gd._fullData.some(t => t.type === 'mesh3d'));")


def page_times(driver, url: str) -> tuple[float, float]:
    """Seconds until the structure is drawn: on the first visit of a new browser, and the median of three repeats."""
    times = []
    for _ in range(4):
        opened = time.perf_counter()
        driver.get(url)
        wait(lambda: structure_drawn(driver))
        times.append(time.perf_counter() - opened)
    return times[0], sorted(times[1:])[1]


_BARE_APP = """
import dash, insight
from dash import dcc, html
from insight.plots.structure import structure_figure
molecule = insight.from_smiles("c1ccccc1O")
app = dash.Dash(__name__)
app.layout = html.Div([dcc.Graph(id="structure-view", figure=structure_figure(molecule), style={"height": "520px"})])
app.run(port=%d)
"""


def floor(port: int) -> tuple[float, float]:
    """Page time of a bare Dash app showing only the same kind of 3D figure: what any Dash app pays here."""
    server = subprocess.Popen([sys.executable, "-c", _BARE_APP % port], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    driver = None
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_serving(url, timeout=60)
        driver = browser()
        return page_times(driver, url)
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="schnet-qm9")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--screenshots", default=None, help="folder for one PNG per tab")
    parser.add_argument("--crystal", default=None,
                        help="also time planar cuts of this example crystal (e.g. graphite; needs a periodic model "
                             "such as schnet-mp), and take the screenshots on it")
    args = parser.parse_args()
    from selenium.webdriver.common.by import By

    started = time.perf_counter()
    # The server's request log goes to a file: an unread pipe fills up and blocks the server.
    log = open(Path(tempfile.gettempdir()) / "insight-app-benchmark.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "insight_app.main", "--model", args.model, "--port",
                               str(args.port), "--device", "cpu"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{args.port}/"
    driver = None
    try:
        wait_until_serving(url)
        t_start = time.perf_counter() - started
        driver = browser()
        t_page, t_repeat = page_times(driver, url)
        t_floor_cold, t_floor_warm = floor(args.port + 1)
        print(f"start-up (process launch to server answering): {t_start:.2f} s")
        print(f"first page (address opened to structure drawn), new browser: {t_page:.2f} s; "
              f"repeat visit: {t_repeat:.2f} s")
        print(f"  floor in this browser, a bare Dash page with the same 3D figure: {t_floor_cold:.2f} s new browser, "
              f"{t_floor_warm:.2f} s repeat visit (software WebGL: headless Chromium has no GPU here)")

        def tab(label):
            driver.find_element(By.XPATH, f"//div[contains(@class, 'tab') and normalize-space()='{label}']").click()

        # A QM9 molecule of typical size: QM9 index 17948 (C7H10O, 18 atoms).
        tab("QM9")
        box = driver.find_element(By.ID, "qm9-query")
        box.send_keys("17948\n")
        wait(lambda: "QM9 17948" in driver.find_element(By.ID, "structure-title").text)
        tab("Local potential")
        first = wait(lambda: intensity(driver, "potential"))
        times = []
        for probe in ["C", "O", "N", "H"]:
            before = intensity(driver, "potential")
            driver.find_element(By.CSS_SELECTOR, "#probe").click()
            menu = wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-options"))[0]
            [option] = [o for o in menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option") if o.text == probe]
            chosen = time.perf_counter()
            driver.execute_script("arguments[0].click()", option)  # long lists: a search box overlaps
            wait(lambda: (lambda now: now and now != before)(intensity(driver, "potential")))
            times.append(time.perf_counter() - chosen)
        print(f"isosurface update, new probe element, QM9 molecule with SchNet T=6: "
              f"median {sorted(times)[len(times) // 2]:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})")
        assert first

        tabs = TABS
        if args.crystal:
            tab("Examples")
            driver.find_element(By.CSS_SELECTOR, "#example").click()
            menu = wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-options"))[0]
            [o for o in menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")
             if o.text == f"{args.crystal} (crystal)"][0].click()
            wait(lambda: args.crystal in driver.find_element(By.ID, "structure-title").text)
            tab("Local potential")

            def cut():
                return driver.execute_script(
                    "const gd = document.querySelector('#potential .js-plotly-plot');"
                    "if (!gd || !gd._fullData || !gd._fullData.length) return null;"
                    "const z = gd._fullData[0].z; return z ? JSON.stringify(z).slice(0, 400) : null;")

            wait(cut, timeout=120)
            times = []
            for probe in ["O", "Si", "H", "C"]:
                before = cut()
                driver.find_element(By.CSS_SELECTOR, "#probe").click()
                menu = wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-options"))[0]
                [option] = [o for o in menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option") if o.text == probe]
                chosen = time.perf_counter()
                driver.execute_script("arguments[0].click()", option)  # long lists: a search box overlaps
                wait(lambda: (lambda now: now and now != before)(cut()), timeout=120)
                times.append(time.perf_counter() - chosen)
            print(f"planar cut update (80 x 80 points), new probe element, {args.crystal} with {args.model}: "
                  f"median {sorted(times)[len(times) // 2]:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})")
            tabs = ["Partitioning", "Local potential", "Embeddings", "Filters", "Accuracy"]

        if args.screenshots:
            folder = Path(args.screenshots)
            folder.mkdir(parents=True, exist_ok=True)
            driver.set_window_size(1600, 1900)
            for label in tabs:
                tab(label)
                if label == "Sensitivity":
                    for atom in ("C1", "C2"):
                        if not driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-options"):  # multi stays open
                            driver.find_element(By.CSS_SELECTOR, "#pair-atoms").click()
                        menu = wait(lambda: driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-options"))[0]
                        [o for o in menu.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")
                         if o.text == atom][0].click()
                    driver.find_element(By.TAG_NAME, "h1").click()  # focus leaves the dropdown: the choice commits
                    try:
                        wait(lambda: driver.execute_script(
                            "const gd = document.querySelector('#pair-sensitivity .js-plotly-plot');"
                            "return gd && gd._fullData && gd._fullData.length >= 2;"), timeout=60)
                    except TimeoutError:
                        print("no pair curve:", driver.find_element(By.ID, "selected-atoms").text, "|",
                              driver.find_element(By.ID, "sensitivity-message").text, "|",
                              driver.find_element(By.ID, "pair-atoms").text)
                if label == "Alchemy":
                    driver.find_element(By.ID, "run-triazine").click()
                time.sleep(1.0)
                wait(lambda: not driver.execute_script(
                    "return document.querySelector('[data-dash-is-loading=\"true\"]') !== null"
                    " || document.body.innerText.includes(' ...');"), timeout=300)
                time.sleep(2.0)
                name = label.lower().replace(" & ", "-").replace(" ", "-")
                driver.save_screenshot(str(folder / f"{name}.png"))
                print(f"screenshot: {folder / f'{name}.png'}")
            write_manifest(folder, args.model, crystal=args.crystal)
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
