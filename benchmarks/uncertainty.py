"""Benchmark: Monte Carlo over a 1,000-line portfolio, and one-way sensitivity plus tipping points.

Builds a synthetic 1,000-line map (the valuation benchmark's generator: durations 1–10 years, start years 1–3,
every adjustment set), values it once, then:

1. Monte Carlo: 10,000 draws with a triangular quantity and a uniform deadweight on every line (2,000
   uncertain assumptions, 10 million line-draws), with ``sroi_lib.core.uncertainty.monte_carlo``.
2. Its floors:
   a. one vectorised valuation of the same 1,000 lines (``Model.present_value``, the Green Book schedule's
      closed form), timed once and multiplied by the number of draws: what valuing draw by draw would cost;
   b. a NumPy-only hand-vectorised reference: the same draws (the same uniform numbers and inverse CDFs) and
      the same PV formula written directly over a (draws × lines) array at the flat 3.5% rate that the
      Green Book schedule has in years 1–30 (every line here ends by year 12), with no sroi code in the loop.
   Both must give the same totals as the engine (the reference to 1e-9, since its flat-rate series sums
   in another order).
3. One-way sensitivity plus tipping points for the same 1,000-line map.

Run:  .venv/bin/python benchmarks/uncertainty.py [--lines 1000] [--draws 10000]
Record the figures in benchmarks/README.md. Targets: Monte Carlo within 2× of the floor and under 5 s;
one-way sensitivity plus tipping points under 1 s.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from valuation import synthetic_map  # noqa: E402

from sroi_lib.core.uncertainty import (Distribution, Model, Uncertain, monte_carlo, one_way,  # noqa: E402
                                       tipping_points, uniforms)
from sroi_lib.core.valuation import value  # noqa: E402


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def numpy_reference(model: Model, draws: int, seed: int) -> np.ndarray:
    """The same draws and PV formula over a (draws × lines) array, NumPy only, flat 3.5%."""
    n = model.lines
    pv = np.empty(draws)
    rate = 0.035
    chunk = 1000
    for first in range(0, draws, chunk):
        count = min(chunk, draws - first)
        # the streams monte_carlo uses: the quantity of line i is stream i, its deadweight stream n + i
        u = uniforms(seed, np.arange(n), first, count).T
        a, c, b = 0.5 * model.quantity, model.quantity, 1.5 * model.quantity
        split = (c - a) / (b - a)
        q = np.where(u < split, a + np.sqrt(u * (b - a) * (c - a)), b - np.sqrt((1 - u) * (b - a) * (b - c)))
        dw = 0.05 + uniforms(seed, np.arange(n, 2 * n), first, count).T * (0.6 - 0.05)
        impact = q * model.value * (1 - dw) * (1 - model.displacement) * (1 - model.attribution)
        g = 1 - model.drop_off
        x = g / (1 + rate)
        start, dur = model.start_year, model.duration
        # Σ_{t=s}^{s+D−1} g^(t−s) / (1+r)^t = (1+r)^−s × (1 − x^D) / (1 − x)
        series = (1 + rate) ** (-start.astype(float)) * np.where(np.isclose(x, 1), dur, (1 - x ** dur) / (1 - x))
        pv[first:first + count] = (impact * series).sum(axis=1)
    return pv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=10_000)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}")
    m = synthetic_map(args.lines)
    m["price_year"] = 2024  # every value in analysis prices, so the reference needs no deflator
    v = value(m, 1_000_000.0, price_year=2024, discounting="green-book")
    v = value(m, v.present_value / 3, price_year=2024, discounting="green-book")  # inputs for a ratio of 3 : 1
    model = Model.from_valuation(v)
    n, draws, seed = model.lines, args.draws, 20261130
    uncertain = [Uncertain("quantity", i, Distribution("triangular", low=0.5 * model.quantity[i],
                                                       mode=model.quantity[i], high=1.5 * model.quantity[i]))
                 for i in range(n)]
    uncertain += [Uncertain("deadweight", i, Distribution("uniform", low=0.05, high=0.6)) for i in range(n)]
    print(f"lines: {n:,}; draws: {draws:,}; line-draws: {n * draws:,}; uncertain assumptions: {len(uncertain):,}")

    mc_time, mc = best(lambda: monte_carlo(model, uncertain, draws=draws, seed=seed), 3)
    one_time, _ = best(lambda: model.present_value(), 20)
    floor_a = one_time * draws
    ref_time, ref = best(lambda: numpy_reference(model, draws, seed), 3)
    agree = np.allclose(ref, mc.present_values, rtol=1e-9, atol=0)
    print(f"Monte Carlo (monte_carlo, best of 3): {mc_time:.2f} s = {n * draws / mc_time / 1e6:.1f} million "
          "line-draws/s (target under 5 s)")
    print(f"floor a, one vectorised valuation x draws: {one_time * 1e3:.3f} ms x {draws:,} = {floor_a:.2f} s; "
          f"Monte Carlo / floor a = {mc_time / floor_a:.2f}x (target 2x or less)")
    print(f"floor b, NumPy-only hand-vectorised reference (best of 3): {ref_time:.2f} s; "
          f"Monte Carlo / floor b = {mc_time / ref_time:.2f}x (target 2x or less)")
    print(f"same present values as the reference (to 1e-9): {agree}")
    s = mc.summary()
    print(f"ratio p5 {s['p5']:.4f}, p50 {s['p50']:.4f}, p95 {s['p95']:.4f}; central {v.sroi_ratio:.4f}")

    sens_time, _ = best(lambda: (one_way(model), tipping_points(model)), 3)
    print(f"one-way sensitivity + tipping points, {n:,} lines (best of 3): {sens_time:.2f} s (target under 1 s)")


if __name__ == "__main__":
    main()
