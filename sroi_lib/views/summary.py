"""Plain-text and JSON views of the portfolio for ``sroi portfolio``: the dashboard's headline and contracts table.

Only formatting: every figure comes from
:meth:`~sroi_lib.reports.portfolio.Portfolio.headline` and the portfolio's
``contracts`` table, the same ones the dashboard shows (SROI ratio of the
kind of contract = Σ present value ÷ Σ inputs, one per kind: illustrative or
real, forecast or evaluation, never pooled) and
:meth:`~sroi_lib.reports.portfolio.Portfolio.delivery_to_date` (value expected by
now against value delivered, "to date" being the latest quarter with a
supplier's return or the quarter given). A contract's range is its Monte
Carlo's 5th to 95th percentile of the ratio, where its results.json has one.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..reports.portfolio import contract_kinds
from . import formatting as fmt
from .dashboard import range_text

__all__ = ["portfolio_json", "portfolio_text", "CONTRACT_COLUMNS"]

# The dashboard's contracts table: (column in Portfolio.contracts, heading).
CONTRACT_COLUMNS = (("contract_id", "Contract"), ("title", "Title"), ("kind", "Kind"),
                    ("illustrative", "Illustrative"), ("analysis_type", "Analysis"), ("supplier", "Supplier"),
                    ("directorate", "Directorate"), ("sroi_ratio", "SROI ratio"),
                    ("sroi_ratio_p5", "SROI ratio, 5th percentile"), ("sroi_ratio_p50", "SROI ratio, median"),
                    ("sroi_ratio_p95", "SROI ratio, 95th percentile"), ("present_value", "Present value"),
                    ("value_delivered_to_date", "Delivered to date"), ("value_committed_to_date", "Committed to date"),
                    ("rag", "RAG"), ("report_folder", "Report folder"))


def _number(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def portfolio_json(p, to_date: str | None = None) -> dict:
    """The headline totals (with each kind's totals: ``headline.kinds``; ``headline.sroi_ratio`` is null when the
    contracts are of several kinds), value expected by now against delivered (``delivery_to_date``), one record per
    contract and the folders skipped, JSON-ready (no NaN: a contract without a Monte Carlo range has null
    percentiles). ``to_date``: the quarter "to date" ends with (default: the latest with a return)."""
    h = p.headline()
    headline = {k: (_number(v) if isinstance(v, float) or v is None else v) for k, v in h.items()}
    delivery = p.delivery_to_date(to_date)
    rows = []
    for r in p.contracts.assign(kind=contract_kinds(p.contracts)).to_dict("records"):
        row = {}
        for col, _ in CONTRACT_COLUMNS:
            v = r.get(col)  # a table made without ranges has no percentile columns: null
            row[col] = (None if v is None else bool(v) if isinstance(v, (bool, np.bool_))
                        else _number(v) if isinstance(v, (int, float, np.number)) else str(v))
        rows.append(row)
    due = [{k: (_number(v) if isinstance(v, float) else int(v) if hasattr(v, "dtype") and k.startswith("quarters")
                else v) for k, v in r.items()} for r in delivery.contracts.to_dict("records")]
    totals = {k: (_number(v) if isinstance(v, float) else v) for k, v in delivery.totals.items()}
    return {"headline": headline,
            "delivery_to_date": {**totals, "to_date_means": delivery.basis, "contracts": due},
            "contracts": rows,
            "skipped": [{"folder": str(folder), "reason": why} for folder, why in p.skipped]}


def portfolio_text(p, reports_dir: str | Path, to_date: str | None = None) -> str:
    """The portfolio as the terminal shows it: each kind's totals (one ratio per kind, never pooled), value expected
    by now against delivered, then a table of contracts."""
    h = p.headline()
    d = p.delivery_to_date(to_date)
    t = d.totals
    due = {r.contract_id: r for r in d.contracts.itertuples()}
    kinds = [[k["kind"], f"{k['contracts']:,}", fmt.money(k["present_value"], pence=False),
              fmt.money(k["total_inputs"], pence=False), fmt.ratio(k["sroi_ratio"])] for k in h["kinds"]]
    if h["mixed_kinds"]:
        kinds.append(["All kinds added together", f"{h['contracts']:,}", fmt.money(h["present_value"], pence=False),
                      fmt.money(h["total_inputs"], pence=False), "none: mixes kinds"])
    rag = ", ".join(f"{k} {v}" for k, v in h["rag_counts"].items() if v) or "none"
    rate = "" if t["delivery_rate"] is None else f" ({fmt.percent(t['delivery_rate'])} of expected)"
    out = [f"Portfolio of {h['contracts']} contract{'' if h['contracts'] == 1 else 's'} in {reports_dir}", "",
           fmt.text_table(["Kind of contract", "Contracts", "Present value", "Inputs", "SROI ratio"], kinds,
                          right={1, 2, 3, 4}, max_width=100)]
    if h["mixed_kinds"]:
        out += ["", f"No single SROI ratio: the contracts are of {len(h['kinds'])} kinds, each totalled apart "
                    "(forecasts are estimates before delivery, evaluations measures after it; illustrative figures "
                    "are made up)."]
    out += ["", f"Expected by now against delivered: 'to date' means {d.basis}.",
            fmt.text_table(["Figure", "Value"], [
                ["Contracts with commitments", f"{t['contracts']:,}"],
                ["Expected by now", fmt.money(t["value_expected"], pence=False)],
                ["Delivered", fmt.money(t["value_delivered"], pence=False) + rate],
                ["Gap (delivered - expected)", fmt.money(t["gap"], pence=False)],
                ["Quarters ended with no return", f"{t['quarters_without_return']:,} (each counts as £0 delivered)"],
                ["RAG", rag],
            ], right={1}, max_width=100),  # a headline figure is never cut
            "",
            fmt.text_table(
                ["Contract", "Title", "Kind", "Supplier", "Directorate", "SROI ratio", "Range (5th to 95th)",
                 "Present value", "Delivered of expected", "RAG"],
                [[r.contract_id, r.title, r.kind, r.supplier, r.directorate, fmt.ratio(r.sroi_ratio), range_text(r),
                  fmt.money(r.present_value, pence=False), _delivered(r, due.get(r.contract_id)), r.rag]
                 for r in p.contracts.assign(kind=contract_kinds(p.contracts)).itertuples()],
                right={5, 6, 7, 8})]
    if p.skipped:
        out += ["", f"Skipped {len(p.skipped)} folder{'' if len(p.skipped) == 1 else 's'}:"]
        out += [f"  - {folder.name}: {why}" for folder, why in p.skipped]
    return "\n".join(out)


def _delivered(contract, due) -> str:
    """A contract's value delivered of what was expected by now, or ``not tracked`` without commitments."""
    if due is None:
        return fmt.delivered_of_committed(contract.value_delivered_to_date, contract.value_committed_to_date,
                                          contract.rag)
    return fmt.delivered_of_committed(due.value_delivered, due.value_expected, contract.rag)
