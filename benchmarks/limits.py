"""Benchmark: impact maps at the documented limits, valued by ``sroi value``.

Writes CSV impact maps at the limits of docs/limits.md, with every adjustment
set and inline values: 100,000 lines (the row limit) of 10 years each, and
3,333 lines of 300 years each (the duration limit); both are at the
1,000,000 line-year limit; and the worst case found so far, 100,000 lines of 10
years whose values come from the shipped proxy library (re-priced line by line)
and whose start years run from 1 to 300 (so the year-by-year table spans 309
years). Times ``sroi value`` on each in a real process
(start-up included), with and without ``--json`` (which builds the per-year
table, one row per line-year). Peak memory is the child's maximum resident set size
(``getrusage(RUSAGE_CHILDREN)``); each run is a fresh process, so the figure
is that run's own.

Run:  .venv/bin/python benchmarks/limits.py [--lines 100000] [--duration 300]
Record the figures in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from sroi_lib.io.limits import MAX_DURATION_YEARS, MAX_LINE_YEARS, MAX_START_YEAR, MAX_TABLE_ROWS

HEADER = "stakeholder,outcome,quantity,value,price_year,deadweight,displacement,attribution,drop_off,duration,start_year\n"


def write_map(path: Path, lines: int, duration: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(lines):
            fh.write(f"Stakeholder {i % 50},Outcome {i % 400},{10 + i % 90},{100 + i % 900},{2015 + i % 10},"
                     f"10%,5%,20%,{i % 20}%,{duration},{1 + i % 3 if duration < MAX_DURATION_YEARS else 1}\n")


def write_worst_map(path: Path, lines: int, duration: int) -> None:
    """Proxy values (every shipped proxy that is neither a part of a total, a total with parts on the map, nor a
    variant of another, in turn) and start years 1 to 300. Related proxies are left out so the over-claiming
    guard does not refuse the map (a total with its own part is an error) and the whole valuation is measured."""
    from sroi_lib.proxies.library import shipped_library

    t = shipped_library().table
    related = set(t["part_of"]) | set(t["alternative_of"]) | set(t.loc[t["part_of"] != "", "proxy_id"]) \
        | set(t.loc[t["alternative_of"] != "", "proxy_id"])
    ids = sorted(set(t["proxy_id"]) - related)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("stakeholder,outcome,quantity,proxy_id,deadweight,displacement,attribution,drop_off,duration,"
                 "start_year\n")
        for i in range(lines):
            fh.write(f"Stakeholder {i % 50},Outcome {i % 400},{10 + i % 90},{ids[i % len(ids)]},10%,5%,20%,"
                     f"{i % 20}%,{duration},{1 + i % MAX_START_YEAR}\n")


def run(args: list[str]) -> tuple[float, float, int]:
    """Seconds, peak memory in MB, exit code of one ``sroi`` run in a fresh process (this one waits for it)."""
    script = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
              "r = subprocess.run([sys.executable, '-m', 'sroi_lib.cli', *sys.argv[1:]], stdout=subprocess.DEVNULL); "
              "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    seconds, kb, code = out.stdout.split()
    return float(seconds), int(kb) / 1024, int(code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="*", default=[MAX_TABLE_ROWS, MAX_LINE_YEARS // MAX_DURATION_YEARS])
    parser.add_argument("--duration", type=int, nargs="*", default=[MAX_LINE_YEARS // MAX_TABLE_ROWS,
                                                                    MAX_DURATION_YEARS])
    parser.add_argument("--no-worst", action="store_true", help="leave out the proxy, late-start map")
    args = parser.parse_args()
    maps = [(write_map, lines, duration, "inline values") for lines, duration in zip(args.lines, args.duration)]
    if not args.no_worst:
        maps.append((write_worst_map, MAX_TABLE_ROWS, MAX_LINE_YEARS // MAX_TABLE_ROWS, "proxies, start years 1-300"))
    for write, lines, duration, kind in maps:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "limit_map.csv"
            write(path, lines, duration)
            print(f"map: {lines:,} lines x {duration} years = {lines * duration:,} line-years, {kind}, "
                  f"{path.stat().st_size / 1048576:.1f} MB")
            for extra in ([], ["--json"]):
                seconds, mb, code = run(["value", str(path), "--investment", "1000000", *extra])
                print(f"  sroi value {' '.join(extra) or '(tables)':9s}: exit {code}, {seconds:.1f} s, "
                      f"peak {mb:,.0f} MB")


if __name__ == "__main__":
    main()
