"""sroi sensitivity FOLDER on a real Dask cluster started here on 127.0.0.1 (a scheduler and worker processes, as
tests/integration/test_distributed.py starts them): the examples' portfolio draws identical locally, on one worker,
on two, for any chunk size; a worker killed mid-run changes nothing; the command's JSON is the same with
--scheduler as without."""

from __future__ import annotations

import json
import signal
import threading
import time

import numpy as np
import pytest

from sroi_lib.reports.portfolio_uncertainty import load_contracts, portfolio_draws, portfolio_range
from tests.conftest import ROOT, run_sroi
from tests.integration.test_distributed import START_TIMEOUT, _wait_for, cluster

PARAMS = ROOT / "parameters"
RUN_TIMEOUT = 600


@pytest.fixture(scope="module")
def contracts():
    return load_contracts(PARAMS)


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k][0], b[k][0]) and np.array_equal(a[k][1], b[k][1])
                                        for k in a)


@pytest.mark.slow
def test_local_one_worker_two_workers_and_any_chunk_size_give_identical_draws(tmp_path, contracts):
    from distributed import Client

    local = portfolio_draws(contracts, draws=10_000, chunk_size=1000)
    local_summary = portfolio_range(contracts, draws=10_000).to_dict()
    for n in (1, 2):
        (tmp_path / f"n{n}").mkdir()
        with cluster(tmp_path / f"n{n}", [{}] * n) as (address, _), Client(address, timeout=START_TIMEOUT) as client:
            for chunk in (1000, 333):
                remote = portfolio_draws(contracts, draws=10_000, chunk_size=chunk, client=client)
                assert same(remote, local), (n, chunk)
            summary = portfolio_range(contracts, draws=10_000, client=client).to_dict()
            assert summary == local_summary


@pytest.mark.slow
def test_a_worker_killed_mid_run_leaves_the_portfolio_unchanged(tmp_path, contracts):
    from distributed import Client

    draws, chunk = 300_000, 1000  # 1,500 tasks: the run is still going when a worker dies
    local = portfolio_range(contracts, draws=draws, chunk_size=chunk)
    with cluster(tmp_path, [{}, {}]) as (address, workers), Client(address, timeout=START_TIMEOUT) as client, \
            Client(address, timeout=START_TIMEOUT) as watcher:
        got, failed = {}, []

        def run():
            try:
                got["result"] = portfolio_range(contracts, draws=draws, chunk_size=chunk, client=client)
            except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
                failed.append(exc)

        thread = threading.Thread(target=run)
        thread.start()
        victim_address = _wait_for(lambda: next((a for a, keys in watcher.processing().items()
                                                 if any("sroi-portfolio" in str(k) for k in keys)), None),
                                   RUN_TIMEOUT, "a worker valuing a chunk")
        victim = workers[victim_address]
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
        thread.join(RUN_TIMEOUT)
        survivor = next(p for a, p in workers.items() if a != victim_address)
        assert survivor.poll() is None
    assert not failed, failed
    result = got["result"]
    for kind in local.kinds:
        assert all(np.array_equal(x, y) for x, y in zip(result.kind_draws(kind), local.kind_draws(kind)))
    assert result.to_dict() == local.to_dict()


@pytest.mark.slow
def test_the_command_with_a_scheduler_prints_the_same_json(tmp_path):
    here = run_sroi("sensitivity", PARAMS, "--json", "--draws", "5000", cwd=ROOT)
    assert here.returncode == 0, here.stderr
    with cluster(tmp_path, [{}, {}]) as (address, _):
        there = run_sroi("sensitivity", PARAMS, "--json", "--draws", "5000", "--scheduler", address, cwd=ROOT)
        text = run_sroi("sensitivity", PARAMS, "--draws", "5000", "--scheduler", address, cwd=ROOT)
    assert there.returncode == 0, there.stderr
    assert json.loads(there.stdout) == json.loads(here.stdout)
    assert text.returncode == 0 and "5 contracts of 2 kinds" in text.stdout
