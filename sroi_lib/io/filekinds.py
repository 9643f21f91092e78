"""What a file really is, said accurately: text encodings, and workbooks that are not what their name says.

Two rules, shared by every reader (tables, YAML, returns workbooks):

* **Text** (:func:`sroi_lib.paths.decode_text`). A byte-order mark is obeyed: UTF-8 (Excel's
  "CSV UTF-8"), UTF-16 and UTF-32 (Excel's "Unicode Text") are read
  correctly. Without one, the bytes must be valid UTF-8; CSV files may also
  be Windows-1252 (Excel's plain "CSV" on Windows, where ``£`` is byte A3),
  provided every byte is defined in it. Anything else is refused as "not
  saved as UTF-8", never decoded with replacement characters, so no
  character (and no digit) is ever silently changed. NUL characters are
  refused, naming the line.
* **Workbooks** (:func:`check_workbook`). The first bytes say what a file is,
  whatever its name: an old Excel ``.xls`` and a password-protected workbook
  are both OLE2 compound files (``D0 CF 11 E0``), told apart by the
  ``EncryptionInfo`` stream that only an encrypted workbook holds; a ZIP that
  is not a workbook (an OpenDocument spreadsheet, a Word file), a damaged
  ZIP, a ZIP with a password or an unusual compression method, and a text
  file renamed ``.xlsx`` each get their own message. The ZIP directory is
  read before any XML is parsed, so a workbook whose parts would unpack to
  more than :data:`~sroi_lib.io.limits.MAX_XLSX_UNPACKED_BYTES` (a "zip
  bomb"), or with a part other than a worksheet larger than
  :data:`~sroi_lib.io.limits.MAX_XLSX_HELD_PART_BYTES` (openpyxl holds
  shared strings in memory whole; worksheets are streamed), is refused
  without unpacking anything.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from ..errors import InputError, Problem
from ..paths import binary_kind
from .limits import MAX_XLSX_HELD_PART_BYTES, MAX_XLSX_PARTS, MAX_XLSX_UNPACKED_BYTES, megabytes

__all__ = ["check_workbook", "OLE2_MAGIC", "ZIP_MAGIC"]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def check_workbook(path: str | Path, label: str | None = None) -> None:
    """Refuse, with an accurate message, a file named .xlsx that is not a readable Excel workbook.

    Reads only the first bytes and the ZIP directory (never the parts
    themselves). See the module's docstring for the kinds told apart.

    Raises
    ------
    InputError
        For anything but an unencrypted XLSX workbook within the limits.
    """
    p = Path(path)
    label = str(path) if label is None else label
    resave = "Open it in Excel and save it again as an Excel Workbook (.xlsx)."
    with open(p, "rb") as fh:
        head = fh.read(8)
        if head.startswith(OLE2_MAGIC):
            fh.seek(0)
            body = fh.read()
            if "EncryptionInfo".encode("utf-16-le") in body:
                raise InputError(Problem("is protected with a password, so sroi cannot read it", file=label,
                                         fix="Open it in Excel, remove the password (File > Info > Protect "
                                         "Workbook), and save it again."))
            raise InputError(Problem("is an old Excel 97-2003 workbook (.xls), which sroi does not read", file=label,
                                     fix=resave))
    if not head.startswith(ZIP_MAGIC):
        kind = binary_kind(head)
        if kind:
            raise InputError(Problem(f"is not an Excel workbook: it is {kind}", file=label, fix=resave))
        raise InputError(Problem("is not really an Excel workbook (it looks like a CSV or text file renamed .xlsx)",
                                 file=label, fix="If it is a CSV file, name it .csv; otherwise " + resave[0].lower()
                                 + resave[1:]))
    try:
        with zipfile.ZipFile(p) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InputError(Problem("is a damaged Excel workbook (its ZIP structure cannot be read)", file=label,
                                 fix=resave)) from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise InputError(Problem(f"is not an Excel workbook: it is {_zip_kind(names)}", file=label, fix=resave))
    if len(infos) > MAX_XLSX_PARTS:
        raise InputError(Problem(f"has {len(infos):,} parts inside, more than the {MAX_XLSX_PARTS:,} sroi reads",
                                 file=label, fix=resave))
    if any(i.flag_bits & 0x1 for i in infos):
        raise InputError(Problem("is a ZIP file protected with a password, not a workbook sroi can read", file=label,
                                 fix=resave))
    odd = sorted({i.compress_type for i in infos} - {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
    if odd:
        raise InputError(Problem(f"is packed with a compression method Excel does not use (method {odd[0]})",
                                 file=label, fix=resave))
    unpacked = sum(i.file_size for i in infos)
    sheets = _worksheet_parts(p, {i.filename: i.file_size for i in infos})
    held = [i for i in infos if i.filename not in sheets and i.file_size > MAX_XLSX_HELD_PART_BYTES]
    if held:
        raise InputError(Problem(
            f"holds a part ({held[0].filename}) that would unpack to {megabytes(held[0].file_size)}, more than the "
            f"{megabytes(MAX_XLSX_HELD_PART_BYTES)} sroi reads into memory for one part of a workbook", file=label,
            fix="Check that this is the right file; a workbook of sroi's tables is far smaller (see docs/limits.md)."))
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise InputError(Problem(
            f"would unpack to {megabytes(unpacked)}, more than the {megabytes(MAX_XLSX_UNPACKED_BYTES)} sroi "
            "unpacks for a workbook", file=label,
            fix="Check that this is the right file; a workbook of sroi's tables is far smaller (see docs/limits.md)."))


_RELS = "xl/_rels/workbook.xml.rels"


def _worksheet_parts(p: Path, sizes: dict[str, int]) -> set[str]:
    """The parts the workbook names as worksheets (streamed when read); empty when it names none readably."""
    if sizes.get(_RELS, MAX_XLSX_HELD_PART_BYTES + 1) > MAX_XLSX_HELD_PART_BYTES:
        return set()
    try:
        with zipfile.ZipFile(p) as archive, archive.open(_RELS) as src:
            root = ElementTree.parse(src).getroot()
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError, ValueError, NotImplementedError,
            RuntimeError, EOFError):
        return set()
    parts = set()
    for rel in root.iter():
        if rel.tag.rsplit("}", 1)[-1] == "Relationship" and (rel.get("Type") or "").endswith("/worksheet"):
            target = rel.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            parts.add(path)
    return parts


def _zip_kind(names: set[str]) -> str:
    if "content.xml" in names or "mimetype" in names:
        return "an OpenDocument file (such as a LibreOffice .ods spreadsheet)"
    if "word/document.xml" in names:
        return "a Word document"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation"
    return "a ZIP archive of other files"
