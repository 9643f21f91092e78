"""Quarters: a contract's reporting periods, written like ``2025-Q3``.

A contract runs for at most :data:`MAX_QUARTERS` quarters (100 years), checked
before the list of its quarters is made: no council contract runs longer, and a
typing slip such as ``contract_end: 9999-Q4`` must not make a returns workbook
of 32,000 columns.
"""

from __future__ import annotations

import re

from ..core.quoting import shown
from ..errors import InputError, Problem

__all__ = ["parse_period", "period_label", "period_range", "MAX_QUARTERS"]

MAX_QUARTERS = 400  # 100 years
_PERIOD = re.compile(r"^\s*([0-9]{4})\s*-?\s*Q([1-4])\s*$", re.I)


def parse_period(text) -> tuple[int, int]:
    """``"2025-Q3"`` → ``(2025, 3)``.

    Raises
    ------
    InputError
        For anything that is not a quarter.

    Examples
    --------
    >>> parse_period("2025-Q3")
    (2025, 3)
    """
    m = _PERIOD.match(text) if isinstance(text, str) else None
    if not m or int(m.group(1)) < 1:
        raise InputError(Problem(f"{shown(text)} is not a quarter like 2025-Q3",
                                 fix="Write the year and the quarter, like 2025-Q2."))
    return int(m.group(1)), int(m.group(2))


def period_label(year: int, quarter: int) -> str:
    """``(2025, 3)`` → ``"2025-Q3"``."""
    return f"{year}-Q{quarter}"


def period_range(start: str, end: str) -> list[str]:
    """Every quarter from ``start`` to ``end`` inclusive, e.g. ``2025-Q3`` … ``2026-Q2``.

    Raises
    ------
    InputError
        When either is not a quarter, ``end`` comes before ``start``, or the
        two are more than :data:`MAX_QUARTERS` quarters apart (checked before
        any list is made).
    """
    y, q = parse_period(start)
    ey, eq = parse_period(end)
    if (ey, eq) < (y, q):
        raise InputError(Problem(f"the contract ends ({end}) before it starts ({start})",
                                 fix="Check the years: the end quarter is the contract's last."))
    count = (ey - y) * 4 + (eq - q) + 1
    if count > MAX_QUARTERS:
        raise InputError(Problem(f"the contract runs for {count:,} quarters ({start} to {end}); sroi tracks at most "
                                 f"{MAX_QUARTERS} quarters ({MAX_QUARTERS // 4} years)",
                                 fix="Check the years of the start and end quarters."))
    out = []
    while (y, q) <= (ey, eq):
        out.append(period_label(y, q))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out
