"""`--framework none` and the council's default framework on the command line; a CSV line starting with #."""

from __future__ import annotations

import json

import pytest

from sroi_lib.cli import main
from sroi_lib.core import council
from sroi_lib.io.tables import read_table
from tests.conftest import EXAMPLES

CARE = EXAMPLES / "lcc-care-at-home"


@pytest.fixture(autouse=True)
def shipped_default(monkeypatch):
    monkeypatch.delenv(council.FRAMEWORK_VARIABLE, raising=False)


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_framework_none_values_the_map_with_no_pillar_table(capsys):
    code, out, _ = sroi(capsys, "value", CARE / "impact_map.csv", "--inputs", CARE / "inputs.csv", "--framework", "none")
    assert code == 0
    assert "Not grouped by any framework (framework: none), so there is no value by priority." in out
    assert "Value by Leeds Best City Ambition" not in out and "Health and wellbeing" not in out
    code, out, _ = sroi(capsys, "value", CARE / "impact_map.csv", "--inputs", CARE / "inputs.csv", "--framework",
                        "none", "--json")
    assert code == 0 and set(json.loads(out)["breakdowns"]) == {"stakeholder", "outcome", "value_type", "theme"}


def test_without_framework_the_council_default_applies(capsys, monkeypatch):
    args = ("value", CARE / "impact_map.csv", "--inputs", CARE / "inputs.csv")
    code, out, _ = sroi(capsys, *args)
    assert code == 0 and "Value by Leeds Best City Ambition" in out  # data/settings.yaml
    monkeypatch.setenv(council.FRAMEWORK_VARIABLE, "national_toms")
    code, out, _ = sroi(capsys, *args)
    assert code == 0 and "Value by National TOMs themes" in out
    monkeypatch.setenv(council.FRAMEWORK_VARIABLE, "none")
    code, out, _ = sroi(capsys, *args)
    assert code == 0 and "Not grouped by any framework" in out
    code, out, _ = sroi(capsys, *args, "--framework", "best_city_ambition")  # named: wins over the default
    assert code == 0 and "Value by Leeds Best City Ambition" in out


def test_a_wrong_default_is_refused_naming_where_it_is_set(capsys, monkeypatch):
    monkeypatch.setenv(council.FRAMEWORK_VARIABLE, "leeds")
    code, out, err = sroi(capsys, "value", CARE / "impact_map.csv", "--inputs", CARE / "inputs.csv")
    assert code == 2 and out == ""
    assert "the environment variable SROI_FRAMEWORK: There is no framework called 'leeds'" in err


def test_proxy_search_by_pillar_needs_a_framework(capsys):
    code, out, _ = sroi(capsys, "proxies", "search", "carbon", "--pillar", "Zero carbon")
    assert code == 0 and "carbon" in out.lower()
    code, out, err = sroi(capsys, "proxies", "search", "carbon", "--pillar", "Zero carbon", "--framework", "none")
    assert code == 2 and "no framework is chosen, so there is no group 'Zero carbon'" in err


def test_the_help_says_where_the_default_is_set(capsys):
    assert main(["value", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "or none (default: the council's default, set in data/settings.yaml or the environment variable " \
           "SROI_FRAMEWORK)" in text


def test_a_csv_line_starting_with_a_hash_is_a_comment(tmp_path):
    path = tmp_path / "inputs.csv"
    path.write_text("stakeholder,description,value\n# The council,Example,1\nCouncil,Grant,100\n  #x,y,2\n")
    table = read_table(path)
    assert [(n, cells[0]) for n, cells in table.rows] == [(3, "Council")]  # rows keep their numbers
    assert table.notes == ["inputs.csv: row 2 starts with '#', so it is a comment and was not read",
                           "inputs.csv: row 4 starts with '#', so it is a comment and was not read"]
