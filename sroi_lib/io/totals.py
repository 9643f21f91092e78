"""Totals and subtotal rows in a table of lines: found and refused, so nothing is counted twice.

A spreadsheet often ends with a totals row, and sometimes carries subtotals
between groups. sroi adds the lines up itself, so such a row would be counted
a second time. A row is taken for a totals row when either

* one of its text cells (stakeholder, outcome, description...) says so: it
  is ``Total``, ``Totals`` or ``TOTAL:`` (alone, or followed by a colon and
  more words), or begins ``Grand total``, ``Subtotal`` or ``Sub-total``; an
  outcome such as "Total carbon saved" is *not* taken for one; or
* its label cells (the stakeholder and the outcome or description) are all
  blank, and one of its figures equals the sum of the same column over two or
  more rows above it (since the top, or since the last totals row), to within
  half a penny.
"""

from __future__ import annotations

import re

from ..errors import CellError, Problem
from .cells import normalise_header, parse_number
from .tables import RawTable, is_blank

__all__ = ["find_totals_rows", "TOTAL_WORDS"]

TOTAL_WORDS = re.compile(r"^\s*(?:(?:grand|sub)[\s_-]*totals?\b.*|totals?\s*(?::.*)?|totals?\s+for\b.*)$", re.I | re.S)
_FIX = "Remove it: sroi adds the lines up itself."


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
            cell = cells[pos]
            if isinstance(cell, str) and TOTAL_WORDS.match(cell):
                problem = Problem(f"looks like a totals row ('{cell.strip()[:40]}'), so its figures would be counted "
                                  "a second time", **raw.where(row=number, column=header), fix=_FIX)
                break
        if problem is None and label_pos and all(is_blank(cells[p]) for p in label_pos):
            for pos, header in figure_pos:
                value = _number(cells[pos])
                if value is None:
                    continue
                for running, since in ((totals[pos], "above it"), (sums[pos], "since the last totals row")):
                    total, count = running
                    if count >= 2 and abs(value - total) <= 0.005 + 1e-9 * abs(total):
                        problem = Problem(
                            f"looks like a totals row: it has no labels, and its {header} ({value:,.10g}) is the sum "
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
