"""Make the pictures of the documentation: ``make screenshots``.

Writes, from the illustrative example contracts:

* ``docs/img/report.png``: the top of one report (``report.html``) as a browser shows it, in the illustrative
  council theme (``data/themes/example-council.yaml``);
* ``docs/img/report-pdf-page1.png``: the first page of its PDF (``sroi run --pdf``), rendered with pypdfium2;
* ``docs/img/who-benefits.png``: the same report's Who benefits section (value by deprivation decile and by
  ward, the weighted figures beside the unweighted);
* ``docs/img/dashboard.png``: the portfolio dashboard of every example (``sroi dashboard``, Voilà), driven by
  Playwright in Debian's Chromium (``/usr/bin/chromium``; Playwright never downloads a browser here).

Every figure in the pictures is illustrative: the example contracts say so.

Usage: ``python scripts/screenshots.py [--out docs/img]``. Needs Chromium and the test extras (Playwright,
pypdfium2).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONTRACT = "lcc-housing-retrofit"
THEME = ROOT / "data" / "themes" / "example-council.yaml"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run"]
WIDTH = 1200  # CSS pixels of the browser window


def sroi(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "sroi_lib.cli", *args], cwd=ROOT, check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def report_page(browser, html: Path, out: Path) -> None:
    """The first screenful of a report, as a reader's browser shows it."""
    page = browser.new_page(viewport={"width": WIDTH, "height": 1500}, device_scale_factor=1)
    page.goto(html.resolve().as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(out))
    page.close()


def who_benefits_section(browser, html: Path, out: Path, height: int = 1650) -> None:
    """The report's Who benefits section: its sentences, the weighted figures and the decile and ward charts."""
    page = browser.new_page(viewport={"width": WIDTH, "height": 1500}, device_scale_factor=1)
    page.goto(html.resolve().as_uri())
    page.wait_for_load_state("load")
    box = page.locator("h2", has_text="Who benefits").first.bounding_box()
    page.screenshot(path=str(out), full_page=True,
                    clip={"x": 0, "y": max(0, box["y"] - 12), "width": WIDTH, "height": height})
    page.close()


def pdf_page(pdf: Path, out: Path, scale: float = 1.6) -> None:
    """The PDF's first page as a picture (pypdfium2), on white, with a thin grey border as on paper."""
    import pypdfium2
    from PIL import ImageOps

    document = pypdfium2.PdfDocument(str(pdf))
    image = document[0].render(scale=scale).to_pil().convert("RGB")
    ImageOps.expand(image, border=1, fill="#b0b0b0").save(out, optimize=True)


def dashboard(browser, reports: Path, out: Path) -> None:
    """The dashboard of every example report once its charts have drawn."""
    from playwright.sync_api import expect

    from sroi_lib.views.dashboard import dashboard_command

    port = free_port()
    cmd, env = dashboard_command(str(reports), port)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the dashboard (Voilà) did not start")
            time.sleep(0.5)
        page = browser.new_page(viewport={"width": WIDTH, "height": 1400}, device_scale_factor=1)
        page.goto(url, timeout=120_000)
        expect(page.locator(".sroi-headline")).to_be_visible(timeout=120_000)
        page.wait_for_timeout(2000)  # the charts' images finish drawing
        page.screenshot(path=str(out), full_page=False)
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "img"), help="folder for the pictures")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("screenshots: Chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="sroi-screenshots-") as tmp:
        reports = Path(tmp) / "reports"
        sroi("batch", "parameters", "--out", str(reports), "--workers", "2")
        sroi("run", f"parameters/{CONTRACT}.yaml", "--out", str(reports), "--pdf", "--theme", str(THEME))
        folder = reports / CONTRACT
        pdf_page(folder / "report.pdf", out / "report-pdf-page1.png")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=FLAGS, headless=True)
            try:
                report_page(browser, folder / "report.html", out / "report.png")
                who_benefits_section(browser, folder / "report.html", out / "who-benefits.png")
                dashboard(browser, reports, out / "dashboard.png")
            finally:
                browser.close()
    for name in ("report.png", "report-pdf-page1.png", "who-benefits.png", "dashboard.png"):
        print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
