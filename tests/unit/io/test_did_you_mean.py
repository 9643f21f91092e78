"""'Did you mean' for an unknown proxy id (in an impact map and in commitments), discounting or framework name."""

from __future__ import annotations

import pytest

from sroi_lib import cli
from sroi_lib.control.tracking import read_commitments
from sroi_lib.core.settings import check_settings
from sroi_lib.errors import InputError, did_you_mean, nearest
from sroi_lib.io.impact_map import read_impact_map
from sroi_lib.proxies.library import shipped_library
from tests.conftest import write_csv

ROW = {"stakeholder": "Residents", "outcome": "Better wellbeing", "quantity": "10", "duration": "1"}


@pytest.fixture(scope="module")
def library():
    return shipped_library()


def proxy_fix(tmp_path, library, proxy_id) -> str:
    path = write_csv(tmp_path / "map.csv", [dict(ROW, proxy_id=proxy_id)])
    with pytest.raises(InputError) as exc:
        read_impact_map(path, proxies=library)
    [p] = exc.value.problems
    assert p.message == f"proxy '{proxy_id}' is not in the proxy library" and (p.row, p.column) == (2, "proxy_id")
    return p.fix


@pytest.mark.parametrize("typed, meant", [
    ("HW-WELLBY-CENTRAL", "Did you mean 'hw-wellby-central'? "),  # only the case differs
    ("Hw-Wellby-Central", "Did you mean 'hw-wellby-central'? "),
    ("hw-welby-centrl", "Did you mean 'hw-wellby-central'? "),  # two letters left out
    ("dft-road-acident-fatal", "Did you mean 'dft-road-accident-fatal'? "),
    ("hw-wellby", "Did you mean 'hw-wellby-low' or 'hw-wellby-high'? "),  # two as near as each other
    ("food-parcels", "Check the id"),  # nothing near: no guess
])
def test_an_unknown_proxy_id_gets_the_nearest_ids(tmp_path, library, typed, meant):
    fix = proxy_fix(tmp_path, library, typed)
    assert fix.startswith(meant) and fix.endswith("Check the id with `sroi proxies search`, or give a value and "
                                                  "price_year instead.")


def test_the_command_line_says_it(tmp_path, capsys):
    path = write_csv(tmp_path / "map.csv", [dict(ROW, proxy_id="HW-wellby-central")])
    assert cli.main(["value", str(path), "--investment", "1000"]) == 2
    err = capsys.readouterr().err
    assert ("map.csv, row 2, column 'proxy_id': proxy 'HW-wellby-central' is not in the proxy library. Did you mean "
            "'hw-wellby-central'? Check the id") in err


def test_an_unknown_proxy_id_in_commitments_gets_the_nearest_id(tmp_path, library):
    path = write_csv(tmp_path / "commitments.csv", [{"measure": "M1", "description": "d", "unit": "people",
                                                      "committed_per_period": "5", "proxy_id": "hw-wellby-centrl"}])
    with pytest.raises(InputError) as exc:
        read_commitments(path, library)
    [p] = exc.value.problems
    assert p.fix == "Did you mean 'hw-wellby-central'? Use an id from `sroi proxies search`."


def test_nearest_keeps_every_id_differing_only_in_case_and_at_most_three():
    assert nearest("abc", ["ABC", "aBc", "abd"]) == ["ABC", "aBc"]  # 'abd' is a third different: not near enough
    ten = [f"item-{i}" for i in range(10)]
    assert len(nearest("item-x", ten)) == 3 and set(nearest("item-x", ten)) <= set(ten)  # all as near: three shown
    assert nearest("item-1", ten)[0] == "item-1"
    assert did_you_mean("zzz", ["green-book"]) == ""


@pytest.mark.parametrize("discounting, framework, words", [
    ("green bok", "best_city_ambition", "Did you mean 'green-book'? Use green-book, health"),
    ("helth", "best_city_ambition", "Did you mean 'health'? "),
    ("green-book", "Best City Ambitions", "Did you mean 'best_city_ambition'? Use one of the shipped frameworks"),
    ("green-book", "national toms", "Did you mean 'national_toms'? "),
])
def test_an_unknown_discounting_or_framework_name_gets_the_nearest(discounting, framework, words):
    _, problems = check_settings(price_year=None, discounting=discounting, framework=framework)
    [p] = problems
    assert p.fix.startswith(words)
