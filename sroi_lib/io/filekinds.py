"""What a file really is, said accurately: text encodings, and workbooks that are not what their name says.

Two rules, shared by every reader (tables, YAML, returns workbooks):

* **Text** (:func:`decode_text`). A byte-order mark is obeyed: UTF-8 (Excel's
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
  bomb") is refused without unpacking anything.
"""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

from ..errors import InputError, Problem
from .limits import MAX_XLSX_PARTS, MAX_XLSX_UNPACKED_BYTES, megabytes

__all__ = ["decode_text", "binary_kind", "check_workbook", "NOT_UTF8", "OLE2_MAGIC", "ZIP_MAGIC"]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
NOT_UTF8 = "is not saved as UTF-8 (it looks like Windows-1252 or Latin-1 text)"
_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def binary_kind(head: bytes) -> str | None:
    """What a file that should be text really is, from its first bytes; None when it may be text.

    Examples
    --------
    >>> binary_kind(b"PK\\x03\\x04...")
    'an Excel workbook or other ZIP file'
    >>> binary_kind(b"stakeholder,outcome") is None
    True
    """
    if head.startswith(ZIP_MAGIC):
        return "an Excel workbook or other ZIP file"
    if head.startswith(OLE2_MAGIC):
        return "an old Excel .xls workbook or a password-protected workbook"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    for magic, kind in ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
                        (b"\x1f\x8b", "a gzip-compressed file"), (b"7z\xbc\xaf", "a 7-Zip archive")):
        if head.startswith(magic):
            return kind
    return None


def decode_text(data: bytes, label: str, *, what: str = "file", windows_1252: bool = False) -> str:
    """Decode a text file by the rule of this module; returns the text without its byte-order mark.

    Parameters
    ----------
    data : bytes
        The whole file.
    label : str
        The file as the user named it, for messages.
    what : str
        What the file is, for messages ("CSV file", "parameters file").
    windows_1252 : bool
        Accept Windows-1252 text without a byte-order mark (CSV files only).

    Raises
    ------
    InputError
        For binary data, undecodable bytes or a NUL character (naming its line).
    """
    text = None
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(Problem(
                    f"starts with the mark of {name} text but is damaged after byte {exc.start + len(bom):,}",
                    file=label, fix=f"Save the {what} again as UTF-8.")) from None
            break
    if text is None:
        kind = binary_kind(data[:16])
        if kind:
            raise InputError(Problem(f"is not a text {what}: it is {kind}", file=label,
                                     fix=_binary_fix(kind, what)))
        if _looks_utf16_without_mark(data):
            raise InputError(Problem("is saved as UTF-16 text without the mark that says so", file=label,
                                     fix=f"Save the {what} as UTF-8 (in Excel: 'CSV UTF-8')."))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not windows_1252:
                raise InputError(Problem(f"{NOT_UTF8}, at line {_line_of(data, exc.start)}", file=label,
                                         fix="Save it as UTF-8.")) from None
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc2:
                raise InputError(Problem(
                    f"{NOT_UTF8}, and byte {data[exc2.start]:02X} at line {_line_of(data, exc2.start)} is not a "
                    "Windows-1252 character either", file=label,
                    fix="Save it as UTF-8 (in Excel: 'CSV UTF-8').")) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise InputError(Problem(f"holds a NUL character (a zero byte) at line {line}, which no text {what} holds",
                                 file=label, fix=f"Export the {what} again from the program that made it."))
    return text


def _binary_fix(kind: str, what: str) -> str:
    if "Excel" in kind or "workbook" in kind:
        return "If it is an Excel workbook, name it .xlsx (or save it as .xlsx); otherwise export it as CSV."
    return f"Give the {what} itself, saved as text (CSV or YAML)."


def _looks_utf16_without_mark(data: bytes) -> bool:
    """Text of ASCII characters saved as UTF-16 has a zero byte in every other place."""
    sample = data[:4096]
    if len(sample) < 8:
        return False
    odd, even = sample[1::2], sample[0::2]
    return odd.count(0) > 0.8 * len(odd) or even.count(0) > 0.8 * len(even)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


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
        raise InputError(Problem(f"is not an Excel workbook: it is {_zip_kind(names, p)}", file=label, fix=resave))
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
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise InputError(Problem(
            f"would unpack to {megabytes(unpacked)}, more than the {megabytes(MAX_XLSX_UNPACKED_BYTES)} sroi "
            "unpacks for a workbook", file=label,
            fix="Check that this is the right file; a workbook of sroi's tables is far smaller (see docs/limits.md)."))


def _zip_kind(names: set[str], p: Path) -> str:
    if "content.xml" in names or "mimetype" in names:
        return "an OpenDocument file (such as a LibreOffice .ods spreadsheet)"
    if "word/document.xml" in names:
        return "a Word document"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation"
    return "a ZIP archive of other files"
