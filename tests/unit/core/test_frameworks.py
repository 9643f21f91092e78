"""Frameworks: themes grouped into a council's priorities."""

import pandas as pd
import pytest

from sroi_lib.errors import InputError
from sroi_lib.core.frameworks import available_frameworks, load_framework
from sroi_lib.core.valuation import value


def test_best_city_ambition_has_three_pillars():
    f = load_framework("best_city_ambition")
    assert list(f.groups) == ["Health and wellbeing", "Inclusive growth", "Zero carbon"]
    assert f.group_of("Environment and carbon") == "Zero carbon"
    assert f.group_of("employment and skills") == "Inclusive growth"
    assert f.group_of("astrology") == "not mapped"
    assert "leeds.gov.uk" in f.source_url


def test_a_second_framework_ships():
    assert {"best_city_ambition", "national_toms"} <= set(available_frameworks())
    toms = load_framework("national_toms")
    assert len(toms.groups) == 5 and toms.group_of("environment and carbon").startswith("Environment")


def test_valuation_by_framework_adds_up():
    m = pd.DataFrame({"stakeholder": ["A", "B", "C"], "outcome": ["x", "y", "z"], "quantity": [1.0, 1.0, 1.0],
                      "value": [100.0, 200.0, 400.0], "price_year": [2024] * 3, "duration": [1, 1, 1],
                      "theme": ["health and care", "environment and carbon", "unknown theme"]})
    v = value(m, 100, discounting="none")
    for name in ("best_city_ambition", "national_toms"):
        b = v.by_framework(load_framework(name))
        assert b.iloc[:, 0].tolist()[0] in ("not mapped",) and b["present_value"].sum() == pytest.approx(700)
    b = v.by_framework(load_framework("best_city_ambition")).set_index("best_city_ambition")["present_value"]
    assert b["Zero carbon"] == 200 and b["Health and wellbeing"] == 100 and b["not mapped"] == 400


def test_a_theme_in_two_groups_is_refused(tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text("name: mine\ngroups:\n  A: [health and care]\n  B: [Health and care]\n")
    with pytest.raises(InputError, match="in both 'A' and 'B'"):
        load_framework(p)


def test_unknown_framework_name():
    with pytest.raises(InputError, match="no framework called 'nope'"):
        load_framework("nope")
