"""Reading tables and YAML honestly: limits, encodings, quotes, workbook parts, totals rows (docs/limits.md)."""

import csv
import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from sroi_lib.errors import InputError
from sroi_lib.io import limits
from sroi_lib.io.impact_map import read_impact_map, read_inputs
from sroi_lib.io.tables import read_table
from sroi_lib.paths import read_yaml

HEADER = "stakeholder,outcome,quantity,value,price_year,duration\n"
ROW = "Residents,Into work,10,100,2024,1\n"


def refused(path, *words, reader=read_table):
    with pytest.raises(InputError) as err:
        reader(path)
    text = str(err.value)
    for word in words:
        assert word in text, text
    return err.value.problems


def test_row_limit_is_counted_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr("sroi_lib.io.tables.MAX_TABLE_ROWS", 5)
    path = tmp_path / "m.csv"
    path.write_text(HEADER + ROW * 6)
    (problem,) = refused(path, "more than 5 rows")
    assert problem.row == 7


def test_file_size_is_checked_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "m.csv"
    path.write_text(HEADER + ROW)
    monkeypatch.setattr("sroi_lib.io.tables.MAX_TABLE_BYTES", 10)
    monkeypatch.setattr("pathlib.Path.read_bytes", lambda self: pytest.fail("the file was read"))
    refused(path, "larger than")


def test_a_cell_beyond_excels_maximum_is_refused_naming_row_and_column(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,evidence\n1," + "x" * (limits.MAX_CELL_CHARS + 1) + "\n")
    (problem,) = refused(path, "32,767")
    assert (problem.row, problem.column) == (2, "evidence")


def test_an_unclosed_quote_at_the_end_is_refused(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(HEADER + ROW + 'Carers,"Wellbeing,10,100,2024,1\n')
    (problem,) = refused(path, "never closed")
    assert problem.row == 3


def test_a_quote_that_swallows_rows_is_refused_but_multiline_evidence_is_kept(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + 'Residents,"Into work,10,100,2024,1\n' + ROW + 'Tenants,Homes",1,1,2024,1\n')
    (problem,) = refused(bad, "looks like a row of its own")
    assert problem.row == 2
    good = tmp_path / "good.csv"
    good.write_text('a,b,c,evidence\n1,2,3,"Survey of tenants.\nSee appendix, table 3."\n4,5,6,x\n')
    table = read_table(good)
    assert [n for n, _ in table.rows] == [2, 3] and table.rows[0][1][3].startswith("Survey")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252", "utf-32"])
def test_encodings_with_a_mark_and_windows_1252_read_the_pound_sign(tmp_path, encoding):
    path = tmp_path / "m.csv"
    path.write_bytes((HEADER + ROW.replace("100", "£100")).encode(encoding))
    frame = read_impact_map(path)
    assert frame["value"].tolist() == [100.0]


def test_bytes_that_are_no_text_are_refused_never_replaced(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes((HEADER + ROW).encode() + b"Tenants,Ho\x81mes,1,1,2024,1\n")
    refused(path, "not saved as UTF-8", "line 3")
    nul = tmp_path / "nul.csv"
    nul.write_bytes((HEADER + ROW.replace("10,", "1\x000,")).encode())
    refused(nul, "NUL", "line 2")


def _workbook(tmp_path, edit=None, rows=3):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    for i in range(rows):
        ws.append([f"Group {i}", "Into work", 10, 100, 2024, 1])
    if edit:
        edit(ws)
    path = tmp_path / "m.xlsx"
    wb.save(path)
    return path


def test_a_wrong_stored_dimension_is_not_trusted(tmp_path):
    path = _workbook(tmp_path)
    parts = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            parts[name] = z.read(name)
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1"/>', parts[sheet])
    assert b'<dimension ref="A1"/>' in parts[sheet]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert len(read_table(path).rows) == 3


def test_a_formula_without_a_saved_result_is_refused_naming_the_cell(tmp_path):
    path = _workbook(tmp_path, lambda ws: ws.__setitem__("C3", "=5*2"))
    (problem,) = refused(path, "C3", "Save the workbook in Excel first")
    assert (problem.row, problem.column) == (3, "quantity")


def test_merged_cells_are_refused_and_hidden_rows_noted(tmp_path):
    refused(_workbook(tmp_path, lambda ws: ws.merge_cells("A2:A3")), "A2:A3", "merged")
    path = _workbook(tmp_path, lambda ws: setattr(ws.row_dimensions[3], "hidden", True))
    frame = read_impact_map(path, proxies={})
    assert len(frame) == 3
    assert frame.attrs["notes"] and "1 hidden row (3)" in frame.attrs["notes"][0]


@pytest.mark.parametrize("data, words", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "EncryptionInfo".encode("utf-16-le"), "password"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "97-2003"),
    (HEADER.encode(), "renamed"),
])
def test_files_that_are_not_workbooks_are_named_accurately(tmp_path, data, words):
    path = tmp_path / "m.xlsx"
    path.write_bytes(data)
    refused(path, words)


def test_a_zip_bomb_is_refused_from_the_zip_directory(tmp_path, monkeypatch):
    monkeypatch.setattr("sroi_lib.io.filekinds.MAX_XLSX_UNPACKED_BYTES", 1000)
    path = _workbook(tmp_path, rows=50)
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: pytest.fail("the workbook was parsed"))
    refused(path, "would unpack")


@pytest.mark.parametrize("row", ["Total,,20,,,", "Grand total,,20,,,", "TOTAL:,,20,,,", "Subtotal,,20,,,",
                                 ",,20,,,"])
def test_totals_rows_are_refused_naming_the_row(tmp_path, row):
    path = tmp_path / "m.csv"
    path.write_text(HEADER + ROW + ROW.replace("Residents", "Carers") + row + "\n")
    problems = refused(path, "totals row", "sroi adds the lines up itself", reader=read_impact_map)
    assert [p.row for p in problems] == [4]


def test_an_outcome_named_total_something_is_not_a_totals_row(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(HEADER + ROW.replace("Into work", "Total carbon saved"))
    assert read_impact_map(path, proxies={})["outcome"].tolist() == ["Total carbon saved"]


def test_a_totals_row_in_the_inputs_is_refused(tmp_path):
    path = tmp_path / "i.csv"
    path.write_text("stakeholder,description,value\nCouncil,Grant,100\nCouncil,Staff,50\n,,£150\n")
    problems = refused(path, "sum of the 2 rows above", reader=read_inputs)
    assert problems[0].row == 4


@pytest.mark.parametrize("column, cell", [("duration", "301"), ("duration", "100000000"), ("start_year", "1000")])
def test_duration_and_start_year_are_at_most_300(tmp_path, column, cell):
    path = tmp_path / "m.csv"
    path.write_text(HEADER.strip() + ",start_year\n" + ROW.strip() + ",1\n")
    text = path.read_text().splitlines()
    values = dict(zip(text[0].split(","), text[1].split(",")))
    values[column] = cell
    path.write_text(text[0] + "\n" + ",".join(values.values()) + "\n")
    (problem,) = refused(path, "above 300", reader=lambda p: read_impact_map(p, proxies={}))
    assert (problem.row, problem.column) == (2, column)


def test_the_lines_together_last_at_most_the_line_year_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("sroi_lib.io.impact_map.MAX_LINE_YEARS", 5)
    path = tmp_path / "m.csv"
    path.write_text(HEADER + ROW.replace(",1\n", ",3\n") * 2)
    (problem,) = refused(path, "6 years in all", reader=lambda p: read_impact_map(p, proxies={}))
    assert problem.column == "duration"
    path.write_text(HEADER + ROW.replace(",1\n", ",5\n"))
    assert len(read_impact_map(path, proxies={})) == 1


def test_yaml_guards(tmp_path):
    dup = tmp_path / "dup.yaml"
    dup.write_text("title: a\nprice_year: 2024\ntitle: b\n")
    with pytest.raises(InputError, match=r"'title' twice \(lines 1 and 3\)"):
        read_yaml(dup, "parameters file")
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 5000 + "]" * 5000)
    with pytest.raises(InputError, match="nested more than 50"):
        read_yaml(deep, "framework file")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                    + "".join(f"b{i}: &b{i} [" + ", ".join([f"*{'a' if i == 0 else f'b{i - 1}'}"] * 10) + "]\n"
                              for i in range(5)))
    with pytest.raises(InputError, match="100,000 values"):
        read_yaml(bomb, "deflator file")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="not saved as UTF-8"):
        read_yaml(latin, "parameters file")
    utf16 = tmp_path / "utf16.yaml"
    utf16.write_bytes("title: £5\n".encode("utf-16"))
    assert read_yaml(utf16, "parameters file") == {"title": "£5"}
    merge = tmp_path / "merge.yaml"
    merge.write_text("base: &b {x: 1}\nother:\n  <<: *b\n  x: 2\n")
    assert read_yaml(merge, "framework file")["other"] == {"x": 2}


def test_a_line_of_too_many_commas_is_refused_before_it_is_split(tmp_path, monkeypatch):
    monkeypatch.setattr("sroi_lib.io.tables.MAX_LINE_COMMAS", 10)
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "," * 11 + "\n")
    refused(path, "line 2", "11 commas")


def test_a_row_numbered_beyond_excels_last_row_is_refused(tmp_path):
    path = _workbook(tmp_path, rows=1)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</sheetData>", b'<row r="99999999999"><c r="A99999999999" t="inlineStr">'
                                        b"<is><t>x</t></is></c></row></sheetData>")
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    refused(path, "beyond 1,048,576")


# -- Review findings: totals rows with labels, XLSX rows out of order, cells that are not numbers, blank lines --------

MAP3 = HEADER + ROW + ROW.replace("Residents", "Carers")  # two lines of 10, so a third of 20 is their sum


@pytest.mark.parametrize("labels, why", [
    ("-,-", "labels stand for no line in particular"), ("n/a,N/A", "labels stand for no line in particular"),
    ("na,none", "labels stand for no line in particular"), ("All,All outcomes", "labels stand for no line"),
    (" ,\u2014", "labels stand for no line in particular"),
    ("Residents and carers,Total of both", "its text says it is a total"),
    ("To\u200btal,both", "totals row ('Total')"), ("Everyone,Sub\u00adtotal", "totals row ('Subtotal')"),
])
def test_a_row_equal_to_the_sum_above_with_placeholder_or_total_labels_is_refused(tmp_path, labels, why):
    path = tmp_path / "m.csv"
    path.write_text(MAP3 + labels + ",20,100,2024,1\n", encoding="utf-8")
    problems = refused(path, why, reader=read_impact_map)
    assert [p.row for p in problems] == [4]


def test_total_words_in_a_label_whose_figures_are_not_the_sum_above_stay_an_ordinary_line(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(MAP3 + "Residents,Total carbon saved,7,100,2024,1\n")
    assert read_impact_map(path, proxies={})["quantity"].tolist() == [10, 10, 7]


def test_an_inputs_row_whose_description_says_total_and_equals_the_sum_is_refused(tmp_path):
    path = tmp_path / "i.csv"
    path.write_text("stakeholder,description,value,year\nLCC,Year 1,1000,0\nLCC,Year 2,2000,1\n"
                    "LCC,Total contract value,3000,0\n")
    (problem,) = refused(path, "its text says it is a total", "(3,000) is the sum of the 2 rows above",
                         reader=read_inputs)
    assert (problem.row, problem.column) == (4, "value")


def _edited_sheet(path, edit):
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    edited = edit(parts[sheet])
    assert edited != parts[sheet]
    parts[sheet] = edited
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_xlsx_rows_out_of_order_are_refused_as_damage_naming_the_rows(tmp_path):
    path = _edited_sheet(_workbook(tmp_path), lambda xml: xml.replace(b'<row r="2"', b'<row r="9"'))
    refused(path, "damaged Excel workbook", "out of order", "row 3 comes after row 9")


def test_an_xlsx_row_given_twice_is_refused(tmp_path):
    path = _edited_sheet(_workbook(tmp_path), lambda xml: re.sub(rb'<row r="3"', b'<row r="2"', xml)
                         .replace(b'r="A3"', b'r="A2"').replace(b'r="B3"', b'r="B2"').replace(b'r="C3"', b'r="C2"')
                         .replace(b'r="D3"', b'r="D2"').replace(b'r="E3"', b'r="E2"').replace(b'r="F3"', b'r="F2"'))
    refused(path, "damaged Excel workbook", "row 2 is given twice")


def test_an_xlsx_cell_stored_in_another_row_is_refused(tmp_path):
    path = _edited_sheet(_workbook(tmp_path), lambda xml: xml.replace(b'r="C3"', b'r="C2"'))
    refused(path, "damaged Excel workbook", "cell C2 is stored in row 3")


@pytest.mark.parametrize("stored, words", [
    (b"NaN", "cell C2 holds 'NaN', which is not a finite number"),
    (b"INF", "cell C2 holds 'INF', which is not a finite number"),
    (b"1e400", "cell C2 holds '1e400', which is not a finite number"),
    (b"9" * 5000, "cell C2 holds a whole number of 5,000 digits, far too large"),
])
def test_a_number_cell_that_is_not_a_finite_number_is_named_in_plain_words(tmp_path, stored, words):
    path = _edited_sheet(_workbook(tmp_path), lambda xml: re.sub(rb'(<c r="C2"[^>]*>)<v>[^<]*</v>',
                                                                 rb'\1<v>' + stored + rb'</v>', xml))
    (problem,) = refused(path, words)
    assert (problem.sheet, problem.row, problem.column) == ("Sheet", 2, "quantity")
    text = str(problem)
    assert "int()" not in text and "set_int_max_str_digits" not in text and "damaged" not in text


def test_a_csv_with_more_lines_than_a_sheet_has_says_so_counting_blank_lines(tmp_path, monkeypatch):
    monkeypatch.setattr("sroi_lib.io.tables.SHEET_MAX_ROWS", 10)
    path = tmp_path / "m.csv"
    path.write_text(HEADER + ROW + "\n" * 20)
    refused(path, "has more than 10 lines, blank lines included", "Remove the blank lines")
