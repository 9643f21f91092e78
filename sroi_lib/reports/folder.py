"""The report folder: the one place that knows what ``sroi run`` writes for a contract, and how.

``reports/<contract_id>/`` holds:

* ``report.ipynb``: the executed report notebook (papermill records the
  parameters, timings and any error in its metadata);
* ``report.html``: the same without code cells, figures embedded, readable offline;
* ``results.json`` and ``lines.csv``: written by the notebook itself;
* ``manifest.json``: the sha256 of every input and output, and the versions used;
* ``report.pdf`` when asked for and Chromium is installed.

Everything is written to a temporary folder beside the destination and moved
into place at the end (:func:`replace_folder`), so a failed run leaves the
previous report as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from ..paths import notebooks_dir

__all__ = ["REPORT_NOTEBOOK", "NOTEBOOK_FILE", "HTML_FILE", "RESULTS_FILE", "LINES_FILE", "MANIFEST_FILE", "PDF_FILE",
           "WRITTEN_BY_NOTEBOOK", "OUTPUTS", "report_folders", "temporary_folder", "replace_folder"]

REPORT_NOTEBOOK = notebooks_dir() / "contract_report.ipynb"
NOTEBOOK_FILE = "report.ipynb"
HTML_FILE = "report.html"
RESULTS_FILE = "results.json"
LINES_FILE = "lines.csv"
MANIFEST_FILE = "manifest.json"
PDF_FILE = "report.pdf"
WRITTEN_BY_NOTEBOOK = (RESULTS_FILE, LINES_FILE)
OUTPUTS = (RESULTS_FILE, LINES_FILE, HTML_FILE, NOTEBOOK_FILE)  # hashed in the manifest, checked by the audit


def report_folders(reports_dir: str | Path) -> list[Path]:
    """Every report folder under ``reports_dir`` (one that holds a results file), in name order."""
    return sorted(p.parent for p in Path(reports_dir).glob(f"*/{RESULTS_FILE}"))


def temporary_folder(out_root: Path, contract_id: str) -> Path:
    """A new hidden folder beside the destination, for a report being written."""
    return Path(tempfile.mkdtemp(prefix=f".{contract_id}-", dir=out_root))


def replace_folder(new: Path, final: Path) -> None:
    """Move ``new`` to ``final``, replacing an existing folder with one rename each way."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}-old-{os.getpid()}-{time.time_ns()}")
        os.replace(final, old)
    try:
        os.replace(new, final)
    except BaseException:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
