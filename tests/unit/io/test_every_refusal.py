"""The remaining refusals of the readers and writers, each reached once (issue 10, item 7)."""

import errno
import os
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from sroi_lib.control.returns import check_returns
from sroi_lib.core.valuation import value
from sroi_lib.errors import InputError
from sroi_lib.io import safe
from sroi_lib.io.filekinds import check_workbook
from sroi_lib.io.limits import check_readable_file
from sroi_lib.io.tables import read_table
from sroi_lib.paths import decode_text, read_yaml


def _workbook(path, hide=False):
    wb = Workbook()
    wb.active.append(["a", "b"])
    wb.active.append([1, 2])
    wb.save(path)
    if hide:  # openpyxl will not save a workbook without a visible sheet, so mark it in the workbook's XML
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'state="visible"', b'state="hidden"')
        with zipfile.ZipFile(path, "w") as z:
            for name, data in parts.items():
                z.writestr(name, data)
    return path


def test_a_pipe_is_not_read(tmp_path):
    fifo = tmp_path / "m.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not an ordinary file"):
        read_table(fifo)
    with pytest.raises(InputError, match="not an ordinary file"):
        read_yaml(fifo, "parameters file")


def test_an_unsupported_ending_that_is_missing_or_a_folder(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_table(tmp_path / "m.ods")
    (tmp_path / "d.ods").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        read_table(tmp_path / "d.ods")


def test_a_name_too_long_to_open_is_a_plain_problem(tmp_path):
    with pytest.raises(InputError, match="cannot be opened"):
        check_readable_file(tmp_path / ("x" * 300 + ".csv"), limit=10)
    with pytest.raises(InputError, match="cannot be read"):
        read_yaml(tmp_path / ("x" * 300 + ".yaml"), "parameters file")
    with pytest.raises(InputError, match="cannot be used"):
        safe.check_output_path(tmp_path / ("x" * 300 + ".csv"), suffixes=(".csv",))


def test_yaml_folders_and_size(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="is a folder"):
        read_yaml(tmp_path, "framework file")
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * (1_100_025 - 3) + b"\n")  # 1.05 MB: shown so, not "1.0 MB, larger than the 1 MB"
    with pytest.raises(InputError, match=r"is 1\.05 MB, larger than the 1 MB sroi reads for a deflator file"):
        read_yaml(big, "deflator file")
    big.write_bytes(b"#" * (1024 * 1024 + 1))  # one byte over: no rounding shows it, so the bytes are given
    with pytest.raises(InputError, match="is 1,048,577 bytes, larger than the 1 MB"):
        read_yaml(big, "deflator file")


@pytest.mark.parametrize("size, limit, shown", [
    (50 * 1024 * 1024, None, "50 MB"), (1_100_025, 1024 * 1024, "1.05 MB"), (1_049_576, 1024 * 1024, "1.001 MB"),
    (52_528_800, 50 * 1024 * 1024, "50.1 MB"), (60 * 1024 * 1024, 50 * 1024 * 1024, "60 MB"),
    (50 * 1024 * 1024 + 1, 50 * 1024 * 1024, "52,428,801 bytes"),
])
def test_a_size_over_a_limit_is_shown_so_that_it_differs_from_the_limit(size, limit, shown):
    from sroi_lib.paths import megabytes
    assert megabytes(size, limit) == shown


def test_a_damaged_mark_is_named():
    with pytest.raises(InputError, match="mark of UTF-16 text but is damaged"):
        decode_text(b"\xff\xfea\x00\x00\xd8", "m.csv")


@pytest.mark.parametrize("data, words", [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "PNG image"),
    (b"PK\x03\x04" + b"\0" * 40, "damaged Excel workbook"),
])
def test_workbook_kinds(tmp_path, data, words):
    path = tmp_path / "m.xlsx"
    path.write_bytes(data)
    with pytest.raises(InputError, match=words):
        check_workbook(path)


def test_a_zip_with_a_password_and_too_many_parts(tmp_path, monkeypatch):
    path = _workbook(tmp_path / "m.xlsx")
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag of every entry, in the local headers and the central directory.
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(sig, start)) >= 0:
            data[start + offset] |= 0x1
            start += 4
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(bytes(data))
    with pytest.raises(InputError, match="protected with a password"):
        check_workbook(locked)
    monkeypatch.setattr("sroi_lib.io.filekinds.MAX_XLSX_PARTS", 2)
    with pytest.raises(InputError, match="parts inside"):
        check_workbook(path)


def test_a_workbook_whose_sheets_are_all_hidden(tmp_path):
    with pytest.raises(InputError, match="no visible worksheet"):
        read_table(_workbook(tmp_path / "m.xlsx", hide=True))


def test_more_than_20_merged_ranges_are_counted(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["a", "b"])
    for r in range(2, 30):
        ws.append([1, 2])
        ws.merge_cells(f"A{r}:B{r}")
    wb.save(tmp_path / "m.xlsx")
    with pytest.raises(InputError) as err:
        read_table(tmp_path / "m.xlsx")
    assert len(err.value.problems) == 21 and "8 more ranges" in str(err.value.problems[-1])


def test_writing_where_one_may_not(tmp_path, monkeypatch):
    def refuse(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(InputError, match="cannot write the proxy library"):
        safe.write_atomically(tmp_path / "x.csv", lambda tmp: None, what="proxy library")
    monkeypatch.undo()

    def fail(tmp):
        raise PermissionError(errno.EACCES, "Permission denied")

    with pytest.raises(InputError, match="Permission denied"):
        safe.write_atomically(tmp_path / "x.csv", fail)
    assert list(tmp_path.iterdir()) == []


def _map():
    return pd.DataFrame({"row": [2], "stakeholder": ["A"], "outcome": ["B"], "quantity": [10.0], "value": [1e10],
                         "price_year": [2024], "duration": [1]})


def test_an_infinite_input_and_an_infinite_ratio_are_refused():
    inputs = pd.DataFrame({"row": [2], "stakeholder": ["C"], "description": ["Grant"], "value": [np.inf], "year": [0]})
    with pytest.raises(InputError, match="this input is too large"):
        value(_map(), inputs, price_year=2024, discounting="none")
    with pytest.raises(InputError, match="SROI ratio .* too large"):
        value(_map(), 1e-300, price_year=2024, discounting="none")


def test_a_returns_sheet_beyond_the_row_limit(tmp_path, monkeypatch):
    from sroi_lib.control.returns import HEADERS
    wb = Workbook()
    ws = wb.active
    ws.title = "Returns"
    ws.append(HEADERS)
    for _ in range(5):
        ws.append(["2025-Q1", "M1", "", "", 1, 1, ""])
    wb.save(tmp_path / "r.xlsx")
    monkeypatch.setattr("sroi_lib.control.returns.MAX_TABLE_ROWS", 3)
    with pytest.raises(InputError, match="more than the 3 sroi reads"):
        check_returns(tmp_path / "r.xlsx", pd.DataFrame({"measure": ["M1"]}), ["2025-Q1"])
