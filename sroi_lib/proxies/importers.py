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
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.prices import DeflatorSeries, load_deflators
from ..errors import CellError, InputError, Problem, Problems
from ..io.cells import normalise_header, parse_number, validate_rows
from ..io.safe import check_output_path, safe_frame, write_atomically
from ..io.tables import RawTable, read_table
from .library import COLUMNS, PROXY_COLUMNS, check_record

__all__ = ["ImportResult", "import_proxies", "import_sve", "import_toms", "import_mapped", "parse_mapping",
           "write_library", "slug", "title_price_year", "FORMATS"]

SVE_LICENCE = "Social Value Engine export: for the council's own use under its licence; not for redistribution"
TOMS_LICENCE = "National TOMs: the council's own licensed copy; not for redistribution"
TOMS_PUBLISHER_URL = "https://socialvalueportal.com/"


@dataclass
class ImportResult:
    """What an importer brought in (``table``), what it left out (``skipped``, one problem per row) and reading notes."""

    table: pd.DataFrame
    skipped: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the file was read (hidden rows, other sheets)


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
            problems.append(Problem(f"the column '{aliases[0]}' is missing", **raw.where(row=1, column=aliases[0]),
                                    fix=f"The file needs a column headed {' or '.join(repr(a) for a in aliases)}."))
        else:
            positions[name] = pos
    return positions, problems


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


def _finish(raw: RawTable, candidates: list[dict], skipped: list[Problem], deflators: DeflatorSeries,
            labels: dict[str, str]) -> ImportResult:
    """Run the library checks on each candidate row; keep the clean ones."""
    first_row: dict[str, int] = {}
    kept = []
    for rec in candidates:
        for column, blank in _NO_RELATION.items():
            rec.setdefault(column, blank)
        found = Problems()
        check_record(rec, lambda col, rec=rec: raw.where(row=rec["row"], column=labels.get(col, col)), found,
                     deflators, first_row)
        if found:
            skipped.extend(found)
        else:
            kept.append(rec)
    skipped.sort(key=lambda p: (p.row or 0))
    return ImportResult(pd.DataFrame.from_records(kept, columns=["row"] + COLUMNS), skipped, list(raw.notes))


_NO_RELATION = {"part_of": "", "alternative_of": "", "transfer": False}


def _money(cell, raw: RawTable, row: int, column: str, skipped: list[Problem]) -> float | None:
    """A value in pounds, or None after recording why the row is skipped."""
    text = _text(cell)
    where = raw.where(row=row, column=column)
    if text == "":
        skipped.append(Problem("has no value", **where, fix="Not imported."))
        return None
    if "€" in text or re.search(r"\beur(o|os)?\b", text.lower()):
        skipped.append(Problem(f"'{text}' is in euros; sroi holds values in pounds", **where,
                               fix="Not imported: convert it with a stated exchange rate and source, then import it."))
        return None
    if re.search(r"^\s*[x×]\s*\d|\d\s*[x×]\s*$", text.lower()):
        skipped.append(Problem(f"'{text}' is a multiplier, not a value in pounds", **where, fix="Not imported."))
        return None
    try:
        value = parse_number(cell, money=True)
    except CellError as exc:
        skipped.append(Problem(exc.message, **where, fix="Not imported."))
        return None
    if value is None or value <= 0:
        skipped.append(Problem(f"the value is {'£0' if value == 0 else text}", **where,
                               fix="Not imported: a proxy must be worth more than £0."))
        return None
    return value


def import_sve(path: str | Path, deflators: DeflatorSeries | None = None) -> ImportResult:
    """Import a Social Value Engine proxy export (XLSX or CSV).

    Columns ``orgId, title, outcome, unit, value, source, url``. The price year
    is read from brackets at the end of the title (``"... (2020)"``); a row
    without one, with a value of £0, a multiplier, a value in euros, or no
    source or URL is listed and not imported. Ids are ``sve-<title>-<hash>``,
    the hash taken from the row's content, so the same row gets the same id
    on every import whatever its position; a row repeating another exactly is
    listed as a repeat.
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
    candidates, seen = [], {}
    for number, cells in raw.rows:
        cell = {k: cells[p] for k, p in pos.items()}
        title = _text(cell["title"])
        where = lambda col: raw.where(row=number, column=raw.header[pos[col]])  # noqa: E731
        if not title:
            skipped.append(Problem("has no title", **where("title"), fix="Not imported."))
            continue
        name, year, note = title_price_year(title)
        if year is None:
            skipped.append(Problem(f"'{title}' has no price year in brackets at the end", **where("title"),
                                   fix="Not imported: add the price year to the title, e.g. '(2021)', and import again."))
            continue
        value = _money(cell["value"], raw, number, raw.header[pos["value"]], skipped)
        if value is None:
            continue
        source, url = _text(cell["source"]), _text(cell["url"])
        if not source:
            skipped.append(Problem("has no source", **where("source"), fix="Not imported: a value without a source does not ship."))
            continue
        if not url:
            skipped.append(Problem("has no source URL", **where("url"),
                                   fix="Not imported: add the address of the source and import again."))
            continue
        org = _text(cells[org_pos]) if org_pos is not None else ""
        outcome, unit = _text(cell["outcome"]), _text(cell["unit"])
        key = "|".join([org, title, outcome, unit, f"{value:.6f}", source, url])
        if key in seen:
            skipped.append(Problem(f"repeats row {seen[key]} exactly", **where("title"), fix="Not imported twice."))
            continue
        seen[key] = number
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
        notes = " ".join(x for x in [note, f"Imported from a Social Value Engine export ({Path(str(path)).name}, row {number}"
                                     + (f", orgId {org}" if org else "") + ")."] if x)
        candidates.append({
            "row": number, "proxy_id": f"sve-{slug(name, 40)}-{digest}", "name": name, "outcome": outcome or name,
            "unit": unit or "per unit", "value": value, "price_year": year, "value_type": "",
            "theme": outcome.lower() or "not stated", "source": source, "source_url": url,
            "licence": SVE_LICENCE, "notes": notes,
        })
    return _finish(raw, candidates, skipped, deflators, labels)


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
    candidates = []
    for number, cells in raw.rows:
        cell = {k: cells[p] for k, p in pos.items()}
        where = lambda col: raw.where(row=number, column=raw.header[pos[col]])  # noqa: E731
        code, description = _text(cell["code"]), _text(cell["description"])
        if not code:
            skipped.append(Problem("has no measure code", **where("code"), fix="Not imported."))
            continue
        if not description:
            skipped.append(Problem("has no description", **where("description"), fix="Not imported."))
            continue
        value = _money(cell["value"], raw, number, raw.header[pos["value"]], skipped)
        if value is None:
            continue
        try:
            year = parse_number(cell["year"])
        except CellError as exc:
            skipped.append(Problem(exc.message, **where("year"), fix="Not imported: give the year, e.g. 2023."))
            continue
        if year is None or not float(year).is_integer():
            skipped.append(Problem("has no whole year", **where("year"), fix="Not imported: give the year, e.g. 2023."))
            continue
        theme = _text(cells[theme_pos]).lower() if theme_pos is not None else ""
        candidates.append({
            "row": number, "proxy_id": f"toms-{slug(code, 40)}", "name": description, "outcome": description,
            "unit": _text(cell["unit"]) or "per unit", "value": value, "price_year": int(year), "value_type": "",
            "theme": theme or "national toms", "source": f"National TOMs measure {code} ({Path(str(path)).name})",
            "source_url": source_url, "licence": TOMS_LICENCE,
            "notes": f"Imported from the council's National TOMs sheet ({Path(str(path)).name}, row {number}).",
        })
    return _finish(raw, candidates, skipped, deflators, labels)


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
    renamed = RawTable(file=raw.file, sheet=raw.sheet, header=header, rows=raw.rows)
    found = Problems()
    records, labels, _ = validate_rows(renamed, PROXY_COLUMNS, found)
    header_problems = [p for p in found if p.row == 1]
    if header_problems:
        raise InputError(header_problems)
    bad_rows = {p.row for p in found}
    original = {field_: raw.header[header.index(label)] for field_, label in labels.items()}
    skipped = [Problem(p.message, file=p.file, sheet=p.sheet, row=p.row,
                       column=original.get(normalise_header(p.column or ""), p.column), fix="Not imported.")
               for p in found]
    candidates = [r for r in records if r["row"] not in bad_rows]
    return _finish(raw, candidates, skipped, deflators, original)


FORMATS = ("sve", "toms", "csv")


def import_proxies(path: str | Path, fmt: str, *, mapping: list[str] = (), source_url: str | None = None) -> ImportResult:
    """Import a proxy list in one of :data:`FORMATS` (``sroi proxies import``).

    ``sve``: a Social Value Engine export (:func:`import_sve`); ``toms``: a National
    TOMs sheet (:func:`import_toms`, citing ``source_url`` when given); ``csv``: any
    table, its columns named by ``mapping`` (``["COLUMN=field", ...]``, see
    :func:`parse_mapping`).

    Raises
    ------
    InputError
        For an unknown format, a mapping given without ``csv``, or a file from which no row could be imported
        (listing why each row was left out).
    """
    if fmt not in FORMATS:
        raise InputError(Problem(f"'{fmt}' is not an import format", fix=f"Use one of: {', '.join(FORMATS)}."))
    if mapping and fmt != "csv":
        raise InputError(Problem("--map is only used with --format csv"))
    if fmt == "sve":
        result = import_sve(path)
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
