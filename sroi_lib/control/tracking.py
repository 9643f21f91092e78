"""Control: what a supplier committed at bid against what it delivered, quarter by quarter.

A contract's **commitments** (``commitments.csv``) list each measure with its
unit, the quantity committed per quarter and the proxy that values it. The
supplier's **returns** (the workbook made by :mod:`sroi_lib.control.returns`) give the
quantity delivered each quarter with an evidence reference.

For each measure, after ``n`` of the contract's ``N`` quarters (``n`` = quarters
up to the latest one with a return)::

    committed to date   = committed per quarter × n
    delivered to date   = Σ delivered
    delivery rate       = delivered to date ÷ committed to date
    variance            = delivered to date − committed to date      (units, and × value in £)
    forecast to the end = delivered to date ÷ n × N                  (at the current rate)
    value               = quantity × proxy value re-priced to the contract's price year

RAG status on the delivery rate against the pro-rata commitment: green at
``rag_green`` (default 95%) or more, amber at ``rag_amber`` (80%) or more, red
below. The contract's own status uses the £ value of all its measures.
Commitments are valued at the proxy's full value, before deadweight,
displacement and attribution: the same basis as the commitment itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.records import json_records
from ..errors import InputError, Problem, Problems, did_you_mean
from ..io.cells import Column, validate_rows
from ..io.tables import read_table

__all__ = ["COMMITMENT_COLUMNS", "read_commitments", "track", "rag_status", "DEFAULT_GREEN", "DEFAULT_AMBER",
           "Tracking"]

DEFAULT_GREEN, DEFAULT_AMBER = 0.95, 0.80

COMMITMENT_COLUMNS = (
    Column("measure", "text", required=True, help="a short code for the measure, e.g. EMP1"),
    Column("description", "text", required=True, help="what is committed, in plain words"),
    Column("unit", "text", required=True, help="what one unit is, e.g. people employed"),
    Column("committed_per_period", "number", required=True, help="quantity committed each quarter"),
    Column("proxy_id", "text", required=True, help="the proxy that values one unit"),
)


def read_commitments(path: str | Path, proxies) -> pd.DataFrame:
    """Read and check a commitments table; every proxy_id must be in ``proxies``."""
    raw = read_table(path)
    found = Problems()
    records, labels, _ = validate_rows(raw, COMMITMENT_COLUMNS, found)
    seen = {}
    for rec in records:
        where = raw.where(row=rec["row"], column=labels.get("measure", "measure"))
        if rec["measure"] in seen:
            found.add(f"measure '{rec['measure']}' is listed twice (first in row {seen[rec['measure']]})", **where,
                      fix="List each measure once.")
        elif rec["measure"]:
            seen[rec["measure"]] = rec["row"]
        if rec["proxy_id"] and rec["proxy_id"] not in proxies:
            found.add(f"proxy '{rec['proxy_id']}' is not in the proxy library",
                      **raw.where(row=rec["row"], column=labels.get("proxy_id", "proxy_id")),
                      fix=did_you_mean(rec["proxy_id"], getattr(proxies, "ids", None) or [])
                      + "Use an id from `sroi proxies search`.")
    found.raise_if_any()
    return pd.DataFrame.from_records(records, columns=["row"] + [c.name for c in COMMITMENT_COLUMNS])


def rag_status(rate, green: float = DEFAULT_GREEN, amber: float = DEFAULT_AMBER):
    """``green`` / ``amber`` / ``red`` for a delivery rate (or an array of them); NaN → ``no data``."""
    r = np.asarray(rate, dtype=float)
    out = np.where(r >= green, "green", np.where(r >= amber, "amber", "red")).astype(object)
    out[np.isnan(r)] = "no data"
    return out if out.ndim else out.item()


@dataclass
class Tracking:
    """Delivered against committed: ``measures`` (one row per measure), ``by_period`` and the totals."""

    measures: pd.DataFrame
    by_period: pd.DataFrame
    periods: list[str]
    periods_elapsed: int
    green: float
    amber: float

    @property
    def totals(self) -> dict:
        m = self.measures
        committed = float(m["value_committed_to_date"].sum())
        delivered = float(m["value_delivered_to_date"].sum())
        rate = delivered / committed if committed else float("nan")
        return {
            "periods_total": len(self.periods),
            "periods_elapsed": self.periods_elapsed,
            "latest_period": self.periods[self.periods_elapsed - 1] if self.periods_elapsed else None,
            "value_committed_total": float(m["value_committed_total"].sum()),
            "value_committed_to_date": committed,
            "value_delivered_to_date": delivered,
            "value_variance": delivered - committed,
            "value_forecast_to_end": float(m["value_forecast_to_end"].sum(min_count=1)),
            "delivery_rate": rate,
            "rag": rag_status(rate, self.green, self.amber),
            "thresholds": {"green": self.green, "amber": self.amber},
        }

    def to_dict(self) -> dict:
        """JSON-ready (NaN as null)."""
        totals = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in self.totals.items()}
        return {**totals, "measures": json_records(self.measures), "by_period": json_records(self.by_period)}


def track(commitments: pd.DataFrame, returns: pd.DataFrame, periods: list[str], unit_values: dict[str, float],
          green: float = DEFAULT_GREEN, amber: float = DEFAULT_AMBER) -> Tracking:
    """Delivered against committed for each measure (see the module notes for the formulas).

    Parameters
    ----------
    commitments : DataFrame
        From :func:`read_commitments`.
    returns : DataFrame
        Columns ``period``, ``measure``, ``quantity`` (and ``evidence``), from
        :func:`sroi_lib.control.returns.check_returns`; may be empty.
    periods : list of str
        The contract's quarters in order.
    unit_values : dict
        The £ value of one unit of each proxy, in the contract's price year.
    """
    if not green > amber:
        raise InputError(Problem(f"the green threshold ({green:.0%}) must be above the amber one ({amber:.0%})",
                                 column="rag_green", fix="For example rag_green: 0.95 and rag_amber: 0.8."))
    order = {p: i for i, p in enumerate(periods)}
    delivered = returns.groupby("measure")["quantity"].sum() if len(returns) else pd.Series(dtype=float)
    reported = [order[p] for p in returns["period"]] if len(returns) else []
    n = (max(reported) + 1) if reported else 0
    total = len(periods)
    m = commitments[["measure", "description", "unit", "proxy_id", "committed_per_period"]].copy()
    m["unit_value"] = m["proxy_id"].map(unit_values).astype(float)
    m["committed_total"] = m["committed_per_period"] * total
    m["committed_to_date"] = m["committed_per_period"] * n
    m["delivered_to_date"] = m["measure"].map(delivered).fillna(0.0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        m["delivery_rate"] = np.where(m["committed_to_date"] > 0, m["delivered_to_date"] / m["committed_to_date"],
                                      np.nan)
        m["forecast_to_end"] = m["delivered_to_date"] / n * total if n else np.nan
    m["variance"] = m["delivered_to_date"] - m["committed_to_date"]
    for col in ("committed_total", "committed_to_date", "delivered_to_date", "variance", "forecast_to_end"):
        m[f"value_{col}"] = m[col] * m["unit_value"]
    values = m[[c for c in m.columns if c.startswith("value_")] + ["committed_total", "delivered_to_date"]]
    too_large = np.isinf(values.to_numpy(float)).any(axis=1)
    if too_large.any():
        raise InputError([Problem(f"the figures for measure '{r.measure}' are too large to compute "
                                  f"({r.committed_per_period:,.6g} a quarter over {total} quarters at "
                                  f"£{r.unit_value:,.2f} a unit)", column="committed_per_period",
                                  fix="Check the quantity committed each quarter and the quantities returned.")
                          for r in m[too_large].itertuples()])
    with np.errstate(over="ignore"):  # an overflowing sum is the case refused here, not a warning
        totals = values.to_numpy(float).sum(axis=0)
    if np.isinf(totals).any():
        raise InputError(Problem("the contract's totals are too large to compute", column="committed_per_period",
                                 fix="Check the quantities committed each quarter and the quantities returned."))
    m["rag"] = rag_status(m["delivery_rate"].to_numpy(), green, amber)
    unit_by_measure = dict(zip(m["measure"], m["unit_value"]))
    if len(returns):
        delivered_value = (returns["quantity"] * returns["measure"].map(unit_by_measure)).groupby(returns["period"]).sum()
    else:
        delivered_value = pd.Series(dtype=float)
    by_period = pd.DataFrame({
        "period": periods,
        "value_committed": float((m["committed_per_period"] * m["unit_value"]).sum()),
        "value_delivered": [float(delivered_value.get(p, 0.0)) if i < n else np.nan for i, p in enumerate(periods)],
    })
    return Tracking(measures=m, by_period=by_period, periods=periods, periods_elapsed=n, green=green, amber=amber)
