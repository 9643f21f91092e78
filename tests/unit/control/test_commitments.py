"""A contract's commitments file and the tracking figures: every wrong cell named by row and column, and
figures that would overflow refused, never shown as infinite."""

from __future__ import annotations

import pandas as pd
import pytest

from sroi_lib.control.tracking import read_commitments, track
from sroi_lib.errors import InputError
from sroi_lib.proxies.library import shipped_library

HEADER = "measure,description,unit,committed_per_period,proxy_id\n"
GOOD = "FAL1,Falls avoided,admissions avoided,15,hw-fall-admission\n"


@pytest.fixture(scope="module")
def library():
    return shipped_library()


COMMITMENT_CASES = [
    ("negative", "FAL1,x,u,-5,hw-fall-admission", 2, "committed_per_period", "'-5' is below zero"),
    ("nan", "FAL1,x,u,nan,hw-fall-admission", 2, "committed_per_period", "'nan' is not a finite number"),
    ("infinity", "FAL1,x,u,inf,hw-fall-admission", 2, "committed_per_period", "'inf' is not a finite number"),
    ("1e400", "FAL1,x,u,1e400,hw-fall-admission", 2, "committed_per_period", "'1e400' is not a finite number"),
    ("text", "FAL1,x,u,lots,hw-fall-admission", 2, "committed_per_period", "'lots' is not a number"),
    ("percentage", "FAL1,x,u,50%,hw-fall-admission", 2, "committed_per_period", "is a percentage"),
    ("blank quantity", "FAL1,x,u,,hw-fall-admission", 2, "committed_per_period", "is empty"),
    ("blank measure", ",x,u,1,hw-fall-admission", 2, "measure", "is empty"),
    ("blank proxy", "FAL1,x,u,1,", 2, "proxy_id", "is empty"),
    ("duplicate measure", "FAL1,x,u,1,hw-fall-admission\nFAL1,y,u,2,hw-fall-admission", 3, "measure",
     "measure 'FAL1' is listed twice (first in row 2)"),
    ("unknown proxy", "FAL1,x,u,1,hw-no-such-thing", 2, "proxy_id", "proxy 'hw-no-such-thing' is not in the proxy library"),
]


@pytest.mark.parametrize("name, body, row, column, words", COMMITMENT_CASES, ids=[c[0] for c in COMMITMENT_CASES])
def test_a_wrong_commitment_is_named_by_row_and_column(tmp_path, library, name, body, row, column, words):
    path = tmp_path / "commitments.csv"
    path.write_text(HEADER + body + "\n")
    with pytest.raises(InputError) as exc:
        read_commitments(path, library)
    assert any(p.row == row and p.column == column and words in p.message and p.fix for p in exc.value.problems), \
        str(exc.value)


def test_a_missing_column_is_named(tmp_path, library):
    path = tmp_path / "commitments.csv"
    path.write_text("measure,description,unit,proxy_id\nFAL1,x,u,hw-fall-admission\n")
    with pytest.raises(InputError, match="committed_per_period"):
        read_commitments(path, library)


def test_a_good_commitments_file(tmp_path, library):
    path = tmp_path / "commitments.csv"
    path.write_text(HEADER + GOOD)
    c = read_commitments(path, library)
    assert c.to_dict("records") == [{"row": 2, "measure": "FAL1", "description": "Falls avoided",
                                     "unit": "admissions avoided", "committed_per_period": 15.0,
                                     "proxy_id": "hw-fall-admission"}]


COMMIT = pd.DataFrame({"measure": ["BIG", "OK"], "description": ["Huge", "Fine"], "unit": ["u", "u"],
                       "committed_per_period": [1e306, 1.0], "proxy_id": ["p-big", "p-ok"]})
NO_RETURNS = pd.DataFrame(columns=["period", "measure", "quantity"])


def test_figures_too_large_to_compute_are_refused_naming_the_measure():
    with pytest.raises(InputError) as exc:
        track(COMMIT, NO_RETURNS, ["2025-Q1", "2025-Q2"], {"p-big": 1e300, "p-ok": 1.0})
    [problem] = exc.value.problems
    assert "the figures for measure 'BIG' are too large to compute" in problem.message
    assert problem.column == "committed_per_period" and "quantity committed" in problem.fix


def test_totals_too_large_to_compute_are_refused():
    both = COMMIT.assign(committed_per_period=[1e300, 1e300], proxy_id=["p-big", "p-big"])
    with pytest.raises(InputError) as exc:  # each measure is finite (1e300 × 2 × £5e7 = 1e308); their sum is not
        track(both.assign(measure=["A", "B"]), NO_RETURNS, ["2025-Q1", "2025-Q2"], {"p-big": 5e7})
    [problem] = exc.value.problems
    assert "the contract's totals are too large to compute" in problem.message


@pytest.mark.parametrize("green, amber", [(0.8, 0.8), (0.5, 0.9)])
def test_a_green_threshold_not_above_amber_is_refused(green, amber):
    with pytest.raises(InputError) as exc:
        track(COMMIT.iloc[1:], NO_RETURNS, ["2025-Q1"], {"p-ok": 1.0}, green=green, amber=amber)
    [problem] = exc.value.problems
    assert "must be above the amber one" in problem.message and problem.column == "rag_green"
