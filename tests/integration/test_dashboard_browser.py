"""The portfolio dashboard in a real browser: Voilà on localhost, Debian's Chromium driven by Playwright."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from sroi_lib.views.dashboard import dashboard_command
from sroi_lib.reports.portfolio import load_portfolio

CHROMIUM = shutil.which("chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run"]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); "
                                                          "CI installs it")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def reports(example_reports):
    return example_reports


@pytest.fixture(scope="module")
def server(reports):
    port = free_port()
    cmd, env = dashboard_command(str(reports), port)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the Voilà server did not start")
        time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def open_page(page, url: str) -> None:
    """Load the dashboard, once more if the first load never finishes.

    Voilà 0.5.13 now and then never finishes streaming a page (the notebook has run, the kernel is idle, the
    last kilobyte never comes: seen with and without sroi's server, about 1 load in 12 on a loaded machine);
    a person reloads, and so does this test, once.
    """
    from playwright.sync_api import TimeoutError as PageTimeout

    try:
        page.goto(url, timeout=45_000)
    except PageTimeout:
        page.goto(url, timeout=90_000)


def headline_value(page) -> float:
    return float(page.locator(".sroi-headline").get_attribute("data-present-value"))


def test_filter_changes_the_headline(server, reports):
    from playwright.sync_api import expect, sync_playwright

    portfolio = load_portfolio(reports)
    everything = round(portfolio.headline()["present_value"], 2)
    adults = round(portfolio.filter(directorate="Adults and Health").headline()["present_value"], 2)
    care = json.loads((reports / "lcc-care-at-home" / "results.json").read_text())
    assert adults == round(care["present_value"], 2)  # the one Adults and Health contract

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page()
            open_page(page, server)
            headline = page.locator(".sroi-headline")
            expect(headline).to_be_visible(timeout=90_000)
            assert headline_value(page) == pytest.approx(everything, abs=0.01)
            assert "5</b> contracts" in headline.inner_html()
            assert page.locator("text=import ").count() == 0  # code is hidden

            select = page.locator(".widget-dropdown").filter(has_text="Directorate").locator("select")
            select.select_option(label="Adults and Health")
            expect(headline).to_have_attribute("data-present-value", f"{adults:.2f}", timeout=30_000)
            assert "1</b> contract ·" in headline.inner_html()
            page.screenshot(path=str(reports.parent / "dashboard.png"), full_page=True)
        finally:
            browser.close()


def test_a_contract_named_with_markup_shows_as_text(reports, tmp_path):
    """A report whose title, supplier and directorate hold script and event-handler markup, in the dashboard's
    table, headline and filter options: nothing runs, the names show as written."""
    import subprocess as sp
    import sys

    from playwright.sync_api import expect, sync_playwright

    from tests.integration.test_safe_pages import PAYLOADS, hostile_contract

    folder = tmp_path / "reports"
    shutil.copytree(reports, folder)
    result = sp.run([sys.executable, "-m", "sroi_lib.cli", "run", str(hostile_contract(tmp_path)), "--out", str(folder)],
                    capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    port = free_port()
    cmd, env = dashboard_command(str(folder), port)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    seen = {"dialogs": [], "console": []}
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
                page = browser.new_page()
                page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
                page.on("console", lambda m: seen["console"].append(m.text))
                open_page(page, f"http://127.0.0.1:{port}/")
                table = page.locator(".sroi-contracts")
                expect(table).to_be_visible(timeout=90_000)
                expect(page.locator(".sroi-headline")).to_contain_text("6 contracts")
                page.wait_for_timeout(500)  # let any onerror handler fire
                row = " ".join(table.locator("tr").filter(has_text="hostile-names").inner_text().split())
                flat = " ".join(" ".join(PAYLOADS).split())
                for key in ("Title", "Supplier", "Directorate"):
                    assert f"{key}: {flat}" in row, key
                assert table.locator("script, img, svg, a").count() == 0
                supplier = page.locator(".widget-dropdown").filter(has_text="Supplier").locator("select")
                labels = supplier.locator("option").all_inner_texts()
                assert any(" ".join(label.split()) == f"Supplier: {flat}" for label in labels), labels
                supplier.select_option(label=f"Supplier: {' '.join(PAYLOADS)}")
                expect(page.locator(".sroi-headline")).to_contain_text("1 contract ·", timeout=30_000)
                page.wait_for_timeout(500)
                title = page.title()
                pwned = page.evaluate("() => window.pwned === undefined ? null : window.pwned")
            finally:
                browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    assert "pwned" not in title and pwned is None
    assert seen["dialogs"] == [] and not [m for m in seen["console"] if "pwned" in m]
