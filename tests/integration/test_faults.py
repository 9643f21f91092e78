"""Faults: `sroi run` and `sroi batch` killed (SIGKILL) at random but seeded moments, and Ctrl-C.

After each kill: no process of that run is left (its descendants, recorded
before the kill, walked with psutil), no kernel connection file is left in the
Jupyter runtime folder, and the portfolio totals (`sroi portfolio --json`) are
those of the complete reports. A following `sroi batch` cleans the staging folder.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow
SEED = 20261130
CONTRACTS = ["lcc-care-at-home", "lcc-school-catering"]


def sroi_env(runtime: Path) -> dict:
    # Where kernel connection files (with their keys) would go if sroi did not put them in its staging folder:
    # JUPYTER_RUNTIME_DIR, and the temporary folder (jupyter_client's own default is a tmp*.json file there).
    tmp = runtime / "tmp"
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "PYTHONWARNINGS": "ignore", "JUPYTER_RUNTIME_DIR": str(runtime), "TMPDIR": str(tmp)}


def portfolio_headline(reports: Path) -> dict:
    result = subprocess.run([sys.executable, "-m", "sroi_lib.cli", "portfolio", str(reports), "--json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["headline"]


@pytest.fixture
def setup(example_reports, tmp_path):
    """Complete reports for every example (the 'before'), a folder of two contracts to re-run, a runtime folder."""
    reports = tmp_path / "reports"
    shutil.copytree(example_reports, reports)
    params = tmp_path / "params"
    params.mkdir()
    for cid in CONTRACTS:
        text = (ROOT / "parameters" / f"{cid}.yaml").read_text().replace("../data/", str(ROOT / "data") + "/")
        (params / f"{cid}.yaml").write_text(text)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    return reports, params, runtime


def start_and_kill(cmd: list[str], env: dict, delay: float, sig=signal.SIGKILL) -> list[psutil.Process]:
    """Start ``sroi``, record every descendant until ``delay`` seconds have passed, send ``sig`` to it alone."""
    proc = subprocess.Popen([sys.executable, "-m", "sroi_lib.cli", *cmd], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    seen: dict[int, psutil.Process] = {}
    me = psutil.Process(proc.pid)
    seen[proc.pid] = me
    end = time.monotonic() + delay
    while time.monotonic() < end and proc.poll() is None:
        try:
            for child in me.children(recursive=True):
                seen.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    if proc.poll() is None:
        proc.send_signal(sig)
    proc.wait(timeout=60)
    return list(seen.values())


def survivors(processes: list[psutil.Process], within: float = 15.0) -> list[str]:
    """The recorded processes still running after ``within`` seconds (zombies count as gone)."""
    end = time.monotonic() + within
    while True:
        alive = []
        for p in processes:
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{p.pid} {' '.join(p.cmdline())[:120]}")
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.2)


def connection_files(*folders: Path) -> list[Path]:
    """Kernel connection files: ``kernel-*.json`` (sroi's and Jupyter's name) or ``tmp*.json`` (jupyter_client's
    default in the temporary folder)."""
    return [p for folder in folders if folder.exists() for pattern in ("kernel-*.json", "tmp*.json")
            for p in folder.rglob(pattern)]


def test_killed_runs_and_batches_leave_no_process_no_key_and_the_same_totals(setup):
    reports, params, runtime = setup
    before = portfolio_headline(reports)
    assert before["contracts"] >= 5
    rng = random.Random(SEED)
    env = sroi_env(runtime)
    kills = ([("batch", rng.uniform(0.5, 9.0)) for _ in range(3)] + [("run", rng.uniform(0.5, 5.0)) for _ in range(2)])
    for kind, delay in kills:
        cmd = (["batch", str(params), "--out", str(reports), "--workers", "2"] if kind == "batch"
               else ["run", str(params / f"{CONTRACTS[0]}.yaml"), "--out", str(reports)])
        recorded = start_and_kill(cmd, env, delay)
        assert survivors(recorded) == [], f"{kind} killed after {delay:.1f} s left processes running"
        assert connection_files(runtime) == [], f"{kind} killed after {delay:.1f} s left a kernel connection file"
        assert portfolio_headline(reports) == before, f"{kind} killed after {delay:.1f} s changed the totals"
        assert not [p for p in reports.iterdir() if p.name.startswith(".") and p.name != ".sroi-staging"]

    done = subprocess.run([sys.executable, "-m", "sroi_lib.cli", "batch", str(params), "--out", str(reports),
                           "--workers", "2"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (reports / ".sroi-staging").exists()  # stale staging of the killed runs cleaned
    assert connection_files(runtime, reports) == []
    assert portfolio_headline(reports) == before


def test_ctrl_c_stops_a_batch_and_everything_it_started(setup):
    reports, params, runtime = setup
    before = portfolio_headline(reports)
    env = sroi_env(runtime)
    # SIGINT to the batch's whole process group, as Ctrl-C in a terminal does
    proc = subprocess.Popen([sys.executable, "-m", "sroi_lib.cli", "batch", str(params), "--out", str(reports),
                             "--workers", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    me = psutil.Process(proc.pid)
    seen = {proc.pid: me}
    end = time.monotonic() + 3.0
    while time.monotonic() < end and proc.poll() is None:
        for child in me.children(recursive=True):
            seen.setdefault(child.pid, child)
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode in (130, 1, 0), err  # stopped (130), or finished just before the signal
    assert "Traceback" not in err
    assert survivors(list(seen.values())) == []
    assert connection_files(runtime) == []
    assert portfolio_headline(reports) == before
    assert not (reports / ".sroi-staging").exists() or not any((reports / ".sroi-staging").iterdir())


def executed_cells(notebook: Path) -> int:
    """How many cells of a notebook being written by papermill have run (0 while it cannot be read whole)."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return 0
    return sum(1 for c in cells if c.get("execution_count"))


def test_a_run_killed_once_its_kernel_has_answered_leaves_no_key_anywhere(setup):
    """The kernel's connection file is deleted as soon as the kernel has answered, so a run killed after that
    leaves no key on disk: not in the staging folder (before the next run cleans it), the runtime folder or the
    temporary folder."""
    reports, params, runtime = setup
    env = sroi_env(runtime)
    proc = subprocess.Popen([sys.executable, "-m", "sroi_lib.cli", "run", str(params / f"{CONTRACTS[0]}.yaml"),
                             "--out", str(reports)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    me, seen = psutil.Process(proc.pid), {}
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        for child in me.children(recursive=True):
            seen.setdefault(child.pid, child)
        notebooks = list((reports / ".sroi-staging").glob("*/report/report.ipynb"))
        if notebooks and executed_cells(notebooks[0]) >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before a cell of its notebook was seen to run"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert connection_files(runtime, reports) == []
    assert survivors([me, *seen.values()]) == []
