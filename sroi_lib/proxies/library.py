"""The proxy library: financial proxies with their sources, re-priced and searchable.

A proxy is a value in pounds for one unit of an outcome (a GP appointment
avoided, a tonne of CO2e not emitted, a person moving into work), with the
publication it comes from, its price year and its licence. sroi ships an open
library in ``data/proxies/*.csv``; a council can add its own file, whose rows
replace shipped rows with the same id (with a warning for each).

Every value is re-priced to the analysis year with the GDP deflator
(:mod:`sroi_lib.core.prices`): ``value × D[price_year] / D[proxy's price year]``.

Proxies know how they relate (docs/proxies.md, "Relations"): ``part_of`` names
the total a proxy is a component of, ``alternative_of`` the central value a
proxy is a variant of (low or high, weekly or annual), ``transfer`` says the
value moves money between people or bodies rather than creating it, and
``value_type`` says whose value it is. :func:`check_relations` refuses a
relation to an unknown proxy or to itself, a cycle of ``part_of``, an
alternative of an alternative and a part worth more than its total.

A row may carry ``flags``: what an import left for the analyst to check
(:data:`FLAGS`). Three let a row load with a cell it would otherwise be refused
for: "price year unknown" (a blank price year), "value £0" and "no source URL".
The first two also keep the proxy from valuing anything
(:meth:`Proxy.unusable`) until the analyst puts the cell right and removes the
flag.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.frameworks import DEFAULT_FRAMEWORK, load_framework
from ..core.prices import DeflatorSeries, load_deflators
from ..core.records import json_records, plain
from ..errors import InputError, Problem, Problems
from ..io.cells import Column, validate_rows
from ..io.limits import MAX_DURATION_YEARS
from ..io.tables import read_table
from ..paths import data_dir
from .search import Synonyms, normalise_words, ranked_search

__all__ = ["Proxy", "ProxyLibrary", "load_library", "shipped_library", "library_with", "normalise_words",
           "check_record", "check_relations", "find_proxies", "proxy_records", "flag_kinds", "flag_notes",
           "PROXY_COLUMNS", "COLUMNS", "PART_TOLERANCE", "FLAGS", "Flag", "PRICE_YEAR_UNKNOWN", "VALUE_ZERO",
           "NO_SOURCE_URL"]

PROXY_COLUMNS: tuple[Column, ...] = (
    Column("proxy_id", "text", required=True, help="a unique id such as hw-gp-appointment"),
    Column("name", "text", required=True, help="a short title"),
    Column("outcome", "text", required=True, help="the outcome it values"),
    Column("unit", "text", required=True, help="what one unit is, e.g. per person per year"),
    Column("value", "money", required=True, help="value per unit in pounds"),
    Column("price_year", "whole", required=True, minimum=1, help="the year whose prices the value is in"),
    Column("value_type", "value_type", default="", help="fiscal, economic or social"),
    Column("part_of", "text", default="", help="the id of the total this proxy is a component of (blank: none)"),
    Column("alternative_of", "text", default="",
           help="the id of the central value this proxy is a variant of, e.g. its low or weekly version (blank: none)"),
    Column("transfer", "yes_no", default=False,
           help="yes when the value moves money between people or bodies (a benefit, a tax) rather than creating it"),
    Column("evidence_years", "whole", default=None, minimum=1, maximum=MAX_DURATION_YEARS,
           why_maximum="the longest duration an impact map line may have",
           help="the longest duration, in years, the source's evidence supports for the value "
                "(1 for a one-off value such as a cost per event; blank: not stated)"),
    Column("theme", "text", required=True, help="theme, e.g. health and care"),
    Column("source", "text", required=True, help="the publication the value comes from"),
    Column("source_url", "text", required=True, help="the web address of the source"),
    Column("licence", "text", required=True, help="the licence the source is published under"),
    Column("notes", "text", default="", help="where in the source, and how it was checked"),
    Column("flags", "text", default="",
           help="what an import left for the analyst to check, separated by ';', e.g. 'price year unknown' "
           "(blank: none; see docs/proxies.md)"),
)
COLUMNS = [c.name for c in PROXY_COLUMNS]
# A part may exceed its total by this fraction (after re-pricing) before it is refused: sources round their
# figures, and re-pricing is done in floating point; a part worth more than this is clearly not a part.
PART_TOLERANCE = 0.01
# Search weights: a word in the name counts most, then the outcome, theme and unit.
SEARCH_FIELDS = {"name": 3.0, "outcome": 2.0, "theme": 1.5, "unit": 1.0, "proxy_id": 1.0}


@dataclass(frozen=True)
class Flag:
    """What a flag in a row's ``flags`` means: the ``column`` it concerns, whether the row may be used in a
    valuation while it carries the flag (``blocks``), and what the analyst does before removing it (``fix``)."""

    column: str
    blocks: bool
    fix: str


PRICE_YEAR_UNKNOWN, VALUE_ZERO, NO_SOURCE_URL = "price year unknown", "value £0", "no source URL"
# The flags that let a row load with its cell blank (price_year, source_url) or £0 (value); any other flag
# (a price year assumed, a value converted from euros, a title repeated) is a note for the analyst only.
FLAGS = {
    PRICE_YEAR_UNKNOWN: Flag("price_year", True, f"Confirm the price year in the source and enter it, then remove "
                             f"'{PRICE_YEAR_UNKNOWN}' from flags."),
    VALUE_ZERO: Flag("value", True, f"Give the value in pounds from the source, then remove '{VALUE_ZERO}' from flags."),
    NO_SOURCE_URL: Flag("source_url", False, f"Add the web address of the source, then remove '{NO_SOURCE_URL}' "
                        "from flags."),
}


def flag_kinds(flags) -> list[str]:
    """The kinds of flag in a ``flags`` cell: each flag up to its first ``:``, in lower case.

    Examples
    --------
    >>> flag_kinds("price year unknown; title repeated: also on sve-a-1")
    ['price year unknown', 'title repeated']
    >>> flag_kinds("")
    []
    """
    return [part.split(":", 1)[0].strip().lower() for part in str(flags or "").split(";") if part.strip()]


def _rule(kind: str) -> Flag | None:
    return next((rule for name, rule in FLAGS.items() if name.lower() == kind), None)


@dataclass(frozen=True)
class Proxy:
    """One financial proxy (a row of a proxy library file)."""

    proxy_id: str
    name: str
    outcome: str
    unit: str
    value: float
    price_year: int | None  # None only while flagged "price year unknown"
    value_type: str
    theme: str
    source: str
    source_url: str
    licence: str
    notes: str = ""
    part_of: str = ""  # the total this proxy is a component of
    alternative_of: str = ""  # the central value this proxy is a variant of
    transfer: bool = False  # moves money rather than creating it
    evidence_years: int | None = None  # the longest duration the source supports (1: a one-off value)
    flags: str = ""  # what an import left for the analyst to check (FLAGS)
    row: int | None = None  # its row in the file it was read from
    origin: str = ""  # the file it was read from

    def citation(self) -> str:
        """``£42.00 per appointment (2022 prices). Source: ... <url>. Licence: ...``"""
        return (f"£{self.value:,.2f} {self.unit} ({self.price_year} prices). Source: {self.source} "
                f"<{self.source_url}>. Licence: {self.licence}.")

    def unusable(self, used_by: str = "") -> Problem | None:
        """Why this proxy cannot value anything yet, or None when it can.

        A proxy carrying a flag that blocks use (:data:`FLAGS`: "price year
        unknown", "value £0") cannot value a map line: the problem names its
        library file, row and the column to put right. ``used_by`` says where
        it was asked for, e.g. ``" (map.csv, row 3)"``.
        """
        for kind in flag_kinds(self.flags):
            rule = _rule(kind)
            if rule is not None and rule.blocks:
                return Problem(f"proxy '{self.proxy_id}'{used_by} is flagged '{kind}', so it cannot value anything yet",
                               file=self.origin or None, row=self.row, column=rule.column, fix=rule.fix)
        return None


class ProxyLibrary:
    """A validated set of proxies: look up by id, search, re-price.

    Parameters
    ----------
    table : DataFrame
        One row per proxy with the columns of :data:`PROXY_COLUMNS`
        (and ``origin``, the file each row came from). Use :func:`load_library`
        or :func:`shipped_library` to build one from files.
    deflators : DeflatorSeries, optional
        For re-pricing (default: the shipped GDP deflator).
    """

    def __init__(self, table: pd.DataFrame, deflators: DeflatorSeries | None = None):
        self.table = table.reset_index(drop=True)
        if "origin" not in self.table.columns:
            self.table["origin"] = ""
        for column, blank in (("part_of", ""), ("alternative_of", ""), ("transfer", False), ("evidence_years", None),
                              ("flags", ""), ("row", None)):
            if column not in self.table.columns:  # a table built before the relation columns existed
                self.table[column] = blank
        self.deflators = deflators or load_deflators()
        self._position = {pid: i for i, pid in enumerate(self.table["proxy_id"])}
        self._index = self._build_search_index()  # built once here, so every search is quick
        self.warnings: list[str] = []

    # -- lookup ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.table)

    def __contains__(self, proxy_id) -> bool:
        return proxy_id in self._position

    def __getitem__(self, proxy_id: str) -> Proxy:
        try:
            row = self.table.iloc[self._position[proxy_id]]
        except KeyError:
            raise KeyError(proxy_id) from None
        values = {f.name: plain(row[f.name]) for f in fields(Proxy)}
        values["transfer"] = bool(values["transfer"])
        for key in ("evidence_years", "price_year", "row"):
            values[key] = None if pd.isna(values[key]) else int(values[key])
        values["flags"] = "" if pd.isna(values["flags"]) else values["flags"]
        return Proxy(**values)

    def get(self, proxy_id: str, default=None) -> Proxy | None:
        """The proxy with this id, or ``default``."""
        return self[proxy_id] if proxy_id in self else default

    def lookup(self, proxy_id: str) -> Proxy:
        """The proxy with this id; an unknown id is an :class:`InputError` suggesting close ids."""
        if proxy_id not in self:
            close = self.search(proxy_id.replace("-", " "), limit=3)["proxy_id"].tolist()
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise InputError(Problem(f"there is no proxy with id '{proxy_id}'.{hint}",
                                     fix="Find ids with `sroi proxies search WORDS`."))
        return self[proxy_id]

    def rows(self, ids) -> pd.DataFrame:
        """The library's rows for these ids, in the order given (each id must be in the library)."""
        return self.table.iloc[[self._position[pid] for pid in ids]]

    @property
    def ids(self) -> list[str]:
        """Every proxy id, in library order."""
        return list(self.table["proxy_id"])

    @property
    def files(self) -> list[Path]:
        """The files the library was read from, in order (for report manifests)."""
        return [Path(o) for o in dict.fromkeys(self.table["origin"]) if o]

    # -- prices ---------------------------------------------------------------------------
    def repriced(self, price_year: int, table: pd.DataFrame | None = None) -> pd.DataFrame:
        """The table with ``value_repriced``: each value in ``price_year`` prices.

        ``value_repriced = value × D[price_year] / D[proxy price_year]``; NaN
        for a proxy whose price year is unknown (flagged "price year unknown").
        """
        t = (self.table if table is None else table).copy()
        known = t["price_year"].notna().to_numpy(bool)
        repriced = np.full(len(t), np.nan)
        if known.any():
            repriced[known] = self.deflators.reprice(t["value"].to_numpy(float)[known],
                                                     t["price_year"][known].to_numpy(np.int64), price_year)
        t["value_repriced"] = repriced
        t["repriced_to"] = price_year
        return t

    # -- search ---------------------------------------------------------------------------
    def search(self, words: str, *, limit: int | None = 10, theme: str | None = None,
               value_type: str | None = None, themes: list[str] | None = None) -> pd.DataFrame:
        """Proxies matching ``words``, best first, with a ``score``.

        Each query word (lower case, accents removed, plurals reduced) scores a
        row when it matches a word of the row's name (weight 3), outcome (2),
        theme (1.5), unit or id (1); a word that only begins a row's word
        (``carb`` → ``carbon``) scores half. Rows matching more of the query's
        words always rank above rows matching fewer; ties keep library order.
        Empty ``words`` lists every row that passes the filters.

        Parameters
        ----------
        words : str
            What to look for, e.g. ``"gp appointments"``.
        limit : int or None
            How many rows at most (None: all).
        theme, value_type : str, optional
            Keep only rows with this theme or value type (case-insensitive).
        themes : list of str, optional
            Keep only rows whose theme is one of these (e.g. a framework pillar's themes).
        """
        n = len(self.table)
        terms = list(dict.fromkeys(normalise_words(words)))
        keep = np.ones(n, dtype=bool)
        if theme:
            keep &= self.table["theme"].str.lower().to_numpy() == theme.strip().lower()
        if themes is not None:
            keep &= self.table["theme"].str.lower().isin([t.lower() for t in themes]).to_numpy()
        if value_type:
            keep &= self.table["value_type"].str.lower().to_numpy() == value_type.strip().lower()
        score = np.zeros(n)
        matched = np.zeros(n, dtype=np.int64)
        if terms:
            index, vocab = self._index
            for term in terms:
                hit = np.zeros(n)
                for field, weight in SEARCH_FIELDS.items():
                    exact = index[field].get(term)
                    if exact is not None:
                        np.maximum.at(hit, exact, weight)
                    for word in _prefixed(vocab[field], term):
                        np.maximum.at(hit, index[field][word], weight / 2)
                score += hit
                matched += hit > 0
            keep &= matched > 0
        order = np.lexsort((np.arange(n), -score, -matched))
        order = order[keep[order]]
        if limit is not None:
            order = order[:limit]
        out = self.table.iloc[order].copy()
        out.insert(0, "score", score[order])
        return out.reset_index(drop=True)

    def _build_search_index(self):
        """For each search field: word → rows holding it, and the sorted words (for prefixes)."""
        index: dict[str, dict[str, np.ndarray]] = {}
        vocab: dict[str, list[str]] = {}
        for field in SEARCH_FIELDS:
            postings: dict[str, list[int]] = defaultdict(list)
            for i, text in enumerate(self.table[field].astype(str)):
                for word in set(normalise_words(text)):
                    postings[word].append(i)
            index[field] = {w: np.array(rows) for w, rows in postings.items()}
            vocab[field] = sorted(postings)
        return index, vocab

    def vocabulary(self) -> list[str]:
        """Every search word of the names, outcomes, themes and units, sorted (what a misspelt word is read as)."""
        vocab = self._index[1]
        return sorted({w for f in ("name", "outcome", "theme", "unit") for w in vocab[f]})

    # -- combining ------------------------------------------------------------------------
    def merged_with(self, other: "ProxyLibrary") -> "ProxyLibrary":
        """This library with ``other``'s rows added; ``other``'s rows win on a shared id.

        Each replaced id adds a line to ``warnings`` of the result.
        """
        replaced = [pid for pid in other.ids if pid in self]
        warnings = list(self.warnings) + list(other.warnings)
        for pid in replaced:
            old, new = self[pid], other[pid]
            warnings.append(
                f"proxy '{pid}' from {Path(new.origin).name or 'your library'} replaces the shipped one "
                f"(£{old.value:,.2f} in {old.price_year or 'unknown'} prices → £{new.value:,.2f} in "
                f"{new.price_year or 'unknown'} prices)")
        kept = self.table[~self.table["proxy_id"].isin(set(other.ids))]
        out = ProxyLibrary(pd.concat([kept, other.table], ignore_index=True), self.deflators)
        out.warnings = warnings
        return out


def _prefixed(vocab: list[str], term: str):
    """Words in sorted ``vocab`` that start with ``term`` (but are not ``term``)."""
    i = bisect_left(vocab, term)
    while i < len(vocab) and vocab[i].startswith(term):
        if vocab[i] != term:
            yield vocab[i]
        i += 1


def load_library(path: str | Path, deflators: DeflatorSeries | None = None, *,
                 alongside: ProxyLibrary | None = None, with_shipped: bool = True) -> ProxyLibrary:
    """Read and validate one proxy library file (CSV or XLSX).

    Checks every row: required columns present, ids unique, values above £0
    (``£1,200`` accepted), value types known, a source, source URL and licence
    on every row, a price year inside the deflator series, ``transfer`` yes or
    no, and the relations (:func:`check_relations`). A row flagged "price year
    unknown", "value £0" or "no source URL" (:data:`FLAGS`) may leave that
    cell blank (or £0); such a row loads, but :meth:`Proxy.unusable` keeps the
    first two from valuing anything.

    Parameters
    ----------
    path : str or Path
        The library file.
    deflators : DeflatorSeries, optional
        For price years and re-pricing (default: the shipped GDP deflator).
    alongside : ProxyLibrary, optional
        The library this file is used with; its ids may be named in ``part_of``
        and ``alternative_of`` (the file's own rows replace rows with the same
        id). Default: the shipped library, unless ``with_shipped`` is false.
    with_shipped : bool
        When ``alongside`` is not given, relate the file to the shipped library
        (true) or only to itself (false).

    Raises
    ------
    InputError
        Listing every problem, each with file, row and column.
    """
    deflators = deflators or load_deflators()
    raw = read_table(path)
    found = Problems()
    records, labels, _ = validate_rows(raw, PROXY_COLUMNS, found)
    _excuse_flagged_blanks(records, labels, found)
    first_row: dict[str, int] = {}
    for rec in records:
        check_record(rec, lambda col, rec=rec: raw.where(row=rec["row"], column=labels.get(col, col)), found,
                     deflators, first_row)
    found.raise_if_any()
    table = pd.DataFrame.from_records(records, columns=["row"] + COLUMNS)
    table["origin"] = str(path)
    unknown = table["price_year"].isna().any()  # a row flagged "price year unknown"
    table["price_year"] = table["price_year"].astype("Int64" if unknown else np.int64)
    table["transfer"] = table["transfer"].astype(bool)
    if alongside is None and with_shipped:
        alongside = shipped_library()
    others = None
    if alongside is not None:
        others = alongside.table[~alongside.table["proxy_id"].isin(set(table["proxy_id"]))]
    check_relations(table, lambda row, col: raw.where(row=row, column=labels.get(col, col)), found, deflators,
                    others=others)
    found.raise_if_any()
    return ProxyLibrary(table, deflators)


def _excuse_flagged_blanks(records: list[dict], labels: dict[str, str], found: Problems) -> None:
    """Take back the "is empty" of each cell its row's flags leave blank on purpose (:data:`FLAGS`)."""
    excused = {(rec["row"], labels.get(rule.column, rule.column)) for rec in records
               for rule in map(_rule, flag_kinds(rec["flags"])) if rule is not None}
    if excused:
        found[:] = [p for p in found if not (p.message == "is empty" and (p.row, p.column) in excused)]


def check_relations(table: pd.DataFrame, where, found: Problems, deflators: DeflatorSeries,
                    others: pd.DataFrame | None = None) -> None:
    """Check the relations of a library's rows (``part_of``, ``alternative_of``), adding each problem to ``found``.

    A relation must name a proxy in the library (``table``, or ``others``: the
    rows of the library it is used with) other than the row itself; ``part_of``
    must not come back round to where it started (a cycle); ``alternative_of``
    must name a central value, not another alternative (point to that one's
    central value instead); and a part must not be worth more than its total:
    re-priced to the total's price year with ``deflators``, a part above the
    total by more than :data:`PART_TOLERANCE` (1%) is refused. Problems are
    reported only on ``table``'s rows.

    Parameters
    ----------
    table : DataFrame
        The rows being checked, with ``row`` (the spreadsheet row) and the
        library's columns.
    where : callable
        ``where(row, column)`` gives the location keywords of a problem.
    found : Problems
        Where each problem is added.
    deflators : DeflatorSeries
        For re-pricing a part to its total's price year.
    others : DataFrame, optional
        Further rows whose ids may be named (they are not themselves checked).
    """
    mine = {r.proxy_id: r for r in table.itertuples(index=False)}
    every = dict(mine)
    if others is not None:
        for r in others.itertuples(index=False):
            every.setdefault(r.proxy_id, r)
    known = sorted(every)
    bad = set()  # (id, column) already refused, so later checks do not pile up on them
    for column in ("part_of", "alternative_of"):
        for pid, r in mine.items():
            target = getattr(r, column) or ""
            if not target:
                continue
            if target == pid:
                found.add(f"'{pid}' names itself", **where(r.row, column),
                          fix=f"A proxy cannot be {_RELATION[column]} itself: give another proxy's id, or leave "
                          f"{column} blank.")
                bad.add((pid, column))
            elif target not in every:
                close = difflib.get_close_matches(target, known, n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                found.add(f"there is no proxy with id '{target}'{hint}", **where(r.row, column),
                          fix="Give the id of a proxy in this file or in the shipped library "
                          "(`sroi proxies search WORDS` finds them), or leave it blank.")
                bad.add((pid, column))
    # an alternative of an alternative: point to the central value instead
    for pid, r in mine.items():
        target = r.alternative_of or ""
        if target and (pid, "alternative_of") not in bad:
            central = every[target].alternative_of or ""
            if central:
                found.add(f"'{target}' is itself an alternative (of '{central}')", **where(r.row, "alternative_of"),
                          fix=f"Name the central value '{central}' instead: every variant of one value points to "
                          "the same central proxy.")
    # cycles of part_of: follow each row's one pointer until it ends, repeats, or leaves the library
    # (each id is walked once: a long chain costs its length, not its length squared)
    walked: set[str] = set()
    for start in mine:
        path, seen = [], {}
        pid = start
        while pid and pid in every and pid not in seen and pid not in walked and (pid, "part_of") not in bad:
            seen[pid] = len(path)
            path.append(pid)
            pid = every[pid].part_of or ""
        walked.update(path)
        if pid in seen:
            cycle = path[seen[pid]:]
            if not any(c in mine for c in cycle):  # a cycle among the other library's rows is that library's
                continue
            first = min((c for c in cycle if c in mine), key=lambda c: mine[c].row)
            loop = cycle[cycle.index(first):] + cycle[:cycle.index(first)]
            if len(loop) <= _CYCLE_SHOWN:
                named = " → ".join(loop + [first])
                rows = ", ".join(f"'{c}' row {every[c].row}" for c in loop)
            else:
                named = " → ".join(loop[:_CYCLE_SHOWN]) + f" → … → {first}"
                rows = f"{len(loop):,} proxies in the circle"
            found.add(f"part_of goes round in a circle: {named} ({rows})",
                      **where(mine[first].row, "part_of"),
                      fix="A total cannot be part of its own part: remove part_of from the row that is the total.")
            bad.update((c, "part_of") for c in cycle)
    # a part worth more than its total
    for pid, r in mine.items():
        target = r.part_of or ""
        if not target or (pid, "part_of") in bad:
            continue
        total = every[target]
        if pd.isna(r.price_year) or pd.isna(total.price_year):  # flagged "price year unknown": compared once known
            continue
        part_value = float(deflators.reprice(np.array([float(r.value)]), np.array([int(r.price_year)]),
                                             int(total.price_year))[0])
        if part_value > float(total.value) * (1 + PART_TOLERANCE):
            priced = f"£{r.value:,.2f}"
            if int(r.price_year) != int(total.price_year):
                priced += f" in {r.price_year} prices, £{part_value:,.2f} in {total.price_year} prices"
            found.add(f"the part is worth more than its total '{target}': {priced}, against £{total.value:,.2f} "
                      f"({total.price_year} prices)", **where(r.row, "part_of"),
                      fix="A component cannot be worth more than the total it is part of: check both values, or "
                      "whether this is really a part (a variant of a value is alternative_of it).")


_RELATION = {"part_of": "part of", "alternative_of": "an alternative of"}
_CYCLE_SHOWN = 10  # a longer circle is named by its first ten ids and its length


def check_record(rec: dict, where, found: Problems, deflators: DeflatorSeries, first_row: dict[str, int]) -> None:
    """The checks on one proxy beyond its cells' own rules (see :func:`load_library`).

    ``where(column)`` gives the location keywords of a problem; ``first_row``
    maps each id seen so far to its row, to catch ids used twice.
    """
    pid = rec["proxy_id"]
    if pid:
        if re.search(r"\s", pid):
            found.add(f"'{pid}' has spaces in it", **where("proxy_id"), fix="Use letters, digits and hyphens only.")
        elif pid in first_row:
            found.add(f"proxy id '{pid}' is used twice (first in row {first_row[pid]})", **where("proxy_id"),
                      fix="Give each proxy its own id.")
        else:
            first_row[pid] = rec["row"]
    if rec["value"] == 0 and VALUE_ZERO.lower() not in flag_kinds(rec.get("flags")):
        found.add("is £0", **where("value"), fix="A proxy must be worth more than £0; remove the row or give its value.")
    elif rec["value"] is not None and not np.isfinite(rec["value"] * deflators.largest_factor):
        found.add(f"£{rec['value']:.3g} is too large to compute with (re-priced to another year it would be "
                  "beyond the largest number sroi can hold)", **where("value"),
                  fix="Check the value: it is the value of one unit, in pounds.")
    year = rec["price_year"]
    if year is not None and (outside := deflators.year_problem(year, **where("price_year"))):
        found.append(outside)
    url = rec["source_url"]
    if url and not re.match(r"^https?://\S+$", url):
        found.add(f"'{url}' is not a web address", **where("source_url"), fix="Give the address starting https://.")


def flag_notes(library: ProxyLibrary) -> list[str]:
    """One line per flagged row of ``library``: its row, id and flags, and whether it can value anything yet.

    What ``sroi proxies check`` lists as notes (a flag is not a problem with the file).
    """
    notes = []
    for r in library.table[library.table["flags"].fillna("").astype(str).str.strip() != ""].itertuples():
        blocked = [k for k in flag_kinds(r.flags) if (rule := _rule(k)) is not None and rule.blocks]
        where = f"row {r.row}, " if not pd.isna(r.row) else ""
        notes.append(f"{where}'{r.proxy_id}' is flagged: {r.flags}"
                     + (f" (it cannot value anything until '{', '.join(blocked)}' is put right and removed)"
                        if blocked else ""))
    return notes


def _shipped_files() -> list[Path]:
    return sorted((data_dir() / "proxies").glob("*.csv"))


@lru_cache(maxsize=1)
def shipped_library() -> ProxyLibrary:
    """The library shipped in ``data/proxies/*.csv`` (an id may appear in only one file).

    Each file's relations must resolve within that file (a shipped total and its
    parts, or a central value and its variants, are kept in one file).
    """
    problems: list[Problem] = []
    parts = []
    for path in _shipped_files():
        try:
            parts.append(load_library(path, alongside=None, with_shipped=False).table)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["row"] + COLUMNS + ["origin"])
    dup = table[table["proxy_id"].duplicated(keep=False)]
    if len(dup):
        raise InputError([Problem(f"proxy id '{r.proxy_id}' appears in more than one shipped file", file=r.origin,
                                  row=int(r.row), column="proxy_id") for r in dup.itertuples()])
    return ProxyLibrary(table)


def library_with(user_file: str | Path | None = None) -> ProxyLibrary:
    """The shipped library, with a user's file merged in when given (the user's rows win).

    The user's file may relate its rows to shipped ids (``part_of``, ``alternative_of``).
    """
    shipped = shipped_library()
    if user_file is None:
        return shipped
    return shipped.merged_with(load_library(user_file))


def find_proxies(library: ProxyLibrary, words: str = "", *, theme: str | None = None, pillar: str | None = None,
                 value_type: str | None = None, price_year: int | None = None, framework=DEFAULT_FRAMEWORK,
                 limit: int | None = 50, synonyms: Synonyms | None = None) -> pd.DataFrame:
    """Search the library with filters and re-price the results (what ``sroi proxies search`` and the explorer show).

    The search is :func:`~sroi_lib.proxies.search.ranked_search`: the exact
    id, then words, then ``synonyms`` (default: the shipped synonyms file),
    then near spellings. ``pillar`` is a group of ``framework`` (e.g. "Zero
    carbon"); ``price_year`` defaults to the latest year of the deflator
    series. The result has the library's columns, ``score``, ``match``,
    ``why``, ``value_repriced``, ``repriced_to`` and ``pillar``.
    """
    if limit is not None and limit < 1:
        raise InputError(Problem(f"the limit of {limit} is below 1", fix="Ask for 1 or more results."))
    year = library.deflators.last_year if price_year is None else price_year
    fw = load_framework(framework) if isinstance(framework, (str, Path)) else framework
    themes = fw.themes_of(pillar) if pillar else None
    found = ranked_search(library, words, synonyms=synonyms, limit=limit, theme=theme or None,
                          value_type=value_type or None, themes=themes)
    out = library.repriced(year, found)
    out["pillar"] = fw.assign(out["theme"]).to_numpy()
    return out


def proxy_records(table: pd.DataFrame) -> list[dict]:
    """Proxies as JSON-ready records: the library's columns, and the re-priced value and score when present."""
    cols = COLUMNS + [c for c in ("value_repriced", "repriced_to", "score") if c in table.columns]
    return json_records(table[cols])
