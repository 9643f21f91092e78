"""Plain-English formatting of figures for terminals, notebooks and reports."""

from __future__ import annotations

import html
import math
import re
import string

__all__ = ["money", "ratio", "percent", "months", "text_table", "html_text", "markdown_text", "safe_link",
           "delivered_of_committed", "ASSUMPTION_WORDS", "assumption_value", "ratio_range", "chance", "every_pound"]


def money(x: float | None, pence: bool = True) -> str:
    """``£1,234.50`` (``-£12.00`` for negatives; ``n/a`` for missing)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    sign = "-" if x < 0 else ""
    return f"{sign}£{abs(x):,.2f}" if pence else f"{sign}£{abs(x):,.0f}"


def unit_money(x: float | None) -> str:
    """A value per unit: as :func:`money`, but a value under £1 keeps four significant figures, so a rate
    such as £0.00775 per kWh does not show as £0.01 (``£0.007750``).

    >>> unit_money(0.00775), unit_money(0.5), unit_money(1234.5), unit_money(0)
    ('£0.007750', '£0.5000', '£1,234.50', '£0.00')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)) or x == 0 or abs(x) >= 1:
        return money(x)
    places = 3 - math.floor(math.log10(abs(x)))
    return f"{'-' if x < 0 else ''}£{abs(x):.{places}f}"


def ratio(x: float | None) -> str:
    """``1.52 : 1``."""
    return "n/a" if x is None else f"{x:,.2f} : 1"


def every_pound(sroi_ratio: float, net_of_disbenefits: bool = False) -> str:
    """The SROI ratio in the words of ``sroi value``: what each £1 invested returns, in present value.

    >>> every_pound(6.3412)
    'Every £1 invested returns £6.34 of social value (present value).'
    >>> every_pound(1.5, net_of_disbenefits=True)
    'Every £1 invested returns £1.50 of social value (present value, net of disbenefits).'
    """
    return (f"Every £1 invested returns {money(sroi_ratio)} of social value (present value"
            f"{', net of disbenefits' if net_of_disbenefits else ''}).")


def percent(x: float | None, places: int = 0) -> str:
    """A fraction as a percentage: ``0.25`` → ``25%``. A share that is not zero never reads as ``0%`` or ``-0%``:
    it gets one more decimal place, or reads ``<0.1%`` (``>-0.1%`` below zero).

    >>> percent(0.25), percent(-0.0034), percent(0.00004), percent(0.0)
    ('25%', '-0.3%', '<0.1%', '0%')
    """
    if x is None:
        return "n/a"
    text = f"{x * 100:.{places}f}%"
    if x == 0 or text.lstrip("-").strip("0.%"):  # zero itself, or a figure with a digit other than 0
        return text.replace("-0%", "0%") if x == 0 else text
    finer = f"{x * 100:.{places + 1}f}%"
    if finer.lstrip("-").strip("0.%"):
        return finer
    return f"<{10 ** -(places + 1):g}%" if x > 0 else f">-{10 ** -(places + 1):g}%"


def months(x: float | None) -> str:
    """``20.4 months``, or a plain sentence when there is no payback."""
    return "never (no net impact in the first year)" if x is None else f"{x:,.1f} months"


# An assumption of the uncertainty analysis (sroi_lib.core.uncertainty) in words.
ASSUMPTION_WORDS = {"quantity": "quantity", "value": "value per unit", "deadweight": "deadweight",
                    "displacement": "displacement", "attribution": "attribution", "drop_off": "drop-off",
                    "duration": "duration", "start_year": "start year", "inputs": "inputs",
                    "discount_rate": "discount rate", "discounting": "discount schedule"}


def _plain_percent(x: float) -> str:
    """A fraction as a percentage, whole when it is whole: ``0.2`` → ``20%``, ``0.7249`` → ``72.5%``."""
    pct = round(x * 100, 1)
    return f"{pct:,.0f}%" if pct == round(pct) else f"{pct:,.1f}%"


def assumption_value(assumption: str, x) -> str:
    """One value of an assumption in its own units: a count, pounds, a percentage, years or a schedule's name.

    >>> [assumption_value(a, x) for a, x in (("quantity", 41.2519), ("quantity", 56000), ("value", 4407.879),
    ...                                      ("deadweight", 0.2), ("attribution", 0.77999), ("duration", 1),
    ...                                      ("duration", 2), ("start_year", 40), ("inputs", 2277800.4),
    ...                                      ("discount_rate", 0.035), ("discounting", "green-book"))]
    ['41.25', '56,000', '£4,407.88', '20%', '78%', '1 year', '2 years', 'year 40', '£2,277,800', '3.5%', 'green-book']
    """
    if assumption == "discounting" or isinstance(x, str):
        return str(x)
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    x = float(x)
    if not math.isfinite(x):
        return "no limit"
    if assumption == "value":
        return unit_money(x)
    if assumption == "inputs":
        return money(x, pence=False)
    if assumption in ("deadweight", "displacement", "attribution", "drop_off", "discount_rate"):
        return _plain_percent(x)
    if assumption == "duration":
        return f"{x:,.0f} year{'' if round(x) == 1 else 's'}"
    if assumption == "start_year":
        return f"year {x:,.0f}"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.4g}"


def ratio_range(low: float | None, high: float | None) -> str:
    """A range of SROI ratios: ``1.45 to 2.31``; ``n/a`` when either end is missing."""
    bad = lambda v: v is None or (isinstance(v, float) and not math.isfinite(v))  # noqa: E731
    return "n/a" if bad(low) or bad(high) else f"{low:,.2f} to {high:,.2f}"


def chance(p: float) -> str:
    """A share of draws as a percentage, never rounded to a misleading 0% or 100%.

    >>> chance(0.0), chance(0.00003), chance(0.1234), chance(0.99996), chance(1.0)
    ('0%', 'under 0.1%', '12.3%', 'over 99.9%', '100%')
    """
    if p <= 0:
        return "0%"
    if p >= 1:
        return "100%"
    if p < 0.001:
        return "under 0.1%"
    if p > 0.999:
        return "over 99.9%"
    return f"{p:.1%}"


def text_table(headers: list[str], rows: list[list], right: set[int] | None = None, max_width: int = 34) -> str:
    """A fixed-width text table; columns in ``right`` are right-aligned."""
    right = right or set()
    cells = [[_clip(str(c), max_width) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values):
        return "  ".join(v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def delivered_of_committed(delivered: float, committed: float, rag: str) -> str:
    """A contract's delivery to date in words: ``"£608,139 of £700,379"``, or ``"not tracked"`` for a contract
    that records no commitments (its £0 of £0 would read as a failure to deliver).

    >>> delivered_of_committed(0.0, 0.0, "not tracked"), delivered_of_committed(5.0, 10.0, "red")
    ('not tracked', '£5 of £10')
    """
    if rag == "not tracked":
        return rag
    return f"{money(delivered, pence=False)} of {money(committed, pence=False)}"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def html_text(value) -> str:
    """Any value (text from a file, a number) as HTML text: ``<``, ``>``, ``&`` and quotes become entities.

    Safe between tags and inside a quoted attribute (OWASP XSS Prevention
    Cheat Sheet, rules 1 and 2).

    >>> html_text("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    """
    return html.escape("" if value is None else str(value), quote=True)


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_PUNCTUATION = frozenset(string.punctuation) - set(_ENTITIES)


def markdown_text(value) -> str:
    r"""Text from a file for a Markdown cell or output, shown exactly as written and never as markup.

    The rule: HTML's metacharacters (``& < > " '``) become entities, so no tag
    can form; every other ASCII punctuation character gets a backslash, which
    CommonMark defines as "show this character literally" (spec section 2.4,
    backslash escapes), so ``*``, ``_``, ``[...](...)``, backticks, ``#``,
    ``|`` and ``$`` (mathematics) stay text; line breaks inside a paragraph
    become spaces (so no line can start a heading, list or code block), and a
    blank line still separates paragraphs.

    >>> print(markdown_text("[click](javascript:alert(1)) <b>*x*</b>"))
    \[click\]\(javascript\:alert\(1\)\) &lt;b&gt;\*x\*&lt;\/b&gt;
    """
    text = "" if value is None else str(value)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n[ \t]*\n", text)]
    return "\n\n".join("".join(_ENTITIES.get(c) or (f"\\{c}" if c in _PUNCTUATION else c) for c in p)
                       for p in paragraphs if p)


def safe_link(url, text) -> str:
    """An HTML link to ``url`` when it is an ``http``, ``https`` or ``mailto`` address, else ``text`` alone.

    Both are escaped; a ``javascript:``, ``data:`` or other address is never
    made a link (OWASP XSS Prevention Cheat Sheet, rule 5: allow-list URL
    schemes).

    >>> safe_link("javascript:alert(1)", "Source")
    'Source'
    >>> safe_link("https://example.org/a?b=1&c=2", "Source")
    '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">Source</a>'
    """
    address = "" if url is None else str(url).strip()
    if re.match(r"(?i)(https?|mailto):", address) and not re.search(r"[\x00-\x20]", address):
        return f'<a href="{html_text(address)}" target="_blank" rel="noopener noreferrer">{html_text(text)}</a>'
    return html_text(text)
