"""Re-pricing with the GDP deflator: values worked by hand from the published index."""

import numpy as np
import pytest

from sroi_lib.errors import InputError
from sroi_lib.core.prices import DeflatorSeries, load_deflators, reprice


def test_shipped_series_has_provenance_and_the_published_values():
    d = load_deflators()
    assert d.first_year == 1990 and d.last_year == 2024
    assert d.base_year == 2024 and d.at(2024) == 100
    assert d.at(2019) == pytest.approx(81.1085)
    assert d.at(2015) == pytest.approx(75.1536)
    assert "December 2025" in d.vintage
    assert d.source_url.startswith("https://www.gov.uk/")
    assert "Open Government Licence" in d.licence


def test_reprice_wellby_2019_to_2024_by_hand():
    # £13,000 × 100 / 81.1085 = £16,027.91
    assert reprice(13000, 2019, 2024) == pytest.approx(16027.91, abs=0.005)


def test_reprice_between_two_past_years_by_hand():
    # £1,000 in 2015 prices → 2022 prices: 1000 × 90.5005 / 75.1536 = £1,204.21
    assert reprice(1000, 2015, 2022) == pytest.approx(1204.21, abs=0.005)


def test_reprice_backwards_and_round_trip():
    there = reprice(500.0, 2010, 2023)
    assert reprice(there, 2023, 2010) == pytest.approx(500.0)
    assert reprice(1000, 2024, 2019) == pytest.approx(811.085, abs=0.005)  # 1000 × 81.1085 / 100


def test_reprice_same_year_is_identity():
    assert reprice(1234.56, 2020, 2020) == 1234.56


def test_reprice_is_vectorised_over_values_and_years():
    out = reprice(np.array([13000.0, 1000.0]), np.array([2019, 2015]), 2024)
    assert out.shape == (2,)
    assert out[0] == pytest.approx(16027.91, abs=0.005)
    assert out[1] == pytest.approx(1000 * 100 / 75.1536)


@pytest.mark.parametrize("year", [1989, 2025, 1850])
def test_year_outside_series_is_a_clear_error(year):
    with pytest.raises(InputError) as exc:
        reprice(100, year, 2024)
    assert str(year) in str(exc.value)
    assert "1990 to 2024" in str(exc.value)


def test_series_with_a_gap_is_refused():
    with pytest.raises(InputError, match="gaps"):
        DeflatorSeries({2000: 50.0, 2002: 52.0})


def test_one_range_check_names_where_the_year_is():
    problem = load_deflators().year_problem(1985, file="map.csv", row=4, column="price_year")
    assert str(problem) == ("map.csv, row 4, column 'price_year': 1985 is outside the GDP deflator series "
                            "(1990 to 2024). Give a price year from 1990 to 2024.")
    assert load_deflators().year_problem(2020) is None
    assert load_deflators().year_problem(2020.5) is not None  # not a whole year


@pytest.mark.parametrize("text, expected", [(None, 2024), ("", 2024), ("2019", 2019), (2015, 2015), (" 2023 ", 2023)])
def test_parse_price_year(text, expected):
    from sroi_lib.core.prices import parse_price_year

    assert parse_price_year(text) == expected


@pytest.mark.parametrize("text, words", [("last year", "'last year' is not a year"), ("2031", "2031 is outside")])
def test_parse_price_year_refuses(text, words):
    from sroi_lib.core.prices import parse_price_year

    with pytest.raises(InputError, match=words) as exc:
        parse_price_year(text, label="--price-year ")
    assert str(exc.value).startswith("--price-year ")
