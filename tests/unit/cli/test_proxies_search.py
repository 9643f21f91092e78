"""`sroi proxies search` for people: full ids at any width, price-year groups, reasons, nothing found."""

import json
import re

import pytest

from sroi_lib.cli import main
from sroi_lib.proxies.library import COLUMNS, find_proxies, load_library
from sroi_lib.views.text import proxies_text
from tests.conftest import ROOT, write_csv

FIX = ROOT / "tests" / "fixtures"
LONG_ID = "hw-community-mental-health-team-contact-functional-illness-4"  # 60 characters
ROW = {"proxy_id": LONG_ID, "name": "Community mental health team contact for people with a functional mental "
       "illness, face to face", "outcome": "Fewer crises", "unit": "per care contact", "value": "278.91",
       "price_year": "2024", "value_type": "fiscal", "theme": "health and care",
       "source": "NHS England, 2024/25 National Cost Collection, National schedule of NHS costs",
       "source_url": "https://example.org/ncc", "licence": "Open Government Licence v3.0", "notes": ""}


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def long_id_library(tmp_path):
    return write_csv(tmp_path / "mine.csv", [ROW, dict(ROW, proxy_id="short-one", name="Short", price_year="2019")])


@pytest.mark.parametrize("columns", [60, 200])
def test_ids_are_never_cut_at_any_terminal_width(capsys, monkeypatch, long_id_library, columns):
    assert len(LONG_ID) == 60
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = sroi(capsys, "proxies", "search", LONG_ID, "--proxies", long_id_library)  # the exact id: first
    assert code == 0 and LONG_ID in out.split()  # the whole id, as one word
    assert "…" not in out
    # every other line fits the terminal; only the id's own line may run past it
    assert all(len(line) <= columns for line in out.splitlines() if LONG_ID not in line)
    if columns == 200:  # a table: the id and its name on one line
        assert re.search(r"^ *#\s+Id\s+Name", out, re.M)
        assert re.search(rf"^ *1\s+{LONG_ID}\s+Community mental health team contact", out, re.M)
    else:  # too narrow for the table: one block per result, the name wrapped under the id
        assert f"1. {LONG_ID}\n   Community mental health team contact" in out
        assert "illness, face to face" in out  # wrapped, not cut


def test_results_are_grouped_by_price_year_in_the_order_of_their_best_result():
    lib = load_library(FIX / "proxies_small.csv")
    found = find_proxies(lib, "", price_year=2024, limit=None)
    text = proxies_text(found, "", width=200)
    headings = re.findall(r"^Published in (\d{4}) prices$", text, re.M)
    assert sorted(headings, reverse=True) == ["2022", "2020", "2019", "2015", "2012"]  # each year once
    # the group holding result 1 comes first, then the group of the best result not yet shown, and so on
    assert headings == list(dict.fromkeys(str(int(y)) for y in found["price_year"]))
    best = found.iloc[0]
    first_group = re.split(r"^Published in \d{4} prices$", text, flags=re.M)[1]
    assert headings[0] == str(int(best["price_year"])) and re.search(rf"^1 +{best['proxy_id']} ", first_group, re.M)
    # each row sits under its own year's heading, and values of different years are said not to be comparable
    groups = dict(zip(headings, re.split(r"^Published in \d{4} prices$", text, flags=re.M)[1:]))
    assert "t-gp-appointment" in groups["2022"] and "t-carbon-tonne" in groups["2022"]
    assert "t-ae-attendance" in groups["2019"] and "t-ae-attendance" not in groups["2022"]
    assert "£1,200.00" in groups["2019"] and "£1,479.50" in groups["2019"]  # as published, and in 2024 prices
    assert "not comparable" in text and "--price-year" in text


def test_a_row_with_an_unknown_price_year_comes_last(tmp_path):
    lib = load_library(write_csv(tmp_path / "flagged.csv", [
        dict(ROW, proxy_id="known", flags=""),
        dict(ROW, proxy_id="unknown", price_year="", flags="price year unknown")]))
    for width in (200, 60):  # a table, and blocks
        text = proxies_text(find_proxies(lib, "", limit=None), "", width=width)
        assert text.index("Published in 2024 prices") < text.index("Price year unknown") < text.index("unknown ")
    one_line = " ".join(text.split())
    assert "£278.91 per care contact as published; price year unknown, so not re-priced to 2024" in one_line


def test_a_synonym_match_says_so(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # a table: the reason on its own line under the row
    code, out, _ = sroi(capsys, "proxies", "search", "anxiety", "--limit", "100")
    assert code == 0 and re.search(r"^ +\(matched 'mental health' for 'anxiety'\)$", out, re.M)
    monkeypatch.setenv("COLUMNS", "80")  # blocks: the reason is the block's last line
    code, out, _ = sroi(capsys, "proxies", "search", "confidence")
    assert code == 0 and "No proxy holds the words 'confidence' themselves" in out
    assert "for 'confidence')" in out


def test_a_typo_says_what_it_was_read_as(capsys):
    code, out, _ = sroi(capsys, "proxies", "search", "homless")
    assert code == 0 and "(matched 'homeless' for 'homless', a near spelling)" in out


def test_nothing_found_says_what_to_do(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = sroi(capsys, "proxies", "search", "zebra", "crossing")
    assert code == 0  # nothing found is an answer, not an error
    text = " ".join(out.split())  # as one line, whatever the wrapping
    assert text.startswith("Nothing found for 'zebra crossing'.")
    assert "one of the themes: crime and community safety, education and young people" in text
    for column in ("proxy_id", "name", "outcome", "unit", "value", "price_year", "theme", "source", "source_url",
                   "licence"):
        assert column in text
    assert "sroi proxies check my_proxies.csv" in text and "--proxies my_proxies.csv" in text
    assert "docs/proxies.md" in text
    assert all(len(line) <= 80 for line in out.splitlines())


def test_nothing_found_with_a_filter_suggests_dropping_it(capsys):
    code, out, _ = sroi(capsys, "proxies", "search", "carbon", "--theme", "wellbeing")
    text = " ".join(out.split())
    assert code == 0 and "Nothing found for 'carbon' with --theme 'wellbeing'." in text
    assert "Try without --theme 'wellbeing'." in text


def test_json_keys_are_unchanged(capsys):
    code, out, _ = sroi(capsys, "proxies", "search", "confidence", "--json")
    rows = json.loads(out)
    assert code == 0 and rows
    assert all(list(r) == COLUMNS + ["value_repriced", "repriced_to", "score"] for r in rows)


def test_own_synonyms_file_is_added(capsys, tmp_path):
    mine = tmp_path / "words.yaml"
    mine.write_text("synonyms:\n  zebra crossing: [gp appointment]\n", encoding="utf-8")
    code, out, _ = sroi(capsys, "proxies", "search", "zebra", "crossing", "--synonyms", mine,
                        "--proxies", FIX / "proxies_small.csv")
    assert code == 0 and "t-gp-appointment" in out and "matched 'gp appointment' for 'zebra crossing'" in out


def test_a_bad_synonyms_file_is_refused_with_its_file_and_line(capsys, tmp_path):
    bad = tmp_path / "words.yaml"
    bad.write_text("synonyms:\n  debt: [money advice, 42]\n", encoding="utf-8")
    code, out, err = sroi(capsys, "proxies", "search", "debt", "--synonyms", bad)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "words.yaml: line 2: 'debt' lists the number 42, which is not a word" in err
