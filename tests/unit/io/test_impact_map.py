"""Reading and validating impact maps and inputs (CSV and XLSX)."""

import pytest
from openpyxl import Workbook

from sroi_lib.errors import InputError
from sroi_lib.io.impact_map import read_impact_map, read_inputs
from sroi_lib.errors import CellError
from sroi_lib.io.cells import normalise_header, parse_fraction, parse_number
from tests.conftest import WORKED_ROW, write_csv


@pytest.mark.parametrize("raw, expected", [
    ("Drop-off", "drop_off"), ("  Proxy ID ", "proxy_id"), ("START_YEAR", "start_year"),
    ("price  year", "price_year"), ("Value_Type", "value_type"),
])
def test_header_names_forgive_case_and_spacing(raw, expected):
    assert normalise_header(raw) == expected


@pytest.mark.parametrize("cell, expected", [
    ("25%", 0.25), (" 25 % ", 0.25), (0.25, 0.25), ("0.25", 0.25), ("100%", 1.0), (1, 1.0),
    ("0%", 0.0), (0, 0.0), ("", None), (None, None), ("12.5%", 0.125),
])
def test_percentages_become_fractions(cell, expected):
    assert parse_fraction(cell) == expected


@pytest.mark.parametrize("cell, words", [
    (25, "bare number above 1"), ("25", "bare number above 1"), ("150%", "outside 0% to 100%"),
    ("-5%", "outside 0% to 100%"), (-0.1, "below zero"), ("lots", "not a percentage"), ("nan", "not a finite"),
])
def test_bad_percentages(cell, words):
    with pytest.raises(CellError, match=words):
        parse_fraction(cell)


@pytest.mark.parametrize("cell, money, expected", [
    ("£1,200", True, 1200.0), ("£1,200.50", True, 1200.5), ("1,200", False, 1200.0), (" 12 ", False, 12.0),
    (3, False, 3.0), ("1e3", False, 1000.0), ("", False, None),
])
def test_numbers(cell, money, expected):
    assert parse_number(cell, money=money) == expected


@pytest.mark.parametrize("cell", ["12 people", "1,20", "£5", "inf", "NaN", "1_000", "25%", True])
def test_bad_numbers(cell):
    with pytest.raises(CellError):
        parse_number(cell)


def test_defaults_fill_blank_optional_cells(tmp_path):
    row = {"stakeholder": "Tenants", "outcome": "Warmer homes", "quantity": "10", "duration": "2",
           "value": "100", "price_year": "2020"}
    m = read_impact_map(write_csv(tmp_path / "m.csv", [row]))
    line = m.iloc[0]
    assert line["start_year"] == 1
    assert line["deadweight"] == line["displacement"] == line["attribution"] == line["drop_off"] == 0.0
    assert line["row"] == 2 and line["value"] == 100.0 and line["price_year"] == 2020


def test_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path):
    p = tmp_path / "m.csv"
    header = ",".join(WORKED_ROW)
    good = ",".join(WORKED_ROW.values())
    bad = good.replace(",100,", ",lots,", 1)
    p.write_text(f"{header}\n{good}\n\n\n{bad}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_impact_map(p)
    [problem] = exc.value.problems
    assert problem.row == 5 and problem.column == "quantity"


def test_windows_1252_csv_with_pound_sign(tmp_path):
    p = tmp_path / "inputs.csv"
    p.write_bytes("stakeholder,description,value\nCouncil,Grant,\"£1,500\"\n".encode("cp1252"))
    assert read_inputs(p)["value"].tolist() == [1500.0]


def _xlsx(path, header, rows, title="Impact map"):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_xlsx_and_csv_give_the_same_table(tmp_path):
    header = ["Stakeholder", "Outcome", "Quantity", "Value", "Price Year", "Deadweight", "Attribution",
              "Drop-off", "Duration"]
    xlsx = _xlsx(tmp_path / "m.xlsx", header, [["Residents", "Into work", 100, 1000, 2024, 0.2, "25%", 0.1, 3]])
    csv_ = write_csv(tmp_path / "m.csv", [["Residents", "Into work", "100", "1000", "2024", "20%", "25%", "10%", "3"]],
                     header=header)
    a, b = read_impact_map(xlsx), read_impact_map(csv_)
    cols = ["stakeholder", "outcome", "quantity", "value", "price_year", "deadweight", "attribution", "drop_off", "duration"]
    assert a[cols].to_dict("records") == b[cols].to_dict("records")
    assert a.attrs["sheet"] == "Impact map"


def test_xlsx_problem_names_sheet_row_and_column(tmp_path):
    header = ["stakeholder", "outcome", "quantity", "value", "price_year", "duration"]
    p = _xlsx(tmp_path / "m.xlsx", header, [["A", "B", 1, 10, 2020, 1], ["A", "B", "ten", 10, 2020, 1]])
    with pytest.raises(InputError) as exc:
        read_impact_map(p)
    text = str(exc.value)
    assert "m.xlsx, sheet 'Impact map', row 3, column 'quantity'" in text


def test_every_problem_is_reported_at_once(tmp_path):
    rows = [dict(WORKED_ROW, quantity="-1"), dict(WORKED_ROW, deadweight="150%"), dict(WORKED_ROW, duration="0")]
    with pytest.raises(InputError) as exc:
        read_impact_map(write_csv(tmp_path / "m.csv", rows))
    found = {(p.row, p.column) for p in exc.value.problems}
    assert found == {(2, "quantity"), (3, "deadweight"), (4, "duration")}


def test_unknown_column_close_to_a_known_one_is_a_typo(tmp_path):
    row = dict(WORKED_ROW)
    row["deadwieght"] = row.pop("deadweight")
    with pytest.raises(InputError, match="did you mean 'deadweight'"):
        read_impact_map(write_csv(tmp_path / "m.csv", [row]))


def test_other_extra_columns_are_carried_and_listed(tmp_path):
    m = read_impact_map(write_csv(tmp_path / "m.csv", [dict(WORKED_ROW, Notes="from the bid")]))
    assert m.attrs["extra_columns"] == ["Notes"]


@pytest.mark.parametrize("change, column, words", [
    ({"value": "", "price_year": ""}, "proxy_id", "neither a proxy_id nor a value"),
    ({"proxy_id": "x"}, "value", "both a proxy_id and a value"),
    ({"price_year": ""}, "price_year", "needs its price year"),
    ({"value_type": "wellbeing"}, "value_type", "not a value type"),
    ({"stakeholder": ""}, "stakeholder", "is empty"),
])
def test_line_rules(tmp_path, change, column, words):
    row = dict(WORKED_ROW, proxy_id="", value_type="")
    row.update(change)
    with pytest.raises(InputError) as exc:
        read_impact_map(write_csv(tmp_path / "m.csv", [row]))
    assert any(p.column == column and words in p.message for p in exc.value.problems), str(exc.value)


def test_inputs_default_year_zero(tmp_path):
    p = write_csv(tmp_path / "i.csv", [{"stakeholder": "Council", "description": "Grant", "value": "£10,000"},
                                        {"stakeholder": "Charity", "description": "Volunteers", "value": "2000", "year": "2"}],
                  header=["stakeholder", "description", "value", "year"])
    i = read_inputs(p)
    assert i["year"].tolist() == [0, 2] and i["value"].tolist() == [10000.0, 2000.0]
