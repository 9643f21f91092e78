"""The SROI valuation: per line, per year, present values and the ratios.

For each outcome line *i* (DESIGN.md, "Calculation conventions")::

    v        = value × D[price_year] / D[value's price year]          (re-priced)
    impact   = quantity × v × (1 − deadweight) × (1 − displacement) × (1 − attribution)
    value_t  = impact × (1 − drop_off)^(t − start_year),  t = start_year … start_year + duration − 1
    PV_i     = Σ_t value_t × DF(t)

and for the whole map::

    SROI ratio      = ΣPV / Σinputs
    net SROI ratio  = (ΣPV − Σinputs) / Σinputs
    NPV             = ΣPV − Σinputs
    payback months  = Σinputs / (annual impact / 12),  annual impact = Σ impact_i

Inputs are at year 0 and not discounted unless a row gives a later year.
Every intermediate figure is kept in :class:`Valuation` so any total can be
traced back to its proxy, source and assumptions.

References
----------
Nicholls, J. et al. (2012). A guide to Social Return on Investment. The SROI
Network. HM Treasury (2026). The Green Book.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .discounting import DiscountSchedule, parse_discounting
from .errors import InputError, Problem
from .prices import DeflatorSeries, load_deflators

__all__ = ["Valuation", "value", "investment_inputs", "zero_inputs_problem", "NOT_STATED"]

NOT_STATED = "not stated"
BREAKDOWNS = ("stakeholder", "outcome", "value_type", "theme")


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
    years: pd.DataFrame
    inputs: pd.DataFrame
    price_year: int
    discounting: DiscountSchedule
    deflators: DeflatorSeries = field(repr=False)

    @property
    def present_value(self) -> float:
        """ΣPV of every outcome line, in pounds at the analysis price year."""
        return float(self.lines["present_value"].sum())

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
        """Σ first-year impact of every line (before drop-off and discounting)."""
        return float(self.lines["impact"].sum())

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
        """Σinputs / (annual impact / 12); None when the annual impact is zero."""
        if self.annual_impact <= 0:
            return None
        return self.total_inputs / (self.annual_impact / 12)

    def breakdown(self, by: str | list[str]) -> pd.DataFrame:
        """Present value by a column of ``lines`` (or several), with each group's share.

        Blank groups show as "not stated". Sorted by present value, largest first.
        """
        keys = [by] if isinstance(by, str) else list(by)
        frame = self.lines[keys + ["impact", "present_value"]].copy()
        for k in keys:
            frame[k] = frame[k].replace("", NOT_STATED).fillna(NOT_STATED)
        out = frame.groupby(keys, sort=False, as_index=False)[["impact", "present_value"]].sum()
        total = out["present_value"].sum()
        out["share"] = out["present_value"] / total if total else 0.0
        return out.sort_values("present_value", ascending=False, kind="stable").reset_index(drop=True)

    def by_year(self) -> pd.DataFrame:
        """Value and present value in each year, summed over lines."""
        out = self.years.groupby("year", as_index=False)[["value", "present_value"]].sum()
        out["discount_factor"] = self.discounting.factors(out["year"].to_numpy())
        return out[["year", "value", "discount_factor", "present_value"]]

    def summary(self) -> dict:
        """The headline figures as plain floats."""
        return {
            "present_value": self.present_value,
            "total_inputs": self.total_inputs,
            "sroi_ratio": self.sroi_ratio,
            "net_sroi_ratio": self.net_sroi_ratio,
            "npv": self.npv,
            "payback_months": self.payback_months,
            "annual_impact": self.annual_impact,
            "undiscounted_value": self.undiscounted_value,
        }

    def to_dict(self) -> dict:
        """Everything, JSON-ready: headline figures, lines, inputs, years, breakdowns."""
        from . import __version__

        def records(frame: pd.DataFrame) -> list[dict]:
            clean = frame.astype(object).where(pd.notna(frame), None)
            return [{k: _plain(v) for k, v in r.items()} for r in clean.to_dict(orient="records")]

        return {
            **self.summary(),
            "price_year": self.price_year,
            "discounting": self.discounting.to_dict(),
            "deflator": {"title": self.deflators.title, "vintage": self.deflators.vintage,
                         "source_url": self.deflators.source_url},
            "sroi_version": __version__,
            "lines": records(self.lines),
            "inputs": records(self.inputs),
            "by_year": records(self.by_year()),
            "breakdowns": {k: records(self.breakdown(k)) for k in BREAKDOWNS},
        }


def zero_inputs_problem(inputs: pd.DataFrame, column: str = "value") -> Problem | None:
    """The problem to report when the inputs total £0 (the SROI ratio is then undefined)."""
    if inputs[column].sum() > 0:
        return None
    return Problem("the total of the inputs is £0, so the SROI ratio (value ÷ inputs) is undefined",
                   file=inputs.attrs.get("file"), column="value",
                   fix="Give the investment (cash and in-kind) with a value above £0.")


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def value(
    impact_map: pd.DataFrame,
    inputs: pd.DataFrame | float,
    *,
    price_year: int | None = None,
    discounting: str | float | DiscountSchedule = "green-book",
    deflators: DeflatorSeries | None = None,
    proxies=None,
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
        ``value_type``, ``theme``, ``name``, ``source`` and ``source_url``.

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
    The worked check of ``shared/reference/method.md``: 100 × £1,000, deadweight
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
    price_year = deflators.last_year if price_year is None else price_year
    if not deflators.covers(price_year):
        raise InputError(
            f"The price year {price_year} is outside the GDP deflator series ({deflators.describe_range()}). "
            f"Choose a price year from {deflators.describe_range()}."
        )
    lines = _complete_map(impact_map, proxies)
    inputs_frame = investment_inputs(inputs) if np.isscalar(inputs) else inputs.copy()
    file = impact_map.attrs.get("file")

    # Re-price every value to the analysis price year.
    lines["reprice_factor"] = deflators.factor(lines["price_year"].to_numpy(dtype=np.int64), price_year)
    lines["value_per_unit"] = lines["value"].to_numpy(float) * lines["reprice_factor"].to_numpy(float)

    q = lines["quantity"].to_numpy(float)
    impact = (
        q * lines["value_per_unit"].to_numpy(float)
        * (1 - lines["deadweight"].to_numpy(float))
        * (1 - lines["displacement"].to_numpy(float))
        * (1 - lines["attribution"].to_numpy(float))
    )
    lines["impact"] = impact

    # Expand to one entry per line per year it lasts.
    duration = lines["duration"].to_numpy(np.int64)
    start = lines["start_year"].to_numpy(np.int64)
    drop = lines["drop_off"].to_numpy(float)
    line_idx = np.repeat(np.arange(len(lines)), duration)
    offset = np.arange(duration.sum()) - np.repeat(np.cumsum(duration) - duration, duration)
    year = start[line_idx] + offset
    value_t = impact[line_idx] * (1 - drop[line_idx]) ** offset
    df = schedule.factors(year)
    pv_t = value_t * df
    lines["end_year"] = start + duration - 1
    lines["undiscounted_value"] = np.bincount(line_idx, weights=value_t, minlength=len(lines))
    lines["present_value"] = np.bincount(line_idx, weights=pv_t, minlength=len(lines))
    years = pd.DataFrame({"line": line_idx, "row": lines["row"].to_numpy()[line_idx], "year": year,
                          "value": value_t, "discount_factor": df, "present_value": pv_t})

    inputs_frame["year"] = inputs_frame["year"].fillna(0).astype(np.int64)
    inputs_frame["discount_factor"] = schedule.factors(inputs_frame["year"].to_numpy())
    inputs_frame["present_value"] = inputs_frame["value"].to_numpy(float) * inputs_frame["discount_factor"]
    zero = zero_inputs_problem(inputs_frame, "present_value")
    if zero:
        raise InputError(zero)

    lines = lines[_LINE_ORDER + [c for c in lines.columns if c not in _LINE_ORDER]]
    lines.attrs["file"] = file
    return Valuation(lines=lines, years=years, inputs=inputs_frame, price_year=int(price_year),
                     discounting=schedule, deflators=deflators)


_LINE_ORDER = [
    "row", "stakeholder", "outcome", "indicator", "proxy_id", "proxy_name", "source", "source_url",
    "value", "price_year", "reprice_factor", "value_per_unit", "quantity", "deadweight",
    "displacement", "attribution", "drop_off", "start_year", "duration", "end_year", "impact",
    "undiscounted_value", "present_value", "value_type", "theme", "evidence", "ward",
]

_DEFAULTS = {"row": None, "indicator": "", "proxy_id": "", "value": np.nan, "price_year": pd.NA,
             "deadweight": 0.0, "displacement": 0.0, "attribution": 0.0, "drop_off": 0.0,
             "start_year": 1, "value_type": "", "theme": "", "evidence": "", "ward": ""}


def _complete_map(impact_map: pd.DataFrame, proxies) -> pd.DataFrame:
    """Fill defaults and resolve proxies: value, price year, type, theme and source per line."""
    lines = impact_map.copy()
    for col, default in _DEFAULTS.items():
        if col not in lines.columns:
            lines[col] = default
    lines["proxy_id"] = lines["proxy_id"].fillna("").astype(str)
    lines["value"] = lines["value"].astype(float)
    price_year = lines["price_year"].astype(object).to_numpy(copy=True)
    value = lines["value"].to_numpy(copy=True)
    proxy_name = np.full(len(lines), "", dtype=object)
    source = np.full(len(lines), "as stated in the impact map", dtype=object)
    source_url = np.full(len(lines), "", dtype=object)
    value_type = lines["value_type"].fillna("").astype(str).to_numpy(copy=True).astype(object)
    theme = lines["theme"].fillna("").astype(str).to_numpy(copy=True).astype(object)
    problems = []
    for i in np.flatnonzero(lines["proxy_id"].to_numpy() != ""):
        pid = lines["proxy_id"].iat[i]
        if proxies is None or pid not in proxies:
            problems.append(Problem(f"proxy '{pid}' is not in the proxy library", file=impact_map.attrs.get("file"),
                                    row=_row(lines, i), column="proxy_id",
                                    fix="Give a known proxy_id, or a value and price_year instead."))
            continue
        p = proxies[pid]
        value[i], price_year[i] = float(p.value), int(p.price_year)
        proxy_name[i], source[i], source_url[i] = p.name, p.source, p.source_url
        value_type[i] = value_type[i] or p.value_type
        theme[i] = theme[i] or p.theme
    if problems:
        raise InputError(problems)
    lines["value"], lines["price_year"] = value, price_year
    lines["proxy_name"], lines["source"], lines["source_url"] = proxy_name, source, source_url
    lines["value_type"], lines["theme"] = value_type, theme
    lines = lines.reset_index(drop=True)
    return lines


def _row(lines: pd.DataFrame, i: int):
    r = lines["row"].iat[i]
    return None if pd.isna(r) else int(r)
