"""The columns of impact maps and inputs, and the checks on every cell.

Rules (from DESIGN.md, "File contracts" and "Calculation conventions"):

* Column names forgive case, spacing, hyphens and underscores
  (``Drop-off``, ``drop off`` and ``DROP_OFF`` are all ``drop_off``).
* Percentages are fractions in [0, 1] or strings such as ``"25%"``. A bare
  number above 1 is an error: it is never silently divided by 100.
* Money may be written as spreadsheets hold it (``£1,200``); thousands
  separators must be in the right places.
* Blank optional cells take their defaults: ``start_year`` 1, every
  adjustment 0, an input's ``year`` 0.
* Each outcome line gives either a ``proxy_id`` or an inline ``value`` with its
  ``price_year``.

Every problem in a file is collected and reported together.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

import pandas as pd

from .errors import Problems
from .io import RawTable

__all__ = [
    "Column",
    "IMPACT_MAP_COLUMNS",
    "INPUT_COLUMNS",
    "PROXY_COLUMNS",
    "ADJUSTMENTS",
    "VALUE_TYPES",
    "normalise_header",
    "parse_number",
    "parse_fraction",
    "CellError",
    "validate_rows",
    "validate_impact_map",
    "validate_inputs",
]

VALUE_TYPES = ("fiscal", "economic", "social")
ADJUSTMENTS = ("deadweight", "displacement", "attribution", "drop_off")


@dataclass(frozen=True)
class Column:
    """One column of a file contract.

    ``kind`` is one of ``text``, ``number`` (0 or more), ``money`` (0 or more,
    ``£`` allowed), ``fraction`` (a percentage), ``whole`` (a whole number of
    at least ``minimum``) or ``value_type``.
    """

    name: str
    kind: str
    required: bool = False
    default: object = None
    minimum: int = 0
    help: str = ""


IMPACT_MAP_COLUMNS: tuple[Column, ...] = (
    Column("stakeholder", "text", required=True, help="who experiences the outcome"),
    Column("outcome", "text", required=True, help="what changes for them"),
    Column("indicator", "text", default="", help="how the change is measured"),
    Column("quantity", "number", required=True, help="how many (people, tonnes, visits...)"),
    Column("duration", "whole", required=True, minimum=1, help="years the outcome lasts"),
    Column("start_year", "whole", default=1, minimum=1, help="year the outcome starts (1 = during the activity)"),
    Column("proxy_id", "text", default="", help="id of a proxy in the library"),
    Column("value", "money", default=None, help="value per unit in pounds, if no proxy_id"),
    Column("price_year", "whole", default=None, help="price year of an inline value"),
    Column("deadweight", "fraction", default=0.0, help="share that would have happened anyway"),
    Column("displacement", "fraction", default=0.0, help="share that displaces value elsewhere"),
    Column("attribution", "fraction", default=0.0, help="share due to others"),
    Column("drop_off", "fraction", default=0.0, help="yearly fall after the first year"),
    Column("value_type", "value_type", default="", help="fiscal, economic or social"),
    Column("theme", "text", default="", help="theme, for frameworks"),
    Column("evidence", "text", default="", help="why these assumptions"),
    Column("ward", "text", default="", help="ward, for maps and portfolios"),
)

PROXY_COLUMNS: tuple[Column, ...] = (
    Column("proxy_id", "text", required=True, help="a unique id such as hw-gp-appointment"),
    Column("name", "text", required=True, help="a short title"),
    Column("outcome", "text", required=True, help="the outcome it values"),
    Column("unit", "text", required=True, help="what one unit is, e.g. per person per year"),
    Column("value", "money", required=True, help="value per unit in pounds"),
    Column("price_year", "whole", required=True, minimum=1, help="the year whose prices the value is in"),
    Column("value_type", "value_type", default="", help="fiscal, economic or social"),
    Column("theme", "text", required=True, help="theme, e.g. health and care"),
    Column("source", "text", required=True, help="the publication the value comes from"),
    Column("source_url", "text", required=True, help="the web address of the source"),
    Column("licence", "text", required=True, help="the licence the source is published under"),
    Column("notes", "text", default="", help="where in the source, and how it was checked"),
)

INPUT_COLUMNS: tuple[Column, ...] = (
    Column("stakeholder", "text", required=True, help="who contributes"),
    Column("description", "text", required=True, help="what is contributed (cash, in-kind, volunteer time)"),
    Column("value", "money", required=True, help="value in pounds"),
    Column("year", "whole", default=0, minimum=0, help="year it is spent (0 = at the start, not discounted)"),
)


def normalise_header(name: object) -> str:
    """``" Drop-Off "`` → ``"drop_off"``: lower case, runs of spaces, hyphens and
    underscores become one underscore."""
    return re.sub(r"[\s_\-]+", "_", str(name).strip().lower()).strip("_")


class CellError(ValueError):
    """A cell that cannot be read; ``message`` and ``fix`` are shown to the user."""

    def __init__(self, message: str, fix: str = ""):
        super().__init__(message)
        self.message = message
        self.fix = fix


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _show(cell) -> str:
    return f"'{cell}'" if isinstance(cell, str) else str(cell)


def parse_number(cell, *, money: bool = False) -> float | None:
    """Read a number from a cell; ``None`` for a blank cell.

    Accepts numbers, numeric text, thousands separators in the right places
    (``1,200``) and, when ``money`` is true, a leading ``£`` (``£1,200.50``).
    Refuses text, percentages, NaN and infinities.

    Examples
    --------
    >>> parse_number("£1,200.50", money=True)
    1200.5
    >>> parse_number("  ")
    """
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise CellError(f"{cell} is not a number", "Write a number.")
    if isinstance(cell, (int, float)):
        number = float(cell)
    else:
        text = str(cell).strip()
        if text == "":
            return None
        raw = text
        if money:
            text = re.sub(r"^([+-]?)\s*£\s*", r"\1", text)
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        if not _NUMBER.match(text):
            if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
                raise CellError(f"{_show(raw)} is not a finite number", "Write an actual number.")
            if raw.endswith("%"):
                raise CellError(f"{_show(raw)} is a percentage, but this column takes a number", "Write a plain number.")
            fix = "Write a number such as 1200 or £1,200." if money else "Write a number such as 12 or 12.5, without units."
            raise CellError(f"{_show(raw)} is not a number", fix)
        number = float(text)
    if not math.isfinite(number):
        raise CellError(f"{_show(cell)} is not a finite number", "Write an actual number.")
    return number


def parse_fraction(cell) -> float | None:
    """Read a percentage as a fraction in [0, 1]; ``None`` for a blank cell.

    ``"25%"`` and ``0.25`` both give 0.25. A bare number above 1 (``25``) is an
    error, never divided by 100.

    Examples
    --------
    >>> parse_fraction("25%")
    0.25
    >>> parse_fraction(0.1)
    0.1
    """
    if isinstance(cell, str) and cell.strip().endswith("%"):
        text = cell.strip()[:-1].strip()
        try:
            number = parse_number(text)
        except CellError:
            raise CellError(f"{_show(cell)} is not a percentage", "Write a percentage such as 25% or a fraction such as 0.25.") from None
        if number is None:
            raise CellError(f"{_show(cell)} is not a percentage", "Write a percentage such as 25%.")
        if number < 0 or number > 100:
            raise CellError(f"{_show(cell)} is outside 0% to 100%", "Give a percentage from 0% to 100%, such as 25%.")
        return number / 100
    try:
        number = parse_number(cell)
    except CellError as exc:
        raise CellError(exc.message.replace("a number", "a percentage"),
                        "Write a percentage such as 25% or a fraction such as 0.25.") from None
    if number is None:
        return None
    if number < 0:
        raise CellError(f"{_show(cell)} is below zero", "Give a percentage from 0% to 100%, such as 25%.")
    if number > 1:
        if number <= 100:
            fix = f"Write {number:g}% for {number:g} per cent, or the fraction {number / 100:g}; sroi never divides by 100 for you."
        else:
            fix = "Give a percentage from 0% to 100%, such as 25%, or a fraction from 0 to 1."
        raise CellError(f"{_show(cell)} is a bare number above 1", fix)
    return number


def _parse(col: Column, cell):
    """Parse one cell for ``col``; returns the value (default when blank)."""
    if col.kind == "text":
        return col.default if _is_blank(cell) else str(cell).strip()
    if col.kind == "value_type":
        if _is_blank(cell):
            return col.default
        text = str(cell).strip().lower()
        if text not in VALUE_TYPES:
            raise CellError(f"{_show(cell)} is not a value type", f"Use one of: {', '.join(VALUE_TYPES)}.")
        return text
    if col.kind == "fraction":
        value = parse_fraction(cell)
        return col.default if value is None else value
    value = parse_number(cell, money=col.kind == "money")
    if value is None:
        return col.default
    if col.kind in ("number", "money") and value < 0:
        raise CellError(f"{_show(cell)} is below zero", "Give 0 or more.")
    if col.kind == "whole":
        if not float(value).is_integer():
            raise CellError(f"{_show(cell)} is not a whole number", f"Give a whole number of {col.minimum} or more.")
        if value < col.minimum:
            raise CellError(f"{_show(cell)} is below {col.minimum}", f"Give a whole number of {col.minimum} or more.")
        return int(value)
    return value


def _is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip() == "")


def _map_header(raw: RawTable, columns: tuple[Column, ...], found: Problems):
    """Match header cells to columns; returns ``{canonical: position}``, extra columns and labels."""
    known = {c.name for c in columns}
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    extras: list[str] = []
    for pos, text in enumerate(raw.header):
        letter = _column_letter(pos)
        if text == "":
            if any(not _is_blank(cells[pos]) for _, cells in raw.rows):
                found.add(f"column {letter} has data but no header", **raw.where(row=1),
                          fix="Give it a header from the file contract, or delete the column.")
            continue
        name = normalise_header(text)
        if name in positions:
            found.add(
                f"column '{text}' appears twice (columns {_column_letter(positions[name])} and {letter})",
                **raw.where(row=1, column=text), fix="Keep one of them.")
            continue
        if name in known:
            positions[name] = pos
            labels[name] = text
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
        if close:
            found.add(f"column '{text}' is not one sroi knows; did you mean '{close[0]}'?",
                      **raw.where(row=1, column=text), fix=f"Rename it to '{close[0]}'.")
        else:
            extras.append(text)
    for col in columns:
        if col.required and col.name not in positions:
            found.add(f"the required column '{col.name}' is missing", **raw.where(row=1, column=col.name),
                      fix=f"Add a column headed '{col.name}' ({col.help}). Columns found: {', '.join(h for h in raw.header if h) or 'none'}.")
    return positions, labels, extras


def _column_letter(pos: int) -> str:
    letters = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def validate_rows(raw: RawTable, columns: tuple[Column, ...], found: Problems) -> tuple[list[dict], dict, list[str]]:
    """Parse every row of ``raw`` against ``columns``, adding each problem to ``found``.

    Returns the parsed records (with ``row``), the header label of each known
    column, and the headers of extra columns.
    """
    positions, labels, extras = _map_header(raw, columns, found)
    if not raw.rows:
        found.add("has a header but no data rows", **raw.where(), fix="Add at least one row below the header.")
    records = []
    for number, cells in raw.rows:
        record = {"row": number}
        for col in columns:
            pos = positions.get(col.name)
            cell = cells[pos] if pos is not None else None
            try:
                record[col.name] = _parse(col, cell)
            except CellError as exc:
                found.add(exc.message, **raw.where(row=number, column=labels[col.name]), fix=exc.fix)
                record[col.name] = col.default
                continue
            if col.required and pos is not None and record[col.name] in (None, ""):
                found.add("is empty", **raw.where(row=number, column=labels[col.name]),
                          fix=f"Fill in {col.name} ({col.help}).")
        records.append(record)
    return records, labels, extras


def validate_impact_map(raw: RawTable, *, proxies=None, deflators=None) -> pd.DataFrame:
    """Check an impact map read by :func:`sroi_lib.io.read_table`.

    Beyond each cell's own rules, a line must give either ``proxy_id`` (known
    to ``proxies``) or ``value`` with a ``price_year`` inside the deflator
    series, never both. See :func:`sroi_lib.io.read_impact_map`.
    """
    from .prices import load_deflators

    deflators = deflators or load_deflators()
    found = Problems()
    records, labels, extras = validate_rows(raw, IMPACT_MAP_COLUMNS, found)
    if "proxy_id" not in labels and "value" not in labels:
        found.add("needs a 'proxy_id' column or a 'value' column (with 'price_year')", **raw.where(row=1),
                  fix="Add a proxy_id column to use the proxy library, or value and price_year columns for your own values.")
    label = lambda name: labels.get(name, name)  # noqa: E731
    for rec in records:
        where = lambda col: raw.where(row=rec["row"], column=label(col))  # noqa: E731
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
            elif not deflators.covers(rec["price_year"]):
                found.add(f"{rec['price_year']} is outside the GDP deflator series ({deflators.describe_range()})",
                          **where("price_year"), fix=f"Give a price year from {deflators.describe_range()}.")
        if has_proxy and (proxies is None or rec["proxy_id"] not in proxies):
            fix = ("No proxy library is loaded: give the value and price_year on the line instead."
                   if proxies is None else "Check the id with `sroi proxies search`, or give a value and price_year instead.")
            found.add(f"proxy '{rec['proxy_id']}' is not in the proxy library", **where("proxy_id"), fix=fix)
    found.raise_if_any()
    frame = pd.DataFrame.from_records(records, columns=["row"] + [c.name for c in IMPACT_MAP_COLUMNS])
    frame["value"] = frame["value"].astype(float)
    frame["price_year"] = frame["price_year"].astype("Int64")
    frame.attrs.update(file=raw.file, sheet=raw.sheet, extra_columns=extras)
    return frame


def validate_inputs(raw: RawTable) -> pd.DataFrame:
    """Check an inputs table (``stakeholder, description, value[, year]``)."""
    found = Problems()
    records, _, extras = validate_rows(raw, INPUT_COLUMNS, found)
    found.raise_if_any()
    frame = pd.DataFrame.from_records(records, columns=["row"] + [c.name for c in INPUT_COLUMNS])
    frame["value"] = frame["value"].astype(float)
    frame.attrs.update(file=raw.file, sheet=raw.sheet, extra_columns=extras)
    return frame
