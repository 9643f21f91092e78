"""The over-claiming checks (SROI principle 5)."""

import pandas as pd

from sroi_lib.core.checks import overclaiming_checks


def _lines(**cols):
    n = len(next(iter(cols.values())))
    base = {"row": list(range(2, n + 2)), "stakeholder": ["A"] * n, "outcome": ["x"] * n, "duration": [1] * n,
            "deadweight": [0.25] * n, "attribution": [0.1] * n,
            "evidence": ["deadweight from the local rate; attribution for partners"] * n, "value_type": ["fiscal"] * n}
    base.update(cols)
    return pd.DataFrame(base)


def test_checks_flag_each_case():
    lines = _lines(stakeholder=["A", "B", "C", "C"], outcome=["x", "y", "z", "Z "], duration=[1, 7, 2, 2],
                   evidence=["deadweight from data", "attribution: partners", "", "why not"],
                   value_type=["fiscal", "social", "fiscal", "social"])
    c = overclaiming_checks(lines)
    by = {(r.check, r.row) for r in c.itertuples()}
    assert ("no_evidence", 4) in by and ("no_evidence", 5) in by and ("no_evidence", 2) not in by
    assert ("long_duration", 3) in by and ("long_duration", 2) not in by
    assert {("valued_twice", 4), ("valued_twice", 5)} <= by and ("valued_twice", 2) not in by
    assert {("stacked", 4), ("stacked", 5)} <= by


def test_clean_lines_flag_nothing():
    assert overclaiming_checks(_lines(stakeholder=["A", "B"], outcome=["x", "y"])).empty
