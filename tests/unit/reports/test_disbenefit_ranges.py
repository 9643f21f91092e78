"""A disbenefit's value can be given a range and a scenario value, as a loss (below zero); a benefit's cannot go
below zero, and the message says how a disbenefit is marked."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from sroi_lib.errors import InputError
from sroi_lib.reports.contract import load_contract
from sroi_lib.reports.params import load_params
from tests.conftest import ROOT

HIGHWAYS = ROOT / "parameters" / "lcc-highways-maintenance.yaml"
LOSS_ROW = 9  # delay to road users during the works: a disbenefit valued at -£8.86 an hour in 2024 prices


def contract(tmp_path, distributions=None, lines=None):
    raw = yaml.safe_load(HIGHWAYS.read_text(encoding="utf-8"))
    for key in ("impact_map", "inputs", "commitments", "returns"):
        if raw.get(key):
            raw[key] = str((HIGHWAYS.parent / raw[key]).resolve())
    raw["uncertainty"] = {"monte_carlo": {"draws": 2000, "seed": 7, "distributions": distributions or []}}
    raw["scenarios"] = {"longer delays": {"lines": lines}} if lines else {}
    path = tmp_path / "highways.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, width=10_000), encoding="utf-8")
    return path


def test_a_disbenefits_value_is_drawn_below_zero_and_moves_the_ratio(tmp_path):
    params = contract(tmp_path, [{"row": LOSS_ROW, "value": {"distribution": "triangular", "low": -15, "mode": -8.86,
                                                             "high": -6}}],
                      lines={LOSS_ROW: {"value": -20}})
    load_params(params)  # the form alone, before the map is read: either sign is taken
    run = load_contract(params)
    base = run.valuation.summary()["sroi_ratio"]
    mc = run.uncertainty.monte_carlo
    # only the loss is drawn, so the ratio moves both ways around the central case, and never above the ratio
    # with the smallest loss drawn (-£6 an hour instead of -£8.86)
    assert mc.ratios.min() < base < mc.ratios.max()
    line = run.valuation.lines.set_index("row").loc[LOSS_ROW]
    # the line's present value scales with its value: PV × (-6 ÷ value) at the smallest loss
    smallest_loss = base + line["present_value"] * (-6 / line["value_per_unit"] - 1) / run.valuation.total_inputs
    assert mc.ratios.max() <= smallest_loss + 1e-9
    # the scenario's larger loss (-£20 an hour) scales the line's present value by -20 ÷ -8.86
    scenarios = run.uncertainty.scenarios.set_index("scenario")
    expected = base + line["present_value"] * (-20 / line["value_per_unit"] - 1) / run.valuation.total_inputs
    ratio = scenarios.loc["longer delays", "sroi_ratio"]
    assert ratio == pytest.approx(expected, rel=1e-9) and ratio < base


def test_a_disbenefits_value_above_zero_is_refused_naming_the_row(tmp_path):
    params = contract(tmp_path, [{"row": LOSS_ROW, "value": {"distribution": "triangular", "low": 6, "mode": 8.86,
                                                             "high": 15}}])
    with pytest.raises(InputError) as exc:
        load_contract(params)
    text = str(exc.value)
    assert "is above zero, but the row is a disbenefit: its value is a loss" in text
    assert "distributions → item 1 → value → low" in text and "-8.86" in text


def test_a_benefits_value_below_zero_says_how_a_disbenefit_is_marked(tmp_path):
    params = contract(tmp_path, lines={5: {"value": -100}})
    with pytest.raises(InputError) as exc:
        load_contract(params)
    text = str(exc.value)
    assert "'-100' is below zero" in text or "-100 is below zero" in text
    assert "mark its line 'disbenefit: yes' in the impact map" in text
    assert np.isfinite(load_contract(HIGHWAYS).valuation.summary()["sroi_ratio"])
