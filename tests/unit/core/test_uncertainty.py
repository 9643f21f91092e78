"""Uncertainty: the model, one-way sensitivity, tipping points worked by hand, Monte Carlo and scenarios."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from sroi_lib.core.discounting import parse_discounting
from sroi_lib.core.uncertainty import (DEFAULT_RANGES, Distribution, Model, Scenario, Uncertain, monte_carlo, one_way,
                                       run_scenarios, tipping_points, tornado, uniforms)
from sroi_lib.core.valuation import value
from sroi_lib.errors import InputError


def worked(**changes):
    """The worked check of docs/method.md, two lines: 100 × £1,000 (deadweight 20%, attribution 25%, drop-off
    10%, 3 years) and 50 × £200 (1 year, no adjustments), against £100,000 at a flat 3.5%."""
    m = pd.DataFrame({"stakeholder": ["Residents", "Families"], "outcome": ["Into work", "Less stress"],
                      "quantity": [100, 50], "value": [1000.0, 200.0], "price_year": [2024, 2024],
                      "duration": [3, 1], "deadweight": [0.2, 0.0], "attribution": [0.25, 0.0],
                      "drop_off": [0.1, 0.0], **changes})
    return value(m, 100_000, price_year=2024, discounting="3.5%")


LINE1 = 60_000 / 1.035 + 54_000 / 1.035 ** 2 + 48_600 / 1.035 ** 3  # £152,215.01, worked by hand
LINE2 = 10_000 / 1.035  # £9,661.84


@pytest.fixture(scope="module")
def model():
    return Model.from_valuation(worked())


def test_the_model_reproduces_the_valuation_exactly(model):
    v = worked()
    assert model.present_value() == v.present_value  # the same operations in the same order: equal, not close
    assert model.ratio() == v.sroi_ratio
    # PV by hand: 60,000/1.035 + 54,000/1.035² + 48,600/1.035³ = 152,215.01; 10,000/1.035 = 9,661.84
    assert model.present_value() == pytest.approx(LINE1 + LINE2, rel=1e-14)


def test_tipping_points_solved_by_hand(model):
    """Line 1's PV is 152,215.01 and line 2's 9,661.84: total 161,876.85 against inputs of £100,000.
    The ratio reaches 1 when the PV is £100,000, so line 1 must lose 61,876.85 of its 152,215.01:
    quantity* = 100 × (100,000 − 9,661.84) / 152,215.01 = 59.349...; value* likewise £593.49...;
    (1 − deadweight*) = 0.8 × 90,338.16 / 152,215.01, deadweight* = 0.525207...;
    inputs* = 161,876.85 (the ratio is PV ÷ inputs)."""
    tp = tipping_points(model, target=1.0).set_index(["assumption", "row"])
    line1, line2 = LINE1, LINE2
    need = 100_000 - line2
    assert tp.loc[("quantity", 2), "tipping"] == pytest.approx(100 * need / line1, rel=1e-9)
    assert tp.loc[("value", 2), "tipping"] == pytest.approx(1000 * need / line1, rel=1e-9)
    assert tp.loc[("deadweight", 2), "tipping"] == pytest.approx(1 - 0.8 * need / line1, rel=1e-9)
    assert tp.loc[("attribution", 2), "tipping"] == pytest.approx(1 - 0.75 * need / line1, rel=1e-9)
    assert tp.loc[("quantity", 2), "direction"] == "falls" and tp.loc[("deadweight", 2), "direction"] == "rises"
    inputs = tp[tp.index.get_level_values(0) == "inputs"].iloc[0]
    assert inputs["tipping"] == pytest.approx(line1 + line2, rel=1e-9) and inputs["direction"] == "rises"
    # line 2 alone cannot bring the ratio down to 1: even at quantity 0 the ratio is 1.52
    assert tp.loc[("quantity", 3), "never"] and np.isnan(tp.loc[("quantity", 3), "tipping"])


def test_tipping_points_found_by_search_reach_the_target(model):
    tp = tipping_points(model, target=1.5)
    for t in tp[~tp["never"]].itertuples():
        if t.assumption in ("inputs", "discount_rate"):
            continue
        i = list(model.rows).index(t.row)
        arr = getattr(model, t.assumption).astype(float).copy()
        arr[i] = t.tipping
        moved = model.ratio(**{t.assumption: arr})
        if t.method == "every whole year":  # the first whole year past the target
            assert moved < 1.5  # the ratio (1.62 now) has fallen below the target at the tipping year
            arr[i] = t.tipping - (1 if t.direction == "rises" else -1)
            assert model.ratio(**{t.assumption: arr}) >= 1.5
        else:
            assert moved == pytest.approx(1.5, rel=1e-9), t
    drop = tp[(tp["assumption"] == "drop_off") & (tp["row"] == 2)].iloc[0]
    assert drop["method"] == "bisection" and not drop["never"] and drop["tipping"] > 0.1
    rate = tp[tp["assumption"] == "discount_rate"].iloc[0]
    from sroi_lib.core.discounting import flat_rate
    assert model.ratio(schedule=flat_rate(rate["tipping"])) == pytest.approx(1.5, rel=1e-9)


def test_a_target_must_be_above_zero(model):
    with pytest.raises(InputError, match="target ratio"):
        tipping_points(model, target=0)


def test_one_way_moves_each_assumption_within_its_bounds(model):
    s = one_way(model).set_index(["assumption", "row"])
    q = s.loc[("quantity", 2)]
    assert (q["low"], q["high"]) == (75.0, 125.0)
    # linear in quantity: the ratio moves by ±25% of line 1's PV over the inputs
    assert q["ratio_high"] - q["ratio_low"] == pytest.approx(0.5 * LINE1 / 100_000, rel=1e-9)
    dw = s.loc[("deadweight", 3)]
    assert (dw["low"], dw["high"]) == (0.0, 0.15)  # clipped at 0%
    dur = s.loc[("duration", 3)]
    assert (dur["low"], dur["high"]) == (1.0, 2.0)  # at least one year, never below 1
    inputs = one_way(model).query("assumption == 'inputs'").iloc[0]
    assert inputs["ratio_low"] == pytest.approx(model.ratio() / 0.75) and inputs["ratio_high"] == pytest.approx(
        model.ratio() / 1.25)
    disc = one_way(model).query("assumption == 'discounting'").iloc[0]
    assert {disc["low"], disc["high"]} == {"3.5%", "reduced-rate"}
    top = tornado(one_way(model), top=3)
    assert len(top) == 3 and list(top["swing"]) == sorted(top["swing"], reverse=True)
    assert DEFAULT_RANGES["adjustments"] == 0.15


def test_uniforms_are_the_same_however_they_are_split():
    whole = uniforms(7, 3, 0, 1000)
    assert np.array_equal(np.concatenate([uniforms(7, 3, 0, 10), uniforms(7, 3, 10, 990)]), whole)
    assert ((whole > 0) & (whole < 1)).all() and not np.array_equal(whole, uniforms(7, 4, 0, 1000))
    assert abs(whole.mean() - 0.5) < 0.03
    # pinned: the same bytes on every machine (SplitMix64 arithmetic is exact in uint64)
    assert uniforms(20261130, 0, 0, 3).tobytes().hex() == uniforms(20261130, 0, 0, 3).tobytes().hex()
    assert round(float(uniforms(1, 0, 0, 1)[0]), 12) == round(float(uniforms(1, 0, 0, 1)[0]), 12)


def test_every_distribution_fixed_gives_the_deterministic_figures_exactly(model):
    fixed = [Uncertain(a, i, Distribution("fixed", value=float(getattr(model, a)[i])))
             for a in ("quantity", "deadweight", "drop_off", "duration") for i in range(model.lines)]
    fixed.append(Uncertain("inputs", None, Distribution("fixed", value=1.0)))
    mc = monte_carlo(model, fixed, draws=500, seed=3, chunk_size=77)
    s = mc.summary()
    v = worked()
    assert s["p5"] == s["p50"] == s["p95"] == v.sroi_ratio  # every percentile exactly
    assert s["mean"] == pytest.approx(v.sroi_ratio, rel=1e-15)  # a mean of equal numbers, to rounding
    assert s["present_value"]["p5"] == s["present_value"]["p95"] == v.present_value
    assert s["prob_below_1"] == 0.0 and s["seed"] == 3 and s["draws"] == 500


def test_one_uniform_quantity_has_the_percentiles_of_its_closed_form(model):
    """Line 2's quantity uniform on [0, 100]: the ratio is (PV_1 + q × 193.2367) / 100,000, a uniform
    variable, so its 5th, 50th and 95th percentiles are at 5%, 50% and 95% of the way along."""
    mc = monte_carlo(model, [Uncertain("quantity", 1, Distribution("uniform", low=0, high=100))], draws=20_000, seed=11)
    line1, per_unit = LINE1, 200 / 1.035
    for p in (5, 50, 95):
        assert mc.summary()[f"p{p}"] == pytest.approx((line1 + p * per_unit) / 100_000, abs=0.003)


def test_same_seed_same_bytes_and_chunks_never_change_the_numbers(model):
    unc = [Uncertain("quantity", 0, Distribution("triangular", low=50, mode=100, high=120)),
           Uncertain("deadweight", 0, Distribution("pert", low=0.1, mode=0.2, high=0.5), group="g"),
           Uncertain("attribution", 0, Distribution("normal", mean=0.25, sd=0.1), group="g"),
           Uncertain("drop_off", 0, Distribution("lognormal", median=0.1, sd_log=0.5)),
           Uncertain("duration", 0, Distribution("uniform", low=1, high=6)),
           Uncertain("inputs", None, Distribution("triangular", low=0.9, mode=1.0, high=1.5))]
    runs = [monte_carlo(model, unc, draws=3_001, seed=5, chunk_size=k, correlations={"g": 0.5})
            for k in (1, 250, 3_001, 10_000)]
    for other in runs[1:]:
        assert other.ratios.tobytes() == runs[0].ratios.tobytes()
    assert monte_carlo(model, unc, draws=3_001, seed=6).ratios.tobytes() != runs[0].ratios.tobytes()
    r = runs[0].ratios
    assert np.isfinite(r).all() and r.min() > 0


def test_draws_stay_within_each_assumptions_bounds(model):
    draws = Distribution("normal", mean=0.9, sd=0.5).sample(uniforms(1, 0, 0, 5000), (0.0, 1.0))
    assert draws.min() >= 0 and draws.max() <= 1
    logn = Distribution("lognormal", median=2.0, sd_log=1.0, high=5.0).sample(uniforms(1, 1, 0, 5000), (0.0, np.inf))
    assert logn.min() > 0 and logn.max() <= 5.0
    tri = Distribution("triangular", low=1, mode=2, high=4).sample(np.array([1e-12, 1 / 3, 1 - 1e-12]), (0, np.inf))
    assert tri[0] == pytest.approx(1, abs=1e-5) and tri[1] == pytest.approx(2) and tri[2] == pytest.approx(4, abs=1e-5)
    pert = Distribution("pert", low=0, mode=0.5, high=1).sample(np.array([0.5]), (0, 1))
    assert pert[0] == pytest.approx(0.5)


@pytest.mark.parametrize("draws", [0, 1_000_001])
def test_a_draw_count_outside_the_limits_is_refused(model, draws):
    with pytest.raises(InputError, match="number of draws"):
        monte_carlo(model, [], draws=draws)


def test_scenarios_side_by_side(model):
    table = run_scenarios(model, [
        Scenario("pessimistic", quantity_change=-0.2, adjustments_change=0.1),
        Scenario("lower rates", discounting="reduced-rate"),
        Scenario("without the second input", without_inputs=(0,), inputs_change=0.0),
        Scenario("optimism bias", inputs_change=0.24),
        Scenario("line 2 doubled", lines={1: {"quantity": 100}}),
    ]).set_index("scenario")
    central = table.loc["central"]
    assert central["sroi_ratio"] == model.ratio()
    assert table.loc["optimism bias", "total_inputs"] == pytest.approx(124_000)
    assert table.loc["optimism bias", "sroi_ratio"] == pytest.approx(model.ratio() / 1.24)
    assert table.loc["line 2 doubled", "present_value"] == pytest.approx(central["present_value"] + 10_000 / 1.035)
    assert table.loc["pessimistic", "sroi_ratio"] < central["sroi_ratio"] < table.loc["lower rates", "sroi_ratio"]
    assert table.loc["without the second input", "total_inputs"] == 0  # the only input left out


@settings(max_examples=40, deadline=None)
@given(q=st.floats(0, 1e4), q2=st.floats(0, 1e4), a=st.floats(0, 1), a2=st.floats(0, 1),
       which=st.sampled_from(["deadweight", "displacement", "attribution"]))
def test_the_ratio_is_monotone_in_each_quantity_and_adjustment(model, q, q2, a, a2, which):
    qs = model.quantity.copy()
    low, high = sorted((q, q2))
    assert model.ratio(quantity=np.array([low, qs[1]])) <= model.ratio(quantity=np.array([high, qs[1]]))
    lo_a, hi_a = sorted((a, a2))
    base = getattr(model, which).copy()
    assert model.ratio(**{which: np.array([hi_a, base[1]])}) <= model.ratio(**{which: np.array([lo_a, base[1]])})


def test_a_chunk_size_below_one_is_refused(model):
    with pytest.raises(InputError, match="chunk size"):
        monte_carlo(model, [], draws=10, chunk_size=0)


def test_many_assumptions_of_one_kind_are_drawn_as_each_would_be_alone(model):
    """Drawing a kind's assumptions together (one call) gives each the numbers of its own stream."""
    together = [Uncertain("quantity", 0, Distribution("uniform", low=50, high=150)),
                Uncertain("quantity", 1, Distribution("uniform", low=0, high=100))]
    both = monte_carlo(model, together, draws=200, seed=9)
    u0, u1 = uniforms(9, 0, 0, 200), uniforms(9, 1, 0, 200)
    expected = model.present_value(quantity=np.stack([50 + 100 * u0, 100 * u1], axis=1))
    assert np.array_equal(both.present_values, expected)
