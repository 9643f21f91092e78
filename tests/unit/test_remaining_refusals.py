"""Refusals that no other test reached: each is reached here, with its message checked.

`tests/unit/test_every_refusal_reached.py` fails when a refusal anywhere in sroi_lib is reached by no test;
these are the ones the module tests and the bad-input corpus had left.
"""

from __future__ import annotations

import errno
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sroi_lib.errors import CellError, InputError
from tests.conftest import EXAMPLES, ROOT, WORKED_ROW, write_csv


def problems(call) -> list[str]:
    with pytest.raises(InputError) as exc:
        call()
    return [str(p) for p in exc.value.problems]


# --- importers: every reason a row is left out, and the import's own refusals -------------------------------------

def test_an_sve_export_names_why_each_row_is_left_out(tmp_path):
    from sroi_lib.proxies.importers import import_sve

    path = write_csv(tmp_path / "sve.csv", [
        ["", "Ability to pay for housing (2020)", "Housing", "per person", "£1,250", "Source A", "https://example.org/a"],
        ["", "", "Housing", "per person", "100", "Source B", "https://example.org/b"],
        ["", "Reduced isolation (2021)", "Health", "per person", "12 apples", "Source C", "https://example.org/c"],
        ["", "Better sleep (2021)", "Health", "per person", "300", "", "https://example.org/d"],
    ], header=["orgId", "title", "outcome", "unit", "value", "source", "url"])
    result = import_sve(path)
    reasons = {p.row: str(p) for p in result.skipped}
    assert list(result.table["name"]) == ["Ability to pay for housing"]
    assert "row 3, column 'title': has no title" in reasons[3]
    assert "row 4, column 'value': '12 apples' is not a number" in reasons[4]
    assert "row 5, column 'source': has no source" in reasons[5]


def test_an_sve_export_without_its_columns_is_refused(tmp_path):
    from sroi_lib.proxies.importers import import_sve

    path = write_csv(tmp_path / "sve.csv", [["a", "b"]], header=["name", "price"])
    assert any("title" in p for p in problems(lambda: import_sve(path)))


def test_a_toms_sheet_names_why_each_row_is_left_out(tmp_path):
    from sroi_lib.proxies.importers import import_toms

    path = write_csv(tmp_path / "toms.csv", [
        ["NT1", "Local people employed", "no. people FTE", "£30,000", "2023", "employment and skills"],
        ["", "No code", "no. people FTE", "100", "2023", ""],
        ["NT3", "", "no. people FTE", "100", "2023", ""],
        ["NT4", "A year in words", "no. people FTE", "100", "last year", ""],
        ["NT5", "Half a year", "no. people FTE", "100", "2023.5", ""],
    ], header=["Measure code", "Description", "Unit", "Proxy value", "Year", "Theme"])
    result = import_toms(path)
    reasons = {p.row: str(p) for p in result.skipped}
    assert list(result.table["proxy_id"]) == ["toms-nt1"]
    assert "row 3, column 'Measure code': has no measure code" in reasons[3]
    assert "row 4, column 'Description': has no description" in reasons[4]
    assert "row 5, column 'Year': 'last year' is not a number" in reasons[5]
    assert "row 6, column 'Year': has no whole year" in reasons[6]


def test_a_toms_sheet_without_its_columns_is_refused(tmp_path):
    from sroi_lib.proxies.importers import import_toms

    path = write_csv(tmp_path / "toms.csv", [["a", "b"]], header=["name", "price"])
    assert any("code" in p.lower() for p in problems(lambda: import_toms(path)))


def test_a_mapped_import_whose_header_lacks_a_column_is_refused(tmp_path):
    from sroi_lib.proxies.importers import import_mapped

    path = write_csv(tmp_path / "any.csv", [["x", "1"]], header=["Title", "Price"])
    found = problems(lambda: import_mapped(path, {"title": "name"}))
    assert found and all("row 1" in p for p in found) and any("required column" in p for p in found)


def test_an_unknown_import_format_and_a_misplaced_map_are_refused(tmp_path):
    from sroi_lib.proxies.importers import import_proxies

    path = ROOT / "tests" / "fixtures" / "toms_sheet.csv"
    assert problems(lambda: import_proxies(path, "xml")) == ["'xml' is not an import format. Use one of: sve, toms, csv."]
    assert problems(lambda: import_proxies(path, "toms", mapping=["Title=name"])) == [
        "--map is only used with --format csv"]


# --- the returns workbook ---------------------------------------------------------------------------------------------

CARE = ROOT / "parameters" / "lcc-care-at-home.yaml"


def test_a_returns_file_that_is_not_a_workbook_is_named(tmp_path):
    from sroi_lib.control.returns import check_returns

    csv = tmp_path / "returns.csv"
    csv.write_text("quarter,measure\n")
    assert problems(lambda: check_returns(tmp_path / "nowhere.csv", pd.DataFrame(), [])) == [
        "nowhere.csv: the workbook was not found"]
    assert problems(lambda: check_returns(csv, pd.DataFrame(), [])) == [
        "returns.csv: is not an Excel workbook (.xlsx). Return the workbook you were sent, saved as .xlsx."]


def test_a_returns_workbook_with_its_headers_changed_is_refused(tmp_path):
    from openpyxl import load_workbook

    from sroi_lib.control.returns import RETURNS_SHEET, check_returns, write_template
    from sroi_lib.reports.contract import contract_commitments

    params, commitments = contract_commitments(CARE)
    path = write_template(tmp_path / "returns.xlsx", params, commitments, params.periods)
    wb = load_workbook(path)
    wb[RETURNS_SHEET].protection.sheet = False
    wb[RETURNS_SHEET]["B1"] = "What we did"
    wb.save(path)
    found = problems(lambda: check_returns(path, commitments, params.periods))
    assert len(found) == 1 and "row 1: the headers in row 1 have been changed" in found[0]
    assert "What we did" in found[0] and "Row 1 must read:" in found[0]


# --- the valuation's own guards (for callers of the library who skip the readers) -----------------------------------

def test_the_valuation_refuses_what_the_readers_would_have_refused():
    from sroi_lib.core.valuation import investment_inputs, value
    from sroi_lib.io.impact_map import read_map_and_inputs

    assert problems(lambda: investment_inputs(float("nan"))) == ["The investment nan must be a number of 0 or more."]
    assert problems(lambda: investment_inputs(-1.0)) == ["The investment -1.0 must be a number of 0 or more."]
    frame, costs = read_map_and_inputs(EXAMPLES / "worked_check" / "impact_map.csv",
                                       EXAMPLES / "worked_check" / "inputs.csv")
    assert problems(lambda: value(frame.drop(columns=["quantity"]), costs)) == [
        "The impact map has no 'quantity' column."]
    no_value = frame.assign(value=np.nan)
    assert "Every line needs a value and price year, or a proxy_id" in problems(lambda: value(no_value, costs))[0]


# --- cells, headers and impact maps ----------------------------------------------------------------------------------

def test_percentages_that_are_not_numbers():
    from sroi_lib.io.cells import parse_fraction

    with pytest.raises(CellError, match="'abc%' is not a percentage"):
        parse_fraction("abc%")
    with pytest.raises(CellError, match="'%' is not a percentage"):
        parse_fraction("%")


def test_a_column_with_data_but_no_header_is_named(tmp_path):
    from sroi_lib.io.impact_map import read_impact_map

    inside = write_csv(tmp_path / "inside.csv", [["stray", *WORKED_ROW.values()]], header=["", *WORKED_ROW])
    assert "inside.csv, row 1: column A has data but no header" in problems(lambda: read_impact_map(inside))[0]
    beyond = write_csv(tmp_path / "beyond.csv", [[*WORKED_ROW.values(), "stray"]], header=[*WORKED_ROW, ""])
    assert problems(lambda: read_impact_map(beyond)) == [
        "beyond.csv, row 2: this row has 12 or more cells but the header has only 11 columns. Give every column a "
        "header in row 1, or remove the stray cells."]


def test_a_map_without_proxy_or_value_columns_is_refused(tmp_path):
    from sroi_lib.io.impact_map import read_impact_map

    row = {k: v for k, v in WORKED_ROW.items() if k not in ("value", "price_year")}
    found = problems(lambda: read_impact_map(write_csv(tmp_path / "map.csv", [row])))
    assert any("needs a 'proxy_id' column or a 'value' column (with 'price_year')" in p for p in found), found


# --- files that cannot be opened, and workbook parts held in memory ---------------------------------------------------

def test_files_that_cannot_be_opened(tmp_path, monkeypatch):
    """Permission denied (tests run as root here, so it is simulated: this isolates the one check)."""
    from sroi_lib.io.limits import check_readable_file
    from sroi_lib.io.tables import read_table
    from sroi_lib.paths import read_yaml

    assert problems(lambda: check_readable_file(tmp_path, limit=10, what="impact map")) == [
        f"{tmp_path.name}: is a folder, not a file. Give the path of the impact map itself."]
    assert problems(lambda: read_yaml(tmp_path / "absent.yaml", "framework file")) == [
        f"{tmp_path / 'absent.yaml'}: the framework file was not found."]
    table = write_csv(tmp_path / "map.csv", [WORKED_ROW])
    (tmp_path / "p.yaml").write_text("title: x\n")

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert problems(lambda: read_yaml(tmp_path / "p.yaml", "parameters file")) == [
        "p.yaml: the parameters file cannot be opened (permission denied)"]
    monkeypatch.setattr(Path, "open", denied)
    monkeypatch.setattr("builtins.open", denied)
    assert problems(lambda: read_table(table)) == ["map.csv: cannot be opened (permission denied)"]
    monkeypatch.setattr(Path, "stat", denied)
    assert problems(lambda: check_readable_file(table, limit=10)) == [
        "map.csv: the file cannot be opened (permission denied). Check that you are allowed to read it."]


def test_a_workbook_part_too_large_to_hold_is_refused_unread(tmp_path):
    """A non-sheet part that would unpack beyond the limit held in memory (shared strings, styles) is refused from
    the ZIP directory alone."""
    from openpyxl import Workbook

    from sroi_lib.io.filekinds import check_workbook
    from sroi_lib.io.limits import MAX_XLSX_HELD_PART_BYTES

    path = tmp_path / "map.xlsx"
    Workbook().save(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b" " * (MAX_XLSX_HELD_PART_BYTES + 1))
    found = problems(lambda: check_workbook(path, str(path)))
    assert len(found) == 1 and "holds a part (xl/sharedStrings.xml) that would unpack to" in found[0]


# --- folders that are not what a command needs ------------------------------------------------------------------------

def test_a_batch_of_a_missing_folder_and_an_audit_of_a_missing_checkout(tmp_path, capsys):
    from sroi_lib.cli import main

    assert main(["batch", str(tmp_path / "nowhere")]) == 2
    assert "nowhere: is not a folder of parameters files" in capsys.readouterr().err
    from tests.conftest import write_report_folder

    write_report_folder(tmp_path / "report", {"contract": {"contract_id": "report"}})
    assert main(["audit", str(tmp_path / "report"), "--checkout", str(tmp_path / "no-checkout")]) == 2
    assert "no-checkout: is not a folder" in capsys.readouterr().err


def test_a_workbook_whose_parts_are_damaged_is_named_as_damaged(tmp_path):
    from openpyxl import Workbook

    from sroi_lib.io.tables import read_table

    good = tmp_path / "good.xlsx"
    wb = Workbook()
    wb.active.append(list(WORKED_ROW))
    wb.active.append(list(WORKED_ROW.values()))
    wb.save(good)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(damaged, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            out.writestr(item, b"<workbook><sheets><oops" if item.filename == "xl/workbook.xml" else data)
    found = problems(lambda: read_table(damaged))
    assert len(found) == 1 and found[0].startswith("damaged.xlsx: is a damaged Excel workbook (")
    assert "Traceback" not in found[0] and "Open it in Excel and save it again" in found[0]


def test_many_formulas_without_saved_results_are_listed_then_counted(tmp_path):
    from openpyxl import Workbook

    from sroi_lib.io.tables import read_table

    path = tmp_path / "map.xlsx"
    wb = Workbook()
    wb.active.append(list(WORKED_ROW))
    for i in range(25):
        wb.active.append([*list(WORKED_ROW.values())[:3], f"=10*{i + 1}", *list(WORKED_ROW.values())[4:]])
    wb.save(path)  # openpyxl stores formulas without a result, as a program that never calculates does
    found = problems(lambda: read_table(path))
    assert len(found) == 21 and all("whose result was never saved" in p for p in found[:20])
    assert "5 more formulas have no saved result" in found[20]


def test_a_whole_number_beyond_any_float_is_refused_as_too_large():
    """A caller of the library (or a workbook) can hand over a Python int no float can hold."""
    from sroi_lib.io.cells import parse_number

    with pytest.raises(CellError) as exc:
        parse_number(10 ** 400)
    assert (exc.value.message, exc.value.fix) == ("100000000000... (401 digits) is too large a number",
                                                  "Write an actual number.")
