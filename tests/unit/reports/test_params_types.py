"""A parameters file is YAML typed by a person: for every key of the parameters contract and every wrong kind
of value YAML can give (a list, a mapping, empty, true/false, a 400-digit number, NaN, infinity, a
200,000-character text, a date, a date and time, binary data), ``load_params`` refuses it naming the file,
the line and the key, or reads it in the one documented way (blank optional keys are not given). Never a
crash, never a silent reading."""

from __future__ import annotations

import datetime

import pytest
import yaml

from sroi_lib.cli import main
from sroi_lib.control.periods import MAX_QUARTERS
from sroi_lib.errors import InputError
from sroi_lib.reports.params import KEYS, MAX_TEXT, NARRATIVE_KEYS, load_params
from tests.conftest import EXAMPLES

CARE = EXAMPLES / "lcc-care-at-home"
GOOD = {
    "contract_id": "test-contract", "title": "Test contract", "supplier": "Test supplier", "directorate": "Adults",
    "analysis_type": "forecast", "price_year": 2024, "discounting": "green-book", "framework": "best_city_ambition",
    "impact_map": str(CARE / "impact_map.csv"), "inputs": str(CARE / "inputs.csv"), "proxies": None,
    "illustrative": True, "first_year_discounted": True, "drop_off_first_year": False,
    "contract_start": "2025-Q2", "contract_end": "2027-Q1",
    "commitments": str(CARE / "commitments.csv"), "returns": str(CARE / "returns.xlsx"),
    "rag_green": 0.95, "rag_amber": 0.8, "description": "A test.",
    "uncertainty": {"monte_carlo": {"draws": 100, "distributions": [{"row": 2, "quantity": {
        "distribution": "triangular", "low": 40, "mode": 60, "high": 70}}]}},
    "scenarios": {"lower rates": {"discounting": "reduced-rate"}},
    "theme": str(EXAMPLES.parent / "themes" / "default.yaml"),
    "eta": 1.3, "place_lookup": str(EXAMPLES / "own_place_lookup.csv"),
    **{key: "Some text." for key in NARRATIVE_KEYS},
}
assert set(GOOD) == set(KEYS), "GOOD must give every key of the parameters contract"

# YAML text for each kind of wrong value.
WRONG = {
    "list": "[1, 2]",
    "mapping": "{a: 1}",
    "null": "null",
    "blank": "''",
    "true": "true",
    "huge int": "1" + "0" * 400,
    "nan": ".nan",
    "infinity": ".inf",
    "minus infinity": "-.inf",
    "negative": "-5",
    "zero": "0",
    "fraction": "2024.5",
    "long text": "x" * 200_000,
    "date": "2024-01-01",
    "date and time": "2024-01-01 10:00:00",
    "binary": "!!binary aGVsbG8=",
    "nul": '"a\\0b"',
    "escape": '"red\\e[31m text"',
}

# The documented readings: a blank or null optional key is not given (its default applies); these values are
# genuinely right for their key. Everything else must be refused naming the key.
DEFAULTS = {"price_year": None, "discounting": "green-book", "framework": "default", "proxies": None,
            "illustrative": False, "returns": None, "rag_green": 0.95, "rag_amber": 0.8, "description": "",
            "first_year_discounted": True, "drop_off_first_year": False, "uncertainty": None, "scenarios": {},
            "theme": None, "eta": 1.3, "place_lookup": None,
            **{key: None for key in NARRATIVE_KEYS}}
ACCEPTED = {
    **{(key, kind): value for key, value in DEFAULTS.items() for kind in ("null", "blank")},
    ("illustrative", "true"): True,
    ("first_year_discounted", "true"): True,
    ("drop_off_first_year", "true"): True,
    ("discounting", "zero"): "0",  # no discounting
}
# Without commitments the returns have nothing to be compared with: the problem is put on 'returns'.
BLAMED = {("commitments", "null"): "returns", ("commitments", "blank"): "returns"}


def params_text(key: str, yaml_value: str) -> str:
    lines = [f"{k}: {yaml.safe_dump(v, default_flow_style=isinstance(v, dict), width=10_000).replace('...', '').strip()}"
             for k, v in GOOD.items() if k != key]
    return "\n".join(lines + [f"{key}: {yaml_value}"]) + "\n"


@pytest.mark.parametrize("kind", WRONG)
@pytest.mark.parametrize("key", KEYS)
def test_every_key_with_every_wrong_kind_of_value(tmp_path, key, kind):
    path = tmp_path / "p.yaml"
    path.write_text(params_text(key, WRONG[kind]), encoding="utf-8")
    if (key, kind) in ACCEPTED:
        assert getattr(load_params(path), key) == ACCEPTED[(key, kind)]
        return
    with pytest.raises(InputError) as exc:
        load_params(path)
    blamed = BLAMED.get((key, kind), key)
    line = len(GOOD) if blamed == key else [k for k in GOOD if k != key].index(blamed) + 1  # key under test: last
    # a problem inside a section (uncertainty, scenarios) names the key's path: "uncertainty → a"
    mine = [p for p in exc.value.problems if p.column == blamed or (p.column or "").startswith(f"{blamed} → ")]
    assert mine, f"no problem names '{blamed}': {exc.value}"
    assert all(p.file == str(path) and p.row == line and p.fix for p in mine), [str(p) for p in mine]
    assert all(p in mine or p.column == "rag_green" for p in exc.value.problems), "nothing else is blamed"
    text = str(exc.value)
    assert "datetime" not in text and "True" not in text and len(text) < 1000  # said as written, and short


def test_the_good_file_is_read(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(params_text("description", "A test."))
    p = load_params(path)
    assert {k: getattr(p, k) for k in ("contract_id", "price_year", "rag_amber")} == {
        "contract_id": "test-contract", "price_year": 2024, "rag_amber": 0.8}
    assert len(p.periods) == 8 and p.returns == CARE / "returns.xlsx"
    assert set(p.input_files()) == {"parameters", "impact_map", "inputs", "commitments", "returns", "theme",
                                    "place_lookup"}
    assert p.to_dict()["impact_map"] == str(CARE / "impact_map.csv")


def test_a_contract_without_quarters_has_no_periods(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("\n".join(line for line in params_text("description", "x").splitlines()
                              if not line.startswith(("contract_start", "contract_end", "commitments", "returns"))) + "\n")
    assert load_params(path).periods == []


def test_a_control_character_is_refused_as_not_valid_yaml(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(params_text("description", "bell\x07 rings"))
    with pytest.raises(InputError) as exc:
        load_params(path)
    assert "not valid YAML" in str(exc.value) and "Traceback" not in str(exc.value)


@pytest.mark.parametrize("key", ["framework", "impact_map"])
def test_a_symbolic_link_to_itself_is_not_found(tmp_path, key):
    loop = tmp_path / ("loop.yaml" if key == "framework" else "loop.csv")
    loop.symlink_to(loop)
    path = tmp_path / "p.yaml"
    path.write_text(params_text(key, loop.name))
    with pytest.raises(InputError) as exc:
        load_params(path)
    assert any(p.column == key and "not found" in p.message for p in exc.value.problems), str(exc.value)


@pytest.mark.parametrize("text, words", [
    ("", "is empty"),
    ("- contract_id: x\n- title: y\n", "holds a list instead of 'key: value' lines"),
    ("just some words\n", "holds 'just some words' instead of 'key: value' lines"),
    ("42\n", "holds 42 instead"),
])
def test_a_file_that_is_not_key_value_lines(tmp_path, text, words):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        load_params(path)
    [problem] = exc.value.problems
    assert words in problem.message and problem.file == str(path) and "key: value" in problem.fix


def test_a_syntax_error_names_its_line(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("contract_id: x\ntitle: [unclosed\nsupplier: y\n")
    with pytest.raises(InputError) as exc:
        load_params(path)
    [problem] = exc.value.problems
    assert "not valid YAML" in problem.message and problem.row == 2 and "Close it with ]" in problem.fix
    assert str(problem).startswith("p.yaml, line 2, key 'title': the parameters file is not valid YAML (the list "
                                   "opened with [ on this line is not closed")


@pytest.mark.parametrize("name", ["params.txt", "params.json"])
def test_a_parameters_file_must_be_yaml(tmp_path, name):
    path = tmp_path / name
    path.write_text(params_text("description", "x"))
    with pytest.raises(InputError, match="must end .yaml or .yml"):
        load_params(path)


@pytest.mark.parametrize("path", ["x" * 5000 + ".yaml", "nul\x00.yaml", "absent.yaml"])
def test_a_parameters_path_the_file_system_refuses(tmp_path, path):
    with pytest.raises(InputError, match="the parameters file was not found"):
        load_params(tmp_path / path)


def test_unknown_keys_of_any_type_are_named(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(params_text("description", "x") + "2024: x\nnull: y\nPrice Yeer: 2024\n")
    with pytest.raises(InputError) as exc:
        load_params(path)
    found = {p.column: p for p in exc.value.problems}
    assert set(found) == {"2024", "None", "Price Yeer"}
    assert found["Price Yeer"].fix == "Did you mean 'price_year'?" and found["Price Yeer"].row == len(GOOD) + 3
    assert "Known parameters: contract_id" in found["2024"].fix


@pytest.mark.parametrize("written", ["Price Year", "price-year", "price year", "PRICE_YEAR", "Price - Year"])
def test_keys_forgive_case_spaces_and_hyphens(tmp_path, written):
    path = tmp_path / "p.yaml"
    path.write_text(params_text("description", "x").replace("price_year: 2024", f"{written}: 2019"))
    assert load_params(path).price_year == 2019


def test_a_forgiven_key_is_named_as_written_in_its_problems(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(params_text("description", "x").replace("price_year: 2024", "Price Year: 1900"))
    with pytest.raises(InputError) as exc:
        load_params(path)
    [p] = exc.value.problems
    assert str(p).startswith("p.yaml, line 6, key 'Price Year': 1900 is outside the GDP deflator series")


def test_one_key_written_two_ways_names_both_lines(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(params_text("description", "x") + "Price-Year: 2023\n")
    with pytest.raises(InputError) as exc:
        load_params(path)
    [p] = exc.value.problems
    assert (p.row, p.column) == (len(GOOD) + 1, "Price-Year")
    assert p.message == (f"'Price-Year' (line {len(GOOD) + 1}) and 'price_year' (line 6) are the same parameter, "
                         "'price_year', given twice") and p.fix == "Keep one of them."


@pytest.mark.parametrize("key, value, words", [
    ("contract_id", "Care At Home!", "'Care At Home!' is not a usable id"),
    ("analysis_type", "guess", "'guess' is not an analysis type"),
    ("impact_map", "nope.csv", "the file 'nope.csv' was not found"),
    ("inputs", "x" * 5000 + ".csv", "was not found"),  # a name too long for the file system: no OSError
    ("returns", "../" * 3 + "nope.xlsx", "was not found"),
    ("commitments", "nope.csv", "was not found"),
    ("proxies", "nope.csv", "was not found"),
    ("framework", "nope.yaml", "the framework file"),
    ("framework", "x" * 300, "There is no framework called"),
    ("price_year", "10000000000000", "outside the GDP deflator series"),
    ("discounting", "-3%", "is below zero"),
    ("contract_start", "2025-Q5", "'2025-Q5' is not a quarter like 2025-Q3"),
    ("contract_start", "0000-Q1", "'0000-Q1' is not a quarter"),
    ("contract_end", "2025-Q1", "the contract ends (2025-Q1) before it starts (2025-Q2)"),
    ("contract_end", "9999-Q4", f"sroi tracks at most {MAX_QUARTERS} quarters"),
    ("rag_green", "0.5", "the green threshold (0.5) must be above the amber threshold (0.8)"),
    ("rag_amber", "1.5", "1.5 is not a fraction above 0 and at most 1"),
    ("title", "x" * (MAX_TEXT + 1), f"sroi takes at most {MAX_TEXT:,}"),
])
def test_bad_values_of_the_right_type(tmp_path, key, value, words):
    path = tmp_path / "p.yaml"
    path.write_text(params_text(key, value))
    with pytest.raises(InputError) as exc:
        load_params(path)
    assert any(words in p.message and p.row == len(GOOD) for p in exc.value.problems), str(exc.value)[:2000]


def test_text_at_the_limit_is_kept_whole(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(params_text("description", "y" * MAX_TEXT))
    assert load_params(path).description == "y" * MAX_TEXT


@pytest.mark.parametrize("missing, also", [("contract_start", "contract_end"), ("contract_end", "contract_start")])
def test_tracking_needs_both_quarters(tmp_path, missing, also):
    path = tmp_path / "p.yaml"
    path.write_text("\n".join(line for line in params_text("description", "x").splitlines()
                              if not line.startswith(missing)) + "\n")
    with pytest.raises(InputError) as exc:
        load_params(path)
    [problem] = exc.value.problems
    assert problem.column == missing and "is needed to track commitments" in problem.message


def test_returns_without_commitments(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(params_text("commitments", "null"))
    with pytest.raises(InputError) as exc:
        load_params(path)
    [problem] = exc.value.problems
    assert problem.column == "returns" and "no commitments to compare them with" in problem.message


def test_a_quarter_given_as_a_date_is_said_as_a_date(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(params_text("contract_start", "2025-04-01"))
    with pytest.raises(InputError) as exc:
        load_params(path)
    [problem] = exc.value.problems
    assert problem.message == "the date 2025-04-01 is not text" and "2025-Q2" in problem.fix


def test_the_span_is_checked_before_the_quarters_are_listed(tmp_path, monkeypatch):
    from sroi_lib.control import periods

    def must_not_run(*_):
        raise AssertionError("period_label ran: the quarters were being listed")

    monkeypatch.setattr(periods, "period_label", must_not_run)
    with pytest.raises(InputError, match="at most 400 quarters"):
        periods.period_range("2024-Q1", "9999-Q4")


@pytest.mark.parametrize("start, end, count", [("2024-Q1", "2123-Q4", 400), ("2025-Q3", "2025-Q3", 1)])
def test_spans_within_the_limit(start, end, count):
    from sroi_lib.control.periods import period_range

    quarters = period_range(start, end)
    assert len(quarters) == count and quarters[0] == start and quarters[-1] == end


def test_sroi_run_refuses_a_wrong_parameters_file_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "p.yaml"
    path.write_text(params_text("price_year", "1" + "0" * 400))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "key 'price_year'" in err and "outside the GDP deflator series" in err and "Traceback" not in err
    assert not out.exists()


def test_date_values_are_yaml_dates():
    # the premise of the 'date' rows above: YAML reads 2024-01-01 as a date, not text
    assert isinstance(yaml.safe_load("a: 2024-01-01")["a"], datetime.date)
