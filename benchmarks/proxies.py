"""Benchmark: loading and searching a 10,000-row proxy library.

Writes a synthetic library of 10,000 proxies (words drawn from the shipped
library's vocabulary, so searches hit realistic postings), then times
``load_library`` (read the CSV, check every row, build the search index) and ``ProxyLibrary.search``
for a set of queries after loading. Targets: load under 1 s; a query under 50 ms.

Run:  .venv/bin/python benchmarks/proxies.py
Record the figures in benchmarks/README.md.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sroi_lib.proxies.library import load_library

WORDS = ("gp appointment hospital admission carbon tonne emissions work employment benefit claimant "
         "homeless household rough sleeping crime burglary violence school exclusion apprenticeship "
         "volunteer hour wellbeing loneliness fall hip fracture ambulance mental health care home "
         "visit family child young person training qualification energy waste landfill recycling").split()
THEMES = ["health and care", "employment and skills", "housing and homelessness", "crime and community safety",
          "environment and carbon", "education and young people", "volunteering and community"]
QUERIES = ["gp appointment", "carbon", "homeless households", "crime", "young people training", "volunteer hours",
           "mental health care", "hip fractures", "employment benefit claimant", "z"]


def synthetic(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)

    def phrase(k):
        return [" ".join(rng.choice(WORDS, k)) for _ in range(n)]

    return pd.DataFrame({
        "proxy_id": [f"bench-{i:05d}" for i in range(n)],
        "name": phrase(4), "outcome": phrase(5), "unit": rng.choice(["per person", "per year", "per tonne"], n),
        "value": rng.uniform(1, 50_000, n).round(2), "price_year": rng.integers(1990, 2025, n),
        "value_type": rng.choice(["fiscal", "economic", "social"], n), "theme": rng.choice(THEMES, n),
        "source": "Synthetic benchmark row", "source_url": "https://example.org/bench",
        "licence": "Synthetic", "notes": "",
    })


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "library.csv"
        synthetic(10_000).to_csv(path, index=False)
        loads = []
        for _ in range(5):
            t0 = time.perf_counter()
            lib = load_library(path)
            loads.append(time.perf_counter() - t0)
        per_query = []
        for q in QUERIES:
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                lib.search(q, limit=20)
                times.append(time.perf_counter() - t0)
            per_query.append(min(times))
    print(f"rows: {len(lib):,}")
    print(f"load (read, check every row, build the search index): median {statistics.median(loads):.3f} s, "
          f"best {min(loads):.3f} s (target under 1 s)")
    print(f"search after loading: median {statistics.median(per_query) * 1000:.1f} ms, "
          f"worst {max(per_query) * 1000:.1f} ms over {len(QUERIES)} queries (target under 50 ms)")


if __name__ == "__main__":
    main()
