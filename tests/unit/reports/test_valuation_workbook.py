"""`sroi value --xlsx`: every figure of the valuation is a live formula, recomputed here with pycel (a pure-Python
Excel formula evaluator) and matched with the engine to the penny (ratios to 1e-9)."""

import json

import numpy as np
import pytest
from openpyxl import load_workbook
from pycel import ExcelCompiler

from sroi_lib.cli import main
from sroi_lib.core.valuation import value
from sroi_lib.io.cells import column_letter
from sroi_lib.reports.contract import value_files
from sroi_lib.reports.params import load_params
from sroi_lib.reports.valuation_workbook import (FACTORS_SHEET, FIRST_FIGURE_ROW, INPUTS_SHEET, LINE_COLUMNS,
                                                 LINES_SHEET, PRESENT_SHEET, SUMMARY_FIGURES, SUMMARY_SHEET,
                                                 VALUES_SHEET, write_valuation_workbook)
from sroi_lib.proxies.library import shipped_library
from tests.conftest import ROOT, WORKED_ROW, write_csv

PARAMS = sorted((ROOT / "parameters").glob("*.yaml"))
PENNY, RATIO = 0.005, 1e-9
COLUMN = {key: column_letter(i) for i, (key, _, _) in enumerate(LINE_COLUMNS)}


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_workbook_matches(path, v):
    """Recompute every formula of the workbook at ``path`` and compare each figure with the valuation ``v``."""
    xl = ExcelCompiler(filename=str(path))
    cell = lambda sheet, ref: xl.evaluate(f"'{sheet}'!{ref}")  # noqa: E731

    summary = v.summary()
    for i, (key, _) in enumerate(SUMMARY_FIGURES):
        row = FIRST_FIGURE_ROW + i
        worked, printed = cell(SUMMARY_SHEET, f"B{row}"), cell(SUMMARY_SHEET, f"C{row}")
        if summary[key] is None:
            assert worked == printed == "no payback", key
            continue
        tolerance = RATIO if key in ("sroi_ratio", "net_sroi_ratio", "payback_months") else PENNY
        assert abs(worked - summary[key]) < tolerance, (key, worked, summary[key])
        # openpyxl stores a number with 16 significant digits, so sroi's figure is kept to 1 part in 10^15
        assert abs(printed - summary[key]) <= 1e-15 * abs(summary[key]), key
        assert abs(cell(SUMMARY_SHEET, f"D{row}")) < tolerance, key

    for i, line in enumerate(v.lines.itertuples()):
        r = i + 2
        got = lambda key: cell(LINES_SHEET, f"{COLUMN[key]}{r}")  # noqa: E731
        assert abs(got("reprice_factor") - line.reprice_factor) < 1e-12
        for key in ("value_per_unit", "impact", "undiscounted_value", "present_value"):
            assert abs(got(key) - getattr(line, key)) < PENNY, (r, key, got(key), getattr(line, key))
        assert got("end_year") == line.end_year
        assert abs(got("difference")) < PENNY

    horizon = int(max(v.lines["end_year"].max(), v.inputs["year"].max(), 1))
    by_year = v.by_year().set_index("year")
    total_row = len(v.lines) + 2
    for t in range(1, horizon + 1):
        letter = column_letter(2 + t)
        assert abs(cell(FACTORS_SHEET, f"D{t + 2}") - v.discounting.factors(t)) < 1e-12, t
        assert abs(cell(PRESENT_SHEET, f"{letter}2") - v.discounting.factors(t)) < 1e-12, t
        expected = by_year.loc[t] if t in by_year.index else {"value": 0.0, "present_value": 0.0}
        assert abs(cell(VALUES_SHEET, f"{letter}{total_row}") - expected["value"]) < PENNY, t
        assert abs(cell(PRESENT_SHEET, f"{letter}{total_row + 1}") - expected["present_value"]) < PENNY, t
    for i, item in enumerate(v.inputs.itertuples()):
        assert abs(cell(INPUTS_SHEET, f"F{i + 2}") - item.discount_factor) < 1e-12
        assert abs(cell(INPUTS_SHEET, f"G{i + 2}") - item.present_value) < PENNY


@pytest.mark.parametrize("params_file", PARAMS, ids=[p.stem for p in PARAMS])
def test_every_example_contract_is_reproduced_by_the_workbooks_formulas(tmp_path, params_file):
    params = load_params(params_file)
    valued = value_files(params.impact_map, params.inputs, price_year=params.price_year,
                         discounting=params.discounting, proxies=params.proxies,
                         first_year_discounted=params.first_year_discounted,
                         drop_off_first_year=params.drop_off_first_year)
    path = write_valuation_workbook(tmp_path / "results.xlsx", valued.valuation, title=params.impact_map.name)
    assert_workbook_matches(path, valued.valuation)


def every_convention_map():
    """Lines for every case: re-priced values, start years after 1, a line crossing the Green Book's year-30 and
    year-75 bands, a zero quantity, a drop-off of 100%, a proxy; inputs in three instalments."""
    import pandas as pd

    base = {"value": 1000.0, "price_year": 2024, "deadweight": 0.2, "displacement": 0.0, "attribution": 0.25,
            "drop_off": 0.1, "duration": 3, "start_year": 1, "proxy_id": ""}
    rows = [
        {**base, "stakeholder": "Residents", "outcome": "Into work", "quantity": 100},
        {**base, "stakeholder": "=Carers", "outcome": "Respite", "quantity": 40, "value": 250.0, "price_year": 2015,
         "displacement": 0.1, "start_year": 3, "duration": 5},
        {**base, "stakeholder": "Society", "outcome": "Lower emissions", "quantity": 12, "value": 300.0,
         "drop_off": 0.02, "start_year": 25, "duration": 60},
        {**base, "stakeholder": "Nobody yet", "outcome": "Not counted", "quantity": 0},
        {**base, "stakeholder": "Volunteers", "outcome": "Short-lived", "quantity": 5, "drop_off": 1.0,
         "start_year": 2, "duration": 4},
        {**base, "stakeholder": "Participants", "outcome": "Wellbeing", "quantity": 3, "value": None,
         "price_year": None, "proxy_id": "hw-wellby-central", "duration": 2},
    ]
    impact_map = pd.DataFrame(rows)
    impact_map["row"] = range(2, len(rows) + 2)
    inputs = pd.DataFrame({"row": [2, 3, 4], "stakeholder": ["Council"] * 3,
                           "description": ["First instalment", "Second instalment", "Third instalment"],
                           "value": [50_000.0, 20_000.0, 20_000.0], "year": [0, 1, 2]})
    return impact_map, inputs


@pytest.mark.parametrize("discounting, first_year_discounted, drop_off_first_year", [
    ("3.5%", True, False), ("3.5%", False, True), ("green-book", True, False), ("green-book", False, False),
    ("green-book", True, True), ("health", False, True), ("already-discounted", True, False), ("none", True, True),
])
def test_a_map_with_every_convention_is_reproduced(tmp_path, discounting, first_year_discounted,
                                                    drop_off_first_year):
    impact_map, inputs = every_convention_map()
    v = value(impact_map, inputs, price_year=2024, discounting=discounting, proxies=shipped_library(),
              first_year_discounted=first_year_discounted, drop_off_first_year=drop_off_first_year)
    assert v.lines["end_year"].max() == 84 and v.inputs["year"].max() == 2
    path = write_valuation_workbook(tmp_path / "results.xlsx", v, title="every convention")
    assert_workbook_matches(path, v)


def test_the_factors_follow_the_schedule_bands_and_the_first_year_convention(tmp_path):
    impact_map, inputs = every_convention_map()
    for first_year_discounted in (True, False):
        v = value(impact_map, inputs, price_year=2024, discounting="green-book", proxies=shipped_library(),
                  first_year_discounted=first_year_discounted)
        path = write_valuation_workbook(tmp_path / f"{first_year_discounted}.xlsx", v)
        xl = ExcelCompiler(filename=str(path))
        rate = lambda t: xl.evaluate(f"'{FACTORS_SHEET}'!B{t + 2}")  # noqa: E731
        assert (rate(30), rate(31), rate(75), rate(76)) == (0.035, 0.03, 0.03, 0.025)
        factor = lambda t: xl.evaluate(f"'{FACTORS_SHEET}'!D{t + 2}")  # noqa: E731
        if first_year_discounted:
            assert round(factor(30), 4) == 0.3563 and round(factor(1), 6) == round(1 / 1.035, 6)
        else:
            assert factor(1) == 1 and factor(31) == pytest.approx(xl.evaluate(f"'{FACTORS_SHEET}'!C32"))


def test_no_payback_when_no_line_starts_in_year_1(tmp_path):
    impact_map, inputs = every_convention_map()
    later = impact_map[impact_map["start_year"] > 1]
    v = value(later, inputs, price_year=2024, discounting="3.5%")
    assert v.payback_months is None
    assert_workbook_matches(write_valuation_workbook(tmp_path / "results.xlsx", v), v)


def test_the_command_writes_the_workbook_with_its_options(capsys, tmp_path):
    impact_map = write_csv(tmp_path / "map.csv", [WORKED_ROW, {**WORKED_ROW, "outcome": "Later", "start_year": "2"}])
    inputs = write_csv(tmp_path / "inputs.csv", [{"stakeholder": "Council", "description": "Grant", "value": "60000",
                                                  "year": "0"},
                                                 {"stakeholder": "Council", "description": "Grant", "value": "40000",
                                                  "year": "1"}])
    out_file = tmp_path / "results.xlsx"
    code, out, err = sroi(capsys, "value", impact_map, "--inputs", inputs, "--discount", "3.5%",
                          "--first-year-undiscounted", "--drop-off-first-year", "--json", "--xlsx", out_file)
    assert code == 0 and "results.xlsx" in err
    printed = json.loads(out)
    xl = ExcelCompiler(filename=str(out_file))
    assert abs(xl.evaluate(f"'{SUMMARY_SHEET}'!B{FIRST_FIGURE_ROW}") - printed["present_value"]) < PENNY
    assert abs(xl.evaluate(f"'{SUMMARY_SHEET}'!B{FIRST_FIGURE_ROW + 1}") - printed["total_inputs"]) < PENNY
    assert abs(xl.evaluate(f"'{SUMMARY_SHEET}'!B{FIRST_FIGURE_ROW + 3}") - printed["sroi_ratio"]) < RATIO
    assert printed["total_inputs"] == 100_000  # with year 1 undiscounted, the second instalment is not discounted
    code, out, _ = sroi(capsys, "value", impact_map, "--inputs", inputs, "--xlsx", out_file)
    assert code == 0 and f"written to {out_file}" in out


def test_text_from_the_map_is_never_a_formula(tmp_path):
    impact_map, inputs = every_convention_map()
    v = value(impact_map, inputs, price_year=2024, discounting="3.5%", proxies=shipped_library())
    wb = load_workbook(write_valuation_workbook(tmp_path / "results.xlsx", v))
    carers = wb[LINES_SHEET][f"{COLUMN['stakeholder']}3"]
    assert carers.value == "=Carers" and carers.data_type == "s" and carers.quotePrefix
    assert wb[VALUES_SHEET]["B3"].value == "=Carers" and wb[VALUES_SHEET]["B3"].data_type == "s"
    assert wb.sheetnames == [SUMMARY_SHEET, LINES_SHEET, VALUES_SHEET, PRESENT_SHEET, FACTORS_SHEET, INPUTS_SHEET]
    assert all(wb[name].freeze_panes for name in wb.sheetnames)


def test_a_zero_quantity_and_a_full_drop_off_give_zero_without_an_excel_error(tmp_path):
    impact_map, inputs = every_convention_map()
    v = value(impact_map, inputs, price_year=2024, discounting="3.5%", drop_off_first_year=False,
              proxies=shipped_library())
    xl = ExcelCompiler(filename=str(write_valuation_workbook(tmp_path / "results.xlsx", v)))
    assert xl.evaluate(f"'{LINES_SHEET}'!{COLUMN['present_value']}5") == 0  # the zero-quantity line
    year = lambda t: xl.evaluate(f"'{VALUES_SHEET}'!{column_letter(2 + t)}6")  # noqa: E731
    assert year(2) == pytest.approx(v.lines["impact"][4]) and [year(3), year(4), year(5)] == [0, 0, 0]
    assert np.isclose(year(2), 5 * 1000 * 0.8 * 0.75)


def test_the_workbook_never_replaces_an_input_and_must_be_xlsx(capsys, tmp_path, worked_map):
    before = worked_map.read_bytes()
    code, out, err = sroi(capsys, "value", worked_map, "--investment", "1000", "--xlsx", worked_map)
    assert code == 2 and out == "" and "is the file" in err and "would replace it" in err
    assert worked_map.read_bytes() == before
    code, _, err = sroi(capsys, "value", worked_map, "--investment", "1000", "--xlsx", tmp_path / "results.csv")
    assert code == 2 and "must be a .xlsx file" in err
    assert not (tmp_path / "results.csv").exists()
