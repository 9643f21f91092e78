"""What explore_impact_map.ipynb calls: a map valued as `sroi value` values it, and the proxies it uses."""

from __future__ import annotations

import pytest

from sroi_lib.errors import InputError
from sroi_lib.reports.contract import value_files
from sroi_lib.views.bench import EXPLORE_EXAMPLE, explore_map, proxies_used
from tests.conftest import EXAMPLES, ROOT, write_csv


def test_blank_parameters_value_the_example_with_the_shipped_library():
    valued = explore_map()
    example = EXAMPLES / EXPLORE_EXAMPLE
    expected = value_files(example / "impact_map.csv", example / "inputs.csv").valuation
    assert valued.valuation.present_value == pytest.approx(expected.present_value, rel=1e-12)
    used = proxies_used(valued)
    assert "hw-wellby-central" in used.index and used["source_url"].str.startswith("http").all()
    assert set(used.index) == {p for p in valued.valuation.lines["proxy_id"] if p}


def test_an_own_library_investment_and_no_framework(tmp_path):
    impact_map = write_csv(tmp_path / "map.csv", [{"stakeholder": "Patients", "outcome": "Fewer GP appointments",
                                                   "quantity": "10", "duration": "1", "proxy_id": "t-gp-appointment"}])
    with pytest.raises(InputError, match="t-gp-appointment"):  # not in the shipped library
        explore_map(impact_map, investment="1000")
    valued = explore_map(impact_map, investment="1000", proxies=ROOT / "tests" / "fixtures" / "proxies_small.csv",
                         framework="none", price_year=2022, discounting="none")
    assert valued.framework is None and valued.valuation.total_inputs == 1000
    assert valued.valuation.present_value == pytest.approx(420)  # 10 × £42 (2022 prices), nothing taken off
    assert proxies_used(valued).loc["t-gp-appointment", "source_url"] == "https://example.org/gp"


def test_a_map_without_proxies_lists_none():
    worked = EXAMPLES / "worked_check"
    assert proxies_used(explore_map(worked / "impact_map.csv", worked / "inputs.csv")).empty
