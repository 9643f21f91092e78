"""Figures that overflow are refused, naming their rows, instead of an infinite present value with exit 0."""

import json

import pandas as pd
import pytest

from sroi_lib import cli
from sroi_lib.core.valuation import value
from sroi_lib.errors import InputError


def _map(quantities):
    return pd.DataFrame({"row": list(range(2, 2 + len(quantities))), "stakeholder": ["A"] * len(quantities),
                         "outcome": ["B"] * len(quantities), "quantity": quantities,
                         "value": [10.0] * len(quantities), "price_year": [2024] * len(quantities),
                         "duration": [3] * len(quantities)})


def test_a_line_that_overflows_is_refused_naming_its_row():
    with pytest.raises(InputError, match="too large to compute") as err:
        value(_map([5.0, 1e308]), 1000, price_year=2024, discounting="none")
    assert [p.row for p in err.value.problems] == [3]


def test_a_total_that_overflows_is_refused():
    with pytest.raises(InputError, match="total present value is too large"):
        value(_map([5e306, 5e306, 5e306]), 1000, price_year=2024, discounting="none")


def test_sroi_value_json_never_prints_infinity(tmp_path, capsys):
    path = tmp_path / "m.csv"
    path.write_text("stakeholder,outcome,quantity,value,price_year,duration\nA,B,1e308,10,2024,3\n")
    code = cli.main(["value", str(path), "--investment", "1000", "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and "too large to compute" in err and "Infinity" not in out and out == ""
    ok = tmp_path / "ok.csv"
    ok.write_text("stakeholder,outcome,quantity,value,price_year,duration\nA,B,5,10,2024,3\n")
    assert cli.main(["value", str(ok), "--investment", "1000", "--json"]) == 0
    json.loads(capsys.readouterr().out)
