"""The portfolio: every contract's results in one place, by priority, directorate and supplier.

:func:`load_portfolio` reads the ``results.json`` of every complete report
folder under ``reports/`` (written by ``sroi run``: manifest present and every
file matching it, see :func:`~sroi_lib.reports.folder.scan_reports`; other
folders are listed in ``skipped`` with the reason, and two folders for one
contract are refused) into two tables: ``contracts`` (one row per contract: its
details, headline figures and delivery tracking) and ``lines`` (one row per
outcome line, with its theme, Best City Ambition pillar and ward). Filters and
groupings work on those tables, so a dashboard recomputes in milliseconds.

* SROI ratio of a group = Σ present value ÷ Σ inputs of its contracts.
* Value by pillar, theme or ward sums the outcome lines' present values (a
  contract's inputs are not split between pillars).
* The delivery gap = value delivered to date − value committed to date (from
  the contracts that track delivery); the forecast gap compares the value
  forecast to the end of each contract with the value committed over it.
* A contract's range is its Monte Carlo's 5th, 50th and 95th percentiles of the
  ratio (``sroi_ratio_p5``, ``sroi_ratio_p50``, ``sroi_ratio_p95``: results.json's
  ``uncertainty.monte_carlo``); missing (NaN) for a contract whose parameters give
  no distributions, and for reports made before results.json carried them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.frameworks import DEFAULT_FRAMEWORK, load_framework
from ..errors import InputError, Problem
from .folder import MANIFEST_FILE, RESULTS_FILE, scan_reports

__all__ = ["Portfolio", "load_portfolio", "CONTRACT_GROUPS", "LINE_GROUPS", "RAG_ORDER", "RANGE_COLUMNS"]

CONTRACT_GROUPS = ("directorate", "supplier", "analysis_type", "rag", "start_year")
LINE_GROUPS = ("pillar", "theme", "ward", "value_type")
RAG_ORDER = ["red", "amber", "green", "no data", "not tracked"]
RANGE_COLUMNS = ("sroi_ratio_p5", "sroi_ratio_p50", "sroi_ratio_p95")


@dataclass
class Portfolio:
    """``contracts`` and ``lines`` tables, filtered or not; ``skipped``: the folders not read, with why."""

    contracts: pd.DataFrame
    lines: pd.DataFrame
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def filter(self, *, directorate=None, pillar=None, supplier=None, rag=None, year=None) -> "Portfolio":
        """Keep contracts matching every filter given (None = any); ``pillar`` also keeps only that pillar's lines."""
        c = self.contracts
        keep = np.ones(len(c), dtype=bool)
        for col, wanted in (("directorate", directorate), ("supplier", supplier), ("rag", rag), ("start_year", year)):
            if wanted is not None:
                keep &= (c[col] == wanted).to_numpy()
        lines = self.lines
        if pillar is not None:
            lines = lines[lines["pillar"].to_numpy() == pillar]
            keep &= c["contract_id"].isin(set(lines["contract_id"])).to_numpy()
        contracts = c[keep]
        lines = lines[lines["contract_id"].isin(set(contracts["contract_id"]))]
        return Portfolio(contracts, lines, self.skipped)

    def headline(self) -> dict:
        """Totals for the contracts in view."""
        c = self.contracts
        pv = float(self.lines["present_value"].sum())
        inputs = float(c["total_inputs"].sum())
        tracked = c[c["rag"] != "not tracked"]
        committed = float(tracked["value_committed_to_date"].sum())
        delivered = float(tracked["value_delivered_to_date"].sum())
        return {
            "contracts": int(len(c)), "present_value": pv, "total_inputs": inputs,
            "sroi_ratio": pv / inputs if inputs else None,
            "value_committed_to_date": committed, "value_delivered_to_date": delivered,
            "delivery_gap": delivered - committed,
            "delivery_rate": delivered / committed if committed else None,
            "rag_counts": {k: int((c["rag"] == k).sum()) for k in RAG_ORDER},
        }

    def by(self, group: str) -> pd.DataFrame:
        """Totals by a contract group (directorate, supplier, analysis_type, rag, start_year) or a line
        group (pillar, theme, ward, value_type), largest present value first."""
        if group in LINE_GROUPS:
            col = self.lines[group].replace("", "not stated")
            out = self.lines.groupby(col, as_index=False)["present_value"].sum().rename(columns={col.name: group})
            total = out["present_value"].sum()
            out["share"] = out["present_value"] / total if total else 0.0
            return out.sort_values("present_value", ascending=False, kind="stable").reset_index(drop=True)
        if group in CONTRACT_GROUPS:
            pv = self.lines.groupby("contract_id")["present_value"].sum()
            c = self.contracts.assign(present_value=self.contracts["contract_id"].map(pv).fillna(0.0))
            out = c.groupby(group, as_index=False).agg(
                contracts=("contract_id", "size"), present_value=("present_value", "sum"),
                total_inputs=("total_inputs", "sum"), value_committed_to_date=("value_committed_to_date", "sum"),
                value_delivered_to_date=("value_delivered_to_date", "sum"))
            out["sroi_ratio"] = out["present_value"] / out["total_inputs"].replace(0, np.nan)
            return out.sort_values("present_value", ascending=False, kind="stable").reset_index(drop=True)
        raise InputError(f"'{group}' is not a portfolio grouping. Use one of: {', '.join(CONTRACT_GROUPS + LINE_GROUPS)}.")

    def gap(self) -> pd.DataFrame:
        """Forecast against delivered value for each contract that tracks delivery."""
        c = self.contracts[self.contracts["rag"] != "not tracked"]
        out = c[["contract_id", "title", "supplier", "rag", "value_committed_to_date", "value_delivered_to_date",
                 "value_forecast_to_end", "value_committed_total"]].copy()
        out["delivery_gap"] = out["value_delivered_to_date"] - out["value_committed_to_date"]
        out["forecast_gap"] = out["value_forecast_to_end"] - out["value_committed_total"]
        return out.sort_values("delivery_gap", kind="stable").reset_index(drop=True)

    def ranked(self, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The ``n`` contracts with the highest and the lowest SROI ratio."""
        cols = ["contract_id", "title", "supplier", "sroi_ratio", "present_value", "rag"]
        cols += [c for c in RANGE_COLUMNS if c in self.contracts]
        ordered = self.contracts.sort_values("sroi_ratio", ascending=False, kind="stable")[cols]
        return ordered.head(n).reset_index(drop=True), ordered.tail(n).iloc[::-1].reset_index(drop=True)


def _start_year(period) -> int | None:
    return int(str(period)[:4]) if period else None


def _ratio_range(r: dict) -> dict:
    """The Monte Carlo's 5th, 50th and 95th percentiles of the ratio, or NaN where results.json has none (no
    distributions in the parameters, or a report made before results.json carried ``uncertainty``)."""
    mc = (r.get("uncertainty") or {}).get("monte_carlo")
    if not mc:
        return dict.fromkeys(RANGE_COLUMNS, np.nan)
    return {f"sroi_ratio_{k}": float(mc[k]) for k in ("p5", "p50", "p95")}


def _records(r: dict, path: Path) -> tuple[str, dict, list[tuple]]:
    """One results file as (contract id, its contracts row, its lines rows)."""
    meta = r.get("contract") or {}
    cid = str(meta.get("contract_id") or path.parent.name)
    t = r.get("tracking") or {}
    contract = {
        "contract_id": cid, "title": meta.get("title", cid), "supplier": meta.get("supplier", ""),
        "directorate": meta.get("directorate", ""), "analysis_type": meta.get("analysis_type", ""),
        "illustrative": bool(meta.get("illustrative", False)),
        "start_year": _start_year((r.get("contract_period") or {}).get("start")),
        "present_value": r["present_value"], "total_inputs": r["total_inputs"], "sroi_ratio": r["sroi_ratio"],
        "npv": r["npv"], "rag": t.get("rag", "not tracked") if r.get("tracking") else "not tracked",
        "value_committed_to_date": t.get("value_committed_to_date") or 0.0,
        "value_delivered_to_date": t.get("value_delivered_to_date") or 0.0,
        "value_forecast_to_end": t.get("value_forecast_to_end") or 0.0,
        "value_committed_total": t.get("value_committed_total") or 0.0,
        **_ratio_range(r),
    }
    lines = [(cid, ln.get("stakeholder", ""), ln.get("outcome", ""), ln.get("theme") or "", ln.get("ward") or "",
              ln.get("value_type") or "", ln["present_value"]) for ln in r["lines"]]
    return cid, contract, lines


def load_portfolio(reports_dir: str | Path, framework: str = DEFAULT_FRAMEWORK, *,
                   require_reports: bool = False) -> Portfolio:
    """Read the ``results.json`` of every complete report folder under ``reports_dir`` (one per contract).

    Incomplete, edited and hidden folders are skipped and listed in
    ``Portfolio.skipped``. With ``require_reports``, a folder holding no
    complete report is an :class:`InputError`.

    Raises
    ------
    InputError
        If ``reports_dir`` is not a folder, a results file cannot be read, or
        two folders hold reports for the same contract.
    """
    folder = Path(reports_dir)
    if not folder.is_dir():
        raise InputError(Problem("is not a folder of reports", file=str(folder),
                                 fix="Run `sroi batch parameters/` first, or give --reports."))
    fw = load_framework(framework)
    scan = scan_reports(folder)
    found = scan.folders
    if require_reports and not found:
        why = f" ({len(scan.skipped)} incomplete or edited folders skipped)" if scan.skipped else ""
        raise InputError(Problem(f"holds no complete reports (a folder with {RESULTS_FILE} and a {MANIFEST_FILE} "
                                 f"that matches it){why}", file=str(folder), fix="Run `sroi batch parameters/` first."))
    contracts, lines = [], []
    seen: dict[str, Path] = {}
    for path in (f / RESULTS_FILE for f in found):
        try:
            r = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            raise InputError(Problem("cannot be read as JSON", file=str(path))) from None
        try:
            cid, contract, its_lines = _records(r, path)
        except (KeyError, TypeError, AttributeError, ValueError):
            raise InputError(Problem("does not hold the figures `sroi run` writes", file=str(path),
                                     fix="Run `sroi run` again for this contract.")) from None
        if cid in seen:
            raise InputError(Problem(f"two folders hold reports for contract '{cid}': {seen[cid]} and {path.parent}",
                                     file=str(folder), fix="Delete the one that is out of date (a copy or an old "
                                     "report), so each contract is counted once."))
        seen[cid] = path.parent
        contracts.append(contract)
        lines += its_lines
    c = pd.DataFrame(contracts, columns=["contract_id", "title", "supplier", "directorate", "analysis_type",
                                         "illustrative", "start_year", "present_value", "total_inputs", "sroi_ratio",
                                         "npv", "rag", "value_committed_to_date", "value_delivered_to_date",
                                         "value_forecast_to_end", "value_committed_total", *RANGE_COLUMNS])
    c["start_year"] = c["start_year"].astype("Int64")
    ln = pd.DataFrame(lines, columns=["contract_id", "stakeholder", "outcome", "theme", "ward", "value_type",
                                      "present_value"])
    ln["pillar"] = fw.assign(ln["theme"]).to_numpy()
    return Portfolio(c, ln, scan.skipped)
