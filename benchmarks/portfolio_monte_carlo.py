"""Benchmark: a portfolio Monte Carlo of 10,000,000 line-draws, here and on a Dask cluster, with identical results.

A synthetic portfolio of 40 contracts made from the shipped examples (each example's parameters copied 8 times
under its own contract_id into a temporary folder, the examples' data files copied beside them so the relative
paths hold), read and valued once here, then its draws valued:

* locally, in this process, one chunk after another;
* on a ``dask.distributed.LocalCluster`` of 2 worker processes of 1 thread each, one task per contract and chunk.

Enough draws that lines × draws reaches 10,000,000. The per-kind draws of the two runs are compared with
``np.array_equal`` (and the whole JSON summary with ``==``); the script prints "identical: yes" when they agree and
exits 1 otherwise. Times are wall-clock, for information only.

Run:  PYTHONPATH=. .venv/bin/python benchmarks/portfolio_monte_carlo.py [--copies 8] [--line-draws 10000000]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sroi_lib.core.uncertainty import DEFAULT_CHUNK
from sroi_lib.reports.portfolio_uncertainty import load_contracts, portfolio_range
from synthetic import synthetic_portfolio


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=8, help="copies of each of the 5 examples (default 8: 40 contracts)")
    ap.add_argument("--line-draws", type=int, default=10_000_000)
    ap.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sroi-pmc-") as tmp:
        folder = synthetic_portfolio(Path(tmp), args.copies)
        t0 = time.perf_counter()
        contracts = load_contracts(folder)
        load = time.perf_counter() - t0
        lines = sum(c.model.lines for c in contracts)
        draws = math.ceil(args.line_draws / lines)
        kinds = sorted({c.kind for c in contracts})
        print(f"{len(contracts)} contracts of {len(kinds)} kinds ({', '.join(kinds)}), read and valued in {load:.1f} s")
        print(f"{lines} lines × {draws:,} draws = {lines * draws:,} line-draws; chunks of {args.chunk_size:,} draws")

        t0 = time.perf_counter()
        local = portfolio_range(contracts, draws=draws, chunk_size=args.chunk_size)
        here = time.perf_counter() - t0
        print(f"local (this process):              {here:6.2f} s  = {lines * draws / here / 1e6:5.2f} million "
              "line-draws/s")

        from dask.distributed import Client, LocalCluster

        t0 = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            start = time.perf_counter() - t0
            t0 = time.perf_counter()
            remote = portfolio_range(contracts, draws=draws, chunk_size=args.chunk_size, client=client)
            there = time.perf_counter() - t0
        tasks = sum(math.ceil(draws / args.chunk_size) for _ in contracts)
        print(f"LocalCluster, 2 workers × 1 thread: {there:6.2f} s  = {lines * draws / there / 1e6:5.2f} million "
              f"line-draws/s ({tasks:,} tasks; cluster started in {start:.1f} s, not counted)")

        identical = all(np.array_equal(a, b) for k in kinds
                        for a, b in zip(local.kind_draws(k), remote.kind_draws(k))) and local.to_dict() == remote.to_dict()
        for k in kinds:
            s = local.kind_monte_carlo(k).summary()
            print(f"  {k}: ratio p5 {s['p5']:.4f}, p50 {s['p50']:.4f}, p95 {s['p95']:.4f}, mean {s['mean']:.4f}, "
                  f"below 1 in {s['prob_below_1']:.2%} of draws")
        print(f"identical: {'yes' if identical else 'NO'}")
        return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
