"""Discount factors: a flat rate, or the Green Book standard and health schedules.

Year 1 is discounted (as the Social Value Engine and the SROI guide do), year 0
is not::

    flat rate r:      DF(t) = 1 / (1 + r)^t
    banded schedule:  DF(t) = Π_{k=1..t} 1 / (1 + r_k),   DF(0) = 1

where ``r_k`` is the rate of the band holding year ``k``. The Green Book
standard schedule is 3.5% for years 1–30, 3.0% for 31–75, 2.5% for 76–125,
2.0% for 126–200, 1.5% for 201–300 and 1.0% after; the health schedule is
1.5%, 1.29%, 1.07%, 0.86%, 0.64% and 0.43% on the same bands. Both are read,
with their vintage and sources, from ``data/reference/discount_schedules.yaml``.

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
from ..errors import InputError
from ..paths import read_yaml, reference_file

__all__ = [
    "Band",
    "DiscountSchedule",
    "flat_rate",
    "no_discounting",
    "load_schedules",
    "schedule",
    "parse_discounting",
    "discount_factors",
]

DEFAULT_FILE = "discount_schedules.yaml"


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
    """

    name: str
    label: str
    bands: tuple[Band, ...]
    vintage: str = ""
    source_url: str = ""
    path: Path | None = None

    def __post_init__(self) -> None:
        expected = 1
        for i, band in enumerate(self.bands):
            last = i == len(self.bands) - 1
            if band.from_year != expected or (band.to_year is None) != last:
                raise InputError(
                    f"Discount schedule '{self.name}': bands must run on from year 1 "
                    "without gaps, the last one open-ended."
                )
            if not (0 <= band.rate < 1):
                raise InputError(
                    f"Discount schedule '{self.name}': rate {band.rate} is not a fraction between 0 and 1."
                )
            if band.to_year is not None:
                if band.to_year < band.from_year:
                    raise InputError(f"Discount schedule '{self.name}': a band ends before it starts.")
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
        if t.size and (np.any(t < 0) or np.any(np.mod(t, 1) != 0)):
            raise InputError("A year to discount must be a whole number of 0 or more.")
        t = t.astype(np.int64)
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
        return f"{self.label} [{self.vintage}]" if self.vintage else self.label

    def to_dict(self) -> dict:
        """A JSON-ready record of the schedule (for results and manifests)."""
        return {
            "name": self.name,
            "label": self.label,
            "vintage": self.vintage,
            "source_url": self.source_url,
            "bands": [
                {"from_year": b.from_year, "to_year": b.to_year, "rate": b.rate} for b in self.bands
            ],
        }


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


def _pct(rate: float) -> str:
    return f"{rate * 100:.4g}%"


@lru_cache(maxsize=4)
def load_schedules(path: str | Path | None = None) -> dict[str, DiscountSchedule]:
    """Read the named schedules (``green-book``, ``health``) from YAML."""
    path = Path(path) if path else reference_file(DEFAULT_FILE)
    raw = read_yaml(path, "discount schedule file")
    out = {}
    for name, spec in (raw.get("schedules") or {}).items():
        try:
            bands = tuple(Band(int(b["from_year"]), b["to_year"], float(b["rate"])) for b in spec["bands"])
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{path}: schedule '{name}' needs bands of from_year, to_year and rate.") from None
        sources = raw.get("sources") or [{}]
        out[name] = DiscountSchedule(
            name=name,
            label=str(spec.get("label", name)),
            bands=bands,
            vintage=str(raw.get("vintage", "")),
            source_url=str(sources[0].get("url", "")),
            path=path,
        )
    return out


def schedule(name: str) -> DiscountSchedule:
    """A shipped schedule by name: ``green-book`` or ``health``."""
    schedules = load_schedules()
    if name not in schedules:
        raise InputError(
            f"Unknown discount schedule '{name}'. Use one of: {', '.join(sorted(schedules))}, none, or a rate such as 3.5%."
        )
    return schedules[name]


_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(%?)\s*$")


def parse_discounting(spec: str | float | DiscountSchedule) -> DiscountSchedule:
    """Turn a user's choice into a schedule.

    Accepts ``green-book``, ``health``, ``none``, a percentage (``3.5%``) or a
    fraction (``0.035``). A bare number above 1 (``3.5``) is refused rather
    than guessed, as for every percentage in sroi.
    """
    if isinstance(spec, DiscountSchedule):
        return spec
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        text = repr(float(spec))
    else:
        text = str(spec).strip().lower()
    if text in ("none", "0", "0%", "0.0"):
        return no_discounting()
    if text in ("green-book", "greenbook", "green book", "standard"):
        return schedule("green-book")
    if text == "health":
        return schedule("health")
    m = _RATE.match(text)
    if not m:
        raise InputError(
            f"Discounting '{spec}' is not understood. Use green-book, health, none, or a rate such as 3.5%."
        )
    number, percent = float(m.group(1)), m.group(2)
    rate = number / 100 if percent else number
    if not percent and number > 1:
        raise InputError(
            f"Discount rate '{spec}' is a bare number above 1. Write it as a percentage (e.g. {number:g}%) "
            f"or a fraction (e.g. {number / 100:g})."
        )
    if rate >= 1:
        raise InputError(f"Discount rate '{spec}' is 100% or more; give a rate below 100%.")
    return flat_rate(rate)


def discount_factors(years, spec: str | float | DiscountSchedule = "green-book"):
    """``DF(t)`` for each year under ``spec`` (see :func:`parse_discounting`)."""
    return parse_discounting(spec).factors(years)
