"""Plain-text and JSON views of the portfolio for ``sroi portfolio``: the dashboard's headline and contracts table.

Only formatting: every figure comes from
:meth:`~sroi_lib.reports.portfolio.Portfolio.headline` and the portfolio's
``contracts`` table, the same ones the dashboard shows (SROI ratio of the
portfolio = Σ present value ÷ Σ inputs; delivery gap = delivered to date −
committed to date, over the contracts that track delivery). A contract's range
is its Monte Carlo's 5th to 95th percentile of the ratio, where its results.json
has one.
"""

from __future__ import annotations

import math
from pathlib import Path

from . import formatting as fmt
from .dashboard import range_text

__all__ = ["portfolio_json", "portfolio_text", "CONTRACT_COLUMNS"]

# The dashboard's contracts table: (column in Portfolio.contracts, heading).
CONTRACT_COLUMNS = (("contract_id", "Contract"), ("title", "Title"), ("supplier", "Supplier"),
                    ("directorate", "Directorate"), ("sroi_ratio", "SROI ratio"),
                    ("sroi_ratio_p5", "SROI ratio, 5th percentile"), ("sroi_ratio_p50", "SROI ratio, median"),
                    ("sroi_ratio_p95", "SROI ratio, 95th percentile"), ("present_value", "Present value"),
                    ("value_delivered_to_date", "Delivered to date"), ("value_committed_to_date", "Committed to date"),
                    ("rag", "RAG"))


def _number(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def portfolio_json(p) -> dict:
    """The headline totals, one record per contract and the folders skipped, JSON-ready (no NaN: a contract
    without a Monte Carlo range has null percentiles)."""
    h = p.headline()
    headline = {k: (_number(v) if isinstance(v, float) or v is None else v) for k, v in h.items()}
    rows = []
    for r in p.contracts.to_dict("records"):
        row = {}
        for col, _ in CONTRACT_COLUMNS:
            v = r.get(col)  # a table made without ranges has no percentile columns: null
            row[col] = (None if v is None else _number(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                        else str(v))
        rows.append(row)
    return {"headline": headline, "contracts": rows,
            "skipped": [{"folder": str(folder), "reason": why} for folder, why in p.skipped]}


def portfolio_text(p, reports_dir: str | Path) -> str:
    """The portfolio as the terminal shows it: headline figures, then a table of contracts."""
    h = p.headline()
    rate = "n/a" if h["delivery_rate"] is None else fmt.percent(h["delivery_rate"])
    rag = ", ".join(f"{k} {v}" for k, v in h["rag_counts"].items() if v) or "none"
    out = [
        f"Portfolio of {h['contracts']} contract{'' if h['contracts'] == 1 else 's'} in {reports_dir}",
        "",
        fmt.text_table(["Figure", "Value"], [
            ["Present value", fmt.money(h["present_value"], pence=False)],
            ["Inputs", fmt.money(h["total_inputs"], pence=False)],
            ["SROI ratio", fmt.ratio(h["sroi_ratio"])],
            ["Delivered to date", fmt.money(h["value_delivered_to_date"], pence=False)],
            ["Committed to date", fmt.money(h["value_committed_to_date"], pence=False)],
            ["Delivery gap", f"{fmt.money(h['delivery_gap'], pence=False)} ({rate} delivered)"],
            ["RAG", rag],
        ], right={1}, max_width=100),  # a headline figure is never cut
        "",
        fmt.text_table(
            ["Contract", "Title", "Supplier", "Directorate", "SROI ratio", "Range (5th to 95th)", "Present value",
             "Delivered of committed", "RAG"],
            [[r.contract_id, r.title, r.supplier, r.directorate, fmt.ratio(r.sroi_ratio), range_text(r),
              fmt.money(r.present_value, pence=False),
              fmt.delivered_of_committed(r.value_delivered_to_date, r.value_committed_to_date, r.rag),
              r.rag] for r in p.contracts.itertuples()],
            right={4, 5, 6, 7}),
    ]
    if p.skipped:
        out += ["", f"Skipped {len(p.skipped)} folder{'' if len(p.skipped) == 1 else 's'}:"]
        out += [f"  - {folder.name}: {why}" for folder, why in p.skipped]
    return "\n".join(out)
