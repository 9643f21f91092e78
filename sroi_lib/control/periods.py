"""Quarters: a contract's reporting periods, written like ``2025-Q3``."""

from __future__ import annotations

import re

from ..errors import InputError, Problem

__all__ = ["parse_period", "period_label", "period_range"]

_PERIOD = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.I)


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
    m = _PERIOD.match(str(text))
    if not m:
        raise InputError(Problem(f"'{text}' is not a quarter like 2025-Q3", fix="Write the quarter like 2025-Q2."))
    return int(m.group(1)), int(m.group(2))


def period_label(year: int, quarter: int) -> str:
    """``(2025, 3)`` → ``"2025-Q3"``."""
    return f"{year}-Q{quarter}"


def period_range(start: str, end: str) -> list[str]:
    """Every quarter from ``start`` to ``end`` inclusive, e.g. ``2025-Q3`` … ``2026-Q2``.

    Raises
    ------
    InputError
        When either is not a quarter, or ``end`` comes before ``start``.
    """
    y, q = parse_period(start)
    ey, eq = parse_period(end)
    if (ey, eq) < (y, q):
        raise InputError(Problem(f"the contract ends ({end}) before it starts ({start})"))
    out = []
    while (y, q) <= (ey, eq):
        out.append(period_label(y, q))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out
