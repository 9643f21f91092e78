"""The proxy explorer: filters drive the table (real ipywidgets objects, no browser)."""

import pytest

from sroi_lib.proxies.library import load_library
from sroi_lib.proxies.library import find_proxies
from sroi_lib.views.widgets import proxy_explorer, proxy_table_html
from tests.conftest import ROOT

LIB = load_library(ROOT / "tests" / "fixtures" / "proxies_small.csv")


def test_find_proxies_filters_and_reprices():
    found = find_proxies(LIB, "", pillar="Inclusive growth", price_year=2012)
    assert found["proxy_id"].tolist() == ["t-into-work", "t-family-support"]
    assert found.set_index("proxy_id").loc["t-into-work", "value_repriced"] == pytest.approx(9800)
    assert set(found["pillar"]) == {"Inclusive growth"}


def test_table_links_each_source():
    text = proxy_table_html(find_proxies(LIB, "carbon"))
    assert '<a href="https://example.org/carbon"' in text and "t-carbon-tonne" in text
    assert "No proxies match" in proxy_table_html(find_proxies(LIB, "zebra"))


def test_explorer_controls_update_the_table():
    box = proxy_explorer(LIB)
    (words, year), (_theme, pillar, value_type) = box.children[0].children, box.children[1].children
    count, table = box.children[2], box.children[3]
    assert "<b>6</b>" in count.value
    words.value = "carbon"
    assert "t-carbon-tonne" in table.value and "t-gp-appointment" not in table.value
    words.value = ""
    pillar.value = "Health and wellbeing"
    value_type.value = "fiscal"
    assert "<b>2</b>" in count.value and "t-gp-appointment" in table.value
    year.value = 2019
    assert "Value (2019 prices)" in table.value and "£1,200.00" in table.value
