"""Each contract's range in the dashboard, in a real browser (Voilà on localhost, Debian's Chromium via Playwright):
a report whose results.json has a Monte Carlo shows its 5th to 95th percentile, an older one without
`uncertainty` loads and says it has no range."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from sroi_lib.views.dashboard import dashboard_command
from tests.conftest import write_report_folder
from tests.integration.test_dashboard_browser import FLAGS, free_port, open_page

CHROMIUM = shutil.which("chromium")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); "
                                                          "CI installs it")]


def results(cid: str, directorate: str, pv: float, inputs: float, monte_carlo=None) -> dict:
    r = {"contract": {"contract_id": cid, "title": cid.title(), "supplier": "S", "directorate": directorate},
         "present_value": pv, "total_inputs": inputs, "sroi_ratio": pv / inputs, "npv": pv - inputs,
         "lines": [{"stakeholder": "S", "outcome": "O", "theme": "health and care", "present_value": pv}],
         "tracking": None}
    if monte_carlo:
        r["uncertainty"] = {"target": 1.0, "monte_carlo": monte_carlo}
    return r


def test_the_dashboard_shows_each_contracts_range(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    folder = tmp_path / "reports"
    write_report_folder(folder / "ranged", results("ranged", "Adults", 190.0, 100.0,
                                                   {"seed": 1, "draws": 10_000, "mean": 1.9, "p5": 1.25,
                                                    "p50": 1.88, "p95": 2.5, "prob_below_1": 0.01}))
    write_report_folder(folder / "older", results("older", "City", 300.0, 100.0))  # written before ranges
    (folder / "older" / "report.html").write_text("<html>edited</html>")  # no longer matches its manifest
    port = free_port()
    cmd, env = dashboard_command(str(folder), port)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the dashboard server did not start"
                time.sleep(0.3)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1900})
                open_page(page, f"http://127.0.0.1:{port}/")
                table = page.locator(".sroi-contracts")
                expect(table).to_be_visible(timeout=90_000)
                head = table.locator("th").all_inner_texts()
                assert head[5:7] == ["SROI ratio", "Range (5th to 95th percentile)"]
                cells = {table.locator("tr").filter(has_text=cid).locator("td").nth(1).inner_text():
                         table.locator("tr").filter(has_text=cid).locator("td.sroi-range").inner_text()
                         for cid in ("ranged", "older")}
                assert cells == {"ranged": "1.25 to 2.50", "older": "no range (no distributions)"}
                assert page.locator("img.sroi-charts").count() == 1  # the figure, with its intervals
                # a report whose report.html no longer matches its manifest is not served
                assert page.request.get(f"http://127.0.0.1:{port}/reports/ranged/report.html").status == 200
                answer = page.request.get(f"http://127.0.0.1:{port}/reports/older/report.html")
                assert answer.status == 409 and "changed after it was made" in answer.text()
                select = page.locator(".widget-dropdown").filter(has_text="Directorate").locator("select")
                select.select_option(label="Adults")
                expect(table.locator("tbody tr")).to_have_count(1, timeout=30_000)
                expect(table.locator("td.sroi-range")).to_have_text("1.25 to 2.50")
                page.screenshot(path=str(tmp_path / "dashboard-ranges.png"), full_page=True)
            finally:
                browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
