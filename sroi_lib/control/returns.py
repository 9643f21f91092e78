"""Supplier returns: the Excel workbook a supplier fills in each quarter, and its checks.

:func:`write_template` makes a workbook with an *Instructions* sheet and a
*Returns* sheet holding one row per quarter and measure, pre-filled; only the
*Quantity delivered* and *Evidence reference* cells are open for typing (the
sheet is protected, without a password, so nothing else is changed by
accident), and quantity cells accept only numbers of 0 or more.

:func:`check_returns` reads a filled workbook **without evaluating any
formula** and lists every problem (sheet, row, column): wrong sheet names, a
CSV renamed .xlsx, an empty workbook, merged cells, hidden rows, unknown
measures, quarters outside the contract, a quarter reported twice for a
measure, text, negative numbers, quantities above
:data:`~sroi_lib.io.limits.MAX_RETURNED_QUANTITY` (a million million) or formulas where
a quantity belongs. A
workbook with any problem is rejected whole: nothing from it is used.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem
from ..io.filekinds import check_workbook
from ..io.limits import MAX_RETURNED_QUANTITY, MAX_TABLE_BYTES, MAX_TABLE_ROWS, check_readable_file
from ..io.safe import check_output_path, safe_xlsx_cell, save_workbook, write_atomically
from ..io.tables import check_sheet_structure

__all__ = ["write_template", "check_returns", "style_header", "RETURNS_SHEET", "INSTRUCTIONS_SHEET", "HEADERS",
           "INPUT_COLOUR"]

RETURNS_SHEET, INSTRUCTIONS_SHEET = "Returns", "Instructions"
HEADERS = ["Quarter", "Measure", "Description", "Unit", "Committed per quarter", "Quantity delivered",
           "Evidence reference"]
QUANTITY_COL, EVIDENCE_COL = 6, 7  # 1-based column numbers
HEADER_COLOUR, INPUT_COLOUR = "1B6B93", "FFF7D6"  # the fill of a header row; the fill of cells to type in


def style_header(cells) -> None:
    """Give header cells the look of every workbook sroi writes: bold white text on blue, wrapped, at the top."""
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor=HEADER_COLOUR)
    for cell in cells:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_template(path: str | Path, params, commitments: pd.DataFrame, periods: list[str]) -> Path:
    """Write the supplier's returns workbook for a contract."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    path = check_output_path(path, suffixes=(".xlsx",))
    wb = Workbook()
    info = wb.active
    info.title = INSTRUCTIONS_SHEET
    lines = [
        f"Social value returns: {params.title}",
        f"Contract {params.contract_id} · Supplier {params.supplier} · Directorate {params.directorate}",
        "",
        "How to fill this in",
        f"1. Go to the '{RETURNS_SHEET}' sheet. It has one row for each quarter and each measure you committed to.",
        "2. In 'Quantity delivered', type the number delivered in that quarter, in the unit shown. Type 0 if none.",
        "   Type a plain number: no units, no text, no formulas.",
        "3. In 'Evidence reference', give the reference of the evidence you hold (e.g. a payroll extract or a "
        "timesheet ID).",
        "4. Leave quarters that have not happened yet blank.",
        "5. Do not rename the sheets, add or move rows or columns, merge cells or hide rows: the council's "
        "system reads this workbook exactly as it is laid out, and will send it back if it has changed.",
        "",
        "The council checks every return with `sroi returns check`; any problem is listed with its sheet, row and "
        "column so it can be put right.",
    ]
    for i, text in enumerate(lines, start=1):
        safe_xlsx_cell(info.cell(row=i, column=1), text)
    info["A1"].font = Font(bold=True, size=14)
    info["A4"].font = Font(bold=True)
    info.column_dimensions["A"].width = 120

    ws = wb.create_sheet(RETURNS_SHEET)
    ws.append(HEADERS)
    row = 1
    style_header(ws[1])
    for period in periods:
        for c in commitments.itertuples():
            row += 1
            for col, value in enumerate([period, c.measure, c.description, c.unit, c.committed_per_period], start=1):
                safe_xlsx_cell(ws.cell(row=row, column=col), value)
    input_fill = PatternFill("solid", fgColor=INPUT_COLOUR)
    for row in ws.iter_rows(min_row=2, min_col=QUANTITY_COL, max_col=EVIDENCE_COL):
        for cell in row:
            cell.protection = Protection(locked=False)
            cell.fill = input_fill
    last = ws.max_row
    dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                        showErrorMessage=True, errorTitle="A number, please",
                        error="Type the quantity delivered as a number of 0 or more (no units, no text).")
    dv.add(f"F2:F{max(last, 2)}")
    ws.add_data_validation(dv)
    for col, width in zip("ABCDEFG", (10, 12, 48, 24, 12, 14, 28)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.protection.sheet = True  # locked cells (headers, pre-filled columns) cannot be changed; no password
    wb.active = 1
    return write_atomically(path, lambda tmp: save_workbook(wb, tmp), what="returns workbook")


def _open(path: Path):
    """Open a returns workbook after the checks every workbook gets (:func:`sroi_lib.io.filekinds.check_workbook`)."""
    from openpyxl import load_workbook

    label = str(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        if not path.exists():
            raise InputError(Problem("the workbook was not found", file=label))
        raise InputError(Problem("is not an Excel workbook (.xlsx)", file=label,
                                 fix="Return the workbook you were sent, saved as .xlsx."))
    check_readable_file(path, limit=MAX_TABLE_BYTES, what="workbook", label=label)
    check_workbook(path, label)
    try:
        # data_only=False: a formula is read as its text and never evaluated.
        return load_workbook(path, data_only=False)
    except Exception as exc:  # a damaged part of an untrusted workbook: any parser error means the same
        check_sheet_structure(path, label)  # a cell holding NaN, rows out of order: named by sheet and cell
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise InputError(Problem(f"is a damaged Excel workbook ({detail})", file=label,
                                 fix="Open it in Excel and save it again as .xlsx.")) from None


def _listed_sheet(path: Path, name: str) -> bool:
    """True when the workbook's own list of sheets (xl/workbook.xml) names ``name``."""
    import zipfile
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(path) as archive, archive.open("xl/workbook.xml") as src:
            return any(el.tag.rsplit("}", 1)[-1] == "sheet" and el.get("name") == name
                       for el in ElementTree.parse(src).iter())
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return False


def check_returns(path: str | Path, commitments: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    """Check a filled returns workbook; returns its rows (``period, measure, quantity, evidence``).

    Rows whose quantity is blank (quarters not yet reported) are left out.

    Raises
    ------
    InputError
        Listing every problem with sheet, row and column. Nothing is returned
        from a workbook with any problem.
    """
    path = Path(path)
    label = str(path)
    wb = _open(path)
    problems: list[Problem] = []

    def add(message, row=None, column=None, fix="", sheet=RETURNS_SHEET):
        problems.append(Problem(message, file=label, sheet=sheet, row=row, column=column, fix=fix))

    if RETURNS_SHEET not in wb.sheetnames and _listed_sheet(path, RETURNS_SHEET):
        add(f"is a damaged Excel workbook: it lists a sheet called '{RETURNS_SHEET}' but that sheet's part is "
            "missing", sheet=None, fix="Open it in Excel and save it again as .xlsx, or use the workbook you were sent.")
        raise InputError(problems)
    if RETURNS_SHEET not in wb.sheetnames:
        add(f"there is no sheet called '{RETURNS_SHEET}' (sheets found: {', '.join(wb.sheetnames)})", sheet=None,
            fix="Use the workbook you were sent, without renaming its sheets.")
        raise InputError(problems)
    ws = wb[RETURNS_SHEET]
    if ws.max_row < 2 and all(c.value is None for c in ws[1]):
        add("the sheet is empty", fix="Use the workbook you were sent.")
        raise InputError(problems)
    header = [str(c.value).strip() if c.value is not None else "" for c in ws[1]][: len(HEADERS)]
    if header != HEADERS:
        add(f"the headers in row 1 have been changed (found: {', '.join(h or '(blank)' for h in header)})", row=1,
            fix=f"Row 1 must read: {', '.join(HEADERS)}.")
        raise InputError(problems)
    for merged in ws.merged_cells.ranges:
        add(f"cells {merged.coord} are merged", row=merged.min_row, fix="Unmerge them: each cell holds one value.")
    for idx, dim in ws.row_dimensions.items():
        if dim.hidden:
            add("this row is hidden", row=idx, fix="Unhide it, so every row can be checked.")
    for letter, dim in ws.column_dimensions.items():
        if dim.hidden:
            add(f"column {letter} is hidden", column=letter, fix="Unhide it, so every column can be checked.")
    if ws.max_row > MAX_TABLE_ROWS + 1:
        add(f"has {ws.max_row - 1:,} rows, more than the {MAX_TABLE_ROWS:,} sroi reads", fix="Use the workbook you were sent.")
        raise InputError(problems)

    measures = set(commitments["measure"])
    period_set = set(periods)
    seen: dict[tuple[str, str], int] = {}
    rows = []
    for r in range(2, ws.max_row + 1):
        cells = [ws.cell(row=r, column=c) for c in range(1, len(HEADERS) + 1)]
        if all(c.value is None or str(c.value).strip() == "" for c in cells):
            continue
        period = str(cells[0].value).strip() if cells[0].value is not None else ""
        measure = str(cells[1].value).strip() if cells[1].value is not None else ""
        qty_cell, evidence = cells[QUANTITY_COL - 1], cells[EVIDENCE_COL - 1].value
        if period not in period_set:
            add(f"quarter '{period}' is not a quarter of this contract ({periods[0]} to {periods[-1]})", row=r,
                column=HEADERS[0], fix="Use the quarters already listed in the sheet.")
        if measure not in measures:
            add(f"measure '{measure}' is not one of this contract's measures ({', '.join(sorted(measures))})",
                row=r, column=HEADERS[1], fix="Use the measures already listed in the sheet.")
        key = (period, measure)
        if key in seen:
            add(f"{measure} in {period} is reported twice (first in row {seen[key]})", row=r, column=HEADERS[1],
                fix="Give one row per quarter and measure; add the quantities together.")
        else:
            seen[key] = r
        value = qty_cell.value
        if qty_cell.data_type == "f" or (isinstance(value, str) and value.strip().startswith("=")):
            add(f"holds a formula ({value}); sroi never runs a supplier's formula", row=r, column=HEADERS[5],
                fix="Type the number itself.")
            continue
        if value is None or (isinstance(value, str) and value.strip() == ""):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            add(f"'{value}' is not a number", row=r, column=HEADERS[5],
                fix="Type the quantity as a plain number, without units or words.")
            continue
        try:
            finite = math.isfinite(value)
        except OverflowError:  # a whole number beyond any float: too large, as below
            finite, value = True, math.inf
        if not finite:  # pragma: no cover - check_sheet_structure refuses these cells first; kept as a guard
            add(f"{str(value)[:12]} is not a finite number of a usable size", row=r, column=HEADERS[5],
                fix="Type the quantity as a plain number.")
            continue
        if value < 0:
            add(f"{value} is below zero", row=r, column=HEADERS[5], fix="Type 0 or more.")
            continue
        if value > MAX_RETURNED_QUANTITY:
            shown = "a number of more than 300 digits" if value == math.inf else format(value, ",.6g")
            add(f"{shown} is far too large to be a quantity delivered in one quarter (sroi takes at most "
                f"{MAX_RETURNED_QUANTITY:,.0f}, a million million)", row=r, column=HEADERS[5],
                fix="Type the number delivered in the quarter, in the unit shown (see docs/limits.md).")
            continue
        rows.append({"period": period, "measure": measure, "quantity": float(value),
                     "evidence": "" if evidence is None else str(evidence).strip(), "row": r})
    if problems:
        raise InputError(problems)
    return pd.DataFrame(rows, columns=["period", "measure", "quantity", "evidence", "row"])
