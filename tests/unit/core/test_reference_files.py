"""Deflator, discount-schedule and framework files written by a person: every way of getting one wrong is
refused with the file named, what is wrong and how to fix it, never a crash.

Each table is (name, file text, the column the problem names, words the message must hold). Together the
tables reach every branch of the file readers in core/prices.py, core/discounting.py and core/frameworks.py
that refuses a file (tests/unit/test_every_refusal_reached.py checks that no branch is missed).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sroi_lib.core.discounting import (MAX_HORIZON, Band, DiscountSchedule, flat_rate, load_schedules,
                                       parse_discounting, schedule)
from sroi_lib.core.frameworks import load_framework
from sroi_lib.core.prices import DeflatorSeries, load_deflators, parse_price_year
from sroi_lib.errors import InputError

GOOD_INDEX = "index:\n  2023: 96.25\n  2024: 100.0\n"


def refused(call) -> list:
    """The problems of the InputError that ``call()`` raises (the test fails if it does not)."""
    with pytest.raises(InputError) as exc:
        call()
    return exc.value.problems


def write(tmp_path, text: str, name: str = "file.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- deflator files ------------------------------------------------------------------------------------------
DEFLATOR_CASES = [
    ("empty file", "", "index", "is empty"),
    ("a list", "- 1\n- 2\n", "index", "holds a list instead of 'key: value' lines"),
    ("a number", "5\n", "index", "holds 5 instead"),
    ("no index", "title: GDP deflator\n", "index", "has no 'index:'"),
    ("index a list", "index: [96.25, 100]\n", "index", "has 'index:' holding a list"),
    ("index empty", "index: {}\n", "index", "the deflator series is empty"),
    ("year as text", "index:\n  last year: 96\n  2024: 100\n", "index", "'last year' is not a calendar year"),
    ("year 2023.5", "index:\n  2023.5: 96\n  2024: 100\n", "index", "2023.5 is not a calendar year"),
    ("year a date", "index:\n  2023-01-01: 96\n  2024: 100\n", "index", "the date 2023-01-01 is not a calendar year"),
    ("year of 400 digits", f"index:\n  {'9' * 400}: 96\n", "index", "(a number of 400 digits) is not a calendar year"),
    ("year zero", "index:\n  0: 96\n  1: 100\n", "index", "0 is not a calendar year"),
    ("a gap", "index:\n  2020: 90\n  2024: 100\n", "index", "2021, 2022, 2023 are missing"),
    ("value negative", "index:\n  2023: -1\n  2024: 100\n", "index", "the value for 2023 is -1, not a positive number"),
    ("value zero", "index:\n  2023: 0\n  2024: 100\n", "index", "the value for 2023 is 0, not a positive"),
    ("value NaN", "index:\n  2023: .nan\n  2024: 100\n", "index", "nan (not a number), not a positive"),
    ("value infinite", "index:\n  2023: .inf\n  2024: 100\n", "index", "infinity, not a positive"),
    ("value text", "index:\n  2023: abc\n  2024: 100\n", "index", "the value for 2023 is 'abc'"),
    ("value true", "index:\n  2023: true\n  2024: 100\n", "index", "the value for 2023 is true"),
    ("value empty", "index:\n  2023:\n  2024: 100\n", "index", "the value for 2023 is nothing"),
    ("value a list", "index:\n  2023: [96]\n  2024: 100\n", "index", "the value for 2023 is a list"),
    ("value of 400 digits", f"index:\n  2023: {'9' * 400}\n  2024: 100\n", "index", "a number of 400 digits"),
    ("title a mapping", "title: {a: 1}\n" + GOOD_INDEX, "title", "'title' is a set of 'key: value' lines, not text"),
    ("base year not in the series", "base_year: 2010\n" + GOOD_INDEX, "base_year", "the base year (2010) is not a year"),
    ("base year a list", "base_year: [2024]\n" + GOOD_INDEX, "base_year", "the base year (a list)"),
]


@pytest.mark.parametrize("name, text, column, words", DEFLATOR_CASES, ids=[c[0] for c in DEFLATOR_CASES])
def test_a_wrong_deflator_file_is_refused_naming_file_and_problem(tmp_path, name, text, column, words):
    path = write(tmp_path, text, "deflators.yaml")
    problems = refused(lambda: load_deflators(path))
    assert any(words in p.message and p.column == column for p in problems), [str(p) for p in problems]
    assert all(p.file == str(path) and p.fix for p in problems)


def test_a_good_deflator_file_reads_years_given_as_text_and_keeps_provenance(tmp_path):
    d = load_deflators(write(tmp_path, "title: Mine\nbase_year: 2024\nindex:\n  '2023': 96.25\n  2024: 100\n"))
    assert d.index == {2023: 96.25, 2024: 100.0} and d.title == "Mine" and d.base_year == 2024
    assert d.largest_factor == pytest.approx(100 / 96.25)


def test_a_series_built_in_code_is_checked_the_same_way():
    assert "not a positive number" in refused(lambda: DeflatorSeries({2023: float("nan"), 2024: 100.0}))[0].message
    assert "true" in refused(lambda: DeflatorSeries({2023: True, 2024: 100.0}))[0].message
    assert "2023.5 is not a calendar year" in refused(lambda: DeflatorSeries({2023.5: 1.0}))[0].message
    assert "'2023' is not a calendar year" in refused(lambda: DeflatorSeries({"2023": 1.0}))[0].message
    assert "true is not a calendar year" in refused(lambda: DeflatorSeries({True: 1.0}))[0].message


@pytest.mark.parametrize("year, words", [
    (10 ** 12, "1000000000000 is outside the GDP deflator series"),
    (10 ** 400, "(a number of 401 digits) is outside the GDP deflator series"),
    ("9" * 5000, "(5,000 characters) is not a year"),  # beyond Python's 4,300-digit conversion limit
    ("2024.0", "'2024.0' is not a year"),
])
def test_a_huge_price_year_is_refused_without_overflow(year, words):
    [problem] = refused(lambda: parse_price_year(year))
    assert words in problem.message and "1990 to 2024" in problem.fix


def test_covers_never_overflows():
    d = load_deflators()
    assert d.covers(2024) is True and d.covers(10 ** 400) is False and d.covers(2024.5) is False
    assert d.covers(float("nan")) is False
    assert list(d.covers(np.array([1989, 2000]))) == [False, True]


# -- discount schedule files -----------------------------------------------------------------------------
def band(f, t, r) -> str:
    return f"{{from_year: {f}, to_year: {t}, rate: {r}}}"


def one(*bands, name="mine") -> str:
    return f"schedules:\n  {name}:\n    label: Mine\n    bands: [{', '.join(bands)}]\n"


OPEN = band(31, "null", 0.03)
SCHEDULE_CASES = [
    ("empty file", "", "schedules", "the discount schedule file is empty"),
    ("a list", "- 1\n", "schedules", "holds a list instead of 'key: value' lines"),
    ("no schedules", "vintage: 2026\n", "schedules", "has no 'schedules:'"),
    ("schedules empty", "schedules: {}\n", "schedules", "has no schedules under 'schedules:'"),
    ("schedules a list", "schedules: [a, b]\n", "schedules", "has 'schedules:' holding a list"),
    ("schedule without bands", "schedules:\n  mine:\n    label: Mine\n", "bands", "schedule 'mine' has no list of bands"),
    ("schedule a list", "schedules:\n  mine: [1, 2]\n", "bands", "schedule 'mine' has no list of bands"),
    ("bands empty", one(), "bands", "schedule 'mine' has no list of bands"),
    ("bands a mapping", "schedules:\n  mine:\n    bands: {a: 1}\n", "bands", "its bands are a set of 'key: value' lines"),
    ("a band a number", one("1"), "bands", "band 1 is 1, not a from_year, to_year and rate"),
    ("a band without rate", one("{from_year: 1, to_year: null}"), "bands", "band 1 is a set of"),
    ("from_year text", one(band("one", "null", 0.035)), "from_year", "from_year 'one', not a whole number"),
    ("from_year true", one(band("true", "null", 0.035)), "from_year", "from_year true"),
    ("to_year 30.5", one(band(1, 30.5, 0.035), OPEN), "to_year", "to_year 30.5"),
    ("to_year of 30 digits", one(band(1, "9" * 30, 0.035), OPEN), "to_year", "not a whole number of years from 1 to 1,000"),
    ("rate text", one(band(1, "null", "abc")), "rate", "the rate 'abc', not a number"),
    ("rate as a percentage", one(band(1, "null", "3.5%")), "rate", "the rate '3.5%', not a number"),
    ("rate negative", one(band(1, "null", -0.1)), "bands", "is -0.1, not a fraction from 0"),
    ("rate NaN", one(band(1, "null", ".nan")), "bands", "nan (not a number), not a fraction"),
    ("rate infinite", one(band(1, "null", ".inf")), "bands", "infinity, not a fraction"),
    ("rate 100%", one(band(1, "null", 1)), "bands", "is 1.0, not a fraction"),
    ("first band from year 2", one(band(2, "null", 0.035)), "bands", "the first band starts at year 2, not year 1"),
    ("a gap", one(band(1, 30, 0.035), band(40, "null", 0.03)), "bands", "starts at year 40, but the one before it leaves off at year 30"),
    ("an overlap", one(band(1, 30, 0.035), band(20, "null", 0.03)), "bands", "starts at year 20"),
    ("a band that ends before it starts", one(band(1, 3, 0.035), band(4, 2, 0.03), band(3, "null", 0.03)), "bands",
     "the band from year 4 ends before it starts"),
    ("last band closed", one(band(1, 30, 0.035)), "bands", "the last band ends at year 30"),
    ("open band before the last", one(band(1, "null", 0.035), OPEN), "bands", "only the last band may be open-ended"),
    ("label a mapping", "schedules:\n  mine:\n    label: {a: 1}\n    bands: [" + band(1, "null", 0.035) + "]\n", "label",
     "its label is a set of"),
    ("vintage a list", "vintage: [2026]\n" + one(band(1, "null", 0.035)), "vintage", "'vintage' is a list, not text"),
]


@pytest.mark.parametrize("name, text, column, words", SCHEDULE_CASES, ids=[c[0] for c in SCHEDULE_CASES])
def test_a_wrong_schedule_file_is_refused_naming_file_and_problem(tmp_path, name, text, column, words):
    path = write(tmp_path, text, "schedules.yaml")
    problems = refused(lambda: load_schedules(path))
    assert any(words in p.message and p.column == column for p in problems), [str(p) for p in problems]
    assert all(p.file == str(path) and p.fix for p in problems)


def test_a_good_schedule_file_with_odd_sources_is_read(tmp_path):
    for sources in ("sources: 5\n", "sources: [just a title]\n", "sources: []\n", ""):
        path = write(tmp_path, sources + one(band(1, 30, 0.035), OPEN), f"s{len(sources)}.yaml")
        s = load_schedules(path)["mine"]
        assert s.source_url == "" and s.bands == (Band(1, 30, 0.035), Band(31, None, 0.03))
        assert s.factors(31) == pytest.approx(1.035 ** -30 / 1.03)


def test_an_unknown_shipped_schedule_names_the_choices():
    [problem] = refused(lambda: schedule("greenbook-2003"))
    assert "no discount schedule 'greenbook-2003'" in problem.message and "green-book, health" in problem.fix


def test_a_schedule_built_in_code_without_bands_is_refused():
    assert "has no bands" in refused(lambda: DiscountSchedule("x", "x", ()))[0].message


@pytest.mark.parametrize("spec, words", [
    (10 ** 400, "(a number of 401 digits) is not a finite number"),
    (float("nan"), "nan (not a number) is not a finite number"),
    (float("inf"), "infinity is not a finite number"),
    ("-3%", "'-3%' is below zero"),
    ("-0.01", "'-0.01' is below zero"),
    ("soon", "Discounting 'soon' is not understood"),
    ("x" * 200_000, "(200,000 characters) is not understood"),
    ([0.035], "Discounting a list is not understood"),
    (True, "Discounting true is not understood"),
    ("3.5", "is a bare number above 1"),
    ("100%", "is 100% or more"),
])
def test_a_wrong_discounting_choice_is_refused_plainly(spec, words):
    [problem] = refused(lambda: parse_discounting(spec))
    assert words in problem.message and problem.fix
    assert len(str(problem)) < 400  # a 200,000-character choice is quoted short


@pytest.mark.parametrize("years", [MAX_HORIZON + 1, 10 ** 12, [1, 10 ** 9]])
def test_no_table_of_factors_is_made_beyond_the_horizon(years):
    for spec in (flat_rate(0.035), parse_discounting("green-book")):
        [problem] = refused(lambda: spec.factors(years))
        assert f"beyond the {MAX_HORIZON:,} years" in problem.message and "start_year" in problem.fix
    assert "beyond" in refused(lambda: parse_discounting("green-book").log_discount(10 ** 12))[0].message


def test_the_horizon_itself_is_discounted():
    assert 0 < parse_discounting("green-book").factors(MAX_HORIZON) < 1e-5
    assert math.isclose(flat_rate(0.01).factors(MAX_HORIZON), 1.01 ** -MAX_HORIZON)


@pytest.mark.parametrize("years", [10 ** 400, [float("nan")], [float("inf")], ["3"]])
def test_years_that_are_not_whole_numbers_are_refused(years):
    assert "whole number of 0 or more" in refused(lambda: flat_rate(0.035).factors(years))[0].message


# -- framework files -------------------------------------------------------------------------------------
FRAMEWORK_CASES = [
    ("empty file", "", "groups", "the framework file is empty"),
    ("a list", "- a\n", "groups", "holds a list instead"),
    ("no groups", "name: mine\n", "groups", "has no 'groups:'"),
    ("groups empty", "groups: {}\n", "groups", "has no groups under 'groups:'"),
    ("groups a list", "groups: [a, b]\n", "groups", "has 'groups:' holding a list"),
    ("a group holding text", "groups:\n  Health: health and care\n", "groups",
     "group 'Health' holds 'health and care' instead of a list of themes"),
    ("a group holding a mapping", "groups:\n  Health: {a: 1}\n", "groups", "holds a set of 'key: value' lines"),
    ("a theme that is a list", "groups:\n  Health: [[a]]\n", "groups", "group 'Health' lists a list as a theme"),
    ("a theme that is empty", "groups:\n  Health: [null]\n", "groups", "lists nothing as a theme"),
    ("a theme that is blank", "groups:\n  Health: ['  ']\n", "groups", "lists '  ' as a theme"),
    ("a theme that is a date", "groups:\n  Health: [2024-01-01]\n", "groups", "lists the date 2024-01-01"),
    ("a theme twice in a group", "groups:\n  Health: [wellbeing, Wellbeing]\n", "groups",
     "theme 'wellbeing' is listed twice in 'Health'"),
    ("a theme in two groups", "groups:\n  Health: [wellbeing]\n  Growth: [wellbeing]\n", "groups",
     "theme 'wellbeing' is in both 'Health' and 'Growth'"),
    ("a group named by a number", "groups:\n  5: [wellbeing]\n", "groups", "a group is named 5"),
    ("a group without a name", "groups:\n  null: [wellbeing]\n", "groups", "a group is named nothing"),
    ("two groups named alike", "groups:\n  Health: [a]\n  health: [b]\n", "groups",
     "the groups 'Health' and 'health' have the same name"),
    ("title a mapping", "title: {a: 1}\ngroups:\n  Health: [a]\n", "title", "'title' is a set of"),
    ("name true", "name: true\ngroups:\n  Health: [a]\n", "name", "'name' is true, not text"),
]


@pytest.mark.parametrize("name, text, column, words", FRAMEWORK_CASES, ids=[c[0] for c in FRAMEWORK_CASES])
def test_a_wrong_framework_file_is_refused_naming_file_and_problem(tmp_path, name, text, column, words):
    path = write(tmp_path, text, "framework.yaml")
    problems = refused(lambda: load_framework(path))
    assert any(words in p.message and p.column == column for p in problems), [str(p) for p in problems]
    assert all(p.file == str(path) and p.fix for p in problems)


@pytest.mark.parametrize("name, words", [
    ("nope", "There is no framework called 'nope'"),
    ("../reference/gdp_deflators", "There is no framework called '../reference/gdp_deflators'"),  # never a path
    ("x" * 300, "(300 characters)"),  # too long a name for the file system: no OSError
    ("best_city_ambition\x00", "There is no framework called"),
    ("missing.yaml", "the framework file 'missing.yaml' was not found"),
    ("x" * 300 + ".yaml", "was not found"),
])
def test_a_framework_name_that_is_not_shipped_or_a_file_is_refused(name, words):
    [problem] = refused(lambda: load_framework(name))
    assert words in problem.message and problem.fix


def test_a_group_without_themes_is_an_empty_group(tmp_path):
    f = load_framework(write(tmp_path, "name: mine\ngroups:\n  Health: [Wellbeing]\n  Later:\n"))
    assert f.groups == {"Health": ("wellbeing",), "Later": ()} and f.group_of("anything") == "not mapped"


def test_a_folder_named_like_a_framework_file_is_refused(tmp_path):
    (tmp_path / "mine.yaml").mkdir()
    [problem] = refused(lambda: load_framework(tmp_path / "mine.yaml"))
    assert "was not found (it is a folder)" in problem.message


def test_asking_for_a_group_a_framework_does_not_have():
    [problem] = refused(lambda: load_framework("best_city_ambition").themes_of("Zero waste"))
    assert "'Zero waste' is not a group of Leeds Best City Ambition" in problem.message
    assert "Zero carbon" in problem.fix


# -- the shipped reference files, replaced through SROI_DATA_DIR (a council's own reviewed copy) -------------
@pytest.fixture
def own_data(tmp_path, monkeypatch):
    """A copy of the shipped data folder used through SROI_DATA_DIR, with every cache of it emptied."""
    import shutil

    from sroi_lib.core import prices
    from sroi_lib.paths import data_dir
    from sroi_lib.proxies.library import shipped_library

    copy = tmp_path / "data"
    shutil.copytree(data_dir(), copy, ignore=shutil.ignore_patterns("examples"))

    def clear():  # every cached read of the data folder: the schedules, the proxy library, the default deflators
        load_schedules.cache_clear()
        shipped_library.cache_clear()
        for obj in vars(prices).values():
            if callable(getattr(obj, "cache_clear", None)):
                obj.cache_clear()

    monkeypatch.setenv("SROI_DATA_DIR", str(copy))
    clear()
    yield copy
    monkeypatch.delenv("SROI_DATA_DIR")
    clear()


@pytest.mark.parametrize("file, text, words", [
    ("reference/gdp_deflators.yaml", "index:\n  2020: 90\n  2024: 100\n", "2021, 2022, 2023 are missing"),
    ("reference/gdp_deflators.yaml", "index:\n  2023: .nan\n  2024: 100\n", "the value for 2023 is nan"),
    ("reference/discount_schedules.yaml", "vintage: 2026\n", "has no 'schedules:'"),
    ("reference/discount_schedules.yaml", one(band(1, "null", 1), name="green-book"), "not a fraction"),
    ("frameworks/best_city_ambition.yaml", "name: best_city_ambition\n", "has no 'groups:'"),
])
def test_a_broken_reference_file_stops_sroi_value_plainly(own_data, capsys, file, text, words):
    from sroi_lib.cli import main
    from tests.conftest import EXAMPLES

    (own_data / file).write_text(text)
    assert main(["value", str(EXAMPLES / "worked_check" / "impact_map.csv"), "--investment", "1000"]) == 2
    err = capsys.readouterr().err
    assert words in err and file.split("/")[-1] in err and "Traceback" not in err
