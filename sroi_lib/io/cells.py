"""Reading cells against a file contract: columns, numbers, money and percentages.

Rules (docs/method.md; the README's table of impact map columns):

* Column names forgive case, spacing, hyphens and underscores
  (``Drop-off``, ``drop off`` and ``DROP_OFF`` are all ``drop_off``).
* Percentages are fractions in [0, 1] or strings such as ``"25%"``. A bare
  number above 1 is an error: it is never silently divided by 100.
* Money may be written as spreadsheets hold it (``£1,200``); thousands
  separators must be in the right places. Money is 0 or more, except in a
  column that allows a negative amount (an impact map's ``value``: a
  disbenefit, written ``-£1,200`` or ``£-1,200``).
* Blank optional cells take their column's default.

Every problem in a table is collected and reported together, each with its
file, row and column. The contracts themselves (impact maps, inputs, proxy
libraries, commitments) are lists of :class:`Column` kept beside the code that
reads each kind of file.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

from ..errors import CellError, Problems
from .tables import RawTable, is_blank

__all__ = [
    "Column",
    "VALUE_TYPES",
    "normalise_header",
    "parse_number",
    "parse_fraction",
    "validate_rows",
    "column_letter",
]

VALUE_TYPES = ("fiscal", "economic", "social")


@dataclass(frozen=True)
class Column:
    """One column of a file contract.

    ``kind`` is one of ``text``, ``number`` (0 or more), ``money`` (0 or more,
    ``£`` allowed; below zero too when ``negative`` is true), ``fraction`` (a
    percentage), ``whole`` (a whole number of at least ``minimum`` and, when
    given, at most ``maximum``), ``value_type`` or ``yes_no`` (``yes`` or
    ``no``, any case, read as True or False).
    ``why_maximum`` says why the maximum is there, for the message.
    ``negative`` lets a ``money`` column hold an amount below zero (an impact
    map's ``value``, where a negative value is a disbenefit).
    """

    name: str
    kind: str
    required: bool = False
    default: object = None
    minimum: int = 0
    help: str = ""
    maximum: int | None = None
    why_maximum: str = ""
    negative: bool = False


def normalise_header(name: object) -> str:
    """``" Drop-Off "`` → ``"drop_off"``: lower case, runs of spaces, hyphens and
    underscores become one underscore."""
    return re.sub(r"[\s_\-]+", "_", str(name).strip().lower()).strip("_")


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_EXCEL_ERROR = re.compile(r"^#(NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!)$", re.I)
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
        try:
            number = float(cell)
        except OverflowError:  # a whole number beyond any float (a workbook can store one)
            raise CellError(f"{str(cell)[:12]}... ({len(str(cell))} digits) is too large a number",
                            "Write an actual number.") from None
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
            if _EXCEL_ERROR.match(raw):
                raise CellError(f"{_show(raw)} is an Excel error, not a number",
                                "Correct the formula in Excel and save the workbook again, or type the value.")
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
        return col.default if is_blank(cell) else str(cell).strip()
    if col.kind == "value_type":
        if is_blank(cell):
            return col.default
        text = str(cell).strip().lower()
        if text not in VALUE_TYPES:
            raise CellError(f"{_show(cell)} is not a value type", f"Use one of: {', '.join(VALUE_TYPES)}.")
        return text
    if col.kind == "yes_no":
        if is_blank(cell):
            return col.default
        text = str(cell).strip().lower()
        if text not in ("yes", "no"):
            raise CellError(f"{_show(cell)} is not yes or no", "Write yes or no (blank means no).")
        return text == "yes"
    if col.kind == "fraction":
        value = parse_fraction(cell)
        return col.default if value is None else value
    value = parse_number(cell, money=col.kind == "money")
    if value is None:
        return col.default
    if col.kind in ("number", "money") and value < 0 and not col.negative:
        raise CellError(f"{_show(cell)} is below zero", "Give 0 or more.")
    if col.kind == "whole":
        if not float(value).is_integer():
            raise CellError(f"{_show(cell)} is not a whole number", f"Give a whole number of {col.minimum} or more.")
        if value < col.minimum:
            raise CellError(f"{_show(cell)} is below {col.minimum}", f"Give a whole number of {col.minimum} or more.")
        if col.maximum is not None and value > col.maximum:
            raise CellError(f"{_show(cell)} is above {col.maximum:,}, the most sroi accepts here"
                            + (f" ({col.why_maximum})" if col.why_maximum else ""),
                            f"Give a whole number from {col.minimum} to {col.maximum:,}.")
        return int(value)
    return value


def _map_header(raw: RawTable, columns: tuple[Column, ...], found: Problems):
    """Match header cells to columns; returns ``{canonical: position}``, extra columns and labels."""
    known = {c.name for c in columns}
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    extras: list[str] = []
    for pos, text in enumerate(raw.header):
        letter = column_letter(pos)
        if text == "":
            if any(not is_blank(cells[pos]) for _, cells in raw.rows):
                found.add(f"column {letter} has data but no header", **raw.where(row=raw.header_row),
                          fix="Give it a header from the file contract, or delete the column.")
            continue
        name = normalise_header(text)
        if name in positions:
            found.add(
                f"column '{text}' appears twice (columns {column_letter(positions[name])} and {letter})",
                **raw.where(row=raw.header_row, column=text), fix="Keep one of them.")
            continue
        if name in known:
            positions[name] = pos
            labels[name] = text
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
        if close:
            found.add(f"column '{text}' is not one sroi knows; did you mean '{close[0]}'?",
                      **raw.where(row=raw.header_row, column=text), fix=f"Rename it to '{close[0]}'.")
        else:
            extras.append(text)
    for col in columns:
        if col.required and col.name not in positions:
            found.add(f"the required column '{col.name}' is missing", **raw.where(row=raw.header_row, column=col.name),
                      fix=f"Add a column headed '{col.name}' ({col.help}). Columns found: {', '.join(h for h in raw.header if h) or 'none'}.")
    return positions, labels, extras


def column_letter(pos: int) -> str:
    """The spreadsheet letter of a 0-based column position: 0 → A, 26 → AA."""
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
