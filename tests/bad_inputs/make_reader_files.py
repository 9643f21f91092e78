"""Make the committed files of the readers' bad-input groups (maps, inputs, proxies, returns).

Run from anywhere: ``python tests/bad_inputs/make_reader_files.py``. Each file
is small and byte for byte the same on every run (workbooks get fixed time
stamps), so re-making them changes nothing in git. Text files are written as exact bytes (their encodings are the
point); workbooks are written with openpyxl and then edited inside the ZIP
where the case needs a part that openpyxl would not write (a wrong stored
dimension, broken XML, a missing sheet, an error cell, a NaN).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

MAP_HEADER = ["stakeholder", "outcome", "quantity", "value", "price_year", "deadweight", "attribution",
              "drop_off", "duration", "start_year"]
WORKED = ["Local residents", "Moved into sustained work", "100", "1000", "2024", "20%", "25%", "10%", "3", "1"]
OTHER = ["Carers", "Better wellbeing", "100", "1000", "2024", "20%", "25%", "10%", "3", "1"]
INPUT_HEADER = ["stakeholder", "description", "value", "year"]
PROXY_HEADER = ["proxy_id", "name", "outcome", "unit", "value", "price_year", "value_type", "theme", "source",
                "source_url", "licence", "notes"]
PROXY_ROW = ["t-gp", "GP appointment", "Fewer GP appointments", "per appointment", "42", "2022", "fiscal",
             "health and care", "Test source", "https://example.org/gp", "Test licence", ""]
SVE_HEADER = ["orgId", "title", "outcome", "unit", "value", "source", "url"]
SVE_ROW = ["", "Ability to pay for housing (2020)", "Housing", "per person per year", "1250", "Source A",
           "https://example.org/a"]


def csv_text(rows: list[list[str]]) -> str:
    def cell(c: str) -> str:
        return f'"{c.replace(chr(34), chr(34) * 2)}"' if any(ch in c for ch in ',"\n') else c
    return "".join(",".join(cell(c) for c in row) + "\n" for row in rows)


def write(group: str, name: str, data: bytes | str) -> None:
    path = HERE / group / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def workbook(group: str, name: str, rows: list[list], edit=None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append([_typed(c) for c in row])
    if edit:
        edit(ws)
    path = HERE / group / name
    wb.save(path)
    return path


def _typed(cell):
    if isinstance(cell, str) and re.fullmatch(r"\d+", cell):
        return int(cell)
    return cell


def rezip(path: Path, edit, out: Path | None = None) -> None:
    """Rewrite the parts of a workbook through ``edit(name, bytes) -> bytes | None`` (None drops the part)."""
    out = out or path
    parts = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            parts.append((info.filename, archive.read(info.filename)))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            data = edit(name, data)
            if data is not None:
                archive.writestr(name, data)


def sheet_edit(pattern: bytes, replacement: bytes):
    return lambda name, data: re.sub(pattern, replacement, data) if name == "xl/worksheets/sheet1.xml" else data


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def ole2(stream: str) -> bytes:
    """The start of a compound file whose directory names ``stream`` (enough for sroi to tell its kind)."""
    return OLE2 + stream.encode("utf-16-le") + b"\x00" * 64


def common_workbooks(group: str, rows: list[list]) -> None:
    """The kinds of file that are not a readable workbook, for a group whose command reads XLSX."""
    write(group, "old_excel.xlsx", ole2("Workbook"))
    write(group, "encrypted.xlsx", ole2("EncryptionInfo") + "EncryptedPackage".encode("utf-16-le"))
    write(group, "csv_renamed.xlsx", csv_text(rows))
    with zipfile.ZipFile(HERE / group / "zip_not_workbook.xlsx", "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with zipfile.ZipFile(HERE / group / "ods_renamed.xlsx", "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    ok = workbook(group, "_ok.xlsx", rows)
    rezip(ok, sheet_edit(rb"<sheetData>.*", b"<sheetData><row r=\"1\"><c r=\"A1\""), HERE / group / "broken_xml.xlsx")
    rezip(ok, lambda name, data: None if name == "xl/worksheets/sheet1.xml" else data,
          HERE / group / "missing_sheet_part.xlsx")
    rezip(ok, lambda name, data: data, HERE / group / "bzip2_packed.xlsx")
    _repack(HERE / group / "bzip2_packed.xlsx", zipfile.ZIP_BZIP2)
    ok.unlink()


def _repack(path: Path, method: int) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = [(i.filename, archive.read(i.filename)) for i in archive.infolist()]
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in parts:
            archive.writestr(name, data)


def maps() -> None:
    g = "maps"
    rows = [MAP_HEADER, WORKED]
    write(g, "unclosed_quote_at_end.csv", csv_text([MAP_HEADER, WORKED]) + '"Carers,Better wellbeing,100,1000,2024\n')
    write(g, "quote_swallows_rows.csv", csv_text([MAP_HEADER]) + 'Local residents,"Moved into work,100,1000,2024,20%,'
          '25%,10%,3,1\n' + csv_text([OTHER]) + 'Tenants,Warmer homes",5,10,2024,0%,0%,0%,1,1\n')
    write(g, "multiline_evidence_ok.csv", csv_text([MAP_HEADER + ["evidence"], WORKED + ["Survey of 40 tenants.\n"
                                                    "See the appendix, table 3."]]))
    write(g, "utf16_with_bom.csv", "\ufeff".encode("utf-16-le") + csv_text(rows).replace("1000", "£1000").encode("utf-16-le"))
    write(g, "utf16_without_bom.csv", csv_text(rows).encode("utf-16-le"))
    write(g, "utf8_with_bom.csv", b"\xef\xbb\xbf" + csv_text(rows).replace("1000", "£1000").encode("utf-8"))
    write(g, "windows1252_pound.csv", csv_text(rows).replace("1000", "£1000").encode("cp1252"))
    write(g, "undefined_byte.csv", csv_text(rows).replace("Local", "Lo\x81cal").encode("latin-1"))
    write(g, "nul_byte.csv", csv_text(rows).replace("100,", "10\x000,", 1).encode())
    write(g, "long_cell.csv", csv_text([MAP_HEADER + ["evidence"], WORKED + ["x" * 40_000]]))
    write(g, "too_many_columns.csv", csv_text([MAP_HEADER + [f"extra{i}" for i in range(300)],
                                              WORKED + ["1"] * 300]))
    write(g, "header_only.csv", csv_text([MAP_HEADER]))
    for name, label in [("total_row.csv", "Total"), ("grand_total_row.csv", "Grand total"),
                        ("total_colon_row.csv", "TOTAL:"), ("subtotal_row.csv", "Subtotal")]:
        write(g, name, csv_text([MAP_HEADER, WORKED, OTHER, [label, "", "200", "", "", "", "", "", "", ""]]))
    write(g, "subtotal_in_middle.csv", csv_text([MAP_HEADER, WORKED, OTHER,
                                                 ["Sub-total: residents", "all", "200", "1000", "2024", "", "", "", "3", "1"],
                                                 ["Tenants", "Warmer homes", "5", "10", "2024", "", "", "", "1", "1"]]))
    write(g, "unlabelled_total_row.csv", csv_text([MAP_HEADER, WORKED, OTHER, ["", "", "200", "", "", "", "", "", "", ""]]))
    write(g, "total_words_in_outcome_ok.csv", csv_text([MAP_HEADER, ["Residents", "Total carbon saved"] + WORKED[2:]]))
    # Totals rows whose labels are placeholders or mention "total": each figure is the sum of the rows above, and
    # every cell is otherwise valid, so before they were refused they were added in (the map valued at double).
    for name, labels in [("dash_labels_total.csv", ["-", "-"]), ("na_labels_total.csv", ["n/a", "N/A"]),
                         ("all_outcomes_total.csv", ["All", "All outcomes"]),
                         ("total_word_in_label.csv", ["Residents and carers", "Total of both outcomes"]),
                         ("zero_width_total.csv", ["To\u200btal", "both"])]:
        write(g, name, csv_text([MAP_HEADER, WORKED, OTHER, labels + ["200"] + WORKED[3:]]))
    write(g, "total_words_not_a_sum_ok.csv", csv_text([MAP_HEADER, WORKED, OTHER,
                                                       ["Residents", "Total carbon saved", "7"] + WORKED[3:]]))
    for name, quantity in [("nan_quantity.csv", "nan"), ("inf_quantity.csv", "inf"), ("huge_exponent.csv", "1e999"),
                           ("overflow_quantity.csv", "1e308"), ("formula_text_quantity.csv", "=2+3")]:
        write(g, name, csv_text([MAP_HEADER, WORKED[:2] + [quantity] + WORKED[3:]]))
    write(g, "negative_infinity_value.csv", csv_text([MAP_HEADER, WORKED[:3] + ["-Infinity"] + WORKED[4:]]))
    # A negative value is a disbenefit; a negative quantity or duration is refused.
    write(g, "negative_value_ok.csv", csv_text([MAP_HEADER, WORKED[:3] + ["-£1,000"] + WORKED[4:]]))
    write(g, "negative_value_said_no.csv", csv_text([MAP_HEADER + ["disbenefit"], WORKED[:3] + ["-1000"] + WORKED[4:]
                                                     + ["no"]]))
    write(g, "negative_quantity.csv", csv_text([MAP_HEADER, WORKED, OTHER[:2] + ["-100"] + OTHER[3:]]))
    write(g, "negative_duration.csv", csv_text([MAP_HEADER, WORKED, OTHER[:8] + ["-3", "1"]]))
    write(g, "duration_100000000.csv", csv_text([MAP_HEADER, WORKED[:8] + ["100000000", "1"]]))
    write(g, "duration_301.csv", csv_text([MAP_HEADER, WORKED[:8] + ["301", "1"]]))
    write(g, "duration_300_ok.csv", csv_text([MAP_HEADER, WORKED[:8] + ["300", "1"]]))
    write(g, "start_year_huge.csv", csv_text([MAP_HEADER, WORKED[:8] + ["3", "99999999999999999999"]]))
    write(g, "price_year_huge.csv", csv_text([MAP_HEADER, WORKED[:4] + ["99999999999"] + WORKED[5:]]))
    write(g, "not_really.xls", ole2("Workbook"))

    wrong_dim = workbook(g, "wrong_dimension.xlsx", [MAP_HEADER, WORKED, OTHER])
    rezip(wrong_dim, sheet_edit(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1"/>'))
    workbook(g, "formula_without_result.xlsx", [MAP_HEADER, WORKED],
             edit=lambda ws: ws.__setitem__("C2", "=50*2"))
    workbook(g, "merged_cells.xlsx", [MAP_HEADER, WORKED, OTHER], edit=lambda ws: ws.merge_cells("A2:A3"))
    workbook(g, "hidden_row.xlsx", [MAP_HEADER, WORKED, OTHER],
             edit=lambda ws: setattr(ws.row_dimensions[3], "hidden", True))
    workbook(g, "hidden_column.xlsx", [MAP_HEADER, WORKED],
             edit=lambda ws: setattr(ws.column_dimensions["F"], "hidden", True))
    err = workbook(g, "excel_error_cell.xlsx", [MAP_HEADER, WORKED])
    rezip(err, sheet_edit(rb'<c r="C2"[^>]*>.*?</c>', b'<c r="C2" t="e"><v>#DIV/0!</v></c>'))
    nan = workbook(g, "nan_cell.xlsx", [MAP_HEADER, WORKED])
    rezip(nan, sheet_edit(rb'<c r="C2"[^>]*>.*?</c>', b'<c r="C2" t="n"><v>NaN</v></c>'))
    big = workbook(g, "huge_whole_number.xlsx", [MAP_HEADER, WORKED])
    rezip(big, sheet_edit(rb'<c r="C2"[^>]*>.*?</c>', b'<c r="C2" t="n"><v>' + b"9" * 400 + b"</v></c>"))
    cached = workbook(g, "formula_with_result_ok.xlsx", [MAP_HEADER, WORKED])
    rezip(cached, sheet_edit(rb'<c r="C2"[^>]*>.*?</c>', b'<c r="C2"><f>50*2</f><v>100</v></c>'))
    far = workbook(g, "row_beyond_excel.xlsx", [MAP_HEADER, WORKED])
    rezip(far, sheet_edit(rb"</sheetData>", b'<row r="99999999999"><c r="A99999999999" t="inlineStr"><is><t>x</t>'
                                           b"</is></c></row></sheetData>"))
    wide = workbook(g, "column_beyond_excel.xlsx", [MAP_HEADER, WORKED])
    rezip(wide, sheet_edit(rb"</sheetData>", b'<row r="3"><c r="ZZZZZ3" t="inlineStr"><is><t>x</t></is></c></row>'
                                            b"</sheetData>"))
    workbook(g, "cell_in_last_column.xlsx", [MAP_HEADER, WORKED], edit=lambda ws: ws.__setitem__("XFD3", "x"))
    # Rows whose XML order a reader would trust: row 2 renumbered 9 (so it comes before row 3), and a cell of row 3
    # whose reference says row 2. Excel never writes either; both were read with a line silently dropped or moved.
    reordered = workbook(g, "rows_out_of_order.xlsx", [MAP_HEADER, WORKED, OTHER])
    rezip(reordered, sheet_edit(rb'<row r="2"', b'<row r="9"'))
    moved = workbook(g, "cell_in_another_row.xlsx", [MAP_HEADER, WORKED, OTHER])
    rezip(moved, sheet_edit(rb'r="C3"', b'r="C2"'))

    def second_sheet(ws):
        extra = ws.parent.create_sheet("Notes")
        extra["A1"] = "notes"
        ws.parent.create_sheet("Old").sheet_state = "hidden"
    workbook(g, "more_sheets.xlsx", [MAP_HEADER, WORKED], edit=second_sheet)
    common_workbooks(g, rows)


def inputs() -> None:
    g = "inputs"
    rows = [INPUT_HEADER, ["Council", "Grant", "100000", "0"]]
    write(g, "total_row.csv", csv_text(rows + [["Council", "Staff time", "5000", "0"], ["Total", "", "105000", ""]]))
    write(g, "unlabelled_total_row.csv", csv_text(rows + [["Council", "Staff time", "5000", "0"], ["", "", "£105,000", ""]]))
    write(g, "nan_value.csv", csv_text([INPUT_HEADER, ["Council", "Grant", "NaN", "0"]]))
    write(g, "total_in_description.csv", csv_text([INPUT_HEADER, ["LCC", "Year 1", "1000", "0"],
                                                   ["LCC", "Year 2", "2000", "1"],
                                                   ["LCC", "Total contract value", "3000", "0"]]))
    write(g, "overflow_value.csv", csv_text([INPUT_HEADER, ["Council", "Grant", "1e308", "0"],
                                             ["Council", "Match", "1e308", "0"]]))
    write(g, "year_100000000.csv", csv_text([INPUT_HEADER, ["Council", "Grant", "100000", "100000000"]]))
    write(g, "unclosed_quote.csv", csv_text(rows) + 'Council,"Staff time,5000,0\nCouncil,Rooms,300,0\n')
    write(g, "windows1252_pound.csv", csv_text([INPUT_HEADER, ["Council", "Grant", "£100,000", "0"]]).encode("cp1252"))
    write(g, "utf16_with_bom.csv", csv_text([INPUT_HEADER, ["Council", "Grant", "£100,000", "0"]]).encode("utf-16"))
    write(g, "latin1_undefined_byte.csv", csv_text(rows).replace("Grant", "Grant\x8d").encode("latin-1"))
    workbook(g, "merged_cells.xlsx", rows + [["Council", "Staff", "5000", "0"]], edit=lambda ws: ws.merge_cells("A2:A3"))
    workbook(g, "formula_without_result.xlsx", rows, edit=lambda ws: ws.__setitem__("C2", "=100000*1"))
    write(g, "zip_renamed.csv", (HERE / g / "merged_cells.xlsx").read_bytes())


def proxies() -> None:
    g = "proxies"
    good = csv_text([PROXY_HEADER, PROXY_ROW])
    write(g, "utf16_library_ok.csv", good.encode("utf-16"))
    write(g, "unclosed_quote.csv", good + 't-ae,"A&E attendance,Fewer,per attendance,1200,2019,fiscal,health,S,'
          'https://example.org/ae,L,\nt-x,X,Y,per x,5,2019,fiscal,health,S,https://example.org/x,L,\n')
    write(g, "nan_value.csv", csv_text([PROXY_HEADER, PROXY_ROW[:4] + ["nan"] + PROXY_ROW[5:]]))
    write(g, "infinite_value.csv", csv_text([PROXY_HEADER, PROXY_ROW[:4] + ["1e999"] + PROXY_ROW[5:]]))
    write(g, "long_cell.csv", csv_text([PROXY_HEADER, PROXY_ROW[:11] + ["n" * 33_000]]))
    write(g, "not_utf8.csv", good.replace("GP", "G\x81P").encode("latin-1"))
    write(g, "own_safe_output_ok.csv", csv_text([PROXY_HEADER, ["t-f", "'=HYPERLINK(\"http://x\")", "'-Fewer",
                                                                "'@unit"] + PROXY_ROW[4:]]))
    workbook(g, "formula_without_result.xlsx", [PROXY_HEADER, PROXY_ROW], edit=lambda ws: ws.__setitem__("E2", "=40+2"))
    write(g, "encrypted.xlsx", ole2("EncryptionInfo"))
    write(g, "sve_formula_titles.csv", csv_text([SVE_HEADER, ["", "=HYPERLINK(\"http://evil\",\"x\") (2020)", "@SUM(1)",
                                                              "-1+2", "1250", "+Source", "https://example.org/a"]]))
    write(g, "sve_unclosed_quote.csv", csv_text([SVE_HEADER, SVE_ROW]) + ',"Other (2020),Housing,per person,10,S,'
          'https://example.org/b\n,Third (2020),Housing,per person,10,S,https://example.org/c\n')
    write(g, "sve_totals_words_ok.csv", csv_text([SVE_HEADER, SVE_ROW]))
    # a blank price year: refused, unless the row is flagged "price year unknown" (an SVE import's, to confirm)
    blank_year = PROXY_ROW[:5] + [""] + PROXY_ROW[6:]
    write(g, "price_year_blank.csv", csv_text([PROXY_HEADER, blank_year]))
    write(g, "flagged_library_ok.csv", csv_text([PROXY_HEADER + ["flags"], blank_year + ["price year unknown"],
                                                 ["t-zero"] + PROXY_ROW[1:4] + ["0"] + PROXY_ROW[5:] + ["value £0"]]))
    relations(g)


def relations(g: str) -> None:
    """Library files whose relations are wrong (part_of, alternative_of), each one refused with row and column."""
    header = PROXY_HEADER[:7] + ["part_of", "alternative_of", "transfer"] + PROXY_HEADER[7:]

    def row(pid: str, value: str = "42", part_of: str = "", alternative_of: str = "") -> list[str]:
        return [pid] + PROXY_ROW[1:4] + [value] + PROXY_ROW[5:7] + [part_of, alternative_of, ""] + PROXY_ROW[7:]
    write(g, "relation_unknown_id.csv", csv_text([header, row("t-gp"),
                                                 row("t-gp-part", "10", part_of="dft-road-acident-fatal")]))
    write(g, "relation_part_of_cycle.csv", csv_text([header, row("t-a", part_of="t-b"), row("t-b", part_of="t-c"),
                                                    row("t-c", part_of="t-a")]))
    write(g, "relation_part_worth_more.csv", csv_text([header, row("t-total", "100"),
                                                      row("t-part", "250", part_of="t-total")]))


def returns() -> None:
    g = "returns"
    src = ROOT / "data" / "examples" / "lcc-care-at-home" / "returns.xlsx"
    shutil.copy(src, HERE / g / "_ok.xlsx")
    common_workbooks_from(g, HERE / g / "_ok.xlsx")
    wb = load_workbook(HERE / g / "_ok.xlsx")
    wb["Returns"].column_dimensions["G"].hidden = True
    wb.save(HERE / g / "hidden_column.xlsx")
    nan = HERE / g / "nan_quantity.xlsx"
    shutil.copy(HERE / g / "_ok.xlsx", nan)
    _sheet = _returns_sheet_part(nan)
    rezip(nan, lambda name, data: re.sub(rb'(<c r="F2"[^>]*?)(/>|>.*?</c>)', rb'<c r="F2" t="n"><v>NaN</v></c>', data, 1)
          if name == _sheet else data)
    big = HERE / g / "huge_quantity.xlsx"
    shutil.copy(HERE / g / "_ok.xlsx", big)
    rezip(big, lambda name, data: re.sub(rb'(<c r="F2"[^>]*?)(/>|>.*?</c>)', b'<c r="F2" t="n"><v>' + b"9" * 400
                                         + b"</v></c>", data, 1) if name == _sheet else data)
    huge = HERE / g / "quantity_1e308.xlsx"
    shutil.copy(HERE / g / "_ok.xlsx", huge)
    rezip(huge, lambda name, data: re.sub(rb'(<c r="F3"[^>]*?)(/>|>.*?</c>)', b'<c r="F3" t="n"><v>1e308</v></c>',
                                          data, 1) if name == _sheet else data)
    (HERE / g / "_ok.xlsx").unlink()


def _returns_sheet_part(path: Path) -> str:
    wb = load_workbook(path, read_only=True)
    try:
        return wb["Returns"]._worksheet_path.lstrip("/")
    finally:
        wb.close()


def common_workbooks_from(group: str, ok: Path) -> None:
    write(group, "old_excel.xlsx", ole2("Workbook"))
    write(group, "encrypted.xlsx", ole2("EncryptionInfo"))
    write(group, "csv_renamed.xlsx", "Quarter,Measure\n2025-Q1,EMP1\n")
    with zipfile.ZipFile(HERE / group / "zip_not_workbook.xlsx", "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    part = _returns_sheet_part(ok)
    rezip(ok, lambda name, data: data[: len(data) // 2] if name == part else data, HERE / group / "broken_xml.xlsx")
    rezip(ok, lambda name, data: None if name == part else data, HERE / group / "missing_sheet_part.xlsx")


_STAMP = re.compile(rb"<dcterms:(created|modified)([^>]*)>[^<]*</dcterms:")


def fix_time_stamps(path: Path) -> None:
    """Give a ZIP's entries and a workbook's own created/modified dates one fixed time, so re-made files are identical."""
    with zipfile.ZipFile(path) as archive:
        parts = [(i, archive.read(i.filename)) for i in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = _STAMP.sub(rb"<dcterms:\1\2>2026-01-01T00:00:00Z</dcterms:", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = info.compress_type
            archive.writestr(fixed, data)


if __name__ == "__main__":
    maps()
    inputs()
    proxies()
    returns()
    for group in ("maps", "inputs", "proxies", "returns"):
        for made in sorted((HERE / group).iterdir()):
            if made.read_bytes()[:4] == b"PK\x03\x04":
                fix_time_stamps(made)
    print("made", sum(1 for g in ("maps", "inputs", "proxies", "returns") for p in (HERE / g).iterdir()
                      if p.name != "cases.yaml"), "files")
