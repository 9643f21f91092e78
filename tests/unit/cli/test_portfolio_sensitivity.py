"""`sroi sensitivity FOLDER`: the portfolio's range in text and JSON, the same figures however chunked, and its
refusals (a folder without parameters files, --scheduler with one file, a scheduler that does not answer)."""

from __future__ import annotations

import json

from sroi_lib.cli import main
from tests.conftest import ROOT

PARAMS = ROOT / "parameters"


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_examples_folder_in_text_says_what_was_valued_per_kind(capsys):
    code, out, err = sroi(capsys, "sensitivity", PARAMS, "--draws", "2000")
    assert code == 0, err
    assert ("Valued: 5 contracts of 2 kinds (Illustrative evaluation, Illustrative forecast), 33 lines; 2,000 draws "
            "(seed 20261130), so 66,000 line-draws (lines × draws).") in out
    assert "Illustrative forecast: 4 contracts, 28 lines, 56,000 line-draws" in out
    assert "Illustrative evaluation: 1 contract, 5 lines, 10,000 line-draws" in out
    assert "Central: present value £534,174 ÷ inputs £172,880 = 3.09 : 1" in out


def test_the_json_is_the_same_for_any_chunk_size_but_the_chunk_size(capsys):
    code, out, err = sroi(capsys, "sensitivity", PARAMS, "--json", "--draws", "1500", "--seed", "7")
    assert code == 0, err
    code2, out2, _ = sroi(capsys, "sensitivity", PARAMS, "--json", "--draws", "1500", "--seed", "7",
                          "--chunk-size", "333")
    one, other = json.loads(out), json.loads(out2)
    assert code2 == 0 and one["chunk_size"] == 1000 and other["chunk_size"] == 333
    assert {**one, "chunk_size": 0} == {**other, "chunk_size": 0}
    assert (one["seed"], one["draws"], one["contracts"], one["line_draws"]) == (7, 1500, 5, 33 * 1500)
    for kind in one["kinds"]:
        mc = kind["monte_carlo"]
        assert mc["p5"] <= mc["p50"] <= mc["p95"] and len(kind["tornado"]) == 10


def test_a_folder_without_parameters_files_is_refused(capsys, tmp_path):
    code, out, err = sroi(capsys, "sensitivity", tmp_path)
    assert code == 2 and out == ""
    assert "holds no parameters files (*.yaml)" in err and "Traceback" not in err


def test_scheduler_with_one_contract_is_refused(capsys):
    code, _, err = sroi(capsys, "sensitivity", PARAMS / "lcc-care-at-home.yaml", "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "--scheduler is for a folder of contracts" in err


def test_a_scheduler_that_does_not_answer_is_refused_plainly(capsys):
    code, out, err = sroi(capsys, "sensitivity", PARAMS, "--scheduler", "tcp://127.0.0.1:1", "--draws", "10")
    assert code == 2 and out == ""
    assert "no Dask scheduler answered at tcp://127.0.0.1:1" in err and "Traceback" not in err
