"""`sroi sensitivity`: every example contract end to end, the JSON's keys, the seed and draws recorded, the same
seed giving the same bytes however the draws are chunked, and options out of range refused."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sroi_lib.cli import BOUNDS, main
from sroi_lib.core.uncertainty import MAX_DRAWS
from sroi_lib.reports.params import parameters_files
from sroi_lib.reports.uncertainty import MAX_CHUNK, MAX_SEED
from tests.conftest import EXAMPLES, ROOT

PARAMS = parameters_files(ROOT / "parameters")


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def without_chunk(d: dict) -> dict:
    return {**d, "monte_carlo": {k: v for k, v in d["monte_carlo"].items() if k != "chunk_size"}}


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: p.stem)
def test_json_for_every_example_contract(capsys, params):
    code, out, err = sroi(capsys, "sensitivity", params, "--json")
    assert code == 0, err
    d = json.loads(out)
    assert {"tipping_points", "tornado", "monte_carlo", "scenarios", "sentence", "sensitivity", "target"} <= set(d)
    mc = d["monte_carlo"]
    assert {"p5", "p50", "p95", "mean", "prob_below_1", "seed", "draws", "histogram"} <= set(mc)
    assert (mc["seed"], mc["draws"]) == (20261130, 10_000)  # as the parameters give them
    assert mc["p5"] <= mc["p50"] <= mc["p95"] and sum(mc["histogram"]["counts"]) == 10_000
    assert len(d["tornado"]) == 10 and d["scenarios"][0]["scenario"] == "central"
    assert "Green Book lower rates" in [s["scenario"] for s in d["scenarios"]]
    assert d["sentence"].startswith(f"The ratio of {d['base_ratio']:,.2f} : 1 stays above 1")


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: p.stem)
def test_the_same_seed_gives_the_same_bytes_however_chunked(capsys, params):
    args = ["sensitivity", params, "--json", "--draws", "3000", "--seed", "7"]
    _, first, _ = sroi(capsys, *args)
    _, again, _ = sroi(capsys, *args)
    assert first == again
    _, chunked, _ = sroi(capsys, *args, "--chunk-size", "7")
    a, b = json.loads(first), json.loads(chunked)
    assert (a["monte_carlo"]["seed"], a["monte_carlo"]["draws"], b["monte_carlo"]["chunk_size"]) == (7, 3000, 7)
    assert without_chunk(a) == without_chunk(b)  # memory changes, never the numbers
    _, other, _ = sroi(capsys, "sensitivity", params, "--json", "--draws", "3000", "--seed", "8")
    assert json.loads(other)["monte_carlo"]["p50"] != a["monte_carlo"]["p50"]  # the seed is what makes them


def test_options_override_the_parameters(capsys):
    params = ROOT / "parameters" / "lcc-school-catering.yaml"
    _, out, _ = sroi(capsys, "sensitivity", params, "--json", "--draws", "1,000", "--target", "1.8")
    d = json.loads(out)
    assert d["target"] == 1.8 and d["monte_carlo"]["draws"] == 1000 and d["monte_carlo"]["target"] == 1.8
    assert d["sentence"].startswith("The ratio of 1.93 : 1 stays above 1.8 unless")
    inputs = next(t for t in d["tipping_points"] if t["assumption"] == "inputs")
    assert inputs["tipping"] == pytest.approx(d["base_ratio"] * 200_000 / 1.8)


def test_text_output_in_plain_words(capsys):
    code, out, err = sroi(capsys, "sensitivity", ROOT / "parameters" / "lcc-housing-retrofit.yaml")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "Sensitivity of Housing retrofit programme (" + str(ROOT / "parameters" /
                                                                         "lcc-housing-retrofit.yaml") + ")"
    assert lines[2].startswith("The ratio of 1.78 : 1 stays above 1 unless")  # the sentence first
    order = [next(i for i, line in enumerate(lines) if line.startswith(h)) for h in
             ("What moves the ratio most", "Tipping points", "Monte Carlo range", "Scenarios")]
    assert order == sorted(order)
    assert "£900,000" in out and "other assumptions never bring the ratio to 1" in out
    assert "10,000 draws" in out and "seed 20261130" in out and "optimism bias" in out and "£1,116,000" in out


def test_a_contract_without_distributions_says_so(capsys, tmp_path):
    text = (ROOT / "parameters" / "lcc-school-catering.yaml").read_text(encoding="utf-8")
    text = text[:text.index("# Uncertainty")].replace("../data/examples/", f"{EXAMPLES}/")
    (tmp_path / "plain.yaml").write_text(text, encoding="utf-8")
    code, out, err = sroi(capsys, "sensitivity", tmp_path / "plain.yaml", "--json", "--draws", "50")
    assert code == 0 and json.loads(out)["monte_carlo"] is None
    assert "the parameters give no distributions" in err
    code, out, _ = sroi(capsys, "sensitivity", tmp_path / "plain.yaml")
    assert code == 0 and "Monte Carlo range: not run" in out


@pytest.mark.parametrize("args, option", [
    (["--draws", "0"], "--draws"),
    (["--draws", str(MAX_DRAWS + 1)], "--draws"),
    (["--draws", "many"], "--draws"),
    (["--seed", "-1"], "--seed"),
    (["--seed", str(MAX_SEED + 1)], "--seed"),
    (["--chunk-size", "0"], "--chunk-size"),
    (["--chunk-size", str(MAX_CHUNK + 1)], "--chunk-size"),
])
def test_options_out_of_range_exit_2_naming_the_option(capsys, args, option):
    code, out, err = sroi(capsys, "sensitivity", ROOT / "parameters" / "lcc-care-at-home.yaml", *args)
    low, high = BOUNDS[option]
    assert code == 2 and f"argument {option}" in err and f"from {low:,} to {high:,}" in err
    assert out == "" and "Traceback" not in err


@pytest.mark.parametrize("value, words", [("0", "out of range"), ("nan", "out of range"), ("-1", "out of range"),
                                          ("1001", "at most 1,000"), ("high", "is not a number")])
def test_a_target_out_of_range_is_refused(capsys, value, words):
    code, out, err = sroi(capsys, "sensitivity", ROOT / "parameters" / "lcc-care-at-home.yaml", "--target", value)
    assert code == 2 and "argument --target" in err and words in err and out == ""


def test_bad_parameters_exit_2_with_the_parameter_named(capsys, tmp_path):
    text = (ROOT / "parameters" / "lcc-care-at-home.yaml").read_text(encoding="utf-8")
    text = text.replace("../data/examples/", f"{EXAMPLES}/").replace("draws: 10000", "draws: 0")
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    code, out, err = sroi(capsys, "sensitivity", tmp_path / "bad.yaml", "--json")
    assert code == 2 and out == ""
    assert "bad.yaml, line" in err and "key 'uncertainty → monte_carlo → draws': 0 is not a whole number" in err


def test_sroi_value_json_has_tipping_points_without_heavy_imports(worked_map):
    probe = ("import io, json, sys, contextlib; from sroi_lib.cli import main; buf = io.StringIO()\n"
             "with contextlib.redirect_stdout(buf):\n"
             f"    code = main(['value', {str(worked_map)!r}, '--investment', '100000', '--json'])\n"
             "tips = json.loads(buf.getvalue())['tipping_points']\n"
             "heavy = sorted(m for m in ('scipy', 'matplotlib', 'papermill') if m in sys.modules)\n"
             "print(json.dumps([code, heavy, [t['assumption'] for t in tips]]))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    code, heavy, assumptions = json.loads(done.stdout)
    assert code == 0 and heavy == []  # no Monte Carlo on this path, so scipy is not even imported
    assert assumptions == ["quantity", "value", "deadweight", "displacement", "attribution", "drop_off", "duration",
                           "start_year", "inputs", "discount_rate"]


@pytest.mark.parametrize("kind, imported", [("triangular", False), ("pert", True)])
def test_scipy_is_imported_only_when_a_distribution_needs_it(tmp_path, kind, imported):
    """Triangular, uniform and fixed draws are worked out with NumPy alone; PERT needs scipy's inverse beta."""
    text = (ROOT / "parameters" / "lcc-care-at-home.yaml").read_text(encoding="utf-8")
    text = text[:text.index("# Uncertainty")].replace("../data/examples/", f"{EXAMPLES}/")
    text += ("uncertainty:\n  monte_carlo:\n    draws: 500\n    distributions:\n      - row: 4\n"
             f"        quantity: {{distribution: {kind}, low: 110, mode: 150, high: 165}}\n")
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    probe = ("import io, json, sys, contextlib; from sroi_lib.cli import main; buf = io.StringIO()\n"
             "with contextlib.redirect_stdout(buf):\n"
             f"    code = main(['sensitivity', {str(tmp_path / 'p.yaml')!r}, '--json'])\n"
             "print(json.dumps([code, 'scipy' in sys.modules, json.loads(buf.getvalue())['monte_carlo']['draws']]))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert json.loads(done.stdout) == [0, imported, 500], done.stderr


def test_json_is_printed_in_batches_with_the_same_bytes(capsys):
    """print_json writes a large result a batch at a time, never as one string, and gives print(json.dumps(...))'s
    bytes exactly; a value that JSON cannot hold (NaN) is refused as json.dumps refuses it."""
    from sroi_lib.cli import print_json

    value = {"a": [1.5, None, "£ café"], "b": {"c": list(range(50)), "d": True}, "e": [{"f": 1e-9}] * 40}
    for batch in (1, 7, 8192):
        print_json(value, batch=batch)
        assert capsys.readouterr().out == json.dumps(value, indent=2, allow_nan=False) + "\n"
    with pytest.raises(ValueError):
        print_json({"x": float("nan")})
