"""The shipped income by fifth (data/reference/income_quintiles.yaml), used for distributional weights.

A weight is (median / income of fifth q) ** 1.3, so the file must give, for one release, measure and year, the
income of each of the five fifths and the overall median. These tests read the file with sroi's YAML reader
(PyYAML's safe loader) and check: the source, licence, year and prices are named; the five fifths are 1 to 5
and rise strictly; the overall median lies strictly between the 2nd and 4th fifths' medians (true of any
distribution: the 2nd fifth's median is below the 40th percentile and the 4th fifth's above the 60th);
every figure is the cell in the quoted source row; and the ONS bulletin's rounded headline figures agree.
"""

from __future__ import annotations

import datetime

import pytest

from sroi_lib.paths import read_yaml, reference_file

OPEN_LICENCES = {"Open Government Licence v3.0", "Open Parliament Licence v3.0", "CC BY 4.0"}


@pytest.fixture(scope="module")
def table():
    return read_yaml(reference_file("income_quintiles.yaml"), "income quintiles file")


def _cells(row: str) -> list[str]:
    """'2023/24 | 16832 | 27371' -> ['2023/24', '16832', '27371']."""
    return [c.strip() for c in row.split("|")]


def _quoted_row(quote: str, first: str) -> list[str]:
    rows = [_cells(line) for line in quote.splitlines() if _cells(line)[0] == first]
    assert len(rows) == 1, f"the quote should hold one row starting {first!r}"
    return rows[0]


def test_the_file_names_its_source_licence_year_and_prices(table):
    assert "Office for National Statistics" in table["source"] and "Table 2" in table["source"]
    assert table["source_url"].startswith("https://www.ons.gov.uk/")
    assert table["licence"] in OPEN_LICENCES and table["licence_note"]
    assert isinstance(table["published"], datetime.date) and isinstance(table["read"], datetime.date)
    assert table["financial_year"] == "FYE 2024"
    assert table["price_year"].startswith("2023/24")
    assert table["where"] and table["quote"] and table["notes"]
    # Which average of each fifth is given must be said, since a mean and a median differ.
    assert "MEDIAN of each quintile group" in table["measure"]


def test_there_are_five_fifths_numbered_1_to_5_in_whole_pounds(table):
    quintiles = table["quintiles"]
    assert list(quintiles) == [1, 2, 3, 4, 5]
    for value in [*quintiles.values(), table["median"]]:
        assert isinstance(value, int) and not isinstance(value, bool) and value > 0


def test_income_rises_strictly_from_the_poorest_fifth_to_the_richest(table):
    q = table["quintiles"]
    assert all(q[i] < q[i + 1] for i in range(1, 5)), q


def test_the_median_lies_strictly_between_the_2nd_and_4th_fifths(table):
    q = table["quintiles"]
    assert q[2] < table["median"] < q[4]
    low, high = table["median_95ci"]
    assert low < table["median"] < high


def test_every_figure_is_the_cell_in_the_quoted_row_of_the_source(table):
    header = _quoted_row(table["quote"], "Year")
    assert header == ["Year", "Bottom", "2nd", "3rd", "4th", "Top", "All Individuals"]
    row = _quoted_row(table["quote"], "2023/24")
    assert [int(c) for c in row[1:6]] == [table["quintiles"][q] for q in range(1, 6)]
    assert int(row[6]) == table["median"]
    # The same overall median is Table 1's "All people" median of the same workbook.
    assert int(_quoted_row(table["table_1_quote"], "2023/24")[2]) == table["median"]
    ci_row = _quoted_row(table["table_32_quote"], "All individuals, Median (£ per year)")
    assert [int(c) for c in ci_row[1:4]] == [table["median_95ci"][0], table["median"], table["median_95ci"][1]]


def test_the_bulletin_headlines_are_the_figures_rounded_to_100_pounds(table):
    check = table["check"]
    assert round(table["median"], -2) == check["median"] and f"£{check['median']:,}" in check["quote"]
    assert round(table["quintiles"][1], -2) == check["poorest_fifth"]
    assert f"poorest fifth of the population decreased by 2.6% to £{check['poorest_fifth']:,}" in check["quote"]
    assert round(table["quintiles"][5], -2) == check["richest_fifth"]
    assert f"richest fifth of the population decreased by 1.6% to £{check['richest_fifth']:,}" in check["quote"]

