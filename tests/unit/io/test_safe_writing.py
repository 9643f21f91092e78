"""Written tables: would-be formulas neutralised (OWASP CSV injection), files written whole or not at all."""

import errno

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from sroi_lib.errors import InputError, RunFailed
from sroi_lib.io.safe import check_output_path, safe_cell, safe_frame, safe_xlsx_cell, write_atomically


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1)", "-2+3", "@SUM(1)", "\t=1", "\r=1", "=HYPERLINK(\"x\")"])
def test_would_be_formulas_get_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-12.5", "+3", "-1e5", -12.5, "Residents", "", None, "'=already"])
def test_numbers_and_plain_text_are_unchanged(value):
    assert safe_cell(value) == value


def test_safe_frame_leaves_numbers_alone_and_is_deterministic():
    frame = pd.DataFrame({"name": ["=cmd", "ok"], "value": [-1.5, 2.0]})
    out = safe_frame(frame)
    assert out["name"].tolist() == ["'=cmd", "ok"] and out["value"].tolist() == [-1.5, 2.0]
    assert frame["name"].tolist() == ["=cmd", "ok"]  # a copy
    assert safe_frame(frame).to_csv(index=False) == out.to_csv(index=False)


def test_an_xlsx_cell_keeps_its_value_as_text(tmp_path):
    wb = Workbook()
    safe_xlsx_cell(wb.active["A1"], "=1+2")
    wb.save(tmp_path / "t.xlsx")
    cell = load_workbook(tmp_path / "t.xlsx").active["A1"]
    assert cell.value == "=1+2" and cell.data_type == "s" and cell.quotePrefix


@pytest.mark.parametrize("target, words", [("folder", "is a folder"), ("missing/x.csv", "does not exist"),
                                           ("x.txt", "must be a .csv")])
def test_bad_output_paths_are_refused(tmp_path, target, words):
    (tmp_path / "folder").mkdir()
    with pytest.raises(InputError, match=words):
        check_output_path(tmp_path / target, suffixes=(".csv",))


def test_a_device_is_refused():
    with pytest.raises(InputError, match="not an ordinary file"):
        check_output_path("/dev/null", suffixes=(".csv",))


def test_a_full_disk_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")

    def write(tmp):
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(RunFailed, match="disk is full"):
        write_atomically(target, write)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_written_file_gets_the_usual_permissions_not_the_temporary_files(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        out = write_atomically(tmp_path / "new.csv", lambda tmp: tmp.write_text("a\n"))
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        out.chmod(0o640)
        write_atomically(out, lambda tmp: tmp.write_text("b\n"))
        assert stat.S_IMODE(out.stat().st_mode) == 0o640 and out.read_text() == "b\n"
    finally:
        os.umask(mask)
