"""Which sheet of a workbook is read (--sheet, FILE.xlsx#NAME, a sheet named like the table, the first holding its
header), and title rows above the header (skipped with a note; rows keep the spreadsheet's numbers).

The worked check of docs/method.md (WORKED_ROW) is worth £152,215.01 of present value.
"""

from __future__ import annotations

import openpyxl
import pytest

from sroi_lib import cli
from sroi_lib.errors import InputError
from sroi_lib.io.impact_map import read_impact_map, read_inputs
from sroi_lib.io.tables import read_table, split_sheet
from sroi_lib.reports.params import load_params
from tests.conftest import EXAMPLES, WORKED_ROW, write_csv

HEADER = list(WORKED_ROW)
ROW = [float(v) if v.replace(".", "", 1).isdigit() else v for v in WORKED_ROW.values()]
INPUTS = [["stakeholder", "description", "value"], ["Council", "Grant", 100000]]
PV = "£152,215.01"


def book(path, sheets: dict[str, list[list]], hidden: tuple[str, ...] = ()):
    """Write a real workbook with openpyxl: one sheet per name, in order, each with its rows."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def problems(call) -> list[str]:
    with pytest.raises(InputError) as exc:
        call()
    return [str(p) for p in exc.value.problems]


# -- choosing the sheet -----------------------------------------------------------------------------------------

def test_a_notes_sheet_in_front_is_passed_over_for_the_sheet_holding_the_map(tmp_path, capsys):
    path = book(tmp_path / "map.xlsx", {"Notes": [["Read me first"], ["Prepared March 2025"]],
                                         "Sheet2": [HEADER, ROW]})
    code, out, err = run(capsys, "value", path, "--investment", "100000")
    assert code == 0 and PV in out
    assert ("note: map.xlsx: only sheet 'Sheet2' was read (the first sheet, 'Notes', has no impact map header in "
            "its top rows); the workbook also has 'Notes'.") in err


def test_a_sheet_named_like_an_impact_map_is_read_before_the_first_sheet(tmp_path):
    # the first sheet holds a map too (an old one, quantity 1): the sheet named "Impact-Map" is read
    old = ROW.copy()
    old[HEADER.index("quantity")] = 1.0
    path = book(tmp_path / "map.xlsx", {"Old map": [HEADER, old], "Impact-Map": [HEADER, ROW]})
    frame = read_impact_map(path)
    assert frame.attrs["sheet"] == "Impact-Map" and frame["quantity"].tolist() == [100.0]
    assert "(its name says it holds the impact map)" in frame.attrs["notes"][0]


def test_the_map_and_the_inputs_in_one_workbook_are_each_found_by_name(tmp_path, capsys):
    path = book(tmp_path / "both.xlsx", {"Inputs": INPUTS, "Impact map": [HEADER, ROW]})
    assert read_inputs(path).attrs["sheet"] == "Inputs"
    assert read_impact_map(path).attrs["sheet"] == "Impact map"
    code, out, _ = run(capsys, "value", path, "--inputs", path)
    assert code == 0 and PV in out and "1.52" in out


def test_sheet_chooses_the_sheet_forgiving_its_spelling(tmp_path, capsys):
    first = ROW.copy()
    first[HEADER.index("quantity")] = 1.0
    path = book(tmp_path / "map.xlsx", {"Cover": [["Food bank"]], "Year 2 map": [HEADER, ROW],
                                         "Year 1 map": [HEADER, first]})
    code, out, err = run(capsys, "value", path, "--sheet", "year-2 MAP", "--investment", "100000")
    assert code == 0 and PV in out and "only sheet" not in err  # chosen by the user: no note about the others
    assert read_impact_map(path, sheet="Year 1 map")["quantity"].tolist() == [1.0]


def test_an_unknown_sheet_names_the_file_and_lists_its_sheets(tmp_path, capsys):
    path = book(tmp_path / "map.xlsx", {"Impact map": [HEADER, ROW], "Old": [HEADER, ROW]}, hidden=("Old",))
    code, out, err = run(capsys, "value", path, "--sheet", "Impact", "--investment", "100000")
    assert code == 2 and out == "" and "Traceback" not in err
    assert ("map.xlsx: has no sheet named 'Impact'; its sheets are 'Impact map', 'Old' (hidden). Give one of those "
            "names (with --sheet, or as FILE.xlsx#NAME).") in err


def test_a_hidden_sheet_named_by_the_user_is_read(tmp_path):
    path = book(tmp_path / "map.xlsx", {"Impact map": [["stakeholder", "outcome"]], "Old": [HEADER, ROW]},
                hidden=("Old",))
    assert read_impact_map(path, sheet="Old").attrs["sheet"] == "Old"


def test_a_sheet_without_the_tables_header_is_one_clear_problem(tmp_path):
    path = book(tmp_path / "map.xlsx", {"Notes": [["Read me first"]], "Impact map": [HEADER, ROW]})
    assert problems(lambda: read_impact_map(path, sheet="Notes")) == [
        "map.xlsx, sheet 'Notes', row 1: holds no impact map table: no row at the top names its columns (the header "
        "read, row 1, holds 'Read me first'). Head the columns stakeholder, outcome, quantity, duration and proxy_id "
        "(or value and price_year). If the table is in another sheet, name it with --sheet NAME (or as FILE.xlsx#NAME "
        "in a parameters file)."]
    csv_path = write_csv(tmp_path / "inputs.csv", [["Grant", "100000"]], header=["what", "amount"])
    assert problems(lambda: read_inputs(csv_path)) == [
        "inputs.csv, row 1: holds no inputs table: no row at the top names its columns (the header read, row 1, "
        "holds 'what', 'amount'). Head the columns stakeholder, description and value."]


def test_a_sheet_named_after_a_hash_in_the_path(tmp_path):
    path = book(tmp_path / "map.xlsx", {"Cover": [["x"]], "Lines": [HEADER, ROW]})
    assert split_sheet(f"{path}#Lines") == (str(path), "Lines")
    assert read_impact_map(f"{path}#Lines").attrs["sheet"] == "Lines"
    # a file whose own name holds '#' is read as it is
    odd = book(tmp_path / "a#b.xlsx", {"Impact map": [HEADER, ROW]})
    assert split_sheet(odd) == (str(odd), None) and read_impact_map(odd).attrs["sheet"] == "Impact map"
    assert problems(lambda: read_table(f"{tmp_path / 'absent.xlsx'}#Lines")) == [
        "absent.xlsx: the file was not found. Check the path and the file name."]


def test_a_csv_file_has_no_sheets(tmp_path, worked_map):
    assert problems(lambda: read_impact_map(worked_map, sheet="Impact map")) == [
        "impact_map.csv: is a CSV file, which has no sheets, but the sheet 'Impact map' was asked for. Leave out the "
        "sheet's name (--sheet, or #NAME after the file), or give the Excel workbook."]


def test_parameters_name_the_sheet_after_a_hash_and_the_manifest_hashes_the_workbook(tmp_path):
    path = book(tmp_path / "map.xlsx", {"Cover": [["x"]], "Lines": [HEADER, ROW]})
    params = tmp_path / "p.yaml"
    params.write_text(f"contract_id: c\ntitle: T\nsupplier: S\ndirectorate: D\nanalysis_type: forecast\n"
                      f"impact_map: map.xlsx#Lines\ninputs: {EXAMPLES / 'worked_check' / 'inputs.csv'}\n")
    p = load_params(params)
    assert str(p.impact_map) == f"{path.resolve()}#Lines"
    assert p.input_files()["impact_map"] == path.resolve()
    assert read_impact_map(p.impact_map).attrs["sheet"] == "Lines"
    params.write_text(params.read_text().replace("map.xlsx#Lines", "nope.xlsx#Lines"))
    assert any("the file 'nope.xlsx#Lines' was not found (looked for" in s and s.endswith("nope.xlsx'). Paths are "
               "relative to the parameters file.") for s in problems(lambda: load_params(params)))


# -- title rows -------------------------------------------------------------------------------------------------

def test_title_rows_above_the_header_are_skipped_with_a_note_in_a_workbook(tmp_path, capsys):
    path = book(tmp_path / "map.xlsx", {"Impact map": [["Food bank SROI: impact map"], [], ["Draft, March 2025"],
                                                       HEADER, ROW]})
    raw = read_table(path, header=lambda cells: "stakeholder" in cells)
    assert raw.header_row == 4 and [n for n, _ in raw.rows] == [5]
    code, out, err = run(capsys, "value", path, "--investment", "100000")
    assert code == 0 and PV in out
    assert ("note: map.xlsx, sheet 'Impact map': rows 1 and 3 above the header (row 4) were skipped as titles "
            "('Food bank SROI: impact map'; 'Draft, March 2025').") in err


def test_a_title_row_in_a_csv_file_is_skipped_and_later_errors_keep_the_files_row_numbers(tmp_path):
    path = tmp_path / "map.csv"
    bad = dict(WORKED_ROW, quantity="lots")
    path.write_text("Food bank impact map,,\n" + ",".join(HEADER) + "\n" + ",".join(WORKED_ROW.values()) + "\n"
                    + ",".join(bad.values()) + "\n")
    assert problems(lambda: read_impact_map(path)) == [
        "map.csv, row 4, column 'quantity': 'lots' is not a number. Write a number such as 12 or 12.5, without units."]
    path.write_text(path.read_text().replace("lots", "100"))
    frame = read_impact_map(path)
    assert frame["row"].tolist() == [3, 4]
    assert frame.attrs["notes"] == ["map.csv: row 1 above the header (row 2) was skipped as a title "
                                    "('Food bank impact map')."]


def test_header_problems_name_the_headers_real_row(tmp_path):
    path = tmp_path / "map.csv"
    header = [h for h in HEADER if h != "duration"] + ["duration", "Duration"]
    row = [WORKED_ROW[h] for h in HEADER if h != "duration"] + ["3", "3"]
    path.write_text("My map\n" + ",".join(header) + "\n" + ",".join(row) + "\n")
    assert problems(lambda: read_impact_map(path)) == [
        "map.csv, row 2, column 'Duration': column 'Duration' appears twice (columns K and L). Keep one of them."]


def test_a_title_row_above_the_inputs_is_skipped(tmp_path):
    path = book(tmp_path / "inputs.xlsx", {"Inputs": [["Inputs, 2025-26"], *INPUTS]})
    frame = read_inputs(path)
    assert frame["value"].tolist() == [100000.0] and frame["row"].tolist() == [3]
    assert "row 1 above the header (row 2) was skipped as a title ('Inputs, 2025-26')" in frame.attrs["notes"][0]


def test_without_a_header_in_the_top_rows_the_first_row_is_the_header_as_before(tmp_path):
    rows = [[f"note {i}"] for i in range(11)] + [HEADER, ROW]  # the header is below the rows searched
    path = book(tmp_path / "map.xlsx", {"Impact map": rows})
    assert problems(lambda: read_impact_map(path)) == [
        "map.xlsx, sheet 'Impact map', row 12: this row has 11 or more cells but the header has only 1 columns. Give "
        "every column a header in row 1, or remove the stray cells."]
    narrow = book(tmp_path / "narrow.xlsx", {"Sheet": [[], ["My title"], ["a"], [1]]})
    raw = read_table(narrow)  # a reader that does not know its columns: the first non-blank row, no note
    assert raw.header == ["My title"] and raw.header_row == 2 and raw.notes == [] and len(raw.rows) == 2
    raw = read_table(narrow, header=lambda cells: cells == ["a"])
    assert raw.header == ["a"] and raw.header_row == 3 and raw.rows == [(4, [1])]
