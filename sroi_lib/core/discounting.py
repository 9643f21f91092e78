"""Discount factors: a flat rate, or the Green Book standard, health and reduced-rate schedules.

Year 1 is discounted (as the Social Value Engine and the SROI guide do), year 0
is not::

    flat rate r:      DF(t) = 1 / (1 + r)^t
    banded schedule:  DF(t) = Π_{k=1..t} 1 / (1 + r_k),   DF(0) = 1

where ``r_k`` is the rate of the band holding year ``k``. To reproduce an SROI
that does not discount its first year (discounting from year 0), a schedule
with ``first_year_discounted=False`` gives ``DF'(t) = DF(t − 1)`` for t ≥ 1 and
``DF'(0) = 1``: at a flat rate, every figure is (1 + r) times the default's.
Figures that their authors have already discounted take
``already-discounted`` (DF = 1 every year, said as such). The Green Book
standard schedule is 3.5% for years 1–30, 3.0% for 31–75, 2.5% for 76–125,
2.0% for 126–200, 1.5% for 201–300 and 1.0% after; the health schedule is
1.5%, 1.29%, 1.07%, 0.86%, 0.64% and 0.43% on the same bands; the reduced
rate (pure time preference set to zero), the Green Book's sensitivity test for
effects lasting beyond 50 years, is 3.00%, 2.57%, 2.14%, 1.71%, 1.29% and 0.86%.
All three are read, with their vintage and sources, from
``data/reference/discount_schedules.yaml``.

References
----------
HM Treasury (2026). The Green Book: appraisal and evaluation in central
government, discount rate table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from ..errors import InputError, Problem, Problems, did_you_mean
from ..paths import read_yaml, reference_file
from .quoting import mapping_problem, shown

__all__ = [
    "Band",
    "DiscountSchedule",
    "flat_rate",
    "no_discounting",
    "already_discounted",
    "ALREADY_DISCOUNTED",
    "load_schedules",
    "schedule",
    "parse_discounting",
    "discount_factors",
    "MAX_HORIZON",
]

DEFAULT_FILE = "discount_schedules.yaml"
# The last year sroi discounts to. A defence in depth: the readers refuse a start year or a duration beyond
# their limits (docs/limits.md) long before this; this one keeps a table of factors from ever being allocated
# for a year such as 10**12 (7 TiB) whichever way the year arrives.
MAX_HORIZON = 1000


@dataclass(frozen=True)
class Band:
    """Years ``from_year`` to ``to_year`` (inclusive; None = for ever) at ``rate``."""

    from_year: int
    to_year: int | None
    rate: float


@dataclass(frozen=True)
class DiscountSchedule:
    """A discount rate for every year from 1 onwards.

    Parameters
    ----------
    name : str
        Short name used on the command line and in results (``green-book``,
        ``health``, ``none``, ``3.5%``).
    label : str
        Plain-English description shown in reports.
    bands : tuple of Band
        Contiguous bands starting at year 1; the last has ``to_year=None``.
    vintage, source_url : str
        Where the rates come from (empty for a user's flat rate).
    first_year_discounted : bool
        True (the default, as the SROI guide and the Social Value Engine do):
        year 1 is discounted, ``DF(1) = 1 / (1 + r_1)``. False: discounting
        starts from year 0, ``DF'(t) = DF(t − 1)``, so year 1 is not discounted.
    """

    name: str
    label: str
    bands: tuple[Band, ...]
    vintage: str = ""
    source_url: str = ""
    path: Path | None = None
    first_year_discounted: bool = True

    def __post_init__(self) -> None:
        where = {"file": str(self.path)} if self.path else {}

        def refuse(message: str, fix: str) -> None:
            raise InputError(Problem(f"discount schedule '{self.name}': {message}", column="bands", fix=fix, **where))

        if not self.bands:
            refuse("has no bands", "List its bands, each with from_year, to_year and rate; the first from year 1.")
        expected = 1
        for i, band in enumerate(self.bands):
            last = i == len(self.bands) - 1
            if band.to_year is not None and band.to_year < band.from_year:
                refuse(f"the band from year {band.from_year} ends before it starts (to_year {band.to_year})",
                       "Give a to_year at or after the band's from_year.")
            if band.from_year != expected:
                refuse(f"a band starts at year {band.from_year}, but the one before it leaves off at year "
                       f"{expected - 1}" if i else f"the first band starts at year {band.from_year}, not year 1",
                       "The bands must run on from year 1 without gaps or overlaps.")
            if (band.to_year is None) != last:
                refuse("only the last band may be open-ended (to_year: null)" if band.to_year is None else
                       f"the last band ends at year {band.to_year}",
                       "End every band but the last with a to_year; give the last 'to_year: null'.")
            if not (0 <= band.rate < 1):
                refuse(f"the rate of the band from year {band.from_year} is {shown(band.rate)}, "
                       "not a fraction from 0 up to (but not including) 1", "For 3.5% write 0.035.")
            if band.to_year is not None:
                expected = band.to_year + 1

    @property
    def is_flat(self) -> bool:
        """True when one rate applies to every year."""
        return len(self.bands) == 1

    def rates(self, years) -> np.ndarray:
        """The rate ``r_k`` of the band holding each year ``k`` (k ≥ 1)."""
        k = np.asarray(years, dtype=np.int64)
        ends = np.array([b.to_year for b in self.bands[:-1]], dtype=np.int64)
        idx = np.searchsorted(ends, k, side="left")
        return np.array([b.rate for b in self.bands])[idx]

    def factors(self, years) -> np.ndarray | float:
        """Discount factors ``DF(t)`` for whole years ``t ≥ 0``, vectorised.

        Parameters
        ----------
        years : int or array-like of int
            Years counted from the start (year 0 is now and not discounted).

        Returns
        -------
        float or ndarray
            ``DF(t)``, the same shape as ``years``.

        Examples
        --------
        >>> round(flat_rate(0.035).factors(1), 6)
        0.966184
        """
        t = np.asarray(years)
        if t.dtype == object or (t.size and not np.issubdtype(t.dtype, np.number)):
            raise InputError("A year to discount must be a whole number of 0 or more.")
        with np.errstate(invalid="ignore"):
            if t.size and (np.any(~np.isfinite(t)) or np.any(t < 0) or np.any(np.mod(t, 1) != 0)):
                raise InputError("A year to discount must be a whole number of 0 or more.")
        _check_horizon(float(t.max()) if t.size else 0)
        t = t.astype(np.int64)
        if not self.first_year_discounted:
            t = np.maximum(t - 1, 0)  # DF'(t) = DF(t − 1), DF'(0) = 1
        if self.is_flat:
            out = (1.0 + self.bands[0].rate) ** (-t.astype(float))
        else:
            horizon = int(t.max()) if t.size else 0
            per_year = 1.0 / (1.0 + self.rates(np.arange(1, horizon + 1)))
            cumulative = np.concatenate(([1.0], np.cumprod(per_year)))
            out = cumulative[t]
        return float(out) if np.ndim(out) == 0 else out

    def log_discount(self, horizon: int) -> np.ndarray:
        """``L[t] = −ln DF(t) = Σ_{k=1..t} ln(1 + r_k)`` for t = 0 … horizon."""
        _check_horizon(horizon)
        return np.concatenate(([0.0], np.cumsum(np.log1p(self.rates(np.arange(1, horizon + 1))))))

    def series_factors(self, start, duration, log_growth) -> np.ndarray:
        """Present value of a yearly series of 1 that grows by a fixed factor, per series.

        For each series *i* (vectorised over arrays)::

            S_i = Σ_{t=s..s+D−1} g^(t − s) × DF(t),   g = exp(log_growth)

        so a line's present value is ``impact × S`` with ``g = 1 − drop_off``.
        Within a band of rate ``r`` the terms form a geometric series of ratio
        ``x = g / (1 + r)``, summed in closed form as
        ``g^(lo − s) × DF(lo) × (x^n − 1) / (x − 1)`` (with ``expm1`` for accuracy
        when ``x`` is near 1); a series that crosses a band boundary is split at
        it. The cost grows with the number of series, not their length.

        Parameters
        ----------
        start : array of int
            First year ``s`` (≥ 1, or 0 for an undiscounted first term).
        duration : array of int
            Number of years ``D`` (≥ 1).
        log_growth : array of float
            ``ln g``; ``ln(1 − drop_off)``. Use a large negative number (−1e300)
            for ``g = 0``.
        """
        start = np.asarray(start, dtype=np.int64)
        if not self.first_year_discounted:
            # DF'(t) = DF(t − 1): the same series one year earlier (start ≥ 1, so start − 1 ≥ 0, DF(0) = 1).
            start = start - 1
        end = start + np.asarray(duration, dtype=np.int64) - 1
        log_growth = np.asarray(log_growth, dtype=float)
        horizon = int(end.max()) if end.size else 0
        df_table = np.exp(-self.log_discount(horizon))
        total = np.zeros(start.shape, dtype=float)
        for band in self.bands:
            if band.from_year > horizon:
                break
            first_band = band.from_year <= 1
            lo = start if first_band else np.maximum(start, band.from_year)
            hi = end if band.to_year is None else np.minimum(end, band.to_year)
            count = hi - lo + 1
            inside = count > 0
            idx = slice(None) if inside.all() else np.flatnonzero(inside)
            lo_i, n, g = lo[idx], count[idx], log_growth[idx]
            if n.size == 0:
                continue
            log_x = g - np.log1p(band.rate)
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
                ratio = np.expm1(n * log_x)
                ratio /= np.expm1(log_x)
            flat = log_x == 0
            if flat.any():
                ratio[flat] = n[flat]
            first = df_table[lo_i]  # DF(lo)
            if not first_band:
                first = first * np.exp((lo_i - start[idx]) * g)  # × g^(lo − s)
            total[idx] += first * ratio
        return total

    def describe(self) -> str:
        """One line for reports, e.g. ``HM Treasury Green Book standard schedule (...)``."""
        text = f"{self.label} [{self.vintage}]" if self.vintage else self.label
        if not self.first_year_discounted and any(b.rate for b in self.bands):
            text += "; the first year is not discounted (discounting from year 0)"
        return text

    def to_dict(self) -> dict:
        """A JSON-ready record of the schedule (for results and manifests)."""
        return {
            "name": self.name,
            "label": self.label,
            "vintage": self.vintage,
            "source_url": self.source_url,
            "first_year_discounted": self.first_year_discounted,
            "bands": [
                {"from_year": b.from_year, "to_year": b.to_year, "rate": b.rate} for b in self.bands
            ],
        }


def _check_horizon(horizon) -> None:
    """Refuse, before any table of factors is allocated, a year beyond :data:`MAX_HORIZON`."""
    if horizon > MAX_HORIZON:
        raise InputError(Problem(f"a value is discounted to year {shown(int(horizon))}, beyond the {MAX_HORIZON:,} years "
                                 "sroi discounts over",
                                 fix="Check the start_year and duration columns: the Green Book's schedule runs "
                                     "to year 300 and on at one rate after it."))


def flat_rate(rate: float) -> DiscountSchedule:
    """One rate for every year: ``DF(t) = 1 / (1 + rate)^t``."""
    return DiscountSchedule(
        name=_pct(rate),
        label=f"flat rate of {_pct(rate)} a year",
        bands=(Band(1, None, float(rate)),),
    )


def no_discounting() -> DiscountSchedule:
    """No discounting: ``DF(t) = 1`` for every year."""
    return DiscountSchedule(name="none", label="no discounting", bands=(Band(1, None, 0.0),))


ALREADY_DISCOUNTED = "already-discounted"


def already_discounted() -> DiscountSchedule:
    """For figures their authors have already discounted: ``DF(t) = 1``, said as such in reports."""
    return DiscountSchedule(name=ALREADY_DISCOUNTED, bands=(Band(1, None, 0.0),),
                            label="none by sroi: the figures are already discounted by their authors")


def _pct(rate: float) -> str:
    return f"{rate * 100:.4g}%"


@lru_cache(maxsize=4)
def load_schedules(path: str | Path | None = None) -> dict[str, DiscountSchedule]:
    """Read the named schedules (``green-book``, ``health``, ``reduced-rate``) from YAML.

    The file holds ``schedules:``, each schedule a ``label`` and ``bands``
    (``from_year``, ``to_year``, ``rate``; see :class:`DiscountSchedule`), and
    provenance: ``vintage`` and ``sources`` (a list of ``title`` and ``url``).

    Raises
    ------
    InputError
        Naming the file, the schedule and what is wrong: a file without
        schedules, a schedule without bands, a year that is not a whole
        number, a rate that is not a fraction from 0 to below 1, bands with
        gaps or overlaps.
    """
    path = Path(path) if path else reference_file(DEFAULT_FILE)
    raw = read_yaml(path, "discount schedule file")
    where = {"file": str(path)}
    fix = ("Write 'schedules:' and under it each schedule's name, its label and its bands, as in the shipped "
           "data/reference/discount_schedules.yaml.")
    if found := mapping_problem(raw, "schedules", "schedules"):
        raise InputError(Problem(f"the discount schedule file {found}", column="schedules", fix=fix, **where))
    sources = raw.get("sources")
    first = sources[0] if isinstance(sources, list) and sources else {}
    source_url = first.get("url", "") if isinstance(first, dict) else ""
    problems = Problems()
    for key, value in (("vintage", raw.get("vintage")), ("sources: url", source_url)):
        if isinstance(value, (list, dict)):
            problems.add(f"'{key}' is {shown(value)}, not text", column=key, fix="Give it as one line of text.",
                         **where)
    out = {}
    for name, spec in raw["schedules"].items():
        bands = _bands(name, spec, problems, where)
        if bands is not None:
            label = spec.get("label", name)
            if isinstance(label, (list, dict)):
                problems.add(f"schedule '{name}': its label is {shown(label)}, not text", column="label",
                             fix="Give the label as one line of text.", **where)
                continue
            try:
                out[str(name)] = DiscountSchedule(name=str(name), label=str(label), bands=bands,
                                                  vintage=str(raw.get("vintage", "")), source_url=str(source_url),
                                                  path=path)
            except InputError as exc:
                problems.extend(exc.problems)
    problems.raise_if_any()
    return out


def _bands(name, spec, problems: Problems, where: dict) -> tuple[Band, ...] | None:
    """The bands of one schedule in a schedule file, or None with the problems recorded."""
    bands = spec.get("bands") if isinstance(spec, dict) else None
    if not isinstance(bands, list) or not bands:
        problems.add(f"schedule '{name}' has no list of bands" if bands in (None, []) else
                     f"schedule '{name}': its bands are {shown(bands)} instead of a list",
                     column="bands", fix="Give 'bands:', a list of {from_year, to_year, rate}, the first from year 1.",
                     **where)
        return None
    out, before = [], len(problems)
    for i, band in enumerate(bands, start=1):
        if not isinstance(band, dict) or not {"from_year", "to_year", "rate"} <= set(band):
            problems.add(f"schedule '{name}': band {i} is {shown(band)}, not a from_year, to_year and rate",
                         column="bands", fix="Write each band like {from_year: 1, to_year: 30, rate: 0.035}.",
                         **where)
            continue
        start, stop, rate = band["from_year"], band["to_year"], band["rate"]
        for key, year in (("from_year", start), ("to_year", stop)):
            if not (year is None and key == "to_year") and not _whole_year(year):
                problems.add(f"schedule '{name}': band {i} has {key} {shown(year)}, not a whole number of years "
                             f"from 1 to {MAX_HORIZON:,}", column=key,
                             fix="Give years as whole numbers (to_year: null for the last band).", **where)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)):
            problems.add(f"schedule '{name}': band {i} has the rate {shown(rate)}, not a number", column="rate",
                         fix="Give the rate as a fraction: for 3.5% write 0.035.", **where)
        if len(problems) == before:
            out.append(Band(int(start), None if stop is None else int(stop), float(rate)))
    return tuple(out) if len(problems) == before else None


def _whole_year(year) -> bool:
    return isinstance(year, int) and not isinstance(year, bool) and 1 <= year <= MAX_HORIZON


def schedule(name: str) -> DiscountSchedule:
    """A shipped schedule by name: ``green-book``, ``health`` or ``reduced-rate``."""
    schedules = load_schedules()
    if name not in schedules:
        raise InputError(Problem(
            f"there is no discount schedule '{name}' in {reference_file(DEFAULT_FILE)}",
            fix=f"Use one of: {', '.join(sorted(schedules))}, none, or a rate such as 3.5%."))
    return schedules[name]


_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(%?)\s*$")


def parse_discounting(spec: str | float | DiscountSchedule) -> DiscountSchedule:
    """Turn a user's choice into a schedule.

    Accepts ``green-book``, ``health``, ``reduced-rate``, ``none``, ``already-discounted``, a
    percentage (``3.5%``) or a fraction (``0.035``). A bare number above 1 (``3.5``) is refused rather
    than guessed, as for every percentage in sroi.
    """
    if isinstance(spec, DiscountSchedule):
        return spec
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        try:
            number = float(spec)
        except OverflowError:  # an integer of hundreds of digits
            number = float("inf")
        if not np.isfinite(number):
            raise InputError(Problem(f"the discount rate {shown(spec)} is not a finite number",
                                     fix="Use green-book, health, reduced-rate, none, already-discounted, or a rate such as 3.5%."))
        text = repr(number)
    elif isinstance(spec, str) or spec is None:
        text = str(spec).strip().lower()
    else:
        raise InputError(Problem(f"Discounting {shown(spec)} is not understood",
                                 fix="Use green-book, health, reduced-rate, none, already-discounted, or a rate such as 3.5%."))
    if text in ("none", "0", "0%", "0.0"):
        return no_discounting()
    if text in (ALREADY_DISCOUNTED, "already discounted"):
        return already_discounted()
    if text in ("green-book", "greenbook", "green book", "standard"):
        return schedule("green-book")
    if text in ("health", "reduced-rate", "reduced rate"):
        return schedule(text.replace(" ", "-"))
    m = _RATE.match(text)
    if not m and _RATE.match(text.lstrip("-")):
        raise InputError(Problem(f"the discount rate {shown(str(spec))} is below zero",
                                 fix="Give a rate of 0% or more, such as 3.5%, or none."))
    if not m:
        names = ("green-book", "health", "reduced-rate", "none", ALREADY_DISCOUNTED)
        raise InputError(Problem(f"Discounting {shown(str(spec))} is not understood",
                                 fix=did_you_mean(text, names, cutoff=0.6) + "Use green-book, health, reduced-rate, "
                                 "none, already-discounted, or a rate such as 3.5%."))
    number, percent = float(m.group(1)), m.group(2)
    rate = number / 100 if percent else number
    if not percent and number > 1:
        raise InputError(Problem(
            f"the discount rate {shown(spec)} is a bare number above 1",
            fix=f"Write it as a percentage (e.g. {number:g}%) or a fraction (e.g. {number / 100:g})."))
    if rate >= 1:
        raise InputError(Problem(f"the discount rate {shown(spec)} is 100% or more",
                                 fix="Give a rate below 100%, such as 3.5%."))
    return flat_rate(rate)


def discount_factors(years, spec: str | float | DiscountSchedule = "green-book"):
    """``DF(t)`` for each year under ``spec`` (see :func:`parse_discounting`)."""
    return parse_discounting(spec).factors(years)
