"""The proxy library: loading, validation, search, re-pricing and merging."""

import pytest

from sroi_lib.errors import InputError
from sroi_lib.proxies.library import ProxyLibrary, load_library, normalise_words, shipped_library
from tests.conftest import ROOT, write_csv

FIXTURE = ROOT / "tests" / "fixtures" / "proxies_small.csv"
GOOD = {"proxy_id": "x-1", "name": "Thing", "outcome": "Better things", "unit": "per thing", "value": "10",
        "price_year": "2020", "value_type": "social", "theme": "wellbeing", "source": "Somewhere",
        "source_url": "https://example.org/x", "licence": "OGL", "notes": ""}


@pytest.fixture
def lib() -> ProxyLibrary:
    return load_library(FIXTURE)


def test_load_and_get_by_id(lib):
    assert len(lib) == 6 and "t-gp-appointment" in lib and "nope" not in lib
    p = lib["t-ae-attendance"]
    assert p.value == 1200.0 and p.price_year == 2019 and p.value_type == "fiscal"  # "£1,200" accepted
    assert p.origin.endswith("proxies_small.csv")
    assert lib.get("nope") is None
    with pytest.raises(KeyError):
        lib["nope"]


def test_repriced_values_by_hand(lib):
    t = lib.repriced(2024).set_index("proxy_id")
    # £1,200 in 2019 prices → 2024: 1200 × 100 / 81.1085 = £1,479.50
    assert round(t.loc["t-ae-attendance", "value_repriced"], 2) == 1479.50
    # £42 in 2022 prices → 2024: 42 × 100 / 90.5005 = £46.41
    assert round(t.loc["t-gp-appointment", "value_repriced"], 2) == 46.41
    assert (t["repriced_to"] == 2024).all()


@pytest.mark.parametrize("text, words", [
    ("Families", ["family"]), ("appointments", ["appointment"]), ("CAFÉ", ["cafe"]), ("boxes", ["box"]),
    ("business", ["business"]), ("A&E attendances", ["a", "e", "attendance"]),
])
def test_normalise_words(text, words):
    assert normalise_words(text) == words


def test_search_ranks_name_above_theme(lib):
    hits = lib.search("carbon")
    assert hits["proxy_id"].iloc[0] == "t-carbon-tonne"
    assert list(lib.search("health")["proxy_id"]) == ["t-gp-appointment", "t-ae-attendance"]  # theme only, ties keep order


def test_search_prefers_rows_matching_more_words(lib):
    hits = lib.search("gp appointments")
    assert hits["proxy_id"].iloc[0] == "t-gp-appointment"
    assert hits["score"].iloc[0] > 0


def test_search_is_case_accent_and_plural_insensitive(lib):
    for q in ("cafe", "CAFÉS", "Café visit"):
        assert lib.search(q)["proxy_id"].iloc[0] == "t-cafe-visit", q
    assert lib.search("family")["proxy_id"].iloc[0] == "t-family-support"


def test_search_prefix_and_filters(lib):
    assert lib.search("carb")["proxy_id"].tolist() == ["t-carbon-tonne"]
    assert lib.search("", theme="Health and care", limit=None)["proxy_id"].tolist() == ["t-gp-appointment", "t-ae-attendance"]
    assert lib.search("", value_type="social", limit=None)["proxy_id"].tolist() == \
        ["t-carbon-tonne", "t-cafe-visit", "t-family-support"]
    assert lib.search("", themes=["employment and skills"], limit=None)["proxy_id"].tolist() == ["t-into-work"]
    assert lib.search("zebra").empty
    assert len(lib.search("", limit=2)) == 2


def test_merge_user_rows_win_with_a_warning(lib, tmp_path):
    user = load_library(write_csv(tmp_path / "mine.csv", [dict(GOOD, proxy_id="t-gp-appointment", value="50"),
                                                          dict(GOOD, proxy_id="mine-1")]))
    merged = lib.merged_with(user)
    assert len(merged) == 7
    assert merged["t-gp-appointment"].value == 50.0 and "mine.csv" in merged["t-gp-appointment"].origin
    [warning] = merged.warnings
    assert "t-gp-appointment" in warning and "mine.csv" in warning and "£42.00" in warning and "£50.00" in warning


BAD_ROWS = [
    ({"value": "-5"}, "value", "below zero"),
    ({"value": ""}, "value", "is empty"),
    ({"value": "0"}, "value", "is £0"),
    ({"source": ""}, "source", "is empty"),
    ({"licence": ""}, "licence", "is empty"),
    ({"source_url": "see report"}, "source_url", "not a web address"),
    ({"value_type": "wellbeing"}, "value_type", "not a value type"),
    ({"price_year": "1985"}, "price_year", "outside the GDP deflator series"),
    ({"value": "£1,20"}, "value", "not a number"),
]


@pytest.mark.parametrize("change, column, words", BAD_ROWS)
def test_each_bad_row_is_named(tmp_path, change, column, words):
    path = write_csv(tmp_path / "lib.csv", [GOOD, dict(GOOD, proxy_id="x-2", **change)])
    with pytest.raises(InputError) as exc:
        load_library(path)
    assert any(p.row == 3 and p.column == column and words in p.message for p in exc.value.problems), str(exc.value)


def test_duplicate_ids_name_both_rows(tmp_path):
    path = write_csv(tmp_path / "lib.csv", [GOOD, dict(GOOD, name="Other"), dict(GOOD, proxy_id="x-3")])
    with pytest.raises(InputError) as exc:
        load_library(path)
    [p] = exc.value.problems
    assert p.row == 3 and p.column == "proxy_id" and "used twice (first in row 2)" in p.message


def test_missing_column_and_not_a_table(tmp_path):
    row = dict(GOOD)
    del row["licence"]
    with pytest.raises(InputError, match="required column 'licence' is missing"):
        load_library(write_csv(tmp_path / "lib.csv", [row]))
    notes = tmp_path / "notes.csv"
    notes.write_text("These are my notes about proxies.\nNothing tabular here at all.\n")
    with pytest.raises(InputError, match="required column 'proxy_id' is missing"):
        load_library(notes)


def test_shipped_library_is_valid_sourced_and_large_enough():
    lib = shipped_library()
    t = lib.table
    assert len(lib) >= 150
    assert t["proxy_id"].is_unique
    for col in ("source", "source_url", "licence", "value_type"):
        assert (t[col].str.strip() != "").all(), col
    assert t["source_url"].str.match(r"^https?://").all()
    assert set(t["value_type"]) <= {"fiscal", "economic", "social"}
    themes = set(t["theme"])
    for theme in ("employment and skills", "health and care", "housing and homelessness", "crime and community safety",
                  "environment and carbon", "education and young people", "volunteering and community"):
        assert theme in themes, theme
    assert not t["licence"].str.contains("HACT|TOMs|Social Value Engine", case=False).any()


OPEN_LICENCES = ("Open Government Licence v3.0", "Open Parliament Licence v3.0", "CC BY 4.0", "CC BY-SA 4.0")


def test_the_shipped_library_is_wide_open_and_covers_every_pillar():
    """At least 300 proxies, each under an open licence, each with its value type and relation columns read,
    and at least 25 in each pillar of Leeds's Best City Ambition."""
    from sroi_lib.core.frameworks import NOT_MAPPED, load_framework

    t = shipped_library().table
    assert len(t) >= 300
    assert t["licence"].map(lambda text: text.startswith(OPEN_LICENCES)).all()
    assert not t["licence"].str.contains(r"\bNC\b|\bND\b|NonCommercial|NoDerivatives", case=False).any()
    assert t["value_type"].isin(["fiscal", "economic", "social"]).all()
    # a one-off unit says so: every row whose unit is per event is marked as supported for one year
    one_off = t["unit"].str.contains(r"per (?:reported )?(?:road )?accident|per casualty|per tonne|per admission|per attendance",
                                     case=False)
    assert (t.loc[one_off, "evidence_years"] == 1).all(), t.loc[one_off & (t["evidence_years"] != 1), "proxy_id"].tolist()
    framework = load_framework("best_city_ambition")
    pillars = t["theme"].map(framework.group_of)
    counts = pillars.value_counts()
    for pillar in ("Health and wellbeing", "Inclusive growth", "Zero carbon"):
        assert counts.get(pillar, 0) >= 25, (pillar, counts.to_dict())
    assert (pillars != NOT_MAPPED).all(), t.loc[pillars == NOT_MAPPED, "theme"].unique()


@pytest.mark.parametrize("words", ["food", "debt", "debt advice", "money", "benefit", "pension credit", "anxiety",
                                   "depression", "mental health", "loneliness", "lonely", "skills",
                                   "physical activity", "sport", "volunteer", "homeless", "fuel poverty", "carbon"])
def test_the_outcomes_vcse_projects_claim_find_proxies(words):
    from sroi_lib.proxies.library import find_proxies

    found = find_proxies(shipped_library(), words, limit=5)
    assert len(found) >= 1, words


def test_binary_file_is_not_a_table(tmp_path):
    fake = tmp_path / "picture.csv"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match="not a text CSV file"):
        load_library(fake)
