"""A contract's uncertainty analysis: what the parameters ask for, and everything it gives.

:class:`UncertaintySpec` is the parameters' ``uncertainty`` and ``scenarios`` sections, read and checked
(:func:`parse_uncertainty`); :func:`analyse` runs the core (:mod:`sroi_lib.core.uncertainty`) on a valuation
and returns an :class:`Analysis`: one-way sensitivity, the tornado, tipping points, the Monte Carlo range and
the scenarios side by side, with a sentence a cabinet member can read, and ``to_dict`` for results.json and
``sroi sensitivity --json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from ..core.records import json_records
from ..core.uncertainty import (DEFAULT_CHUNK, DEFAULT_DRAWS, DEFAULT_RANGES, Model, MonteCarlo, Scenario, Uncertain,
                                assumption_label, monte_carlo, one_way, run_scenarios, tipping_points, tornado)

__all__ = ["UncertaintySpec", "Analysis", "analyse", "DEFAULT_SEED", "TORNADO_SIZE"]

DEFAULT_SEED = 20261130
TORNADO_SIZE = 10


@dataclass(frozen=True)
class UncertaintySpec:
    """What to run: the target ratio, the one-way ranges, the Monte Carlo's distributions and settings, and the
    scenarios. The default runs one-way sensitivity and tipping points with :data:`DEFAULT_RANGES` and no
    Monte Carlo (no distributions given)."""

    target: float = 1.0
    ranges: Mapping = field(default_factory=lambda: dict(DEFAULT_RANGES))
    uncertain: tuple[Uncertain, ...] = ()
    correlations: Mapping[str, float] = field(default_factory=dict)
    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    chunk_size: int = DEFAULT_CHUNK
    scenarios: tuple[Scenario, ...] = ()


@dataclass
class Analysis:
    """Everything :func:`analyse` found for one valuation."""

    spec: UncertaintySpec
    base_ratio: float
    base_present_value: float
    sensitivity: pd.DataFrame
    tipping: pd.DataFrame
    scenarios: pd.DataFrame
    monte_carlo: MonteCarlo | None = None

    @property
    def tornado(self) -> pd.DataFrame:
        """The :data:`TORNADO_SIZE` assumptions that move the ratio most."""
        return tornado(self.sensitivity, TORNADO_SIZE)

    def sentence(self) -> str:
        """One plain sentence: where the ratio stays, and what would take it to the target.

        ``"The ratio of 1.90 : 1 stays above 1 unless the quantity of row 2 falls below 7.2 (from 60), ...;
        in 10,000 draws it is between 1.45 and 2.31 nine times in ten."``
        """
        t = self.spec.target
        above = self.base_ratio >= t
        tips = self.tipping[~self.tipping["never"]].copy()
        if not tips.empty:  # the nearest tipping points, relative to their own base
            base = tips["base"].astype(float).abs().replace(0, np.nan)
            tips["distance"] = ((tips["tipping"] - tips["base"].astype(float)).abs() / base).fillna(np.inf)
            tips = tips.sort_values("distance", kind="stable").head(3)
        parts = [_tip_text(r) for r in tips.itertuples()]
        head = f"The ratio of {self.base_ratio:,.2f} : 1 "
        if above:
            head += (f"stays above {t:g} unless " + "; or ".join(parts) if parts
                     else f"stays above {t:g} whatever any one assumption does within its valid range")
        else:
            head += (f"stays below {t:g} unless " + "; or ".join(parts) if parts
                     else f"stays below {t:g} whatever any one assumption does within its valid range")
        if self.monte_carlo is not None:
            s = self.monte_carlo.summary()
            head += (f". In {s['draws']:,} draws of the uncertain assumptions it is between {s['p5']:,.2f} and "
                     f"{s['p95']:,.2f} nine times in ten, and below 1 in {s['prob_below_1']:.0%} of draws")
        return head + "."

    def to_dict(self) -> dict:
        """JSON-ready: ``target``, ``tipping_points``, ``tornado``, ``sensitivity``, ``monte_carlo`` (with
        ``p5``, ``p50``, ``p95``, ``mean``, ``prob_below_1``, ``seed``, ``draws`` and a ``histogram``; None
        without distributions), ``scenarios`` and ``sentence``."""
        mc = None
        if self.monte_carlo is not None:
            mc = {**self.monte_carlo.summary(), "chunk_size": int(self.spec.chunk_size),
                  "histogram": self.monte_carlo.histogram()}
        return {"target": float(self.spec.target), "base_ratio": float(self.base_ratio),
                "tipping_points": json_records(self.tipping), "tornado": json_records(self.tornado),
                "sensitivity": json_records(self.sensitivity), "monte_carlo": mc,
                "scenarios": json_records(self.scenarios), "sentence": self.sentence()}


def _tip_text(r) -> str:
    what = assumption_label(r.assumption)
    if r.assumption == "inputs":
        return f"the inputs {r.direction} to £{r.tipping:,.0f} (from £{float(r.base):,.0f})"
    if r.assumption == "discount_rate":
        return f"the discount rate {r.direction} to {r.tipping:.1%}"
    where = f"row {int(r.row)}" if r.row is not None and not pd.isna(r.row) else ""
    if r.assumption in ("deadweight", "displacement", "attribution", "drop_off"):
        value, base = f"{r.tipping:.0%}", f"{float(r.base):.0%}"
    elif r.assumption in ("duration", "start_year"):
        value, base = f"{r.tipping:.0f}", f"{float(r.base):.0f}"
    else:
        value, base = f"{r.tipping:,.4g}", f"{float(r.base):,.4g}"
    verb = "falls below" if r.direction == "falls" else "rises above"
    return f"the {what} of {where} {verb} {value} (from {base})"


def analyse(model: Model, spec: UncertaintySpec | None = None, *, monte_carlo_draws: bool = True) -> Analysis:
    """Run one-way sensitivity, tipping points, the Monte Carlo (when the spec gives distributions and
    ``monte_carlo_draws``) and the scenarios on a model (:meth:`Model.from_valuation`)."""
    spec = spec or UncertaintySpec()
    mc = None
    if spec.uncertain and monte_carlo_draws:
        mc = monte_carlo(model, spec.uncertain, draws=spec.draws, seed=spec.seed, chunk_size=spec.chunk_size,
                         correlations=spec.correlations, target=spec.target)
    return Analysis(spec=spec, base_ratio=float(model.ratio()), base_present_value=float(model.present_value()),
                    sensitivity=one_way(model, spec.ranges), tipping=tipping_points(model, spec.target),
                    scenarios=run_scenarios(model, spec.scenarios), monte_carlo=mc)
