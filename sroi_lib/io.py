"""Reading impact maps and inputs from CSV or Excel into validated tables.

Files are read cell by cell, so every problem can be reported with the row the
user sees in a spreadsheet (the header is row 1) and the column as headed in the
file. Validation itself lives in :mod:`sroi_lib.schema`.
"""

from __future__ import annotations

import csv
import io as _io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputError, Problem

__all__ = ["RawTable", "read_table", "read_impact_map", "read_inputs", "read_map_and_inputs", "SUPPORTED_EXTENSIONS"]

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


def _blank(cell) -> bool:
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

    numbered = [(i + 1, row) for i, row in enumerate(cells) if not all(_blank(c) for c in row)]
    if not numbered:
        raise InputError(Problem("the file is empty", file=label, sheet=sheet, fix="Add a header row and at least one data row."))
    # Rows keep their numbers from the top of the sheet, even below blank rows.
    _, header_cells = numbered[0]
    header = ["" if _blank(c) else str(c).strip() for c in header_cells]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    rows = []
    for number, cells_ in numbered[1:]:
        extra = [c for c in cells_[width:] if not _blank(c)]
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


def read_impact_map(path: str | Path, *, proxies=None, deflators=None) -> pd.DataFrame:
    """Read and validate an impact map (CSV or XLSX).

    Parameters
    ----------
    path : str or Path
        The file.
    proxies : mapping-like, optional
        Anything with ``in`` and ``get(proxy_id)``: the proxy library that
        ``proxy_id`` cells are checked against. Without one, every
        ``proxy_id`` is reported as unknown.
    deflators : DeflatorSeries, optional
        Series that inline ``price_year`` cells must fall inside (the shipped
        GDP deflator by default).

    Returns
    -------
    DataFrame
        One row per outcome line with the canonical columns of
        :data:`sroi_lib.schema.IMPACT_MAP_COLUMNS` and ``row``, the spreadsheet
        row it came from.

    Raises
    ------
    InputError
        Listing every problem found, each with file, row and column.
    """
    from .schema import validate_impact_map

    return validate_impact_map(read_table(path), proxies=proxies, deflators=deflators)


def read_inputs(path: str | Path) -> pd.DataFrame:
    """Read and validate an inputs table (``stakeholder, description, value[, year]``)."""
    from .schema import validate_inputs

    return validate_inputs(read_table(path))


def read_map_and_inputs(impact_map: str | Path, inputs: str | Path | None, *, proxies=None, deflators=None):
    """Read an impact map and (unless ``inputs`` is None) its inputs, reporting the problems of both together.

    Returns ``(impact_map_frame, inputs_frame_or_None)``; raises one :class:`InputError` listing every problem.
    """
    problems: list[Problem] = []
    frames = [None, None]
    jobs = [(0, lambda: read_impact_map(impact_map, proxies=proxies, deflators=deflators))]
    if inputs is not None:
        jobs.append((1, lambda: read_inputs(inputs)))
    for i, job in jobs:
        try:
            frames[i] = job()
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return frames[0], frames[1]
