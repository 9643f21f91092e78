"""Plain-English formatting of figures for terminals, notebooks and reports."""

from __future__ import annotations

import math

__all__ = ["money", "ratio", "percent", "months", "text_table"]


def money(x: float | None, pence: bool = True) -> str:
    """``£1,234.50`` (``-£12.00`` for negatives; ``n/a`` for missing)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    sign = "-" if x < 0 else ""
    return f"{sign}£{abs(x):,.2f}" if pence else f"{sign}£{abs(x):,.0f}"


def ratio(x: float | None) -> str:
    """``1.52 : 1``."""
    return "n/a" if x is None else f"{x:,.2f} : 1"


def percent(x: float | None, places: int = 0) -> str:
    """A fraction as a percentage: ``0.25`` → ``25%``."""
    return "n/a" if x is None else f"{x * 100:.{places}f}%"


def months(x: float | None) -> str:
    """``20.4 months``, or a plain sentence when there is no payback."""
    return "never (no annual impact)" if x is None else f"{x:,.1f} months"


def text_table(headers: list[str], rows: list[list], right: set[int] | None = None, max_width: int = 34) -> str:
    """A fixed-width text table; columns in ``right`` are right-aligned."""
    right = right or set()
    cells = [[_clip(str(c), max_width) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values):
        return "  ".join(v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
