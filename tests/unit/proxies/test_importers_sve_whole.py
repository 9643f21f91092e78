"""A Social Value Engine export brought in whole: every case a real export holds, imported clean, imported with
flags, or refused with its reason (tests/fixtures/sve_export_every_case.csv, one row per case)."""

import csv
import json
import random
import shutil

import pandas as pd
import pytest

from sroi_lib.cli import main
from sroi_lib.errors import InputError
from sroi_lib.proxies.importers import import_sve, load_euro_rates, write_library
from sroi_lib.proxies.library import load_library
from sroi_lib.reports.contract import load_contract
from tests.conftest import EXAMPLES, ROOT, WORKED_ROW, write_csv

FIX = ROOT / "tests" / "fixtures"
EXPORT = FIX / "sve_export_every_case.csv"
# What the importer gave for EXPORT before flags existed (commit 8da6f50): --strict must give the same.
BEFORE = json.loads((FIX / "sve_export_every_case_before_flags.json").read_text(encoding="utf-8"))
HEADER = ["orgId", "title", "outcome", "unit", "value", "source", "url"]

# The rows of EXPORT (row 1 is the header) and what becomes of each by default.
CLEAN = {2: "a title with its year", 4: "a financial-year title (2019/20)"}
FLAGGED = {3: "no price year", 5: "£0", 6: "no URL", 7: "euros", 9: "title repeated", 10: "title repeated (case)",
           11: "title repeated", 12: "an exact copy of row 11"}
REFUSED = {8: "euros without a year", 13: "a multiplier", 14: "nothing usable", 15: "euros before the euro",
           16: "a year outside the deflator series"}


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def by_row(result, column):
    return dict(zip(result.table["row"], result.table[column]))


def test_every_row_is_imported_clean_imported_flagged_or_refused():
    r = import_sve(EXPORT)
    assert sorted(r.table["row"]) == sorted(CLEAN | FLAGGED) and r.refused_rows == sorted(REFUSED)
    assert len(r.cells) == 15 == len(CLEAN) + len(FLAGGED) + len(REFUSED)
    assert r.summary() == (
        "15 rows read: 2 imported clean, 8 imported with flags (4 title repeated, 1 price year unknown, 1 value £0, "
        "1 no source URL, 1 converted from euros, 1 repeats another row exactly), 5 refused (2 in euros with no "
        "exchange rate for its year, 1 multiplier (not a value), 1 no title, 1 price year outside the deflator series).")
    assert r.table["proxy_id"].is_unique


def test_the_flag_of_each_case():
    r = import_sve(EXPORT)
    flags, ids = by_row(r, "flags"), by_row(r, "proxy_id")
    assert flags[2] == flags[4] == ""
    assert "financial year" in by_row(r, "notes")[4] and by_row(r, "price_year")[4] == 2019
    assert flags[3] == "price year unknown" and pd.isna(by_row(r, "price_year")[3])
    assert flags[5] == "value £0" and by_row(r, "value")[5] == 0
    assert flags[6] == "no source URL" and by_row(r, "source_url")[6] == ""
    rate = load_euro_rates().rates[2019]
    assert rate == 0.87777 and by_row(r, "value")[7] == round(80 * rate, 2) == 70.22
    assert flags[7] == ("converted from euros: €80.00 at £0.87777 per euro (European Central Bank euro reference "
                        "rate, 2019 annual average)")
    assert "Converted from €80.00 at £0.87777 per euro" in by_row(r, "notes")[7]  # kept once the flag is cleared
    # same title (case and spacing aside), different rows: both kept, each naming the other
    assert flags[9] == f"title repeated: also {ids[10]}" and flags[10] == f"title repeated: also {ids[9]}"
    # an exact copy: its own id (-2), naming the row it copies
    assert ids[12] == ids[11] + "-2"
    assert flags[11] == f"title repeated: also {ids[12]}"
    assert flags[12] == f"repeats another row exactly: {ids[11]}; title repeated: also {ids[11]}"


def test_each_refused_row_says_why():
    reasons = {p.row: str(p) for p in import_sve(EXPORT).skipped}
    assert reasons[8] == ("sve_export_every_case.csv, row 8, column 'value': '50 EUR' is in euros, and the title "
                          "gives no price year to choose an exchange rate by. Not imported: import again with "
                          "--assume-price-year YEAR, or add the price year to the title.")
    assert "'x1.5' is a multiplier" in reasons[13]
    assert "row 14, column 'title': has no title" in reasons[14]
    assert ("'€10' is in euros, and there is no euro exchange rate for 1995 (ecb_euro_sterling.yaml has 1999 to "
            in reasons[15])
    assert "row 16, column 'title': 1985 is outside the GDP deflator series" in reasons[16]


def test_ids_of_rows_that_imported_before_flags_are_unchanged():
    before = {row["row"]: row["proxy_id"] for row in BEFORE["table"]}
    now = by_row(import_sve(EXPORT), "proxy_id")
    assert {row: now[row] for row in before} == before
    fixture = by_row(import_sve(FIX / "sve_export.csv"), "proxy_id")
    assert fixture[2] == "sve-ability-to-pay-for-housing-6dd9e9ff" and fixture[10] == "sve-employment-support-dee608df"


@pytest.mark.parametrize("order", ["reversed", "shuffled"])
def test_ids_and_flags_are_the_same_on_every_import_and_in_any_order(tmp_path, order):
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    body = lines[1:][::-1] if order == "reversed" else random.Random(7).sample(lines[1:], len(lines) - 1)
    assert body != lines[1:]
    again = tmp_path / "again.csv"
    again.write_text("\n".join([lines[0]] + body) + "\n", encoding="utf-8")
    content = lambda r: {x.proxy_id: (x.name, x.value, x.price_year, x.source_url, x.flags)  # noqa: E731
                         for x in r.table.fillna({"price_year": 0}).itertuples()}
    first = content(import_sve(EXPORT))
    assert content(import_sve(EXPORT)) == first
    assert content(import_sve(again)) == first


def test_an_assumed_price_year_is_used_and_flagged():
    plain, assumed = import_sve(EXPORT), import_sve(EXPORT, assume_price_year=2021)
    flags, years = by_row(assumed, "flags"), by_row(assumed, "price_year")
    assert years[3] == 2021 and flags[3] == "price year assumed: 2021, given with --assume-price-year"
    assert "2021 was assumed at import" in by_row(assumed, "notes")[3]
    assert by_row(assumed, "proxy_id")[3] == by_row(plain, "proxy_id")[3]  # the id does not depend on the year
    # euros without a year in the title are converted at the assumed year's rate
    assert by_row(assumed, "value")[8] == round(50 * 0.85960, 2) == 42.98
    assert flags[8].startswith("price year assumed: 2021, given with --assume-price-year; converted from euros: €50.00 "
                               "at £0.85960 per euro (European Central Bank euro reference rate, 2021 annual average)")
    assert assumed.refused_rows == [13, 14, 15, 16]
    assert by_row(assumed, "price_year")[2] == 2020  # a title's own year is never replaced


def test_strict_gives_what_the_importer_gave_before_flags():
    r = import_sve(EXPORT, strict=True)
    assert (r.table["flags"] == "").all()
    table = r.table.drop(columns=["evidence_years", "flags"]).astype(object).to_dict(orient="records")
    assert json.loads(json.dumps(table, default=int)) == BEFORE["table"]
    assert [str(p) for p in r.skipped] == BEFORE["skipped"]
    assert r.summary().startswith("15 rows read: 5 imported clean, 0 imported with flags, 10 refused (")


# -- the command --------------------------------------------------------------------------------------------------

def test_the_command_prints_the_summary_and_writes_the_refused_rows(capsys, tmp_path):
    out = tmp_path / "lib.csv"
    code, stdout, stderr = sroi(capsys, "proxies", "import", EXPORT, "--format", "sve", "-o", out)
    assert code == 0
    assert "Imported 10 proxies" in stdout
    assert "15 rows read: 2 imported clean, 8 imported with flags (4 title repeated, 1 price year unknown" in stdout
    assert f"5 refused (2 in euros with no exchange rate for its year, 1 multiplier (not a value), 1 no title, " \
           f"1 price year outside the deflator series). Refused rows written to {tmp_path / 'lib_refused.csv'}." in stdout
    assert "5 rows not imported:" in stderr
    with open(tmp_path / "lib_refused.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == HEADER + ["row", "reason"]
    assert [int(r[7]) for r in rows[1:]] == sorted(REFUSED)
    original = list(csv.reader(EXPORT.open(encoding="utf-8")))
    assert [r[:7] for r in rows[1:]] == [original[n - 1] for n in sorted(REFUSED)]  # the row as it was
    assert rows[2][8] == "column 'value': 'x1.5' is a multiplier, not a value in pounds"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lib.csv", "lib_refused.csv"]
    # the library reloads, its flags listed as notes
    code, stdout, stderr = sroi(capsys, "proxies", "check", out)
    assert code == 0 and "10 proxies, no problems found; 8 flagged for checking" in stdout
    assert "is flagged: price year unknown (it cannot value anything until 'price year unknown' is put right" in stderr


def test_the_command_with_strict_and_with_a_refused_file_named(capsys, tmp_path):
    out, refused = tmp_path / "lib.csv", tmp_path / "left_out.csv"
    code, stdout, _ = sroi(capsys, "proxies", "import", EXPORT, "--format", "sve", "--strict", "-o", out,
                           "--refused", refused)
    assert code == 0 and "Imported 5 proxies" in stdout and "0 imported with flags, 10 refused" in stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["left_out.csv", "lib.csv"]
    assert len(list(csv.reader(refused.open(encoding="utf-8")))) == 11


def test_a_refused_file_with_nothing_refused_is_a_header(capsys, tmp_path):
    src = write_csv(tmp_path / "sve.csv", [["", "Warm homes (2021)", "Housing", "per home", "500", "S",
                                            "https://example.org/w"]], header=HEADER)
    code, stdout, _ = sroi(capsys, "proxies", "import", src, "--format", "sve", "-o", tmp_path / "lib.csv")
    assert code == 0 and "1 rows read: 1 imported clean, 0 imported with flags, 0 refused." in stdout
    assert (tmp_path / "lib_refused.csv").read_text(encoding="utf-8").splitlines() == [",".join(HEADER) + ",row,reason"]


def test_the_refused_rows_file_is_safe_to_open_in_a_spreadsheet(capsys, tmp_path):
    src = write_csv(tmp_path / "sve.csv", [
        ["", "Warm homes (2021)", "Housing", "per home", "500", "S", "https://example.org/w"],
        ["=1+2", '=HYPERLINK("http://evil","x") (2020)', "@SUM(1)", "-1+2", "x2", "+Source", "https://example.org/a"],
    ], header=HEADER)
    code, _, _ = sroi(capsys, "proxies", "import", src, "--format", "sve", "-o", tmp_path / "lib.csv")
    assert code == 0
    with open(tmp_path / "lib_refused.csv", newline="", encoding="utf-8") as fh:
        [_, row] = list(csv.reader(fh))
    assert row[:6] == ["'=1+2", "'=HYPERLINK(\"http://evil\",\"x\") (2020)", "'@SUM(1)", "'-1+2", "x2", "'+Source"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_an_assumed_year_outside_the_deflator_series_is_refused(capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = sroi(capsys, "proxies", "import", EXPORT, "--format", "sve", "--assume-price-year", "1985",
                        "-o", out / "lib.csv")
    assert code == 2 and "Traceback" not in err
    assert "--assume-price-year 1985 is outside the GDP deflator series (1990 to 2024). Give a price year from " \
           "1990 to 2024." in err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("extra, message", [
    (["--assume-price-year", "next year"], "--assume-price-year 'next year' is not a year"),
    (["--assume-price-year", " "], "--assume-price-year is blank"),
    (["--assume-price-year", "2021", "--strict"], "--assume-price-year cannot be used with --strict"),
])
def test_an_assumed_year_that_cannot_be_used_is_refused(capsys, tmp_path, extra, message):
    code, _, err = sroi(capsys, "proxies", "import", EXPORT, "--format", "sve", *extra, "-o", tmp_path / "lib.csv")
    assert code == 2 and message in err and not (tmp_path / "lib.csv").exists()


def test_an_assumed_year_is_only_for_an_sve_export(capsys, tmp_path):
    code, _, err = sroi(capsys, "proxies", "import", FIX / "toms_sheet.csv", "--format", "toms",
                        "--assume-price-year", "2021", "-o", tmp_path / "lib.csv")
    assert code == 2 and "--assume-price-year is only used with --format sve" in err


def test_the_refused_rows_cannot_overwrite_the_library(capsys, tmp_path):
    out = tmp_path / "lib.csv"
    code, _, err = sroi(capsys, "proxies", "import", EXPORT, "--format", "sve", "-o", out, "--refused", out)
    assert code == 2 and "is the library file -o names" in err and not out.exists()
    code, _, err = sroi(capsys, "proxies", "import", EXPORT, "--format", "sve", "-o", out, "--refused", tmp_path)
    assert code == 2 and f"--refused {tmp_path} is a folder" in err and not out.exists()


# -- a flagged proxy in use ---------------------------------------------------------------------------------------

def flagged_library(tmp_path):
    """EXPORT imported into tmp_path/lib.csv; returns its path and its rows by proxy name."""
    out = write_library(import_sve(EXPORT).table, tmp_path / "lib.csv")
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return out, rows


def rewrite(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_a_proxy_whose_price_year_is_unknown_cannot_value_a_map_until_confirmed(capsys, tmp_path):
    lib, rows = flagged_library(tmp_path)
    [unknown] = [r for r in rows if r["flags"] == "price year unknown"]
    line = dict(WORKED_ROW, value="", price_year="", proxy_id=unknown["proxy_id"])
    impact_map = write_csv(tmp_path / "map.csv", [line])
    code, _, err = sroi(capsys, "value", impact_map, "--investment", "1000", "--proxies", lib)
    row = rows.index(unknown) + 2
    assert code == 2 and "Traceback" not in err
    assert (f"lib.csv, row {row}, column 'price_year': proxy '{unknown['proxy_id']}' (used by map.csv, row 2) is "
            "flagged 'price year unknown', so it cannot value anything yet. Confirm the price year in the source and "
            "enter it, then remove 'price year unknown' from flags.") in err
    # a year entered but the flag left: still refused
    unknown["price_year"] = "2021"
    rewrite(lib, rows)
    code, _, err = sroi(capsys, "value", impact_map, "--investment", "1000", "--proxies", lib)
    assert code == 2 and "flagged 'price year unknown'" in err
    # the year confirmed and the flag removed: it values the line
    unknown["flags"] = ""
    rewrite(lib, rows)
    code, out, _ = sroi(capsys, "value", impact_map, "--investment", "1000", "--proxies", lib, "--json")
    assert code == 0 and json.loads(out)["lines"][0]["value_per_unit"] == pytest.approx(300 * 100 / 85.6358)


def test_a_proxy_flagged_zero_cannot_value_a_commitment(tmp_path):
    lib, rows = flagged_library(tmp_path)
    [zero] = [r for r in rows if r["flags"] == "value £0"]
    shutil.copy(EXAMPLES / "worked_check" / "impact_map.csv", tmp_path / "impact_map.csv")
    shutil.copy(EXAMPLES / "worked_check" / "inputs.csv", tmp_path / "inputs.csv")
    write_csv(tmp_path / "commitments.csv", [{"measure": "Z1", "description": "Something", "unit": "people",
                                              "committed_per_period": "4", "proxy_id": zero["proxy_id"]}])
    params = tmp_path / "c.yaml"
    params.write_text("contract_id: flagged\ntitle: Flagged\nsupplier: Test supplier (illustrative)\n"
                      "directorate: Test\nanalysis_type: forecast\nimpact_map: impact_map.csv\ninputs: inputs.csv\n"
                      "proxies: lib.csv\ncommitments: commitments.csv\ncontract_start: 2025-Q1\ncontract_end: 2025-Q4\n")
    with pytest.raises(InputError) as exc:
        load_contract(params)
    [problem] = exc.value.problems
    assert (problem.file, problem.row, problem.column) == (str(tmp_path / "lib.csv"), rows.index(zero) + 2, "value")
    assert "(named in commitments.csv) is flagged 'value £0'" in problem.message


def test_the_library_refuses_a_blank_or_zero_cell_without_its_flag(capsys, tmp_path):
    lib, rows = flagged_library(tmp_path)
    for r in rows:
        if r["flags"] in ("price year unknown", "value £0", "no source URL"):
            r["flags"] = ""
    rewrite(lib, rows)
    code, _, err = sroi(capsys, "proxies", "check", lib)
    assert code == 2
    assert "lib.csv, row 3, column 'price_year': is empty" in err
    assert "lib.csv, row 5, column 'value': is £0" in err
    assert "lib.csv, row 6, column 'source_url': is empty" in err


def test_search_and_show_a_proxy_whose_price_year_is_unknown(capsys, tmp_path):
    lib, rows = flagged_library(tmp_path)
    code, out, _ = sroi(capsys, "proxies", "search", "reduced", "isolation", "--proxies", lib)
    assert code == 0 and "Price year unknown" in out and "£300.00" in out and "not re-priced to 2024" in out
    [unknown] = [r for r in rows if r["flags"] == "price year unknown"]
    code, out, _ = sroi(capsys, "proxies", "show", unknown["proxy_id"], "--proxies", lib)
    assert code == 0 and "£300.00, price year unknown" in out and "Flags" in out
    code, out, _ = sroi(capsys, "proxies", "show", unknown["proxy_id"], "--proxies", lib, "--json")
    record = json.loads(out)
    assert record["price_year"] is None and record["value_repriced"] is None and record["flags"] == "price year unknown"


def test_a_part_whose_price_year_is_unknown_is_compared_with_its_total_once_known(tmp_path):
    lib, rows = flagged_library(tmp_path)
    [unknown] = [r for r in rows if r["flags"] == "price year unknown"]
    [total] = [r for r in rows if r["name"] == "Ability to pay for housing"]
    unknown["part_of"] = total["proxy_id"]
    rewrite(lib, rows)
    assert load_library(lib)[unknown["proxy_id"]].part_of == total["proxy_id"]  # £300 of £1,250: no year needed yet
    unknown["value"], unknown["price_year"] = "5000", "2020"
    rewrite(lib, rows)
    with pytest.raises(InputError, match="worth more than its total"):
        load_library(lib)


def test_the_shipped_euro_rates():
    rates = load_euro_rates()
    assert list(rates.rates) == list(range(1999, 2026)) and rates.publisher == "European Central Bank"
    # means of the ECB's daily GBP reference rates, as derived from two copies of its file (docs/data_log.md)
    assert (rates.rates[1999], rates.rates[2008], rates.rates[2019], rates.rates[2024]) == (
        0.65874, 0.79628, 0.87777, 0.84662)
    assert all(0.5 < r < 1 for r in rates.rates.values())


def test_a_row_the_library_checks_refuse_is_counted_as_such(tmp_path):
    src = write_csv(tmp_path / "sve.csv", [["", "Warm homes (2021)", "Housing", "per home", "500", "S", "ftp://x"]],
                    header=HEADER)
    r = import_sve(src)
    [problem] = r.skipped
    assert problem.column == "url" and "'ftp://x' is not a web address" in problem.message
    assert r.summary() == "1 rows read: 0 imported clean, 0 imported with flags, 1 refused (1 failed a library check)."
