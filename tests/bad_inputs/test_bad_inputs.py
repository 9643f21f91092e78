"""The bad-input corpus: every case of every group's ``cases.yaml``, run through its ``sroi`` command.

Each case (format in README.md) must end with its exit code (2, or 0 for a
documented correct reading), print the messages it names, never print a
traceback, write nothing into ``{out}``, and finish within a hang guard.
Cases run in-process through :func:`sroi_lib.cli.main` (fast); a case with
``subprocess: true`` runs in a real process instead. The large cases (a
2,000,000-line CSV, a 200,000-character cell, a duration of 100,000,000, a
YAML alias bomb, a zip bomb, a 60 MB file) are generated in ``tmp_path`` and
run in a subprocess under an address-space limit (``RLIMIT_AS``, 1.5 GB), so
a reader that allocated without bound would fail the test instead of the
machine.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from sroi_lib import cli

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PLACEHOLDERS = ("file", "examples", "parameters", "out", "tmp")
KEYS = {"name", "file", "command", "exit", "message", "why", "subprocess", "timeout", "slow"}
HANG_GUARD = 120  # seconds; far above any case (they take well under a second in-process)
MEMORY_LIMIT = 1536 * 1024 * 1024  # RLIMIT_AS for the subprocess cases
IN_PROCESS_MEMORY = 256 * 1024 * 1024  # the most a case run in-process may allocate at once (tracemalloc's peak)


def _load_cases():
    params = []
    for cases_file in sorted(HERE.glob("*/cases.yaml")):
        group = cases_file.parent.name
        cases = yaml.safe_load(cases_file.read_text(encoding="utf-8")) or []
        names = set()
        for case in cases:
            marks = [pytest.mark.slow] if case.get("slow") else []
            params.append(pytest.param(group, case, id=f"{group}/{case.get('name')}", marks=marks))
            names.add(case.get("name"))
        assert len(names) == len(cases), f"{cases_file}: case names must be unique"
    return params


CASES = _load_cases()


def _expand(arg: str, subs: dict[str, str]) -> str:
    for key, value in subs.items():
        arg = arg.replace("{" + key + "}", value)
    return arg


def _in_process(argv: list[str], timeout: int = HANG_GUARD) -> tuple[int, str]:
    """Run ``sroi argv`` through cli.main, capturing everything it prints; SIGALRM is the hang guard, and the peak
    of what it allocates (Python's and numpy's memory, as tracemalloc sees it) must stay within
    :data:`IN_PROCESS_MEMORY`."""
    import tracemalloc

    out, err = io.StringIO(), io.StringIO()

    def hang(signum, frame):
        raise TimeoutError(f"sroi {' '.join(argv)} ran for more than {timeout} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(timeout)
    tracemalloc.start()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(argv)
            except SystemExit as exc:  # argparse's own refusals
                code = exc.code if isinstance(exc.code, int) else 2
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert peak <= IN_PROCESS_MEMORY, f"sroi {' '.join(argv)} allocated {peak / 1048576:,.0f} MB at its peak"
    return code, out.getvalue() + err.getvalue()


def _limit_memory():  # pragma: no cover - runs in the child process
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_subprocess(argv: list[str], timeout: int = HANG_GUARD) -> tuple[int, str]:
    """Run ``sroi argv`` in a real process under RLIMIT_AS (1.5 GB) and a timeout."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "sroi_lib.cli", *argv], capture_output=True, text=True,
                          timeout=timeout, env=env, preexec_fn=_limit_memory)
    return done.returncode, done.stdout + done.stderr


def check(code: int, output: str, *, exit_code: int, messages, out: Path | None = None, what: str = "") -> None:
    """The corpus's assertions: exit code, each message (case-insensitive), no traceback, nothing in ``out``."""
    assert code == exit_code, f"{what}: exit {code}, expected {exit_code}\n{output}"
    for message in [messages] if isinstance(messages, str) else list(messages or []):
        assert message.lower() in output.lower(), f"{what}: '{message}' not in the output:\n{output}"
    assert "Traceback" not in output, f"{what}: a traceback was printed\n{output}"
    if out is not None:
        assert not out.exists() or not any(out.iterdir()), f"{what}: files were written to {{out}}: " \
            f"{sorted(p.name for p in out.iterdir())}"


@pytest.mark.parametrize("group, case", CASES)
def test_bad_input(group, case, tmp_path):
    assert set(case) <= KEYS, f"unknown keys in the case: {set(case) - KEYS}"
    assert case.get("why"), "every case says what it guards"
    path = HERE / group / case["file"]
    assert path.exists(), f"{path} is missing (re-make it with the group's make script)"
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    out.mkdir()
    tmp.mkdir()
    subs = {"file": str(path), "examples": str(ROOT / "data" / "examples"), "parameters": str(ROOT / "parameters"),
            "out": str(out), "tmp": str(tmp)}
    argv = [_expand(str(a), subs) for a in case["command"]]
    timeout = int(case.get("timeout", HANG_GUARD))
    code, output = run_subprocess(argv, timeout=timeout) if case.get("subprocess") else _in_process(argv, timeout)
    check(code, output, exit_code=case["exit"], messages=case.get("message"), out=out,
          what=f"{group}/{case['name']}")


# -- Large inputs, generated here (never committed), each run under RLIMIT_AS ---------------------------

MAP_HEADER = "stakeholder,outcome,quantity,duration,value,price_year\n"


def _rows_2m(tmp_path: Path) -> list[str]:
    path = tmp_path / "two_million_lines.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(MAP_HEADER)
        line = "A,B,1,1,1,2020\n"  # 15 bytes: 2,000,000 lines are 30 MB, under the size limit
        for _ in range(20):
            fh.write(line * 100_000)
    return ["value", str(path), "--investment", "1000"]


def _blank_lines_2m(tmp_path: Path) -> list[str]:
    """One line of a map, then 2,000,000 blank lines (2 MB: an export that ran on down the sheet)."""
    path = tmp_path / "blank_lines.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(MAP_HEADER + "Residents,Into work,1,1,10,2020\n")
        for _ in range(20):
            fh.write("\n" * 100_000)
    return ["value", str(path), "--investment", "1000"]


def _cell_200k(tmp_path: Path) -> list[str]:
    path = tmp_path / "long_cell.csv"
    path.write_text(MAP_HEADER.rstrip("\n") + ",evidence\nResidents,Into work,1,1,10,2020," + "x" * 200_000 + "\n")
    return ["value", str(path), "--investment", "1000"]


def _duration(tmp_path: Path) -> list[str]:
    path = tmp_path / "duration.csv"
    path.write_text(MAP_HEADER + "Residents,Into work,1,100000000,10,2020\n")
    return ["value", str(path), "--investment", "1000", "--json"]


def _commas(tmp_path: Path) -> list[str]:
    path = tmp_path / "commas.csv"
    path.write_text(MAP_HEADER + "," * (40 * 1024 * 1024) + "\n")
    return ["value", str(path), "--investment", "1000"]


def _line_years(tmp_path: Path) -> list[str]:
    path = tmp_path / "line_years.csv"
    path.write_text(MAP_HEADER + "Residents,Into work,1,300,10,2020\n" * 3_334)  # 1,000,200 line-years
    return ["value", str(path), "--investment", "1000", "--json"]


def _alias_bomb(tmp_path: Path) -> list[str]:
    path = tmp_path / "framework.yaml"
    lines = ["name: bomb", "title: Alias bomb", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append("groups: {Everything: *a8}")
    path.write_text("\n".join(lines) + "\n")
    return ["value", str(ROOT / "data" / "examples" / "worked_check" / "impact_map.csv"), "--investment", "1000",
            "--framework", str(path)]


def _zip_bomb(tmp_path: Path) -> list[str]:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b" " * (1024 * 1024)
            for _ in range(300):
                part.write(block)
    return ["value", str(path), "--investment", "1000"]


def _shared_strings(tmp_path: Path) -> list[str]:
    """A workbook whose shared strings (held in memory whole by openpyxl) would unpack to 40 MB."""
    path = tmp_path / "strings.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                         'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                         '</Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
        with archive.open("xl/sharedStrings.xml", "w") as part:
            chunk = b"".join(b"<si><t>%d</t></si>" % i for i in range(100_000))
            for _ in range(22):
                part.write(chunk)
    return ["value", str(path), "--investment", "1000"]


def _sixty_mb(tmp_path: Path) -> list[str]:
    path = tmp_path / "sixty_mb.csv"
    with open(path, "wb") as fh:
        fh.write(MAP_HEADER.encode())
        fh.truncate(60 * 1024 * 1024)
    return ["value", str(path), "--investment", "1000"]


LARGE = {
    "two-million-lines": (_rows_2m, ["more than 100,000 rows"]),
    "two-million-blank-lines": (_blank_lines_2m, ["more than 1,048,576 lines, blank lines included",
                                                  "Remove the blank lines"]),
    "cell-of-200000-characters": (_cell_200k, ["200,000 characters", "32,767"]),
    "a-line-of-40-million-commas": (_commas, ["line 2", "commas"]),
    "duration-100000000": (_duration, ["above 300"]),
    "over-a-million-line-years": (_line_years, ["1,000,200 years in all", "1,000,000"]),
    "yaml-alias-bomb": (_alias_bomb, ["100,000 values"]),
    "zip-bomb": (_zip_bomb, ["would unpack to 300 MB"]),
    "huge-shared-strings": (_shared_strings, ["sharedStrings.xml", "32 MB"]),
    "sixty-mb-file": (_sixty_mb, ["60 MB", "larger than the 50 MB"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(LARGE))
def test_large_input_is_refused_in_bounded_memory(name, tmp_path):
    make, messages = LARGE[name]
    argv = make(tmp_path)
    code, output = run_subprocess(argv)
    check(code, output, exit_code=2, messages=messages, what=name)
