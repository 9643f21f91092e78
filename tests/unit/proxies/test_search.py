"""Searching the library as people do: ranking tiers, synonyms, near spellings and the synonyms file's checks."""

from pathlib import Path

import pytest

from sroi_lib.errors import InputError
from sroi_lib.proxies.library import find_proxies, load_library, shipped_library
from sroi_lib.proxies.search import (MATCH_KINDS, SYNONYMS_FILE, Synonyms, load_synonyms, near_words,
                                     ranked_search, shipped_synonyms, slips)
from tests.conftest import ROOT, write_csv

ROW = {"proxy_id": "x", "name": "Thing", "outcome": "Something better", "unit": "per thing", "value": "10",
       "price_year": "2020", "value_type": "social", "theme": "health and care", "source": "A test",
       "source_url": "https://example.org/x", "licence": "OGL", "notes": ""}


def synonyms_file(tmp_path: Path, text: str, name: str = "synonyms.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tiers(tmp_path):
    """A library with one row for each tier of a search for 'anxiety' (and 'wellbieng')."""
    lib = load_library(write_csv(tmp_path / "lib.csv", [
        dict(ROW, proxy_id="clinic", name="Anxiety clinic visit"),
        dict(ROW, proxy_id="mental", name="Mental health contact"),
        dict(ROW, proxy_id="wellbeing-value", name="Wellbeing value", theme="wellbeing"),
        dict(ROW, proxy_id="anxiety", name="Talking therapy session"),  # the id alone holds the word
        dict(ROW, proxy_id="carbon", name="Carbon value", theme="environment and carbon"),
    ]), with_shipped=False)
    return lib, load_synonyms(synonyms_file(tmp_path, "synonyms:\n  anxiety: [mental health]\n"))


def test_tiers_rank_exact_id_then_words_then_synonyms_then_near_spellings(tiers):
    lib, synonyms = tiers
    # 'anxiety' is an id: that row comes first though 'clinic' scores more (its name holds the word)
    found = ranked_search(lib, "anxiety", synonyms=synonyms, limit=None)
    assert list(found["proxy_id"]) == ["anxiety", "clinic", "mental"]
    assert list(found["match"]) == ["id", "words", "synonym"]
    # with a misspelt word too: the words tier by score, then the synonym, then the near spelling
    found = ranked_search(lib, "anxiety wellbieng", synonyms=synonyms, limit=None)
    assert list(found["proxy_id"]) == ["clinic", "anxiety", "mental", "wellbeing-value"]
    assert list(found["match"]) == ["words", "words", "synonym", "near spelling"]
    assert list(found["why"]) == ["", "", "matched 'mental health' for 'anxiety'",
                                  "matched 'wellbeing' for 'wellbieng', a near spelling"]
    assert set(found["match"]) <= set(MATCH_KINDS)
    # the limit applies after ranking
    assert list(ranked_search(lib, "anxiety wellbieng", synonyms=synonyms, limit=2)["proxy_id"]) == \
        ["clinic", "anxiety"]


def test_filters_apply_to_every_tier(tiers):
    lib, synonyms = tiers
    found = ranked_search(lib, "anxiety wellbieng", synonyms=synonyms, limit=None, theme="wellbeing")
    assert list(found["proxy_id"]) == ["wellbeing-value"]
    assert ranked_search(lib, "anxiety", synonyms=synonyms, theme="environment and carbon").empty


def test_a_synonym_phrase_needs_every_word(tiers, tmp_path):
    lib, _ = tiers
    # 'health' alone is in every row's theme; 'mental health' holds only the row with both words
    synonyms = load_synonyms(synonyms_file(tmp_path, "synonyms:\n  worry: [mental health]\n", "s2.yaml"))
    assert list(ranked_search(lib, "worry", synonyms=synonyms, limit=None)["proxy_id"]) == ["mental"]


def test_a_misspelt_synonym_key_is_read_as_the_key(tiers):
    lib, synonyms = tiers
    found = ranked_search(lib, "anxeity", synonyms=synonyms, limit=None)
    # 'anxeity' is read as the library word 'anxiety' (a name, an id), and as the synonym key
    assert list(found["proxy_id"]) == ["clinic", "anxiety", "mental"]
    assert list(found["why"]) == ["matched 'anxiety' for 'anxeity', a near spelling"] * 2 + \
        ["matched 'mental health' for 'anxeity', read as 'anxiety'"]


@pytest.mark.parametrize("a, b, n", [("wellbieng", "wellbeing", 1), ("homless", "homeless", 1), ("dept", "debt", 1),
                                     ("anxeity", "anxiety", 1), ("crossing", "closing", 2), ("abc", "abc", 0),
                                     ("carbon", "carbonisation", 3)])
def test_slips_counts_typing_slips(a, b, n):
    assert slips(a, b, 2) == min(n, 3)


def test_near_words_allow_one_slip_below_nine_letters_and_two_from_nine():
    assert near_words("crossing", ["closing", "processing"]) == []  # two slips from an 8-letter word: too far
    assert near_words("lonlinss", ["loneliness"]) == []
    assert near_words("lonlinesss", ["loneliness"]) == ["loneliness"]  # 10 letters, two slips
    assert near_words("mony", ["money", "many", "monkey"]) == ["many", "money"]  # closest first, alphabetical


@pytest.mark.parametrize("word, expected", [
    ("food", "food"), ("debt", "debt"), ("advice", "advice"), ("money", "money"),
    ("anxiety", "anxiety"), ("depression", "depression")])
def test_each_word_of_the_issue_finds_rows_holding_it(word, expected):
    found = find_proxies(shipped_library(), word, limit=5)
    assert len(found) == 5 and (found["match"] == "words").all(), word
    top = found.iloc[0]
    assert expected in f"{top['name']} {top['outcome']} {top['theme']}".lower(), (word, top["proxy_id"])


def test_anxiety_and_depression_also_find_mental_health_rows_through_synonyms():
    for word in ("anxiety", "depression"):
        found = find_proxies(shipped_library(), word, limit=None)
        synonym = found[found["match"] == "synonym"]
        assert (synonym["why"] == f"matched 'mental health' for '{word}'").any(), word
        # every synonym row holds every word of the phrase it matched (here: mental health)
        shown = synonym[synonym["why"].str.contains("'mental health'")]
        text = (shown["name"] + " " + shown["outcome"] + " " + shown["theme"]).str.lower()
        assert text.str.contains("mental").all() and text.str.contains("health").all()
        assert found.index[found["match"] == "synonym"].min() > found.index[found["match"] == "words"].max()


def test_confidence_finds_wellbeing_values_through_a_synonym_only():
    found = find_proxies(shipped_library(), "confidence", limit=None)
    # no shipped row holds the word: every result says which synonym found it, and nothing is made up
    assert len(found) > 0 and (found["match"] == "synonym").all()
    assert found["why"].str.endswith("for 'confidence'").all()
    assert {"wb-school-resilience-programme", "hw-wellby-central"} <= set(found["proxy_id"])
    assert set(found["proxy_id"]) <= set(shipped_library().ids)


@pytest.mark.parametrize("typo, word", [("wellbieng", "wellbeing"), ("homless", "homeless"), ("dept", "debt"),
                                        ("depresion", "depression")])
def test_a_typo_finds_its_word(typo, word):
    found = find_proxies(shipped_library(), typo, limit=5)
    assert len(found) == 5 and (found["match"] == "near spelling").all()
    assert (found["why"] == f"matched '{word}' for '{typo}', a near spelling").all()


def test_nothing_near_is_nothing_found():
    assert find_proxies(shipped_library(), "zebra crossing").empty


def test_an_exact_id_comes_first_in_any_case():
    found = find_proxies(shipped_library(), "HW-WELLBY-LOW", limit=3)
    assert found["proxy_id"].iloc[0] == "hw-wellby-low" and found["match"].iloc[0] == "id"


def test_the_shipped_synonyms_file_loads_and_every_phrase_finds_a_shipped_row():
    synonyms, lib = shipped_synonyms(), shipped_library()
    assert len(synonyms) >= 40
    for key, phrases in synonyms.entries.values():
        for phrase in phrases:
            # 'qqq' holds no library word, so every row found came through the phrase
            alone = Synonyms({("qqq",): ("qqq", (phrase,))})
            assert not ranked_search(lib, "qqq", synonyms=alone, limit=1).empty, (key, phrase)


def test_the_synonyms_file_is_not_a_library_file():
    folder = ROOT / "data" / "proxies"
    assert (folder / SYNONYMS_FILE).is_file()
    assert all(p.suffix == ".csv" for p in shipped_library().files)
    assert folder / SYNONYMS_FILE not in shipped_library().files


# -- the synonyms file's checks: each names the file and the line ----------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("synonym:\n  debt: [money advice]\n",
     "line 1: 'synonym' is not a key of a synonyms file; did you mean 'synonyms'?"),
    ("synonyms:\n  debt: [money advice]\nwords: [x]\n", "line 3: 'words' is not a key of a synonyms file"),
    ("synonyms:\n  debt: [money advice, 12]\n", "line 2: 'debt' lists the number 12, which is not a word"),
    ("synonyms:\n  debt:\n    - money advice\n    - yes\n",
     "line 4: 'debt' lists true (written 'yes'), which is not a word"),
    ("synonyms:\n  debt: [money advice, ~]\n", "line 2: 'debt' lists nothing, which is not a word"),
    ("synonyms:\n  debt: [[money, advice]]\n", "line 2: 'debt' lists a list, which is not a word"),
    ("synonyms:\n  debt: [2024-01-01]\n", "line 2: 'debt' lists the date 2024-01-01, which is not a word"),
    ("synonyms:\n  debt: ['  ']\n", "line 2: 'debt' lists an empty text, which is not a word"),
    ("synonyms:\n  2020: [money]\n", "line 2: the entry the number 2020 is not a word"),
    ("synonyms:\n  '!!': [money]\n", "line 2: the entry '!!' is not a word"),
    ("synonyms:\n  debt: money advice\n", "line 2: 'debt' holds 'money advice', not a list of words"),
    ("synonyms:\n  debt: {money: advice}\n", "line 2: 'debt' holds a set of 'key: value' lines, not a list"),
    ("synonyms:\n  debt: []\n", "line 2: 'debt' lists nothing"),
    ("synonyms:\n  debt: [money]\n  Debts: [advice]\n", "line 3: 'Debts' is the same words as the entry on line 2"),
    ("synonyms: [debt, money]\n", "line 1: 'synonyms' holds a list, not one line per word"),
    ("- debt\n- money\n", "line 1: holds a list instead of 'synonyms:'"),
    ("# nothing but a comment\n", "does not hold 'synonyms:'"),
    ("{}\n", "does not hold 'synonyms:'"),
    ("other: 1\n", "line 1: 'other' is not a key of a synonyms file"),
])
def test_a_bad_synonyms_file_is_refused_naming_the_file_and_line(tmp_path, text, message):
    path = synonyms_file(tmp_path, text, "mine.yaml")
    with pytest.raises(InputError) as caught:
        load_synonyms(path)
    problems = caught.value.problems
    assert any(message in p.message for p in problems), [str(p) for p in problems]
    assert all(p.file == str(path) and str(p).startswith("mine.yaml: ") for p in problems)


def test_a_file_with_only_a_top_level_typo_says_that_alone(tmp_path):
    with pytest.raises(InputError) as caught:
        load_synonyms(synonyms_file(tmp_path, "synonym:\n  debt: [money]\n"))
    assert len(caught.value.problems) == 1


def test_a_key_given_twice_is_refused_by_the_yaml_guard_naming_both_lines(tmp_path):
    with pytest.raises(InputError, match=r"gives the key 'debt' twice \(lines 2 and 3\)"):
        load_synonyms(synonyms_file(tmp_path, "synonyms:\n  debt: [money]\n  debt: [advice]\n"))


def test_an_empty_synonyms_section_and_merging(tmp_path):
    assert len(load_synonyms(synonyms_file(tmp_path, "synonyms:\n", "empty.yaml"))) == 0
    mine = load_synonyms(synonyms_file(tmp_path, "synonyms:\n  Debts: [arrears, bailiff]\n  zebra: [carbon]\n"))
    merged = shipped_synonyms().merged_with(mine)
    key, phrases = merged.get("debt")
    assert phrases[:2] == ("debt advice", "money advice") and phrases[-1] == "bailiff"  # both lists, each phrase once
    assert phrases.count("arrears") == 1 and merged.get("zebra") == ("zebra", ("carbon",))
