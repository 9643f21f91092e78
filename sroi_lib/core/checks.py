"""Over-claiming checks (SROI principle 5: do not over-claim).

Each check looks at the valued lines and lists the ones a reviewer should look
at again. A flagged line is not wrong in itself: it needs its reasons written
down.

1. **No evidence for deadweight or attribution**: the line's ``evidence`` says
   nothing about deadweight or attribution (neither word, nor "would have
   happened anyway" or "due to others").
2. **Long duration**: the outcome is claimed to last more than five years.
3. **Valued twice**: the same stakeholder and outcome appear on more than one line.
4. **Fiscal and wellbeing stacked**: one stakeholder's outcome is valued both
   as a saving to the public purse (``fiscal``) and as wellbeing (``social``), which
   counts the same change twice unless the two are shown to be separate.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["overclaiming_checks", "CHECKS", "LONG_DURATION_YEARS"]

LONG_DURATION_YEARS = 5
CHECKS = {
    "no_evidence": "No evidence for deadweight or attribution",
    "long_duration": f"Duration over {LONG_DURATION_YEARS} years",
    "valued_twice": "Same stakeholder and outcome valued more than once",
    "stacked": "Fiscal and wellbeing values stacked on one outcome",
}
_EVIDENCE_WORDS = re.compile(r"deadweight|attribut|would have happened|anyway|due to others|counterfactual", re.I)


def _key(text) -> str:
    return re.sub(r"\s+", " ", str(text).strip().lower())


def overclaiming_checks(lines: pd.DataFrame) -> pd.DataFrame:
    """Every flagged line, one row per (check, line).

    Parameters
    ----------
    lines : DataFrame
        ``Valuation.lines``.

    Returns
    -------
    DataFrame
        Columns ``check`` (a key of :data:`CHECKS`), ``check_name``, ``row``,
        ``stakeholder``, ``outcome``, ``detail``. Empty when nothing is flagged.
    """
    found = []

    def flag(check, r, detail):
        found.append({"check": check, "check_name": CHECKS[check], "row": None if pd.isna(r.row) else int(r.row),
                      "stakeholder": r.stakeholder, "outcome": r.outcome, "detail": detail})

    for r in lines.itertuples():
        if not _EVIDENCE_WORDS.search(str(r.evidence or "")):
            flag("no_evidence", r, f"deadweight {r.deadweight:.0%}, attribution {r.attribution:.0%}; "
                                   "the evidence column does not say why")
        if r.duration > LONG_DURATION_YEARS:
            flag("long_duration", r, f"claimed to last {r.duration} years")
    keyed = lines.assign(_s=lines["stakeholder"].map(_key), _o=lines["outcome"].map(_key))
    for (_, _), group in keyed.groupby(["_s", "_o"], sort=False):
        if len(group) > 1:
            rows = ", ".join(str(int(x)) for x in group["row"] if pd.notna(x))
            for r in group.itertuples():
                flag("valued_twice", r, f"the same stakeholder and outcome are on rows {rows}")
            types = set(group["value_type"])
            if {"fiscal", "social"} <= types:
                for r in group[group["value_type"].isin(["fiscal", "social"])].itertuples():
                    flag("stacked", r, f"valued as {r.value_type} here; rows {rows} value the same outcome")
    return pd.DataFrame(found, columns=["check", "check_name", "row", "stakeholder", "outcome", "detail"])
