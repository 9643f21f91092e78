"""Uncertainty: one-way sensitivity, tipping points (switching values), Monte Carlo ranges and scenarios.

Everything works on a :class:`Model`: the figures of a :class:`~sroi_lib.core.valuation.Valuation` held as
arrays, one element per outcome line, re-valued with any assumption changed, for one set of assumptions or for
many draws at once. The formulas are the valuation's own (docs/method.md)::

    impact_i = quantity_i × value_i × (1 − deadweight_i) × (1 − displacement_i) × (1 − attribution_i)
    PV_i     = impact_i × (1 − drop_off_i)^δ × S(start_i, duration_i, drop_off_i)     (δ = 1 when drop-off
                                                                                      starts in year 1)
    S        = Σ_{t = start .. start + duration − 1} (1 − drop_off)^(t − start) × DF(t)
    ratio    = Σ_i PV_i ÷ Σ_j input_j × DF(year_j)

``value_i`` is the value per unit already re-priced to the analysis year. With every assumption at its
central value, :meth:`Model.present_value` is the valuation's present value to the last bit (the same
operations in the same order), so a Monte Carlo run whose distributions are all fixed reproduces the
deterministic figures exactly.

**Tipping points** (the Green Book's switching values): the value of one assumption, all others held, at
which the ratio reaches the target (1.0 unless the parameters say otherwise). The ratio is linear in each
line's quantity, value and (1 − adjustment) and inversely proportional to the inputs, so those are solved
in closed form::

    x* = x × (T × I − PV_others) ÷ PV_i           (quantity, value)
    (1 − a*) = (1 − a) × (T × I − PV_others) ÷ PV_i   (deadweight, displacement, attribution)
    I* = PV ÷ T                                      (inputs)

Drop-off is found by bisection on [0, 1] (the present value falls as drop-off rises), duration and start
year by evaluating every whole year from 1 to 300, and the discount rate by bisection over flat rates from
0% to 99%. "never" is reported where no valid value reaches the target.

A disbenefit (a line whose value is below zero) is the same formula with a negative value, so each of its
figures moves the other way: its present value rises with drop-off and with a later start, and falls with a
longer duration. Its value per unit stays a disbenefit: its valid range is below zero (a benefit's is above
it), in tipping points and in Monte Carlo draws alike.

**Monte Carlo**: each uncertain assumption draws one uniform number per draw from its own counter-based
stream (SplitMix64 on the seed, the assumption's position and the draw's index), turned into a value by the
distribution's inverse CDF truncated to the assumption's valid range. A draw's numbers therefore depend only
on the seed and its index, never on how the draws are split into chunks, and are the same on every machine.
Correlated groups share a common normal factor (a Gaussian copula with equal correlation ρ).

References
----------
HM Treasury (2022). The Green Book, chapter 5 and Annex A5 (sensitivity analysis, switching values and
Monte Carlo analysis). Nicholls, J. et al. (2012). A guide to Social Return on Investment, stage 5
(sensitivity analysis).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from .discounting import DiscountSchedule, parse_discounting

__all__ = ["Model", "Distribution", "Uncertain", "MonteCarlo", "Scenario", "LINE_ASSUMPTIONS", "ADJUSTMENTS",
           "DISTRIBUTIONS", "MAX_DRAWS", "GRID_CELLS", "DEFAULT_DRAWS", "DEFAULT_CHUNK", "DEFAULT_RANGES", "one_way",
           "tornado", "tipping_points", "monte_carlo", "monte_carlo_chunk", "run_scenarios", "uniforms", "assumption_label"]

LINE_ASSUMPTIONS = ("quantity", "value", "deadweight", "displacement", "attribution", "drop_off", "duration",
                    "start_year")
ADJUSTMENTS = ("deadweight", "displacement", "attribution", "drop_off")
WHOLE = ("duration", "start_year")
MAX_YEARS = 300  # the duration and start-year limit of an impact map (docs/limits.md)
MAX_DRAWS = 1_000_000  # draws in one Monte Carlo run
DEFAULT_DRAWS = 10_000
DEFAULT_CHUNK = 1_000  # draws valued at once: memory is chunk × lines × a few arrays of 8 bytes
# One-way ranges: relative (quantity, value, inputs, duration) or in percentage points (adjustments); start year
# moves by whole years. Overridden by the parameters' `sensitivity` section.
DEFAULT_RANGES = {"quantity": 0.25, "value": 0.25, "adjustments": 0.15, "duration": 0.25, "start_year": 1,
                  "inputs": 0.25, "discounting": ("reduced-rate",)}
DISTRIBUTIONS = ("fixed", "uniform", "triangular", "pert", "normal", "lognormal")


def _bounds(assumption: str) -> tuple[float, float]:
    """The valid range of an assumption."""
    if assumption in ADJUSTMENTS:
        return 0.0, 1.0
    if assumption in WHOLE:
        return 1.0, float(MAX_YEARS)
    return 0.0, np.inf  # quantity, value, inputs (a multiplier)


# -- the model -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Model:
    """A valuation's figures as arrays, to be valued again with assumptions changed.

    Build one with :meth:`from_valuation`. Per-line arrays are in map order; ``rows`` are the map's rows and
    ``labels`` say "row 3: Tenants, less anxiety" for tables. ``value`` is the value per unit re-priced to the
    analysis year; ``input_values`` and ``input_years`` are the inputs as given.
    """

    rows: np.ndarray
    labels: tuple[str, ...]
    quantity: np.ndarray
    value: np.ndarray
    deadweight: np.ndarray
    displacement: np.ndarray
    attribution: np.ndarray
    drop_off: np.ndarray
    duration: np.ndarray
    start_year: np.ndarray
    input_values: np.ndarray
    input_years: np.ndarray
    schedule: DiscountSchedule
    drop_off_first_year: bool = False
    input_labels: tuple[str, ...] = ()

    @classmethod
    def from_valuation(cls, v) -> "Model":
        """The model of a :class:`~sroi_lib.core.valuation.Valuation`."""
        ln, inputs = v.lines, v.inputs
        rows = np.array([int(r) if pd.notna(r) else i + 2 for i, r in enumerate(ln["row"])], dtype=np.int64)
        labels = tuple(f"row {r}: {s}, {o}" for r, s, o in zip(rows, ln["stakeholder"], ln["outcome"]))
        arr = lambda name, dtype=float: ln[name].to_numpy(dtype=dtype, copy=True)  # noqa: E731
        return cls(rows=rows, labels=labels, quantity=arr("quantity"), value=arr("value_per_unit"),
                   deadweight=arr("deadweight"), displacement=arr("displacement"), attribution=arr("attribution"),
                   drop_off=arr("drop_off"), duration=arr("duration", np.int64), start_year=arr("start_year", np.int64),
                   input_values=inputs["value"].to_numpy(float, copy=True),
                   input_years=inputs["year"].to_numpy(np.int64, copy=True), schedule=v.discounting,
                   drop_off_first_year=bool(v.drop_off_first_year),
                   input_labels=tuple(str(d) for d in inputs.get("description", pd.Series([""] * len(inputs)))))

    @property
    def lines(self) -> int:
        return len(self.rows)

    def line_values(self, **changed) -> np.ndarray:
        """Each line's present value with some assumptions changed (arrays broadcast against the lines:
        shape ``(lines,)``, or ``(draws, lines)`` for many sets at once)."""
        get = lambda name: np.asarray(changed[name]) if name in changed else getattr(self, name)  # noqa: E731
        quantity, value = get("quantity"), get("value")
        dw, disp, attr, drop = get("deadweight"), get("displacement"), get("attribution"), get("drop_off")
        start, duration = get("start_year"), get("duration")
        schedule = changed.get("schedule", self.schedule)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            impact = quantity * value * (1 - dw) * (1 - disp) * (1 - attr)
            log_keep = np.maximum(np.log1p(-np.asarray(drop, dtype=float)), -1e300)
            start_b, duration_b, log_b = np.broadcast_arrays(np.asarray(start, dtype=np.int64),
                                                             np.asarray(duration, dtype=np.int64), log_keep)
            first = (1 - drop) if self.drop_off_first_year else 1.0
            # series_factors works on flat arrays: flatten, then give the result its shape back
            factors = schedule.series_factors(start_b.ravel(), duration_b.ravel(), log_b.ravel()).reshape(start_b.shape)
            return impact * first * factors

    def present_value(self, **changed) -> np.ndarray | float:
        """Σ of the lines' present values (one per set of assumptions)."""
        pv = self.line_values(**changed)
        return float(pv.sum()) if pv.ndim == 1 else np.add.reduce(pv, axis=-1)

    def total_inputs(self, schedule: DiscountSchedule | None = None, scale=1.0):
        """Σ input × DF(year), times ``scale`` (a number, or one per draw)."""
        schedule = schedule or self.schedule
        total = float((self.input_values * schedule.factors(self.input_years)).sum())
        return total * scale

    def ratio(self, inputs_scale=1.0, **changed):
        """The SROI ratio with some assumptions changed (see :meth:`line_values`)."""
        schedule = changed.get("schedule", self.schedule)
        return self.present_value(**changed) / self.total_inputs(schedule, inputs_scale)

    def with_changes(self, **changed) -> "Model":
        """A copy with some per-line arrays (or the schedule, or the inputs) replaced."""
        return replace(self, **changed)


def assumption_label(assumption: str) -> str:
    return assumption.replace("_", "-") if assumption in ("drop_off",) else assumption.replace("_", " ")


# -- one-way sensitivity -------------------------------------------------------------------------------------------

def _moved(model: Model, assumption: str, ranges: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """The low and high values each line's assumption is moved to, clipped to its valid range."""
    base = getattr(model, assumption).astype(float)
    lo_bound, hi_bound = _bounds(assumption)
    if assumption in ADJUSTMENTS:
        step = float(ranges.get("adjustments", DEFAULT_RANGES["adjustments"]))
        return np.maximum(lo_bound, base - step), np.minimum(hi_bound, base + step)
    if assumption == "start_year":
        step = int(ranges.get("start_year", DEFAULT_RANGES["start_year"]))
        return np.maximum(1, base - step), np.minimum(MAX_YEARS, base + step)
    share = float(ranges.get(assumption, DEFAULT_RANGES[assumption]))
    if assumption == "duration":
        step = np.maximum(1, np.rint(base * share))
        return np.maximum(1, base - step), np.minimum(MAX_YEARS, base + step)
    return base * (1 - share), base * (1 + share)


def one_way(model: Model, ranges: Mapping | None = None) -> pd.DataFrame:
    """Move each assumption across its range, all others held, and record the ratio.

    Each line's assumption is moved on its own: the ratio is ``(PV − PV_i + PV_i') ÷ I``, with ``PV_i'`` the
    line's present value with the assumption moved, computed for every line at once.

    Parameters
    ----------
    model : Model
    ranges : mapping, optional
        ``quantity``, ``value``, ``inputs``, ``duration`` (relative, e.g. 0.25 for ±25%), ``adjustments``
        (percentage points as a fraction, e.g. 0.15), ``start_year`` (whole years), ``discounting``
        (schedule names or rates to try). Defaults: :data:`DEFAULT_RANGES`.

    Returns
    -------
    DataFrame
        One row per assumption: ``assumption``, ``row`` (the map's row; empty for inputs and discounting),
        ``label``, ``base``, ``low``, ``high`` (the values tried), ``ratio_low``, ``ratio_high`` and ``swing``
        (``|ratio_high − ratio_low|``), largest swing first.
    """
    ranges = {**DEFAULT_RANGES, **(ranges or {})}
    inputs = model.total_inputs()
    pv = model.line_values()
    total = float(pv.sum())
    base_ratio = total / inputs
    frames = []
    for assumption in LINE_ASSUMPTIONS:
        lo, hi = _moved(model, assumption, ranges)
        ratio_lo = (total - pv + model.line_values(**{assumption: lo})) / inputs
        ratio_hi = (total - pv + model.line_values(**{assumption: hi})) / inputs
        frames.append(pd.DataFrame({"assumption": assumption, "row": model.rows, "label": list(model.labels),
                                    "base": getattr(model, assumption).astype(float), "low": lo, "high": hi,
                                    "ratio_low": ratio_lo, "ratio_high": ratio_hi}))
    share = float(ranges.get("inputs", DEFAULT_RANGES["inputs"]))
    extra = [{"assumption": "inputs", "row": None, "label": "all inputs", "base": inputs,
              "low": inputs * (1 - share), "high": inputs * (1 + share),
              "ratio_low": base_ratio / (1 - share) if share < 1 else np.inf, "ratio_high": base_ratio / (1 + share)}]
    schedules = [parse_discounting(s) for s in ranges.get("discounting") or ()]
    if schedules:
        tried = [(model.schedule, base_ratio)] + [(s, model.ratio(schedule=_with_convention(s, model))) for s in schedules]
        low = min(tried, key=lambda t: t[1])
        high = max(tried, key=lambda t: t[1])
        extra.append({"assumption": "discounting", "row": None, "label": "discount schedule",
                      "base": model.schedule.name, "low": low[0].name, "high": high[0].name,
                      "ratio_low": low[1], "ratio_high": high[1]})
    frame = pd.concat(frames + [pd.DataFrame(extra)], ignore_index=True)
    frame["row"] = frame["row"].astype(object).where(frame["row"].notna(), None)
    frame["swing"] = (frame["ratio_high"] - frame["ratio_low"]).abs()
    return frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def _with_convention(schedule: DiscountSchedule, model: Model) -> DiscountSchedule:
    """A schedule with the model's first-year convention."""
    if schedule.first_year_discounted != model.schedule.first_year_discounted:
        return replace(schedule, first_year_discounted=model.schedule.first_year_discounted)
    return schedule


def tornado(sensitivity: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The ``top`` assumptions that move the ratio most (from :func:`one_way`), largest swing first."""
    return sensitivity.head(top).reset_index(drop=True)


# -- tipping points ------------------------------------------------------------------------------------------------

def tipping_points(model: Model, target: float = 1.0) -> pd.DataFrame:
    """The value of each assumption, all others held, at which the SROI ratio reaches ``target``.

    Every line is solved at once (the lines do not depend on each other), so the cost grows with the number
    of lines, not its square; the whole-year grid of duration and start year is built
    :data:`GRID_CELLS` cells at a time, so memory stays bounded on a map of 100,000 lines.

    Returns
    -------
    DataFrame
        One row per assumption: ``assumption``, ``row`` (the map's row; None for inputs and the discount
        rate), ``label``, ``base``, ``tipping`` (the value, or NaN), ``never`` (True when no valid value
        reaches the target), ``method`` (``closed form``, ``bisection`` or ``every whole year``) and
        ``direction`` (``falls`` or ``rises``: which way the assumption must move). Lines come in map order,
        each with its quantity, value, deadweight, displacement and attribution; then every line's drop-off,
        duration and start year; then the inputs and the discount rate.
    """
    if not np.isfinite(target) or target <= 0:
        raise InputError(Problem(f"the target ratio {target} is not a number above 0",
                                 fix="Give a target ratio such as 1 (the default)."))
    inputs = model.total_inputs()
    need = target * inputs  # the present value at which the ratio is the target
    pv = model.line_values()
    total = float(pv.sum())
    others = total - pv
    n = model.lines
    closed = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for assumption in ("quantity", "value"):
            per_unit = model.line_values(**{assumption: np.ones(n)})  # each line's PV for x = 1
            closed.append((assumption, getattr(model, assumption).astype(float),
                           np.where(per_unit != 0, (need - others) / per_unit, np.nan)))
        for assumption in ("deadweight", "displacement", "attribution"):
            full = model.line_values(**{assumption: np.zeros(n)})  # each line's PV with (1 − a) = 1
            closed.append((assumption, getattr(model, assumption).astype(float),
                           np.where(full != 0, 1 - (need - others) / full, np.nan)))
    k = len(closed)  # interleaved: line 1's five, then line 2's, ...
    frames = [_tipping_rows(model, np.repeat([a for a, _, _ in closed], n).reshape(k, n).T.ravel(),
                            np.tile(np.arange(n), k).reshape(k, n).T.ravel(),
                            np.stack([b for _, b, _ in closed], axis=1).ravel(),
                            np.stack([t for _, _, t in closed], axis=1).ravel(), "closed form")]
    frames.append(_tipping_rows(model, "drop_off", np.arange(n), model.drop_off.astype(float),
                                _drop_off_tipping(model, need, others), "bisection"))
    for assumption in WHOLE:
        frames.append(_tipping_rows(model, assumption, np.arange(n), getattr(model, assumption).astype(float),
                                    _whole_year_tipping(model, assumption, need, others), "every whole year"))
    frames.append(_tipping_rows(model, "inputs", None, inputs, total / target, "closed form"))
    base_rate, rate = _rate_tipping(model, target)
    frames.append(_tipping_rows(model, "discount_rate", None, base_rate, np.nan if rate is None else rate,
                                "bisection"))
    return pd.concat(frames, ignore_index=True)


GRID_CELLS = 1_000_000  # line-years valued at once when searching every whole year (about 8 MB an array)


def _tipping_rows(model: Model, assumption, positions, base, tipping, method: str) -> pd.DataFrame:
    """The rows of :func:`tipping_points` for lines at ``positions`` (None: one row for all inputs or the discount
    rate). A tipping value outside the assumption's valid range, or not finite, is "never"."""
    single = positions is None
    names = np.broadcast_to(np.asarray(assumption, dtype=object), (1,) if single else (len(positions),))
    base = np.atleast_1d(np.asarray(base, dtype=float))
    tipping = np.atleast_1d(np.asarray(tipping, dtype=float))
    lo = np.array([_bounds(a)[0] for a in names]) if names.size else np.zeros(0)
    hi = np.array([_bounds(a)[1] for a in names]) if names.size else np.zeros(0)
    harm = (names == "value") & (base < 0)  # a disbenefit's value stays below zero
    lo, hi = np.where(harm, -np.inf, lo), np.where(harm, 0.0, hi)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(tipping) & (lo - 1e-12 <= tipping) & (tipping <= hi + 1e-12)
        direction = np.where(~ok, "", np.where(tipping < base, "falls", "rises")).astype(object)
    if single:
        rows, labels = [None], ["all inputs" if assumption == "inputs" else "discount rate"]
    else:
        rows = [int(r) for r in model.rows[positions]]
        labels = [model.labels[i] for i in positions]
    return pd.DataFrame({"assumption": names.astype(object), "row": pd.Series(rows, dtype=object), "label": labels,
                         "base": base, "tipping": np.where(ok, tipping, np.nan), "never": ~ok,
                         "method": method, "direction": direction},
                        columns=["assumption", "row", "label", "base", "tipping", "never", "method", "direction"])


def _bisect(f, lo: np.ndarray, hi: np.ndarray, iterations: int = 64):
    """Vectorised bisection for an increasing-or-decreasing ``f`` with a sign change on [lo, hi]."""
    f_lo = f(lo)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        f_mid = f(mid)
        left = np.sign(f_mid) == np.sign(f_lo)
        lo = np.where(left, mid, lo)
        f_lo = np.where(left, f_mid, f_lo)
        hi = np.where(left, hi, mid)
    return (lo + hi) / 2


def _drop_off_tipping(model, need, others) -> np.ndarray:
    """Each line's drop-off at which the ratio reaches the target (NaN where no drop-off in [0, 1] does)."""
    n = model.lines
    if not n:
        return np.zeros(0)
    gap = need - others  # the PV line i must have
    at0 = model.line_values(drop_off=np.zeros(n)) - gap
    at1 = model.line_values(drop_off=np.ones(n)) - gap
    crosses = np.sign(at0) != np.sign(at1)
    if not crosses.any():
        return np.full(n, np.nan)
    found = _bisect(lambda d: model.line_values(drop_off=d) - gap, np.zeros(n), np.ones(n))
    return np.where(crosses, found, np.nan)


def _line_block(model: Model, block: slice) -> Model:
    """The model of the lines in ``block`` alone."""
    per_line = ("rows", "quantity", "value", "deadweight", "displacement", "attribution", "drop_off", "duration",
                "start_year")
    return replace(model, labels=model.labels[block], **{name: getattr(model, name)[block] for name in per_line})


def _whole_year_tipping(model, assumption: str, need, others) -> np.ndarray:
    """Duration or start year: each line at every whole year from 1 to 300 (a 300 × lines grid, built a block of
    lines at a time), the others held; the nearest year, moving away from the line's own, at which the ratio
    crosses the target (NaN where none does)."""
    n = model.lines
    out = np.full(n, np.nan)
    years = np.arange(1, MAX_YEARS + 1)[:, None]
    j = np.arange(MAX_YEARS)[:, None]  # grid index: year j + 1
    step = max(1, GRID_CELLS // MAX_YEARS)
    for first in range(0, n, step):
        block = slice(first, min(n, first + step))
        sub = _line_block(model, block)
        grid = sub.line_values(**{assumption: np.broadcast_to(years, (MAX_YEARS, sub.lines))})
        reached = (grid + others[block]) >= need  # (year, line)
        base = getattr(sub, assumption).astype(np.int64)
        now = reached[base - 1, np.arange(sub.lines)]
        below, above = j < base - 1, j >= base  # the years before and after each line's own
        last = lambda mask: np.where(mask, j, -1).max(axis=0)  # noqa: E731  (-1: none)
        first_of = lambda mask: np.where(mask, j, MAX_YEARS).min(axis=0)  # noqa: E731  (MAX_YEARS: none)
        # A benefit's PV rises with the duration and falls as the start moves later; a disbenefit's the other way.
        rises = (assumption == "duration") == (sub.quantity * sub.value >= 0)
        cand = np.where(rises, np.where(now, last(below & ~reached), first_of(above & reached)),
                        np.where(now, first_of(above & ~reached), last(below & reached)))
        out[block] = np.where((cand >= 0) & (cand < MAX_YEARS), cand + 1.0, np.nan)
    return out


def _rate_tipping(model, target) -> tuple[float, float | None]:
    """The model's first discount rate, and the flat discount rate at which the ratio reaches the target (None
    where no rate from 0% to 99% does)."""
    from .discounting import flat_rate

    def ratio_at(rate: float) -> float:
        s = _with_convention(flat_rate(rate), model)
        return model.ratio(schedule=s) - target

    lo, hi = 0.0, 0.99
    f_lo, f_hi = ratio_at(lo), ratio_at(hi)
    base_rate = float(model.schedule.bands[0].rate) if model.schedule.bands else 0.0
    if np.sign(f_lo) == np.sign(f_hi):
        return base_rate, None
    for _ in range(60):
        mid = (lo + hi) / 2
        f_mid = ratio_at(mid)
        if np.sign(f_mid) == np.sign(f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return base_rate, (lo + hi) / 2


# -- random numbers ------------------------------------------------------------------------------------------------

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's output function (Steele, Lea and Flood 2014), on uint64 arrays."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniforms(seed: int, stream, first: int, count: int) -> np.ndarray:
    """Uniform numbers in (0, 1) for draws ``first`` … ``first + count − 1`` of one stream.

    Draw ``k`` of stream ``s`` is ``(mix(key_s + (k + 1) × γ) >> 11 + 0.5) / 2^53``, with
    ``key_s = mix(mix(seed) + s × γ)``: the SplitMix64 sequence of that key, read at position ``k``. It
    depends only on (seed, stream, k), so draws come out the same however they are split into chunks.
    ``stream`` may be an array of streams: the result then has one row per stream.
    """
    with np.errstate(over="ignore"):
        streams = np.asarray(stream, dtype=np.uint64)
        key = _mix(_mix(np.array([seed], dtype=np.uint64))[0] + streams * _GOLDEN)
        k = np.arange(first + 1, first + count + 1, dtype=np.uint64)
        bits = _mix(key[..., None] + k * _GOLDEN) >> np.uint64(11)
    return (bits.astype(np.float64) + 0.5) / 2.0 ** 53


# -- distributions -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Distribution:
    """A probability distribution for one assumption, sampled by its inverse CDF.

    ``kind`` is one of :data:`DISTRIBUTIONS`: ``fixed`` (``value``), ``uniform`` (``low``, ``high``),
    ``triangular`` and ``pert`` (``low``, ``mode``, ``high``), ``normal`` (``mean``, ``sd``), ``lognormal``
    (``median``, ``sd_log``: the standard deviation of the log). Normal and lognormal are truncated to the
    assumption's valid range (and to ``low``/``high`` when given).
    """

    kind: str
    value: float = np.nan
    low: float = np.nan
    mode: float = np.nan
    high: float = np.nan
    mean: float = np.nan
    sd: float = np.nan
    median: float = np.nan
    sd_log: float = np.nan

    def sample(self, u: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
        """Values for uniform numbers ``u`` in (0, 1), within ``bounds``."""
        return _sample(self.kind, {f: np.float64(getattr(self, f)) for f in _PARAMS}, np.asarray(u, float), bounds)


_PARAMS = ("value", "low", "mode", "high", "mean", "sd", "median", "sd_log")


def _sample(kind: str, p: Mapping[str, np.ndarray], u: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Inverse-CDF sampling, vectorised: the parameters broadcast against ``u`` (one row of ``u`` per
    assumption, with parameters of shape ``(assumptions, 1)``, samples many assumptions of one kind at once)."""
    lo, hi = bounds
    shape = np.broadcast_shapes(u.shape, *(np.shape(v) for v in p.values()))
    if kind == "fixed":
        return np.broadcast_to(p["value"], shape).astype(float)
    if kind == "uniform":
        return p["low"] + u * (p["high"] - p["low"])
    if kind == "triangular":
        a, c, b = p["low"], p["mode"], p["high"]
        width = np.where(b > a, b - a, 1.0)
        split = (c - a) / width
        out = np.where(u < split, a + np.sqrt(u * width * (c - a)), b - np.sqrt((1 - u) * width * (b - c)))
        return np.where(b > a, out, np.broadcast_to(a, shape))
    if kind == "pert":
        from scipy.special import betaincinv

        a, c, b = p["low"], p["mode"], p["high"]
        width = np.where(b > a, b - a, 1.0)
        out = a + (b - a) * betaincinv(1 + 4 * (c - a) / width, 1 + 4 * (b - c) / width, u)
        return np.where(b > a, out, np.broadcast_to(a, shape))
    from scipy.special import ndtr, ndtri

    lo = np.where(np.isfinite(p["low"]), np.maximum(lo, p["low"]), lo)
    hi = np.where(np.isfinite(p["high"]), np.minimum(hi, p["high"]), hi)
    if kind == "normal":
        mean, sd = p["mean"], p["sd"]
        safe = np.where(sd > 0, sd, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_lo = np.where(np.isfinite(lo), ndtr((lo - mean) / safe), 0.0)
            z_hi = np.where(np.isfinite(hi), ndtr((hi - mean) / safe), 1.0)
        out = np.clip(mean + safe * ndtri(z_lo + u * (z_hi - z_lo)), lo, hi)
        return np.where(sd > 0, out, np.broadcast_to(mean, shape))
    # lognormal: ln x ~ N(ln median, sd_log)
    median, s = p["median"], p["sd_log"]
    safe = np.where(s > 0, s, 1.0)
    mu = np.log(median)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_lo = np.where(lo > 0, ndtr((np.log(np.maximum(lo, 1e-300)) - mu) / safe), 0.0)
        z_hi = np.where(np.isfinite(hi), ndtr((np.log(np.where(np.isfinite(hi), hi, 1.0)) - mu) / safe), 1.0)
    out = np.clip(np.exp(mu + safe * ndtri(z_lo + u * (z_hi - z_lo))), lo, hi)
    return np.where(s > 0, out, np.broadcast_to(median, shape))


@dataclass(frozen=True)
class Uncertain:
    """One uncertain assumption: ``assumption`` of the line at position ``line`` (None for ``inputs``, a
    multiplier of every input), drawn from ``distribution``. ``group`` names a correlated group, if any."""

    assumption: str
    line: int | None
    distribution: Distribution
    group: str | None = None


@dataclass
class MonteCarlo:
    """The result of :func:`monte_carlo`: every draw's ratio and present value, and their summaries."""

    seed: int
    draws: int
    ratios: np.ndarray = field(repr=False)
    present_values: np.ndarray = field(repr=False)
    target: float = 1.0

    def summary(self) -> dict:
        """``mean``, ``p5``, ``p50``, ``p95`` of the ratio and of the present value, ``prob_below_1`` (the
        share of draws whose ratio is below 1), ``prob_below_target``, ``seed`` and ``draws``."""
        r, pv = self.ratios, self.present_values
        q = lambda a, p: float(np.percentile(a, p))  # noqa: E731
        return {"seed": int(self.seed), "draws": int(self.draws),
                "mean": float(r.mean()), "p5": q(r, 5), "p50": q(r, 50), "p95": q(r, 95),
                "prob_below_1": float(np.mean(r < 1.0)), "target": float(self.target),
                "prob_below_target": float(np.mean(r < self.target)),
                "present_value": {"mean": float(pv.mean()), "p5": q(pv, 5), "p50": q(pv, 50), "p95": q(pv, 95)}}

    def histogram(self, bins: int = 40) -> dict:
        """Counts of the ratio in ``bins`` equal bins: ``edges`` and ``counts``."""
        counts, edges = np.histogram(self.ratios, bins=bins)
        return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def monte_carlo(model: Model, uncertain: Iterable[Uncertain], *, draws: int = DEFAULT_DRAWS, seed: int = 0,
                chunk_size: int = DEFAULT_CHUNK, correlations: Mapping[str, float] | None = None,
                target: float = 1.0) -> MonteCarlo:
    """Value the model ``draws`` times, each assumption in ``uncertain`` drawn from its distribution.

    Parameters
    ----------
    model : Model
    uncertain : iterable of Uncertain
        The uncertain assumptions; every other assumption keeps its central value.
    draws, seed : int
        How many draws, and the seed that makes them (recorded in results.json).
    chunk_size : int
        Draws valued at once. Changes memory (about ``chunk_size × lines × 80`` bytes), never the numbers.
    correlations : mapping, optional
        Group name → ρ (0 ≤ ρ < 1): the assumptions of a group share a normal factor with weight √ρ.
    target : float
        The ratio whose probability of not being reached is reported (beside 1.0).
    """
    uncertain = list(uncertain)
    if not 1 <= draws <= MAX_DRAWS:
        raise InputError(Problem(f"the number of draws must be from 1 to {MAX_DRAWS:,}, not {draws:,}",
                                 fix=f"Give a number of draws such as {DEFAULT_DRAWS:,}."))
    if chunk_size < 1:
        raise InputError(Problem(f"the chunk size must be 1 or more, not {chunk_size}"))
    ratios = np.empty(draws)
    pvs = np.empty(draws)
    for first in range(0, draws, chunk_size):
        count = min(chunk_size, draws - first)
        pv, inputs = monte_carlo_chunk(model, uncertain, seed=seed, first=first, count=count,
                                       correlations=correlations)
        pvs[first:first + count] = pv
        ratios[first:first + count] = pv / inputs
    return MonteCarlo(seed=int(seed), draws=int(draws), ratios=ratios, present_values=pvs, target=target)


def monte_carlo_chunk(model: Model, uncertain: Iterable[Uncertain], *, seed: int, first: int, count: int,
                      correlations: Mapping[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draws ``first`` … ``first + count − 1`` of :func:`monte_carlo`: each draw's present value and total inputs.

    Each uncertain assumption's uniform number for draw ``k`` is :func:`uniforms` ``(seed, stream, k)`` (its
    stream: its position in ``uncertain``), so a draw depends only on (seed, its index) and the chunks of any
    size, valued anywhere in any order, concatenate to the same arrays to the last bit. For draw ``k``::

        PV_k     = Σ_i PV_i(assumptions of draw k)              (:meth:`Model.present_value`)
        inputs_k = Σ_j input_j × DF(year_j) × m_k               (m_k: the product of the ``inputs`` multipliers
                                                                drawn, 1 without any)

    and the ratio of draw ``k`` is ``PV_k ÷ inputs_k``. A pure function of its arguments, so a Dask task running
    it may be run again (after its worker died) with the same result.

    Returns
    -------
    (present_values, inputs) : two arrays of length ``count``
    """
    uncertain = list(uncertain)
    correlations = dict(correlations or {})
    groups = sorted({u.group for u in uncertain if u.group})
    batches = _batches(uncertain, groups, correlations)
    n = model.lines
    changed = {}
    scale = np.ones(count)
    factor = _common_normals(seed, len(groups), first, count) if groups else None
    for b in batches:
        raw = uniforms(seed, b["streams"], first, count)  # (assumptions, draws)
        if b["group"] is not None:
            from scipy.special import ndtr, ndtri

            rho = b["rho"]
            raw = ndtr(np.sqrt(rho) * factor[b["group"]] + np.sqrt(1 - rho) * ndtri(raw))
        values = _sample(b["kind"], b["params"], raw, _draw_bounds(model, b))
        if b["assumption"] in WHOLE:
            values = np.clip(np.rint(values), 1, MAX_YEARS).astype(np.int64)
        if b["assumption"] == "inputs":
            scale = scale * np.prod(values, axis=0)
            continue
        if b["assumption"] not in changed:
            changed[b["assumption"]] = np.broadcast_to(getattr(model, b["assumption"]), (count, n)).copy()
        changed[b["assumption"]][:, b["lines"]] = values.T
    if changed:
        pv = model.present_value(**changed)
    else:
        pv = np.full(count, model.present_value())
    return pv, model.total_inputs(scale=scale)


def _draw_bounds(model: Model, batch: dict):
    """The valid range of a batch's draws: :func:`_bounds`, except that a disbenefit's value per unit stays below
    zero (one range per assumption of the batch, shaped to broadcast against its draws)."""
    lo, hi = _bounds(batch["assumption"])
    if batch["assumption"] != "value":
        return lo, hi
    harm = (model.value[batch["lines"]] < 0)[:, None]
    return np.where(harm, -np.inf, lo), np.where(harm, 0.0, hi)


def _common_normals(seed: int, groups: int, first: int, count: int) -> np.ndarray:
    """One standard normal factor per correlated group and draw (streams 1,000,000 onwards)."""
    from scipy.special import ndtri

    return ndtri(uniforms(seed, np.arange(1_000_000, 1_000_000 + groups), first, count))


def _batches(uncertain: list, groups: list, correlations: Mapping) -> list[dict]:
    """The uncertain assumptions grouped by (assumption, distribution, correlated group), each group sampled at
    once. Each assumption keeps its stream (its position in ``uncertain``), so grouping changes no number."""
    keyed: dict[tuple, list] = {}
    for stream, u in enumerate(uncertain):
        keyed.setdefault((u.assumption, u.distribution.kind, u.group), []).append((stream, u))
    out = []
    for (assumption, kind, group), items in keyed.items():
        out.append({"assumption": assumption, "kind": kind,
                    "group": None if group is None else groups.index(group),
                    "rho": float(correlations.get(group, 0.0)) if group else 0.0,
                    "streams": np.array([s for s, _ in items], dtype=np.uint64),
                    "lines": np.array([u.line if u.line is not None else -1 for _, u in items], dtype=np.int64),
                    "params": {f: np.array([float(getattr(u.distribution, f)) for _, u in items])[:, None]
                               for f in _PARAMS}})
    return out


# -- scenarios -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    """A named set of changes, valued beside the central case.

    ``lines`` maps a line's position to absolute values (``{"quantity": 40, "deadweight": 0.3}``);
    ``quantity_change`` and ``value_change`` scale every line (−0.2 for 20% less); ``adjustments_change`` adds
    percentage points (0.1 for +10) to every line's deadweight, displacement and attribution, and
    ``drop_off_change`` to its drop-off, clipped to 0–100%; ``inputs_change`` scales every input (0.24 for
    +24%, an optimism-bias uplift); ``without_inputs`` leaves out the inputs at those positions (in-kind
    contributions, say); ``discounting`` values it with another schedule (``reduced-rate``).
    """

    name: str
    description: str = ""
    lines: Mapping[int, Mapping[str, float]] = field(default_factory=dict)
    quantity_change: float = 0.0
    value_change: float = 0.0
    adjustments_change: float = 0.0
    drop_off_change: float = 0.0
    inputs_change: float = 0.0
    without_inputs: tuple[int, ...] = ()
    discounting: str | None = None

    def apply(self, model: Model) -> Model:
        """The model with this scenario's changes."""
        changed = {name: getattr(model, name).copy() for name in LINE_ASSUMPTIONS}
        changed["quantity"] = changed["quantity"] * (1 + self.quantity_change)
        changed["value"] = changed["value"] * (1 + self.value_change)
        for name in ("deadweight", "displacement", "attribution"):
            changed[name] = np.clip(changed[name] + self.adjustments_change, 0.0, 1.0)
        changed["drop_off"] = np.clip(changed["drop_off"] + self.drop_off_change, 0.0, 1.0)
        for i, values in self.lines.items():
            for name, v in values.items():
                changed[name][i] = v
        keep = np.ones(len(model.input_values), dtype=bool)
        keep[list(self.without_inputs)] = False
        schedule = model.schedule if self.discounting is None else _with_convention(
            parse_discounting(self.discounting), model)
        return replace(model, **changed, input_values=model.input_values[keep] * (1 + self.inputs_change),
                       input_years=model.input_years[keep], schedule=schedule)


def run_scenarios(model: Model, scenarios: Iterable[Scenario]) -> pd.DataFrame:
    """The central case and each scenario side by side: ``scenario``, ``description``, ``present_value``,
    ``total_inputs``, ``sroi_ratio``, ``npv``."""
    rows = [{"scenario": "central", "description": "the valuation as given", "present_value": model.present_value(),
             "total_inputs": model.total_inputs()}]
    for s in scenarios:
        m = s.apply(model)
        inputs = m.total_inputs()
        rows.append({"scenario": s.name, "description": s.description, "present_value": m.present_value(),
                     "total_inputs": inputs})
    frame = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["sroi_ratio"] = frame["present_value"] / frame["total_inputs"]
    frame["npv"] = frame["present_value"] - frame["total_inputs"]
    return frame
