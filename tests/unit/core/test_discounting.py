"""Discount factors against the Green Book check values and closed forms."""

import numpy as np
import pytest

from sroi_lib.core.discounting import discount_factors, flat_rate, load_schedules, parse_discounting, schedule
from sroi_lib.errors import InputError


def test_year_zero_is_not_discounted_and_year_one_is():
    gb = schedule("green-book")
    assert gb.factors(0) == 1.0
    assert gb.factors(1) == pytest.approx(1 / 1.035)


@pytest.mark.parametrize("year, expected", [(5, 0.8420), (10, 0.7089), (30, 0.3563), (50, 0.1973)])
def test_green_book_standard_check_values(year, expected):
    # Published check values of the standard schedule (docs/data_log.md: the Green Book's discount factor table).
    assert schedule("green-book").factors(year) == pytest.approx(expected, abs=5e-5)


def test_green_book_band_changes():
    gb = schedule("green-book")
    assert gb.factors(31) == pytest.approx(gb.factors(30) / 1.03)
    assert gb.factors(75) == pytest.approx(1 / (1.035**30 * 1.03**45))
    assert gb.factors(76) == pytest.approx(gb.factors(75) / 1.025)
    assert gb.factors(126) == pytest.approx(gb.factors(125) / 1.02)
    assert gb.factors(301) == pytest.approx(gb.factors(300) / 1.01)


def test_health_schedule():
    h = schedule("health")
    assert h.factors(1) == pytest.approx(1 / 1.015)
    assert h.factors(31) == pytest.approx(1 / (1.015**30 * 1.0129))


def test_schedules_carry_their_vintage_and_source():
    for s in load_schedules().values():
        assert "Green Book" in s.vintage
        assert s.source_url.startswith("https://")


def test_vectorised_factors_keep_shape_and_match_scalars():
    years = np.array([[0, 1, 2], [30, 31, 100]])
    out = discount_factors(years, "green-book")
    assert out.shape == (2, 3)
    gb = schedule("green-book")
    for t, df in zip(years.ravel(), out.ravel()):
        assert df == pytest.approx(gb.factors(int(t)))


def test_flat_rate_matches_standard_schedule_up_to_year_30():
    years = np.arange(0, 31)
    assert np.allclose(flat_rate(0.035).factors(years), schedule("green-book").factors(years))
    assert flat_rate(0.035).factors(40) == pytest.approx(1 / 1.035**40)


@pytest.mark.parametrize("spec, df1", [("3.5%", 1 / 1.035), ("0.035", 1 / 1.035), (0.05, 1 / 1.05),
                                        ("none", 1.0), ("health", 1 / 1.015), ("green-book", 1 / 1.035)])
def test_parse_discounting(spec, df1):
    assert parse_discounting(spec).factors(1) == pytest.approx(df1)


@pytest.mark.parametrize("spec", ["3.5", "abc", "150%", "-2%"])
def test_bad_discounting_is_refused(spec):
    with pytest.raises(InputError):
        parse_discounting(spec)


def test_bare_number_above_one_is_never_divided_by_100():
    with pytest.raises(InputError, match="bare number above 1"):
        parse_discounting("3.5")


@pytest.mark.parametrize("years", [-1, 1.5])
def test_bad_years_are_refused(years):
    with pytest.raises(InputError):
        schedule("green-book").factors(years)
