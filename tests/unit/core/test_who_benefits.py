"""Who benefits (sroi_lib.core.who_benefits): places, breakdowns, shares, the concentration index and the Green
Book's distributional weights, each against figures worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sroi_lib.core.valuation import investment_inputs, value
from sroi_lib.core.who_benefits import (DEFAULT_ETA, SENSITIVITY_ETAS, UNKNOWN, IncomeQuintiles, check_eta,
                                        concentration_index, distributional_weights, has_place_data,
                                        load_income_quintiles, load_lookup, place_lines, read_lookup,
                                        ward_profiles, who_benefits)
from sroi_lib.errors import InputError
from sroi_lib.reports.contract import NO_PLACE_DATA, value_files
from tests.conftest import EXAMPLES, ROOT

# Incomes for hand-worked weights: the median is £20,000.
TOY_INCOMES = IncomeQuintiles(median=20_000, incomes={1: 10_000, 2: 15_000, 3: 20_000, 4: 30_000, 5: 40_000},
                              name="toy", measure="toy", source="toy", source_url="", year="toy", licence="toy")


def toy_lookup(tmp_path):
    """Two wards: North (areas in deciles 1 and 3, 100 and 300 people) and South (one area, decile 10)."""
    path = tmp_path / "lookup.csv"
    path.write_text("area_code,area_name,ward_code,ward_name,imd_decile,income_decile,population,source,licence,year\n"
                    "A1,North 1,W1,North,1,1,100,Toy,OGL v3.0,2025\n"
                    "A2,North 2,W1,North,3,6,300,Toy,OGL v3.0,2025\n"
                    "A3,South 1,W2,South,10,10,500,Toy,OGL v3.0,2025\n", encoding="utf-8")
    return read_lookup(path)


def toy_map(**places) -> pd.DataFrame:
    """Lines of £1,000 each (10 x £100, one year, no adjustments), with the place columns given."""
    n = max(len(v) for v in places.values())
    frame = pd.DataFrame({"row": range(2, n + 2), "stakeholder": "People", "outcome": "Better off",
                          "quantity": 10.0, "duration": 1, "value": 100.0, "price_year": 2024, **places})
    return frame


def toy_value(frame):
    return value(frame, investment_inputs(1_000.0), price_year=2024, discounting="none")


# --- weights -------------------------------------------------------------------------------------------------

def test_weights_by_hand():
    # (20,000 / 10,000) ** 2 = 4; (20,000 / 40,000) ** 2 = 0.25; the median group weighs 1
    w = distributional_weights(TOY_INCOMES.incomes, TOY_INCOMES.median, eta=2.0)
    assert w[1] == pytest.approx(4.0) and w[3] == pytest.approx(1.0) and w[5] == pytest.approx(0.25)
    # 2 ** 1.3 = e ** (1.3 ln 2) = e ** 0.901092 = 2.462289
    assert distributional_weights({1: 10_000}, 20_000, eta=1.3)[1] == pytest.approx(2.462289, abs=1e-6)
    # (20,000 / 30,000) ** 1.3 = (2/3) ** 1.3 = e ** (1.3 x -0.405465) = e ** -0.527105 = 0.590312
    assert distributional_weights({4: 30_000}, 20_000, eta=1.3)[4] == pytest.approx(0.590312, abs=1e-6)


def test_shipped_incomes_and_their_weights():
    """The ONS figures (FYE 2024, median of each fifth): weight 1 at the median, above 1 below it, falling."""
    inc = load_income_quintiles()
    w = distributional_weights(inc.incomes, inc.median, DEFAULT_ETA)
    assert inc.incomes[1] == 16_832 and inc.median == 36_663
    assert w[1] == pytest.approx((36_663 / 16_832) ** 1.3)
    assert w[1] > w[2] > w[3] > w[4] > w[5] > 0
    assert "Office for National Statistics" in inc.describe()


def test_weighted_ratio_equals_unweighted_when_every_line_is_in_the_median_group():
    inc = load_income_quintiles()
    assert inc.incomes[3] == inc.median  # the middle fifth's median is the median this year
    v = toy_value(toy_map(income_quintile=[3, 3, 3]))
    x = who_benefits(v, incomes=inc).distributional
    assert x["weighted_present_value"] == pytest.approx(v.present_value)
    assert x["weighted_sroi_ratio"] == pytest.approx(v.sroi_ratio)
    for s in x["sensitivity"]:
        assert s["weighted_sroi_ratio"] == pytest.approx(v.sroi_ratio)


def test_weighted_value_by_hand():
    """Lines of £1,000 in quintiles 1 and 5, one unknown: 1,000 x 4 + 1,000 x 0.25 + 1,000 x 1 = £5,250."""
    v = toy_value(toy_map(income_quintile=[1, 5, None]))
    x = who_benefits(v, incomes=TOY_INCOMES, eta=2.0).distributional
    assert x["weighted_present_value"] == pytest.approx(5_250.0)
    assert x["weighted_sroi_ratio"] == pytest.approx(5.25)  # inputs £1,000
    assert x["present_value"] == pytest.approx(3_000.0) and x["sroi_ratio"] == pytest.approx(3.0)
    assert [s["eta"] for s in x["sensitivity"]] == list(SENSITIVITY_ETAS)
    # at eta 0.8: 1,000 x 2 ** 0.8 + 1,000 x 0.5 ** 0.8 + 1,000
    assert x["sensitivity"][0]["weighted_present_value"] == pytest.approx(1_000 * (2 ** 0.8 + 0.5 ** 0.8 + 1))


def test_a_fiscal_line_keeps_weight_one():
    frame = toy_map(income_quintile=[1, 1])
    frame["value_type"] = ["fiscal", "social"]
    x = who_benefits(toy_value(frame), incomes=TOY_INCOMES, eta=2.0)
    assert x.distributional["weighted_present_value"] == pytest.approx(1_000 + 4_000)
    assert list(x.lines["weight"]) == [1.0, 4.0]


@pytest.mark.parametrize("eta", [0, -1.3, float("nan"), float("inf"), 11, True, "1.3"])
def test_eta_must_be_a_number_above_zero(eta):
    with pytest.raises(InputError, match="eta"):
        check_eta(eta)


def test_value_files_refuses_a_bad_eta_with_the_other_problems():
    care = EXAMPLES / "lcc-care-at-home"
    with pytest.raises(InputError) as exc:
        value_files(care / "impact_map.csv", care / "inputs.csv", eta=0, price_year=1066)
    text = str(exc.value)
    assert "eta is 0" in text and "1066" in text


# --- places and shares ---------------------------------------------------------------------------------------

def test_ward_profile_is_population_weighted(tmp_path):
    """North: 100 people in decile 1 and 300 in decile 3, so a quarter and three quarters."""
    profiles = ward_profiles(toy_lookup(tmp_path))
    north = profiles.loc["W1"]
    assert north["population"] == 400 and north["areas"] == 2
    assert north["imd_1"] == pytest.approx(0.25) and north["imd_3"] == pytest.approx(0.75)
    # income deciles 1 and 6 are quintiles 1 and 3
    assert north["income_1"] == pytest.approx(0.25) and north["income_3"] == pytest.approx(0.75)


def test_shares_sum_to_one_with_unknowns_apart(tmp_path):
    """£1,000 by ward North (spread 1/4, 3/4), £1,000 by LSOA A3 (decile 10), £1,000 stated decile 2, £1,000
    with no place: deciles 1, 2, 3, 10 hold 250, 1,000, 750, 1,000 and unknown 1,000, of £4,000."""
    v = toy_value(toy_map(ward=["North", "", "", ""], lsoa=["", "A3", "", ""], imd_decile=[None, None, 2, None]))
    who = who_benefits(v, lookup=toy_lookup(tmp_path), incomes=TOY_INCOMES)
    d = who.by_imd_decile.set_index("imd_decile")["present_value"]
    assert d[1] == pytest.approx(250) and d[2] == pytest.approx(1_000) and d[3] == pytest.approx(750)
    assert d[10] == pytest.approx(1_000) and d[UNKNOWN] == pytest.approx(1_000)
    assert who.by_imd_decile["share"].sum() == pytest.approx(1.0)
    assert who.share_unknown == pytest.approx(0.25)
    assert who.share_most_deprived_10 == pytest.approx(250 / 4_000)
    assert who.share_most_deprived_20 == pytest.approx(1_250 / 4_000)
    wards = who.by_ward.set_index("ward")
    assert wards.loc["North", "basis"] == "ward profile" and wards.loc["South", "basis"] == "LSOA"
    assert wards.loc[UNKNOWN, "present_value"] == pytest.approx(2_000)
    assert who.by_ward["share"].sum() == pytest.approx(1.0)
    assert who.by_income_quintile["share"].sum() == pytest.approx(1.0)
    assert list(who.by_ward["ward"])[-1] == UNKNOWN  # unknown last, never ranked among the wards


def test_a_line_without_place_is_unknown_never_guessed(tmp_path):
    placed = place_lines(toy_map(ward=["", "North"]), toy_lookup(tmp_path))
    assert list(placed.basis) == [UNKNOWN, "ward profile"]
    assert placed.imd[0].sum() == 0 and placed.income[0].sum() == 0
    assert placed.ward[0] == UNKNOWN


def test_concentration_index_by_hand():
    assert concentration_index(np.eye(10)[0]) == pytest.approx(-0.9)
    assert concentration_index(np.eye(10)[9]) == pytest.approx(0.9)
    assert concentration_index(np.full(10, 3.0)) == pytest.approx(0.0)
    # half in decile 1, half in decile 2: L = 0.5, 1, 1, ...; C = (0 - 0.1 x 0) + (0.1 x 1 - 0.2 x 0.5)
    #   + sum over t = 3..10 of (p_{t-1} - p_t) = 0 + 0 - 0.8 = -0.8
    assert concentration_index(np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0])) == pytest.approx(-0.8)
    assert concentration_index(np.zeros(10)) is None


def test_leeds_wards_from_the_shipped_lookup():
    profiles = ward_profiles(load_lookup())
    leeds = profiles[profiles["district_code"] == "E08000035"]
    assert len(leeds) == 33 and leeds["areas"].sum() == 488
    assert 790_000 < leeds["population"].sum() < 830_000  # Leeds at Census 2021: about 812,000
    shares = leeds[[f"imd_{d}" for d in range(1, 11)]].sum(axis=1)
    assert np.allclose(shares, 1.0)


def test_own_lookup_is_used_and_cited(tmp_path):
    lookup = toy_lookup(tmp_path)
    assert lookup.source == "Toy" and lookup.licence == "OGL v3.0" and lookup.year == "2025"
    who = who_benefits(toy_value(toy_map(lsoa=["A1"])), lookup=lookup, incomes=TOY_INCOMES)
    assert who.share_most_deprived_10 == pytest.approx(1.0)
    assert "Toy" in who.lookup_source


@pytest.mark.parametrize("rows, problem", [
    (",North,W1,North,1,1,100,Toy,OGL,2025\n", "row 2, column 'area_code': is empty"),
    ("A1,North,W1,North,1,1,100,Toy,OGL,2025\nA1,North,W1,North,1,1,100,Toy,OGL,2025\n", "given twice"),
    ("A1,North,W1,North,,1,100,Toy,OGL,2025\n", "column 'imd_decile': is empty"),
    ("A1,North,W1,North,1,0,100,Toy,OGL,2025\n", "column 'income_decile': is '0', not a decile"),
    ("A1,North,W1,North,1,1,-5,Toy,OGL,2025\n", "column 'population': is '-5', not a number of people"),
    ("A1,North,W1,North,1,1,many,Toy,OGL,2025\n", "column 'population': is 'many'"),
    ("", "has no areas"),
])
def test_own_lookup_problems_name_row_and_column(tmp_path, rows, problem):
    path = tmp_path / "mine.csv"
    path.write_text("area_code,area_name,ward_code,ward_name,imd_decile,income_decile,population,source,licence,"
                    "year\n" + rows, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_lookup(path)
    assert problem in str(exc.value) and "mine.csv" in str(exc.value)


def test_a_bad_income_file_is_refused(tmp_path):
    path = tmp_path / "incomes.yaml"
    path.write_text("median: 30000\nquintiles: {1: 10000, 2: 20000}\n", encoding="utf-8")
    with pytest.raises(InputError, match="five quintiles"):
        load_income_quintiles(path)


# --- the shipped examples -------------------------------------------------------------------------------------

@pytest.mark.parametrize("contract", ["lcc-housing-retrofit", "lcc-employment-support-grant", "lcc-care-at-home",
                                      "lcc-highways-maintenance", "lcc-school-catering"])
def test_every_example_carries_place_data(contract):
    folder = EXAMPLES / contract
    valued = value_files(folder / "impact_map.csv", folder / "inputs.csv")
    who = valued.who
    assert who is not None
    assert who.by_imd_decile["present_value"].sum() == pytest.approx(valued.valuation.present_value)
    assert who.by_imd_decile["share"].sum() == pytest.approx(1.0)
    d = valued.to_dict()
    for key in ("by_imd_decile", "by_ward", "by_income_quintile", "share_most_deprived_10", "share_most_deprived_20",
                "distributional"):
        assert key in d
    assert {"eta", "weights", "weighted_present_value", "weighted_sroi_ratio"} <= set(d["distributional"])


def test_housing_retrofit_places_its_households_by_lsoa():
    folder = EXAMPLES / "lcc-housing-retrofit"
    who = value_files(folder / "impact_map.csv", folder / "inputs.csv").who
    by_row = who.lines.set_index("row")
    assert by_row.loc[2, "place_basis"] == "LSOA" and by_row.loc[2, "ward"] == "Little London & Woodhouse"
    assert by_row.loc[3, "place_basis"] == UNKNOWN  # the climate: society at large, not placed
    assert by_row.loc[8, "place_basis"] == "ward profile"


def test_a_map_without_places_says_why(tmp_path):
    path = tmp_path / "map.csv"
    toy_map(theme=["", ""]).drop(columns="row").to_csv(path, index=False)
    valued = value_files(path, investment=1_000)
    assert valued.who is None and not has_place_data(pd.read_csv(path))
    assert valued.to_dict()["who_benefits_absent"] == NO_PLACE_DATA
    assert "by_imd_decile" not in valued.to_dict()


def test_eta_moves_the_weighted_figures_only():
    folder = EXAMPLES / "lcc-employment-support-grant"
    central = value_files(folder / "impact_map.csv", folder / "inputs.csv")
    steep = value_files(folder / "impact_map.csv", folder / "inputs.csv", eta=2.0)
    assert steep.valuation.sroi_ratio == central.valuation.sroi_ratio
    assert steep.who.distributional["eta"] == 2.0
    assert steep.who.distributional["weighted_sroi_ratio"] == pytest.approx(
        central.who.distributional["sensitivity"][1]["weighted_sroi_ratio"])
    assert not math.isclose(steep.who.distributional["weighted_sroi_ratio"],
                            central.who.distributional["weighted_sroi_ratio"])


def test_a_ward_name_shared_across_england_is_the_councils_own():
    """Harewood is a ward of Leeds and of Test Valley: with the council's district it is Leeds's, without it the
    name is refused with both codes."""
    frame = toy_map(ward=["Harewood"])
    placed = place_lines(frame, load_lookup(), area="Leeds")
    assert placed.ward_code[0] == "E05011396"
    with pytest.raises(InputError) as exc:
        place_lines(frame, load_lookup(), file="map.csv")
    assert "names 2 wards in England" in str(exc.value) and "E05012097, Test Valley" in str(exc.value)


def test_an_unknown_local_authority_is_refused_where_it_is_set():
    with pytest.raises(InputError) as exc:
        place_lines(toy_map(ward=["Armley"]), load_lookup(), area="Leds",
                    area_where={"file": "settings.yaml", "column": "local_authority"})
    text = str(exc.value)
    assert "settings.yaml" in text and "'Leds' is not a district" in text and "Did you mean 'Leeds'" in text


def test_the_same_problem_on_many_rows_is_said_once():
    with pytest.raises(InputError) as exc:
        place_lines(toy_map(ward=["Armly"] * 8), load_lookup(), file="map.csv", area="Leeds")
    assert len(exc.value.problems) == 1
    assert "row 2" in str(exc.value) and "the same on rows 3, 4, 5, 6, 7 and 2 more" in str(exc.value)


def test_the_weights_the_docs_quote_are_the_shipped_ones():
    from tests.conftest import ROOT

    inc = load_income_quintiles()
    w = distributional_weights(inc.incomes, inc.median, DEFAULT_ETA)
    quoted = ", ".join(f"{w[q]:.2f}" for q in range(1, 5)) + f" and {w[5]:.2f}"
    assert f"the weights are {quoted}" in " ".join((ROOT / "docs" / "who-benefits.md").read_text().split())


def test_a_report_with_places_records_the_files_who_benefits_read():
    """The manifest hashes every file a figure depends on, so `sroi audit` names a changed deprivation table,
    income file or district setting."""
    from sroi_lib.paths import reference_file
    from sroi_lib.reports.contract import load_contract

    used = load_contract(ROOT / "parameters" / "lcc-housing-retrofit.yaml").files_used()
    assert used["place_lookup"] == reference_file("imd2025_lsoa.csv")
    assert used["place_lookup_provenance"] == reference_file("imd2025_lsoa.yaml")
    assert used["income_quintiles"] == reference_file("income_quintiles.yaml")
    assert used["settings"].name == "settings.yaml"
