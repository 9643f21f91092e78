"""`sroi value`: output, JSON, and every bad input named by issue 2."""

import json

import pytest
from openpyxl import Workbook

from sroi_lib.cli import main
from tests.conftest import EXAMPLES, WORKED_ROW, run_sroi, write_csv


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_text_output_gives_headline_figures(capsys, worked_map, worked_inputs):
    code, out, err = sroi(capsys, "value", worked_map, "--inputs", worked_inputs, "--discount", "3.5%")
    assert code == 0 and err == ""
    assert "£152,215.01" in out and "1.52 : 1" in out and "£52,215.01" in out and "20.0 months" in out


def test_json_output_has_the_agreed_fields(capsys, worked_map):
    code, out, _ = sroi(capsys, "value", worked_map, "--investment", "£100,000", "--discount", "3.5%", "--json")
    assert code == 0
    d = json.loads(out)
    for key in ("present_value", "total_inputs", "sroi_ratio", "net_sroi_ratio", "npv", "payback_months",
                "price_year", "discounting", "lines"):
        assert key in d
    assert round(d["present_value"], 2) == 152_215.01
    assert d["total_inputs"] == 100_000 and d["price_year"] == 2024
    assert d["discounting"]["name"] == "3.5%"
    [line] = d["lines"]
    assert line["stakeholder"] == "Local residents" and line["outcome"] == "Moved into sustained work"
    assert line["impact"] == pytest.approx(60_000) and round(line["present_value"], 2) == 152_215.01


def test_defaults_are_green_book_and_latest_price_year(capsys, worked_map):
    _, out, _ = sroi(capsys, "value", worked_map, "--investment", "100000", "--json")
    d = json.loads(out)
    assert d["discounting"]["name"] == "green-book" and d["price_year"] == 2024
    _, out, _ = sroi(capsys, "value", worked_map, "--investment", "100000", "--json", "--price-year", "2019")
    assert json.loads(out)["present_value"] == pytest.approx(d["present_value"] * 81.1085 / 100)


def test_xlsx_impact_map(capsys, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(list(WORKED_ROW))
    ws.append([100 if k == "quantity" else v for k, v in WORKED_ROW.items()])
    wb.save(tmp_path / "m.xlsx")
    code, out, _ = sroi(capsys, "value", tmp_path / "m.xlsx", "--investment", "100000", "--discount", "3.5%", "--json")
    assert code == 0 and round(json.loads(out)["present_value"], 2) == 152_215.01


# --- bad input ---------------------------------------------------------------------------

def bad_map(tmp_path, **change):
    return write_csv(tmp_path / "impact_map.csv", [dict(WORKED_ROW, **change)])


BAD_CELLS = [
    ("quantity", "twelve", "not a number"),
    ("quantity", "-5", "below zero"),
    ("quantity", "nan", "not a finite number"),
    ("value", "inf", "not a finite number"),
    ("duration", "-3", "below 1"),  # a negative value is a disbenefit (tests/unit/core/test_disbenefits.py)
    ("value", "NaN", "not a finite number"),
    ("deadweight", "150%", "outside 0% to 100%"),
    ("attribution", "25", "bare number above 1"),
    ("duration", "0", "below 1"),
    ("duration", "2.5", "not a whole number"),
    ("start_year", "0", "below 1"),
    ("price_year", "1980", "outside the GDP deflator series"),
]


@pytest.mark.parametrize("column, cell, words", BAD_CELLS)
def test_bad_cell_exit_2_naming_row_and_column(capsys, tmp_path, column, cell, words):
    code, out, err = sroi(capsys, "value", bad_map(tmp_path, **{column: cell}), "--investment", "1000")
    assert code == 2 and out == ""
    assert f"row 2, column '{column}'" in err and words in err
    assert "Traceback" not in err


def test_unknown_proxy_id(capsys, tmp_path):
    path = write_csv(tmp_path / "m.csv", [dict(WORKED_ROW, value="", price_year="", proxy_id="no-such-proxy")])
    code, _, err = sroi(capsys, "value", path, "--investment", "1000")
    assert code == 2 and "row 2, column 'proxy_id'" in err and "'no-such-proxy' is not in the proxy library" in err


def test_missing_required_column(capsys, tmp_path):
    row = dict(WORKED_ROW)
    del row["quantity"]
    code, _, err = sroi(capsys, "value", write_csv(tmp_path / "m.csv", [row]), "--investment", "1000")
    assert code == 2 and "row 1, column 'quantity'" in err and "required column 'quantity' is missing" in err


def test_duplicate_column(capsys, tmp_path):
    header = list(WORKED_ROW) + ["Quantity"]
    path = write_csv(tmp_path / "m.csv", [list(WORKED_ROW.values()) + ["5"]], header=header)
    code, _, err = sroi(capsys, "value", path, "--investment", "1000")
    assert code == 2 and "row 1, column 'Quantity'" in err and "appears twice" in err


@pytest.mark.parametrize("name, content, words", [
    ("m.csv", "", "the file is empty"),
    ("m.csv", "\n\n ,\n", "the file is empty"),
    ("m.csv", ",".join(WORKED_ROW) + "\n", "header but no data rows"),
    ("m.txt", "a,b\n", "cannot be read"),
    ("m.xlsx", "stakeholder,outcome\n", "not really an Excel workbook"),
])
def test_bad_files(capsys, tmp_path, name, content, words):
    path = tmp_path / name
    path.write_text(content)
    code, _, err = sroi(capsys, "value", path, "--investment", "1000")
    assert code == 2 and words in err and name in err


def test_missing_file(capsys, tmp_path):
    code, _, err = sroi(capsys, "value", tmp_path / "nowhere.csv", "--investment", "1000")
    assert code == 2 and "nowhere.csv: the file was not found" in err


def test_zero_inputs(capsys, tmp_path, worked_map):
    inputs = write_csv(tmp_path / "inputs.csv", [{"stakeholder": "Council", "description": "Grant", "value": "0"}])
    code, _, err = sroi(capsys, "value", worked_map, "--inputs", inputs)
    assert code == 2 and "undefined" in err and "inputs.csv" in err and "column 'value'" in err
    code, _, err = sroi(capsys, "value", worked_map, "--investment", "0")
    assert code == 2 and "undefined" in err


def test_bad_inputs_file_rows(capsys, tmp_path, worked_map):
    inputs = write_csv(tmp_path / "inputs.csv", [{"stakeholder": "Council", "description": "Grant", "value": "lots"}])
    code, _, err = sroi(capsys, "value", worked_map, "--inputs", inputs)
    assert code == 2 and "inputs.csv, row 2, column 'value': 'lots' is not a number" in err


@pytest.mark.parametrize("option, bad, words", [
    ("--price-year", "2031", "outside the GDP deflator series"),
    ("--price-year", "last", "is not a year"),
    ("--discount", "3.5", "bare number above 1"),
    ("--investment", "a lot", "not a number"),
])
def test_bad_options(capsys, worked_map, option, bad, words):
    args = ["value", worked_map, option, bad] + ([] if option == "--investment" else ["--investment", "1000"])
    code, _, err = sroi(capsys, *args)
    assert code == 2 and words in err and f"  - {option}" in err
    assert "column" not in err and "row" not in err  # an option is neither


def test_problems_in_both_files_are_reported_together(capsys, tmp_path):
    m = write_csv(tmp_path / "m.csv", [dict(WORKED_ROW, quantity="x"), dict(WORKED_ROW, drop_off="200%")])
    i = write_csv(tmp_path / "i.csv", [{"stakeholder": "", "description": "Grant", "value": "5"}])
    code, _, err = sroi(capsys, "value", m, "--inputs", i)
    assert code == 2
    assert "these 3 problems" in err
    assert "m.csv, row 2, column 'quantity'" in err and "m.csv, row 3, column 'drop_off'" in err
    assert "i.csv, row 2, column 'stakeholder'" in err


def test_real_process_exits_2_without_traceback_and_writes_nothing(tmp_path):
    path = bad_map(tmp_path, deadweight="25")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run_sroi("value", path, "--investment", "1000", cwd=tmp_path)
    assert result.returncode == 2
    assert "row 2, column 'deadweight'" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_real_process_json(tmp_path, worked_map):
    result = run_sroi("value", worked_map, "--investment", "100000", "--discount", "3.5%", "--json")
    assert result.returncode == 0, result.stderr
    assert round(json.loads(result.stdout)["sroi_ratio"], 2) == 1.52


@pytest.mark.parametrize("options, present_value, conventions", [
    ([], 152_215.01, {"first_year_discounted": True, "drop_off_from": "second year", "already_discounted": False}),
    (["--first-year-undiscounted"], 157_542.53,
     {"first_year_discounted": False, "drop_off_from": "second year", "already_discounted": False}),
    (["--drop-off-first-year"], 136_993.51,
     {"first_year_discounted": True, "drop_off_from": "first year", "already_discounted": False}),
    (["--discount", "already-discounted"], 162_600.00,
     {"first_year_discounted": True, "drop_off_from": "second year", "already_discounted": True}),
])
def test_conventions_on_the_command_line(capsys, options, present_value, conventions):
    """The worked check (docs/method.md) under each convention; the figures are worked by hand in
    tests/unit/core/test_valuation.py."""
    from sroi_lib.cli import main

    worked = EXAMPLES / "worked_check"
    args = ["value", str(worked / "impact_map.csv"), "--inputs", str(worked / "inputs.csv"), "--discount", "3.5%"]
    assert main([*args, *options, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert round(out["present_value"], 2) == present_value and out["conventions"] == conventions
    assert main([*args, *options]) == 0
    text = capsys.readouterr().out
    assert "Conventions: " in text
    assert ("year 1 is not discounted" in text) == ("--first-year-undiscounted" in options)
    assert ("from each outcome's first year" in text) == ("--drop-off-first-year" in options)


def test_the_green_book_reduced_rate_by_name(capsys):
    """The worked check at the Green Book's reduced rate (3.0% for years 1-30), worked by hand:
    year-1 impact 100 × £1,000 × 0.8 × 0.75 = £60,000, then 10% drop-off: £54,000, £48,600;
    PV = 60,000/1.03 + 54,000/1.03² + 48,600/1.03³ = £153,628.49."""
    from sroi_lib.cli import main

    worked = EXAMPLES / "worked_check"
    assert main(["value", str(worked / "impact_map.csv"), "--investment", "50000", "--discount", "reduced-rate",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert round(out["present_value"], 2) == 153_628.49
    assert out["discounting"]["name"] == "reduced-rate" and "reduced rate" in out["discounting"]["label"]
    assert [b["rate"] for b in out["discounting"]["bands"]] == [0.03, 0.0257, 0.0214, 0.0171, 0.0129, 0.0086]
