"""Re-pricing money values between price years with the GDP deflator.

A value stated in the prices of one year is moved to another year's prices with
HM Treasury's GDP deflator, as the Green Book asks (appraise in real, base-year
prices)::

    value_target = value × D[target_year] / D[source_year]

The series, its vintage and its source live in
``data/reference/gdp_deflators.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from ..errors import InputError, Problem
from ..paths import read_yaml, reference_file

__all__ = ["DeflatorSeries", "load_deflators", "reprice", "parse_price_year"]

DEFAULT_FILE = "gdp_deflators.yaml"


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
        years = np.array(sorted(self.index), dtype=np.int64)
        if len(years) == 0:
            raise InputError("The deflator series is empty.")
        if not np.array_equal(years, np.arange(years[0], years[-1] + 1)):
            raise InputError("The deflator series has gaps: every year from first to last is needed.")
        values = np.array([float(self.index[int(y)]) for y in years])
        if not np.all(np.isfinite(values) & (values > 0)):
            raise InputError("The deflator series has a value that is not a positive number.")
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

    def covers(self, year) -> np.ndarray | bool:
        """True where ``year`` (a whole number or array of them) is in the series."""
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
    y = float(y)
    return str(int(y)) if y.is_integer() else str(y)


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
    if not isinstance(raw, dict) or not isinstance(raw.get("index"), dict):
        raise InputError(f"{path}: expected an 'index' mapping of year to value.")
    try:
        index = {int(k): float(v) for k, v in raw["index"].items()}
    except (TypeError, ValueError):
        raise InputError(f"{path}: every year and index value must be a number.") from None
    return DeflatorSeries(
        index=index,
        title=str(raw.get("title", "")),
        vintage=str(raw.get("vintage", "")),
        source_url=str(raw.get("source_url", "")),
        licence=str(raw.get("licence", "")),
        base_year=raw.get("base_year"),
        path=path,
    )


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
    except ValueError:
        raise InputError(Problem(f"{label}'{text}' is not a year",
                                 fix=f"Give a year from {deflators.describe_range()}.")) from None
    problem = deflators.year_problem(year, label=label)
    if problem:
        raise InputError(problem)
    return year


def reprice(value, from_year, to_year, deflators: DeflatorSeries | None = None):
    """Re-price with the shipped GDP deflator series (see :meth:`DeflatorSeries.reprice`)."""
    return (deflators or load_deflators()).reprice(value, from_year, to_year)
