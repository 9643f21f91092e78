"""`sroi proxies ...` and `sroi value --proxies` through the command line."""

import json

import pytest

from sroi_lib.cli import main
from tests.conftest import ROOT, WORKED_ROW, write_csv

FIX = ROOT / "tests" / "fixtures"


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_search_json_with_a_user_library(capsys):
    code, out, _ = sroi(capsys, "proxies", "search", "gp", "appointments", "--proxies", FIX / "proxies_small.csv",
                        "--json", "--price-year", "2024")
    assert code == 0
    # the user's row is found beside the shipped GP appointment rows, re-priced to 2024
    found = {row["proxy_id"]: row for row in json.loads(out)}
    mine = found["t-gp-appointment"]
    assert mine["repriced_to"] == 2024 and mine["name"] == "GP appointment"
    assert mine["value_repriced"] == pytest.approx(42 * 100 / 90.5005)


def test_search_table_and_limit(capsys):
    code, out, _ = sroi(capsys, "proxies", "search", "gp", "appointment", "--proxies", FIX / "proxies_small.csv",
                        "--limit", "2", "--theme", "health and care")
    assert code == 0 and "t-gp-appointment" in out and "2 shown" in out
    code, out, _ = sroi(capsys, "proxies", "search", "zebra", "crossing", "--proxies", FIX / "proxies_small.csv")
    assert code == 0 and "Nothing found for 'zebra crossing'" in out


def test_search_by_pillar(capsys):
    code, out, _ = sroi(capsys, "proxies", "search", "--proxies", FIX / "proxies_small.csv", "--pillar", "Zero carbon",
                        "--json", "--limit", "500")
    ids = {r["proxy_id"] for r in json.loads(out)}
    assert code == 0 and "t-carbon-tonne" in ids and "t-gp-appointment" not in ids


def test_show(capsys):
    code, out, _ = sroi(capsys, "proxies", "show", "t-ae-attendance", "--proxies", FIX / "proxies_small.csv")
    assert code == 0 and "£1,200.00 in 2019 prices" in out and "£1,479.50" in out and "https://example.org/ae" in out


def test_show_unknown_id(capsys):
    code, _, err = sroi(capsys, "proxies", "show", "no-such-thing")
    assert code == 2 and "no proxy with id 'no-such-thing'" in err


def test_check_clean_and_bad(capsys, tmp_path):
    code, out, _ = sroi(capsys, "proxies", "check", FIX / "proxies_small.csv")
    assert code == 0 and "6 proxies, no problems" in out
    bad = tmp_path / "bad.csv"
    bad.write_text((FIX / "proxies_small.csv").read_text().replace(",42,2022,", ",-42,1980,"))
    code, _, err = sroi(capsys, "proxies", "check", bad)
    assert code == 2
    assert "bad.csv, row 2, column 'value': '-42' is below zero" in err
    assert "bad.csv, row 2, column 'price_year': 1980 is outside" in err


def test_import_sve_writes_a_library_and_lists_skips(capsys, tmp_path):
    out_file = tmp_path / "sve.csv"
    code, out, err = sroi(capsys, "proxies", "import", FIX / "sve_export.csv", "--format", "sve", "-o", out_file)
    assert code == 0 and "Imported 8 proxies" in out and "2 rows not imported" in err
    assert "10 rows read: 2 imported clean, 6 imported with flags" in out
    assert f"Refused rows written to {tmp_path / 'sve_refused.csv'}." in out
    code, out, err = sroi(capsys, "proxies", "check", out_file)
    assert code == 0 and "8 proxies, no problems found; 6 flagged" in out
    assert "note: row 5, 'sve-reduced-isolation-c379e6e4' is flagged: price year unknown" in err


def test_import_sve_strict_refuses_every_doubtful_row(capsys, tmp_path):
    out_file = tmp_path / "sve.csv"
    code, out, err = sroi(capsys, "proxies", "import", FIX / "sve_export.csv", "--format", "sve", "--strict",
                          "-o", out_file)
    assert code == 0 and "Imported 3 proxies" in out and "7 rows not imported" in err
    assert "sve_export.csv, row 8, column 'url': has no source URL" in err
    code, out, _ = sroi(capsys, "proxies", "check", out_file)
    assert code == 0 and "3 proxies, no problems found." in out


def test_import_with_nothing_importable_writes_nothing(capsys, tmp_path):
    # a title without a price year is imported flagged, unless --strict
    src = write_csv(tmp_path / "sve.csv", [{"orgId": "", "title": "No year", "outcome": "x", "unit": "u",
                                            "value": "1", "source": "s", "url": "https://example.org"}])
    code, _, err = sroi(capsys, "proxies", "import", src, "--format", "sve", "--strict", "-o", tmp_path / "out.csv")
    assert code == 2 and "no row could be imported" in err and not (tmp_path / "out.csv").exists()
    src = write_csv(tmp_path / "sve.csv", [{"orgId": "", "title": "Multiplier (2020)", "outcome": "x", "unit": "u",
                                            "value": "x1.5", "source": "s", "url": "https://example.org"}])
    code, _, err = sroi(capsys, "proxies", "import", src, "--format", "sve", "-o", tmp_path / "out.csv")
    assert code == 2 and "no row could be imported" in err and "multiplier" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sve.csv"]


def test_value_resolves_proxies_from_a_user_library(capsys, tmp_path):
    row = dict(WORKED_ROW, value="", price_year="", proxy_id="t-into-work")
    m = write_csv(tmp_path / "m.csv", [row])
    code, out, _ = sroi(capsys, "value", m, "--investment", "100000", "--proxies", FIX / "proxies_small.csv",
                        "--discount", "none", "--json")
    assert code == 0
    d = json.loads(out)
    [line] = d["lines"]
    # £9,800 in 2012 prices → 2024: 9800 × 100 / 71.9294; × 100 × 0.8 × 0.75 in year 1
    assert line["value_per_unit"] == pytest.approx(9800 * 100 / 71.9294)
    assert line["impact"] == pytest.approx(9800 * 100 / 71.9294 * 100 * 0.8 * 0.75)
    assert line["source"] == "Test fixture" and line["source_url"] == "https://example.org/work"
    pillars = {b["best_city_ambition"]: b["present_value"] for b in d["breakdowns"]["best_city_ambition"]}
    assert list(pillars) == ["Inclusive growth"]


def test_value_with_a_bad_user_library(capsys, tmp_path, worked_map):
    bad = write_csv(tmp_path / "lib.csv", [{"proxy_id": "a"}])
    code, _, err = sroi(capsys, "value", worked_map, "--investment", "1", "--proxies", bad)
    assert code == 2 and "lib.csv, row 1, column 'name'" in err
