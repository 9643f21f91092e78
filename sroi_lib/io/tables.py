"""Reading a table from CSV or Excel, cell by cell, before any checking.

Files are read cell by cell, so every problem can be reported with the row the
user sees in a spreadsheet (the header is row 1) and the column as headed in the
file. Checking the cells is :mod:`sroi_lib.io.cells`.
"""

from __future__ import annotations

import csv
import io as _io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem

__all__ = ["RawTable", "read_table", "is_blank", "SUPPORTED_EXTENSIONS"]

SUPPORTED_EXTENSIONS = (".csv", ".xlsx", ".xlsm")


@dataclass
class RawTable:
    """A table as it stands in the file, before any checking.

    Attributes
    ----------
    file : str
        The path as the user gave it.
    sheet : str or None
        The worksheet read, for Excel files.
    header : list of str
        The header cells as text (row 1).
    rows : list of (int, list)
        Each non-blank data row with its spreadsheet row number.
    """

    file: str
    sheet: str | None
    header: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)

    def where(self, **kw) -> dict:
        """Location keywords for a :class:`~sroi_lib.errors.Problem` in this table."""
        return {"file": self.file, "sheet": self.sheet, **kw}


def is_blank(cell) -> bool:
    """True for an empty cell: None, or text of nothing but spaces."""
    return cell is None or (isinstance(cell, str) and cell.strip() == "")


def read_table(path: str | Path) -> RawTable:
    """Read the first sheet of an Excel file, or a CSV file, as a :class:`RawTable`.

    Raises
    ------
    InputError
        If the file is missing, of an unsupported kind, unreadable or empty.
    """
    label = str(path)
    p = Path(path)
    if not p.exists():
        raise InputError(Problem("the file was not found", file=label, fix="Check the path and the file name."))
    if p.is_dir():
        raise InputError(Problem("is a folder, not a file", file=label, fix="Give the path of a CSV or XLSX file."))
    ext = p.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise InputError(
            Problem(
                f"files ending '{p.suffix or '(none)'}' cannot be read",
                file=label,
                fix="Save the table as CSV (.csv) or Excel (.xlsx).",
            )
        )
    try:
        if ext == ".csv":
            sheet, cells = None, _read_csv_cells(p)
        else:
            sheet, cells = _read_xlsx_cells(p, label)
    except PermissionError:
        raise InputError(Problem("cannot be opened (permission denied)", file=label)) from None

    numbered = [(i + 1, row) for i, row in enumerate(cells) if not all(is_blank(c) for c in row)]
    if not numbered:
        raise InputError(Problem("the file is empty", file=label, sheet=sheet, fix="Add a header row and at least one data row."))
    # Rows keep their numbers from the top of the sheet, even below blank rows.
    _, header_cells = numbered[0]
    header = ["" if is_blank(c) else str(c).strip() for c in header_cells]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    rows = []
    for number, cells_ in numbered[1:]:
        extra = [c for c in cells_[width:] if not is_blank(c)]
        if extra:
            raise InputError(
                Problem(
                    f"this row has {width + len(extra)} or more cells but the header has only {width} columns",
                    file=label, sheet=sheet, row=number,
                    fix="Give every column a header in row 1, or remove the stray cells.",
                )
            )
        rows.append((number, list(cells_[:width]) + [None] * (width - len(cells_))))
    return RawTable(file=label, sheet=sheet, header=header, rows=rows)


def _read_csv_cells(p: Path) -> list[list]:
    data = p.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in Windows-1252 (where £ is byte 0xA3).
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise InputError(Problem("is not a text CSV file (it holds binary data)", file=str(p),
                                 fix="Export the table as CSV or XLSX."))
    return [list(r) for r in csv.reader(_io.StringIO(text, newline=""))]


def _read_xlsx_cells(p: Path, label: str) -> tuple[str, list[list]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise InputError(
            Problem("is not a readable Excel workbook", file=label,
                    fix="Open it in Excel and save it again as .xlsx, or export it as CSV.")
        ) from None
    try:
        ws = next((w for w in wb.worksheets if getattr(w, "sheet_state", "visible") == "visible"), None)
        if ws is None:
            raise InputError(Problem("has no visible worksheet", file=label))
        cells = [list(r) for r in ws.iter_rows(values_only=True)]
        return ws.title, cells
    finally:
        wb.close()
