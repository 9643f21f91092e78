"""Benchmark: who benefits for a 200,000-line portfolio placed by LSOA, against its plain valuation.

A synthetic portfolio of 200,000 outcome lines (the valuation benchmark's lines), each given an LSOA code of
England drawn from the shipped IoD2025 table, a tenth of them a ward name instead, and a tenth no place. Times:

* the plain valuation of the lines (``sroi_lib.core.valuation.value``);
* who benefits on the valued lines (``sroi_lib.core.who_benefits.who_benefits``: the lookup join, the ward
  profiles, the grouping by decile, ward and income quintile, the shares, the concentration index and the
  distributional weights at three values of eta), with the lookup already loaded, as in a batch;
* loading the lookup itself once (reading the 33,755-row table), reported apart.

Target (the issue): the breakdowns cost under 2x the plain valuation, i.e. (valuation + breakdowns) / valuation
under 2. Checks the decile shares add to one with the unknown share.

Run:  .venv/bin/python benchmarks/who_benefits.py [--lines 200000] [--repeat 5]
Record the figures in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from valuation import synthetic_map  # noqa: E402

from sroi_lib.core.valuation import investment_inputs, value  # noqa: E402
from sroi_lib.core.who_benefits import _shipped, load_lookup, who_benefits  # noqa: E402
from sroi_lib.paths import reference_file  # noqa: E402


def placed_map(n: int, seed: int = 20261130):
    lookup = load_lookup()
    rng = np.random.default_rng(seed)
    m = synthetic_map(n)
    codes = lookup.areas.index.to_numpy(dtype=object)
    leeds_wards = sorted(set(lookup.areas.loc[lookup.areas["district_code"] == "E08000035", "ward_name"]))
    kind = rng.choice(["lsoa", "ward", "none"], n, p=[0.8, 0.1, 0.1])
    m["lsoa"] = np.where(kind == "lsoa", rng.choice(codes, n), "")
    m["ward"] = np.where(kind == "ward", rng.choice(leeds_wards, n), "")
    return m


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    shipped = reference_file("imd2025_lsoa.csv")
    t = time.perf_counter()
    _shipped.cache_clear()
    lookup = load_lookup()
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    lookup.wards  # the ward profiles, made once per lookup
    profiles_s = time.perf_counter() - t
    m = placed_map(args.lines)
    inputs = investment_inputs(1_000_000.0)
    plain, breakdowns = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        v = value(m, inputs, price_year=2024)
        plain.append(time.perf_counter() - t)
        t = time.perf_counter()
        who = who_benefits(v, lookup=lookup, area="Leeds")
        breakdowns.append(time.perf_counter() - t)
    shares = who.by_imd_decile["share"].sum()
    assert abs(shares - 1) < 1e-9, shares
    p, b = statistics.median(plain), statistics.median(breakdowns)
    print(f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}; "
          f"{args.lines:,} lines (80% by LSOA, 10% by ward, 10% no place); median of {args.repeat}")
    print(f"lookup read once ({shipped.name}, 33,755 LSOAs): {load_s:.2f} s; ward profiles once: {profiles_s:.2f} s")
    print(f"plain valuation: {p:.3f} s")
    print(f"who benefits (join, grouping, shares, weights at 3 etas): {b:.3f} s")
    print(f"(valuation + who benefits) / valuation: {(p + b) / p:.2f}x (target under 2x)")
    print(f"share in decile 1: {who.share_most_deprived_10:.3f}; unknown: {who.share_unknown:.3f}; "
          f"weighted ratio {who.distributional['weighted_sroi_ratio']:.2f} vs {v.sroi_ratio:.2f}")

    end_to_end(m.iloc[:100_000])  # a table holds at most 100,000 rows (docs/limits.md)


def end_to_end(m) -> None:
    """From the file, as `sroi value` reads it (at most 100,000 lines, the most one table holds): the same lines as a CSV with and without the place columns, read,
    checked and valued by value_files (what the command runs), in a fresh process each, median of 3."""
    import subprocess
    import tempfile

    code = ("import sys, time; t = time.perf_counter(); from sroi_lib.reports.contract import value_files; "
            "value_files(sys.argv[1], investment=1000000); print(time.perf_counter() - t)")
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, frame in (("plain", m.drop(columns=["lsoa", "ward"])), ("with places", m)):
            path = Path(tmp) / f"{label.replace(' ', '_')}.csv"
            frame.drop(columns="row").to_csv(path, index=False)
            runs = [float(subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                                         check=True).stdout) for _ in range(3)]
            times[label] = statistics.median(runs)
    print(f"{len(m):,} lines from a CSV, read, checked and valued (value_files, fresh process): plain {times['plain']:.2f} s, "
          f"with places and who benefits {times['with places']:.2f} s: "
          f"{times['with places'] / times['plain']:.2f}x (target under 2x)")


if __name__ == "__main__":
    main()
