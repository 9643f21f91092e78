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
Who benefits comes from :meth:`~sroi_lib.reports.portfolio.Portfolio.who_benefits`:
present value by IMD decile summed over the contracts (a contract without
place data counted whole as "unknown"), the shares reaching the 10% and 20%
most deprived areas (shares and the unknown share add up to one), and the
weighted present value; the weighted ratio is given per kind, never pooled.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..reports.portfolio import contract_kinds
from . import formatting as fmt
from .dashboard import range_text

__all__ = ["portfolio_json", "portfolio_text", "who_benefits_text", "CONTRACT_COLUMNS", "WHO_KEYS"]

# The dashboard's contracts table: (column in Portfolio.contracts, heading).
CONTRACT_COLUMNS = (("contract_id", "Contract"), ("title", "Title"), ("kind", "Kind"),
                    ("illustrative", "Illustrative"), ("analysis_type", "Analysis"), ("supplier", "Supplier"),
                    ("directorate", "Directorate"), ("sroi_ratio", "SROI ratio"),
                    ("sroi_ratio_p5", "SROI ratio, 5th percentile"), ("sroi_ratio_p50", "SROI ratio, median"),
                    ("sroi_ratio_p95", "SROI ratio, 95th percentile"), ("present_value", "Present value"),
                    ("value_delivered_to_date", "Delivered to date"), ("value_committed_to_date", "Committed to date"),
                    ("rag", "RAG"), ("report_folder", "Report folder"),
                    *((f"imd_{d}", f"IMD decile {d}") for d in range(1, 11)), ("imd_unknown", "Area unknown"),
                    ("has_place_data", "Place data"), ("place_note", "Why no place data"),
                    ("weighted_present_value", "Weighted present value"))
#: The who-benefits keys of ``sroi portfolio --json`` at its top level, as a contract's results.json names them.
WHO_KEYS = ("by_imd_decile", "share_most_deprived_10", "share_most_deprived_20", "share_unknown")


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
    who = _json_ready(p.who_benefits())
    for key in ("areas", "area_deciles", "value_in_areas", "share_in_areas"):  # the dashboard's filter: not here
        who.pop(key)
        for kind in who["kinds"]:
            kind.pop(key)
    return {"headline": headline,
            **{key: who.pop(key) for key in WHO_KEYS},
            "who_benefits": who,
            "delivery_to_date": {**totals, "to_date_means": delivery.basis, "contracts": due},
            "contracts": rows,
            "skipped": [{"folder": str(folder), "reason": why} for folder, why in p.skipped]}


def _json_ready(x):
    """Floats without NaN or infinity (null instead), in nested dicts and lists."""
    if isinstance(x, dict):
        return {k: _json_ready(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_json_ready(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return _number(x)
    if isinstance(x, np.integer):
        return int(x)
    return x


def portfolio_text(p, reports_dir: str | Path, to_date: str | None = None) -> str:
    """The portfolio as the terminal shows it: each kind's totals (one ratio per kind, never pooled), value expected
    by now against delivered, who benefits (:func:`who_benefits_text`), then a table of contracts."""
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
            "", who_benefits_text(p),
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


def _decile_name(d) -> str:
    return {1: "1 (most deprived)", 10: "10 (least deprived)", "unknown": "Area unknown"}.get(d, str(d))


def who_benefits_text(p) -> str:
    """Who benefits across the portfolio for the terminal: present value by IMD decile (all contracts in view, and
    each kind's own when there are several), then each kind's shares reaching the 10% and 20% most deprived areas,
    the unknown share and the weighted present value, and the contracts without place data."""
    w = p.who_benefits()
    kinds = w["kinds"]
    mixed = w["mixed_kinds"]
    money = lambda x: fmt.money(x, pence=False)  # noqa: E731
    heads = ["IMD decile", "Present value", "Share"] + ([k["kind"] for k in kinds] if mixed else [])
    rows = [[_decile_name(d["imd_decile"]), money(d["present_value"]), fmt.percent(d["share"]),
             *([money(k["by_imd_decile"][i]["present_value"]) for k in kinds] if mixed else [])]
            for i, d in enumerate(w["by_imd_decile"])]
    rows.append(["Total", money(w["present_value"]), fmt.percent(1.0 if w["present_value"] > 0 else None),
                 *([money(k["present_value"]) for k in kinds] if mixed else [])])
    out = ["Who benefits: present value by the deprivation decile of the beneficiaries' area (English Indices of "
           "Deprivation; 1 = the 10% most deprived areas of England), from each report",
           fmt.text_table(heads, rows, right=set(range(1, len(heads))), max_width=40)]

    def eta(x):
        if not x["contracts_with_place_data"]:
            return " (no place data: weight 1)"
        return "" if x["eta"] is None else f" (eta {x['eta']:g})"

    def weighted(x):
        if x["weighted_present_value"] is None:
            return "not added: different eta " + ", ".join(f"{e:g}" for e in x["etas"])
        return money(x["weighted_present_value"])

    share_rows = [[k["kind"], fmt.percent(k["share_most_deprived_10"]), fmt.percent(k["share_most_deprived_20"]),
                   fmt.percent(k["share_unknown"]), weighted(k) + eta(k), fmt.ratio(k["weighted_sroi_ratio"])]
                  for k in kinds]
    if mixed:
        share_rows.append(["All kinds added together", fmt.percent(w["share_most_deprived_10"]),
                           fmt.percent(w["share_most_deprived_20"]), fmt.percent(w["share_unknown"]),
                           weighted(w) + eta(w), "none: mixes kinds"])
    out += ["", fmt.text_table(["Kind of contract", "10% most deprived", "20% most deprived", "Area unknown",
                                "Weighted present value", "Weighted SROI ratio"], share_rows,
                               right={1, 2, 3, 4, 5}, max_width=100),
            "Shares are of the present value (net of disbenefits), area unknown included, so the deciles and the "
            "unknown add up to 100%. Weighted: HM Treasury Green Book distributional weights by income; a "
            "contract without place data counts at weight 1. The unweighted figures remain the headline."]
    if w["without_place_data"]:
        out += [f"No place data in {len(w['without_place_data'])} of {w['contracts']} contracts (all their value is "
                "counted as area unknown):"]
        out += [f"  - {x['contract_id']}: {x['reason']}" for x in w["without_place_data"]]
    return "\n".join(out)
