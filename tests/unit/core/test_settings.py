"""The price year, discounting and framework: checked in one place for `sroi value` and parameters files."""

import pytest

from sroi_lib.core.frameworks import DEFAULT_FRAMEWORK
from sroi_lib.core.settings import check_settings
from tests.conftest import ROOT


def test_defaults_are_the_latest_price_year_green_book_and_the_shipped_settings_framework(monkeypatch):
    monkeypatch.delenv("SROI_FRAMEWORK", raising=False)
    settings, problems = check_settings()
    assert problems == []
    assert settings.price_year == settings.deflators.last_year == 2024
    assert settings.discounting.name == "green-book"
    assert DEFAULT_FRAMEWORK == "default"  # the council's default: data/settings.yaml names Best City Ambition
    assert settings.framework.name == "best_city_ambition"
    assert settings.framework.path == ROOT / "data" / "frameworks" / "best_city_ambition.yaml"


def test_given_settings_are_parsed():
    settings, problems = check_settings(price_year="2019", discounting="3.5%", framework="national_toms")
    assert problems == []
    assert settings.price_year == 2019 and settings.discounting.bands[0].rate == 0.035
    assert settings.framework.name == "national_toms"


def test_every_problem_is_named_by_its_key():
    settings, problems = check_settings(price_year=1985, discounting="3.5", framework="nope")
    assert settings is None
    assert [p.column for p in problems] == ["price_year", "discounting", "framework"]
    assert "1985 is outside the GDP deflator series" in problems[0].message
    assert "bare number above 1" in problems[1].message
    assert "no framework called 'nope'" in problems[2].message


def test_callers_place_the_problems():
    # A parameters file gives the file and line; the command line names its options.
    _, in_file = check_settings(price_year=1985, where=lambda key: {"file": "p.yaml", "row": 6, "column": key})
    assert str(in_file[0]).startswith("p.yaml, line 6, key 'price_year': 1985 is outside")
    _, on_line = check_settings(price_year="soon", where=lambda key: {}, labels={"price_year": "--price-year "})
    assert str(on_line[0]) == "--price-year 'soon' is not a year. Give a year from 1990 to 2024."


@pytest.mark.parametrize("framework", [ROOT / "data" / "frameworks" / "national_toms.yaml"])
def test_a_framework_file_is_accepted(framework):
    settings, problems = check_settings(framework=framework)
    assert problems == [] and settings.framework.path == framework
