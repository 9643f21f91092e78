"""Write tests/golden/example_contracts.json: the pinned figures of every example contract.

Run it only when a change is meant to move an example's figures, and say in the
commit which figures moved and why:

    .venv/bin/python tests/golden/write_golden.py

The test tests/integration/test_example_figures.py compares every run against
this file (present value, gross benefits and disbenefits, inputs, ratios, NPV, payback and each line's value per
unit, first-year impact and present value), and the Monte Carlo range of each
contract's uncertainty analysis (its percentiles, mean and probability of a ratio
below 1, for the seed and number of draws its parameters give).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sroi_lib.reports.contract import load_contract  # noqa: E402

MONTE_CARLO = ("seed", "draws", "p5", "p50", "p95", "mean", "prob_below_1")
HEADLINE = ("present_value", "gross_benefits", "gross_disbenefits", "total_inputs", "sroi_ratio", "net_sroi_ratio",
            "npv", "payback_months", "annual_impact", "undiscounted_value")
LINE = ("row", "stakeholder", "outcome", "proxy_id", "value_per_unit", "impact", "undiscounted_value",
        "present_value")
GOLDEN = Path(__file__).with_name("example_contracts.json")


def figures(params_file: Path) -> dict:
    """The figures pinned for one contract."""
    run = load_contract(params_file)
    v = run.valuation
    s = v.summary()
    mc = run.uncertainty.monte_carlo.summary()
    return {
        **{k: s[k] for k in HEADLINE},
        "price_year": v.price_year,
        "discounting": v.discounting.name,
        "lines": [{k: (int(r[k]) if k == "row" else r[k]) for k in LINE} for r in v.lines.to_dict("records")],
        "monte_carlo": {k: mc[k] for k in MONTE_CARLO},
    }


def main() -> None:
    pinned = {p.stem: figures(p) for p in sorted((ROOT / "parameters").glob("*.yaml"))}
    GOLDEN.write_text(json.dumps(pinned, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(ROOT)}: {', '.join(pinned)}")


if __name__ == "__main__":
    main()
