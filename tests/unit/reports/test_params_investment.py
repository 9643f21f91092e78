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
    ("0", "the total of the inputs is £0"),
])
def test_a_wrong_investment_is_refused_naming_the_option(capsys, amount, words):
    assert main(["value", str(MAP), f"--investment={amount}"]) == 2
    err = capsys.readouterr().err
    assert words in err and ("--investment" in err or "inputs" in err) and "Traceback" not in err


def test_a_huge_but_finite_investment_is_a_correct_reading(capsys):
    assert main(["value", str(MAP), "--investment=1e308", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total_inputs"] == 1e308 and 0 < out["sroi_ratio"] < 1e-300
