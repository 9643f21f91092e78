"""Parameters files: every key checked, every problem named with its line."""

import pytest

from sroi_lib.errors import InputError
from sroi_lib.reports.params import load_params
from tests.conftest import EXAMPLES

GOOD = f"""contract_id: test-contract
title: Test contract
supplier: Test supplier (illustrative)
directorate: Test directorate
analysis_type: forecast
price_year: 2024
discounting: green-book
framework: best_city_ambition
impact_map: {EXAMPLES / 'worked_check' / 'impact_map.csv'}
inputs: {EXAMPLES / 'worked_check' / 'inputs.csv'}
illustrative: true
"""


def write(tmp_path, text, name="p.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_good_parameters(tmp_path):
    p = load_params(write(tmp_path, GOOD))
    assert p.contract_id == "test-contract" and p.price_year == 2024 and p.illustrative is True
    assert p.impact_map.is_absolute() and p.proxies is None


def test_paths_are_relative_to_the_parameters_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "map.csv").write_text((EXAMPLES / "worked_check" / "impact_map.csv").read_text())
    text = GOOD.replace(str(EXAMPLES / "worked_check" / "impact_map.csv"), "sub/map.csv")
    assert load_params(write(tmp_path, text)).impact_map == (tmp_path / "sub" / "map.csv").resolve()


@pytest.mark.parametrize("change, key, words", [
    ("colour: blue\n", "colour", "not a parameter sroi knows"),
    ("pricee_year: 2024\n", "pricee_year", "not a parameter"),
])
def test_unknown_keys_named_with_their_line(tmp_path, change, key, words):
    with pytest.raises(InputError) as exc:
        load_params(write(tmp_path, GOOD + change))
    [p] = exc.value.problems
    assert p.column == key and words in p.message and p.row == GOOD.count("\n") + 1


@pytest.mark.parametrize("old, new, key, words", [
    ("price_year: 2024", "price_year: twenty", "price_year", "is not a whole number"),
    ("price_year: 2024", "price_year: 1985", "price_year", "outside the GDP deflator series"),
    ("analysis_type: forecast", "analysis_type: guess", "analysis_type", "not an analysis type"),
    ("discounting: green-book", "discounting: 3.5", "discounting", "bare number above 1"),
    ("framework: best_city_ambition", "framework: nope", "framework", "no framework called"),
    ("contract_id: test-contract", "contract_id: Test Contract!", "contract_id", "not a usable id"),
    ("illustrative: true", "illustrative: perhaps", "illustrative", "not true or false"),
    ("title: Test contract\n", "", "title", "missing"),
])
def test_bad_values_each_named(tmp_path, old, new, key, words):
    with pytest.raises(InputError) as exc:
        load_params(write(tmp_path, GOOD.replace(old, new)))
    assert any(p.column == key and words in p.message for p in exc.value.problems), str(exc.value)


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(InputError) as exc:
        load_params(write(tmp_path, GOOD.replace("inputs.csv", "nope.csv")))
    assert "was not found" in str(exc.value) and exc.value.problems[0].column == "inputs"
    with pytest.raises(InputError, match="not valid YAML"):
        load_params(write(tmp_path, "title: [unclosed\n"))
    with pytest.raises(InputError, match="not found"):
        load_params(tmp_path / "absent.yaml")


def test_every_problem_at_once(tmp_path):
    text = GOOD.replace("price_year: 2024", "price_year: 1800").replace("analysis_type: forecast", "analysis_type: x")
    with pytest.raises(InputError) as exc:
        load_params(write(tmp_path, text + "extra: 1\n"))
    assert {p.column for p in exc.value.problems} == {"price_year", "analysis_type", "extra"}


@pytest.mark.parametrize("name", ["passwd", "commitments.txt", "commitments.xls"])
def test_a_commitments_file_that_is_not_a_table_is_refused_naming_the_key(tmp_path, name):
    (tmp_path / name).write_text("root:x:0:0:root:/root:/bin/bash\n")
    text = GOOD + f"contract_start: 2025-Q1\ncontract_end: 2025-Q4\ncommitments: {name}\n"
    with pytest.raises(InputError) as exc:
        load_params(write(tmp_path, text))
    (problem,) = exc.value.problems
    assert (problem.column, problem.row) == ("commitments", 14)
    assert f"the file '{name}' is not a table sroi reads" in problem.message
    assert "CSV (.csv) or Excel (.xlsx)" in problem.fix
