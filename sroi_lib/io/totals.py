"""Totals and subtotal rows in a table of lines: found and refused, so nothing is counted twice.

A spreadsheet often ends with a totals row, and sometimes carries subtotals
between groups. sroi adds the lines up itself, so such a row would be counted
a second time. A row is taken for a totals row when either

* one of its text cells (stakeholder, outcome, description...) says so: it
  is ``Total``, ``Totals`` or ``TOTAL:`` (alone, or followed by a colon and
  more words), or begins ``Grand total``, ``Subtotal`` or ``Sub-total``; an
  outcome such as "Total carbon saved" is *not* taken for one; or
* one of its figures equals the sum of the same column over two or more
  rows above it (since the top, or since the last totals row), to within
  half a penny, and either its label cells (the stakeholder and the outcome
  or description) hold only placeholders (blank, ``-``, ``n/a``, ``na``,
  ``none``, ``all``, ``all outcomes``, ``all stakeholders``...) or any of its
  text cells has "total" (or "totals", "subtotal") as a word, as in "Total
  contract value". "Total carbon saved" whose figures are not the sum of
  those above stays an ordinary line.

Text is compared after removing invisible format characters (Unicode
category Cf, such as a zero-width space inside "To\u200btal") and with
non-breaking spaces read as spaces.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import CellError, Problem
from .cells import normalise_header, parse_number
from .tables import RawTable, is_blank

__all__ = ["find_totals_rows", "TOTAL_WORDS", "PLACEHOLDERS", "visible_text"]

TOTAL_WORDS = re.compile(r"^\s*(?:(?:grand|sub)[\s_-]*totals?\b.*|totals?\s*(?::.*)?|totals?\s+for\b.*)$", re.I | re.S)
_FIX = "Remove it: sroi adds the lines up itself."
_TOTAL_WORD = re.compile(r"(?<![^\W_])(?:grand[\s_-]*|sub[\s_-]*)?totals?(?![^\W_])", re.I)
PLACEHOLDERS = frozenset({"", "-", "--", "\u2013", "\u2014", "n/a", "na", "n.a.", "none", "nil", "all", "all outcomes",
                          "all stakeholders", "all lines", "all rows", "everyone", "various", "tbc"})


def visible_text(cell) -> str:
    """``cell`` as text with invisible format characters (Unicode category Cf) removed and spaces made plain."""
    if not isinstance(cell, str):
        return ""
    text = "".join(ch for ch in cell if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


def _placeholder(cell) -> bool:
    """True for a blank label or one that stands for no label ("-", "n/a", "All")."""
    return is_blank(cell) or visible_text(cell).lower().rstrip(":") in PLACEHOLDERS


def _number(cell) -> float | None:
    try:
        return parse_number(cell, money=True)
    except CellError:
        return None


def find_totals_rows(raw: RawTable, *, text_columns: tuple[str, ...], labels: tuple[str, ...],
                     figures: tuple[str, ...]) -> dict[int, Problem]:
    """The totals and subtotal rows of ``raw`` (see the module's docstring), each with its problem.

    Parameters
    ----------
    raw : RawTable
        The table as read.
    text_columns : tuple of str
        Canonical names of the columns whose words are looked at.
    labels : tuple of str
        Canonical names of the label columns that are blank in an unlabelled totals row.
    figures : tuple of str
        Canonical names of the number columns compared with the sums above.

    Returns
    -------
    dict
        Spreadsheet row number → the problem naming it.
    """
    positions = {normalise_header(h): i for i, h in enumerate(raw.header) if h}
    text_pos = [(positions[c], raw.header[positions[c]]) for c in text_columns if c in positions]
    label_pos = [positions[c] for c in labels if c in positions]
    figure_pos = [(positions[c], raw.header[positions[c]]) for c in figures if c in positions]
    found: dict[int, Problem] = {}
    sums = {pos: [0.0, 0] for pos, _ in figure_pos}  # since the last totals row: running sum, rows counted
    totals = {pos: [0.0, 0] for pos, _ in figure_pos}  # since the top
    for number, cells in raw.rows:
        problem = None
        for pos, header in text_pos:
            cell = visible_text(cells[pos])
            if TOTAL_WORDS.match(cell):
                problem = Problem(f"looks like a totals row ('{cell[:40]}'), so its figures would be counted "
                                  "a second time", **raw.where(row=number, column=header), fix=_FIX)
                break
        placeholders = bool(label_pos) and all(_placeholder(cells[p]) for p in label_pos)
        says_total = any(_TOTAL_WORD.search(visible_text(cells[p])) for p, _ in text_pos)
        if problem is None and (placeholders or says_total):
            why = ("it has no labels" if all(is_blank(cells[p]) for p in label_pos) else
                   "its labels stand for no line in particular" if placeholders else "its text says it is a total")
            for pos, header in figure_pos:
                value = _number(cells[pos])
                if value is None:
                    continue
                for running, since in ((totals[pos], "above it"), (sums[pos], "since the last totals row")):
                    total, count = running
                    if count >= 2 and abs(value - total) <= 0.005 + 1e-9 * abs(total):
                        problem = Problem(
                            f"looks like a totals row: {why}, and its {header} ({value:,.10g}) is the sum "
                            f"of the {count} rows {since}, so it would be counted a second time",
                            **raw.where(row=number, column=header), fix=_FIX)
                        break
                if problem:
                    break
        if problem is not None:
            found[number] = problem
            for pos in sums:
                sums[pos] = [0.0, 0]
            continue
        for pos, _ in figure_pos:
            value = _number(cells[pos])
            if value is not None:
                sums[pos][0] += value
                sums[pos][1] += 1
                totals[pos][0] += value
                totals[pos][1] += 1
    return found
