"""Every place sroi_lib refuses a user's input is reached by a test.

The refusal sites are found in the source itself (not listed by hand): every ``InputError(...)``,
``CellError(...)``, ``Problem(...)``, ``<problems>.add(...)`` and the modules' own ``add(...)``/``refuse(...)``
helpers, in every module of sroi_lib. The unit tests, the doctests and the bad-input corpus then run under
coverage in a separate process, and every statement holding a site must have run (a guard marked
``# pragma: no cover`` is left out, as coverage leaves it out). A new refusal added without a test reaching it
fails here, naming the file, the line and its text.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHECKED = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sroi_lib").rglob("*.py"))
TESTS = ["tests/unit", "tests/bad_inputs", "sroi_lib"]
SITE_NAMES = {"InputError", "CellError", "Problem", "add", "refuse"}


def refusal_sites(path) -> dict[int, str]:
    """The first line of each statement that holds a refusal, with its text."""
    source = (ROOT / path).read_text()
    lines = source.splitlines()
    sites = {}
    for statement in ast.walk(ast.parse(source)):
        if not isinstance(statement, ast.stmt) or isinstance(statement, (ast.FunctionDef, ast.ClassDef, ast.If,
                                                                          ast.For, ast.While, ast.With, ast.Try)):
            continue
        for node in ast.walk(statement):
            func = node.func if isinstance(node, ast.Call) else None
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in SITE_NAMES:
                sites[statement.lineno] = lines[statement.lineno - 1].strip()
                break
    return sites


def test_the_site_finder_finds_refusals():
    sites = refusal_sites("sroi_lib/control/periods.py")
    assert len(sites) >= 3 and all("InputError" in text or "raise" in text for text in sites.values())


class CoverageRun:
    """The unit tests, doctests and bad-input corpus under coverage, in a process of their own with its own
    temporary folder (``--basetemp``). It is run while nothing else runs: started beside the rest of the suite,
    a Jupyter kernel of one and a test of the other could be given the same free port."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.data = self.folder / "coverage.data"
        self.log = open(self.folder / "run.log", "w+", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "coverage", "run", f"--data-file={self.data}", f"--include={','.join(CHECKED)}",
             "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow", f"--basetemp={self.folder / 'tmp'}",
             *TESTS], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, text=True)

    def wait(self, timeout: float = 1200) -> tuple[int, str]:
        """The run's exit code and the end of what it printed."""
        code = self.process.wait(timeout=timeout)
        self.log.seek(0)
        return code, self.log.read()[-6000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


def start_coverage_run() -> CoverageRun:
    import tempfile

    return CoverageRun(Path(tempfile.mkdtemp(prefix="sroi-refusals-")))


@pytest.mark.slow
def test_every_refusal_in_sroi_lib_is_reached_by_a_test(tmp_path):
    run = start_coverage_run()
    try:
        code, printed = run.wait()
    finally:
        run.stop()
    assert code == 0, printed
    data = run.data
    report = tmp_path / "coverage.json"
    subprocess.run([sys.executable, "-m", "coverage", "json", f"--data-file={data}", "-o", str(report)],
                   cwd=ROOT, check=True, capture_output=True, timeout=120)
    files = json.loads(report.read_text())["files"]
    import shutil

    shutil.rmtree(run.folder, ignore_errors=True)
    assert set(files) >= {p for p in CHECKED if refusal_sites(p)}, "a module with refusals was not measured"
    missing = {name: set(f["missing_lines"]) for name, f in files.items()}
    missed = [f"{path}:{line}: {text}" for path in CHECKED
              for line, text in sorted(refusal_sites(path).items()) if line in missing.get(path, set())]
    assert not missed, "refusals no test reaches:\n" + "\n".join(missed)
