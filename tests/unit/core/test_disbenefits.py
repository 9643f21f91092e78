"""Disbenefits (negative outcomes): read from the impact map, valued with the same adjustments, kept apart in
every breakdown, netted in the ratio, and handled with their sign by the over-claiming guard, the uncertainty
analysis, the valuation workbook, the text summary, ``--json`` and the charts."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from sroi_lib.cli import main
from sroi_lib.core.checks import overclaiming_checks
from sroi_lib.core.frameworks import load_framework
from sroi_lib.core.uncertainty import Distribution, Model, Uncertain, monte_carlo, one_way, tipping_points
from sroi_lib.core.valuation import value
from sroi_lib.io.impact_map import read_impact_map
from sroi_lib.proxies.library import shipped_library
from sroi_lib.views.text import valuation_text
from tests.conftest import WORKED_ROW, write_csv

# One disbenefit worked by hand (3.5% a year, year 1 discounted, drop-off from the second year):
#   quantity 200, value -£50 (2024 prices), deadweight 10%, displacement 5%, attribution 20%, drop-off 25%, 3 years
#   impact = 200 × -50 × (1 - 0.10) × (1 - 0.05) × (1 - 0.20) = -10,000 × 0.9 × 0.95 × 0.8 = -£6,840.00
#   year 1: -6,840.00              ÷ 1.035   = -6,608.695652
#   year 2: -6,840.00 × 0.75 = -5,130.00 ÷ 1.035² = -4,788.909893
#   year 3: -5,130.00 × 0.75 = -3,847.50 ÷ 1.035³ = -3,470.224560
#   PV = -£14,867.83; before discounting -6,840 - 5,130 - 3,847.50 = -£15,817.50
HARM = {"stakeholder": "Local residents", "outcome": "Disruption during works", "quantity": "200", "value": "-50",
        "price_year": "2024", "deadweight": "10%", "displacement": "5%", "attribution": "20%", "drop_off": "25%",
        "duration": "3", "start_year": "1",
        "evidence": "deadweight 10% from council records; displacement 5% from survey; attribution 20% from survey; "
                    "drop-off 25% from records"}
HARM_PV, HARM_IMPACT, HARM_UNDISCOUNTED = -14_867.83, -6_840.0, -15_817.50
WORKED_PV = 152_215.01  # docs/method.md's worked check, a benefit


def read(tmp_path, *rows, name="map.csv"):
    header = list(dict.fromkeys(k for r in rows for k in r))
    return read_impact_map(write_csv(tmp_path / name, [{k: r.get(k, "") for k in header} for r in rows], header),
                           proxies=shipped_library())


def test_one_disbenefit_is_the_same_formula_with_a_negative_value(tmp_path):
    v = value(read(tmp_path, HARM), 100_000, price_year=2024, discounting="3.5%")
    line = v.lines.iloc[0]
    assert bool(line["disbenefit"])
    assert line["impact"] == pytest.approx(HARM_IMPACT, abs=1e-9)
    assert round(line["present_value"], 2) == HARM_PV
    assert round(line["undiscounted_value"], 2) == HARM_UNDISCOUNTED
    years = v.years["value"].to_numpy()
    np.testing.assert_allclose(years, [-6840.0, -5130.0, -3847.5])
    np.testing.assert_allclose(v.years["present_value"], [-6608.695652, -4788.909893, -3470.224560], atol=1e-6)


def test_a_proxy_marked_as_a_disbenefit_is_taken_as_a_loss(tmp_path):
    """A proxy's value is positive; ``disbenefit: yes`` makes the line count it against the total."""
    lib = shipped_library()
    proxy = lib["le-dft-value-of-time-commuting-2002"]
    row = {**HARM, "value": "", "price_year": "", "proxy_id": proxy.proxy_id, "disbenefit": "Yes"}
    v = value(read(tmp_path, row), 100_000, price_year=2024, discounting="3.5%", proxies=lib)
    repriced = proxy.value * v.deflators.factor(proxy.price_year, 2024)
    line = v.lines.iloc[0]
    assert line["value"] == -proxy.value and line["value_per_unit"] == pytest.approx(-repriced)
    assert line["impact"] == pytest.approx(200 * -repriced * 0.9 * 0.95 * 0.8)
    # the same line typed in with the proxy's repriced value below zero gives the same present value
    typed = value(read(tmp_path, {**HARM, "value": str(-repriced)}, name="typed.csv"), 100_000, price_year=2024,
                  discounting="3.5%")
    assert line["present_value"] == pytest.approx(typed.lines["present_value"].iloc[0], rel=1e-12)
    # "yes" on a value already below zero does not flip it back
    both = value(read(tmp_path, {**HARM, "disbenefit": "yes"}, name="both.csv"), 100_000, price_year=2024,
                 discounting="3.5%")
    assert round(both.present_value, 2) == HARM_PV


def test_the_ratio_nets_disbenefits_and_the_gross_figures_are_reported(tmp_path):
    v = value(read(tmp_path, WORKED_ROW, HARM), 100_000, price_year=2024, discounting="3.5%")
    assert round(v.gross_benefits, 2) == WORKED_PV
    assert round(v.gross_disbenefits, 2) == HARM_PV
    assert round(v.present_value, 2) == round(WORKED_PV + HARM_PV, 2) == 137_347.18
    assert v.sroi_ratio == pytest.approx(v.present_value / 100_000) and round(v.sroi_ratio, 4) == 1.3735
    assert round(v.npv, 2) == 37_347.18
    # payback uses the first year's net impact: 60,000 − 6,840
    assert v.annual_impact == pytest.approx(60_000 - 6_840)
    assert v.payback_months == pytest.approx(100_000 / ((60_000 - 6_840) / 12))
    s = v.summary()
    assert s["gross_benefits"] + s["gross_disbenefits"] == pytest.approx(s["present_value"])


def test_every_breakdown_keeps_the_disbenefit_apart(tmp_path):
    """The benefit and the disbenefit share a stakeholder, a value type and a theme: each breakdown shows two
    groups, never one netted bar."""
    benefit = {**WORKED_ROW, "value_type": "social", "theme": "wellbeing"}
    harm = {**HARM, "value_type": "social", "theme": "wellbeing"}
    v = value(read(tmp_path, benefit, harm), 100_000, price_year=2024, discounting="3.5%")
    for by, group in (("stakeholder", "Local residents"), ("value_type", "social"), ("theme", "wellbeing")):
        b = v.breakdown(by).set_index(by)
        assert list(b.index) == [group, f"{group} (disbenefit)"], by
        assert round(b.loc[group, "present_value"], 2) == WORKED_PV
        assert round(b.loc[f"{group} (disbenefit)", "present_value"], 2) == HARM_PV
        # shares are of the gross benefits: the benefit 100%, the disbenefit below zero
        assert b.loc[group, "share"] == pytest.approx(1.0)
        assert b.loc[f"{group} (disbenefit)", "share"] == pytest.approx(HARM_PV / WORKED_PV, rel=1e-6)
    pillars = v.by_framework(load_framework("best_city_ambition")).set_index("best_city_ambition")
    assert round(pillars.loc["Health and wellbeing", "present_value"], 2) == WORKED_PV
    assert round(pillars.loc["Health and wellbeing (disbenefit)", "present_value"], 2) == HARM_PV
    y = v.by_year().set_index("year")
    np.testing.assert_allclose(y["disbenefits_present_value"], [-6608.695652, -4788.909893, -3470.224560], atol=1e-6)
    np.testing.assert_allclose(y["benefits_present_value"] + y["disbenefits_present_value"], y["present_value"])
    assert round(y["benefits_present_value"].sum(), 2) == WORKED_PV


def test_without_disbenefits_nothing_changes(tmp_path):
    v = value(read(tmp_path, WORKED_ROW), 100_000, price_year=2024, discounting="3.5%")
    assert v.gross_disbenefits == 0 and v.gross_benefits == v.present_value
    assert list(v.breakdown("stakeholder")["stakeholder"]) == ["Local residents"]
    assert (v.by_year()["disbenefits_present_value"] == 0).all()


def test_json_and_text_carry_the_gross_benefits_and_disbenefits(tmp_path, capsys):
    path = write_csv(tmp_path / "map.csv", [{**WORKED_ROW, "evidence": ""}, HARM])
    assert main(["value", str(path), "--investment", "100000", "--discount", "3.5%", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert round(out["gross_benefits"], 2) == WORKED_PV and round(out["gross_disbenefits"], 2) == HARM_PV
    assert round(out["present_value"], 2) == 137_347.18
    assert [ln["disbenefit"] for ln in out["lines"]] == [False, True]
    assert "Local residents (disbenefit)" in [g["stakeholder"] for g in out["breakdowns"]["stakeholder"]]
    assert main(["value", str(path), "--investment", "100000", "--discount", "3.5%"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"Benefits \(present value\) +£152,215\.01", text)
    assert re.search(r"Disbenefits \(present value\) +-£14,867\.83", text)
    assert re.search(r"Present value, net of disbenefits +£137,347\.18", text)
    assert "Disbenefits (1 line: negative outcomes, taken off the benefits)" in text
    assert "Local residents (disbenefit)" in text


def test_a_map_without_disbenefits_prints_as_before(tmp_path):
    v = value(read(tmp_path, WORKED_ROW), 100_000, price_year=2024, discounting="3.5%")
    text = valuation_text(v, "worked")
    assert "Disbenefits" not in text and "Present value of outcomes" in text


def test_the_guard_checks_a_disbenefit_only_where_harm_could_be_taken_off(tmp_path):
    """0% adjustments, no drop-off and a long duration count more harm, not less: no finding. A non-zero
    adjustment with no figure or source takes harm off the total: a warning."""
    plain = {**HARM, "deadweight": "0%", "displacement": "0%", "attribution": "0%", "drop_off": "0%",
             "duration": "8", "evidence": ""}
    v = value(read(tmp_path, plain, {**plain, "quantity": "10"}), 100_000, price_year=2024, discounting="3.5%")
    assert overclaiming_checks(v.lines).empty  # not even "valued twice": the harm counted twice is not an over-claim
    unexplained = {**HARM, "evidence": "attribution 20% from survey; drop-off 25% from records"}
    v = value(read(tmp_path, unexplained, name="b.csv"), 100_000, price_year=2024, discounting="3.5%")
    found = overclaiming_checks(v.lines)
    assert list(found["check"]) == ["unsupported", "unsupported"]
    assert "deadweight is 10% on a disbenefit" in found["detail"].iloc[0]
    assert "displacement is 5% on a disbenefit" in found["detail"].iloc[1]


def test_tipping_points_move_a_disbenefit_the_right_way(tmp_path):
    """Without drop-off the harm is 6,840 a year: its present value over n years is 6,840 × Σ 1/1.035^t, and the
    ratio (152,215.01 − harm) ÷ 100,000 reaches 1 when the harm reaches 52,215.01: in year 10 (a_9 = 7.6077,
    a_10 = 8.3166, and 52,215.01 ÷ 6,840 = 7.634)."""
    v = value(read(tmp_path, WORKED_ROW, {**HARM, "drop_off": "0%"}), 100_000, price_year=2024, discounting="3.5%")
    m = Model.from_valuation(v)
    harm_pv = v.lines["present_value"].iloc[1]
    t = tipping_points(m).set_index(["assumption", "row"])
    q = t.loc[("quantity", 3)]  # more people delayed: the quantity rises
    assert not q["never"] and q["direction"] == "rises"
    assert q["tipping"] == pytest.approx(200 * (WORKED_PV - 100_000) / -harm_pv, rel=1e-6)
    val = t.loc[("value", 3)]  # a larger loss per person: the value falls further below zero, and stays below it
    assert not val["never"] and val["direction"] == "falls" and val["tipping"] < m.value[1] < 0
    assert m.ratio(value=np.array([m.value[0], val["tipping"]])) == pytest.approx(1.0)
    assert t.loc[("deadweight", 3)]["never"]  # even at 0% deadweight the harm is too small to tip the ratio
    duration = t.loc[("duration", 3)]  # the harm lasting longer: the duration rises, to 10 years
    assert not duration["never"] and duration["direction"] == "rises" and duration["tipping"] == 10
    assert m.ratio(duration=np.array([3, 10])) < 1 <= m.ratio(duration=np.array([3, 9]))
    assert t.loc[("start_year", 3)]["never"]  # a later start only shrinks the discounted harm: the ratio rises


def test_one_way_and_monte_carlo_keep_a_disbenefit_below_zero(tmp_path):
    v = value(read(tmp_path, WORKED_ROW, HARM), 100_000, price_year=2024, discounting="3.5%")
    m = Model.from_valuation(v)
    ow = one_way(m).set_index(["assumption", "row"])
    moved = ow.loc[("value", 3)]
    assert moved["low"] == pytest.approx(-37.5) and moved["high"] == pytest.approx(-62.5)
    assert moved["ratio_high"] < v.sroi_ratio < moved["ratio_low"]
    draws = monte_carlo(m, [Uncertain("value", 1, Distribution("normal", mean=-50.0, sd=100.0))], draws=2000, seed=3)
    pv_benefit = v.lines["present_value"].iloc[0]
    # every draw keeps the line a disbenefit: its present value never rises above zero
    assert (draws.present_values <= pv_benefit + 1e-6).all()
    assert (draws.present_values < pv_benefit - 1).mean() > 0.9


def test_the_workbook_reproduces_a_map_with_a_disbenefit(tmp_path):
    from tests.unit.reports.test_valuation_workbook import assert_workbook_matches, every_convention_map

    from sroi_lib.reports.valuation_workbook import write_valuation_workbook

    impact_map, inputs = every_convention_map()
    harm = {"stakeholder": "Road users", "outcome": "Delay during works", "quantity": 30_000, "value": -4.46,
            "price_year": 2002, "deadweight": 0.2, "displacement": 0.0, "attribution": 0.1, "drop_off": 0.5,
            "duration": 3, "start_year": 1, "proxy_id": "", "row": len(impact_map) + 2}
    proxied = {**harm, "outcome": "Delay, commuters", "value": None, "price_year": None,
               "proxy_id": "le-dft-value-of-time-commuting-2002", "disbenefit": True, "row": len(impact_map) + 3}
    impact_map = pd.concat([impact_map, pd.DataFrame([harm, proxied])], ignore_index=True)
    v = value(impact_map, inputs, price_year=2024, discounting="green-book", proxies=shipped_library())
    assert v.lines["disbenefit"].sum() == 2 and v.gross_disbenefits < 0
    path = write_valuation_workbook(tmp_path / "results.xlsx", v, title="with disbenefits")
    assert_workbook_matches(path, v)  # every figure, the gross benefits and disbenefits among them


def test_a_disbenefit_bar_draws_below_zero_and_is_labelled(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from sroi_lib.views.plots import bar_chart, year_profile

    v = value(read(tmp_path, WORKED_ROW, HARM), 100_000, price_year=2024, discounting="3.5%")
    fig = bar_chart(v.breakdown("stakeholder"), "stakeholder", "Present value by stakeholder")
    ax = fig.axes[0]
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths[0] == pytest.approx(HARM_PV, abs=0.01) and widths[-1] == pytest.approx(WORKED_PV, abs=0.01)
    assert ax.get_xlim()[0] < HARM_PV  # the bar is inside the axes, not cut at zero
    labels = [t.get_text().strip() for t in ax.texts]
    assert "-£15k (-10%)" in labels and "£152k (100%)" in labels
    fig = year_profile(v.by_year())
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["Value in the year (net of disbenefits)", "Present value (net of disbenefits)",
                      "Disbenefits (present value)"]
