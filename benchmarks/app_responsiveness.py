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
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

TABS = ["Partitioning", "Local potential", "Sensitivity", "Alchemy", "Rings", "Embeddings", "Filters & accuracy"]


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1600,1000",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="schnet-qm9")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--screenshots", default=None, help="folder for one PNG per tab")
    args = parser.parse_args()
    from selenium.webdriver.common.by import By

    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "insight_app.main", "--model", args.model, "--port",
                               str(args.port), "--device", "cpu"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{args.port}/"
    driver = None
    try:
        def answers():
            try:
                return urllib.request.urlopen(url, timeout=1).status == 200
            except OSError:
                return False

        wait(answers, timeout=120, poll=0.05)
        t_start = time.perf_counter() - started
        driver = browser()
        opened = time.perf_counter()
        driver.get(url)
        wait(lambda: driver.execute_script(
            "const gd = document.querySelector('#structure-view .js-plotly-plot');"
            "return gd && gd._fullData && gd._fullData.some(t => t.type === 'mesh3d');"))
        t_page = time.perf_counter() - opened
        print(f"start-up (process launch to server answering): {t_start:.2f} s")
        print(f"first page (address opened to structure drawn): {t_page:.2f} s")

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
            chosen = time.perf_counter()
            dropdown = driver.find_element(By.CSS_SELECTOR, "#probe")
            dropdown.click()
            driver.find_element(By.XPATH, f"//div[contains(@class, 'dash-dropdown-option') or @role='option']"
                                          f"[normalize-space()='{probe}']").click()
            wait(lambda: (lambda now: now and now != before)(intensity(driver, "potential")))
            times.append(time.perf_counter() - chosen)
        print(f"isosurface update, new probe element, QM9 molecule with SchNet T=6: "
              f"median {sorted(times)[len(times) // 2]:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})")
        assert first

        if args.screenshots:
            folder = Path(args.screenshots)
            folder.mkdir(parents=True, exist_ok=True)
            for label in TABS:
                tab(label)
                time.sleep(1.0)
                wait(lambda: not driver.execute_script(
                    "return document.querySelector('[data-dash-is-loading=\"true\"]') !== null;"), timeout=300)
                time.sleep(2.0)
                name = label.lower().replace(" & ", "-").replace(" ", "-")
                driver.save_screenshot(str(folder / f"{name}.png"))
                print(f"screenshot: {folder / f'{name}.png'}")
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
