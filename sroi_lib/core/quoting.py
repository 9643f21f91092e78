"""How a value read from a user's file is shown in a message: short, in the file's own words.

A message about a wrong value quotes it, so the user can find it. Python's own
``repr`` is no good for that: it shows ``datetime.date(2024, 1, 1)`` for what
the user typed as ``2024-01-01``, ``True`` for ``true``, and a 200,000-character
text in full. :func:`shown` gives the value as the user wrote it (as YAML
would write it back), cut to a readable length, and names lists and mappings
instead of printing them.
"""

from __future__ import annotations

import datetime as _dt
import math

__all__ = ["shown", "mapping_problem", "SHOWN_LENGTH"]

SHOWN_LENGTH = 60  # characters of a text value quoted in a message before it is cut


def shown(value, limit: int = SHOWN_LENGTH) -> str:
    """A value from a user's file as a short phrase for a message.

    Parameters
    ----------
    value : object
        What the YAML (or a cell) held.
    limit : int
        The most characters of text (or digits) to quote.

    Returns
    -------
    str
        ``'text'`` quoted, numbers as written, ``true``/``false``, dates as
        ``the date 2024-01-01``, ``nothing`` for an empty value, and ``a list``
        or ``a set of 'key: value' lines`` for those.

    Examples
    --------
    >>> shown("green book"), shown(True), shown(None), shown(3.5)
    ("'green book'", 'true', 'nothing', '3.5')
    >>> import datetime; shown(datetime.date(2024, 1, 1))
    'the date 2024-01-01'
    >>> shown("x" * 100, limit=5)
    "'xxxxx…' (100 characters)"
    >>> shown(10 ** 100, limit=10)
    '100000000000… (a number of 101 digits)'
    >>> shown(10 ** 5000)
    'a number of over 4,000 digits'
    """
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) >= 10 ** 4000:  # Python will not turn an int of over 4,300 digits into text
            return "a number of over 4,000 digits"
        text = str(value)
        digits = len(text.lstrip("-"))
        return text if digits <= limit else f"{text[:12]}… (a number of {digits:,} digits)"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan (not a number)"
        if math.isinf(value):
            return "infinity" if value > 0 else "minus infinity"
        return repr(value)
    if isinstance(value, _dt.datetime):
        return f"the date and time {value.isoformat(sep=' ')}"
    if isinstance(value, _dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, (list, tuple)):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a set of 'key: value' lines"
    if isinstance(value, bytes):
        return "binary data"
    text = str(value)
    if len(text) > limit:
        return f"'{text[:limit]}…' ({len(text):,} characters)"
    return f"'{text}'"


def mapping_problem(raw, key: str, items: str) -> str | None:
    """What is wrong with a YAML file that must hold ``key:`` with named ``items`` under it; None when nothing is.

    Examples
    --------
    >>> mapping_problem(None, "groups", "groups")
    'is empty'
    >>> mapping_problem({"groups": {}}, "groups", "groups")
    "has no groups under 'groups:'"
    >>> mapping_problem({"groups": {"Zero carbon": ["energy"]}}, "groups", "groups") is None
    True
    """
    if isinstance(raw, dict) and isinstance(raw.get(key), dict) and raw[key]:
        return None
    if raw is None:
        return "is empty"
    if not isinstance(raw, dict):
        return f"holds {shown(raw)} instead of 'key: value' lines"
    if raw.get(key) is None:
        return f"has no '{key}:'"
    if raw[key] in ({}, []):
        return f"has no {items} under '{key}:'"
    return f"has '{key}:' holding {shown(raw[key])} instead of named {items}"
