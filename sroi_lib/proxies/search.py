"""Searching the proxy library as people do: exact ids, words, synonyms and near spellings, each result saying why.

:meth:`ProxyLibrary.search <sroi_lib.proxies.library.ProxyLibrary.search>`
scores rows by the query's own words. :func:`ranked_search` builds on it for
``sroi proxies search`` and the proxy explorer, in four tiers, each below the
one before whatever its score:

1. **the exact id** (``hw-wellby-central``, any case);
2. **words**: rows holding a word of the query (or a word it begins) in their
   name, outcome, theme, unit or id, scored as ``ProxyLibrary.search`` scores
   them;
3. **synonyms**: each word or phrase of the query that is a key of the
   synonyms file (``data/proxies/synonyms.yaml``) is looked up through the
   phrases listed for it (``anxiety`` → ``mental health``); a row matches a
   phrase when it holds every word of it;
4. **near spellings**: a query word of four letters or more that no row
   holds (``wellbieng``, ``homless``) is read as the library's words, or the
   synonym keys, one typing slip from it (``wellbeing``, ``homeless``), or two
   for a word of nine letters or more: a slip is a letter missing, added,
   changed, or two letters swapped (:func:`slips`). The closest readings are
   kept, at most :data:`NEAR_MOST`.

A row found in several tiers keeps its first. Rows of tiers 3 and 4 carry the
reason in ``why`` ("matched 'mental health' for 'anxiety'").

The synonyms file maps a word or phrase people type to the words the library
uses; it lists words, never values (docs/proxies.md, "Searching"). It is read
by :func:`load_synonyms`, which refuses, naming the file and line, an unknown
top-level key, an entry or phrase that is not text, an entry that is not a
list, and two entries that are the same words.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from ..errors import Problems
from ..paths import data_dir, decode_text, read_yaml

__all__ = ["normalise_words", "Synonyms", "load_synonyms", "shipped_synonyms", "ranked_search", "slips",
           "near_words", "SYNONYMS_FILE", "MATCH_KINDS"]

SYNONYMS_FILE = "synonyms.yaml"  # in data/proxies/
NEAR_SHORTEST = 4  # shorter words are not spell-corrected: too many words lie one letter from them
NEAR_LONG = 9  # a word this long or longer may be two slips from the word meant; a shorter one, one slip
NEAR_MOST = 3  # at most this many readings of one misspelt word
# What each tier is called in a result's ``match`` column, in rank order.
MATCH_KINDS = ("id", "words", "synonym", "near spelling")
_TOP_KEYS = ("synonyms",)


def normalise_words(text: str) -> list[str]:
    """Split text into search words: lower case, accents removed, plurals reduced.

    Examples
    --------
    >>> normalise_words("Café visits; Families & Homes")
    ['cafe', 'visit', 'family', 'home']
    """
    text = str(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return [_singular(w) for w in _WORD.findall(text.lower())]


_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=65536)
def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


@dataclass(frozen=True)
class Synonyms:
    """What a word or phrase people type may be found as: key words → (the key as written, its phrases).

    Keys are held as their search words (:func:`normalise_words`), so
    ``Food banks`` in a query meets the key ``food bank``.
    """

    entries: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.entries)

    def in_query(self, terms: list[str]) -> list[tuple[str, tuple[str, ...]]]:
        """The entries whose key appears in ``terms`` (as consecutive words), in query order, longest first."""
        found, seen = [], set()
        for start in range(len(terms)):
            for key in sorted((k for k in self.entries if tuple(terms[start:start + len(k)]) == k),
                              key=len, reverse=True):
                if key not in seen:
                    seen.add(key)
                    found.append(self.entries[key])
        return found

    def get(self, word: str) -> tuple[str, tuple[str, ...]] | None:
        """The entry for one search word, or None."""
        return self.entries.get((word,))

    def key_words(self) -> set[str]:
        """The one-word keys (the ones a misspelt word may be read as)."""
        return {k[0] for k in self.entries if len(k) == 1}

    def merged_with(self, other: "Synonyms") -> "Synonyms":
        """These entries with ``other``'s added; a key in both lists the phrases of both (each once)."""
        entries = dict(self.entries)
        for key, (written, phrases) in other.entries.items():
            mine = entries.get(key)
            entries[key] = (written, tuple(dict.fromkeys((mine[1] if mine else ()) + phrases)))
        return Synonyms(entries, self.files + other.files)


def load_synonyms(path: str | Path) -> Synonyms:
    """Read and check a synonyms file (YAML).

    The file holds one key, ``synonyms``, mapping each word or phrase people
    may type to a list of words or phrases the library uses::

        synonyms:
          anxiety: [mental health, talking therapies]
          food bank: [food, meal, healthy start]

    Raises
    ------
    InputError
        Naming the file and line of each problem: a top-level key other than
        ``synonyms``; ``synonyms`` not a set of ``word: [list]`` lines; a key or
        listed phrase that is not text (a number, ``yes``, a date, nothing, a
        list); an entry that is not a list or lists nothing; two keys that are
        the same words (``debt`` and ``Debts``).
    """
    path = Path(path)
    label = str(path)
    read_yaml(path, "synonyms file")  # the size, text, nesting and repeated-key guards, each naming the line
    root = yaml.compose(decode_text(path.read_bytes(), label, what="synonyms file"), Loader=yaml.SafeLoader)
    found = Problems()

    def problem(node, message, fix):
        found.add(f"line {node.start_mark.line + 1}: {message}", file=label, fix=fix)

    example = "Write it as 'synonyms:' and under it one line per word, e.g. '  anxiety: [mental health]'."
    if root is None or not isinstance(root, yaml.MappingNode):
        found.add("does not hold 'synonyms:'" if root is None else
                  f"line {root.start_mark.line + 1}: holds {_kind(root)} instead of 'synonyms:'", file=label,
                  fix=example)
        found.raise_if_any()
    body = None
    for key, value in root.value:
        name = key.value if _is_text(key) else None
        if name == "synonyms":
            body = value
        else:
            close = difflib.get_close_matches(str(key.value), _TOP_KEYS, n=1, cutoff=0.6)
            problem(key, f"'{key.value}' is not a key of a synonyms file"
                    + (f"; did you mean '{close[0]}'?" if close else ""),
                    "The file has one key, 'synonyms', holding every entry.")
    entries: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {}
    first_line: dict[tuple[str, ...], int] = {}
    if body is None:
        if not found:
            found.add("does not hold 'synonyms:'", file=label, fix=example)
    elif isinstance(body, yaml.ScalarNode) and body.tag.endswith(":null"):
        pass  # 'synonyms:' with nothing under it: no entries
    elif not isinstance(body, yaml.MappingNode):
        problem(body, f"'synonyms' holds {_kind(body)}, not one line per word", example)
    else:
        for key, value in body.value:
            if not _is_text(key) or not normalise_words(key.value):
                problem(key, f"the entry {_kind(key)} is not a word", "Start each entry with the word or phrase "
                        "people type, e.g. 'anxiety:' (put quotes round a word YAML reads otherwise, e.g. 'yes').")
                continue
            written = key.value.strip()
            words = tuple(normalise_words(written))
            if words in first_line:
                problem(key, f"'{written}' is the same words as the entry on line {first_line[words]}",
                        "Give each word one entry: put all its phrases in one list.")
                continue
            first_line[words] = key.start_mark.line + 1
            if not isinstance(value, yaml.SequenceNode):
                problem(value, f"'{written}' holds {_kind(value)}, not a list of words",
                        f"List the words it may be found as in brackets, e.g. '{written}: [mental health]'.")
                continue
            phrases = []
            for item in value.value:
                if not _is_text(item) or not normalise_words(item.value):
                    problem(item, f"'{written}' lists {_kind(item)}, which is not a word",
                            "List words or phrases the library uses, e.g. 'mental health' (put quotes round a word "
                            "YAML reads otherwise, e.g. 'yes').")
                else:
                    phrases.append(" ".join(item.value.split()).lower())
            if not value.value:
                problem(value, f"'{written}' lists nothing", f"List at least one word, e.g. '{written}: [wellbeing]', "
                        "or remove the entry.")
            elif phrases:
                entries[words] = (written, tuple(dict.fromkeys(phrases)))
    found.raise_if_any()
    return Synonyms(entries, (label,))


def _is_text(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str"


def _kind(node) -> str:
    """What a YAML node is, in words, for a message: ``'debt'``, ``the number 2020``, ``true (written 'yes')``."""
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a set of 'key: value' lines"
    tag, text = node.tag.rsplit(":", 1)[-1], node.value
    if tag == "str":
        return f"'{text}'" if text.strip() else "an empty text"
    if tag in ("int", "float"):
        return f"the number {text}"
    if tag == "bool":
        return f"{'true' if text.lower() in ('yes', 'y', 'true', 'on') else 'false'} (written '{text}')"
    if tag == "null":
        return "nothing"
    if tag == "timestamp":
        return f"the date {text}"
    return f"'{text}'"


def _shipped_file() -> Path:
    return data_dir() / "proxies" / SYNONYMS_FILE


@lru_cache(maxsize=1)
def shipped_synonyms() -> Synonyms:
    """The synonyms shipped in ``data/proxies/synonyms.yaml`` (none when a data folder has no such file)."""
    path = _shipped_file()
    return load_synonyms(path) if path.is_file() else Synonyms()


def ranked_search(library, words: str, *, synonyms: Synonyms | None = None, limit: int | None = 10,
                  theme: str | None = None, value_type: str | None = None,
                  themes: list[str] | None = None) -> pd.DataFrame:
    """Proxies for ``words``, ranked by tier (exact id, words, synonyms, near spellings), then by score.

    Parameters
    ----------
    library : ProxyLibrary
        The library to search.
    words : str
        What a person typed, e.g. ``"anxiety"`` or ``"wellbieng"``.
    synonyms : Synonyms, optional
        Default: the shipped synonyms file.
    limit : int or None
        How many rows at most (None: all).
    theme, value_type, themes
        Filters, as for ``ProxyLibrary.search``.

    Returns
    -------
    DataFrame
        The library's rows, best first, with ``score`` (the words score the row
        got in its tier: :meth:`ProxyLibrary.search`'s, for the word, phrase or
        near word it matched), ``match`` (one of :data:`MATCH_KINDS`) and
        ``why`` (how a synonym or near spelling led to it; blank otherwise).
        Empty ``words`` lists every row that passes the filters, in library order.
    """
    synonyms = shipped_synonyms() if synonyms is None else synonyms
    filters = {"theme": theme, "value_type": value_type, "themes": themes}
    terms = list(dict.fromkeys(normalise_words(words)))
    if not terms:
        out = library.search("", limit=limit, **filters)
        out["match"], out["why"] = "", ""
        return out
    found: dict[str, tuple[float, str, str]] = {}  # id → (score, match, why), in rank order

    def add(hits: pd.DataFrame, match: str, why: str = "") -> None:
        for pid, score in zip(hits["proxy_id"], hits["score"]):
            found.setdefault(pid, (float(score), match, why))

    hits = library.search(words, limit=None, **filters)
    query = " ".join(str(words).split()).lower()
    exact = next((pid for pid in hits["proxy_id"] if pid.lower() == query), None)
    if exact is not None:
        add(hits[hits["proxy_id"] == exact], "id")
    add(hits, "words")
    for key, phrases in synonyms.in_query(terms):
        for phrase in phrases:
            add(_phrase_rows(library, phrase, filters), "synonym", f"matched '{phrase}' for '{key}'")
    known = _vocabulary(library) | synonyms.key_words()
    for term in terms:
        if len(term) < NEAR_SHORTEST or synonyms.get(term) or not library.search(term, limit=1).empty:
            continue
        for near in near_words(term, known):
            add(_phrase_rows(library, near, filters), "near spelling",
                f"matched '{near}' for '{term}', a near spelling")
            entry = synonyms.get(near)
            for phrase in entry[1] if entry else ():
                add(_phrase_rows(library, phrase, filters), "near spelling",
                    f"matched '{phrase}' for '{term}', read as '{entry[0]}'")
    ids = list(found)[:limit] if limit is not None else list(found)
    out = library.rows(ids).copy()
    out.insert(0, "score", [found[pid][0] for pid in ids])
    out["match"] = [found[pid][1] for pid in ids]
    out["why"] = [found[pid][2] for pid in ids]
    return out.reset_index(drop=True)


def slips(a: str, b: str, most: int) -> int:
    """Typing slips between two words: letters missing, added or changed, and neighbours swapped (each one slip).

    The optimal string alignment distance (Damerau–Levenshtein without
    editing a substring twice); anything above ``most`` is returned as
    ``most + 1``, without finishing the count.

    Examples
    --------
    >>> slips("wellbieng", "wellbeing", 2), slips("homless", "homeless", 2), slips("crossing", "closing", 2)
    (1, 1, 2)
    """
    if abs(len(a) - len(b)) > most:
        return most + 1
    before, row = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > most:
            return most + 1
        before, row = row, current
    return min(row[-1], most + 1)


def near_words(word: str, known) -> list[str]:
    """The words of ``known`` closest to ``word`` within its allowance of slips (one; two from :data:`NEAR_LONG`
    letters), fewest slips first, then alphabetically; at most :data:`NEAR_MOST`.

    >>> near_words("dept", ["debt", "depth", "department"]), near_words("crossing", ["closing", "processing"])
    (['debt', 'depth'], [])
    """
    most = 2 if len(word) >= NEAR_LONG else 1
    scored = sorted((n, w) for w in known if w != word and (n := slips(word, w, most)) <= most)
    closest = [w for n, w in scored if n == scored[0][0]] if scored else []
    return closest[:NEAR_MOST]


def _phrase_rows(library, phrase: str, filters: dict) -> pd.DataFrame:
    """Rows holding every word of ``phrase`` (each word, or a word it begins), best score first."""
    hits = library.search(phrase, limit=None, **filters)
    words = list(dict.fromkeys(normalise_words(phrase)))
    if len(words) > 1:
        every = set(hits["proxy_id"])
        for word in words:
            every &= set(library.search(word, limit=None, **filters)["proxy_id"])
        hits = hits[hits["proxy_id"].isin(every)]
    return hits


def _vocabulary(library) -> set[str]:
    """Every search word of the library's names, outcomes, themes and units (what a misspelling is read as)."""
    return set(library.vocabulary())
