"""Impact maps and inputs: their columns, their checks, and reading them from CSV or Excel.

An impact map has one row per outcome line (one outcome for one stakeholder);
inputs list what was invested. Beyond each cell's own rules
(:mod:`sroi_lib.io.cells`):

* blank optional cells take their defaults: ``start_year`` 1, every
  adjustment 0, an input's ``year`` 0;
* each outcome line gives either a ``proxy_id`` or an inline ``value`` with its
  ``price_year``, never both;
* a line is a disbenefit (a negative outcome, such as delay to road users during
  works) when its ``value`` is below zero or its ``disbenefit`` cell says
  ``yes`` (the way to mark a line valued by a proxy, whose value is positive);
  its value then counts against the total (docs/method.md, "Disbenefits"). A
  negative ``value`` beside a ``disbenefit`` of ``no`` is refused as a
  contradiction. ``quantity`` and ``duration`` are never negative;
* ``duration`` and ``start_year`` (and an input's ``year``) are at most 300
  (:mod:`sroi_lib.io.limits`: the Green Book discount table's range), and
  the durations of all the lines add up to at most 1,000,000 line-years;
* a totals or subtotal row is refused, naming it (:mod:`sroi_lib.io.totals`),
  since sroi adds the lines up itself.

Every problem in a file is collected and reported together.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem, Problems, did_you_mean
from .cells import Column, normalise_header, validate_rows
from .limits import MAX_DURATION_YEARS, MAX_LINE_YEARS, MAX_START_YEAR
from .tables import SHEET_HELP, RawTable, read_table
from .totals import find_totals_rows

__all__ = [
    "IMPACT_MAP_COLUMNS",
    "INPUT_COLUMNS",
    "ADJUSTMENTS",
    "PICK_SEPARATOR",
    "read_impact_map",
    "read_inputs",
    "read_map_and_inputs",
    "header_of",
    "validate_impact_map",
    "validate_inputs",
]

_GREEN_BOOK_RANGE = "the Green Book's discount table runs to year 300; see docs/limits.md"

ADJUSTMENTS = ("deadweight", "displacement", "attribution", "drop_off")
# A proxy id may be followed by this and its description, as the impact map template's picker writes it
# ("hw-wellby-central — WELLBY, central value (per WELLBY, £16,027.91 in 2024 prices)"): the id is read.
PICK_SEPARATOR = " — "

IMPACT_MAP_COLUMNS: tuple[Column, ...] = (
    Column("stakeholder", "text", required=True, help="who experiences the outcome"),
    Column("outcome", "text", required=True, help="what changes for them"),
    Column("indicator", "text", default="", help="how the change is measured"),
    Column("quantity", "number", required=True, help="how many (people, tonnes, visits...)"),
    Column("duration", "whole", required=True, minimum=1, help="years the outcome lasts",
           maximum=MAX_DURATION_YEARS, why_maximum=_GREEN_BOOK_RANGE),
    Column("start_year", "whole", default=1, minimum=1, help="year the outcome starts (1 = during the activity)",
           maximum=MAX_START_YEAR, why_maximum=_GREEN_BOOK_RANGE),
    Column("proxy_id", "text", default="", help="id of a proxy in the library"),
    Column("value", "money", default=None, negative=True,
           help="value per unit in pounds, if no proxy_id (below zero for a disbenefit)"),
    Column("price_year", "whole", default=None, help="price year of an inline value", maximum=9999,
           why_maximum="a calendar year"),
    Column("disbenefit", "yes_no", default=None,
           help="yes for a negative outcome (a disbenefit): its value counts against the total"),
    Column("deadweight", "fraction", default=0.0, help="share that would have happened anyway"),
    Column("displacement", "fraction", default=0.0, help="share that displaces value elsewhere"),
    Column("attribution", "fraction", default=0.0, help="share due to others"),
    Column("drop_off", "fraction", default=0.0, help="yearly fall after the first year"),
    Column("value_type", "value_type", default="", help="fiscal, economic or social"),
    Column("theme", "text", default="", help="theme, for frameworks"),
    Column("evidence", "text", default="", help="why these assumptions"),
    Column("ward", "text", default="", help="electoral ward of the beneficiaries: its name or ONS code"),
    Column("lsoa", "text", default="", help="LSOA (2021 code) of the beneficiaries, such as E01011352"),
    Column("postcode_district", "text", default="", help="postcode district of the beneficiaries, such as LS12"),
    Column("imd_decile", "whole", default=None, minimum=1, maximum=10,
           why_maximum="1 is the most deprived 10% of areas in England, 10 the least",
           help="deprivation decile of the beneficiaries' area (1 = most deprived 10%)"),
    Column("income_quintile", "whole", default=None, minimum=1, maximum=5,
           why_maximum="1 is the lowest-income fifth of households, 5 the highest",
           help="household income quintile of the beneficiaries (1 = lowest fifth)"),
)

INPUT_COLUMNS: tuple[Column, ...] = (
    Column("stakeholder", "text", required=True, help="who contributes"),
    Column("description", "text", required=True, help="what is contributed (cash, in-kind, volunteer time)"),
    Column("value", "money", required=True, help="value in pounds"),
    Column("year", "whole", default=0, minimum=0, help="year it is spent (0 = at the start, not discounted)",
           maximum=MAX_START_YEAR, why_maximum=_GREEN_BOOK_RANGE),
)


def header_of(columns: tuple[Column, ...]):
    """Whether a row is the header of a table of ``columns``: it names at least two of them (forgiving case,
    spaces, hyphens and underscores). A title above the header names none; for
    :func:`~sroi_lib.io.tables.read_table`'s ``header``."""
    names = {c.name for c in columns}

    def is_header(cells) -> bool:
        return len({normalise_header(c) for c in cells if isinstance(c, str)} & names) >= 2

    return is_header


def read_impact_map(path: str | Path, *, proxies=None, deflators=None, sheet: str | None = None) -> pd.DataFrame:
    """Read and validate an impact map (CSV or XLSX).

    In a workbook, the sheet read is ``sheet`` (or the one named in ``path``, ``map.xlsx#Impact map``), else a
    sheet named like "Impact map", else the first sheet holding the map's header; title rows above the header
    are skipped with a note (:func:`~sroi_lib.io.tables.read_table`).

    Parameters
    ----------
    path : str or Path
        The file.
    proxies : mapping-like, optional
        Anything with ``in`` and ``get(proxy_id)``: the proxy library that
        ``proxy_id`` cells are checked against. Without one, every
        ``proxy_id`` is reported as unknown.
    deflators : DeflatorSeries, optional
        The series that inline ``price_year`` cells must fall inside (its
        :meth:`~sroi_lib.core.prices.DeflatorSeries.year_problem` names each
        year outside it). Without one, that check is left to
        :func:`sroi_lib.core.valuation.value`.

    Returns
    -------
    DataFrame
        One row per outcome line with the canonical columns of
        :data:`IMPACT_MAP_COLUMNS` and ``row``, the spreadsheet
        row it came from.

    Raises
    ------
    InputError
        Listing every problem found, each with file, row and column.
    """
    raw = read_table(path, sheet=sheet, header=header_of(IMPACT_MAP_COLUMNS), named="impact map")
    return validate_impact_map(raw, proxies=proxies, deflators=deflators)


def read_inputs(path: str | Path, *, sheet: str | None = None) -> pd.DataFrame:
    """Read and validate an inputs table (``stakeholder, description, value[, year]``); the sheet is chosen as
    :func:`read_impact_map` chooses it, a sheet named "Inputs" first."""
    return validate_inputs(read_table(path, sheet=sheet, header=header_of(INPUT_COLUMNS), named="inputs"))


def read_map_and_inputs(impact_map: str | Path, inputs: str | Path | None, *, proxies=None, deflators=None,
                        sheet: str | None = None):
    """Read an impact map (from its workbook's ``sheet``, if given) and (unless ``inputs`` is None) its inputs,
    reporting the problems of both together.

    Returns ``(impact_map_frame, inputs_frame_or_None)``; raises one :class:`InputError` listing every problem.
    """
    problems: list[Problem] = []
    frames = [None, None]
    jobs = [(0, lambda: read_impact_map(impact_map, proxies=proxies, deflators=deflators, sheet=sheet))]
    if inputs is not None:
        jobs.append((1, lambda: read_inputs(inputs)))
    for i, job in jobs:
        try:
            frames[i] = job()
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return frames[0], frames[1]


def validate_impact_map(raw: RawTable, *, proxies=None, deflators=None) -> pd.DataFrame:
    """Check an impact map read by :func:`~sroi_lib.io.tables.read_table`.

    Beyond each cell's own rules, a line must give either ``proxy_id`` (known
    to ``proxies``) or ``value`` with a ``price_year`` inside the deflator
    series, never both. See :func:`read_impact_map`.
    """
    if not header_of(IMPACT_MAP_COLUMNS)(raw.header):
        raise InputError(_no_header(raw, IMPACT_MAP_COLUMNS, "impact map"))
    found = Problems()
    raw = _without_totals(raw, found, text_columns=("stakeholder", "outcome", "indicator", "proxy_id", "theme", "ward", "lsoa",
                                                       "postcode_district"),
                          labels=("stakeholder", "outcome"), figures=("quantity", "value"))
    records, labels, extras = validate_rows(raw, IMPACT_MAP_COLUMNS, found)
    if "proxy_id" not in labels and "value" not in labels:
        found.add("needs a 'proxy_id' column or a 'value' column (with 'price_year')", **raw.where(row=raw.header_row),
                  fix="Add a proxy_id column to use the proxy library, or value and price_year columns for your own values.")
    label = lambda name: labels.get(name, name)  # noqa: E731
    for rec in records:
        where = lambda col: raw.where(row=rec["row"], column=label(col))  # noqa: E731
        if PICK_SEPARATOR in rec["proxy_id"]:  # picked from the template's list: the id, then its description
            rec["proxy_id"] = rec["proxy_id"].split(PICK_SEPARATOR, 1)[0].strip()
        has_proxy, has_value = rec["proxy_id"] != "", rec["value"] is not None
        if has_proxy and has_value:
            found.add("gives both a proxy_id and a value", **where("value"),
                      fix="Keep one: the proxy_id to use the library's value, or the value (with price_year) to use your own.")
        elif not has_proxy and not has_value and ("proxy_id" in labels or "value" in labels):
            col = "proxy_id" if "proxy_id" in labels else "value"
            found.add("has neither a proxy_id nor a value", **where(col),
                      fix="Give a proxy_id from the proxy library, or a value in pounds with its price_year.")
        if has_value and rec["price_year"] is None:
            found.add("is empty, but the value beside it needs its price year", **where("price_year"),
                      fix="Give the year whose prices the value is in, such as 2023.")
        if rec["price_year"] is not None:
            if not has_value:
                found.add("is given, but there is no value on this line", **where("price_year"),
                          fix="A proxy's price year comes from the proxy library: leave price_year blank, or give a value.")
            elif deflators is not None and (outside := deflators.year_problem(rec["price_year"], **where("price_year"))):
                found.append(outside)
        if has_value and rec["value"] < 0 and rec["disbenefit"] is False:
            found.add(f"is no, but the value beside it (-£{-rec['value']:,.2f}) is below zero, which makes the line a "
                      "disbenefit", **where("disbenefit"),
                      fix="Write yes (or leave it blank) for a disbenefit, or give the value as 0 or more for a "
                      "benefit.")
        if has_proxy and (proxies is None or rec["proxy_id"] not in proxies):
            fix = ("No proxy library is loaded: give the value and price_year on the line instead."
                   if proxies is None else did_you_mean(rec["proxy_id"], getattr(proxies, "ids", None) or [])
                   + "Check the id with `sroi proxies search`, or give a value and price_year instead.")
            found.add(f"proxy '{rec['proxy_id']}' is not in the proxy library", **where("proxy_id"), fix=fix)
    line_years = sum(rec["duration"] for rec in records if isinstance(rec["duration"], int))
    if line_years > MAX_LINE_YEARS:
        found.add(f"the lines last {line_years:,} years in all (the sum of their durations), more than the "
                  f"{MAX_LINE_YEARS:,} sroi values in one map", **raw.where(column=label("duration")),
                  fix="Split the map into smaller ones, or check the durations (see docs/limits.md).")
    found.raise_if_any()
    frame = pd.DataFrame.from_records(records, columns=["row"] + [c.name for c in IMPACT_MAP_COLUMNS])
    frame["value"] = frame["value"].astype(float)
    frame["price_year"] = frame["price_year"].astype("Int64")
    # A disbenefit: marked yes, or a value below zero (a blank cell is a benefit unless the value is negative).
    frame["disbenefit"] = (frame["disbenefit"].map(lambda x: x is True).astype(bool) | (frame["value"] < 0)).astype(bool)
    frame.attrs.update(file=raw.file, sheet=raw.sheet, extra_columns=extras, notes=list(raw.notes))
    return frame


def _no_header(raw: RawTable, columns: tuple[Column, ...], what: str) -> Problem:
    """One problem for a table whose header names fewer than two of its columns (a notes sheet, a wrong file),
    instead of one for each required column."""
    cells = [h for h in raw.header if h][:6]
    found = ", ".join(f"'{h[:40]}'" for h in cells) or "nothing"
    needed = [c.name for c in columns if c.required] + (["proxy_id (or value and price_year)"]
                                                        if what == "impact map" else [])
    return Problem(f"holds no {what} table: no row at the top names its columns (the header read, row "
                   f"{raw.header_row}, holds {found})", **raw.where(row=raw.header_row),
                   fix=f"Head the columns {', '.join(needed[:-1])} and {needed[-1]}."
                   + (f" If the table is in another sheet, {SHEET_HELP}." if raw.sheet else ""))


def _without_totals(raw: RawTable, found: Problems, **columns) -> RawTable:
    """``raw`` without its totals rows, each recorded in ``found`` (:mod:`sroi_lib.io.totals`)."""
    totals = find_totals_rows(raw, **columns)
    if not totals:
        return raw
    found.extend(totals.values())
    return replace(raw, rows=[(n, cells) for n, cells in raw.rows if n not in totals])


def validate_inputs(raw: RawTable) -> pd.DataFrame:
    """Check an inputs table (``stakeholder, description, value[, year]``)."""
    if not header_of(INPUT_COLUMNS)(raw.header):
        raise InputError(_no_header(raw, INPUT_COLUMNS, "inputs"))
    found = Problems()
    raw = _without_totals(raw, found, text_columns=("stakeholder", "description"),
                          labels=("stakeholder", "description"), figures=("value",))
    records, _, extras = validate_rows(raw, INPUT_COLUMNS, found)
    found.raise_if_any()
    frame = pd.DataFrame.from_records(records, columns=["row"] + [c.name for c in INPUT_COLUMNS])
    frame["value"] = frame["value"].astype(float)
    frame.attrs.update(file=raw.file, sheet=raw.sheet, extra_columns=extras, notes=list(raw.notes))
    return frame
