"""The WELLBY-built rows of the wellbeing library (ids ``wb-``): the arithmetic is pinned.

Each ``wb-`` row is a life-satisfaction effect from a published study times the
HM Treasury WELLBY value (£13,000 per one-point change for one person for one
year, 2019 prices). Its notes state the effect in one fixed form,
``Effect: +0.46 life satisfaction points`` and the sum as
``Formula: 0.46 × £13,000 = £5,980.00``; these tests read both back and check
``value == round(effect × WELLBY, 2)`` against the shipped central WELLBY row.
"""

import re
from decimal import Decimal

import pytest

from sroi_lib.proxies.library import load_library
from tests.conftest import ROOT

WELLBEING = ROOT / "data" / "proxies" / "wellbeing.csv"
EFFECT = re.compile(r"Effect: \+(\d+(?:\.\d+)?) life satisfaction points \(0-10 scale\)")
FORMULA = re.compile(r"Formula: (\d+(?:\.\d+)?) × £([\d,]+) = £([\d,]+\.\d\d)\.")


def wellby_value(effect: Decimal, wellby: float) -> float:
    """``effect × WELLBY`` in pounds, rounded to the penny (the only rounding)."""
    return float(round(effect * Decimal(str(wellby)), 2))


def effect_of(notes: str) -> Decimal:
    """The effect size a ``wb-`` row's notes state, as written (not rescaled)."""
    found = EFFECT.findall(notes)
    assert len(found) == 1, f"notes should state one effect as 'Effect: +0.xx life satisfaction points': {notes[:120]}"
    return Decimal(found[0])


@pytest.fixture(scope="module")
def lib():
    return load_library(WELLBEING, with_shipped=False)


@pytest.fixture(scope="module")
def wb_rows(lib):
    rows = lib.table[lib.table["proxy_id"].str.startswith("wb-")]
    assert len(rows) >= 20
    return rows


def test_effect_parser_reads_the_fixed_form_and_refuses_others():
    assert effect_of("x. Effect: +0.46 life satisfaction points (0-10 scale) per person per year. y") == Decimal("0.46")
    for bad in ("Effect: 0.46 life satisfaction points", "Effect: +0.46 points on a 1-7 scale", "no effect stated"):
        with pytest.raises(AssertionError):
            effect_of(bad)
    assert wellby_value(Decimal("0.0457"), 13000.0) == 594.10


def test_the_wellby_is_the_green_book_value(lib):
    central = lib["hw-wellby-central"]
    assert (central.value, central.price_year) == (13000.0, 2019)
    assert lib["hw-wellby-low"].value == 10000.0 and lib["hw-wellby-high"].value == 16000.0


def test_every_wb_row_is_effect_times_the_wellby(lib, wb_rows):
    wellby = lib["hw-wellby-central"].value
    for _, row in wb_rows.iterrows():
        effect = effect_of(row["notes"])
        assert row["value"] == wellby_value(effect, wellby), row["proxy_id"]
        [(f_effect, f_wellby, f_value)] = FORMULA.findall(row["notes"])
        assert Decimal(f_effect) == effect, row["proxy_id"]
        assert float(f_wellby.replace(",", "")) == wellby, row["proxy_id"]
        assert float(f_value.replace(",", "")) == row["value"], row["proxy_id"]


def test_wb_rows_carry_the_wellby_terms(wb_rows):
    for _, row in wb_rows.iterrows():
        pid = row["proxy_id"]
        assert row["price_year"] == 2019 and row["value_type"] == "social" and row["theme"] == "wellbeing", pid
        assert "HM Treasury" in row["source"] and "WELLBY" in row["source"], pid
        assert row["licence"].count("Open Government Licence v3.0") >= 1, pid
        assert "Caveat:" in row["notes"] and "Quote (" in row["notes"], pid
        # who the effect was measured on, and against what: an analyst must be able to judge the transfer
        assert "Population and comparison:" in row["notes"], pid
        assert row["part_of"] == "" and not row["transfer"], pid


def test_low_and_high_variants_bracket_their_central_row(lib, wb_rows):
    variants = wb_rows[wb_rows["alternative_of"] != ""]
    assert len(variants) >= 2
    for _, row in variants.iterrows():
        central = lib[row["alternative_of"]]
        assert central.proxy_id.startswith("wb-") and central.alternative_of == "", row["proxy_id"]
        if row["proxy_id"].endswith("-low"):
            assert row["value"] < central.value, row["proxy_id"]
        else:
            assert row["proxy_id"].endswith("-high") and row["value"] > central.value, row["proxy_id"]
