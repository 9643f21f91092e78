"""Benchmark: what the PDF (`sroi run --pdf`) and the Word copy (`sroi run --docx`) add to a report.

* End to end: `run_contract` on the largest example report (every section: uncertainty, scenarios, delivery)
  with HTML only, with --pdf and with --docx, in one process (a first run warms the kernel and the imports);
  median of 3 each. Target: PDF and Word each add at most 2 s.
* Each step alone, on every example's report: printing report.html with headless Chromium (`print_pdf`), and
  writing report.docx from report.ipynb (`write_docx`; its first call in a process also imports python-docx
  and the Markdown renderer, counted apart).

Run:  .venv/bin/python benchmarks/print_copies.py
Record the figures in benchmarks/README.md.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sroi_lib.reports.folder import HTML_FILE, NOTEBOOK_FILE  # noqa: E402
from sroi_lib.reports.runner import find_chromium, print_pdf, run_contract  # noqa: E402

PARAMS = sorted(p for p in (ROOT / "parameters").glob("*.yaml") if not p.name.endswith(".scenarios.yaml"))
LARGEST = ROOT / "parameters" / "lcc-housing-retrofit.yaml"


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> int:
    chromium = find_chromium()
    if chromium is None:
        print("print_copies.py: Chromium is not installed, so the PDF cannot be measured; skipped", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory(prefix="sroi-bench-print-") as tmp:
        out = Path(tmp)
        run_contract(LARGEST, out / "warm")  # the kernel, matplotlib's font cache, the imports
        runs = {"html": [], "pdf": [], "docx": []}
        for i in range(3):
            for kind in runs:
                runs[kind].append(timed(lambda: run_contract(LARGEST, out / f"{kind}{i}", pdf=kind == "pdf",
                                                             docx=kind == "docx")))
        html = statistics.median(runs["html"])
        print(f"end to end, {LARGEST.stem}, median of 3:")
        for kind, times in runs.items():
            median = statistics.median(times)
            extra = "" if kind == "html" else f"  (+{median - html:.2f} s)"
            print(f"  {kind:5s} {median:.2f} s  [{', '.join(f'{t:.2f}' for t in times)}]{extra}")

        from sroi_lib.reports.word import write_docx  # imported here so its import is timed below

        print("each step alone, per example report:")
        first = True
        for params in PARAMS:
            folder = run_contract(params, out / "steps").folder
            pdf = timed(lambda: print_pdf(folder / HTML_FILE, out / "x.pdf", chromium))
            docx = timed(lambda: write_docx(folder / NOTEBOOK_FILE, out / "x.docx", title=params.stem))
            again = timed(lambda: write_docx(folder / NOTEBOOK_FILE, out / "x.docx", title=params.stem))
            note = "  (first call: imports python-docx)" if first else ""
            print(f"  {params.stem:32s} pdf {pdf:.2f} s  docx {docx:.2f} s, again {again:.2f} s{note}")
            first = False
    return 0


if __name__ == "__main__":
    sys.exit(main())
