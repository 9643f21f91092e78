"""Benchmark: `sroi run` for one contract against its floor, and batch throughput.

* Floor: papermill executing a notebook that only imports what the report
  notebook's first cell imports (sroi_lib.paths, sroi_lib.reports.contract and
  sroi_lib.views' narrative, plots and tables, so pandas, matplotlib and seaborn),
  with the same kernel. No report can be quicker than that.
* One report: `run_contract` end to end (check inputs, execute the report
  notebook, export HTML, hash everything, move into place). Target: within 1.3×
  the floor.
* Batch: ten contracts (the five examples, each twice under another id) run by
  `sroi batch` in a fresh process, as a user runs it, with 1 and with 2 worker
  processes. Target: 2 workers give at least 1.7× the throughput of 1.

Run:  .venv/bin/python benchmarks/reports.py
Record the figures in benchmarks/README.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

from sroi_lib.reports.runner import DEFAULT_KERNEL, run_contract
from synthetic import synthetic_portfolio

ROOT = Path(__file__).resolve().parent.parent
PARAMS = sorted((ROOT / "parameters").glob("*.yaml"))


def floor_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('params_file = ""\nout_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("from IPython.display import Markdown, display\n"
                                                  "from sroi_lib.paths import data_dir\n"
                                                  "from sroi_lib.reports.contract import load_contract, save_results\n"
                                                  "from sroi_lib.views import narrative, plots, tables")]
    nb.metadata["kernelspec"] = {"name": DEFAULT_KERNEL, "display_name": "Python (sroi)", "language": "python"}
    nbformat.write(nb, str(path))


def best(fn, n=3) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def batch(params: Path, out: Path, workers: int) -> float:
    """`sroi batch` in a fresh process, as a user runs it; returns the wall-clock seconds."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sroi_lib.cli", "batch", str(params), "--out", str(out),
                    "--workers", str(workers)], check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        floor_nb = tmp / "floor.ipynb"
        floor_notebook(floor_nb)
        floor = best(lambda: pm.execute_notebook(str(floor_nb), str(tmp / "floor-out.ipynb"), kernel_name=DEFAULT_KERNEL,
                                                 progress_bar=False, parameters={"params_file": "x"}))
        one = best(lambda: run_contract(PARAMS[0], tmp / "reports"))
        batch_params = synthetic_portfolio(tmp / "batch", 2)  # ten contracts: the five examples twice
        n = len(list(batch_params.glob("*.yaml")))
        one_worker = batch(batch_params, tmp / "b1", 1)
        two_workers = batch(batch_params, tmp / "b2", 2)
    print(f"cores: {os.cpu_count()}")
    print(f"floor (papermill, imports only, best of 3): {floor:.2f} s")
    print(f"one report, {PARAMS[0].stem} (best of 3): {one:.2f} s = {one / floor:.2f}x the floor (target 1.3x or less)")
    print(f"batch of {n}, 1 worker: {one_worker:.1f} s = {n / one_worker * 60:.1f} contracts/min")
    print(f"batch of {n}, 2 workers: {two_workers:.1f} s = {n / two_workers * 60:.1f} contracts/min "
          f"= {one_worker / two_workers:.2f}x the throughput of 1 (target 1.7x or more)")


if __name__ == "__main__":
    main()
