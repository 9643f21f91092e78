"""The shipped reference data for comparing a valuation: the Green Book reduced-rate discount schedule and the
published ranges of SROI ratios (data/reference/sroi_ratio_comparables.yaml).

The schedule is read through sroi's own loader, so these tests fail if the file stops loading, a band is
mistyped or the factors stop following DF(t) = Π 1 / (1 + r_k). The comparables file is checked for what the
over-claiming check relies on: a source and an open licence for each review, a range that is a range, and
every figure traceable to the quoted passage.
"""

from __future__ import annotations

import re

import pytest

from sroi_lib.core.discounting import load_schedules, schedule
from sroi_lib.paths import read_yaml, reference_file

# DfT TAG, Forthcoming change: Green Book updates (April 2026), column "Discount rate (new – additional
# sensitivity test)"; earlier Green Book editions' Table 8 "reduced rate where pure STP = 0".
REDUCED = [(1, 30, 0.030), (31, 75, 0.0257), (76, 125, 0.0214), (126, 200, 0.0171), (201, 300, 0.0129),
           (301, None, 0.0086)]


def test_the_reduced_rate_schedule_has_the_published_bands():
    bands = [(b.from_year, b.to_year, b.rate) for b in schedule("reduced-rate").bands]
    assert bands == REDUCED


def test_the_reduced_rates_are_the_standard_rates_without_pure_time_preference():
    # Each published reduced rate is the standard one × 6/7 (3.0% = 3.5% − δ 0.5%), rounded to 0.01 of a
    # percent: a transcription slip in either schedule breaks this.
    standard, reduced = schedule("green-book").bands, schedule("reduced-rate").bands
    assert [(b.from_year, b.to_year) for b in standard] == [(b.from_year, b.to_year) for b in reduced]
    for s, r in zip(standard, reduced):
        assert r.rate == pytest.approx(round(s.rate * 6 / 7, 4), abs=1e-12)


@pytest.mark.parametrize("year, by_hand", [
    (1, 1 / 1.03),
    (30, 1.03 ** -30),
    (31, 1.03 ** -30 * 1.0257 ** -1),
    (75, 1.03 ** -30 * 1.0257 ** -45),
    (76, 1.03 ** -30 * 1.0257 ** -45 * 1.0214 ** -1),
    (126, 1.03 ** -30 * 1.0257 ** -45 * 1.0214 ** -50 * 1.0171 ** -1),
    (301, 1.03 ** -30 * 1.0257 ** -45 * 1.0214 ** -50 * 1.0171 ** -75 * 1.0129 ** -100 * 1.0086 ** -1),
])
def test_reduced_rate_discount_factors_worked_by_hand(year, by_hand):
    assert schedule("reduced-rate").factors(year) == pytest.approx(by_hand, rel=1e-12)


def test_the_reduced_rate_schedule_carries_its_vintage_source_and_a_plain_label():
    s = load_schedules()["reduced-rate"]
    assert "Green Book" in s.vintage and s.source_url.startswith("https://www.gov.uk/")
    assert "sensitivity test" in s.label and "50 years" in s.label
    raw = read_yaml(reference_file("discount_schedules.yaml"), "discount schedule file")
    assert any("sensitivity test" in src["title"] and src["url"].startswith("https://www.gov.uk/")
               for src in raw["sources"])


@pytest.fixture(scope="module")
def comparables():
    return read_yaml(reference_file("sroi_ratio_comparables.yaml"), "SROI ratio comparables file")


OPEN_LICENCES = {"CC BY 4.0", "Open Government Licence v3.0", "Open Parliament Licence v3.0"}
FIGURES = ("lowest", "highest", "median")


def _numbers(text: str) -> set[float]:
    return {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def test_every_review_has_a_source_an_open_licence_and_a_quote(comparables):
    reviews = comparables["reviews"]
    assert len({r["id"] for r in reviews}) == len(reviews)
    for r in reviews:
        assert r["url"].startswith("https://"), r["id"]
        assert r["licence"] in OPEN_LICENCES, r["id"]
        assert r["citation"] and r["quote"] and r["where"] and r["sector"] and r["measure"], r["id"]
        assert isinstance(r["studies"], int) and r["studies"] > 0, r["id"]


def test_every_range_is_a_range_and_each_figure_is_in_its_quote(comparables):
    for r in comparables["reviews"]:
        given = {k: r[k] for k in FIGURES if r[k] is not None}
        for k, v in given.items():
            assert isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0, (r["id"], k)
            assert float(v) in _numbers(r["quote"]), f"{r['id']}: {k} {v} is not in the quoted passage"
        if "lowest" in given and "highest" in given:
            assert r["lowest"] <= r["highest"], r["id"]
            if "median" in given:
                assert r["lowest"] <= r["median"] <= r["highest"], r["id"]
        if len(given) < 2:  # a review without a range must say it was not read
            assert "NOT READ" in r.get("note", ""), r["id"]


def test_at_least_three_reviews_give_a_range(comparables):
    ranged = [r for r in comparables["reviews"] if r["lowest"] is not None and r["highest"] is not None]
    assert len(ranged) >= 3
