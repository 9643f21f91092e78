"""Tables sroi writes: would-be formulas neutralised, and files written whole or not at all.

**Formulas.** A spreadsheet program opening a CSV file runs any cell that
starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and tab or carriage
return can hide one), so text from a supplier's file could run in a council
officer's spreadsheet. Following OWASP's advice on CSV injection
(https://owasp.org/www-community/attacks/CSV_Injection), every text cell that
starts with one of those characters is written with a leading apostrophe
(``'=1+2``), which spreadsheets show as text; a genuine number written as
text (``-12.5``, ``+3``) is left alone. :func:`safe_cell` does one cell,
:func:`safe_frame` every text column of a table. In an Excel workbook written
by sroi the same cells are stored as text with Excel's own "quote prefix"
(:func:`safe_xlsx_cell`), so the value itself is unchanged (a returns workbook
still matches its contract) but Excel never takes it for a formula.

**Writing.** :func:`write_atomically` writes to a temporary file beside the
target and moves it into place only when it is complete, so a full disk or a
killed process never leaves half a file; the target must be an ordinary file
(or not exist yet) in a folder that exists. :func:`save_workbook` saves an
openpyxl workbook so that a failed save (a full disk) closes its zip archive
at once: openpyxl's own save leaves it open, and Python then reports the
same failure a second time, with a traceback, when the archive is collected.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd

from ..errors import InputError, Problem, RunFailed

__all__ = ["FORMULA_STARTS", "safe_cell", "safe_frame", "safe_xlsx_cell", "check_output_path", "write_atomically",
           "save_workbook"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value):
    """A cell's value as it may be written to a CSV file: text that would start a formula gets a leading ``'``.

    Examples
    --------
    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell("-12.5"), safe_cell(-12.5), safe_cell("Residents")
    ('-12.5', -12.5, 'Residents')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`safe_cell` applied to every text cell (and to the column names); a copy.

    Columns of numbers are returned as they are, so their written form is unchanged.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            out[column] = values.map(safe_cell)
    out.columns = [safe_cell(c) for c in out.columns]
    return out


def safe_xlsx_cell(cell, value) -> None:
    """Put ``value`` in an openpyxl ``cell``; text that would start a formula is stored as text with a quote prefix.

    openpyxl takes any text starting ``=`` for a formula; this stores it as a
    string instead, and sets the cell style's ``quotePrefix`` (what Excel does
    when a user types ``'=...``), so editing it in Excel keeps it text.
    """
    if isinstance(value, str):
        value = _XML_ILLEGAL.sub("\ufffd", value)  # control characters cannot be stored in a workbook
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def check_output_path(path: str | Path, *, suffixes: tuple[str, ...], option: str = "-o", inputs=()) -> Path:
    """Check where a file is to be written: the right ending, an existing folder, not a folder or a device.

    ``inputs`` are the files the command reads (None for one not given): the
    output may not be one of them, so a slip such as ``--xlsx map.xlsx`` never
    replaces the impact map it was made from.

    Raises
    ------
    InputError
        Naming the option and what to give instead.
    """
    out = Path(path)
    try:
        info = out.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(Problem(f"{option} {out}: cannot be used ({exc.strerror or exc})")) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError(Problem(f"{option} {out} is a folder", fix=f"Give a file name inside it, such as "
                                 f"{out / ('output' + suffixes[0])}."))
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise InputError(Problem(f"{option} {out} is not an ordinary file (it is a device, pipe or other special file)",
                                 fix="Give the name of a file to write."))
    for given in inputs:
        if info is not None and given is not None and _same_file(out, given):
            raise InputError(Problem(f"{option} {out} is the file {given} that this command reads, so writing it "
                                     "would replace it", fix=f"Give {option} a new file name."))
    if out.suffix.lower() not in suffixes:
        raise InputError(Problem(f"the output must be a {' or '.join(suffixes)} file, not '{out.name}'",
                                 fix=f"Give {option} NAME{suffixes[0]}."))
    if not out.parent.is_dir():
        raise InputError(Problem(f"{option} {out}: the folder '{out.parent}' does not exist",
                                 fix=f"Create it first, or choose another {option}."))
    return out


def _same_file(a: Path, b) -> bool:
    """True when ``a`` and ``b`` are the same file on disk (either missing: False)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _mode_for(out: Path) -> int:
    """The permissions of ``out`` if it exists, else those a newly created file gets (0666 less the umask)."""
    try:
        return stat.S_IMODE(out.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomically(path: str | Path, write: Callable[[Path], None], *, what: str = "file") -> Path:
    """Write a file whole or not at all: ``write(temporary path)``, then move it into place.

    The temporary file sits beside ``path`` (so the move is atomic) and is
    removed on any failure. A full disk is a :class:`~sroi_lib.errors.RunFailed`
    (nothing wrong with the user's files); a folder that cannot be written to
    is an :class:`~sroi_lib.errors.InputError`.
    """
    out = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as exc:
        raise InputError(Problem(f"cannot write the {what} in '{out.parent}' ({exc.strerror or exc})",
                                 fix="Choose a folder you can write to.")) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(out))  # mkstemp makes the file private (0600); give it the mode a new file gets
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise RunFailed(f"the {what} {out} was not written: the disk is full ({exc.strerror}). "
                            "Nothing was written; free some space and try again.") from None
        raise InputError(Problem(f"cannot write the {what} {out} ({exc.strerror or exc})",
                                 fix="Choose a file you can write to.")) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


def save_workbook(workbook, path: str | Path) -> None:
    """Save an openpyxl ``workbook`` to ``path``, closing the archive even when the save fails.

    The same as ``workbook.save(path)`` (openpyxl's ``save_workbook``), except
    that on any failure the zip archive is closed before the error goes on; a
    second failure while closing it (the disk is still full) is dropped, the
    first being the one that matters. Use it as the ``write`` of
    :func:`write_atomically`.
    """
    import datetime
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    archive = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    try:
        workbook.properties.modified = datetime.datetime.now(tz=datetime.timezone.utc).replace(tzinfo=None)
        ExcelWriter(workbook, archive).save()  # closes the archive when it succeeds
    except BaseException:
        try:
            archive.close()
        except (OSError, ValueError):  # still full, or a member left half-written: the first error is reported
            pass
        raise
