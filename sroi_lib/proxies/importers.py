"""Bring in proxy lists a council already holds.

Three importers, each returning the proxies it could import and, for every row
it could not, the reason (an :class:`~sroi_lib.errors.Problem` naming the row):

* :func:`import_sve`: an export of the Social Value Engine's proxy list
  (columns ``orgId, title, outcome, unit, value, source, url``);
* :func:`import_toms`: a council's own National TOMs measures sheet
  (``measure code, description, unit, proxy value, year``);
* :func:`import_mapped`: any CSV or XLSX, with a mapping from its columns to the
  proxy library's fields.

Imported rows pass the same checks as any library file
(:func:`sroi_lib.proxies.library.check_record`); their relations
(``part_of``, ``alternative_of``, ``transfer``) are left blank for the analyst
to fill, and ``sroi proxies check`` checks them once filled. Licensed sets (the Social Value
Engine's, National TOMs) stay with the council: sroi never ships them.

An SVE export is brought in whole unless ``strict``: a row the library would
otherwise refuse for want of a price year, for a value of £0 or in euros, for
no source address, or for repeating another row, is kept with a ``flags`` cell
saying so (docs/proxies.md, "Bringing in a council's own proxies"). Every row
still refused is listed with its reason; :meth:`ImportResult.summary` counts
them and :func:`write_import` writes the library and, beside it, the refused
rows with their reasons.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.prices import DeflatorSeries, load_deflators, parse_price_year
from ..errors import CellError, InputError, Problem, Problems
from ..io.cells import normalise_header, parse_number, validate_rows
from ..io.safe import check_output_path, safe_cell, safe_frame, write_atomically
from ..io.tables import RawTable, read_table
from ..paths import read_yaml, reference_file
from .library import COLUMNS, NO_SOURCE_URL, PRICE_YEAR_UNKNOWN, PROXY_COLUMNS, VALUE_ZERO, check_record

__all__ = ["ImportResult", "import_proxies", "import_sve", "import_toms", "import_mapped", "parse_mapping",
           "write_library", "write_refused", "write_import", "refused_path", "slug", "title_price_year",
           "EuroRates", "load_euro_rates", "FORMATS"]

SVE_LICENCE = "Social Value Engine export: for the council's own use under its licence; not for redistribution"
TOMS_LICENCE = "National TOMs: the council's own licensed copy; not for redistribution"
TOMS_PUBLISHER_URL = "https://socialvalueportal.com/"


EURO_RATES_FILE = "ecb_euro_sterling.yaml"


@dataclass(frozen=True)
class EuroRates:
    """Pounds per euro by calendar year, with where they come from (``data/reference/ecb_euro_sterling.yaml``).

    A value in euros of price year ``y`` is brought into pounds as
    ``pounds = euros × rates[y]``, the annual average of the European Central
    Bank's daily euro reference rate for sterling (docs/data_log.md).
    """

    rates: dict[int, float]
    publisher: str = ""
    path: Path | None = None

    def citation(self, year: int) -> str:
        """``"European Central Bank euro reference rate, 2019 annual average"``."""
        return f"{self.publisher} euro reference rate, {year} annual average"

    def describe_range(self) -> str:
        """``"1999 to 2025"``."""
        return f"{min(self.rates)} to {max(self.rates)}"


@lru_cache(maxsize=1)
def load_euro_rates() -> EuroRates:
    """The shipped euro to pound rates (:data:`EURO_RATES_FILE` in ``data/reference/``)."""
    path = reference_file(EURO_RATES_FILE)
    raw = read_yaml(path, "exchange rate file")
    return EuroRates({int(y): float(r) for y, r in raw["rates"].items()}, str(raw["publisher"]), path)


@dataclass
class ImportResult:
    """What an importer brought in (``table``), what it left out (``skipped``: a problem for each row left out,
    naming it) and reading notes; with the file's ``header`` and every data row's ``cells`` (by row number), for
    the refused-rows file, and a short ``reasons`` for each refused row, for the summary."""

    table: pd.DataFrame
    skipped: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the file was read (hidden rows, other sheets)
    header: list[str] = field(default_factory=list)
    cells: dict[int, list] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)

    @property
    def refused_rows(self) -> list[int]:
        """The rows left out, in file order."""
        return sorted({p.row for p in self.skipped if p.row is not None})

    def summary(self) -> str:
        """``"10 rows read: 2 imported clean, 6 imported with flags (2 title repeated, ...), 2 refused (...)."``

        A row with flags counts once among the rows imported with flags, and
        once under each kind of flag it carries; a refused row counts under the
        first reason it was refused for.
        """
        flags = self.table["flags"].fillna("").astype(str) if "flags" in self.table else pd.Series([], dtype=str)
        flagged = int((flags.str.strip() != "").sum())
        kinds = Counter(kind for text in flags for kind in dict.fromkeys(_flag_names(text)))
        refused = self.refused_rows
        why = Counter(self.reasons.get(row, "failed a library check") for row in refused)
        text = (f"{len(self.cells):,} rows read: {len(self.table) - flagged:,} imported clean, "
                f"{flagged:,} imported with flags")
        if kinds:
            text += " (" + ", ".join(f"{n:,} {kind}" for kind, n in kinds.most_common()) + ")"
        text += f", {len(refused):,} refused"
        if why:
            text += " (" + ", ".join(f"{n:,} {reason}" for reason, n in why.most_common()) + ")"
        return text + "."


def slug(text: str, width: int = 48) -> str:
    """``"Ability to pay for housing"`` → ``"ability-to-pay-for-housing"``."""
    out = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return out[:width].rstrip("-") or "proxy"


_YEAR_AT_END = re.compile(r"\(\s*((?:19|20)\d{2})(?:\s*[/\-–]\s*(\d{2}|\d{4}))?\s*\)\s*$")


def title_price_year(title: str) -> tuple[str, int | None, str]:
    """Split a price year in brackets off the end of a title.

    ``"Ability to pay for housing (2020)"`` → ``("Ability to pay for housing", 2020, "")``.
    A financial year ``(2019/20)`` gives its first calendar year, 2019, and a note
    saying so. No year → ``(title, None, "")``.
    """
    m = _YEAR_AT_END.search(title)
    if not m:
        return title.strip(), None, ""
    year = int(m.group(1))
    note = f"Price year given as {m.group(0).strip()} (financial year), taken as {year}." if m.group(2) else ""
    return title[: m.start()].strip(), year, note


def _positions(raw: RawTable, wanted: dict[str, tuple[str, ...]]) -> tuple[dict[str, int], list[Problem]]:
    """Find each wanted field's column by any of its accepted header names."""
    by_name = {normalise_header(h): i for i, h in enumerate(raw.header) if h}
    positions, problems = {}, []
    for name, aliases in wanted.items():
        pos = next((by_name[a] for a in aliases if a in by_name), None)
        if pos is None:
            problems.append(Problem(f"the column '{aliases[0]}' is missing", **raw.where(row=raw.header_row, column=aliases[0]),
                                    fix=f"The file needs a column headed {' or '.join(repr(a) for a in aliases)}."))
        else:
            positions[name] = pos
    return positions, problems


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


def _flag_names(flags: str) -> list[str]:
    """The kinds of flag in a ``flags`` cell as written (:func:`~sroi_lib.proxies.library.flag_kinds` lower-cases
    them, to compare)."""
    return [part.split(":", 1)[0].strip() for part in flags.split(";") if part.strip()]


def _finish(raw: RawTable, candidates: list[dict], skipped: list[Problem], deflators: DeflatorSeries,
            labels: dict[str, str], reasons: dict[int, str] | None = None) -> ImportResult:
    """Run the library checks on each candidate row; keep the clean ones."""
    reasons = dict(reasons or {})
    first_row: dict[str, int] = {}
    kept = []
    for rec in candidates:
        for column, blank in _NO_RELATION.items():
            rec.setdefault(column, blank)
        rec.setdefault("flags", "")
        found = Problems()
        check_record(rec, lambda col, rec=rec: raw.where(row=rec["row"], column=labels.get(col, col)), found,
                     deflators, first_row)
        if found:
            skipped.extend(found)
            outside = rec["price_year"] is not None and not deflators.covers(rec["price_year"])
            reasons[rec["row"]] = "price year outside the deflator series" if outside else "failed a library check"
        else:
            kept.append(rec)
    skipped.sort(key=lambda p: (p.row or 0))
    table = pd.DataFrame.from_records(kept, columns=["row"] + COLUMNS)
    table["price_year"] = table["price_year"].astype("Int64")  # blank where flagged "price year unknown"
    return ImportResult(table, skipped, list(raw.notes), header=list(raw.header), cells=dict(raw.rows),
                        reasons=reasons)


_NO_RELATION = {"part_of": "", "alternative_of": "", "transfer": False}


_EURO = re.compile(r"€|\beur(?:o|os)?\b", re.IGNORECASE)
_MULTIPLIER = re.compile(r"^\s*[x×]\s*\d|\d\s*[x×]\s*$")


def _money(cell, raw: RawTable, row: int, column: str, skipped: list[Problem], reasons: dict[int, str], *,
           euros: bool = False, zero: bool = False) -> float | None:
    """A value in pounds (or, with ``euros``, in euros when the cell is in euros), or None after recording why the
    row is skipped. ``zero``: a value of £0 is kept (the caller flags it) rather than skipped."""
    text = _text(cell)
    where = raw.where(row=row, column=column)

    def skip(reason: str, message: str, fix: str = "Not imported.") -> None:
        skipped.append(Problem(message, **where, fix=fix))
        reasons[row] = reason

    if text == "":
        return skip("no value", "has no value")
    in_euros = bool(_EURO.search(text))
    if in_euros and not euros:
        return skip("in euros", f"'{text}' is in euros; sroi holds values in pounds",
                    "Not imported: convert it with a stated exchange rate and source, then import it.")
    if _MULTIPLIER.search(text.lower()):
        return skip("multiplier (not a value)", f"'{text}' is a multiplier, not a value in pounds")
    try:
        value = parse_number(_EURO.sub("", text) if in_euros else cell, money=True)
    except CellError as exc:
        return skip("value not a number", exc.message)
    if value is None or value < 0 or (value == 0 and not zero):
        reason = "no value" if value is None else "value of £0" if value == 0 else "value below £0"
        return skip(reason, f"the value is {'£0' if value == 0 else text}", "Not imported: a proxy must be worth more than £0.")
    return value


def import_sve(path: str | Path, deflators: DeflatorSeries | None = None, *, strict: bool = False,
               assume_price_year: int | None = None, euro_rates: EuroRates | None = None) -> ImportResult:
    """Import a Social Value Engine proxy export (XLSX or CSV), every row it can, each doubt flagged.

    Columns ``orgId, title, outcome, unit, value, source, url``. The price year
    is read from brackets at the end of the title (``"... (2020)"``; a
    financial year ``(2019/20)`` gives 2019, with a note). A row the library
    would refuse as it stands is kept, with a ``flags`` cell saying why
    (docs/proxies.md):

    * no price year in the title: the year of ``assume_price_year`` (flagged
      "price year assumed"), or a blank price year flagged "price year
      unknown", which the library keeps from valuing anything until the
      analyst confirms one;
    * a value of £0: flagged "value £0" (kept from valuing anything likewise);
    * no source URL: flagged "no source URL";
    * a value in euros: ``pounds = euros × rate``, the rate being the annual
      average of the ECB's euro reference rate for the price year
      (:func:`load_euro_rates`), rounded to the penny and flagged "converted
      from euros" with the amount, rate and source;
    * a title used by other rows: flagged "title repeated", naming their ids.

    A multiplier (``x1.5``), a value that is not a number or is below £0, no
    title, no value, no source, a price year outside the deflator series, or
    euros with no rate for their year, is still refused, each with its reason.

    Ids are ``sve-<title>-<hash>``, the hash (8 hex digits of SHA-1) taken from
    the row's content (orgId, title, outcome, unit, value, source, url), so a
    row keeps its id on every import, wherever it sits in the file; the n-th
    exact copy of a row gets ``-n`` after it and the flag "repeats another
    row exactly".

    ``strict``: every such row is refused instead, as before flags existed.
    """
    deflators = deflators or load_deflators()
    raw = read_table(path)
    wanted = {"org_id": ("orgid", "org_id", "organisation_id"), "title": ("title",), "outcome": ("outcome",),
              "unit": ("unit",), "value": ("value",), "source": ("source",), "url": ("url", "source_url", "link")}
    pos, problems = _positions(raw, {k: v for k, v in wanted.items() if k != "org_id"})
    if problems:
        raise InputError(problems)
    org_pos = _positions(raw, {"org_id": wanted["org_id"]})[0].get("org_id")
    labels = {"proxy_id": "title", "name": "title", "value": raw.header[pos["value"]],
              "price_year": raw.header[pos["title"]], "source_url": raw.header[pos["url"]]}
    skipped: list[Problem] = []
    reasons: dict[int, str] = {}
    candidates, seen, copies, titles = [], {}, Counter(), {}
    for number, cells in raw.rows:
        cell = {k: cells[p] for k, p in pos.items()}
        title = _text(cell["title"])
        where = lambda col: raw.where(row=number, column=raw.header[pos[col]])  # noqa: E731

        def refuse(column: str, reason: str, message: str, fix: str = "Not imported.") -> None:
            skipped.append(Problem(message, **where(column), fix=fix))
            reasons[number] = reason

        if not title:
            refuse("title", "no title", "has no title")
            continue
        name, year, note = title_price_year(title)
        flags, notes = [], [note] if note else []
        if year is None and strict:
            refuse("title", "no price year", f"'{title}' has no price year in brackets at the end",
                   "Not imported: add the price year to the title, e.g. '(2021)', and import again.")
            continue
        if year is None and assume_price_year is not None:
            year = assume_price_year
            flags.append(f"price year assumed: {year}, given with --assume-price-year")
            notes.append(f"The title gives no price year; {year} was assumed at import (--assume-price-year).")
        elif year is None:
            flags.append(PRICE_YEAR_UNKNOWN)
        value_text = _text(cell["value"])
        in_euros = not strict and bool(_EURO.search(value_text))
        value = _money(cell["value"], raw, number, raw.header[pos["value"]], skipped, reasons, euros=not strict,
                       zero=not strict)
        if value is None:
            continue
        amount = value
        if in_euros:
            euro_rates = euro_rates or load_euro_rates()
            rate = euro_rates.rates.get(year) if year is not None else None
            if rate is None:
                refuse("value", "in euros with no exchange rate for its year",
                       f"'{value_text}' is in euros, and " + (
                           "the title gives no price year to choose an exchange rate by" if year is None else
                           f"there is no euro exchange rate for {year} ({Path(str(euro_rates.path)).name} has "
                           f"{euro_rates.describe_range()})"),
                       "Not imported: " + ("import again with --assume-price-year YEAR, or add the price year to "
                                           "the title" if year is None else
                                           "convert it with a stated exchange rate and source") + ".")
                continue
            value = round(amount * rate, 2)
            converted = f"€{amount:,.2f} at £{rate:.5f} per euro ({euro_rates.citation(year)})"
            flags.append(f"converted from euros: {converted}")
            notes.append(f"Converted from {converted}: £{value:,.2f}.")
        if value == 0:
            flags.append(VALUE_ZERO)
        source, url = _text(cell["source"]), _text(cell["url"])
        if not source:
            refuse("source", "no source", "has no source", "Not imported: a value without a source does not ship.")
            continue
        if not url and strict:
            refuse("url", "no source URL", "has no source URL",
                   "Not imported: add the address of the source and import again.")
            continue
        if not url:
            flags.append(NO_SOURCE_URL)
        org = _text(cells[org_pos]) if org_pos is not None else ""
        outcome, unit = _text(cell["outcome"]), _text(cell["unit"])
        key = "|".join([org, title, outcome, unit, f"EUR{amount:.6f}" if in_euros else f"{value:.6f}", source, url])
        copies[key] += 1
        proxy_id = f"sve-{slug(name, 40)}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"
        if copies[key] > 1:
            if strict:
                refuse("title", "repeats another row exactly", f"repeats row {seen[key]} exactly", "Not imported twice.")
                continue
            flags.append(f"repeats another row exactly: {proxy_id}")
            proxy_id = f"{proxy_id}-{copies[key]}"
        seen.setdefault(key, number)
        titles[number] = " ".join(title.casefold().split())
        notes.append(f"Imported from a Social Value Engine export ({Path(str(path)).name}, row {number}"
                     + (f", orgId {org}" if org else "") + ").")
        candidates.append({
            "row": number, "proxy_id": proxy_id, "name": name, "outcome": outcome or name,
            "unit": unit or "per unit", "value": value, "price_year": year, "value_type": "",
            "theme": outcome.lower() or "not stated", "source": source, "source_url": url,
            "licence": SVE_LICENCE, "notes": " ".join(notes), "flags": "; ".join(flags),
        })
    result = _finish(raw, candidates, skipped, deflators, labels, reasons)
    if not strict:
        _flag_repeated_titles(result.table, titles)
    return result


def _flag_repeated_titles(table: pd.DataFrame, titles: dict[int, str], shown: int = 3) -> None:
    """Flag each imported row whose title (case and spacing aside) another imported row has: "title repeated: also
    <their ids>" (sorted, so the flag is the same whatever the rows' order; the first ``shown``, then a count)."""
    ids = defaultdict(list)
    for row, pid in zip(table["row"], table["proxy_id"]):
        ids[titles[row]].append(pid)
    flags = []
    for row, pid, before in zip(table["row"], table["proxy_id"], table["flags"]):
        others = sorted(p for p in ids[titles[row]] if p != pid)
        if not others:
            flags.append(before)
            continue
        named = ", ".join(others[:shown]) + (f" and {len(others) - shown:,} more" if len(others) > shown else "")
        flags.append("; ".join(filter(None, [before, f"title repeated: also {named}"])))
    table["flags"] = flags


def import_toms(path: str | Path, deflators: DeflatorSeries | None = None,
                source_url: str = TOMS_PUBLISHER_URL) -> ImportResult:
    """Import a council's own National TOMs measures sheet.

    Columns ``measure code, description, unit, proxy value, year`` (and
    optionally ``theme``). Ids are ``toms-<measure code>``; a repeated code is
    listed and not imported.
    """
    deflators = deflators or load_deflators()
    raw = read_table(path)
    wanted = {"code": ("measure_code", "code", "ref", "reference"), "description": ("description", "measure"),
              "unit": ("unit", "units"), "value": ("proxy_value", "value", "proxy"),
              "year": ("year", "price_year", "proxy_year")}
    pos, problems = _positions(raw, wanted)
    if problems:
        raise InputError(problems)
    theme_pos = _positions(raw, {"theme": ("theme",)})[0].get("theme")
    labels = {"proxy_id": raw.header[pos["code"]], "value": raw.header[pos["value"]],
              "price_year": raw.header[pos["year"]]}
    skipped: list[Problem] = []
    reasons: dict[int, str] = {}
    candidates = []
    for number, cells in raw.rows:
        cell = {k: cells[p] for k, p in pos.items()}
        where = lambda col: raw.where(row=number, column=raw.header[pos[col]])  # noqa: E731

        def refuse(column: str, reason: str, message: str, fix: str = "Not imported.") -> None:
            skipped.append(Problem(message, **where(column), fix=fix))
            reasons[number] = reason

        code, description = _text(cell["code"]), _text(cell["description"])
        if not code:
            refuse("code", "no measure code", "has no measure code")
            continue
        if not description:
            refuse("description", "no description", "has no description")
            continue
        value = _money(cell["value"], raw, number, raw.header[pos["value"]], skipped, reasons)
        if value is None:
            continue
        try:
            year = parse_number(cell["year"])
        except CellError as exc:
            refuse("year", "no whole year", exc.message, "Not imported: give the year, e.g. 2023.")
            continue
        if year is None or not float(year).is_integer():
            refuse("year", "no whole year", "has no whole year", "Not imported: give the year, e.g. 2023.")
            continue
        theme = _text(cells[theme_pos]).lower() if theme_pos is not None else ""
        candidates.append({
            "row": number, "proxy_id": f"toms-{slug(code, 40)}", "name": description, "outcome": description,
            "unit": _text(cell["unit"]) or "per unit", "value": value, "price_year": int(year), "value_type": "",
            "theme": theme or "national toms", "source": f"National TOMs measure {code} ({Path(str(path)).name})",
            "source_url": source_url, "licence": TOMS_LICENCE,
            "notes": f"Imported from the council's National TOMs sheet ({Path(str(path)).name}, row {number}).",
        })
    return _finish(raw, candidates, skipped, deflators, labels, reasons)


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["Proxy Value=value", "Ref=proxy_id"]`` → ``{"proxy_value": "value", "ref": "proxy_id"}``.

    Keys are the file's column names (case and spacing forgiven); values must be
    proxy library fields.
    """
    mapping, problems = {}, []
    for pair in pairs:
        if "=" not in pair:
            problems.append(Problem(f"--map '{pair}' is not COLUMN=FIELD", fix="Write it like --map \"Proxy value=value\"."))
            continue
        column, target = (p.strip() for p in pair.split("=", 1))
        target = normalise_header(target)
        if target not in COLUMNS:
            problems.append(Problem(f"--map '{pair}': '{target}' is not a proxy library field",
                                    fix=f"Fields: {', '.join(COLUMNS)}."))
            continue
        mapping[normalise_header(column)] = target
    if problems:
        raise InputError(problems)
    return mapping


def import_mapped(path: str | Path, mapping: dict[str, str], deflators: DeflatorSeries | None = None) -> ImportResult:
    """Import any CSV or XLSX, renaming its columns by ``mapping`` (file column → library field).

    Columns not in the mapping are used when they already carry a field's name.
    Each row with a problem is listed and left out; the rest are imported.
    """
    deflators = deflators or load_deflators()
    raw = read_table(path)
    header = []
    for h in raw.header:
        header.append(mapping.get(normalise_header(h), h) if h else h)
    renamed = RawTable(file=raw.file, sheet=raw.sheet, header=header, rows=raw.rows, header_row=raw.header_row)
    found = Problems()
    records, labels, _ = validate_rows(renamed, PROXY_COLUMNS, found)
    header_problems = [p for p in found if p.row == raw.header_row]
    if header_problems:
        raise InputError(header_problems)
    bad_rows = {p.row for p in found}
    original = {field_: raw.header[header.index(label)] for field_, label in labels.items()}
    skipped = [Problem(p.message, file=p.file, sheet=p.sheet, row=p.row,
                       column=original.get(normalise_header(p.column or ""), p.column), fix="Not imported.")
               for p in found]
    candidates = [r for r in records if r["row"] not in bad_rows]
    reasons = {}
    for p in skipped:
        reasons.setdefault(p.row, f"a problem in column '{p.column}'")
    return _finish(raw, candidates, skipped, deflators, original, reasons)


FORMATS = ("sve", "toms", "csv")


def import_proxies(path: str | Path, fmt: str, *, mapping: list[str] = (), source_url: str | None = None,
                   strict: bool = False, assume_price_year: str | int | None = None) -> ImportResult:
    """Import a proxy list in one of :data:`FORMATS` (``sroi proxies import``).

    ``sve``: a Social Value Engine export (:func:`import_sve`, every row it can,
    flagged; ``strict`` refuses every flagged row instead; ``assume_price_year``
    is the price year of titles that give none); ``toms``: a National TOMs
    sheet (:func:`import_toms`, citing ``source_url`` when given); ``csv``: any
    table, its columns named by ``mapping`` (``["COLUMN=field", ...]``, see
    :func:`parse_mapping`). The ``toms`` and ``csv`` imports are always strict.

    Raises
    ------
    InputError
        For an unknown format, a mapping given without ``csv``, an assumed price
        year given without ``sve``, with ``strict``, or outside the deflator
        series, or a file from which no row could be imported (listing why each
        row was left out).
    """
    if fmt not in FORMATS:
        raise InputError(Problem(f"'{fmt}' is not an import format", fix=f"Use one of: {', '.join(FORMATS)}."))
    if mapping and fmt != "csv":
        raise InputError(Problem("--map is only used with --format csv"))
    assumed = None
    if assume_price_year is not None:
        if fmt != "sve":
            raise InputError(Problem("--assume-price-year is only used with --format sve",
                                     fix="Leave it out: a TOMs sheet or a mapped table gives each row's price year."))
        if strict:
            raise InputError(Problem("--assume-price-year cannot be used with --strict",
                                     fix="--strict refuses every title without a price year; leave out one of the two."))
        if str(assume_price_year).strip() == "":
            raise InputError(Problem("--assume-price-year is blank", fix="Give a year, such as 2021."))
        assumed = parse_price_year(assume_price_year, label="--assume-price-year ")
    if fmt == "sve":
        result = import_sve(path, strict=strict, assume_price_year=assumed)
    elif fmt == "toms":
        result = import_toms(path, **({"source_url": source_url} if source_url else {}))
    else:
        result = import_mapped(path, parse_mapping(list(mapping)))
    if result.table.empty:
        raise InputError([Problem("no row could be imported", file=str(path))] + result.skipped)
    return result


def write_library(table: pd.DataFrame, out: str | Path) -> Path:
    """Write proxies as a library CSV, whole or not at all (:func:`sroi_lib.io.safe.write_atomically`).

    Text that a spreadsheet would run as a formula (starting ``=``, ``+``,
    ``-``, ``@``, tab or carriage return) is written with a leading ``'``
    (:func:`sroi_lib.io.safe.safe_frame`); the library reader takes it back as
    the text it is. Every column of the contract is written; ``transfer`` as
    ``yes`` or blank (no).
    """
    out = check_output_path(out, suffixes=(".csv",))
    table = table.copy()
    for column, blank in _NO_RELATION.items():
        if column not in table.columns:
            table[column] = blank
    table["transfer"] = ["yes" if (isinstance(v, (bool, np.bool_)) and v) or v == "yes" else ""
                         for v in table["transfer"]]
    safe = safe_frame(table[COLUMNS])
    return write_atomically(out, lambda tmp: safe.to_csv(tmp, index=False, encoding="utf-8"), what="proxy library")


def refused_path(out: str | Path) -> Path:
    """Where the refused rows of an import written to ``out`` go by default: ``lib.csv`` → ``lib_refused.csv``."""
    out = Path(out)
    return out.with_name(f"{out.stem}_refused.csv")


def write_refused(result: ImportResult, path: str | Path, *, option: str = "--refused") -> Path:
    """Write the rows an import refused, whole or not at all: the file's own columns, then ``row`` (its row in the
    file) and ``reason`` (each problem, with its column). Text a spreadsheet would run as a formula is written
    with a leading ``'`` (:func:`sroi_lib.io.safe.safe_cell`). Written even when no row was refused (a header
    alone), so an earlier import's list never stands for this one's."""
    out = check_output_path(path, suffixes=(".csv",), option=option)
    header = [h or "" for h in result.header]
    extra = [name if name not in header else f"sroi_{name}" for name in ("row", "reason")]
    why = defaultdict(list)
    for p in result.skipped:
        why[p.row].append(f"column '{p.column}': {p.message}" if p.column else p.message)

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow([safe_cell(h) for h in header + extra])
            for row in result.refused_rows:
                cells = list(result.cells.get(row, []))[:len(header)]
                cells += [""] * (len(header) - len(cells))
                writer.writerow([safe_cell(c) for c in cells] + [row, safe_cell("; ".join(why[row]))])

    return write_atomically(out, write, what="refused-rows file")


def write_import(result: ImportResult, out: str | Path, refused: str | Path | None = None) -> tuple[Path, Path]:
    """Write an import: the library to ``out`` (:func:`write_library`) and the refused rows to ``refused``
    (default :func:`refused_path`, :func:`write_refused`). Both places are checked before either is written.

    Raises
    ------
    InputError
        When either place cannot be written, or both are the same file.
    """
    refused = refused_path(out) if refused is None else Path(refused)
    check_output_path(out, suffixes=(".csv",))
    check_output_path(refused, suffixes=(".csv",), option="--refused")
    if Path(out).resolve() == refused.resolve():
        raise InputError(Problem(f"--refused {refused} is the library file -o names",
                                 fix="Give the refused rows a file of their own, or leave --refused out."))
    return write_library(result.table, out), write_refused(result, refused)
