"""Tables and values made JSON-ready: NumPy numbers as Python numbers, missing values as null.

The one conversion behind every JSON sroi writes (``sroi value --json``,
``results.json``, proxy records), so they all say "missing" the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plain", "json_records"]


def plain(v):
    """A NumPy integer or float as the Python number; anything else unchanged.

    Examples
    --------
    >>> plain(np.int64(3)), plain(np.float64(0.5)), plain("x")
    (3, 0.5, 'x')
    """
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def json_records(frame: pd.DataFrame) -> list[dict]:
    """One dict per row, with missing values (NaN, NA, None) as None and plain Python numbers.

    Examples
    --------
    >>> json_records(pd.DataFrame({"a": [1.5, np.nan], "b": ["x", None]}))
    [{'a': 1.5, 'b': 'x'}, {'a': None, 'b': None}]
    """
    clean = frame.astype(object).where(pd.notna(frame), None)
    return [{k: plain(v) for k, v in r.items()} for r in clean.to_dict(orient="records")]
