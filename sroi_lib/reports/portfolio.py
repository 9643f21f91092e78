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
  contract's inputs are not split between pillars). A group's disbenefits
  (lines marked ``disbenefit``, or with a present value below zero) are a group
  of their own, named "… (disbenefit)", never netted into its benefits; a
  group's share is its present value ÷ the gross benefits in view (÷ the size of
  the gross disbenefits when there are no benefits), as in every breakdown of
  a contract (:meth:`~sroi_lib.core.valuation.Valuation.by`).
* A line's pillar is the group of its theme in the portfolio's framework
  (the council's default). A contract valued with ``framework: none`` (its
  results.json's ``framework`` is null) is grouped by no framework: its lines'
  pillar is "not grouped by a framework" (:data:`NOT_GROUPED`), never one of the
  framework's pillars. The ``framework`` column of ``contracts`` is the title of
  the framework a contract was valued with ("" when none, missing for a report made
  before results.json said: such a report is grouped by the portfolio's framework).
* The delivery gap = value delivered to date − value committed to date (from
  the contracts that track delivery); the forecast gap compares the value
  forecast to the end of each contract with the value committed over it.
* A contract's range is its Monte Carlo's 5th, 50th and 95th percentiles of the
  ratio (``sroi_ratio_p5``, ``sroi_ratio_p50``, ``sroi_ratio_p95``: results.json's
  ``uncertainty.monte_carlo``); missing (NaN) for a contract whose parameters give
  no distributions, and for reports made before results.json carried them.
* **Kinds of contract are never pooled into one ratio.** Each contract is of one
  kind: illustrative or real (the parameters' ``illustrative``), forecast or
  evaluation (``analysis_type``). :meth:`Portfolio.kinds` totals each kind apart;
  the headline gives one SROI ratio only when every contract in view is of the
  same kind (a forecast's ratio is an estimate, an evaluation's a measure; an
  illustrative contract's figures are made up).
* **Expected by now against delivered** (:meth:`Portfolio.delivery_to_date`), for
  the contracts with commitments, at a quarter ``A`` ("to date"): by default the
  latest quarter in which any contract in view has a supplier's return, else the
  quarter chosen. For a contract of ``N`` quarters of which ``n`` end by ``A``
  (the quarters of :mod:`sroi_lib.control.tracking`, results.json's
  ``tracking.by_period``)::

      expected by A   = Σ value committed in its quarters up to A
                      = value committed over the contract × n ÷ N
      delivered by A  = Σ value delivered in its quarters up to A   (a quarter with no return counts £0)
      gap             = delivered by A − expected by A

  The portfolio's figures are the sums over those contracts; its delivery rate
  is Σ delivered ÷ Σ expected. Commitments are valued at the proxies' full value
  (before deadweight, displacement and attribution), as tracking values them.
* **Who benefits** (:meth:`Portfolio.who_benefits`), from each results.json's
  ``by_imd_decile`` (:mod:`sroi_lib.core.who_benefits`: present value by the
  Index of Multiple Deprivation decile of the beneficiaries' area, 1 = the 10%
  most deprived areas of England, and "unknown")::

      portfolio PV in decile d  = Σ over contracts of the contract's PV in decile d
      portfolio PV, unknown     = Σ of the contracts' unknown PV
                                  + Σ of the whole PV of the contracts without place data
      share of decile d         = PV in decile d ÷ Σ PV of every decile and unknown
      share, 10% most deprived  = share of decile 1;   20% most deprived = deciles 1 and 2

  so the shares by decile and the unknown share add up to one. A report places a
  contract's value by decile as a whole (net of its disbenefits), not line by
  line, so the figures are of whole contracts, whatever the pillar filter. The
  weighted present value (HM Treasury Green Book distributional weights) is the
  sum of the contracts' ``distributional.weighted_present_value``; a contract
  without place data counts at weight 1 (its PV), as a line of unknown income
  does in a report. Present values add up across kinds of contract, as the
  headline's present value does; the weighted SROI ratio (weighted PV ÷ inputs)
  is given for each kind alone, never pooled, and weighted values made with
  different ``eta`` are not added.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..control.periods import parse_period
from ..core.frameworks import DEFAULT_FRAMEWORK, load_framework
from ..core.quoting import shown
from ..core.valuation import DISBENEFIT
from ..errors import InputError, Problem
from .folder import MANIFEST_FILE, RESULTS_FILE, scan_reports

__all__ = ["Portfolio", "DeliveryToDate", "load_portfolio", "kind_label", "contract_kinds", "CONTRACT_GROUPS",
           "LINE_GROUPS", "RAG_ORDER", "RANGE_COLUMNS", "PERIOD_COLUMNS", "NOT_GROUPED", "DECILE_COLUMNS",
           "PLACE_COLUMNS", "MOST_DEPRIVED", "UNKNOWN", "NOT_PLACED_OLDER"]

CONTRACT_GROUPS = ("directorate", "supplier", "analysis_type", "rag", "start_year")
LINE_GROUPS = ("pillar", "theme", "ward", "value_type")
RAG_ORDER = ["red", "amber", "green", "no data", "not tracked"]
RANGE_COLUMNS = ("sroi_ratio_p5", "sroi_ratio_p50", "sroi_ratio_p95")
#: The pillar of every line of a contract valued with ``framework: none``: it is not put in any framework's pillars.
NOT_GROUPED = "not grouped by a framework"
#: The ``periods`` table: one row per contract and quarter (results.json's ``tracking.by_period``); a quarter
#: without a supplier's return has ``value_delivered`` NaN.
PERIOD_COLUMNS = ("contract_id", "period", "value_committed", "value_delivered")
UNKNOWN = "unknown"  # the decile of value whose area is not known (as results.json names it)
#: Each contract's present value in each IMD decile (1 = most deprived) and of unknown area (the ``contracts`` table).
DECILE_COLUMNS = tuple(f"imd_{d}" for d in range(1, 11)) + ("imd_unknown",)
#: The ``contracts`` table's who-benefits columns: the deciles, whether its report placed its value (and why not),
#: its weighted present value and the eta it was weighted with (NaN without place data).
PLACE_COLUMNS = (*DECILE_COLUMNS, "has_place_data", "place_note", "weighted_present_value", "eta")
#: The deprivation filter: the 10% most deprived areas are IMD decile 1; the 20% most deprived, deciles 1 and 2.
MOST_DEPRIVED = {10: (1,), 20: (1, 2)}
#: Why a report made before results.json carried who benefits has no place data.
NOT_PLACED_OLDER = "its report was made before sroi placed value by area (run `sroi run` again)"


def kind_label(illustrative, analysis_type) -> str:
    """A contract's kind in words: ``"Illustrative forecast"``, ``"Real evaluation"``.

    >>> kind_label(True, "forecast"), kind_label(False, "evaluation"), kind_label(False, "")
    ('Illustrative forecast', 'Real evaluation', 'Real, analysis type not stated')
    """
    real = "Illustrative" if bool(illustrative) is True else "Real"
    kind = str(analysis_type or "").strip()
    return f"{real} {kind}" if kind else f"{real}, analysis type not stated"


def contract_kinds(c: pd.DataFrame) -> pd.Series:
    """Each contract's kind (:func:`kind_label`); a table without the columns is of real contracts, type not stated."""
    illustrative = c["illustrative"] if "illustrative" in c else pd.Series(False, index=c.index)
    analysis = c["analysis_type"] if "analysis_type" in c else pd.Series("", index=c.index)
    return pd.Series([kind_label(i, a) for i, a in zip(illustrative, analysis)], index=c.index, dtype=object)


def _quarter(period) -> tuple[int, int]:
    return parse_period(str(period))


@dataclass
class DeliveryToDate:
    """Expected by now against delivered, for the contracts with commitments (module notes for the formulas).

    ``as_of`` is the quarter "to date" ends with (None when no contract in view has a return and none was
    chosen); ``chosen`` says whether it was chosen (else it is the latest quarter with a return). ``contracts``
    has one row per contract with commitments: ``contract_id``, ``title``, ``quarters_total``,
    ``quarters_elapsed`` (its quarters ending by ``as_of``), ``quarters_returned`` (of those, the ones with a
    return), ``value_committed_total``, ``value_expected``, ``value_delivered``, ``gap`` and ``delivery_rate``
    (NaN when nothing was expected yet), largest shortfall first.
    """

    as_of: str | None
    chosen: bool
    contracts: pd.DataFrame

    @property
    def basis(self) -> str:
        """What "to date" means, in words, for the page and the terminal."""
        if self.as_of is None:
            return "no contract in view has a supplier's return yet, so nothing is due by the latest return"
        if self.chosen:
            return f"to the end of {self.as_of} (the quarter chosen)"
        return f"to the end of {self.as_of} (the latest quarter with a supplier's return)"

    @property
    def totals(self) -> dict:
        """Σ expected, Σ delivered, the gap (delivered − expected) and the rate (delivered ÷ expected, None if
        nothing was expected), over the contracts with commitments."""
        c = self.contracts
        expected, delivered = float(c["value_expected"].sum()), float(c["value_delivered"].sum())
        return {"as_of": self.as_of, "chosen": self.chosen, "contracts": int(len(c)),
                "value_committed_total": float(c["value_committed_total"].sum()),
                "value_expected": expected, "value_delivered": delivered, "gap": delivered - expected,
                "delivery_rate": delivered / expected if expected else None,
                "quarters_without_return": int((c["quarters_elapsed"] - c["quarters_returned"]).fillna(0).sum())}


@dataclass
class Portfolio:
    """``contracts`` and ``lines`` tables, filtered or not; ``skipped``: the folders not read, with why."""

    contracts: pd.DataFrame
    lines: pd.DataFrame
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    periods: pd.DataFrame | None = None  # PERIOD_COLUMNS; None: no quarter-by-quarter figures

    def filter(self, *, directorate=None, pillar=None, supplier=None, rag=None, year=None, illustrative=None,
               analysis_type=None, areas=None) -> "Portfolio":
        """Keep contracts matching every filter given (None = any); ``pillar`` also keeps only that pillar's lines.

        ``illustrative`` is True (illustrative contracts only) or False (real ones only); ``analysis_type`` is
        ``"forecast"`` or ``"evaluation"``. ``areas`` (10 or 20: the most deprived areas, :data:`MOST_DEPRIVED`)
        keeps the contracts whose reports place their value by area; what reaches those areas is
        :meth:`who_benefits` ``(areas)``.

        Raises
        ------
        InputError
            When ``areas`` is not 10 or 20.
        """
        c = self.contracts
        keep = np.ones(len(c), dtype=bool)
        if areas is not None:
            _check_areas(areas)
            keep &= c["has_place_data"].astype(bool).to_numpy() if "has_place_data" in c else False
        for col, wanted in (("directorate", directorate), ("supplier", supplier), ("rag", rag), ("start_year", year),
                            ("analysis_type", analysis_type)):
            if wanted is not None:
                keep &= (c[col] == wanted).to_numpy()
        if illustrative is not None:
            keep &= (c["illustrative"].astype(bool) == bool(illustrative)).to_numpy()
        lines = self.lines
        if pillar is not None:
            lines = lines[lines["pillar"].to_numpy() == pillar]
            keep &= c["contract_id"].isin(set(lines["contract_id"])).to_numpy()
        contracts = c[keep]
        ids = set(contracts["contract_id"])
        lines = lines[lines["contract_id"].isin(ids)]
        periods = None if self.periods is None else self.periods[self.periods["contract_id"].isin(ids)]
        return Portfolio(contracts, lines, self.skipped, periods)

    def kinds(self) -> pd.DataFrame:
        """Totals for each kind of contract in view (:func:`kind_label`), never pooled: ``kind``, ``contracts``,
        ``present_value``, ``total_inputs`` and ``sroi_ratio`` (Σ present value ÷ Σ inputs of that kind; NaN
        without inputs), real before illustrative, then by name."""
        c = self.contracts
        pv = self.lines.groupby("contract_id")["present_value"].sum()
        frame = pd.DataFrame({"kind": contract_kinds(c), "contract_id": c["contract_id"],
                              "present_value": c["contract_id"].map(pv).fillna(0.0).astype(float),
                              "total_inputs": c["total_inputs"].astype(float)})
        out = frame.groupby("kind", as_index=False).agg(contracts=("contract_id", "size"),
                                                        present_value=("present_value", "sum"),
                                                        total_inputs=("total_inputs", "sum"))
        out["sroi_ratio"] = out["present_value"] / out["total_inputs"].replace(0, np.nan)
        out["_order"] = out["kind"].str.startswith("Illustrative")
        return out.sort_values(["_order", "kind"], kind="stable").drop(columns="_order").reset_index(drop=True)

    def headline(self) -> dict:
        """Totals for the contracts in view.

        ``sroi_ratio`` is Σ present value ÷ Σ inputs when every contract in view is of one kind, else None:
        ``kinds`` then gives each kind's own totals and ratio (:meth:`kinds`), and ``mixed_kinds`` is True.
        """
        c = self.contracts
        pv = float(self.lines["present_value"].sum())
        inputs = float(c["total_inputs"].sum())
        tracked = c[c["rag"] != "not tracked"]
        committed = float(tracked["value_committed_to_date"].sum())
        delivered = float(tracked["value_delivered_to_date"].sum())
        kinds = self.kinds()
        return {
            "contracts": int(len(c)), "present_value": pv, "total_inputs": inputs,
            "sroi_ratio": pv / inputs if inputs and len(kinds) <= 1 else None,
            "mixed_kinds": len(kinds) > 1,
            "kinds": [{"kind": r.kind, "contracts": int(r.contracts), "present_value": float(r.present_value),
                       "total_inputs": float(r.total_inputs),
                       "sroi_ratio": None if pd.isna(r.sroi_ratio) else float(r.sroi_ratio)}
                      for r in kinds.itertuples()],
            "value_committed_to_date": committed, "value_delivered_to_date": delivered,
            "delivery_gap": delivered - committed,
            "delivery_rate": delivered / committed if committed else None,
            "rag_counts": {k: int((c["rag"] == k).sum()) for k in RAG_ORDER},
        }

    def who_benefits(self, areas: int | None = None) -> dict:
        """Where the present value of the contracts in view lands, by deprivation of the area (module notes for the
        formulas), each kind of contract apart as well as added together.

        Parameters
        ----------
        areas : {None, 10, 20}
            The most deprived areas chosen (the dashboard's *Areas* filter, :data:`MOST_DEPRIVED`): ``value_in_areas``
            is the present value in their deciles and ``share_in_areas`` its share. None: every area.

        Returns
        -------
        dict
            ``contracts``, ``contracts_with_place_data``; ``without_place_data``: records ``contract_id``, ``title``,
            ``reason`` (all their value is counted as unknown); ``present_value`` = Σ every decile and unknown (the
            contracts' whole present value); ``by_imd_decile``: records ``imd_decile`` (1 to 10, then "unknown"),
            ``present_value`` and ``share``; ``share_most_deprived_10``, ``share_most_deprived_20``,
            ``share_unknown`` (None when the present value is £0 or less); ``areas``, ``area_deciles``,
            ``value_in_areas``, ``share_in_areas``; ``weighted_present_value`` (None when the contracts were
            weighted with different eta, ``etas``), ``eta`` (the one eta used, else None), ``total_inputs``;
            ``weighted_sroi_ratio`` = weighted PV ÷ inputs, only when every contract in view is of one kind
            (``mixed_kinds``); and ``kinds``: the same figures for each kind of contract (:func:`kind_label`),
            real before illustrative.
        """
        if areas is not None:
            _check_areas(areas)
        c = self.contracts
        if "has_place_data" not in c:  # a table made without who benefits: nothing placed
            c = c.assign(**{col: 0.0 for col in DECILE_COLUMNS[:-1]}, imd_unknown=c["present_value"].astype(float),
                         has_place_data=False, place_note=NOT_PLACED_OLDER,
                         weighted_present_value=c["present_value"].astype(float), eta=np.nan)
        kinds = contract_kinds(c)
        out = _who(c, areas)
        out["kinds"] = []
        for kind in sorted(set(kinds), key=lambda k: (k.startswith("Illustrative"), k)):
            one = _who(c[(kinds == kind).to_numpy()], areas)
            one["kind"] = kind
            one["weighted_sroi_ratio"] = _weighted_ratio(one)
            out["kinds"].append(one)
        out["mixed_kinds"] = len(out["kinds"]) > 1
        out["weighted_sroi_ratio"] = _weighted_ratio(out) if len(out["kinds"]) <= 1 else None
        return out

    def latest_return(self) -> str | None:
        """The latest quarter in which a contract in view has a supplier's return, or None."""
        if self.periods is None or not len(self.periods):
            return None
        returned = self.periods.loc[self.periods["value_delivered"].notna(), "period"]
        return max(returned, key=_quarter) if len(returned) else None

    def delivery_to_date(self, as_of: str | None = None) -> DeliveryToDate:
        """Expected by now against delivered for each contract with commitments, at ``as_of`` (a quarter like
        ``2025-Q4``; None: the latest quarter with a return, :meth:`latest_return`). Formulas in the module notes.

        A contract whose results.json has no quarter-by-quarter figures (made by an older sroi) keeps its own
        tracking's figures (committed and delivered to its latest return).

        Raises
        ------
        InputError
            When ``as_of`` is not a quarter like 2025-Q4.
        """
        chosen = as_of is not None
        if chosen:
            try:
                end = parse_period(as_of)
            except InputError:
                raise InputError(Problem(f"'to date' is {shown(as_of)}, which is not a quarter like 2025-Q4",
                                         fix="Give the quarter that 'to date' ends with, like 2025-Q4.")) from None
            as_of = f"{end[0]}-Q{end[1]}"
        else:
            as_of = self.latest_return()
            end = _quarter(as_of) if as_of else None
        c = self.contracts[self.contracts["rag"] != "not tracked"]
        periods = self.periods if self.periods is not None else pd.DataFrame(columns=PERIOD_COLUMNS)
        by_contract = {cid: g for cid, g in periods.groupby("contract_id")}
        rows = []
        for r in c.itertuples():
            g = by_contract.get(r.contract_id)
            if g is None or not len(g):  # an older results.json: its own tracking's figures
                rows.append((r.contract_id, r.title, np.nan, np.nan, np.nan, float(r.value_committed_total),
                             float(r.value_committed_to_date), float(r.value_delivered_to_date)))
                continue
            due = np.array([end is not None and _quarter(p) <= end for p in g["period"]], dtype=bool)
            delivered = g["value_delivered"].to_numpy(float)
            rows.append((r.contract_id, r.title, len(g), int(due.sum()), int((due & ~np.isnan(delivered)).sum()),
                         float(g["value_committed"].sum()), float(g["value_committed"].to_numpy(float)[due].sum()),
                         float(np.nansum(delivered[due]))))
        out = pd.DataFrame(rows, columns=["contract_id", "title", "quarters_total", "quarters_elapsed",
                                          "quarters_returned", "value_committed_total", "value_expected",
                                          "value_delivered"])
        out["gap"] = out["value_delivered"] - out["value_expected"]
        out["delivery_rate"] = out["value_delivered"] / out["value_expected"].where(out["value_expected"] > 0)
        out = out.sort_values("gap", kind="stable").reset_index(drop=True)
        return DeliveryToDate(as_of=as_of, chosen=chosen, contracts=out)

    def by(self, group: str) -> pd.DataFrame:
        """Totals by a contract group (directorate, supplier, analysis_type, rag, start_year) or a line
        group (pillar, theme, ward, value_type), largest present value first.

        In a line group, a group's disbenefit lines are a group of their own (its name + " (disbenefit)"), never
        netted into its benefits; ``share`` = present value ÷ Σ present value of the benefit lines in view (÷ the
        size of the disbenefits' Σ when there are no benefits), so a disbenefit's share is below zero."""
        if group in LINE_GROUPS:
            lines = self.lines
            dis = lines["disbenefit"].to_numpy(bool) if "disbenefit" in lines else np.zeros(len(lines), dtype=bool)
            col = lines[group].replace("", "not stated").astype(object)
            col = col.where(~dis, col.astype(str) + DISBENEFIT)
            out = lines.groupby(col, as_index=False, sort=False)["present_value"].sum()
            out = out.rename(columns={out.columns[0]: group})
            pv = lines["present_value"].to_numpy(float)
            total = float(pv[~dis].sum()) or abs(float(pv[dis].sum()))
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


def _check_areas(areas) -> None:
    if isinstance(areas, bool) or areas not in MOST_DEPRIVED:
        raise InputError(Problem(f"the most deprived areas are {shown(areas)}, not 10 or 20",
                                 fix="Choose the 10% or the 20% most deprived areas (IMD decile 1, or 1 and 2)."))


def _who(c: pd.DataFrame, areas: int | None) -> dict:
    """The who-benefits figures of some contracts (:meth:`Portfolio.who_benefits`), kinds added together."""
    by = {col: float(c[col].sum()) for col in DECILE_COLUMNS}
    total = sum(by.values())

    def share(x):
        return x / total if total > 0 else None

    deciles = [(d, by[f"imd_{d}"]) for d in range(1, 11)] + [(UNKNOWN, by["imd_unknown"])]
    placed = c["has_place_data"].astype(bool).to_numpy()
    etas = sorted({float(e) for e in c["eta"] if pd.notna(e)})
    chosen = MOST_DEPRIVED.get(areas, ())
    in_areas = sum(by[f"imd_{d}"] for d in chosen) if areas is not None else total
    return {
        "contracts": int(len(c)), "contracts_with_place_data": int(placed.sum()),
        "without_place_data": [{"contract_id": r.contract_id, "title": r.title, "reason": r.place_note}
                               for r in c[~placed].itertuples()],
        "present_value": total,
        "by_imd_decile": [{"imd_decile": d, "present_value": v, "share": share(v)} for d, v in deciles],
        "share_most_deprived_10": share(by["imd_1"]), "share_most_deprived_20": share(by["imd_1"] + by["imd_2"]),
        "share_unknown": share(by["imd_unknown"]),
        "areas": areas, "area_deciles": list(chosen), "value_in_areas": in_areas, "share_in_areas": share(in_areas),
        "weighted_present_value": float(c["weighted_present_value"].sum()) if len(etas) <= 1 else None,
        "eta": etas[0] if len(etas) == 1 else None, "etas": etas,
        "total_inputs": float(c["total_inputs"].sum()),
    }


def _weighted_ratio(who: dict) -> float | None:
    w, inputs = who["weighted_present_value"], who["total_inputs"]
    return w / inputs if w is not None and inputs > 0 else None


def _places(r: dict) -> dict:
    """A contract's who-benefits columns (:data:`PLACE_COLUMNS`) from its results.json: its present value by IMD
    decile, or, without place data, all of it as unknown (weight 1)."""
    pv = float(r["present_value"])
    deciles = r.get("by_imd_decile")
    if deciles is None:
        note = str(r.get("who_benefits_absent") or NOT_PLACED_OLDER)
        return {**dict.fromkeys(DECILE_COLUMNS[:-1], 0.0), "imd_unknown": pv, "has_place_data": False,
                "place_note": note, "weighted_present_value": pv, "eta": np.nan}
    out = dict.fromkeys(DECILE_COLUMNS, 0.0)
    for row in deciles:
        d = row["imd_decile"]
        key = "imd_unknown" if d == UNKNOWN else f"imd_{int(d)}"
        if key not in out or (d != UNKNOWN and int(d) != d):
            raise ValueError(f"IMD decile {d!r}")
        out[key] += float(row["present_value"])
    dist = r["distributional"]
    return {**out, "has_place_data": True, "place_note": "", "weighted_present_value":
            float(dist["weighted_present_value"]), "eta": float(dist["eta"])}


def _start_year(period) -> int | None:
    return int(str(period)[:4]) if period else None


def _ratio_range(r: dict) -> dict:
    """The Monte Carlo's 5th, 50th and 95th percentiles of the ratio, or NaN where results.json has none (no
    distributions in the parameters, or a report made before results.json carried ``uncertainty``)."""
    mc = (r.get("uncertainty") or {}).get("monte_carlo")
    if not mc:
        return dict.fromkeys(RANGE_COLUMNS, np.nan)
    return {f"sroi_ratio_{k}": float(mc[k]) for k in ("p5", "p50", "p95")}


def _framework_title(r: dict) -> str | None:
    """The title of the framework a contract was valued with: "" for ``framework: none`` (results.json's
    ``framework`` is null), None for a results.json made before it said (grouped by the portfolio's framework)."""
    if "framework" not in r:
        return None
    fw = r["framework"]
    return "" if fw is None else str(fw.get("title") or fw.get("name") or "")


def _records(r: dict, path: Path) -> tuple[str, dict, list[tuple], list[tuple]]:
    """One results file as (contract id, its contracts row, its lines rows, its quarters rows)."""
    meta = r.get("contract") or {}
    cid = str(meta.get("contract_id") or path.parent.name)
    t = r.get("tracking") or {}
    contract = {
        "contract_id": cid, "title": str(meta.get("title") or cid), "report_folder": path.parent.name,
        "supplier": meta.get("supplier", ""),
        "directorate": meta.get("directorate", ""), "analysis_type": meta.get("analysis_type", ""),
        "illustrative": bool(meta.get("illustrative", False)),
        "start_year": _start_year((r.get("contract_period") or {}).get("start")),
        "present_value": r["present_value"], "total_inputs": r["total_inputs"], "sroi_ratio": r["sroi_ratio"],
        "npv": r["npv"], "rag": t.get("rag", "not tracked") if r.get("tracking") else "not tracked",
        "value_committed_to_date": t.get("value_committed_to_date") or 0.0,
        "value_delivered_to_date": t.get("value_delivered_to_date") or 0.0,
        "value_forecast_to_end": t.get("value_forecast_to_end") or 0.0,
        "value_committed_total": t.get("value_committed_total") or 0.0,
        "framework": _framework_title(r),
        **_ratio_range(r),
        **_places(r),
    }
    lines = [(cid, ln.get("stakeholder", ""), ln.get("outcome", ""), ln.get("theme") or "", ln.get("ward") or "",
              ln.get("value_type") or "", float(ln["present_value"]),
              bool(ln.get("disbenefit")) or float(ln["present_value"]) < 0) for ln in r["lines"]]
    quarters = [(cid, str(q["period"]), float(q["value_committed"]),
                 np.nan if q.get("value_delivered") is None else float(q["value_delivered"]))
                for q in (t.get("by_period") or [])] if r.get("tracking") else []
    for q in quarters:
        _quarter(q[1])  # a quarter that is not one is a results file sroi did not write
    return cid, contract, lines, quarters


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
    contracts, lines, quarters = [], [], []
    seen: dict[str, Path] = {}
    for path in (f / RESULTS_FILE for f in found):
        try:
            r = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            raise InputError(Problem("cannot be read as JSON", file=str(path))) from None
        try:
            cid, contract, its_lines, its_quarters = _records(r, path)
        except (KeyError, TypeError, AttributeError, ValueError, InputError):
            raise InputError(Problem("does not hold the figures `sroi run` writes", file=str(path),
                                     fix="Run `sroi run` again for this contract.")) from None
        if cid in seen:
            raise InputError(Problem(f"two folders hold reports for contract '{cid}': {seen[cid]} and {path.parent}",
                                     file=str(folder), fix="Delete the one that is out of date (a copy or an old "
                                     "report), so each contract is counted once."))
        seen[cid] = path.parent
        contracts.append(contract)
        lines += its_lines
        quarters += its_quarters
    c = pd.DataFrame(contracts, columns=["contract_id", "title", "report_folder", "supplier", "directorate",
                                         "analysis_type", "illustrative", "start_year", "present_value",
                                         "total_inputs", "sroi_ratio",
                                         "npv", "rag", "value_committed_to_date", "value_delivered_to_date",
                                         "value_forecast_to_end", "value_committed_total", "framework",
                                         *RANGE_COLUMNS, *PLACE_COLUMNS])
    c["has_place_data"] = c["has_place_data"].astype(bool)
    c["start_year"] = c["start_year"].astype("Int64")
    ln = pd.DataFrame(lines, columns=["contract_id", "stakeholder", "outcome", "theme", "ward", "value_type",
                                      "present_value", "disbenefit"])
    ungrouped = ln["contract_id"].isin(set(c.loc[c["framework"] == "", "contract_id"])).to_numpy()
    ln["pillar"] = np.where(ungrouped, NOT_GROUPED, fw.assign(ln["theme"]).to_numpy())
    periods = pd.DataFrame(quarters, columns=list(PERIOD_COLUMNS))
    return Portfolio(c, ln, scan.skipped, periods)
