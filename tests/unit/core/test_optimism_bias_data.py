"""The shipped optimism bias adjustments (data/reference/optimism_bias.yaml).

The optimism bias scenario uplifts an estimate E to E × (1 + u), with u taken from this file by project type.
These tests read the file through sroi's own YAML reader and check what that scenario relies on: a source, an
open licence and a date for the table; six project types, each with a label and bounds that make a range;
and every figure traceable to the quoted row of the source, with the columns (works duration, capital
expenditure) assigned as the source's own tables and worked example name them.
"""

from __future__ import annotations

import datetime
import re

import pytest

from sroi_lib.paths import read_yaml, reference_file

OPEN_LICENCES = {"Open Government Licence v3.0", "Open Parliament Licence v3.0", "CC BY 4.0"}
MEASURES = ("works_duration", "capital_expenditure", "operating_expenditure")
# HM Treasury (2003) / Mott MacDonald (2002): the generic project types, no more and no fewer.
PROJECT_TYPES = {"standard-buildings", "non-standard-buildings", "standard-civil-engineering",
                 "non-standard-civil-engineering", "equipment-development", "outsourcing"}


@pytest.fixture(scope="module")
def table():
    return read_yaml(reference_file("optimism_bias.yaml"), "optimism bias file")


def _percent(fraction: float) -> float:
    """0.24 -> 24.0: the source prints whole percentages."""
    return round(fraction * 100, 6)


def _cells(row: str) -> list[str]:
    """'Standard Buildings | 4 | 1 | 24 | 2 |' -> ['Standard Buildings', '4', '1', '24', '2']."""
    return [c.strip() for c in row.split("|") if c.strip()]


def _number(cell: str) -> float | None:
    """A cell of the source's table: '41*' -> 41.0 (the asterisk is a footnote mark), 'N/A' -> None."""
    return None if cell == "N/A" else float(cell.rstrip("*"))


def test_the_table_names_its_source_licence_date_and_place(table):
    assert table["url"].startswith("https://www.gov.uk/")
    assert "Mott MacDonald" in table["source"] and "HM Treasury" in table["source"]
    assert table["licence"] in OPEN_LICENCES
    assert isinstance(table["read"], datetime.date)
    assert table["where"] and table["quote"] and table["licence_note"]
    assert table["read_in"] and all("http" in place for place in table["read_in"])
    # How the bounds are meant to be used travels with them: start high, reduce only with evidence.
    assert "upper bound" in table["note"] and "reduce" in table["note"]


def test_the_table_has_the_six_project_types_of_the_guidance(table):
    assert set(table["categories"]) == PROJECT_TYPES


@pytest.mark.parametrize("name", sorted(PROJECT_TYPES))
def test_each_project_type_has_a_label_and_bounds_that_make_a_range(table, name):
    category = table["categories"][name]
    assert isinstance(category["label"], str) and category["label"].strip()
    measures = [m for m in MEASURES if m in category]
    assert measures, f"{name} gives no uplift"
    assert set(category) <= {"label", "row", *MEASURES}, f"{name} has an unknown key"
    for m in measures:
        bounds = category[m]
        assert set(bounds) == {"upper", "lower"}, (name, m)
        for value in bounds.values():
            assert isinstance(value, (int, float)) and not isinstance(value, bool), (name, m)
        assert 0 <= bounds["lower"] <= bounds["upper"] <= 3, (name, m)


@pytest.mark.parametrize("name", sorted(PROJECT_TYPES))
def test_every_figure_is_the_one_in_its_quoted_row(table, name):
    # The source's columns are: works duration upper, lower; expenditure upper, lower (capital expenditure,
    # or operating expenditure for outsourcing, where works duration is N/A).
    category = table["categories"][name]
    assert category["row"] in table["quote"].splitlines(), f"{name}: the row is not the one quoted"
    label, *cells = _cells(category["row"])
    assert label.lower() == category["label"].lower()
    expenditure = category.get("capital_expenditure") or category.get("operating_expenditure")
    assert not ("capital_expenditure" in category and "operating_expenditure" in category), name
    works = category.get("works_duration")
    expected = [_percent(works["upper"]) if works else None, _percent(works["lower"]) if works else None,
                _percent(expenditure["upper"]), _percent(expenditure["lower"])]
    assert [_number(c) for c in cells] == expected


def test_only_outsourcing_is_measured_on_operating_expenditure(table):
    # The source's footnote: "The optimism bias for outsourcing projects is measured for operating expenditure".
    assert "outsourcing projects is measured for operating expenditure" in table["quote"]
    on_opex = {n for n, c in table["categories"].items() if "operating_expenditure" in c}
    assert on_opex == {"outsourcing"}
    assert "capital_expenditure" not in table["categories"]["outsourcing"]


def test_works_duration_and_capital_columns_are_the_ones_tables_15_and_16_name(table):
    # Tables 15 and 16 print each upper bound under "Works Duration" then "Capital Expenditure".
    quote = table["column_check"]["quote"]
    c = table["categories"]
    for line, first, second in [("Table 15", "non-standard-buildings", "standard-buildings"),
                                ("Table 16", "non-standard-civil-engineering", "standard-civil-engineering")]:
        text = next(t for t in quote.splitlines() if t.startswith(line))
        assert text.count("Works Duration Capital Expenditure") == 2
        printed = [float(n) for n in re.findall(r"\b\d+\b", text.split(":", 1)[1])]
        assert printed == [_percent(c[first]["works_duration"]["upper"]),
                           _percent(c[first]["capital_expenditure"]["upper"]),
                           _percent(c[second]["works_duration"]["upper"]),
                           _percent(c[second]["capital_expenditure"]["upper"])]


@pytest.mark.parametrize("measure", ["capital_expenditure", "works_duration"])
def test_the_sources_worked_example_is_reproduced_from_the_table(table, measure):
    # Combined building, 30% non-standard and 70% standard: 0.30 × 51% + 0.70 × 24% = 32.1% of capital
    # expenditure, and 0.30 × 39% + 0.70 × 4% = 14.5% of works duration, as printed in the source.
    example = table["worked_example"][measure]
    categories = table["categories"]
    combined = sum(example[name] * categories[name][measure]["upper"]
                   for name in ("non-standard-buildings", "standard-buildings"))
    assert combined == pytest.approx(example["combined_upper"], abs=1e-9)
    lines = table["worked_example"]["quote"].splitlines()
    block = lines[:3] if measure == "capital_expenditure" else lines[-3:]
    for line, name in zip(block, ("non-standard-buildings", "standard-buildings")):
        _, share, upper, contribution = _cells(line)[:4]
        assert float(share) == _percent(example[name])
        assert float(upper) == _percent(categories[name][measure]["upper"])
        assert float(contribution) == pytest.approx(float(share) * float(upper) / 100, abs=1e-9)
    assert float(_cells(block[2])[-1]) == pytest.approx(_percent(example["combined_upper"]), abs=1e-9)
