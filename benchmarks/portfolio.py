"""Benchmark: the portfolio over 5,000 synthetic contract results.

Writes 5,000 report folders, each with a results.json in the shape `sroi run`
writes (6 outcome lines, tracking figures for most), then times
`load_portfolio` (read and tabulate every file, and group by pillar) and a
filter change as the dashboard makes it (filter, then headline, value by
pillar, the delivery gap and the best and worst contracts).
Targets: load and aggregate under 2 s; a filter change under 300 ms.

Run:  .venv/bin/python benchmarks/portfolio.py
"""

from __future__ import annotations

import hashlib
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from sroi_lib.reports.portfolio import load_portfolio

THEMES = ["health and care", "employment and skills", "environment and carbon", "housing and homelessness",
          "crime and community safety", "education and young people", "volunteering and community"]
DIRECTORATES = ["Adults and Health", "Children and Families", "City Development", "Communities, Housing and Environment"]
WARDS = ["Armley", "Beeston and Holbeck", "Burmantofts and Richmond Hill", "Gipton and Harehills", "Hunslet and Riverside"]


def write_results(folder: Path, n: int, seed: int = 11) -> None:
    rng = np.random.default_rng(seed)
    for i in range(n):
        pvs = rng.uniform(1e3, 5e5, 6)
        inputs = float(rng.uniform(1e5, 2e6))
        tracked = rng.random() < 0.8
        committed = float(rng.uniform(1e4, 5e5))
        r = {
            "contract": {"contract_id": f"c{i:05d}", "title": f"Contract {i}", "supplier": f"Supplier {i % 300}",
                         "directorate": DIRECTORATES[i % 4], "analysis_type": "forecast" if i % 3 else "evaluation",
                         "illustrative": True},
            "present_value": float(pvs.sum()), "total_inputs": inputs, "sroi_ratio": float(pvs.sum()) / inputs,
            "npv": float(pvs.sum()) - inputs,
            "lines": [{"stakeholder": "Residents", "outcome": f"Outcome {k}", "theme": THEMES[(i + k) % 7],
                       "ward": WARDS[(i * k) % 5], "value_type": "social", "present_value": float(pv)}
                      for k, pv in enumerate(pvs)],
            "contract_period": {"start": f"{2022 + i % 4}-Q{1 + i % 4}", "end": "2028-Q1"},
            "tracking": {"rag": ["red", "amber", "green"][i % 3], "value_committed_to_date": committed,
                         "value_delivered_to_date": committed * float(rng.uniform(0.5, 1.2)),
                         "value_forecast_to_end": committed * 3, "value_committed_total": committed * 4}
            if tracked else None,
        }
        d = folder / f"c{i:05d}"
        d.mkdir()
        files = {"results.json": json.dumps(r), "lines.csv": "stakeholder,outcome\n", "report.html": "<html></html>",
                 "report.ipynb": "{}"}
        for name, text in files.items():
            (d / name).write_text(text)
        manifest = {"contract_id": f"c{i:05d}", "parameters": {},
                    "inputs": {"parameters": {"path": f"parameters/c{i:05d}.yaml", "sha256": "0" * 64}},
                    "outputs": {name: hashlib.sha256(text.encode()).hexdigest() for name, text in files.items()}}
        (d / "manifest.json").write_text(json.dumps(manifest))


def dashboard_step(p, **filters):
    view = p.filter(**filters)
    return view.headline(), view.by("pillar"), view.gap(), view.ranked(5)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_results(folder, 5000)
        loads = []
        for _ in range(3):
            t0 = time.perf_counter()
            p = load_portfolio(folder)
            p.by("pillar")
            loads.append(time.perf_counter() - t0)
    changes = []
    for filters in ({"directorate": "Adults and Health"}, {"pillar": "Zero carbon"}, {"rag": "red"},
                    {"year": 2024, "directorate": "City Development"}, {"supplier": "Supplier 7"}, {}):
        t0 = time.perf_counter()
        dashboard_step(p, **filters)
        changes.append(time.perf_counter() - t0)
    print(f"contracts: {len(p.contracts):,}; outcome lines: {len(p.lines):,}")
    print(f"load and aggregate: median {statistics.median(loads):.2f} s, best {min(loads):.2f} s (target under 2 s)")
    print(f"filter change (filter, headline, by pillar, gap, best and worst): median "
          f"{statistics.median(changes) * 1000:.0f} ms, worst {max(changes) * 1000:.0f} ms (target under 300 ms)")


if __name__ == "__main__":
    main()
