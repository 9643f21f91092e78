"""Check data/reference/income_quintiles.yaml cell by cell against the ONS workbook it was read in.

The workbook is the Office for National Statistics' "The effects of taxes and benefits on household income,
disposable income estimate, UK, 2023/24 - Reference Tables" (published 23 September 2025, Open Government
Licence v3.0), from the dataset page
https://www.ons.gov.uk/peoplepopulationandcommunity/personalandhouseholdfinances/incomeandwealth/datasets/householddisposableincomeandinequality
as kept, unmodified, in the public repository DawoodBhatti/cost-of-living at commit e0fc52f
(data/raw/ons_income_by_decile/ons_household_disposable_income_by_decile_fye2024.xlsx).

It checks that the shipped figures are the cells of the 2023/24 row of Table 2 (median equivalised disposable
household income of individuals by income quintile: Bottom, 2nd, 3rd, 4th, Top, All Individuals), that the
overall median is also Table 1's "All people" median for 2023/24, and that the 95% interval is Table 32's.

Run:  python data/reference/sources/check_income_quintiles.py PATH_TO_WORKBOOK
"""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import yaml

YAML = Path(__file__).resolve().parent.parent / "income_quintiles.yaml"
YEAR = "2023/24"


def _rows(book, sheet: str) -> list[list]:
    """The non-empty cells of each non-empty row of a sheet."""
    return [[c for c in row if c is not None] for row in book[sheet].iter_rows(values_only=True)
            if any(c is not None for c in row)]


def _row(rows: list[list], first) -> list:
    found = [r for r in rows if r and r[0] == first]
    assert len(found) == 1, f"expected one row starting {first!r}, found {len(found)}"
    return found[0]


def main(source: str) -> None:
    shipped = yaml.safe_load(YAML.read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(source, read_only=True, data_only=True)

    table2 = _rows(book, "Table 2")
    assert table2[0][0].startswith("Table 2: Timeseries of median equivalised disposable household income of "
                                   "individuals by income quintile"), table2[0][0]
    header = [str(c).strip() for c in _row(table2, "Year")]
    assert header == ["Year", "Bottom", "2nd", "3rd", "4th", "Top", "All\n Individuals"], header
    cells = _row(table2, YEAR)[1:]
    assert cells[:5] == [shipped["quintiles"][q] for q in range(1, 6)], (cells, shipped["quintiles"])
    assert cells[5] == shipped["median"], (cells[5], shipped["median"])

    table1 = _rows(book, "Table 1")
    assert [str(c).strip() for c in _row(table1, "Year")][:3] == ["Year", "Mean", "Median"]
    assert _row(table1, YEAR)[2] == shipped["median"], "Table 1's 'All people' median differs"

    # Table 32 has a block each for all, non-retired and retired individuals; the first is all individuals.
    ci = [r for r in _rows(book, "Table 32") if r and r[0] == "Median (£ per year)"][0]
    assert ci[-4:-1] == [shipped["median_95ci"][0], shipped["median"], shipped["median_95ci"][1]], ci
    print(f"{YAML.name} agrees with {source}: Table 2 row {YEAR} {cells}, Table 1 median, Table 32 interval")


if __name__ == "__main__":
    main(sys.argv[1])
