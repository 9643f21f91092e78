"""Re-pricing money values between price years with the GDP deflator.

A value stated in the prices of one year is moved to another year's prices with
HM Treasury's GDP deflator, as the Green Book asks (appraise in real, base-year
prices)::

    value_target = value × D[target_year] / D[source_year]

The series, its vintage and its source live in
``data/reference/gdp_deflators.yaml``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from ..errors import InputError, Problem, Problems
from ..paths import read_yaml, reference_file
from .quoting import shown

__all__ = ["DeflatorSeries", "load_deflators", "reprice", "parse_price_year", "FIRST_YEAR", "LAST_YEAR"]

DEFAULT_FILE = "gdp_deflators.yaml"
FIRST_YEAR, LAST_YEAR = 1, 9999  # a deflator file's years are calendar years of at most four digits


@dataclass(frozen=True)
class DeflatorSeries:
    """A price index by calendar year, with where it came from.

    Parameters
    ----------
    index : dict of int to float
        Index value by year; years must be consecutive.
    title, vintage, source_url, licence : str
        Provenance, shown beside every re-priced figure.
    path : Path, optional
        The file it was read from (hashed into report manifests).
    """

    index: dict[int, float]
    title: str = ""
    vintage: str = ""
    source_url: str = ""
    licence: str = ""
    base_year: int | None = None
    path: Path | None = None
    _years: np.ndarray = field(init=False, repr=False, compare=False)
    _values: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = {"file": str(self.path)} if self.path else {}
        if not self.index:
            raise InputError(Problem("the deflator series is empty", column="index", **where,
                                     fix="List 'year: value' lines under 'index:', e.g. 2024: 100.0."))
        bad_year = next((y for y in self.index if not _is_whole(y) or not FIRST_YEAR <= y <= LAST_YEAR), None)
        if bad_year is not None:
            raise InputError(Problem(f"{shown(bad_year)} is not a calendar year", column="index", **where,
                                     fix=f"Give each year as a whole number from {FIRST_YEAR} to {LAST_YEAR}."))
        years = np.array(sorted(self.index), dtype=np.int64)
        missing = sorted(set(range(int(years[0]), int(years[-1]) + 1)) - set(self.index.keys()))
        if missing:
            raise InputError(Problem(f"the deflator series has gaps: {_years_words(missing)} missing",
                                     column="index", **where,
                                     fix="Every year from the first to the last needs a value."))
        for y in years:
            v = self.index[int(y)]
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                    or not _positive_finite(v):
                raise InputError(Problem(f"the value for {int(y)} is {shown(v)}, not a positive number",
                                         column="index", **where,
                                         fix="Give every year's index value as a number above 0, e.g. 100.0."))
        values = np.array([float(self.index[int(y)]) for y in years])
        object.__setattr__(self, "_years", years)
        object.__setattr__(self, "_values", values)

    @property
    def first_year(self) -> int:
        """The earliest year in the series."""
        return int(self._years[0])

    @property
    def last_year(self) -> int:
        """The latest year in the series (the default analysis price year)."""
        return int(self._years[-1])

    @property
    def largest_factor(self) -> float:
        """The largest re-pricing multiplier between two years of the series, ``max D / min D``."""
        return float(self._values.max() / self._values.min())

    def covers(self, year) -> np.ndarray | bool:
        """True where ``year`` (a whole number or array of them) is in the series."""
        if isinstance(year, (int, float)) and not isinstance(year, bool):  # no NumPy overflow for 10**400
            return _is_whole(year) and self.first_year <= year <= self.last_year
        y = np.asarray(year)
        ok = (y >= self.first_year) & (y <= self.last_year) & (np.mod(y, 1) == 0)
        return bool(ok) if ok.ndim == 0 else ok

    def describe_range(self) -> str:
        """``"1990 to 2024"``."""
        return f"{self.first_year} to {self.last_year}"

    def year_problem(self, year, *, label: str = "", **where) -> Problem | None:
        """The problem to report when ``year`` is not in the series; None when it is.

        The one check of a price year against the series, wherever a year is
        given: an impact map's or proxy library's ``price_year`` cell, a
        parameters file, ``--price-year``. ``label`` starts the message (e.g.
        ``"--price-year "``); ``where`` takes the location fields of
        :class:`~sroi_lib.errors.Problem`.

        Examples
        --------
        >>> d = DeflatorSeries({2023: 96.2507, 2024: 100.0})
        >>> print(d.year_problem(1985, label="Price year "))
        Price year 1985 is outside the GDP deflator series (2023 to 2024). Give a price year from 2023 to 2024.
        >>> d.year_problem(2024) is None
        True
        """
        if self.covers(year):
            return None
        return Problem(f"{label}{_fmt_year(year)} is outside the GDP deflator series ({self.describe_range()})",
                       fix=f"Give a price year from {self.describe_range()}.", **where)

    def at(self, year) -> np.ndarray | float:
        """The index value for a year or an array of years.

        Raises
        ------
        InputError
            If any year lies outside the series.
        """
        y = np.asarray(year)
        bad = ~np.asarray(self.covers(y))
        if np.any(bad):
            raise InputError(self.year_problem(np.atleast_1d(y)[np.atleast_1d(bad)][0], label="Price year "))
        out = self._values[(y.astype(np.int64) - self.first_year)]
        return float(out) if out.ndim == 0 else out

    def factor(self, from_year, to_year) -> np.ndarray | float:
        """The multiplier ``D[to_year] / D[from_year]``; arrays broadcast."""
        return self.at(to_year) / self.at(from_year)

    def reprice(self, value, from_year, to_year) -> np.ndarray | float:
        """Re-price ``value`` from ``from_year`` prices to ``to_year`` prices.

        Parameters
        ----------
        value : float or array-like
            Money in ``from_year`` prices.
        from_year, to_year : int or array-like
            Price years; arrays broadcast against ``value``.

        Returns
        -------
        float or ndarray
            ``value × D[to_year] / D[from_year]``.

        Examples
        --------
        >>> d = DeflatorSeries({2019: 81.1085, 2020: 85.2137, 2021: 85.6358, 2022: 90.5005, 2023: 96.2507, 2024: 100.0})
        >>> round(d.reprice(13000, 2019, 2024), 2)
        16027.91
        """
        out = np.asarray(value, dtype=float) * self.factor(from_year, to_year)
        return float(out) if np.ndim(out) == 0 else out


def _fmt_year(y) -> str:
    if isinstance(y, (int, np.integer)) and not isinstance(y, bool):
        return shown(int(y))
    y = float(y)
    return str(int(y)) if y.is_integer() else shown(y)


def _is_whole(y) -> bool:
    """A whole number (not true/false, not 2023.5), as Python or NumPy int or a float such as 2024.0."""
    if isinstance(y, bool):
        return False
    if isinstance(y, (int, np.integer)):
        return True
    return isinstance(y, (float, np.floating)) and math.isfinite(y) and float(y).is_integer()


def _positive_finite(v) -> bool:
    try:
        return math.isfinite(float(v)) and float(v) > 0
    except OverflowError:  # an integer of hundreds of digits
        return False


def _years_words(years: list[int]) -> str:
    if len(years) == 1:
        return f"{years[0]} is"
    listed = ", ".join(map(str, years[:5])) + (f" and {len(years) - 5:,} more" if len(years) > 5 else "")
    return f"{listed} are"


def load_deflators(path: str | Path | None = None) -> DeflatorSeries:
    """Read a deflator series from YAML (the shipped one by default).

    The file holds ``index:`` (year: value) and provenance keys ``title``,
    ``vintage``, ``source_url``, ``licence`` and ``base_year``.
    """
    if path is None:
        return _load_default()
    return _read(Path(path))


@lru_cache(maxsize=1)
def _load_default() -> DeflatorSeries:
    return _read(reference_file(DEFAULT_FILE))


def _read(path: Path) -> DeflatorSeries:
    raw = read_yaml(path, "deflator file")
    where = {"file": str(path)}
    if not isinstance(raw, dict) or not isinstance(raw.get("index"), dict):
        found = ("is empty" if raw is None else
                 f"holds {shown(raw)} instead of 'key: value' lines" if not isinstance(raw, dict) else
                 "has no 'index:'" if "index" not in raw else
                 f"has 'index:' holding {shown(raw['index'])} instead of 'year: value' lines")
        raise InputError(Problem(f"the deflator file {found}", **where, column="index",
                                 fix="Write 'index:' and under it one line per year, e.g. 2024: 100.0."))
    problems = Problems()
    index = {}
    for key, value in raw["index"].items():
        year = _year_key(key)
        if year is None:
            problems.add(f"{shown(key)} is not a calendar year", column="index", **where,
                         fix=f"Give each year as a whole number from {FIRST_YEAR} to {LAST_YEAR}.")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not _positive_finite(value):
            problems.add(f"the value for {year} is {shown(value)}, not a positive number", column="index", **where,
                         fix="Give every year's index value as a number above 0, e.g. 100.0.")
        else:
            index[year] = float(value)
    for key in ("title", "vintage", "source_url", "licence"):
        if isinstance(raw.get(key), (list, dict)):
            problems.add(f"'{key}' is {shown(raw[key])}, not text", column=key, **where, fix="Give it as one line of text.")
    base_year = raw.get("base_year")
    if base_year is not None and (_year_key(base_year) is None or _year_key(base_year) not in index):
        problems.add(f"the base year ({shown(base_year)}) is not a year of the series", column="base_year", **where,
                     fix="Give the year whose index value is 100, or leave base_year out.")
    problems.raise_if_any()
    return DeflatorSeries(
        index=index,
        title=str(raw.get("title", "")),
        vintage=str(raw.get("vintage", "")),
        source_url=str(raw.get("source_url", "")),
        licence=str(raw.get("licence", "")),
        base_year=None if base_year is None else _year_key(base_year),
        path=path,
    )


def _year_key(key) -> int | None:
    """A year from a deflator file: a whole number (or digits as text) from FIRST_YEAR to LAST_YEAR; else None."""
    if isinstance(key, str) and re.fullmatch(r"\s*\d{1,4}\s*", key):
        key = int(key)
    if isinstance(key, bool) or not isinstance(key, int) or not FIRST_YEAR <= key <= LAST_YEAR:
        return None
    return key


def parse_price_year(text, deflators: DeflatorSeries | None = None, *, label: str = "Price year ") -> int:
    """A price year given as text or a number, checked against the deflator series.

    Blank (None or "") gives the latest year of the series, the default analysis
    price year.

    Raises
    ------
    InputError
        When it is not a whole year, or the year is outside the series.
    """
    deflators = deflators or load_deflators()
    if text is None or str(text).strip() == "":
        return deflators.last_year
    try:
        year = int(str(text).strip())
    except ValueError:  # also text of over 4,300 digits
        raise InputError(Problem(f"{label}{shown(str(text))} is not a year",
                                 fix=f"Give a year from {deflators.describe_range()}.")) from None
    problem = deflators.year_problem(year, label=label)
    if problem:
        raise InputError(problem)
    return year


def reprice(value, from_year, to_year, deflators: DeflatorSeries | None = None):
    """Re-price with the shipped GDP deflator series (see :meth:`DeflatorSeries.reprice`)."""
    return (deflators or load_deflators()).reprice(value, from_year, to_year)
