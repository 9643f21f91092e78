"""A report whose parameters hold markup, opened in a real browser: nothing runs, the text shows as written.

A real `sroi run` (papermill) writes report.html; headless Chromium (Debian's, driven by Playwright) opens it
from disk with JavaScript on, as an officer would by double-clicking it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync"]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); "
                                                          "CI installs it")]

# Each payload marks the page if it runs: the title, a global, a dialog or a console message.
PAYLOADS = [
    "<script>document.title='pwned'; window.pwned = 1; console.log('pwned')</script>",
    "<img src=x onerror=\"document.title='pwned'; window.pwned = 2; alert('pwned')\">",
    "[click](javascript:document.title='pwned')",
    "<svg onload=\"window.pwned = 3\"></svg>",
    "<a href=\"javascript:window.pwned=4\" id=\"pwned-link\">link</a>",
    "*not emphasis* `not code` $not math$",
]


def hostile_contract(tmp_path, contract_id="hostile-names"):
    """A copy of an example contract whose title, supplier, directorate and description hold every payload."""
    src = ROOT / "parameters" / "lcc-housing-retrofit.yaml"
    raw = yaml.safe_load(src.read_text(encoding="utf-8"))
    for key in ("impact_map", "inputs", "commitments", "returns"):
        if raw.get(key):
            raw[key] = str((src.parent / raw[key]).resolve())
    raw["contract_id"] = contract_id
    for key in ("title", "supplier", "directorate", "description"):
        raw[key] = f"{key.capitalize()}: " + " ".join(PAYLOADS)
    path = tmp_path / f"{contract_id}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, width=10_000), encoding="utf-8")
    return path


def open_in_chromium(url: str, act=None) -> dict:
    """Open ``url`` with JavaScript on; return the title, dialogs, console messages, globals and visible text."""
    from playwright.sync_api import sync_playwright

    seen = {"dialogs": [], "console": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
            page.on("console", lambda m: seen["console"].append(m.text))
            page.goto(url, wait_until="load", timeout=60_000)
            page.wait_for_timeout(500)  # let any onerror/onload handler fire
            seen["title_on_load"] = page.title()
            if act:
                act(page)
            seen["title"] = page.title()
            seen["pwned"] = page.evaluate("() => window.pwned === undefined ? null : window.pwned")
            seen["text"] = page.inner_text("body")
            seen["hrefs"] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            seen["handlers"] = page.evaluate(
                "() => [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
                ".filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name))")
        finally:
            browser.close()
    return seen


def test_a_report_with_markup_in_its_parameters_runs_nothing(tmp_path):
    params = hostile_contract(tmp_path)
    out = tmp_path / "reports"
    result = subprocess.run([sys.executable, "-m", "sroi_lib.cli", "run", str(params), "--out", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    report = out / "hostile-names" / "report.html"

    def click_every_link(page):  # an officer clicks what looks like a link; none may run anything
        from playwright.sync_api import Error

        for link in page.locator("a[href]:not([href^='#'])").all():
            try:
                link.click(no_wait_after=True, timeout=3000)
            except Error as exc:  # a javascript: link that replaced the page, say
                seen_clicks.append(str(exc).splitlines()[0])
        page.wait_for_timeout(300)

    seen_clicks = []

    seen = open_in_chromium(report.resolve().as_uri(), act=click_every_link)
    # The tab names the contract: its title, every payload in it shown as the text it is, never run (a script that
    # ran would have set the title to just 'pwned').
    assert seen["title_on_load"] == seen["title"] == "Title: " + " ".join(PAYLOADS) and seen["pwned"] is None
    assert seen["dialogs"] == [] and seen_clicks == []
    assert not [m for m in seen["console"] if "pwned" in m]
    assert seen["handlers"] == []
    assert not [h for h in seen["hrefs"] if h.strip().lower().startswith("javascript:")]
    text = " ".join(seen["text"].split())
    for key in ("Title", "Supplier", "Directorate", "Description"):
        assert f"{key}: " + " ".join(" ".join(PAYLOADS).split()) in text, key
    # the report is otherwise whole: headings, tables and figures as usual
    html = report.read_text(encoding="utf-8")
    assert "Headline figures" in text and "Delivery against commitments" in text
    assert html.count("data:image/png;base64") >= 3 and "<table" in html
