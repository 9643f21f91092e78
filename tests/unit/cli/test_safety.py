"""The command line's own defences: nothing from a file can drive the terminal, and numeric options are bounded."""

import json
import os

import pytest

from sroi_lib.cli import BOUNDS, main, printable
from sroi_lib.errors import InputError
from tests.conftest import write_report_folder

HOSTILE = "\x1b]52;c;ZXZpbA==\x07Evil\x1b[2J\x1b[31m Ltd\x1b[0m\x07\x08\r\u202egnp.exe\x9b1;1H"


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_printable_strips_escapes_and_controls_but_keeps_newlines_and_tabs():
    assert printable(HOSTILE) == "Evil Ltdgnp.exe"
    assert printable("a\tb\nc £5 – é") == "a\tb\nc £5 – é"
    assert printable("\x1b]0;unterminated title") == ""
    assert printable("x\x1bPq#0;2;0;0;0\x1b\\y") == "xy"  # a DCS (sixel) string


def test_names_from_files_reach_the_terminal_as_plain_text(capsys, tmp_path):
    results = {"contract": {"contract_id": "evil", "title": HOSTILE, "supplier": HOSTILE, "directorate": "D"},
               "present_value": 200.0, "total_inputs": 100.0, "sroi_ratio": 2.0, "npv": 100.0,
               "lines": [{"stakeholder": HOSTILE, "present_value": 200.0}], "tracking": None}
    write_report_folder(tmp_path / "evil", results)
    code, out, err = sroi(capsys, "portfolio", tmp_path)
    assert code == 0 and "Evil Ltd" in out
    assert not any(ch in out + err for ch in "\x1b\x07\x08\r\x9b\u202e")


def test_a_problem_naming_a_hostile_path_is_printed_plainly(capsys, tmp_path):
    folder = tmp_path / "r\x1b[2Jx"
    folder.mkdir()
    code, _, err = sroi(capsys, "audit", folder)
    assert code == 2 and "has no manifest.json" in err and "\x1b" not in err


def test_usage_errors_are_printed_plainly_and_exit_2(capsys):
    code, _, err = sroi(capsys, "proxies", "search", "--limit", "\x1b[2J5")
    assert code == 2 and "argument --limit" in err and "\x1b" not in err


@pytest.mark.parametrize("args, option", [
    (["batch", "x", "--workers", "0"], "--workers"),
    (["batch", "x", "--workers", "65"], "--workers"),
    (["batch", "x", "--workers", "many"], "--workers"),
    (["run", "x.yaml", "--timeout", "0"], "--timeout"),
    (["run", "x.yaml", "--timeout", "86401"], "--timeout"),
    (["audit", "x", "--timeout", "-5"], "--timeout"),
    (["dashboard", "--port", "80"], "--port"),
    (["dashboard", "--port", "65536"], "--port"),
    (["proxies", "search", "care", "--limit", "0"], "--limit"),
    (["proxies", "search", "care", "--limit", "10001"], "--limit"),
    (["proxies", "search", "care", "--limit", "1e9"], "--limit"),
])
def test_options_out_of_range_exit_2_naming_the_option(capsys, args, option):
    code, out, err = sroi(capsys, *args)
    low, high = BOUNDS[option]
    assert code == 2 and f"argument {option}" in err and f"from {low:,} to {high:,}" in err
    assert "Traceback" not in err and out == ""


def test_options_at_their_bounds_are_accepted():
    from sroi_lib.cli import bounded

    for option, (low, high) in BOUNDS.items():
        parse = bounded(option)
        assert parse(str(low)) == low and parse(f"{high:,}") == high


def test_run_batch_refuses_workers_out_of_range_in_the_library(tmp_path):
    from sroi_lib.reports.runner import run_batch

    with pytest.raises(InputError, match="--workers must be a whole number from 1 to 64, not 0"):
        run_batch(tmp_path, tmp_path / "out", workers=0)


def test_out_pointing_at_a_file_is_refused(capsys, tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.yaml").write_text("contract_id: a\n")
    target = tmp_path / "out.txt"
    target.write_text("not a folder")
    code, _, err = sroi(capsys, "batch", tmp_path / "p", "--out", target)
    assert code == 2 and "out.txt: is a file, not a folder" in err
    assert target.read_text() == "not a folder"


def test_an_output_folder_that_cannot_be_made_or_written(tmp_path, monkeypatch):
    from sroi_lib.reports.runner import output_folder

    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="the output folder cannot be created"):
        output_folder(tmp_path / "file" / "below")
    monkeypatch.setattr(os, "access", lambda *a, **k: False)  # a read-only folder (tests run as root here)
    with pytest.raises(InputError, match="cannot be written to"):
        output_folder(tmp_path / "ro")


def test_portfolio_json_and_text(capsys, tmp_path):
    for cid, pv in (("a", 300.0), ("b", 100.0)):
        write_report_folder(tmp_path / cid, {"contract": {"contract_id": cid, "title": cid.upper()},
                                             "present_value": pv, "total_inputs": 100.0, "sroi_ratio": pv / 100,
                                             "npv": pv - 100, "lines": [{"present_value": pv}], "tracking": None})
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "results.json").write_text("{}")
    code, out, err = sroi(capsys, "portfolio", tmp_path, "--json")
    data = json.loads(out)
    assert code == 0 and data["headline"]["contracts"] == 2 and data["headline"]["present_value"] == 400.0
    assert data["headline"]["sroi_ratio"] == 2.0 and [r["contract_id"] for r in data["contracts"]] == ["a", "b"]
    assert data["skipped"][0]["folder"].endswith("/c") and "no manifest.json" in data["skipped"][0]["reason"]
    code, out, err = sroi(capsys, "portfolio", tmp_path)
    assert code == 0 and "Portfolio of 2 contracts" in out and "£400" in out and "2.00 : 1" in out
    assert "Skipped 1 folder" in out and "skipped" in err and "no manifest.json" in err


def test_portfolio_of_a_folder_without_reports(capsys, tmp_path):
    code, _, err = sroi(capsys, "portfolio", tmp_path)
    assert code == 2 and "holds no complete reports" in err
    code, _, err = sroi(capsys, "portfolio", tmp_path / "nope")
    assert code == 2 and "is not a folder of reports" in err


def test_the_progress_bar_keeps_its_carriage_returns_while_names_are_filtered(tmp_path):
    """tqdm writes beneath the filter (its \\r redraws the bar); a hostile file name is still printed plainly."""
    import subprocess
    import sys

    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "\x1b[2Jevil.yaml").write_text("contract_id: evil\n")
    result = subprocess.run([sys.executable, "-m", "sroi_lib.cli", "batch", str(folder), "--workers", "1", "--out",
                             str(tmp_path / "out")], capture_output=True, timeout=120)  # bytes: keep the \r
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 2 and "evil.yaml" in out and "\x1b" not in out + err  # refused: its parameters
    assert "\rcontracts: 100%" in err and "1/1" in err
