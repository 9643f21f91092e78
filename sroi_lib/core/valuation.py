"""The SROI valuation: per line, per year, present values and the ratios.

For each outcome line *i* (docs/method.md)::

    v        = value × D[price_year] / D[value's price year]          (re-priced)
    impact   = quantity × v × (1 − deadweight) × (1 − displacement) × (1 − attribution)
    value_t  = impact × (1 − drop_off)^(t − start_year + δ),  t = start_year … start_year + duration − 1
               (δ = 0: drop-off from the second year, the default; δ = 1: from the first year)
    PV_i     = Σ_t value_t × DF(t)

A disbenefit (a negative outcome, such as delay to road users during works) has
a value below zero: the same formula with v < 0, so every figure of the line
is negative (a proxy's value, which is positive, is taken as −value on a line
marked ``disbenefit``). The map's totals are net of disbenefits::

    gross benefits    = ΣPV of the benefit lines
    gross disbenefits = ΣPV of the disbenefit lines  (0 or below)
    ΣPV               = gross benefits + gross disbenefits

and for the whole map::

    SROI ratio      = ΣPV / Σinputs
    net SROI ratio  = (ΣPV − Σinputs) / Σinputs
    NPV             = ΣPV − Σinputs
    payback months  = Σinputs / (annual impact / 12),  annual impact = Σ impact_i over the lines that start in year 1

Inputs are at year 0 and not discounted unless a row gives a later year.
Every intermediate figure is kept in :class:`Valuation` so any total can be
traced back to its proxy, source and assumptions.

References
----------
Nicholls, J. et al. (2012). A guide to Social Return on Investment. The SROI
Network. HM Treasury (2026). The Green Book.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .discounting import ALREADY_DISCOUNTED, DiscountSchedule, no_discounting, parse_discounting
from .prices import DeflatorSeries, load_deflators, parse_price_year
from .records import json_records

__all__ = ["Valuation", "value", "investment_inputs", "zero_inputs_problem", "NOT_STATED"]

NOT_STATED = "not stated"
BREAKDOWNS = ("stakeholder", "outcome", "value_type", "theme")
DISBENEFIT = " (disbenefit)"  # added to a group's name in breakdowns: disbenefits are never netted inside a group


def investment_inputs(amount: float, description: str = "Investment") -> pd.DataFrame:
    """An inputs table of one row: ``amount`` at year 0 (for ``--investment``)."""
    if not np.isfinite(amount) or amount < 0:
        raise InputError(f"The investment {amount} must be a number of 0 or more.")
    return pd.DataFrame(
        {"row": [None], "stakeholder": ["Commissioner"], "description": [description],
         "value": [float(amount)], "year": [0]}
    )


@dataclass
class Valuation:
    """The result of :func:`value`, with its full trail of figures.

    Attributes
    ----------
    lines : DataFrame
        One row per outcome line: the inputs as read, the proxy and its source,
        ``reprice_factor``, ``value_per_unit`` (in analysis prices),
        ``impact`` (first-year value after deadweight, displacement and
        attribution), ``undiscounted_value`` and ``present_value``.
    years : DataFrame
        One row per line per year: ``line`` (position in ``lines``), ``year``,
        ``value`` (after drop-off), ``discount_factor``, ``present_value``.
    inputs : DataFrame
        Each input with its ``year``, ``discount_factor`` and ``present_value``.
    price_year : int
        The analysis price year every figure is in.
    discounting : DiscountSchedule
        The schedule used.
    deflators : DeflatorSeries
        The price index used to re-price values.
    """

    lines: pd.DataFrame
    inputs: pd.DataFrame
    price_year: int
    discounting: DiscountSchedule
    deflators: DeflatorSeries = field(repr=False)
    drop_off_first_year: bool = False

    @cached_property
    def years(self) -> pd.DataFrame:
        """One row per line per year it lasts (built from ``lines`` when first asked for).

        ``value = impact × (1 − drop_off)^(year − start_year + δ)`` (δ = 1 when
        drop-off starts in the first year), ``present_value = value × discount_factor``.
        """
        ln = self.lines
        duration = ln["duration"].to_numpy(np.int64)
        line_idx = np.repeat(np.arange(len(ln)), duration)
        offset = np.arange(line_idx.size) - (np.cumsum(duration) - duration)[line_idx]
        year = ln["start_year"].to_numpy(np.int64)[line_idx] + offset
        kept = offset + int(self.drop_off_first_year)
        value_t = ln["impact"].to_numpy(float)[line_idx] * (1 - ln["drop_off"].to_numpy(float)[line_idx]) ** kept
        df = self.discounting.factors(year)
        return pd.DataFrame({"line": line_idx, "row": ln["row"].to_numpy()[line_idx], "year": year,
                             "value": value_t, "discount_factor": df, "present_value": value_t * df})

    @property
    def present_value(self) -> float:
        """ΣPV of every outcome line, in pounds at the analysis price year."""
        return float(self.lines["present_value"].sum())

    @property
    def gross_benefits(self) -> float:
        """ΣPV of the benefit lines (every line not marked as a disbenefit), before disbenefits are taken off."""
        pv = self.lines["present_value"].to_numpy(float)
        return float(pv[~self._disbenefit].sum())

    @property
    def gross_disbenefits(self) -> float:
        """ΣPV of the disbenefit lines: 0 or below. ``present_value = gross_benefits + gross_disbenefits``."""
        pv = self.lines["present_value"].to_numpy(float)
        return float(pv[self._disbenefit].sum())

    @property
    def _disbenefit(self) -> np.ndarray:
        return self.lines["disbenefit"].to_numpy(bool)

    @property
    def total_inputs(self) -> float:
        """Σ inputs (later-year inputs discounted), in pounds."""
        return float(self.inputs["present_value"].sum())

    @property
    def undiscounted_value(self) -> float:
        """Σ value over every year before discounting."""
        return float(self.lines["undiscounted_value"].sum())

    @property
    def annual_impact(self) -> float:
        """The first year's net impact: Σ impact of the lines that start in year 1 (before discounting).

        The SROI guide's payback divides the investment by the first year's impact (Nicholls et al. 2012, stage
        5); a line that starts in a later year has no impact in year 1, so it cannot shorten the payback.
        """
        lines = self.lines
        return float(lines["impact"].to_numpy()[lines["start_year"].to_numpy() == 1].sum())

    @property
    def sroi_ratio(self) -> float:
        """ΣPV / Σinputs: pounds of social value per pound invested."""
        return self.present_value / self.total_inputs

    @property
    def net_sroi_ratio(self) -> float:
        """(ΣPV − Σinputs) / Σinputs."""
        return (self.present_value - self.total_inputs) / self.total_inputs

    @property
    def npv(self) -> float:
        """Net present value: ΣPV − Σinputs."""
        return self.present_value - self.total_inputs

    @property
    def payback_months(self) -> float | None:
        """Σinputs / (annual impact / 12), the annual impact being the first year's; None when it is zero."""
        if self.annual_impact <= 0:
            return None
        return self.total_inputs / (self.annual_impact / 12)

    def breakdown(self, by: str | list[str]) -> pd.DataFrame:
        """Present value by a column of ``lines`` (or several), with each group's share.

        Blank groups show as "not stated". The disbenefit lines of a group are a group of their own, named
        "… (disbenefit)" (never netted inside the group's benefits). ``share`` is each group's present value ÷
        the gross benefits (a disbenefit's share is below zero); without benefits, ÷ the size of the gross
        disbenefits. Sorted by present value, largest first.
        """
        return _breakdown(self.lines, [by] if isinstance(by, str) else list(by))

    def by_framework(self, framework) -> pd.DataFrame:
        """Present value by the groups of a :class:`~sroi_lib.frameworks.Framework` (e.g. the three
        Best City Ambition pillars), from each line's theme; themes outside it show as "not mapped"."""
        lines = self.lines.assign(**{framework.name: framework.assign(self.lines["theme"]).to_numpy()})
        return _breakdown(lines, [framework.name])

    def by_year(self) -> pd.DataFrame:
        """Value and present value in each year, summed over lines (net of disbenefits), and the present value of
        the year's benefits and of its disbenefits apart (``benefits_present_value``,
        ``disbenefits_present_value``: 0 or below; the two add up to ``present_value``)."""
        years = self.years
        dis = self._disbenefit[years["line"].to_numpy()]
        pv = years["present_value"].to_numpy(float)
        years = years.assign(benefits_present_value=np.where(dis, 0.0, pv),
                             disbenefits_present_value=np.where(dis, pv, 0.0))
        out = years.groupby("year", as_index=False)[["value", "present_value", "benefits_present_value",
                                                     "disbenefits_present_value"]].sum()
        out["discount_factor"] = self.discounting.factors(out["year"].to_numpy())
        return out[["year", "value", "discount_factor", "present_value", "benefits_present_value",
                    "disbenefits_present_value"]]

    def summary(self) -> dict:
        """The headline figures as plain floats."""
        return {
            "present_value": self.present_value,
            "gross_benefits": self.gross_benefits,
            "gross_disbenefits": self.gross_disbenefits,
            "total_inputs": self.total_inputs,
            "sroi_ratio": self.sroi_ratio,
            "net_sroi_ratio": self.net_sroi_ratio,
            "npv": self.npv,
            "payback_months": self.payback_months,
            "annual_impact": self.annual_impact,
            "undiscounted_value": self.undiscounted_value,
        }

    def conventions(self) -> dict:
        """How this valuation counts its years: whether year 1 is discounted, when drop-off starts, and whether
        the figures were already discounted by their authors."""
        return {"first_year_discounted": self.discounting.first_year_discounted,
                "drop_off_from": "first year" if self.drop_off_first_year else "second year",
                "already_discounted": self.discounting.name == ALREADY_DISCOUNTED}

    def method_text(self) -> str:
        """The valuation's conventions in one plain sentence for a report's method line."""
        first = ("year 1 is discounted" if self.discounting.first_year_discounted
                 else "year 1 is not discounted (discounting from year 0)")
        if self.discounting.name == ALREADY_DISCOUNTED:
            first = "the figures are already discounted by their authors, so sroi does not discount them again"
        drop = ("drop-off applies from each outcome's first year" if self.drop_off_first_year
                else "drop-off applies from each outcome's second year")
        return f"{first}; {drop}."

    def to_dict(self, frameworks=()) -> dict:
        """Everything, JSON-ready: headline figures, lines, inputs, years, breakdowns
        (by stakeholder, outcome, value type, theme, and each framework given)."""
        from .. import __version__

        return {
            **self.summary(),
            "price_year": self.price_year,
            "discounting": self.discounting.to_dict(),
            "conventions": self.conventions(),
            "deflator": {"title": self.deflators.title, "vintage": self.deflators.vintage,
                         "source_url": self.deflators.source_url},
            "sroi_version": __version__,
            "lines": json_records(self.lines),
            "inputs": json_records(self.inputs),
            "by_year": json_records(self.by_year()),
            "breakdowns": {k: json_records(self.breakdown(k)) for k in BREAKDOWNS}
            | {f.name: json_records(self.by_framework(f)) for f in frameworks},
        }


def _breakdown(lines: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Impact and present value by ``keys``; a group's disbenefit lines are a group of their own (the last key's
    name + " (disbenefit)"); ``share`` = present value ÷ gross benefits (÷ |gross disbenefits| when there are
    no benefits)."""
    frame = lines[keys + ["impact", "present_value"]].copy()
    for k in keys:
        frame[k] = frame[k].replace("", NOT_STATED).fillna(NOT_STATED)
    dis = lines["disbenefit"].to_numpy(bool) if "disbenefit" in lines else np.zeros(len(lines), dtype=bool)
    if dis.any():
        last = keys[-1]
        frame[last] = frame[last].astype(object).where(~dis, frame[last].astype(str) + DISBENEFIT)
    out = frame.groupby(keys, sort=False, as_index=False)[["impact", "present_value"]].sum()
    pv = frame["present_value"].to_numpy(float)
    total = float(pv[~dis].sum()) or abs(float(pv[dis].sum()))
    out["share"] = out["present_value"] / total if total else 0.0
    return out.sort_values("present_value", ascending=False, kind="stable").reset_index(drop=True)


def zero_inputs_problem(inputs: pd.DataFrame, column: str = "value") -> Problem | None:
    """The problem to report when the inputs total £0 (the SROI ratio is then undefined)."""
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing total is refused by value()
        if inputs[column].sum() > 0:
            return None
    return Problem("the total of the inputs is £0, so the SROI ratio (value ÷ inputs) is undefined",
                   file=inputs.attrs.get("file"), column="value",
                   fix="Give the investment (cash and in-kind) with a value above £0.")


def _row(row) -> int | None:
    """A line's spreadsheet row as an int, or None for a line built in code."""
    return None if row is None or pd.isna(row) else int(row)


def value(
    impact_map: pd.DataFrame,
    inputs: pd.DataFrame | float,
    *,
    price_year: int | None = None,
    discounting: str | float | DiscountSchedule = "green-book",
    deflators: DeflatorSeries | None = None,
    proxies=None,
    first_year_discounted: bool = True,
    drop_off_first_year: bool = False,
) -> Valuation:
    """Value an impact map against its inputs.

    Parameters
    ----------
    impact_map : DataFrame
        A validated impact map (:func:`sroi_lib.io.read_impact_map`).
    inputs : DataFrame or float
        A validated inputs table (:func:`sroi_lib.io.read_inputs`) or a single
        investment in pounds at year 0.
    price_year : int, optional
        Analysis price year; default the latest year of the deflator series.
    discounting : str, float or DiscountSchedule
        ``green-book`` (default), ``health``, ``none`` or a flat rate.
    deflators : DeflatorSeries, optional
        Default: the shipped HM Treasury GDP deflator.
    proxies : mapping-like, optional
        Resolves ``proxy_id``: ``proxies[id]`` has ``value``, ``price_year``,
        ``value_type``, ``theme``, ``name``, ``source`` and ``source_url``;
        a proxy whose ``unusable(where)`` gives a problem (a
        :class:`~sroi_lib.proxies.library.Proxy` flagged "price year unknown" or
        "value £0" by an import) is refused with that problem.
    first_year_discounted : bool
        True (default): year 1 is discounted. False: discounting from year 0
        (``DF'(t) = DF(t − 1)``), to reproduce an SROI prepared that way.
    drop_off_first_year : bool
        False (default): drop-off applies from the second year of a line. True:
        from its first year, ``value_t = impact × (1 − drop_off)^(t − start_year + 1)``.

    Returns
    -------
    Valuation

    Raises
    ------
    InputError
        For a price year outside the deflator series, an unknown proxy, or
        total inputs of zero (the ratio is undefined).

    Examples
    --------
    The worked check of docs/method.md: 100 × £1,000, deadweight
    20%, attribution 25%, drop-off 10%, three years at 3.5%, inputs £100,000:

    >>> m = pd.DataFrame({"stakeholder": ["Residents"], "outcome": ["Into work"], "quantity": [100],
    ...                   "value": [1000.0], "price_year": [2024], "duration": [3],
    ...                   "deadweight": [0.2], "attribution": [0.25], "drop_off": [0.1]})
    >>> v = value(m, 100_000, price_year=2024, discounting="3.5%")
    >>> round(v.present_value, 2), round(v.sroi_ratio, 2)
    (152215.01, 1.52)
    """
    deflators = deflators or load_deflators()
    schedule = parse_discounting(discounting)
    if schedule.first_year_discounted != bool(first_year_discounted):
        schedule = replace(schedule, first_year_discounted=bool(first_year_discounted))
    price_year = parse_price_year(price_year, deflators, label="The price year ")
    lines = _complete_map(impact_map, proxies)
    outside = np.flatnonzero(~np.asarray(deflators.covers(lines["price_year"]), dtype=bool))
    if outside.size:
        raise InputError([deflators.year_problem(lines["price_year"][i], file=impact_map.attrs.get("file"),
                                                 row=_row(lines["row"][i]), column="price_year") for i in outside])
    inputs_frame = investment_inputs(inputs) if np.isscalar(inputs) else inputs.copy()

    # Re-price every value to the analysis price year.
    factor = deflators.factor(lines["price_year"].astype(np.int64), price_year)
    with np.errstate(over="ignore", invalid="ignore"):  # figures that overflow are refused below, naming the rows
        per_unit = lines["value"] * factor
        impact = (lines["quantity"] * per_unit * (1 - lines["deadweight"]) * (1 - lines["displacement"])
                  * (1 - lines["attribution"]))
    duration, start, drop = lines["duration"], lines["start_year"], lines["drop_off"]

    # ln(1 − drop_off), by log1p so tiny drop-offs stay exact; −1e300 stands in for ln 0
    # (a drop-off of 100%) so the first year counts in full and later years as exactly 0.
    with np.errstate(divide="ignore"):
        log_keep = np.maximum(np.log1p(-drop), -1e300)
    # Σ_t (1 − drop_off)^(t − start) × DF(t), in closed form per line (see series_factors);
    # undiscounted, the same sum with DF = 1. Drop-off from the first year multiplies every year by (1 − drop_off).
    first = (1 - drop) if drop_off_first_year else 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        pv = impact * first * schedule.series_factors(start, duration, log_keep)
        undiscounted = impact * first * no_discounting().series_factors(start, duration, log_keep)

    lines.update(reprice_factor=factor, value_per_unit=per_unit, impact=impact, end_year=start + duration - 1,
                 undiscounted_value=undiscounted, present_value=pv)
    frame = pd.DataFrame({k: lines[k] for k in _LINE_ORDER} | {k: v for k, v in lines.items() if k not in _LINE_ORDER},
                         copy=False)
    frame.attrs["file"] = impact_map.attrs.get("file")

    inputs_frame["year"] = inputs_frame["year"].fillna(0).astype(np.int64)
    inputs_frame["discount_factor"] = schedule.factors(inputs_frame["year"].to_numpy())
    inputs_frame["present_value"] = inputs_frame["value"].to_numpy(float) * inputs_frame["discount_factor"]
    zero = zero_inputs_problem(inputs_frame, "present_value")
    if zero:
        raise InputError(zero)
    _refuse_non_finite(frame, inputs_frame, impact_map.attrs.get("file"))
    return Valuation(lines=frame, inputs=inputs_frame, price_year=int(price_year),
                     discounting=schedule, deflators=deflators, drop_off_first_year=bool(drop_off_first_year))


def _refuse_non_finite(lines: pd.DataFrame, inputs: pd.DataFrame, file) -> None:
    """Refuse figures too large to compute: a line's value or present value, the totals or the ratio not finite.

    Each cell is finite when read, but products and sums can still overflow
    (a quantity of 1e308 times any value is infinite), which would print as
    "inf" with exit 0. The rows are named.
    """
    figures = ("value_per_unit", "impact", "undiscounted_value", "present_value")
    bad = ~np.isfinite(lines[list(figures)].to_numpy(dtype=float)).all(axis=1)
    if bad.any():
        raise InputError([Problem("the figures on this line are too large to compute (they overflow to infinity)",
                                  file=file, row=_row(r), column="quantity",
                                  fix="Check the quantity and the value: they are far beyond any real figure.")
                          for r in lines["row"][bad]])
    bad_inputs = ~np.isfinite(inputs["present_value"].to_numpy(dtype=float))
    if bad_inputs.any():
        raise InputError([Problem("this input is too large to compute", file=inputs.attrs.get("file"),
                                  row=_row(r), column="value", fix="Check the value: it is far beyond any real figure.")
                          for r in inputs["row"][bad_inputs]])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        pv, cost = float(lines["present_value"].sum()), float(inputs["present_value"].sum())
        totals = {"the total present value": (pv, file), "the total of the inputs": (cost, inputs.attrs.get("file")),
                  "the SROI ratio (value ÷ inputs)": (pv / cost if cost else 0.0, file),
                  "the first-year impact": (float(lines["impact"].sum()), file)}
    if np.isfinite(pv) and np.isfinite(cost) and not np.isfinite(totals["the SROI ratio (value ÷ inputs)"][0]):
        raise InputError(Problem(f"the inputs total only £{cost:.3g}, so the SROI ratio (value ÷ inputs) is too "
                                 "large to compute (it overflows to infinity)", file=inputs.attrs.get("file"),
                                 column="value", fix="Check the inputs: give the investment in pounds, such as "
                                 "100000 or £100,000."))
    for name, (number, where) in totals.items():
        if not np.isfinite(number):
            raise InputError(Problem(f"{name} is too large to compute (it overflows to infinity)", file=where,
                                     fix="Check the quantities, values and inputs: they are far beyond any real "
                                     "figure."))


_LINE_ORDER = [
    "row", "stakeholder", "outcome", "indicator", "proxy_id", "proxy_name", "source", "source_url",
    "value", "price_year", "reprice_factor", "value_per_unit", "quantity", "deadweight",
    "displacement", "attribution", "drop_off", "start_year", "duration", "end_year", "impact",
    "undiscounted_value", "present_value", "disbenefit", "value_type", "theme", "evidence", "ward",
]
_NUMBERS = {"quantity": None, "value": np.nan, "deadweight": 0.0, "displacement": 0.0, "attribution": 0.0,
            "drop_off": 0.0}
_WHOLE = {"duration": None, "start_year": 1}
_TEXT = ("stakeholder", "outcome", "indicator", "proxy_id", "value_type", "theme", "evidence", "ward")
INLINE_SOURCE = "as stated in the impact map"


def _constant(n: int, text: str) -> pd.Series:
    out = np.empty(n, dtype=object)
    out[:] = text
    return pd.Series(out, dtype=object, copy=False)


def _complete_map(impact_map: pd.DataFrame, proxies) -> dict:
    """Columns with defaults filled and proxies resolved (value, price year, type, theme, source).

    Numbers come back as NumPy arrays, text as Series (left as they are: no copy)."""
    n = len(impact_map)
    cols = impact_map.columns

    def number(name, default, dtype):
        if name in cols:
            values = impact_map[name]
            if default is not None and values.hasnans:
                values = values.fillna(default)
            return values.to_numpy(dtype=dtype, copy=True)
        if default is None:
            raise InputError(f"The impact map has no '{name}' column.")
        return np.full(n, default, dtype=dtype)

    blank = _constant(n, "")  # one shared, read-only column for every absent text column

    def text(name):
        if name not in cols:
            return blank
        values = impact_map[name].reset_index(drop=True)
        return values.fillna("") if values.dtype == object and values.hasnans else values

    lines: dict = {"row": impact_map["row"].to_numpy(dtype=float, na_value=np.nan) if "row" in cols
                   else np.full(n, np.nan)}
    lines |= {k: number(k, d, float) for k, d in _NUMBERS.items()}
    lines |= {k: number(k, d, np.int64) for k, d in _WHOLE.items()}
    lines |= {k: text(k) for k in _TEXT}
    lines["disbenefit"] = _flags(impact_map["disbenefit"]) if "disbenefit" in cols else np.zeros(n, dtype=bool)
    lines["price_year"] = (impact_map["price_year"].to_numpy(dtype=float, na_value=-1).astype(np.int64)
                           if "price_year" in cols else np.full(n, -1))
    lines["proxy_name"], lines["source"], lines["source_url"] = blank, _constant(n, INLINE_SOURCE), blank
    for c in cols:
        if c not in lines:
            lines[c] = impact_map[c].reset_index(drop=True)

    uses = np.flatnonzero(lines["proxy_id"].to_numpy(dtype=object) != "") if "proxy_id" in cols else []
    if len(uses):
        _resolve_proxies(lines, uses, proxies, impact_map.attrs.get("file"))
    missing = np.isnan(lines["value"]) | (lines["price_year"] < 0)
    if missing.any():
        raise InputError("Every line needs a value and price year, or a proxy_id; validate the map with "
                         "sroi_lib.io.read_impact_map first.")
    # A disbenefit counts against the total: a line marked so (a proxy's value is positive) or a value below zero.
    lines["disbenefit"] = lines["disbenefit"] | (lines["value"] < 0)
    lines["value"] = np.where(lines["disbenefit"], -np.abs(lines["value"]), lines["value"])
    lines["row"] = pd.array(lines["row"], dtype="Int64")
    return lines


def _flags(column: pd.Series) -> np.ndarray:
    """A yes/no column as booleans, a blank (None or NaN) being no."""
    if column.dtype == bool:
        return column.to_numpy(dtype=bool, copy=True)
    return np.array([x is not None and x == x and bool(x) for x in column], dtype=bool)


def _resolve_proxies(lines: dict, uses, proxies, file) -> None:
    """Put each proxy's value, price year, name and source on the lines that use it."""
    edit = {k: lines[k].to_numpy(dtype=object, copy=True)
            for k in ("proxy_id", "proxy_name", "source", "source_url", "value_type", "theme")}
    problems = []
    looked_up: dict = {}  # each proxy is looked up once, however many lines use it
    for i in uses:
        pid = edit["proxy_id"][i]
        if pid not in looked_up:
            looked_up[pid] = proxies[pid] if proxies is not None and pid in proxies else None
        if looked_up[pid] is None:
            problems.append(Problem(f"proxy '{pid}' is not in the proxy library", file=file,
                                    row=_row(lines["row"][i]), column="proxy_id",
                                    fix="Give a known proxy_id, or a value and price_year instead."))
            continue
        p = looked_up[pid]
        row = _row(lines["row"][i])
        where = f" (used by {', '.join(filter(None, [Path(file).name if file else '', row and f'row {row}']))})"
        if hasattr(p, "unusable") and (blocked := p.unusable(where)):  # flagged by an import
            problems.append(blocked)
            continue
        lines["value"][i], lines["price_year"][i] = float(p.value), int(p.price_year)
        edit["proxy_name"][i], edit["source"][i], edit["source_url"][i] = p.name, p.source, p.source_url
        edit["value_type"][i] = edit["value_type"][i] or p.value_type
        edit["theme"][i] = edit["theme"][i] or p.theme
    if problems:
        raise InputError(problems)
    for k in ("proxy_name", "source", "source_url", "value_type", "theme"):
        lines[k] = pd.Series(edit[k], dtype=object, copy=False)
