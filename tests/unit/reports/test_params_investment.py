"""The investment a valuation divides by, given as ``--investment``: every amount that is not a finite
number of pounds of 0 or more is refused with exit 2 and the option named (the investment of a contract run
from parameters is its inputs table, whose cells the readers check)."""

from __future__ import annotations

import json

import pytest

from sroi_lib.cli import main
from tests.conftest import EXAMPLES

MAP = EXAMPLES / "worked_check" / "impact_map.csv"


@pytest.mark.parametrize("amount, words", [
    ("-5", "'-5' is not an amount of 0 or more"),
    ("£-5", "'£-5' is not an amount of 0 or more"),
    ("nan", "'nan' is not a finite number"),
    ("inf", "'inf' is not a finite number"),
    ("-inf", "'-inf' is not a finite number"),
    ("1e400", "'1e400' is not a finite number"),
    ("abc", "'abc' is not a number"),
    ("10**400", "'10**400' is not a number"),
    ("", "--investment is empty"),
    ("0", "--investment '0' is £0, so the SROI ratio (value ÷ investment) is undefined"),
    ("£0.00", "--investment '£0.00' is £0"),
    ("1e-320", "--investment '1e-320' is less than a penny"),
    ("0.004", "--investment '0.004' is less than a penny"),
])
def test_a_wrong_investment_is_refused_naming_the_option(capsys, amount, words):
    assert main(["value", str(MAP), f"--investment={amount}"]) == 2
    err = capsys.readouterr().err
    assert words in err and "--investment" in err and "Traceback" not in err
    assert "column 'value'" not in err and "quantit" not in err  # not blamed on the map or an inputs column


def test_a_penny_is_the_smallest_investment_read(capsys):
    assert main(["value", str(MAP), "--investment=0.01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_inputs"] == 0.01


def test_inputs_too_small_to_divide_by_are_blamed_on_the_inputs_file(tmp_path, capsys):
    inputs = tmp_path / "inputs.csv"
    inputs.write_bytes(b"stakeholder,description,value,year\nLCC,Grant,1e-320,0\n")
    assert main(["value", str(MAP), "--inputs", str(inputs)]) == 2
    err = capsys.readouterr().err
    assert "inputs.csv, column 'value': the inputs total only" in err and "too large to compute" in err
    assert "quantit" not in err and "Traceback" not in err


def test_a_huge_but_finite_investment_is_a_correct_reading(capsys):
    assert main(["value", str(MAP), "--investment=1e308", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total_inputs"] == 1e308 and 0 < out["sroi_ratio"] < 1e-300
