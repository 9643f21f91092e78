"""Reading a table from CSV or Excel, cell by cell, before any checking.

Files are read cell by cell, so every problem can be reported with the row the
user sees in a spreadsheet (the header is row 1) and the column as headed in the
file. Checking the cells is :mod:`sroi_lib.io.cells`.

Nothing is read silently wrong (docs/limits.md lists the limits):

* **Limits first.** The file's size is checked before it is opened
  (:data:`~sroi_lib.io.limits.MAX_TABLE_BYTES`); rows are counted while they
  are read, so a file with more than
  :data:`~sroi_lib.io.limits.MAX_TABLE_ROWS` rows is refused as soon as
  the next row is met; no cell may hold more than
  :data:`~sroi_lib.io.limits.MAX_CELL_CHARS` characters (Excel's own
  maximum), and no row more than :data:`~sroi_lib.io.limits.MAX_TABLE_COLUMNS` cells.
* **CSV.** Encodings as :func:`sroi_lib.io.filekinds.decode_text` (UTF-8,
  with or without its mark, UTF-16 and UTF-32 with theirs, Windows-1252;
  never a replacement character). A quotation mark that is never closed is
  refused. A quoted cell may run over several lines (evidence often does),
  but one that swallows lines looking like rows of their own is refused: a
  line inside a quoted cell that holds at least as many commas as a row of
  the table needs (one fewer than its columns, and at least two) is almost
  certainly a row whose quote was left open above it, not text. A line whose
  first cell starts with ``#`` is a comment (``sroi new`` writes an example
  row that way): it is left out, with a note in :attr:`RawTable.notes`.
* **Excel.** The workbook's kind is checked first
  (:func:`sroi_lib.io.filekinds.check_workbook`). The sheet's stored size
  (its "dimension", which some programs write wrongly as ``A1``) is never
  trusted: every row present is read. The sheet's XML is read once more, on
  its own, for what the cell values do not show: a formula whose result was
  never saved (refused, naming the cell: it would read as blank), merged
  cells (refused, naming the range), and hidden rows and columns (read like
  the others, with a note in :attr:`RawTable.notes` saying how many and which).
  One sheet is read: the one named (``--sheet NAME``, or ``FILE.xlsx#NAME``
  for a path: :func:`split_sheet`; an unknown name is refused, listing the
  sheets); without a name, the first visible sheet named like the table
  (``Impact map``, ``impact-map``, ``IMPACT_MAP`` for an impact map), else the
  first visible sheet whose top rows hold the table's header (so a "Notes"
  sheet in front is passed over), else the first visible sheet. A note names
  the other sheets, hidden or not. A row numbered beyond Excel's last row (1,048,576) is refused
  before it is walked to, and so is a CSV file of more lines than that,
  blank lines included. The sheet's XML is checked before its cells are
  read: rows out of order or given twice, or a cell stored in another row
  than its reference says, are refused as damage (a reader would drop or
  move such rows without a word), and so is a number cell whose stored text
  is not a finite number (``NaN``, ``INF``, ``1e400``, 5,000 digits),
  naming the cell.
* **Title rows.** A reader that knows its columns (``header``) takes as the
  header the first of the top :data:`MAX_TITLE_ROWS` rows that holds its
  column names; rows above it (a title, a date) are skipped with a note naming
  them. Rows keep the numbers the spreadsheet shows, header included
  (:attr:`RawTable.header_row`).
"""

from __future__ import annotations

import csv
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from xml.etree import ElementTree

from ..errors import InputError, Problem, Problems
from ..paths import decode_text
from .filekinds import check_workbook
from .limits import MAX_CELL_CHARS, MAX_TABLE_BYTES, MAX_TABLE_COLUMNS, MAX_TABLE_ROWS, check_readable_file

__all__ = ["RawTable", "read_table", "is_blank", "SUPPORTED_EXTENSIONS", "SHEET_MAX_ROWS", "column_name", "SheetFacts",
           "sheet_facts", "numbered_list", "check_sheet_structure", "split_sheet", "MAX_TITLE_ROWS", "SHEET_HELP"]

SUPPORTED_EXTENSIONS = (".csv", ".xlsx", ".xlsm")
# The sheets sroi's impact map template adds after the table (the proxy list and the guide): reading the table,
# they are expected, so the note about other sheets does not name them.
TEMPLATE_SHEETS = ("Proxies", "How to fill this in")
SHEET_MAX_ROWS = 1_048_576  # Excel's last row
_OLD_EXCEL = (".xls", ".xlsb", ".ods", ".numbers")
MAX_TITLE_ROWS = 10  # the top non-blank rows searched for the header row (the rest above it are titles)
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm")
SHEET_HELP = "name it with --sheet NAME (or as FILE.xlsx#NAME in a parameters file)"


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
        The header cells as text.
    rows : list of (int, list)
        Each non-blank data row with its spreadsheet row number.
    notes : list of str
        What the user should know about how the file was read, though nothing
        in it is wrong (hidden rows and columns, read like the others; title
        rows skipped; the sheet chosen).
    header_row : int
        The header's row as the spreadsheet shows it (1 unless rows above it
        are blank or were skipped as titles).
    """

    file: str
    sheet: str | None
    header: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    header_row: int = 1

    def where(self, **kw) -> dict:
        """Location keywords for a :class:`~sroi_lib.errors.Problem` in this table."""
        return {"file": self.file, "sheet": self.sheet, **kw}


def is_blank(cell) -> bool:
    """True for an empty cell: None, or text of nothing but spaces."""
    return cell is None or (isinstance(cell, str) and cell.strip() == "")


def column_name(header: list[str] | None, pos: int) -> str:
    """How a problem names the column at 0-based ``pos``: its header, or its letter (``C``) without one."""
    if header and pos < len(header) and header[pos]:
        return header[pos]
    return _letter(pos)


def _letter(pos: int) -> str:
    letters, pos = "", pos + 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def numbered_list(numbers: list[int], most: int = 10) -> str:
    """``[3, 4, 9]`` → ``"3, 4 and 9"``; past ``most`` numbers, ``"... and 12 more"``."""
    shown = [f"{n:,}" for n in numbers[:most]]
    if len(numbers) > most:
        return f"{', '.join(shown)} and {len(numbers) - most:,} more"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def split_sheet(path: str | Path) -> tuple[str, str | None]:
    """``"map.xlsx#Impact map"`` → ``("map.xlsx", "Impact map")``: a workbook's path and the sheet named after
    its last ``#``; ``(path, None)`` when there is no such name, or when a file of that whole name exists.

    A CSV file has no sheets: ``"map.csv#x"`` gives ``("map.csv", "x")`` too, for :func:`read_table` to refuse.

    Examples
    --------
    >>> split_sheet("data/map.xlsx#Impact map")
    ('data/map.xlsx', 'Impact map')
    >>> split_sheet("data/map.xlsx")
    ('data/map.xlsx', None)
    """
    text = str(path)
    if "#" not in text:
        return text, None
    file, name = text.rsplit("#", 1)
    if Path(file).suffix.lower() not in SUPPORTED_EXTENSIONS or not name.strip():
        return text, None
    try:
        if Path(text).exists():
            return text, None
    except (OSError, ValueError):
        pass
    return file, name


def read_table(path: str | Path, *, sheet: str | None = None, header: Callable[[list], bool] | None = None,
               named: str | None = None) -> RawTable:
    """Read one sheet of an Excel file, or a CSV file, as a :class:`RawTable`.

    Parameters
    ----------
    path : str or Path
        The file; ``FILE.xlsx#NAME`` names the sheet (:func:`split_sheet`).
    sheet : str, optional
        The sheet to read (its name, forgiving case, spaces, hyphens and underscores), instead of one named in
        ``path``.
    header : callable, optional
        Whether a row's cells are the table's header: the first of the top :data:`MAX_TITLE_ROWS` rows for
        which it is true is the header, the rows above it skipped as titles (with a note). Without it, or when
        no row passes, the first non-blank row is the header. It also picks the sheet when none is named.
    named : str, optional
        What the table is called (``"impact map"``): without a sheet named, a visible sheet of that name is read.

    Raises
    ------
    InputError
        If the file is missing, of an unsupported kind, unreadable, empty,
        beyond a limit, read ambiguously, or has no sheet of the name given (see the module's docstring).
    """
    path, in_path = split_sheet(path)
    sheet = sheet if sheet is not None else in_path
    label = str(path)
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        if not p.exists():
            raise InputError(Problem("the file was not found", file=label, fix="Check the path and the file name."))
        if p.is_dir():
            raise InputError(Problem("is a folder, not a file", file=label, fix="Give the path of a CSV or XLSX file."))
        fix = ("Open it and save it as an Excel Workbook (.xlsx), or as CSV." if ext in _OLD_EXCEL
               else "Save the table as CSV (.csv) or Excel (.xlsx).")
        raise InputError(Problem(f"files ending '{p.suffix or '(none)'}' cannot be read", file=label, fix=fix))
    check_readable_file(p, limit=MAX_TABLE_BYTES, what="table", label=label)
    notes: list[str] = []
    if ext == ".csv" and sheet is not None:
        raise InputError(Problem(f"is a CSV file, which has no sheets, but the sheet '{sheet}' was asked for",
                                 file=label, fix="Leave out the sheet's name (--sheet, or #NAME after the file), "
                                 "or give the Excel workbook."))
    try:
        if ext == ".csv":
            return _collect(label, None, _csv_rows(p, label), notes, header)
        check_workbook(p, label)
        return _read_xlsx(p, label, notes, sheet, header, named)
    except PermissionError:
        raise InputError(Problem("cannot be opened (permission denied)", file=label)) from None


def _collect(label: str, sheet: str | None, rows, notes: list[str],
             is_header: Callable[[list], bool] | None = None) -> RawTable:
    """Number, bound and shape rows: ``rows`` yields ``(row number, cells)``, the header the first non-blank row,
    or the first of the top :data:`MAX_TITLE_ROWS` for which ``is_header`` is true (the rows above it skipped)."""
    numbered: list[tuple[int, list]] = []
    header_cells: list | None = None
    for number, cells in rows:
        cells = list(cells)
        if len(cells) > MAX_TABLE_COLUMNS:
            if any(not is_blank(c) for c in cells[MAX_TABLE_COLUMNS:]):
                raise InputError(Problem(
                    f"this row has cells beyond column {_letter(MAX_TABLE_COLUMNS - 1)}, more than the "
                    f"{MAX_TABLE_COLUMNS} columns sroi reads", file=label, sheet=sheet, row=number,
                    fix="Remove the cells far to the right (see docs/limits.md)."))
            cells = cells[:MAX_TABLE_COLUMNS]
        if number > SHEET_MAX_ROWS and sheet is None:  # a CSV file: every line counts, blank or not
            raise InputError(Problem(
                f"has more than {SHEET_MAX_ROWS:,} lines, blank lines included, the most sroi reads in a CSV file "
                "(and the most rows a spreadsheet has)", file=label,
                fix="Remove the blank lines (often thousands at the end of an export), or check that this is the "
                "right file (see docs/limits.md)."))
        if number > SHEET_MAX_ROWS:  # checked on blank rows too: a row number far down must not be walked to
            raise InputError(Problem(
                f"has a row numbered beyond {SHEET_MAX_ROWS:,}, the last row a spreadsheet has", file=label,
                sheet=sheet, fix="Open it in Excel and save it again, or export it as CSV."))
        if all(is_blank(c) for c in cells):
            continue
        if sheet is None and isinstance(cells[0], str) and cells[0].lstrip().startswith("#"):
            notes.append(f"{Path(label).name}: row {number} starts with '#', so it is a comment and was not read")
            continue
        if number > MAX_TABLE_ROWS + 1:
            raise InputError(Problem(
                f"has more than {MAX_TABLE_ROWS:,} rows below the header, the most sroi reads in one table",
                file=label, sheet=sheet, row=number,
                fix="Check that this is the right file, or split it (see docs/limits.md)."))
        for pos, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise InputError(Problem(
                    f"the cell holds {len(cell):,} characters, more than the {MAX_CELL_CHARS:,} a spreadsheet "
                    "cell can hold", file=label, sheet=sheet, row=number,
                    column=column_name(_header_text(header_cells), pos),
                    fix="Shorten it, or check that a quotation mark is not left open above it."))
        if header_cells is None:
            header_cells = cells
        numbered.append((number, cells))
    if not numbered:
        raise InputError(Problem("the file is empty", file=label, sheet=sheet,
                                 fix="Add a header row and at least one data row."))
    # Rows keep their numbers from the top of the sheet, even below blank rows and skipped titles.
    at = _header_at(numbered, is_header)
    if at:
        notes.append(_titles_note(label, sheet, numbered[:at], numbered[at][0]))
    header_row = numbered[at][0]
    header = _header_text(numbered[at][1])
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    out = []
    for number, cells_ in numbered[at + 1:]:
        extra = [c for c in cells_[width:] if not is_blank(c)]
        if extra:
            raise InputError(
                Problem(
                    f"this row has {width + len(extra)} or more cells but the header has only {width} columns",
                    file=label, sheet=sheet, row=number,
                    fix=f"Give every column a header in row {header_row}, or remove the stray cells.",
                )
            )
        out.append((number, list(cells_[:width]) + [None] * (width - len(cells_))))
    return RawTable(file=label, sheet=sheet, header=header, rows=out, notes=notes, header_row=header_row)


def _header_at(numbered: list[tuple[int, list]], is_header: Callable[[list], bool] | None) -> int:
    """The position in ``numbered`` of the header row: the first of the top :data:`MAX_TITLE_ROWS` that
    ``is_header`` accepts; 0 (the first non-blank row) without ``is_header`` or when none is accepted."""
    if is_header is None:
        return 0
    return next((i for i, (_, cells) in enumerate(numbered[:MAX_TITLE_ROWS]) if is_header(cells)), 0)


def _titles_note(label: str, sheet: str | None, skipped: list[tuple[int, list]], header_row: int) -> str:
    """The note saying which rows above the header were skipped, and what they held."""
    where = Path(label).name + (f", sheet '{sheet}'" if sheet else "")
    numbers = [n for n, _ in skipped]
    held = "; ".join(_shorten(" ".join(str(c).strip() for c in cells if not is_blank(c))) for _, cells in skipped[:3])
    rows = f"row {numbers[0]}" if len(numbers) == 1 else f"rows {numbered_list(numbers)}"
    return (f"{where}: {rows} above the header (row {header_row}) {'was' if len(numbers) == 1 else 'were'} skipped "
            f"as {'a title' if len(numbers) == 1 else 'titles'} ({held}{'; ...' if len(skipped) > 3 else ''}).")


def _shorten(text: str, most: int = 60) -> str:
    return f"'{text}'" if len(text) <= most else f"'{text[:most - 3]}...'"


def _header_text(cells) -> list[str]:
    return [] if cells is None else ["" if is_blank(c) else str(c).strip() for c in cells]


# -- CSV -----------------------------------------------------------------------------------


# The most commas one line may hold: every column, plus a cell's worth (a quoted cell may hold commas).
MAX_LINE_COMMAS = MAX_TABLE_COLUMNS + MAX_CELL_CHARS


_EOL = re.compile(r"\r\n|\r|\n")


def _physical_lines(text: str):
    """The lines of ``text`` with their endings, split as ``open(newline="")`` splits them (no copy of the text)."""
    pos, end = 0, len(text)
    while pos < end:
        m = _EOL.search(text, pos)
        if m is None:
            yield text[pos:]
            return
        yield text[pos:m.end()]
        pos = m.end()


class _Lines:
    """The physical lines of a text, remembering those that make up the current record.

    A line with more than :data:`MAX_LINE_COMMAS` commas is refused before
    the CSV reader splits it (50 MB of commas would be 50 million cells).
    """

    def __init__(self, text: str, label: str):
        self._lines = _physical_lines(text)
        self._label = label
        self.number = 0
        self.current: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.number += 1
        if line.count(",") > MAX_LINE_COMMAS:
            raise InputError(Problem(
                f"line {self.number:,} of the file holds {line.count(','):,} commas, far more than the "
                f"{MAX_TABLE_COLUMNS} columns sroi reads", file=self._label,
                fix="Check that this is the right file (see docs/limits.md)."))
        self.current.append(line)
        return line


def _csv_rows(p: Path, label: str):
    """Yield ``(row number, cells)`` for each record of a CSV file (see the module's docstring)."""
    text = decode_text(p.read_bytes(), label, what="CSV file", windows_1252=True)
    lines = _Lines(text, label)
    reader = csv.reader(lines)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_TABLE_BYTES + 1)  # cell length is checked by _collect, with a plain message
    try:
        width = None
        first_line = 1
        for number, record in enumerate(reader, start=1):
            raw = lines.current
            lines.current = []
            if len(raw) > 1 or '"' in raw[0]:
                _check_quotes(label, number, first_line, raw, record, width)
            first_line += len(raw)
            if any(c.strip() for c in record):  # the widest row so far: a title row above the header is narrow
                width = max(width or 0, len(record))
            yield number, record
    except csv.Error as exc:  # pragma: no cover - the reader is non-strict; kept as a guard
        raise InputError(Problem(f"cannot be read as CSV ({exc})", file=label, fix="Save it again as CSV.")) from None
    finally:
        csv.field_size_limit(old_limit)


_QUOTE_OPENS = re.compile(r'(^|,)[ \t]*"')


def _check_quotes(label: str, number: int, first_line: int, raw: list[str], record: list[str],
                  width: int | None) -> None:
    """Refuse a record whose quoted cell is never closed, or runs over lines that look like rows of their own.

    A quoted cell that is closed holds an even number of quotation marks
    (``""`` stands for one inside it); an odd number, with a quote opening a
    cell, means the reader ran to the end of the file inside the quote.
    """
    pos = next((i for i, c in enumerate(record) if "\n" in c or "\r" in c), None)
    column = None if pos is None else _letter(pos)
    joined = "".join(raw)
    if joined.count('"') % 2 == 1 and (len(raw) > 1 or _QUOTE_OPENS.search(joined)):
        if pos is None:  # the open cell ran to the end of the file: it is the last one
            column = _letter(max(len(record) - 1, 0))
        raise InputError(Problem(
            f"a quotation mark opened in this row (line {first_line:,} of the file) is never closed, so the rest of "
            f"the file ({len(raw):,} line{'s' if len(raw) > 1 else ''}) would be read into one cell", file=label, row=number,
            column=column, fix="Close the quotation mark, or remove it."))
    needed = max((width or len(record)) - 1, 2)
    for offset, line in enumerate(raw[1:], start=1):
        if line.count(",") >= needed:
            raise InputError(Problem(
                f"a quoted cell that starts in this row (line {first_line:,} of the file) runs on over line "
                f"{first_line + offset:,}, which looks like a row of its own ({line.count(',')} commas); "
                "a quotation mark is probably left open", file=label, row=number, column=column,
                fix="Close the quotation mark where the cell ends. If the line really belongs in the cell, "
                "write it without commas."))


# -- Excel -----------------------------------------------------------------------------------


@dataclass
class SheetFacts:
    """What a worksheet's XML says beyond its cell values.

    Attributes
    ----------
    hidden_rows : list of int
        Rows marked hidden.
    hidden_columns : list of str
        Column letters marked hidden.
    merged : list of str
        Merged ranges, e.g. ``"A5:C5"``.
    uncached_formulas : list of (str, int, int, str)
        Each formula cell without a saved result: its reference (``"B5"``),
        row, 0-based column and the formula.
    bad_numbers : list of (str, int, int, str)
        Each number cell whose stored text is not a finite number (``NaN``,
        ``INF``, ``1e400``, thousands of digits): reference, row, 0-based
        column and what it holds (cut short).
    disorder : list of str
        What is out of order in the sheet's XML: a row numbered at or above the
        one after it (rows out of order or repeated), or a cell whose reference
        names another row. Excel never writes either; a reader would silently
        drop or move such rows.
    """

    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    uncached_formulas: list[tuple[str, int, int, str]] = field(default_factory=list)
    bad_numbers: list[tuple[str, int, int, str]] = field(default_factory=list)
    disorder: list[str] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _true(value: str | None) -> bool:
    return value in ("1", "true", "True")


def _split_ref(ref: str) -> tuple[int, int]:
    """``"B5"`` → ``(5, 1)``: the row and the 0-based column."""
    letters = "".join(ch for ch in ref if ch.isalpha()).upper()
    digits = "".join(ch for ch in ref if ch.isdigit())
    col = 0
    for ch in letters:
        col = col * 26 + (ord(ch) - 64)
    return (int(digits) if digits else 0), col - 1


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _row_number(given: str | None, previous: int) -> int:
    """A ``<row r="...">`` number; a row without one follows the previous row (the file format's rule)."""
    if given is None:
        return previous + 1
    given = given.strip()
    if not given.isdigit() or len(given) > 18:
        return SHEET_MAX_ROWS + 1  # not a row number a spreadsheet has: refused when the rows are read
    return int(given)


def _finite_number(text: str) -> bool:
    """True when a number cell's stored text reads as a finite number (at most 400 characters)."""
    if len(text) > 400:
        return False
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def sheet_facts(source) -> SheetFacts:
    """Read a worksheet's XML (a file object) for hidden rows and columns, merged cells and unsaved formulas.

    Streams the XML, keeping nothing but the facts found.
    """
    facts = SheetFacts()
    row_number = highest = 0
    row_text = "0"
    misplaced_in = None  # the row whose misplaced cell was already recorded
    for event, elem in ElementTree.iterparse(source, events=("start", "end")):
        tag = _local(elem.tag)
        if event == "start":
            if tag == "row":
                row_number = _row_number(elem.get("r"), row_number)
                row_text = str(row_number)
                if row_number <= highest and len(facts.disorder) < _MOST:
                    facts.disorder.append(f"row {row_number:,} comes after row {highest:,}" if row_number < highest
                                          else f"row {row_number:,} is given twice")
                highest = max(highest, row_number)
                if _true(elem.get("hidden")):
                    facts.hidden_rows.append(row_number)
            continue
        if tag == "c":
            formula = value = None
            ref = elem.get("r") or ""
            for child in elem:
                name = _local(child.tag)
                if name == "f":
                    formula = child.text or ""
                elif name == "is" or (name == "v" and (child.text or elem.get("t") in ("str", "inlineStr"))):
                    value = child  # a saved result (a formula's empty text result counts)
            if (ref and ref.lstrip(_LETTERS).lstrip("0") != row_text and misplaced_in != row_number
                    and row_number <= SHEET_MAX_ROWS and len(facts.disorder) < _MOST):
                facts.disorder.append(f"cell {ref[:20]} is stored in row {row_number:,}")
                misplaced_in = row_number
            if formula is not None and value is None:
                row, col = _split_ref(ref) if ref else (row_number, 0)
                facts.uncached_formulas.append((ref, row, col, formula))
            elif value is not None and elem.get("t") in (None, "n") and _local(value.tag) == "v":
                text = (value.text or "").strip()
                if not _finite_number(text) and len(facts.bad_numbers) < _MOST:
                    row, col = _split_ref(ref) if ref else (row_number, 0)
                    digits = len(text.lstrip("+-")) if text.lstrip("+-").isdigit() else 0
                    facts.bad_numbers.append((ref or f"in row {row_number:,}", row, col,
                                              f"{digits} digits" if digits else text[:20]))
            elem.clear()
        elif tag == "row":
            elem.clear()
        elif tag == "col" and _true(elem.get("hidden")):
            lo, hi = int(elem.get("min") or 1), int(elem.get("max") or 1)
            if hi - lo < MAX_TABLE_COLUMNS:
                facts.hidden_columns.extend(_letter(c - 1) for c in range(lo, hi + 1))
            else:
                facts.hidden_columns.append(f"{_letter(lo - 1)} to {_letter(hi - 1)}")
        elif tag == "mergeCell" and elem.get("ref"):
            facts.merged.append(elem.get("ref"))
    return facts


def _squashed(name: str) -> str:
    """A sheet's name for matching: lower case, without spaces, hyphens or underscores."""
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def _has_header(ws, is_header: Callable[[list], bool]) -> bool:
    """Whether one of the sheet's top :data:`MAX_TITLE_ROWS` non-blank rows is the table's header (False when
    the sheet cannot be read: it is then not chosen)."""
    try:
        ws.reset_dimensions()  # never trust the stored size (a wrong "A1" would read one cell)
        seen = 0
        for cells in ws.iter_rows(max_row=MAX_TITLE_ROWS * 10, values_only=True):
            if all(is_blank(c) for c in cells):
                continue
            if is_header(list(cells)):
                return True
            seen += 1
            if seen >= MAX_TITLE_ROWS:
                break
    except Exception:  # noqa: BLE001 - a damaged sheet is simply not the one with the table
        return False
    return False


def _choose_sheet(wb, label: str, sheet: str | None, is_header, named: str | None):
    """The worksheet to read and why it was chosen (for the note; "" when it is the first visible sheet or was
    named by the user). See the module's docstring."""
    visible = [w for w in wb.worksheets if getattr(w, "sheet_state", "visible") == "visible"]
    if sheet is not None:
        exact = [w for w in wb.worksheets if w.title == sheet] or [
            w for w in wb.worksheets if _squashed(w.title) == _squashed(sheet)]
        if not exact:
            names = ", ".join(f"'{w.title}'" + ("" if w in visible else " (hidden)") for w in wb.worksheets[:30])
            raise InputError(Problem(f"has no sheet named '{sheet}'; its sheets are {names}"
                                     + (f" and {len(wb.worksheets) - 30} more" if len(wb.worksheets) > 30 else ""),
                                     file=label, fix="Give one of those names (with --sheet, or as FILE.xlsx#NAME)."))
        return exact[0], ""
    if not visible:
        return None, ""
    if named:
        like = next((w for w in visible if _squashed(w.title) == _squashed(named)), None)
        if like is not None:
            return like, "" if like is visible[0] else f" (its name says it holds the {named})"
    if is_header is not None and len(visible) > 1 and not _has_header(visible[0], is_header):
        holder = next((w for w in visible[1:] if _has_header(w, is_header)), None)
        if holder is not None:
            what = named or "table"
            return holder, f" (the first sheet, '{visible[0].title}', has no {what} header in its top rows)"
    return visible[0], ""


def _read_xlsx(p: Path, label: str, notes: list[str], sheet_name: str | None = None,
               is_header: Callable[[list], bool] | None = None, named: str | None = None) -> RawTable:
    from openpyxl import load_workbook

    resave = "Open it in Excel and save it again as .xlsx, or export it as CSV."
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except InputError:
        raise
    except Exception as exc:  # a damaged part of an untrusted workbook: any parser error means the same
        raise InputError(Problem(f"is a damaged Excel workbook ({_damage(exc)})", file=label, fix=resave)) from None
    try:
        if not wb.worksheets:
            raise InputError(Problem("is a damaged Excel workbook (it holds no worksheet, or its worksheet part "
                                     "is missing)", file=label, fix=resave))
        ws, why = _choose_sheet(wb, label, sheet_name, is_header, named)
        if ws is None:
            raise InputError(Problem("has no visible worksheet", file=label,
                                     fix=f"Unhide the sheet with the table, or {SHEET_HELP}."))
        sheet = ws.title
        others = [w.title for w in wb.worksheets if w is not ws and w.title not in TEMPLATE_SHEETS]
        if others and sheet_name is None:
            hidden = [w.title for w in wb.worksheets if getattr(w, "sheet_state", "visible") != "visible"]
            notes.append(f"{p.name}: only sheet '{sheet}' was read{why}; the workbook also has "
                         + ", ".join(f"'{t}'" + (" (hidden)" if t in hidden else "") for t in others[:10])
                         + (f" and {len(others) - 10} more" if len(others) > 10 else "")
                         + f". If the table is in another sheet, {SHEET_HELP}.")
        part = getattr(ws, "_worksheet_path", None)
        try:
            facts = SheetFacts()
            if part:
                with zipfile.ZipFile(p) as archive, archive.open(part) as src:
                    facts = sheet_facts(src)
            _check_structure(label, sheet, facts, _first_row(ws) if facts.bad_numbers else [])
            ws.reset_dimensions()  # never trust the stored size (a wrong "A1" would read one row)
            table = _collect(label, sheet, ((i, row) for i, row in enumerate(ws.iter_rows(values_only=True),
                                                                                 start=1)), notes, is_header)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(Problem(f"is a damaged Excel workbook ({_damage(exc)})", file=label, sheet=sheet,
                                     fix=resave)) from None
    finally:
        wb.close()
    _check_facts(table, facts)
    return table


def _damage(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    kind = type(exc).__name__
    if isinstance(exc, KeyError):
        return f"a part it refers to is missing: {text}"
    if kind in ("ParseError", "XMLSyntaxError", "ExpatError"):
        return f"a part of it is not well-formed XML: {text}"
    return f"{text[:200]}" if text else "a part of it cannot be read"


_MOST = 20  # problems of one kind listed one by one; the rest are counted


def check_sheet_structure(path: str | Path, label: str | None = None) -> None:
    """Refuse a workbook any of whose sheets has rows out of order or number cells that are not finite numbers.

    The checks :func:`read_table` makes on the sheet it reads, made on every
    sheet: for a reader that loads the whole workbook (the supplier returns),
    so a ``NaN`` stored in a cell is named (sheet, cell) instead of being
    reported as damage in Python's words. Call it after
    :func:`~sroi_lib.io.filekinds.check_workbook`; parts that cannot be read
    are left to the caller's own message.

    Raises
    ------
    InputError
        Naming the sheet, row and cell of each problem.
    """
    from openpyxl import load_workbook

    label = str(path) if label is None else label
    try:
        wb = load_workbook(path, read_only=True)
    except Exception:  # a damaged workbook: the caller reports it
        return
    found = Problems()
    try:
        for ws in wb.worksheets:
            part = getattr(ws, "_worksheet_path", None)
            if not part:
                continue
            try:
                with zipfile.ZipFile(path) as archive, archive.open(part.lstrip("/")) as src:
                    facts = sheet_facts(src)
            except Exception:  # noqa: S112 - a part that cannot be read is the caller's "damaged" message
                continue
            try:
                _check_structure(label, ws.title, facts, _first_row(ws) if facts.bad_numbers else [])
            except InputError as exc:
                found.extend(exc.problems)
    finally:
        wb.close()
    found.raise_if_any()


def _first_row(ws) -> list[str]:
    """The header row's text, to name columns; empty when even it cannot be read."""
    try:
        return _header_text(next(ws.iter_rows(min_row=1, max_row=1, values_only=True), None))
    except Exception:  # the row itself is damaged: columns are then named by letter
        return []


def _check_structure(label: str, sheet: str, facts: SheetFacts, header: list[str] | None = None) -> None:
    """Refuse, before the cells are read, a sheet whose rows are out of order or whose number cells are not numbers."""
    found = Problems()
    if facts.disorder:
        found.add(f"is a damaged Excel workbook: its rows are out of order or repeated ({'; '.join(facts.disorder[:5])}"
                  f"{'; ...' if len(facts.disorder) > 5 else ''}), so rows would be dropped or moved without a word",
                  file=label, sheet=sheet, fix="Open it in Excel and save it again as .xlsx, or export it as CSV.")
    header = header or []
    for ref, row, col, text in facts.bad_numbers:
        if text.endswith(" digits") and text[:-7].isdigit():
            what = f"a whole number of {int(text[:-7]):,} digits, far too large for any figure"
        else:
            shown = text if len(text) < 20 else text[:17] + "..."
            what = f"'{shown}', which is not a finite number (not a number at all, or too large for any figure)"
        found.add(f"cell {ref} holds {what}", file=label, sheet=sheet, row=row or None,
                  column=column_name(header, col) if col >= 0 else None,
                  fix="Type the number itself in the cell, or clear it.")
    found.raise_if_any()


def _check_facts(table: RawTable, facts: SheetFacts) -> None:
    found = Problems()
    where = lambda **kw: table.where(**kw)  # noqa: E731
    for ref, row, col, formula in facts.uncached_formulas[:_MOST]:
        found.add(f"cell {ref} holds a formula (={formula}) whose result was never saved, so it would read as blank",
                  **where(row=row, column=column_name(table.header, col)),
                  fix="Save the workbook in Excel first (so the result is stored), or type the value itself.")
    if len(facts.uncached_formulas) > _MOST:
        found.add(f"{len(facts.uncached_formulas) - _MOST:,} more formulas have no saved result", **where(),
                  fix="Save the workbook in Excel first (so the results are stored).")
    for ref in facts.merged[:_MOST]:
        row, _ = _split_ref(ref.split(":")[0])
        found.add(f"cells {ref} are merged, so it is not clear which row or column their value belongs to",
                  **where(row=row), fix="Unmerge them (Home > Merge & Center) and give each cell its own value.")
    if len(facts.merged) > _MOST:
        found.add(f"{len(facts.merged) - _MOST:,} more ranges of cells are merged", **where(),
                  fix="Unmerge every merged range.")
    found.raise_if_any()
    data_rows = {n for n, _ in table.rows} | {table.header_row}
    hidden = [r for r in facts.hidden_rows if r in data_rows]
    if hidden:
        table.notes.append(f"{Path(table.file).name}, sheet '{table.sheet}': {len(hidden):,} hidden "
                           f"row{'s' if len(hidden) > 1 else ''} ({numbered_list(hidden)}) "
                           f"{'were' if len(hidden) > 1 else 'was'} read like the others; unhide "
                           f"{'them' if len(hidden) > 1 else 'it'} to check what is counted.")
    cols = [c for c in facts.hidden_columns]
    if cols:
        table.notes.append(f"{Path(table.file).name}, sheet '{table.sheet}': hidden column"
                           f"{'s' if len(cols) > 1 else ''} {', '.join(cols[:10])}{' ...' if len(cols) > 10 else ''} "
                           f"{'were' if len(cols) > 1 else 'was'} read like the others; unhide "
                           f"{'them' if len(cols) > 1 else 'it'} to check what is counted.")
