"""Benchmark: a batch of 40 reports on the local process pool and on a local Dask cluster.

40 contracts (the five examples, each eight times under another id, with their files copied beside them:
:func:`synthetic.synthetic_portfolio`) run by ``sroi batch``:

* the local pool with 1 worker, and with 2 workers;
* a Dask cluster on this computer (``LocalCluster``: 2 worker processes, 1 thread each), each contract sent by
  value and its report returned by value (``sroi batch --scheduler``).

Throughput is contracts a minute; the cluster's overhead is (cluster time − 2-worker pool time) ÷ pool time
(target under 10%). Every batch writes 40 reports; the script checks their results.json agree.

Run:  .venv/bin/python benchmarks/batch_cluster.py
Record the figures in benchmarks/README.md.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic_portfolio  # noqa: E402

from sroi_lib.reports.distributed import run_batch_on_cluster  # noqa: E402
from sroi_lib.reports.runner import run_batch  # noqa: E402

COPIES = 8


def timed(fn) -> tuple[float, list]:
    t0 = time.perf_counter()
    results = fn()
    return time.perf_counter() - t0, results


def figures(out: Path) -> dict:
    return {p.name: json.loads((p / "results.json").read_text())["sroi_ratio"] for p in sorted(out.iterdir())
            if (p / "results.json").is_file()}


def main() -> None:
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        params = synthetic_portfolio(tmp / "portfolio", COPIES)
        n = len(list(params.glob("*.yaml")))
        one, r1 = timed(lambda: run_batch(params, tmp / "pool1", workers=1, progress=False))
        two, r2 = timed(lambda: run_batch(params, tmp / "pool2", workers=2, progress=False))
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            dask, r3 = timed(lambda: run_batch_on_cluster(params, tmp / "cluster", scheduler=cluster.scheduler_address,
                                                          progress=False))
        done = [sum(status == "done" for _, status, _ in r) for r in (r1, r2, r3)]
        same = figures(tmp / "pool1") == figures(tmp / "pool2") == figures(tmp / "cluster")
    print(f"cores: {os.cpu_count()}; contracts: {n}; done: {done}; the same ratios in all three: {same}")
    for name, t in (("local pool, 1 worker", one), ("local pool, 2 workers", two),
                    ("Dask LocalCluster, 2 workers", dask)):
        print(f"{name}: {t:.1f} s = {n / t * 60:.1f} contracts/min")
    print(f"cluster overhead against the 2-worker pool: {(dask - two) / two:+.1%} (target under 10%)")


if __name__ == "__main__":
    main()
