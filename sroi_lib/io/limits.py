"""The documented limits on what sroi reads, checked before anything large is allocated.

Each limit is far above any real council file and low enough that a file at
the limit is read in bounded time and memory (docs/limits.md gives the reason
for each, and benchmarks/README.md the figures measured at the limit):

=============================  ==================  =============================================
limit                          value               why
=============================  ==================  =============================================
table file size                50 MB               checked from the file system before reading
table rows                     100,000 below the   counted while streaming, so a longer file is
                               header              refused without reading it all
table columns                  256                 Excel 2003's own width; sroi's widest table
                                                   has 17 columns
cell length                    32,767 characters   Excel's own maximum for a cell
workbook (XLSX) unpacked size  128 MB              read from the zip directory, before any XML
                                                   is parsed (a "zip bomb" is refused)
workbook part other than a     32 MB               shared strings, styles and the like are held
worksheet                                          in memory whole (worksheets are streamed)
YAML file size                 1 MB                parameters, deflators, schedules, frameworks
YAML nesting                   50 levels           deeper nesting is refused before parsing
                                                   (it would exhaust Python's stack)
YAML size with aliases         100,000 nodes       aliases expanded (an "alias bomb" is refused)
duration                       300 years           the Green Book discount table's bands run to
                                                   year 300 (then 1% a year, open-ended)
start year                     300                 as duration
returned quantity (supplier    1,000,000,000,000   a million million units in one quarter: far
returns workbook)                                  above any contract, far below figures that
                                                   overflow when valued (1e308 did)
line-years in one map          1,000,000           Σ duration over the lines: the per-year table
                                                   holds one row per line-year (about 110 bytes
                                                   each when built, for --json and reports)
=============================  ==================  =============================================

The contract-period limit (at most 100 years, 400 quarters) is checked where
periods are built (:mod:`sroi_lib.control.periods`).
"""

from __future__ import annotations

import stat
from pathlib import Path

from ..errors import InputError, Problem
from ..paths import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES, megabytes  # paths is the layer below

__all__ = [
    "MAX_TABLE_BYTES",
    "MAX_TABLE_ROWS",
    "MAX_TABLE_COLUMNS",
    "MAX_CELL_CHARS",
    "MAX_XLSX_UNPACKED_BYTES",
    "MAX_XLSX_PARTS",
    "MAX_XLSX_HELD_PART_BYTES",
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "MAX_DURATION_YEARS",
    "MAX_START_YEAR",
    "MAX_LINE_YEARS",
    "MAX_RETURNED_QUANTITY",
    "check_readable_file",
    "megabytes",
]

MAX_TABLE_BYTES = 50 * 1024 * 1024
MAX_TABLE_ROWS = 100_000
MAX_TABLE_COLUMNS = 256
MAX_CELL_CHARS = 32_767
MAX_XLSX_UNPACKED_BYTES = 128 * 1024 * 1024
MAX_XLSX_HELD_PART_BYTES = 32 * 1024 * 1024
MAX_XLSX_PARTS = 10_000
MAX_DURATION_YEARS = 300
MAX_START_YEAR = 300
MAX_LINE_YEARS = 1_000_000
MAX_RETURNED_QUANTITY = 1e12


def check_readable_file(path: str | Path, *, limit: int, what: str = "file", label: str | None = None) -> int:
    """Check that ``path`` is an ordinary file of at most ``limit`` bytes; returns its size.

    Only the file system is asked (``stat``): nothing is read, so a file of
    any size is refused at no cost.

    Raises
    ------
    InputError
        When the file is missing, a folder, not an ordinary file (a device
        such as ``/dev/zero``, a pipe) or larger than ``limit``.
    """
    label = str(path) if label is None else label
    p = Path(path)
    try:
        info = p.stat()
    except FileNotFoundError:
        raise InputError(Problem("the file was not found", file=label, fix="Check the path and the file name.")) from None
    except PermissionError:
        raise InputError(Problem("the file cannot be opened (permission denied)", file=label,
                                 fix="Check that you are allowed to read it.")) from None
    except OSError as exc:
        raise InputError(Problem(f"the {what} cannot be opened ({exc.strerror or exc})", file=label)) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(Problem("is a folder, not a file", file=label, fix=f"Give the path of the {what} itself."))
    if not stat.S_ISREG(info.st_mode):
        raise InputError(Problem("is not an ordinary file (it is a device, pipe or other special file)", file=label,
                                 fix=f"Give the path of the {what} itself."))
    if info.st_size > limit:
        raise InputError(Problem(
            f"is {megabytes(info.st_size, limit)}, larger than the {megabytes(limit)} sroi reads for a {what}",
            file=label, fix=f"Check that this is the right file; a {what} is normally far smaller "
            "(see docs/limits.md)."))
    return info.st_size
