"""The proxy library's own checks beyond its cells: ids, values too large to re-price, the shipped files,
lookups and search limits, each refused with a plain message."""

from __future__ import annotations

import shutil

import pytest

from sroi_lib.errors import InputError
from sroi_lib.paths import data_dir
from sroi_lib.proxies import library as proxies
from sroi_lib.proxies.library import find_proxies, load_library, shipped_library
from tests.conftest import write_csv

GOOD = {"proxy_id": "x-1", "name": "Thing", "outcome": "Better things", "unit": "per thing", "value": "10",
        "price_year": "2020", "value_type": "social", "theme": "wellbeing", "source": "Somewhere",
        "source_url": "https://example.org/x", "licence": "OGL", "notes": ""}


@pytest.mark.parametrize("change, column, words", [
    ({"proxy_id": "x 2"}, "proxy_id", "'x 2' has spaces in it"),
    ({"value": "£0"}, "value", "is £0"),
    ({"value": "1e308", "price_year": "1990"}, "value", "is too large to compute with"),
])
def test_a_wrong_proxy_row_is_named(tmp_path, change, column, words):
    path = write_csv(tmp_path / "lib.csv", [GOOD, {**GOOD, "proxy_id": "x-2", **change}])
    with pytest.raises(InputError) as exc:
        load_library(path)
    assert any(p.row == 3 and p.column == column and words in p.message and p.fix for p in exc.value.problems), \
        str(exc.value)


def test_the_largest_value_that_can_be_re_priced_is_kept(tmp_path):
    path = write_csv(tmp_path / "lib.csv", [dict(GOOD, value="1e300", price_year="1990")])
    lib = load_library(path)
    assert lib.repriced(2024)["value_repriced"].iloc[0] == pytest.approx(1e300 * 100 / 42.7537)


def test_an_unknown_id_suggests_close_ones(tmp_path):
    lib = load_library(write_csv(tmp_path / "lib.csv", [GOOD]))
    with pytest.raises(InputError) as exc:
        lib.lookup("x-l")
    [problem] = exc.value.problems
    assert "there is no proxy with id 'x-l'" in problem.message and "sroi proxies search" in problem.fix


def test_a_limit_below_one_is_refused(tmp_path):
    lib = load_library(write_csv(tmp_path / "lib.csv", [GOOD]))
    with pytest.raises(InputError, match="the limit of 0 is below 1"):
        find_proxies(lib, "thing", limit=0)


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the shipped data folder, used through SROI_DATA_DIR (the shipped library is re-read)."""
    copy = tmp_path / "data"
    shutil.copytree(data_dir(), copy, ignore=shutil.ignore_patterns("examples"))
    monkeypatch.setenv("SROI_DATA_DIR", str(copy))
    shipped_library.cache_clear()
    yield copy
    shipped_library.cache_clear()


def test_a_bad_row_in_a_shipped_file_is_named(data_copy):
    write_csv(data_copy / "proxies" / "zz_extra.csv", [dict(GOOD, source_url="see the report")])
    with pytest.raises(InputError) as exc:
        proxies.shipped_library()
    [problem] = exc.value.problems
    assert problem.file.endswith("zz_extra.csv") and problem.row == 2 and problem.column == "source_url"


def test_an_id_in_two_shipped_files_is_named_in_both(data_copy):
    write_csv(data_copy / "proxies" / "zz_a.csv", [GOOD])
    write_csv(data_copy / "proxies" / "zz_b.csv", [GOOD])
    with pytest.raises(InputError) as exc:
        proxies.shipped_library()
    found = {(p.file.rsplit("/", 1)[-1], p.row) for p in exc.value.problems}
    assert found == {("zz_a.csv", 2), ("zz_b.csv", 2)}
    assert all("appears in more than one shipped file" in p.message for p in exc.value.problems)
