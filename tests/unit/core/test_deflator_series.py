"""The shipped GDP deflator series, checked against an independent copy and for plausible year-on-year changes.

The shipped series is HM Treasury's (December 2025 Quarterly National Accounts, 2024 = 100, four decimals); the
independent copy is the ONS's own series YBGB (release 30 June 2025, 2022 = 100, one decimal), kept in
data/reference/ons_ybgb_gdp_deflator.csv. docs/data_log.md records both and the result of the check.
"""

from __future__ import annotations

import csv

import pytest

from sroi_lib.core.prices import load_deflators
from sroi_lib.paths import reference_file

# Year-on-year changes the two copies may differ by, in percentage points: the ONS copy's one decimal place moves
# a change by up to about ±0.2 points on an index near 50, and the six months of revisions between the two
# releases moved 2021 and 2023 by 0.50 and 0.55 points. A wrong figure in the shipped series (a digit slipped,
# a year shifted) moves a change by far more.
TOLERANCE_POINTS = 0.6
# A year-on-year change outside this band needs a reason written here (none does today: the series runs from
# +0.04% in 1997 to +6.70% in 1991).
PLAUSIBLE = (-1.0, 8.0)
DOCUMENTED = {
    # year: "why its change is outside the band, with the source that confirms it",
}


def shipped() -> dict[int, float]:
    return dict(load_deflators().index)


def ons_copy() -> dict[int, float]:
    with open(reference_file("ons_ybgb_gdp_deflator.csv"), encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {int(r["year"]): float(r["index"]) for r in rows}


def changes(series: dict[int, float]) -> dict[int, float]:
    """Year-on-year change in per cent, by the later year."""
    years = sorted(series)
    return {b: 100 * (series[b] / series[a] - 1) for a, b in zip(years, years[1:]) if b == a + 1}


def test_every_years_change_agrees_with_the_ons_copy():
    ours, theirs = changes(shipped()), changes(ons_copy())
    assert set(ours) <= set(theirs), "the ONS copy must cover every year of the shipped series"
    off = {y: (round(ours[y], 2), round(theirs[y], 2)) for y in ours if abs(ours[y] - theirs[y]) > TOLERANCE_POINTS}
    assert not off, f"year-on-year changes (shipped, ONS) that disagree by more than {TOLERANCE_POINTS} points: {off}"


def test_1997s_small_rise_is_confirmed_by_the_ons_copy():
    """The shipped series rises only 0.04% from 1996 to 1997, against 4.1% the year before. The ONS's own series
    shows the same flat year (−0.17%), so it is the data, not a copying slip."""
    ours, theirs = changes(shipped()), changes(ons_copy())
    assert ours[1997] == pytest.approx(0.04, abs=0.01) and ours[1996] == pytest.approx(4.14, abs=0.01)
    assert abs(theirs[1997]) < 0.5


def test_every_years_change_is_plausible_or_documented():
    outside = {y: round(c, 2) for y, c in changes(shipped()).items()
               if not PLAUSIBLE[0] <= c <= PLAUSIBLE[1] and y not in DOCUMENTED}
    assert not outside, f"year-on-year changes outside {PLAUSIBLE} % with no documented reason: {outside}"


def test_the_checks_catch_a_slipped_figure():
    """A digit slipped in one year (52.8303 typed as 58.2303) fails both checks."""
    series = shipped()
    series[1997] = 58.2303
    ours, theirs = changes(series), changes(ons_copy())
    assert abs(ours[1997] - theirs[1997]) > TOLERANCE_POINTS
    assert not PLAUSIBLE[0] <= ours[1998] <= PLAUSIBLE[1]
