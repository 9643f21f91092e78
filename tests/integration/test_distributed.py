"""sroi batch --scheduler: the example contracts' reports on a real Dask cluster started here, on 127.0.0.1.

Each cluster is a scheduler and worker processes started by the test (``python -m dask scheduler`` and
``python -m dask worker --no-nanny``: a worker is one process, so killing its pid kills the worker), stopped
when the test ends. No external service.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from sroi_lib.reports.folder import MANIFEST_FILE, STAGING_DIR, scan_reports
from tests.conftest import ROOT, run_sroi

PARAMS = ROOT / "parameters"
START_TIMEOUT = 60  # seconds for the scheduler and its workers to come up
BATCH_TIMEOUT = 600
# The scheduler's Active Memory Manager drops the copies of data it thinks no task needs, every 2 s by default; here
# every 50 ms, so that a test whose worker dies after it has run would lose anything sent as scattered data (which the
# cluster cannot make again), as a long batch on a real cluster would.
AMM_OFTEN = {"DASK_DISTRIBUTED__SCHEDULER__ACTIVE_MEMORY_MANAGER__INTERVAL": "50ms"}


def _env(**extra) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "PYTHONWARNINGS": "ignore", **extra}
    return env


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def cluster(tmp_path: Path, workers: list[dict]):
    """A scheduler and one worker process per item of ``workers`` (extra environment for that worker); yields
    ``(address, {worker address: Popen})``."""
    scheduler_file = tmp_path / "scheduler.json"
    logs = tmp_path / "cluster-logs"
    logs.mkdir(exist_ok=True)
    procs = []

    def start(args, name, extra=None):
        with open(logs / f"{name}.log", "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=ROOT, stdout=log,
                                    stderr=subprocess.STDOUT, env=_env(**(extra or {})))
        proc.extra_env = extra or {}
        procs.append(proc)
        return proc

    try:
        start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file",
               str(scheduler_file)], "scheduler", AMM_OFTEN)
        def written():
            with contextlib.suppress(OSError, ValueError, KeyError):
                return json.loads(scheduler_file.read_text())["address"]

        address = _wait_for(written, START_TIMEOUT, "the scheduler")
        pids = {}
        for i, extra in enumerate(workers):
            proc = start(["worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                          "--no-dashboard", "--name", f"w{i}"], f"worker{i}", extra)
            pids[proc.pid] = proc
        from distributed import Client

        with Client(address, timeout=START_TIMEOUT) as client:
            client.wait_for_workers(len(workers), timeout=START_TIMEOUT)
            by_pid = client.run(os.getpid)  # worker address -> its pid
        yield address, {addr: pids[pid] for addr, pid in by_pid.items()}
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _summary(stdout: str, out: Path) -> list[str]:
    """The batch's summary without its timings and with the output folder named OUT."""
    text = stdout.replace(str(out), "OUT")
    return [re.sub(r"\(\d+\.\d s\)", "(N s)", line) for line in text.splitlines()]


def _staging_owner_pids(out: Path) -> set[int]:
    pids = set()
    for entry in (out / STAGING_DIR).glob("*"):
        with contextlib.suppress(OSError, ValueError, KeyError):
            pids.add(int(json.loads((entry / "owner.json").read_text())["pid"]))
    return pids


@pytest.mark.slow
def test_a_batch_on_a_cluster_survives_a_killed_worker_and_matches_the_local_batch(tmp_path):
    local_out, cluster_out = tmp_path / "local", tmp_path / "cluster"
    local = run_sroi("batch", PARAMS, "--out", local_out, "--workers", "2", cwd=ROOT)
    assert local.returncode == 0, local.stdout + local.stderr
    temps = [tmp_path / "worker0-tmp", tmp_path / "worker1-tmp"]  # each worker's temporary folder
    for t in temps:
        t.mkdir()
    with cluster(tmp_path, [{"TMPDIR": str(t)} for t in temps]) as (address, workers):
        batch = subprocess.Popen([sys.executable, "-m", "sroi_lib.cli", "batch", str(PARAMS), "--out",
                                  str(cluster_out), "--scheduler", address], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=_env())
        try:
            busy = lambda: {pid for t in temps for pid in _staging_owner_pids(t / "sroi-worker")}  # noqa: E731
            # The contracts are shared between the workers: both make a report at once (each has a staging folder
            # in its own temporary folder, owned by its pid), before the batch ends.
            both = _wait_for(lambda: "ended" if batch.poll() is not None else len(busy()) == 2, BATCH_TIMEOUT,
                             "both workers making a report")
            assert both is True, "the batch ended before both workers had made a report at once"
            # Once a first report is complete, kill a worker while it is making a report.
            _wait_for(lambda: scan_reports(cluster_out).folders, BATCH_TIMEOUT, "a first report")
            victim_address, victim = _wait_for(
                lambda: next(((a, p) for a, p in workers.items() if p.pid in busy()), None),
                BATCH_TIMEOUT, "a worker making a report")
            victim.send_signal(signal.SIGKILL)
            victim.wait(30)
            stdout, stderr = batch.communicate(timeout=BATCH_TIMEOUT)
        finally:
            if batch.poll() is None:
                batch.kill()
                batch.wait()
        survivor = next(p for a, p in workers.items() if a != victim_address)
        assert survivor.poll() is None  # the other worker ran the killed worker's contract
    assert batch.returncode == local.returncode == 0, stdout + stderr
    assert _summary(stdout, cluster_out) == _summary(local.stdout, local_out)
    assert "5 of 5 contracts done" in stdout
    ids = sorted(p.stem for p in PARAMS.glob("*.yaml"))
    assert sorted(p.name for p in scan_reports(cluster_out).folders) == ids
    assert not (cluster_out / STAGING_DIR).exists()  # nothing half-written reached the output folder
    # and the notebook kernel the killed worker had started is gone (its connection file was in its staging folder)
    assert [p.info["cmdline"] for p in psutil.process_iter(["cmdline"])
            if any(str(t) in part for t in temps for part in (p.info["cmdline"] or []))] == []
    assert sorted(p.name for p in cluster_out.iterdir()) == ids  # and nothing else was left
    for folder in sorted(cluster_out.iterdir()):
        assert (folder / MANIFEST_FILE).is_file()
        audit = run_sroi("audit", folder, cwd=ROOT)
        assert audit.returncode == 0 and audit.stdout.startswith("VERIFIED"), audit.stdout + audit.stderr


@pytest.mark.slow
def test_a_worker_that_sees_another_data_folder_is_named_and_nothing_runs(tmp_path):
    other_data = tmp_path / "other-data"
    shutil.copytree(ROOT / "data", other_data)
    changed = other_data / "proxies" / "health_and_care.csv"
    changed.write_bytes(changed.read_bytes() + b"\n")
    out = tmp_path / "out"
    with cluster(tmp_path, [{}, {"SROI_DATA_DIR": str(other_data)}]) as (address, workers):
        result = run_sroi("batch", PARAMS, "--out", out, "--scheduler", address, cwd=ROOT)
    odd = next(a for a, proc in workers.items() if proc.extra_env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert (f"the worker {odd} sees a different proxies/health_and_care.csv in sroi's data folder"
            in result.stderr), result.stderr
    assert result.stderr.count("the worker ") == 1  # the other worker agrees with this computer
    assert scan_reports(out).folders == [] and not (out / STAGING_DIR).exists()


@pytest.mark.slow
def test_a_contract_whose_workers_die_twice_is_reported_failed_and_not_run_again(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    shutil.copy(PARAMS / "lcc-school-catering.yaml", params)  # its files beside it, named relative to it
    shutil.copytree(ROOT / "data/examples/lcc-school-catering", tmp_path / "data/examples/lcc-school-catering")
    out = tmp_path / "out"

    def die_in_every_run():  # sent by value to each worker: its next contract kills it, after the cluster has
        import importlib  # had time to drop the copies of data it thinks no task needs (AMM_OFTEN)
        import os
        import time

        importlib.import_module("sroi_lib.reports.distributed").run_job = (
            lambda *args, **kw: (time.sleep(0.5), os._exit(1)))

    with cluster(tmp_path, [{}, {}, {}]) as (address, workers):
        from distributed import Client

        with Client(address, timeout=START_TIMEOUT) as client:
            client.run(die_in_every_run)
        result = run_sroi("batch", params, "--out", out, "--scheduler", address, cwd=ROOT)
        alive = [proc for proc in workers.values() if proc.poll() is None]
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 of 1 contracts done" in result.stdout
    assert (f"failed  {params / 'lcc-school-catering.yaml'}: the workers running it stopped 2 times before it "
            "finished") in result.stdout
    assert len(alive) == 1  # two workers died running it; the third refused to start it a third time
    assert scan_reports(out).folders == [] and not (out / STAGING_DIR).exists()


@pytest.mark.slow
def test_what_a_run_shares_survives_the_death_of_the_worker_holding_its_one_copy(tmp_path):
    from distributed import Client, wait

    from sroi_lib.reports.distributed import kept

    with cluster(tmp_path, [{}, {}]) as (address, workers), Client(address, timeout=START_TIMEOUT) as client:
        shared, = kept(client, [{"contract": "lcc-school-catering"}], ["shared-by-a-run"])
        wait(shared)
        time.sleep(0.5)  # the cluster's memory manager has run (AMM_OFTEN): one copy is kept
        holders = client.who_has(shared)[shared.key]
        assert len(holders) == 1
        workers[holders[0]].send_signal(signal.SIGKILL)
        workers[holders[0]].wait(30)
        # a task needing it still runs: the scheduler made it again on the other worker
        assert client.submit(lambda d: d["contract"], shared, pure=False).result(timeout=60) == "lcc-school-catering"


def test_a_batch_without_a_scheduler_never_imports_dask(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    probe = ("import sys; from sroi_lib.cli import main; code = main(['batch', sys.argv[1], '--out', sys.argv[2]]); "
             "print(code, sorted(m for m in ('dask', 'distributed', 'sroi_lib.reports.distributed', "
             "'sroi_lib.reports.runner') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe, str(empty), str(tmp_path / "out")], capture_output=True,
                            text=True, cwd=ROOT, env=_env())
    assert result.stdout.split("\n")[-2] == "2 ['sroi_lib.reports.runner']", result.stdout + result.stderr
