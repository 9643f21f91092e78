"""Who benefits: where a valuation's value lands, by deprivation, ward and income, and its distributional weights.

A line of an impact map may say where its beneficiaries are (all optional):

* ``lsoa``: a Lower-layer Super Output Area (2021 code, such as ``E01011352``, or its name, ``Leeds 060C``);
* ``ward``: an electoral ward (2024), by name (``Armley``) or ONS code (``E05011373``);
* ``imd_decile``: the Index of Multiple Deprivation decile of the beneficiaries' area (1 = most deprived 10%
  of areas in England);
* ``income_quintile``: the beneficiaries' household income quintile (1 = lowest fifth);
* ``postcode_district``: such as ``LS12``, reported as given (no deprivation is read from it).

The place lookup (:func:`load_lookup`) is the English Indices of Deprivation 2025 for every LSOA in England
(``data/reference/imd2025_lsoa.csv``, Open Government Licence v3.0), with each LSOA's best-fit ward and its
Census 2021 population; a council can bring its own for another area (:func:`read_lookup`). Each line is placed
(:func:`place_lines`) as follows, and the basis is kept beside it:

* an LSOA gives that area's IMD decile, its ward and its income-domain decile;
* a ward gives the ward's profile: the share of the ward's people (Census 2021) living in LSOAs of each IMD
  decile, and of each income-domain quintile. A ward line's value is spread over deciles by these shares: it
  is shown as "ward profile", never as if the ward's people were all in one decile;
* a stated ``imd_decile`` is taken as given;
* a stated ``income_quintile`` is taken as given; without one, the income quintile is the area's: the
  IoD2025 income domain's decile pair (deciles 1-2 are quintile 1, and so on), for an LSOA or as a ward's
  population-weighted profile;
* a line with none of these is "unknown": it is never guessed.

:func:`who_benefits` then gives the breakdowns: present value by IMD decile, by ward, by income quintile (and by
postcode district when given); the shares of value reaching the 10% and 20% most deprived areas; a concentration
index of value over deprivation; and the Green Book distributional weights (:func:`distributional_weights`)
with a weighted present value and ratio beside the unweighted ones, never instead of them.

Shares are of the whole present value, unknown lines included, so the shares by decile and the unknown share
add up to one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem, Problems, did_you_mean, nearest
from ..paths import read_yaml, reference_file
from .quoting import shown

__all__ = [
    "PLACE_COLUMNS", "DEFAULT_ETA", "SENSITIVITY_ETAS", "MAX_ETA", "LOOKUP_COLUMNS", "LOOKUP_SOURCE_COLUMNS", "UNKNOWN",
    "PlaceLookup", "IncomeQuintiles", "Placed", "WhoBenefits", "load_lookup", "read_lookup",
    "load_income_quintiles", "distributional_weights", "concentration_index", "check_eta", "has_place_data",
    "place_lines", "who_benefits",
]

PLACE_COLUMNS = ("ward", "lsoa", "postcode_district", "imd_decile", "income_quintile")
DEFAULT_ETA = 1.3  # HM Treasury Green Book (2022), Annex A3: elasticity of marginal utility of income
SENSITIVITY_ETAS = (0.8, 2.0)
MAX_ETA = 10.0  # estimates of eta run from about 0.5 to 2 or so; far beyond that a figure is a slip, not a view
UNKNOWN = "unknown"
DECILES = tuple(range(1, 11))
QUINTILES = tuple(range(1, 6))
IMD_FILE = "imd2025_lsoa.csv"
INCOME_FILE = "income_quintiles.yaml"
# An own lookup: one row per area. The source columns say, on every row, where its figures come from.
LOOKUP_COLUMNS = ("area_code", "area_name", "ward_code", "ward_name", "imd_decile", "income_decile", "population")
LOOKUP_REQUIRED = ("area_code", "imd_decile")
LOOKUP_SOURCE_COLUMNS = ("source", "licence", "year")
_POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


@dataclass(frozen=True)
class PlaceLookup:
    """Areas (such as LSOAs) with their ward, deprivation decile and population, and where they come from.

    ``areas`` has one row per area code (its index): ``area_name``, ``ward_code``, ``ward_name``,
    ``district_code``, ``district_name``, ``imd_decile`` (1 = most deprived), ``income_decile`` (0 when not
    known) and ``population`` (1 for every area when not known, so a ward's profile counts areas).
    """

    areas: pd.DataFrame
    source: str
    licence: str
    year: str
    file: str
    cache: dict = field(default_factory=dict, compare=False, repr=False)  # ward profiles and name keys, made once

    @property
    def wards(self) -> pd.DataFrame:
        """Each ward's population-weighted profile (:func:`ward_profiles`)."""
        return _ward_profiles(self)

    def describe(self) -> str:
        """Where the lookup comes from, in one line for a report."""
        return f"{self.source} ({self.year}; {self.licence})"

    @property
    def short(self) -> str:
        """The lookup's name in a few words, for a message."""
        return (f"the place lookup {Path(self.file).name}" if Path(self.file).name != IMD_FILE
                else "the English Indices of Deprivation 2025 (LSOAs of 2021)")


def ward_profiles(lookup: PlaceLookup) -> pd.DataFrame:
    """Each ward's deprivation profile, weighted by its areas' populations.

    The share of a ward's people in IMD decile d is

        share_d = sum(population of the ward's areas in decile d) / population of the ward,

    and the same for the income-domain quintiles (income deciles 2q-1 and 2q make quintile q).

    Returns
    -------
    DataFrame
        Indexed by ward code: ``ward_name``, ``district_code``, ``district_name``, ``areas`` (how many),
        ``population``, ``imd_1`` ... ``imd_10`` and ``income_1`` ... ``income_5`` (shares adding to one; the
        income shares are all 0 when the lookup has no income deciles).
    """
    return _ward_profiles(lookup)


def _ward_profiles(lookup: PlaceLookup) -> pd.DataFrame:
    cached = lookup.cache.get("ward_profiles")
    if cached is not None:
        return cached
    a = lookup.areas[lookup.areas["ward_code"] != ""]
    pop = a["population"].to_numpy(dtype=float)
    codes, ward_idx = np.unique(a["ward_code"].to_numpy(dtype=object), return_inverse=True)
    totals = np.bincount(ward_idx, weights=pop, minlength=len(codes))
    out = pd.DataFrame(index=pd.Index(codes, name="ward_code"))
    first = pd.Series(np.arange(len(a))).groupby(ward_idx).first().to_numpy()
    for col in ("ward_name", "district_code", "district_name"):
        out[col] = a[col].to_numpy(dtype=object)[first]
    out["areas"] = np.bincount(ward_idx, minlength=len(codes))
    out["population"] = totals
    imd = a["imd_decile"].to_numpy(dtype=np.int64)
    for d in DECILES:
        out[f"imd_{d}"] = np.bincount(ward_idx, weights=pop * (imd == d), minlength=len(codes)) / totals
    quint = (a["income_decile"].to_numpy(dtype=np.int64) + 1) // 2
    for q in QUINTILES:
        out[f"income_{q}"] = np.bincount(ward_idx, weights=pop * (quint == q), minlength=len(codes)) / totals
    lookup.cache["ward_profiles"] = out
    return out


@lru_cache(maxsize=4)
def _shipped(path: str, mtime: float) -> PlaceLookup:
    frame = pd.read_csv(path, comment="#", dtype={"lsoa21cd": str, "lsoa21nm": str, "lad24cd": str,
                                                    "lad24nm": str, "ward24cd": str, "ward24nm": str},
                        keep_default_na=False)
    areas = pd.DataFrame({
        "area_name": frame["lsoa21nm"].to_numpy(dtype=object),
        "ward_code": frame["ward24cd"].to_numpy(dtype=object),
        "ward_name": frame["ward24nm"].to_numpy(dtype=object),
        "district_code": frame["lad24cd"].to_numpy(dtype=object),
        "district_name": frame["lad24nm"].to_numpy(dtype=object),
        "imd_decile": frame["imd_decile"].to_numpy(dtype=np.int64),
        "imd_rank": frame["imd_rank"].to_numpy(dtype=np.int64),
        "income_decile": frame["income_decile"].to_numpy(dtype=np.int64),
        "population": frame["population"].to_numpy(dtype=float),
    }, index=pd.Index(frame["lsoa21cd"].to_numpy(dtype=object), name="area_code"))
    meta = read_yaml(reference_file("imd2025_lsoa.yaml"), "provenance file")
    return PlaceLookup(areas, source="Ministry of Housing, Communities and Local Government, English Indices "
                       "of Deprivation 2025 (LSOA 2021); ward: ONS best-fit lookup (2024); population: Census 2021",
                       licence=str(meta.get("licence", "Open Government Licence v3.0")),
                       year=str(meta.get("published", "2025"))[:4], file=path)


def load_lookup(path: str | Path | None = None) -> PlaceLookup:
    """The place lookup: the shipped IoD2025 table for England, or a council's own (:func:`read_lookup`)."""
    if path is None:
        shipped = reference_file(IMD_FILE)
        return _shipped(str(shipped), shipped.stat().st_mtime)
    return read_lookup(path)


def read_lookup(path: str | Path) -> PlaceLookup:
    """A council's own place lookup, CSV or Excel, one row per area.

    Columns: ``area_code`` and ``imd_decile`` (1-10) are needed; ``area_name``, ``ward_code``, ``ward_name``,
    ``income_decile`` (1-10) and ``population`` are optional; and ``source``, ``licence`` and ``year``, filled on
    every row, say where the figures come from (a lookup without them is refused: a report must cite its
    deprivation figures).

    Raises
    ------
    InputError
        Naming the file, row and column of every problem: a missing column, a blank source, a decile outside
        1-10, a population below zero, an area code given twice.
    """
    from ..io.cells import parse_number
    from ..io.tables import read_table

    raw = read_table(path, header=lambda cells: "area_code" in {_key(c) for c in cells})
    label = raw.file
    keys = [_key(h) for h in raw.header]
    missing = [c for c in LOOKUP_REQUIRED + LOOKUP_SOURCE_COLUMNS if c not in keys]
    if missing:
        sources = [c for c in missing if c in LOOKUP_SOURCE_COLUMNS]
        raise InputError(Problem(
            f"has no {', '.join(repr(c) for c in missing)} column{'s' if len(missing) > 1 else ''}",
            file=label, row=raw.header_row,
            fix=("Every lookup says where its figures come from: add columns source, licence and year, filled "
                 "on every row (such as 'English Indices of Deprivation 2025', 'Open Government Licence v3.0', "
                 "2025). " if sources else "") + f"The columns are {', '.join(LOOKUP_REQUIRED)} (needed), "
                 f"{', '.join(c for c in LOOKUP_COLUMNS if c not in LOOKUP_REQUIRED)} (optional) and "
                 f"{', '.join(LOOKUP_SOURCE_COLUMNS)}."))
    at = {k: i for i, k in enumerate(keys)}
    found = Problems()
    rows: dict[str, dict] = {}
    sources: set[tuple[str, str, str]] = set()

    def cell(cells, name):
        i = at.get(name)
        value = cells[i] if i is not None and i < len(cells) else None
        return "" if value is None else str(value).strip()

    for number, cells in raw.rows:
        where = lambda col: raw.where(row=number, column=raw.header[at[col]])  # noqa: E731
        code = cell(cells, "area_code")
        if not code:
            found.add("is empty", **where("area_code"), fix="Give the area's code, such as E01011352.")
            continue
        if code in rows:
            found.add(f"area {code} is given twice (also on row {rows[code]['row']})", **where("area_code"),
                      fix="Keep one row per area.")
            continue
        rec = {"row": number}
        for name, most, needed in (("imd_decile", 10, True), ("income_decile", 10, False)):
            text = cell(cells, name)
            if not text:
                if needed:
                    found.add("is empty", **where(name), fix="Give the area's decile, 1 (most deprived) to 10.")
                rec[name] = 0
                continue
            try:
                value = parse_number(text)
            except InputError:
                value = None
            if value is None or value != int(value) or not 1 <= value <= most:
                found.add(f"is {shown(text)}, not a decile from 1 to 10", **where(name),
                          fix="A decile is a whole number, 1 (most deprived 10% of areas) to 10 (least).")
                rec[name] = 0
            else:
                rec[name] = int(value)
        text = cell(cells, "population")
        try:
            people = parse_number(text) if text else 1.0
        except InputError:
            people = None
        if people is None or people < 0:
            found.add(f"is {shown(text)}, not a number of people", **where("population"),
                      fix="Give the area's population (0 or more), or leave the column out.")
            people = 1.0
        rec["population"] = float(people)
        for name in LOOKUP_SOURCE_COLUMNS:
            if not cell(cells, name):
                found.add("is empty: every row says where its figures come from", **where(name),
                          fix=f"Fill {name} on every row.")
        sources.add(tuple(cell(cells, n) for n in LOOKUP_SOURCE_COLUMNS))
        for name in ("area_name", "ward_code", "ward_name"):
            rec[name] = cell(cells, name)
        rows[code] = rec
    if not rows and not found:
        found.add("has no areas under its header", file=label, fix="Give one row per area.")
    found.raise_if_any()
    areas = pd.DataFrame.from_dict(rows, orient="index")
    areas.index.name = "area_code"
    areas["ward_code"] = [w or n for w, n in zip(areas["ward_code"], areas["ward_name"])]
    areas["ward_name"] = [n or w for w, n in zip(areas["ward_code"], areas["ward_name"])]
    areas["district_code"] = areas["district_name"] = ""
    areas["imd_rank"] = 0
    source, licence, year = (" / ".join(sorted({s[i] for s in sources})) for i in range(3))
    return PlaceLookup(areas.drop(columns="row"), source=source, licence=licence, year=year, file=label)


def _key(cell) -> str:
    return re.sub(r"[\s\-]+", "_", str(cell or "").strip().lower())


@dataclass(frozen=True)
class IncomeQuintiles:
    """Household income by quintile, for distributional weights: ``median`` and ``incomes`` (1 = lowest)."""

    median: float
    incomes: dict[int, float]
    name: str
    measure: str
    source: str
    source_url: str
    year: str
    licence: str

    def describe(self) -> str:
        """The income figures' source in one line."""
        return f"{self.name} (Office for National Statistics; {self.licence})"


def load_income_quintiles(path: str | Path | None = None) -> IncomeQuintiles:
    """The shipped household income by quintile (``data/reference/income_quintiles.yaml``)."""
    path = Path(path) if path is not None else reference_file(INCOME_FILE)
    raw = read_yaml(path, "income file")
    incomes = {int(q): float(v) for q, v in raw["quintiles"].items()}
    if sorted(incomes) != list(QUINTILES) or any(v <= 0 for v in incomes.values()) or raw["median"] <= 0:
        raise InputError(Problem("needs a median and five quintiles (1 to 5), each above £0", file=str(path),
                                 column="quintiles"))
    return IncomeQuintiles(median=float(raw["median"]), incomes=incomes, name=str(raw.get("name", "")).strip(),
                           measure=str(raw.get("measure", "")),
                           source=str(raw.get("source", "")).strip(), source_url=str(raw.get("source_url", "")),
                           year=str(raw.get("financial_year", raw.get("year", ""))),
                           licence=str(raw.get("licence", "")))


def distributional_weights(incomes: dict[int, float], median: float, eta: float = DEFAULT_ETA) -> dict[int, float]:
    """The Green Book's distributional weight of each income group.

        weight_q = (median income / income of group q) ** eta

    where eta is the elasticity of the marginal utility of income (1.3 in HM Treasury's Green Book, Annex A3).
    A pound to a group below the median counts for more than a pound, above it for less; a group at the median
    has weight 1.

    Examples
    --------
    >>> w = distributional_weights({1: 10_000, 2: 20_000}, median=20_000, eta=1.0)
    >>> w[1], w[2]
    (2.0, 1.0)
    """
    check_eta(eta)
    return {q: (median / income) ** eta for q, income in incomes.items()}


def check_eta(eta, *, where: dict | None = None) -> float:
    """``eta`` as a float, or an :class:`~sroi_lib.errors.InputError` when it is not a number above 0."""
    bad = isinstance(eta, bool) or not isinstance(eta, (int, float)) or not 0 < eta <= MAX_ETA  # NaN fails too
    if bad:
        raise InputError(Problem(f"eta is {shown(eta)}, but it must be a number above 0 and at most {MAX_ETA:g}",
                                 **(where or {}),
                                 fix=f"The Green Book's eta is {DEFAULT_ETA}; a sensitivity test uses "
                                     f"{SENSITIVITY_ETAS[0]} or {SENSITIVITY_ETAS[1]}."))
    return float(eta)


def concentration_index(shares: np.ndarray) -> float | None:
    """The concentration index of value over deprivation, from the value in each of ten deciles.

    With the deciles ordered from the most deprived (decile 1) and each holding a tenth of areas, let p_t = t/10
    and L_t the cumulative share of value in deciles 1..t. Then (Kakwani, Wagstaff and van Doorslaer, 1997,
    grouped data)

        C = sum over t = 1..10 of (p_{t-1} L_t - p_t L_{t-1}).

    C runs from -0.9 (all value in decile 1) through 0 (value spread evenly) to +0.9 (all in decile 10): below
    zero, value is concentrated in the more deprived areas. None when the value placed in deciles is £0 or less.

    Examples
    --------
    >>> round(concentration_index(np.eye(10)[0]), 6)
    -0.9
    >>> abs(round(concentration_index(np.full(10, 0.1)), 6))
    0.0
    """
    values = np.asarray(shares, dtype=float)
    total = values.sum()
    if not np.isfinite(total) or total <= 0:
        return None
    cum = np.concatenate([[0.0], np.cumsum(values) / total])
    p = np.arange(11) / 10
    return float(np.sum(p[:-1] * cum[1:] - p[1:] * cum[:-1])) + 0.0  # + 0.0: never a "-0.0"


def has_place_data(impact_map: pd.DataFrame) -> bool:
    """Whether any line of the map gives a place column (:data:`PLACE_COLUMNS`)."""
    for col in PLACE_COLUMNS:
        if col in impact_map.columns:
            values = impact_map[col]
            if values.notna().any() and (values.astype(str).str.strip() != "").any():
                return True
    return False


@dataclass
class Placed:
    """Every line placed: decile and quintile shares (rows of zeros when unknown), ward and basis."""

    imd: np.ndarray  # (lines, 10) shares of each line in each IMD decile; a row of zeros when unknown
    income: np.ndarray  # (lines, 5) shares in each income quintile; zeros when unknown
    ward: np.ndarray  # ward name per line, "unknown" when none
    ward_code: np.ndarray
    basis: np.ndarray  # how the deprivation was found: "LSOA", "ward profile", "stated decile", "unknown"
    income_basis: np.ndarray  # "stated quintile", "area (LSOA)", "area (ward profile)", "unknown"
    postcode_district: np.ndarray


def place_lines(lines: pd.DataFrame, lookup: PlaceLookup | None = None, *, file: str | None = None,
                area: str | None = None, area_where: dict | None = None) -> Placed:
    """Place each line of a valuation (or impact map) by its place columns; see the module's docstring.

    Raises
    ------
    InputError
        Naming the file, row and column: an LSOA or ward that is not in the lookup (with the nearest known
        names), a ward name shared by wards in more than one district, a postcode district not in the form
        LS12, a stated IMD decile that disagrees with the line's LSOA. The same problem on many rows is said
        once, with the rows it is on. ``area`` (the council's local authority district, by name or code) is
        where a ward name is looked for first, as ward names repeat across England; one the lookup does not
        know is refused, placed by ``area_where`` (the settings file's line).
    """
    lookup = lookup if lookup is not None else load_lookup()
    n = len(lines)
    rows = lines["row"].to_numpy(dtype=object) if "row" in lines.columns else np.full(n, None)

    def text(col, upper=False):
        return _clean_text(lines[col], upper) if col in lines.columns else np.full(n, "", dtype=object)

    def whole(col, most):
        if col not in lines.columns:
            return np.zeros(n, dtype=np.int64)
        return pd.to_numeric(lines[col], errors="coerce").fillna(0).to_numpy(dtype=np.int64)

    found = _GroupedProblems()

    def where(i, col):
        r = rows[i]
        return {"file": file, "row": None if r is None or r != r else int(r), "column": col}

    district = _district(area, lookup, area_where) if area else None

    imd = np.zeros((n, 10))
    income = np.zeros((n, 5))
    ward = np.full(n, UNKNOWN, dtype=object)
    ward_code = np.full(n, "", dtype=object)
    basis = np.full(n, UNKNOWN, dtype=object)
    income_basis = np.full(n, UNKNOWN, dtype=object)

    # Stated deciles and quintiles first; a place's own figures come after and check against them.
    decile = whole("imd_decile", 10)
    stated = decile > 0
    imd[stated, decile[stated] - 1] = 1.0
    basis[stated] = "stated decile"
    quintile = whole("income_quintile", 5)
    has_q = quintile > 0
    income[has_q, quintile[has_q] - 1] = 1.0
    income_basis[has_q] = "stated quintile"

    areas = lookup.areas
    lsoa_written = text("lsoa")
    lsoa = text("lsoa", upper=True)
    given = np.flatnonzero(lsoa != "")
    if len(given):
        at = areas.index.get_indexer(lsoa[given])
        if (at < 0).any():  # an LSOA may be given by its name ("Leeds 060C") as well as its code
            names = _area_names(lookup)
            for k in np.flatnonzero(at < 0):
                code = names.get(lsoa[given[k]].lower())
                if code is not None:
                    lsoa[given[k]], at[k] = code, areas.index.get_loc(code)
        for i in given[at < 0]:
            found.add(f"LSOA {shown(lsoa_written[i])} is not in {lookup.short}", **where(i, "lsoa"),
                      fix=_lsoa_fix(lsoa_written[i], lookup))
        ok, at = given[at >= 0], at[at >= 0]
        area_decile = areas["imd_decile"].to_numpy(dtype=np.int64)[at]
        clash = stated[ok] & (decile[ok] != area_decile)
        for i, d in zip(ok[clash], area_decile[clash]):
            found.add(f"imd_decile is {decile[i]}, but LSOA {lsoa[i]} is in IMD decile {d}", **where(i, "imd_decile"),
                      fix="Leave imd_decile blank when the line gives its LSOA: the LSOA's decile is used.")
        imd[ok] = 0.0
        imd[ok, area_decile - 1] = 1.0
        basis[ok] = "LSOA"
        ward[ok] = areas["ward_name"].to_numpy(dtype=object)[at]
        ward_code[ok] = areas["ward_code"].to_numpy(dtype=object)[at]
        inc = areas["income_decile"].to_numpy(dtype=np.int64)[at]
        use = (~has_q[ok]) & (inc > 0)
        income[ok[use], (inc[use] + 1) // 2 - 1] = 1.0
        income_basis[ok[use]] = "area (LSOA)"

    wards_given = text("ward")
    has_ward = np.flatnonzero(wards_given != "")
    if len(has_ward):
        profiles = lookup.wards
        inv, uniques = pd.factorize(wards_given[has_ward])
        resolved = [_find_ward(w, profiles, lookup, district) for w in uniques]
        for k in [k for k, r in enumerate(resolved) if isinstance(r, Problem)]:
            for i in has_ward[inv == k]:
                found.add(resolved[k].message, **where(i, "ward"), fix=resolved[k].fix)
        code_u = np.array([r if isinstance(r, str) else "" for r in resolved] + [""], dtype=object)
        prof_u = np.append(profiles.index.get_indexer(code_u[:-1]), -1)
        prof_u[code_u == ""] = -1
        line_code, line_prof = code_u[inv], prof_u[inv]
        by_lsoa = basis[has_ward] == "LSOA"
        clash = by_lsoa & (line_prof >= 0) & (line_code != ward_code[has_ward])
        for i in has_ward[clash]:
            found.add(f"ward is {shown(wards_given[i])}, but LSOA {lsoa[i]} is in {ward[i]} ({ward_code[i]})",
                      **where(i, "ward"), fix="Give the ward or the LSOA, or check which is right.")
        use = ~by_lsoa & (line_prof >= 0)
        rows_w, prof = has_ward[use], line_prof[use]
        ward[rows_w] = profiles["ward_name"].to_numpy(dtype=object)[prof]
        ward_code[rows_w] = line_code[use]
        imd_shares = profiles[[f"imd_{d}" for d in DECILES]].to_numpy(dtype=float)
        inc_shares = profiles[[f"income_{q}" for q in QUINTILES]].to_numpy(dtype=float)
        spread = ~stated[rows_w]
        imd[rows_w[spread]] = imd_shares[prof[spread]]
        basis[rows_w[spread]] = "ward profile"
        spread = ~has_q[rows_w] & (inc_shares[prof].sum(axis=1) > 0)
        income[rows_w[spread]] = inc_shares[prof[spread]]
        income_basis[rows_w[spread]] = "area (ward profile)"

    districts = text("postcode_district", upper=True)
    given_d = np.flatnonzero(districts != "")
    if len(given_d):
        inv, uniques = pd.factorize(districts[given_d])
        for k, d in enumerate(uniques):
            if not _POSTCODE_DISTRICT.match(d):
                for i in given_d[inv == k]:
                    found.add(f"postcode district {shown(d)} is not in the form LS12 or M1",
                              **where(i, "postcode_district"), fix="Give the outward part of the postcode only "
                              "(the part before the space), such as LS12.")
    districts[districts == ""] = UNKNOWN
    found.raise_if_any()
    return Placed(imd, income, ward, ward_code, basis, income_basis, districts)


def _clean_text(column: pd.Series, upper: bool = False) -> np.ndarray:
    """A text column with blanks (None, NaN) as "" and each value stripped (and upper-cased), as an object array;
    each distinct value is cleaned once (a map of 200,000 lines holds a few thousand places)."""
    inv, uniques = pd.factorize(column.to_numpy(dtype=object))  # a blank is -1: the "" put last
    clean = [str(u).strip().upper() if upper else str(u).strip() for u in uniques]
    return np.array(clean + [""], dtype=object)[inv]


def _area_names(lookup: PlaceLookup) -> dict[str, str]:
    names = lookup.cache.get("area_names")
    if names is None:
        names = {str(n).lower(): c for c, n in zip(lookup.areas.index, lookup.areas["area_name"]) if n}
        lookup.cache["area_names"] = names
    return names


def _lsoa_fix(given: str, lookup: PlaceLookup) -> str:
    """What to do about an LSOA that is not in the lookup: the nearest names or codes, and the form of a code."""
    if re.fullmatch(r"[A-Za-z]\d{8}", given):
        close = nearest(given.upper(), lookup.areas.index, most=3, cutoff=0.85)
        hint = f"Did you mean {', '.join(repr(c) for c in close)}? " if close else ""
        return hint + ("Give a 2021 LSOA code of England (E01 and six digits, such as E01011352); codes of 2011 "
                       "that changed in 2021 are not in the list.")
    close = nearest(given, list(_area_names(lookup)), most=3, cutoff=0.8)
    names = [lookup.areas.at[_area_names(lookup)[c], "area_name"] for c in close]
    hint = f"Did you mean {', '.join(repr(n) for n in names)}? " if names else ""
    return hint + ("Give the LSOA's 2021 code (E01 and six digits, such as E01011352) or its name as the ONS "
                   "writes it (such as Leeds 060C).")


class _GroupedProblems(Problems):
    """Problems where the same message on many rows of one column is said once, with its rows."""

    def raise_if_any(self) -> None:
        groups: dict[tuple, list[Problem]] = {}
        for p in self:
            groups.setdefault((p.file, p.column, p.message, p.fix), []).append(p)
        out = []
        for same in groups.values():
            first = same[0]
            if len(same) > 1:
                rows = [p.row for p in same[1:] if p.row is not None]
                shown_rows = ", ".join(str(r) for r in rows[:5]) + (f" and {len(rows) - 5:,} more" if len(rows) > 5
                                                                   else "")
                first = Problem(f"{first.message} (the same on row{'s' if len(rows) > 1 else ''} {shown_rows})",
                                file=first.file, row=first.row, column=first.column, fix=first.fix)
            out.append(first)
        if out:
            raise InputError(out)


def _district(area: str, lookup: PlaceLookup, where: dict | None) -> str | None:
    """The district code of ``area`` (a local authority district's name or code) in the lookup; None when the
    lookup has no districts (an own lookup)."""
    known = lookup.cache.get("districts")
    if known is None:
        pairs = lookup.areas[["district_code", "district_name"]].drop_duplicates()
        known = {str(name).lower(): code for code, name in pairs.itertuples(index=False) if code}
        known.update({code.lower(): code for code in pairs["district_code"] if code})
        lookup.cache["districts"] = known
    if not known:
        return None
    code = known.get(area.strip().lower())
    if code is None:
        names = sorted(set(lookup.areas["district_name"]))
        raise InputError(Problem(f"the local authority {shown(area)} is not a district of {lookup.short}",
                                 **(where or {}), fix=did_you_mean(area, names)
                                 + "Give the district's name as the ONS writes it (such as Leeds) or its code "
                                 "(such as E08000035)."))
    return code


def _find_ward(name: str, profiles: pd.DataFrame, lookup: PlaceLookup, district: str | None = None) -> str | Problem:
    """A ward's code from its code or name (forgiving case, spaces and '&'/'and'), or the problem; a name shared
    by wards of several districts is the ward of ``district`` (the council's own) when it has one."""
    if name.upper() in profiles.index:
        return name.upper()
    key = _ward_key(name)
    keys = lookup.cache.get("ward_keys")
    if keys is None:
        keys = {}
        for code, ward_name in zip(profiles.index, profiles["ward_name"]):
            keys.setdefault(_ward_key(ward_name), []).append(code)
        lookup.cache["ward_keys"] = keys
    codes = keys.get(key, [])
    if len(codes) == 1:
        return codes[0]
    if len(codes) > 1 and district is not None:
        own = [c for c in codes if profiles.at[c, "district_code"] == district]
        if len(own) == 1:
            return own[0]
    if len(codes) > 1:
        places = [f"{profiles.at[c, 'ward_name']} ({c}, {profiles.at[c, 'district_name'] or 'no district'})"
                  for c in codes[:6]]
        return Problem(f"ward {shown(name)} names {len(codes)} wards in England", fix="Give the ward's ONS code "
                       f"instead: {'; '.join(places)}{' ...' if len(codes) > 6 else ''}.")
    close = nearest(name, list(profiles["ward_name"].unique()), most=3, cutoff=0.7)
    hint = ("Did you mean " + ", ".join(repr(c) for c in close) + "? ") if close else ""
    return Problem(f"ward {shown(name)} is not in {lookup.short}",
                   fix=hint + "Give the ward's name as the ONS names it (2024 wards), or its code such as E05011373.")


def _ward_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(name).lower().replace("&", " and ")).strip()


@dataclass
class WhoBenefits:
    """Where a valuation's value lands (:func:`who_benefits`)."""

    by_imd_decile: pd.DataFrame
    by_ward: pd.DataFrame
    by_income_quintile: pd.DataFrame
    by_postcode_district: pd.DataFrame
    share_most_deprived_10: float | None
    share_most_deprived_20: float | None
    share_unknown: float | None
    concentration_index: float | None
    distributional: dict
    lookup_source: str
    lines: pd.DataFrame = field(repr=False)  # each line's place basis, ward and weight

    def to_dict(self) -> dict:
        """JSON-ready, with the keys ``sroi value --json`` gives."""
        from .records import json_records

        return {
            "by_imd_decile": json_records(self.by_imd_decile),
            "by_ward": json_records(self.by_ward),
            "by_income_quintile": json_records(self.by_income_quintile),
            **({"by_postcode_district": json_records(self.by_postcode_district)}
               if len(self.by_postcode_district) > 1 or (len(self.by_postcode_district)
                                                         and self.by_postcode_district.iloc[0, 0] != UNKNOWN)
               else {}),
            "share_most_deprived_10": self.share_most_deprived_10,
            "share_most_deprived_20": self.share_most_deprived_20,
            "share_unknown": self.share_unknown,
            "concentration_index": self.concentration_index,
            "place_lookup": self.lookup_source,
            "distributional": self.distributional,
        }


def who_benefits(valuation, *, eta: float = DEFAULT_ETA, lookup: PlaceLookup | None = None,
                 incomes: IncomeQuintiles | None = None, file: str | None = None, area: str | None = None,
                 area_where: dict | None = None) -> WhoBenefits:
    """Where a valuation's present value lands, and its distributionally weighted value.

    Parameters
    ----------
    valuation : Valuation
        A valued map (:func:`~sroi_lib.core.valuation.value`); its lines keep the map's place columns.
    eta : float
        Elasticity of the marginal utility of income (Green Book: 1.3); the weights are also given at
        :data:`SENSITIVITY_ETAS` (0.8 and 2.0).
    lookup, incomes
        The place lookup (default: the shipped IoD2025 table) and income by quintile (default: the shipped ONS
        figures).
    file : str, optional
        The impact map's name, for problems.
    area, area_where
        The council's local authority district, where ward names are looked for first (:func:`place_lines`).

    Returns
    -------
    WhoBenefits
        Present value and share of the total by IMD decile, ward, income quintile and postcode district, each
        with an ``unknown`` group; shares reaching the most deprived 10% and 20% of areas; the concentration
        index (:func:`concentration_index`); and ``distributional``: ``eta``, ``weights`` (by quintile),
        ``weighted_present_value`` = sum over lines of PV x weight (a line of unknown income, and a fiscal line,
        whose saving goes to the public purse rather than to the people placed, have weight 1),
        ``weighted_sroi_ratio`` = weighted PV / total inputs, and the same at each sensitivity eta.
    """
    eta = check_eta(eta)
    lookup = lookup if lookup is not None else load_lookup()
    incomes = incomes if incomes is not None else load_income_quintiles()
    lines = valuation.lines
    placed = place_lines(lines, lookup, file=file, area=area, area_where=area_where)
    pv = lines["present_value"].to_numpy(dtype=float)
    total = float(pv.sum())
    share = (lambda x: float(x) / total) if total > 0 else (lambda x: None)

    known = placed.imd.sum(axis=1) > 0
    by_decile_pv = placed.imd.T @ pv
    rows = [(d, float(by_decile_pv[d - 1])) for d in DECILES] + [(UNKNOWN, float(pv[~known].sum()))]
    by_decile = pd.DataFrame(rows, columns=["imd_decile", "present_value"])
    by_decile["share"] = [share(v) for v in by_decile["present_value"]]

    has_income = placed.income.sum(axis=1) > 0
    # A fiscal line (a saving to the public purse) accrues to taxpayers at large, not to the people placed: weight 1.
    fiscal = (_clean_text(lines["value_type"]) == "fiscal") if "value_type" in lines else np.zeros(len(lines), bool)
    by_q_pv = placed.income.T @ pv
    rows = [(q, float(by_q_pv[q - 1])) for q in QUINTILES] + [(UNKNOWN, float(pv[~has_income].sum()))]
    by_quintile = pd.DataFrame(rows, columns=["income_quintile", "present_value"])
    by_quintile["share"] = [share(v) for v in by_quintile["present_value"]]

    ids, codes = pd.factorize(placed.ward_code)
    first = np.full(len(codes), len(pv))
    np.minimum.at(first, ids, np.arange(len(pv)))
    basis_ids, basis_names = pd.factorize(placed.basis)
    pairs = np.unique(ids.astype(np.int64) * len(basis_names) + basis_ids)
    bases: dict[int, list[str]] = {}
    for pair in pairs:
        bases.setdefault(int(pair // len(basis_names)), []).append(basis_names[pair % len(basis_names)])
    by_ward = pd.DataFrame({"ward": placed.ward[first], "ward_code": np.asarray(codes, dtype=object),
                            "present_value": np.bincount(ids, weights=pv, minlength=len(codes)),
                            "lines": np.bincount(ids, minlength=len(codes)),
                            "basis": [", ".join(sorted(bases[k])) for k in range(len(codes))]})
    by_ward["share"] = [share(v) for v in by_ward["present_value"]]
    by_ward["_unknown"] = by_ward["ward"] == UNKNOWN
    by_ward = (by_ward.sort_values(["_unknown", "present_value"], ascending=[True, False], kind="stable")
               .drop(columns="_unknown").reset_index(drop=True))

    ids, names = pd.factorize(placed.postcode_district)
    by_district = pd.DataFrame({"postcode_district": np.asarray(names, dtype=object),
                                "present_value": np.bincount(ids, weights=pv, minlength=len(names))})
    by_district["share"] = [share(v) for v in by_district["present_value"]]
    by_district = by_district.sort_values("present_value", ascending=False, kind="stable").reset_index(drop=True)

    def line_weights(e: float) -> tuple[dict, np.ndarray]:
        """The quintiles' weights at eta ``e``, and each line's (1 for unknown income and fiscal lines)."""
        weights = distributional_weights(incomes.incomes, incomes.median, e)
        w = np.array([weights[q] for q in QUINTILES])
        return weights, np.where(has_income & ~fiscal, placed.income @ w, 1.0)

    def weighted(e: float) -> dict:
        weights, by_line = line_weights(e)
        wpv = float(pv @ by_line)
        cost = valuation.total_inputs
        return {"eta": e, "weights": {str(q): weights[q] for q in QUINTILES},
                "weighted_present_value": wpv, "weighted_sroi_ratio": wpv / cost if cost > 0 else None}

    central = weighted(eta)
    line_weight = line_weights(eta)[1]
    sensitivity = [weighted(e) for e in SENSITIVITY_ETAS]
    distributional = {
        **central,
        "present_value": total,
        "sroi_ratio": valuation.sroi_ratio,
        "unknown_income_weight": 1.0,
        "fiscal_weight": 1.0,
        "share_unknown_income": share(pv[~has_income].sum()),
        "sensitivity": sensitivity,
        "income_source": incomes.describe(),
        "income_source_url": incomes.source_url,
        "median_income": incomes.median,
        "incomes": {str(q): incomes.incomes[q] for q in QUINTILES},
    }
    line_table = pd.DataFrame({"row": lines["row"].to_numpy(dtype=object) if "row" in lines.columns else None,
                               "stakeholder": lines["stakeholder"].to_numpy(dtype=object),
                               "outcome": lines["outcome"].to_numpy(dtype=object),
                               "ward": placed.ward, "place_basis": placed.basis,
                               "income_basis": placed.income_basis, "weight": line_weight,
                               "present_value": pv})
    return WhoBenefits(
        by_imd_decile=by_decile, by_ward=by_ward, by_income_quintile=by_quintile,
        by_postcode_district=by_district,
        share_most_deprived_10=share(by_decile_pv[0]), share_most_deprived_20=share(by_decile_pv[:2].sum()),
        share_unknown=share(pv[~known].sum()), concentration_index=concentration_index(by_decile_pv),
        distributional=distributional, lookup_source=lookup.describe(), lines=line_table)
