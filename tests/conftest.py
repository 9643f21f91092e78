"""Shared helpers for the test suite."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

EXAMPLES = ROOT / "data" / "examples"

# The worked check of docs/method.md, as an impact map row.
WORKED_ROW = {
    "stakeholder": "Local residents", "outcome": "Moved into sustained work", "quantity": "100",
    "value": "1000", "price_year": "2024", "deadweight": "20%", "displacement": "0%",
    "attribution": "25%", "drop_off": "10%", "duration": "3", "start_year": "1",
}


def write_csv(path: Path, rows: list[dict] | list[list], header: list[str] | None = None) -> Path:
    """Write rows (dicts, or lists under ``header``) to ``path`` as CSV."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        if rows and isinstance(rows[0], dict):
            header = header or list(rows[0])
            w = csv.DictWriter(fh, fieldnames=header)
            w.writeheader()
            w.writerows(rows)
        else:
            w = csv.writer(fh)
            if header:
                w.writerow(header)
            w.writerows(rows)
    return path


@pytest.fixture
def worked_map(tmp_path) -> Path:
    return write_csv(tmp_path / "impact_map.csv", [WORKED_ROW])


@pytest.fixture
def worked_inputs(tmp_path) -> Path:
    return write_csv(tmp_path / "inputs.csv", [{"stakeholder": "Council", "description": "Grant", "value": "100000"}])


def run_sroi(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the installed ``sroi`` command in a real process."""
    return subprocess.run(
        [sys.executable, "-m", "sroi_lib.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


@pytest.fixture(scope="session")
def example_reports(tmp_path_factory) -> Path:
    """Report folders for every example contract, made once a session by `sroi batch` (real papermill runs)."""
    out = tmp_path_factory.mktemp("examples") / "reports"
    result = run_sroi("batch", ROOT / "parameters", "--out", out, "--workers", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def tagged_output(notebook: Path, tag: str) -> str:
    """The text of every output of the one cell tagged ``tag`` in an executed notebook."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"{notebook.name}: expected one cell tagged {tag!r}, found {len(cells)}"
    texts = []
    for out in cells[0].get("outputs", []):
        if "text" in out:
            texts.append("".join(out["text"]))
        for mime in ("text/plain", "text/html", "text/markdown"):
            if mime in out.get("data", {}):
                texts.append("".join(out["data"][mime]))
    return "\n".join(texts)


def write_report_folder(folder: Path, results: dict) -> Path:
    """A complete report folder as the portfolio accepts it (results.json, stub lines, notebook and HTML, and a
    manifest with their sha256), without running a notebook. Incomplete folders are skipped by the portfolio."""
    import hashlib

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {"results.json": json.dumps(results), "lines.csv": "stakeholder,outcome\n", "report.html": "<html></html>",
             "report.ipynb": json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    digest = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in files}
    manifest = {"contract_id": (results.get("contract") or {}).get("contract_id", folder.name),
                "inputs": {"parameters": {"path": "parameters/x.yaml", "sha256": "0" * 64}},
                "outputs": digest, "parameters": {}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder
