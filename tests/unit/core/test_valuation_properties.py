"""Properties the valuation must keep for any impact map (hypothesis)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sroi_lib.core.valuation import value

fraction = st.floats(0, 1, allow_nan=False)
schedules = st.sampled_from(["green-book", "health", "none", "3.5%", "7%"])

line_st = st.fixed_dictionaries({
    "stakeholder": st.sampled_from(["Residents", "Tenants", "NHS"]),
    "outcome": st.sampled_from(["Into work", "Warmer homes", "Fewer admissions"]),
    "quantity": st.floats(0, 1e5, allow_nan=False),
    "value": st.floats(0.01, 1e5, allow_nan=False),
    "price_year": st.integers(1990, 2024),
    "duration": st.integers(1, 60),
    "start_year": st.integers(1, 10),
    "deadweight": fraction, "displacement": fraction, "attribution": fraction, "drop_off": fraction,
})
maps = st.lists(line_st, min_size=1, max_size=8).map(pd.DataFrame)
SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(maps, schedules, st.sampled_from(["deadweight", "displacement", "attribution", "drop_off"]),
       st.floats(0, 1, allow_nan=False))
def test_raising_an_adjustment_never_raises_pv(m, schedule, column, bump):
    before = value(m, 1000, discounting=schedule).present_value
    raised = m.copy()
    raised[column] = np.minimum(1.0, raised[column] + bump)
    after = value(raised, 1000, discounting=schedule).present_value
    assert after <= before * (1 + 1e-12) + 1e-9


@SETTINGS
@given(maps, schedules)
def test_pv_never_exceeds_the_undiscounted_total(m, schedule):
    v = value(m, 1000, discounting=schedule)
    assert v.present_value <= v.undiscounted_value * (1 + 1e-12) + 1e-9


@SETTINGS
@given(maps, schedules, st.floats(0.01, 1000, allow_nan=False), st.floats(1, 1e7, allow_nan=False))
def test_scaling_quantities_and_inputs_keeps_the_ratio(m, schedule, factor, invest):
    base = value(m, invest, discounting=schedule)
    scaled = m.assign(quantity=m["quantity"] * factor)
    after = value(scaled, invest * factor, discounting=schedule)
    assert after.sroi_ratio == pytest.approx(base.sroi_ratio, rel=1e-9, abs=1e-12)


@SETTINGS
@given(maps, schedules, st.floats(0, 1, allow_nan=False))
def test_splitting_a_line_keeps_pv(m, schedule, share):
    first = m.iloc[[0]]
    split = pd.concat([first.assign(quantity=first["quantity"] * share),
                       first.assign(quantity=first["quantity"] * (1 - share)), m.iloc[1:]], ignore_index=True)
    a = value(m, 1000, discounting=schedule).present_value
    b = value(split, 1000, discounting=schedule).present_value
    assert b == pytest.approx(a, rel=1e-9, abs=1e-6)


long_line = st.fixed_dictionaries({
    "stakeholder": st.just("Residents"), "outcome": st.just("Into work"),
    "quantity": st.floats(0, 1e4, allow_nan=False), "value": st.floats(0.01, 1e4, allow_nan=False),
    "price_year": st.just(2024), "duration": st.integers(1, 400), "start_year": st.integers(1, 320),
    "deadweight": fraction, "displacement": st.just(0.0), "attribution": st.just(0.0),
    "drop_off": st.one_of(st.just(0.0), st.just(1.0), fraction),
})


@SETTINGS
@given(st.lists(long_line, min_size=1, max_size=5).map(pd.DataFrame), schedules)
def test_closed_form_pv_equals_the_year_by_year_trail(m, schedule):
    # The engine sums each line in closed form, band by band; the trail expands every year.
    v = value(m, 1000, discounting=schedule)
    assert v.years["present_value"].sum() == pytest.approx(v.present_value, rel=1e-9, abs=1e-9)
    assert v.years["value"].sum() == pytest.approx(v.undiscounted_value, rel=1e-9, abs=1e-9)
    per_line = v.years.groupby("line")["present_value"].sum().to_numpy()
    assert per_line == pytest.approx(v.lines["present_value"].to_numpy(), rel=1e-9, abs=1e-9)
