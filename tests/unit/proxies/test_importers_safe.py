"""Imported proxy libraries are written safe: formula-like text neutralised, read back by the library reader."""

import csv

from sroi_lib.proxies.importers import import_sve, write_library
from sroi_lib.proxies.library import load_library


def test_formula_like_text_is_written_with_an_apostrophe_and_read_back(tmp_path):
    export = tmp_path / "sve.csv"
    with open(export, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["orgId", "title", "outcome", "unit", "value", "source", "url"])
        w.writerow(["", '=HYPERLINK("http://evil","x") (2020)', "@SUM(1)", "-1+2", "1250", "+Source",
                    "https://example.org/a"])
    out = write_library(import_sve(export).table, tmp_path / "lib.csv")
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["name"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert rows[0]["outcome"] == "'@SUM(1)" and rows[0]["unit"] == "'-1+2" and rows[0]["source"] == "'+Source"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    library = load_library(out)
    assert library.table["name"].tolist() == ["'=HYPERLINK(\"http://evil\",\"x\")"]


def test_hidden_rows_in_an_imported_workbook_are_noted(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["orgId", "title", "outcome", "unit", "value", "source", "url"])
    ws.append(["", "Ability to pay for housing (2020)", "Housing", "per person", 1250, "Source A", "https://example.org/a"])
    ws.append(["", "Warmer homes (2021)", "Housing", "per home", 300, "Source B", "https://example.org/b"])
    ws.row_dimensions[3].hidden = True
    wb.save(tmp_path / "sve.xlsx")
    result = import_sve(tmp_path / "sve.xlsx")
    assert len(result.table) == 2
    assert len(result.notes) == 1 and "1 hidden row (3)" in result.notes[0]
