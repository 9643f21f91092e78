"""Parameters files and the over-claiming checks."""

import pandas as pd
import pytest

from sroi_lib.checks import overclaiming_checks
from sroi_lib.errors import InputError
from sroi_lib.params import load_params
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


def _lines(**cols):
    n = len(next(iter(cols.values())))
    base = {"row": list(range(2, n + 2)), "stakeholder": ["A"] * n, "outcome": ["x"] * n, "duration": [1] * n,
            "deadweight": [0.25] * n, "attribution": [0.1] * n,
            "evidence": ["deadweight from the local rate; attribution for partners"] * n, "value_type": ["fiscal"] * n}
    base.update(cols)
    return pd.DataFrame(base)


def test_checks_flag_each_case():
    lines = _lines(stakeholder=["A", "B", "C", "C"], outcome=["x", "y", "z", "Z "], duration=[1, 7, 2, 2],
                   evidence=["deadweight from data", "attribution: partners", "", "why not"],
                   value_type=["fiscal", "social", "fiscal", "social"])
    c = overclaiming_checks(lines)
    by = {(r.check, r.row) for r in c.itertuples()}
    assert ("no_evidence", 4) in by and ("no_evidence", 5) in by and ("no_evidence", 2) not in by
    assert ("long_duration", 3) in by and ("long_duration", 2) not in by
    assert {("valued_twice", 4), ("valued_twice", 5)} <= by and ("valued_twice", 2) not in by
    assert {("stacked", 4), ("stacked", 5)} <= by


def test_clean_lines_flag_nothing():
    assert overclaiming_checks(_lines(stakeholder=["A", "B"], outcome=["x", "y"])).empty
