"""Importers: Social Value Engine exports, TOMs sheets, mapped tables."""

import pytest
from openpyxl import Workbook

from sroi_lib.errors import InputError
from sroi_lib.proxies.importers import import_mapped, import_sve, import_toms, parse_mapping, title_price_year, write_library
from sroi_lib.proxies.library import load_library
from tests.conftest import ROOT, write_csv

FIX = ROOT / "tests" / "fixtures"


@pytest.mark.parametrize("title, expected", [
    ("Ability to pay for housing (2020)", ("Ability to pay for housing", 2020)),
    ("Employment support (2019/20)", ("Employment support", 2019)),
    ("Reduced isolation", ("Reduced isolation", None)),
    ("Value (2021) of something", ("Value (2021) of something", None)),
])
def test_price_year_from_the_title(title, expected):
    assert title_price_year(title)[:2] == expected


def test_sve_export_strict_imports_clean_rows_and_lists_the_rest():
    """--strict: every row with a doubt is refused, as every import was before flags (the ids are unchanged)."""
    r = import_sve(FIX / "sve_export.csv", strict=True)
    assert r.table["proxy_id"].tolist() == ["sve-ability-to-pay-for-housing-6dd9e9ff",
                                            "sve-ability-to-pay-for-housing-dba7578b", "sve-employment-support-dee608df"]
    assert (r.table["flags"] == "").all()
    assert r.table["name"].tolist() == ["Ability to pay for housing", "Ability to pay for housing", "Employment support"]
    assert r.table["price_year"].tolist() == [2020, 2022, 2019]
    assert r.table["value"].tolist() == [1250.0, 1400.0, 2500.0]
    assert r.table["proxy_id"].is_unique
    reasons = {p.row: p.message for p in r.skipped}
    assert "repeats row 2" in reasons[3]
    assert "no price year" in reasons[5]
    assert "multiplier" in reasons[6]
    assert "£0" in reasons[7]
    assert reasons[8] == "has no source URL"
    assert "euros" in reasons[9]
    assert "outside the GDP deflator series" in reasons[11]
    assert len(r.skipped) == 7
    assert "financial year" in r.table.set_index("name").loc["Employment support", "notes"]


def test_sve_ids_are_stable_across_imports_and_row_order(tmp_path):
    first = import_sve(FIX / "sve_export.csv").table
    lines = (FIX / "sve_export.csv").read_text().splitlines()
    shuffled = tmp_path / "again.csv"
    shuffled.write_text("\n".join([lines[0]] + lines[1:][::-1]) + "\n")
    second = import_sve(shuffled).table
    assert sorted(first["proxy_id"]) == sorted(second["proxy_id"]) and first["proxy_id"].is_unique
    content = ["name", "value", "source", "source_url", "flags"]
    by_id = lambda t: {r.proxy_id: tuple(getattr(r, c) for c in content) for r in t.itertuples()}  # noqa: E731
    assert by_id(first) == by_id(second)


def test_sve_xlsx_export(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["orgId", "title", "outcome", "unit", "value", "source", "url"])
    ws.append([None, "Warmer home (2021)", "Housing", "per household", 345.5, "Fixture", "https://example.org/w"])
    wb.save(tmp_path / "sve.xlsx")
    r = import_sve(tmp_path / "sve.xlsx")
    assert r.table["value"].tolist() == [345.5] and r.table["theme"].tolist() == ["housing"]


def test_sve_without_the_columns_is_an_error(tmp_path):
    with pytest.raises(InputError, match="'title' is missing"):
        import_sve(write_csv(tmp_path / "x.csv", [{"name": "a", "value": "1"}]))


def test_toms_sheet():
    r = import_toms(FIX / "toms_sheet.csv")
    assert r.table["proxy_id"].tolist() == ["toms-nt1", "toms-nt2"]
    assert r.table["value"].tolist() == [30000.0, 20000.0]
    assert (r.table["licence"].str.contains("not for redistribution")).all()
    reasons = {p.row: p.message for p in r.skipped}
    assert "used twice" in reasons[4]
    assert reasons[5] == "has no value"
    assert "not a number" in reasons[6]


def test_mapped_table_imports_good_rows(tmp_path):
    rows = [
        {"Ref": "m-1", "Title": "Warm homes", "Result": "Warmer homes", "Per": "per home", "Amount": "£300",
         "Year": "2021", "Kind": "social", "Area": "housing and homelessness", "Publication": "Fixture",
         "Link": "https://example.org/1", "Terms": "Fixture licence"},
        {"Ref": "m-2", "Title": "Bad", "Result": "Bad", "Per": "per home", "Amount": "lots",
         "Year": "2021", "Kind": "social", "Area": "housing and homelessness", "Publication": "Fixture",
         "Link": "https://example.org/2", "Terms": "Fixture licence"},
    ]
    mapping = parse_mapping(["Ref=proxy_id", "Title=name", "Result=outcome", "Per=unit", "Amount=value",
                             "Year=price_year", "Kind=value_type", "Area=theme", "Publication=source",
                             "Link=source_url", "Terms=licence"])
    r = import_mapped(write_csv(tmp_path / "t.csv", rows), mapping)
    assert r.table["proxy_id"].tolist() == ["m-1"] and r.table["value"].tolist() == [300.0]
    [p] = r.skipped
    assert p.row == 3 and p.column == "Amount" and "not a number" in p.message


def test_mapping_errors():
    with pytest.raises(InputError, match="not COLUMN=FIELD"):
        parse_mapping(["Amount"])
    with pytest.raises(InputError, match="not a proxy library field"):
        parse_mapping(["Amount=price"])


def test_written_library_reloads_cleanly(tmp_path):
    out = write_library(import_sve(FIX / "sve_export.csv").table, tmp_path / "sve_library.csv")
    library = load_library(out)
    assert len(library) == 8  # flagged rows too: their flags let them load
    assert library["sve-reduced-isolation-c379e6e4"].price_year is None
    assert library["sve-reduced-isolation-c379e6e4"].flags == "price year unknown"
    assert len(load_library(write_library(import_sve(FIX / "sve_export.csv", strict=True).table,
                                          tmp_path / "strict.csv"))) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strict.csv", "sve_library.csv"]  # no temporary file left
