"""The valuation formulas against values worked by hand."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sroi_lib.errors import InputError
from sroi_lib.core.valuation import value


def line(**kw) -> dict:
    base = dict(row=2, stakeholder="Residents", outcome="Into work", quantity=1.0, value=1000.0, price_year=2024,
                duration=1, start_year=1, deadweight=0.0, displacement=0.0, attribution=0.0, drop_off=0.0,
                value_type="", theme="", proxy_id="")
    base.update(kw)
    return base


def frame(*lines) -> pd.DataFrame:
    return pd.DataFrame(list(lines))


def test_worked_check_from_the_method_notes():
    # quantity 100, proxy £1,000, deadweight 20%, attribution 25%, drop-off 10%, 3 years, 3.5% flat,
    # inputs £100,000 → impact £60,000; yearly £60,000, £54,000, £48,600;
    # PV £57,971.01 + £50,409.58 + £43,834.42 = £152,215.01; ratio 1.52; NPV £52,215.01.
    m = frame(line(quantity=100, deadweight=0.2, attribution=0.25, drop_off=0.1, duration=3))
    v = value(m, 100_000, price_year=2024, discounting="3.5%")
    assert v.lines["impact"].iat[0] == pytest.approx(60_000)
    assert v.years["value"].tolist() == pytest.approx([60_000, 54_000, 48_600])
    assert v.years["present_value"].round(2).tolist() == [57_971.01, 50_409.58, 43_834.42]
    assert round(v.present_value, 2) == 152_215.01
    assert round(v.sroi_ratio, 2) == 1.52
    assert round(v.net_sroi_ratio, 2) == 0.52
    assert round(v.npv, 2) == 52_215.01
    assert v.payback_months == pytest.approx(20.0)  # 100,000 / (60,000 / 12)
    assert v.undiscounted_value == pytest.approx(162_600)


def test_sve_single_year_screen_check():
    # A one-year impact of £1,086,364 shows PV £1,049,627.05 at 3.5% (Social Value Engine screen).
    v = value(frame(line(value=1_086_364.0)), 1.0, discounting="3.5%")
    assert round(v.present_value, 2) == 1_049_627.05


def test_forty_year_line_crosses_the_year_30_band():
    # £1,000 a year for 40 years, Green Book: annuity at 3.5% for 30 years, then 3.0% for 10 more
    # = 1000 × (1 − 1.035^−30)/0.035 + 1.035^−30 × 1000 × (1 − 1.03^−10)/0.03 = £21,431.17.
    v = value(frame(line(duration=40)), 10_000)
    first = 1000 * (1 - 1.035**-30) / 0.035
    second = 1.035**-30 * 1000 * (1 - 1.03**-10) / 0.03
    assert v.present_value == pytest.approx(first + second)
    assert round(v.present_value, 2) == 21_431.17
    assert v.years["year"].tolist() == list(range(1, 41))


def test_drop_off_counts_from_a_late_start_year():
    # Starts in year 3 for 2 years, 50% drop-off, 10% flat: 1000/1.1³ + 500/1.1⁴ = £1,092.82.
    v = value(frame(line(start_year=3, duration=2, drop_off=0.5)), 1000, discounting="10%")
    assert v.years["year"].tolist() == [3, 4]
    assert v.years["value"].tolist() == pytest.approx([1000, 500])
    assert round(v.present_value, 2) == 1_092.82
    assert v.lines["end_year"].iat[0] == 4


def test_input_in_a_later_year_is_discounted():
    # £50,000 now and £50,000 in year 2 at 3.5%: 50,000 + 50,000 / 1.035² = £96,675.54.
    inputs = pd.DataFrame({"row": [2, 3], "stakeholder": ["Council"] * 2, "description": ["a", "b"],
                           "value": [50_000.0, 50_000.0], "year": [0, 2]})
    v = value(frame(line()), inputs, discounting="3.5%")
    assert round(v.total_inputs, 2) == 96_675.54
    assert v.inputs["discount_factor"].tolist() == pytest.approx([1.0, 1 / 1.035**2])


def test_value_is_repriced_to_the_analysis_year():
    # £1,000 in 2019 prices in 2024 prices: 1000 × 100 / 81.1085 = £1,232.92
    v = value(frame(line(price_year=2019)), 1000, discounting="none")
    assert round(v.lines["value_per_unit"].iat[0], 2) == 1_232.92
    assert v.lines["reprice_factor"].iat[0] == pytest.approx(100 / 81.1085)
    v2 = value(frame(line(price_year=2019)), 1000, discounting="none", price_year=2019)
    assert v2.present_value == pytest.approx(1000)


def test_price_year_outside_the_series_is_an_error():
    with pytest.raises(InputError, match="outside the GDP deflator series"):
        value(frame(line()), 1000, price_year=2031)


def test_zero_inputs_make_the_ratio_undefined():
    with pytest.raises(InputError, match="undefined"):
        value(frame(line()), 0.0)


def test_inputs_too_small_to_divide_by_are_blamed_on_the_inputs_not_the_map():
    inputs = pd.DataFrame({"row": [2], "stakeholder": ["Council"], "description": ["Grant"], "value": [1e-320],
                           "year": [0]})
    inputs.attrs["file"] = "inputs.csv"
    with pytest.raises(InputError) as exc:
        value(frame(line(quantity=100)), inputs, price_year=2024)
    (problem,) = exc.value.problems
    assert (problem.file, problem.column) == ("inputs.csv", "value")
    assert problem.message.startswith("the inputs total only £1e-320, so the SROI ratio (value ÷ inputs) is too")


def test_payback_counts_only_the_first_years_impact():
    """SROI guide, stage 5: payback = investment ÷ (the first year's net impact ÷ 12). A line starting in year 2
    has no impact in year 1, so it must not shorten the payback.

    Worked by hand: line A starts in year 1, 100 × £1,000 × (1 − 40%) = £60,000; line B starts in year 2,
    £40,000. Inputs £100,000: payback = 100,000 ÷ (60,000 ÷ 12) = 20 months (not 100,000 ÷ (100,000 ÷ 12) = 12).
    """
    m = frame(line(quantity=100, deadweight=0.4), line(row=3, quantity=40, start_year=2))
    v = value(m, 100_000, price_year=2024, discounting="none")
    assert v.annual_impact == pytest.approx(60_000)
    assert v.payback_months == pytest.approx(20.0)
    later_only = value(frame(line(quantity=40, start_year=2)), 100_000, price_year=2024, discounting="none")
    assert later_only.annual_impact == 0 and later_only.payback_months is None
    assert later_only.present_value == pytest.approx(40_000)  # the value itself still counts


def test_no_annual_impact_means_no_payback():
    v = value(frame(line(quantity=0.0)), 1000)
    assert v.payback_months is None and v.sroi_ratio == 0


def test_breakdowns_add_up_and_name_blank_groups():
    m = frame(line(stakeholder="A", value_type="fiscal", theme="health"), line(row=3, stakeholder="B", value=3000.0),
              line(row=4, stakeholder="A", value=500.0, value_type="social"))
    v = value(m, 1000)
    for by in ("stakeholder", "outcome", "value_type", "theme"):
        b = v.breakdown(by)
        assert b["present_value"].sum() == pytest.approx(v.present_value)
        assert b["share"].sum() == pytest.approx(1.0)
    st = v.breakdown("stakeholder").set_index("stakeholder")["present_value"]
    assert st["B"] == pytest.approx(3000 / 1.035) and st["A"] == pytest.approx(1500 / 1.035)
    assert "not stated" in set(v.breakdown("theme")["theme"])
    assert v.by_year()["present_value"].sum() == pytest.approx(v.present_value)


def test_proxy_lines_take_value_year_and_source_from_the_library():
    proxies = {"wellby": SimpleNamespace(value=13000.0, price_year=2019, value_type="social", theme="wellbeing",
                                         name="WELLBY", source="HM Treasury Wellbeing Guidance", source_url="https://x")}
    m = frame(line(proxy_id="wellby", value=np.nan, price_year=pd.NA))
    v = value(m, 1000, discounting="none", proxies=proxies)
    row = v.lines.iloc[0]
    assert row["value_per_unit"] == pytest.approx(13000 * 100 / 81.1085)
    assert row["source"] == "HM Treasury Wellbeing Guidance" and row["value_type"] == "social"
    assert row["theme"] == "wellbeing" and row["price_year"] == 2019


def test_unknown_proxy_names_row_and_column():
    with pytest.raises(InputError) as exc:
        value(frame(line(row=7, proxy_id="nope", value=np.nan, price_year=pd.NA)), 1000)
    [p] = exc.value.problems
    assert p.row == 7 and p.column == "proxy_id" and "nope" in p.message


def test_every_intermediate_figure_is_kept():
    v = value(frame(line(quantity=3, deadweight=0.5, duration=2)), 1000)
    for col in ("value_per_unit", "reprice_factor", "impact", "undiscounted_value", "present_value", "end_year"):
        assert col in v.lines.columns
    assert set(v.years.columns) >= {"line", "row", "year", "value", "discount_factor", "present_value"}
    assert v.years["present_value"].sum() == pytest.approx(v.present_value)


def test_to_dict_is_json_ready():
    import json

    d = value(frame(line()), 500).to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["sroi_ratio"] == pytest.approx(1000 / 1.035 / 500)


def test_a_line_price_year_outside_the_series_names_its_row():
    m = frame(line(row=2), line(row=3, price_year=1985), line(row=4, price_year=2031))
    m.attrs["file"] = "map.csv"
    with pytest.raises(InputError) as exc:
        value(m, 1000)
    assert [(p.file, p.row, p.column) for p in exc.value.problems] == [("map.csv", 3, "price_year"),
                                                                       ("map.csv", 4, "price_year")]
    assert "1985 is outside the GDP deflator series" in str(exc.value)


# --- conventions, to reproduce an SROI prepared elsewhere (worked by hand from the worked check) ---------------------
# 100 × £1,000, deadweight 20%, attribution 25% → impact £60,000; drop-off 10%; three years; 3.5% flat.

def worked(**conventions):
    m = frame(line(quantity=100, deadweight=0.2, attribution=0.25, drop_off=0.1, duration=3))
    return value(m, 100_000, price_year=2024, discounting=conventions.pop("discounting", "3.5%"), **conventions)


def test_the_default_conventions_discount_year_1_and_drop_off_from_year_2():
    v = worked()
    assert v.conventions() == {"first_year_discounted": True, "drop_off_from": "second year",
                               "already_discounted": False}
    assert round(v.present_value, 2) == 152_215.01


def test_first_year_not_discounted():
    """60,000 + 54,000 / 1.035 + 48,600 / 1.035² = 60,000 + 52,173.913 + 45,368.620 = £157,542.53."""
    v = worked(first_year_discounted=False)
    assert v.years["discount_factor"].tolist() == pytest.approx([1.0, 1 / 1.035, 1 / 1.035 ** 2])
    assert round(v.present_value, 2) == 157_542.53
    assert v.present_value == pytest.approx(v.years["present_value"].sum())  # closed form = year by year
    assert v.present_value == pytest.approx(worked().present_value * 1.035)  # every figure × (1 + r)
    assert v.conventions()["first_year_discounted"] is False
    assert "year 1 is not discounted" in v.method_text()
    assert "the first year is not discounted" in v.discounting.describe()


def test_first_year_not_discounted_on_a_banded_schedule_shifts_each_band_by_a_year():
    """Green Book standard: DF'(31) = DF(30) = 1.035^-30 (year 31 still at 3.5%, one year later)."""
    m = frame(line(quantity=1, value=1000.0, duration=1, start_year=31))
    default = value(m, 1000, price_year=2024, discounting="green-book")
    shifted = value(m, 1000, price_year=2024, discounting="green-book", first_year_discounted=False)
    assert default.present_value == pytest.approx(1000 * 1.035 ** -30 / 1.03)
    assert shifted.present_value == pytest.approx(1000 * 1.035 ** -30)


def test_drop_off_from_the_first_year():
    """54,000 / 1.035 + 48,600 / 1.035² + 43,740 / 1.035³ = 52,173.913 + 45,368.620 + 39,450.974 = £136,993.51."""
    v = worked(drop_off_first_year=True)
    assert v.years["value"].tolist() == pytest.approx([54_000, 48_600, 43_740])
    assert round(v.present_value, 2) == 136_993.51
    assert v.present_value == pytest.approx(v.years["present_value"].sum())
    assert v.undiscounted_value == pytest.approx(146_340)
    assert v.conventions()["drop_off_from"] == "first year" and "first year" in v.method_text()


def test_figures_already_discounted_are_not_discounted_again():
    """60,000 + 54,000 + 48,600 = £162,600, and a later input is not discounted either."""
    v = worked(discounting="already-discounted")
    assert round(v.present_value, 2) == 162_600.00
    assert v.conventions()["already_discounted"] is True
    assert "already discounted by their authors" in v.method_text()
    assert "already discounted by their authors" in v.discounting.describe()
