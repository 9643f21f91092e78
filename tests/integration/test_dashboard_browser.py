"""The portfolio dashboard in a real browser: Voilà on localhost, Debian's Chromium driven by Playwright."""

import json
import shutil
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
            page.goto(server, timeout=90_000)
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
