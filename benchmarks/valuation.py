"""Benchmark: the vectorised valuation engine against a per-line Python loop.

Values a synthetic impact map of 200,000 lines (durations 1–10 years, start
years 1–3, every adjustment set, price years across the deflator series) with
``sroi_lib.core.valuation.value`` and with a plain loop of the same formulas, the
way a spreadsheet computes line by line. Checks that both give the same totals,
then times ``sroi value`` end to end (process start-up included) on a 50-line
map.

Run:  .venv/bin/python benchmarks/valuation.py [--lines 200000]
Record the figures in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sroi_lib.core.discounting import schedule
from sroi_lib.core.prices import load_deflators
from sroi_lib.core.valuation import value


def synthetic_map(n: int, seed: int = 20261124) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "row": np.arange(2, n + 2),
        "stakeholder": rng.choice(["Residents", "Tenants", "NHS", "Council", "Employers"], n),
        "outcome": rng.choice([f"Outcome {i}" for i in range(40)], n),
        "quantity": rng.integers(1, 500, n).astype(float),
        "value": rng.uniform(10, 20_000, n).round(2),
        "price_year": rng.integers(1990, 2025, n),
        "duration": rng.integers(1, 11, n),
        "start_year": rng.integers(1, 4, n),
        "deadweight": rng.choice([0, 0.25, 0.5, 0.75], n),
        "displacement": rng.choice([0, 0.1, 0.25], n),
        "attribution": rng.choice([0, 0.25, 0.5], n),
        "drop_off": rng.uniform(0, 0.5, n).round(3),
        "value_type": rng.choice(["fiscal", "economic", "social"], n),
        "theme": rng.choice(["health and care", "employment and skills", "environment and carbon"], n),
    })


def loop_valuation(m: pd.DataFrame, investment: float, price_year: int) -> tuple[float, float]:
    """The same formulas, one line and one year at a time (a spreadsheet's way)."""
    d = load_deflators()
    gb = schedule("green-book")
    index = {y: d.at(y) for y in range(d.first_year, d.last_year + 1)}
    rates = {k: float(gb.rates([k])[0]) for k in range(1, 20)}
    total_pv = 0.0
    annual = 0.0
    for r in m.itertuples(index=False):
        v = r.value * index[price_year] / index[int(r.price_year)]
        impact = r.quantity * v * (1 - r.deadweight) * (1 - r.displacement) * (1 - r.attribution)
        annual += impact
        for t in range(r.start_year, r.start_year + r.duration):
            df = 1.0
            for k in range(1, t + 1):
                df /= 1 + rates[k]
            total_pv += impact * (1 - r.drop_off) ** (t - r.start_year) * df
    return total_pv, total_pv / investment


def best_of(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def cli_timing(repeat: int = 7) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "map.csv"
        m = synthetic_map(50, seed=1).drop(columns=["row"])
        m.to_csv(path, index=False)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "sroi_lib.cli", "value", str(path), "--investment", "100000"],
                           check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200_000)
    args = ap.parse_args()
    n = args.lines
    m = synthetic_map(n)
    investment = 1e9

    engine_s, v = best_of(lambda: value(m, investment, price_year=2024, discounting="green-book"), 5)
    loop_s, (loop_pv, loop_ratio) = best_of(lambda: loop_valuation(m, investment, 2024), 3)
    assert np.isclose(v.present_value, loop_pv, rtol=1e-9), (v.present_value, loop_pv)
    assert np.isclose(v.sroi_ratio, loop_ratio, rtol=1e-9)

    cli = cli_timing()
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"numpy {np.__version__}, pandas {pd.__version__}")
    print(f"lines: {n:,}; line-years: {int(m['duration'].sum()):,}")
    print(f"engine (sroi_lib.core.valuation.value, best of 5): {engine_s:.3f} s = {n / engine_s:,.0f} lines/s")
    print(f"per-line Python loop (best of 3):          {loop_s:.3f} s = {n / loop_s:,.0f} lines/s")
    print(f"speed-up: {loop_s / engine_s:.0f}x (target 50x or more)")
    print(f"totals agree: PV £{v.present_value:,.2f} (engine) vs £{loop_pv:,.2f} (loop)")
    print(f"sroi value on a 50-line map, end to end: median {statistics.median(cli):.3f} s, "
          f"min {min(cli):.3f} s, max {max(cli):.3f} s over {len(cli)} runs (target under 1 s)")


if __name__ == "__main__":
    main()
