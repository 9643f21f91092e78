"""A contract's uncertainty analysis: what the parameters ask for, and everything it gives.

:class:`UncertaintySpec` is the parameters' ``uncertainty`` and ``scenarios`` sections, read and checked
(:func:`parse_uncertainty`); :func:`analyse` runs the core (:mod:`sroi_lib.core.uncertainty`) on a valuation
and returns an :class:`Analysis`: one-way sensitivity, the tornado, tipping points, the Monte Carlo range and
the scenarios side by side, with a sentence a cabinet member can read, and ``to_dict`` for results.json and
``sroi sensitivity --json``. :func:`save_scenario` writes a named scenario into the file beside the
parameters, ``<stem>.scenarios.yaml``, which the contract reads with them.

The format (docs/uncertainty.md)::

    uncertainty:
      target_ratio: 1             # tipping points reach this ratio (default 1)
      sensitivity:                # one-way ranges (the defaults shown)
        quantity: 25%
        value: 25%
        adjustments: 15%          # percentage points
        duration: 25%
        start_year: 1             # whole years
        inputs: 25%
        discounting: [reduced-rate]
      monte_carlo:
        draws: 10000
        seed: 20261130
        chunk_size: 1000
        correlations: {falls: 0.6}        # group name -> rho in [0, 1)
        distributions:
          - row: 2                        # the impact map's row, as the spreadsheet shows it
            quantity: {distribution: triangular, low: 40, mode: 60, high: 70}
            deadweight: {distribution: pert, low: 20%, mode: 30%, high: 45%, group: falls}
          - inputs: {distribution: triangular, low: 100%, mode: 100%, high: 124%}  # a multiplier of every input
    scenarios:
      pessimistic: {quantity_change: -20%, adjustments_change: 10%}
      without in-kind inputs: {without_inputs: [3]}          # rows of the inputs file
      Green Book lower rates: {discounting: reduced-rate}
      optimism bias: {optimism_bias: standard-buildings}
      what-if: {lines: {2: {quantity: 45, deadweight: 35%}}}   # rows of the impact map

Percentages are read as everywhere in sroi (:func:`~sroi_lib.io.cells.parse_fraction`): ``25%`` or
``0.25``, never a bare ``25``. Every problem is reported at once, each naming the file, its line and, as its
key, the parameter's path: ``lcc.yaml, line 14, key 'uncertainty → monte_carlo → distributions → item 1 →
deadweight': low 45% is above high 30%``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import yaml

from ..core.quoting import shown
from ..core.records import json_records
from ..core.uncertainty import (Model, MonteCarlo, assumption_label, monte_carlo, one_way, run_scenarios,
                                tipping_points, tornado)
from ..errors import InputError, Problem
from ..paths import parse_yaml
from .params import load_params
from .uncertainty_spec import (DEFAULT_SEED, MAX_CHUNK, MAX_MULTIPLIER, MAX_SEED, OPTIMISM_BIAS_FILE, SCENARIOS_SUFFIX,
                               UncertaintySpec, is_scenarios_file, parse_scenarios_file, parse_uncertainty,
                               scenarios_file_for, yaml_lines)

__all__ = ["UncertaintySpec", "Analysis", "analyse", "parse_uncertainty", "contract_spec", "save_scenario",
           "scenarios_file_for", "is_scenarios_file", "yaml_lines", "DEFAULT_SEED", "TORNADO_SIZE", "MAX_CHUNK",
           "MAX_SEED", "MAX_MULTIPLIER", "MAX_CHUNK_CELLS", "SCENARIOS_SUFFIX", "OPTIMISM_BIAS_FILE"]

TORNADO_SIZE = 10
MAX_CHUNK_CELLS = 2_000_000  # draws × lines valued at once (about 160 MB); a larger chunk is cut to fit


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
        verb = "fall" if r.direction == "falls" else "rise"
        return f"the inputs {verb} to £{r.tipping:,.0f} (from £{float(r.base):,.0f})"
    if r.assumption == "discount_rate":
        return f"the discount rate {r.direction} to {r.tipping:.1%}"
    where = f"row {int(r.row)}" if r.row is not None and not pd.isna(r.row) else ""
    if r.assumption in ("deadweight", "displacement", "attribution", "drop_off"):
        value, base = f"{r.tipping:.0%}", f"{float(r.base):.0%}"
    elif r.assumption in ("duration", "start_year"):
        value, base = f"{r.tipping:.0f}", f"{float(r.base):.0f}"
    elif r.assumption == "value":  # pounds a unit; a disbenefit's below zero: -£61.67
        value, base = (f"{'-' if x < 0 else ''}£{abs(x):,.2f}" for x in (r.tipping, float(r.base)))
    else:  # a count: whole above 1,000 (208,908, not 2.089e+05), else four significant figures
        value, base = (f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.4g}" for x in (r.tipping, float(r.base)))
    verb = "falls below" if r.direction == "falls" else "rises above"
    return f"the {what} of {where} {verb} {value} (from {base})"


def analyse(model: Model, spec: UncertaintySpec | None = None, *, monte_carlo_draws: bool = True) -> Analysis:
    """Run one-way sensitivity, tipping points, the Monte Carlo (when the spec gives distributions and
    ``monte_carlo_draws``) and the scenarios on a model (:meth:`Model.from_valuation`)."""
    spec = spec or UncertaintySpec()
    mc = None
    if spec.uncertain and monte_carlo_draws:
        # the chunk is cut to MAX_CHUNK_CELLS draws × lines on a large map: memory changes, never the numbers
        chunk = max(1, min(spec.chunk_size, MAX_CHUNK_CELLS // max(1, model.lines)))
        mc = monte_carlo(model, spec.uncertain, draws=spec.draws, seed=spec.seed, chunk_size=chunk,
                         correlations=spec.correlations, target=spec.target)
    analysis = Analysis(spec=spec, base_ratio=float(model.ratio()), base_present_value=float(model.present_value()),
                        sensitivity=one_way(model, spec.ranges), tipping=tipping_points(model, spec.target),
                        scenarios=run_scenarios(model, spec.scenarios), monte_carlo=mc)
    _check_finite(analysis)
    return analysis


def _check_finite(analysis: Analysis) -> None:
    """Refuse figures too large to hold (a distribution or scenario drawing quantities of 1e300, say): they
    would be infinite in results.json."""
    found = []
    frames = {"one-way sensitivity": analysis.sensitivity[["ratio_low", "ratio_high"]],
              "scenarios": analysis.scenarios[["present_value", "total_inputs", "sroi_ratio"]]}
    for what, frame in frames.items():
        if not np.isfinite(frame.to_numpy(dtype=float)).all():
            found.append(what)
    mc = analysis.monte_carlo
    if mc is not None and not (np.isfinite(mc.ratios).all() and np.isfinite(mc.present_values).all()):
        found.append("the Monte Carlo draws")
    if found:
        raise InputError(Problem(f"{' and '.join(found)} gave figures too large to hold (the present value or the "
                                 "ratio overflowed)", fix="Check the uncertainty and scenarios sections for a "
                                 "figure far beyond any real one, such as a quantity of 1e300."))


# -- the contract's spec, and scenarios saved beside the parameters ------------------------------------------------

def contract_spec(params, valuation, overrides: Mapping | None = None) -> UncertaintySpec:
    """The uncertainty spec of a contract: its parameters' sections and its saved scenarios
    (:func:`scenarios_file_for`), checked against the valued map's rows and the inputs' rows.

    ``params`` is a :class:`~sroi_lib.reports.params.ContractParams`; ``overrides`` may set ``draws``,
    ``seed``, ``chunk_size`` and ``target`` (the command line's options).

    Raises
    ------
    InputError
        Every problem in either file.
    """
    lines, inputs = valuation.lines, valuation.inputs
    rows = [int(x) if pd.notna(x) else i + 2 for i, x in enumerate(lines["row"])]
    input_rows = [int(x) if pd.notna(x) else i + 2 for i, x in enumerate(inputs["row"])]
    losses = [row for row, loss in zip(rows, lines["disbenefit"]) if loss] if "disbenefit" in lines else []
    common = {"impact_map_rows": rows, "input_rows": input_rows, "input_values": inputs["value"].tolist(),
              "disbenefit_rows": losses}
    problems: list[Problem] = []
    spec, saved = UncertaintySpec(), None
    try:
        spec = parse_uncertainty({"uncertainty": params.uncertainty, "scenarios": params.scenarios},
                                 params_file=params.path, **common)
    except InputError as exc:
        problems += exc.problems
    if params.scenarios_file is not None:
        try:
            saved = parse_scenarios_file(params.saved_scenarios, scenarios_file=params.scenarios_file, **common)
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    if saved is not None:
        spec = replace(spec, scenarios=spec.scenarios + saved.scenarios, files={**spec.files, **saved.files})
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    return replace(spec, **overrides)


def save_scenario(params_file, name: str, scenario: Mapping, *, replace: bool = False, impact_map_rows=None,
                  input_rows=None, input_values=None) -> Path:
    """Save a named scenario in the file beside the parameters (``<stem>.scenarios.yaml``), so a what-if becomes
    part of the recorded analysis: the contract reads it with its parameters, the manifest hashes it and
    ``sroi audit`` covers it.

    The scenario is checked with the parameters' own reader first (its rows against the impact map and the
    inputs file, which are read unless their rows are given), then the whole file is written at once
    (:func:`~sroi_lib.io.safe.write_atomically`): nothing is written when anything is wrong.

    Parameters
    ----------
    params_file : str or Path
        The contract's parameters file.
    name : str
        The scenario's name; one already in the file is refused unless ``replace``. A name the parameters
        file itself gives is always refused (it is changed there).
    scenario : mapping
        As in the parameters' ``scenarios`` section: ``{"lines": {2: {"quantity": 45}}, "description": ...}``.

    Returns
    -------
    Path
        The scenarios file.
    """
    from ..io.safe import write_atomically

    params = load_params(params_file)  # the parameters, and any scenarios already saved, are checked
    target = scenarios_file_for(params.path)
    label = str(target)
    key = _plain(name)
    where = {"file": label, "fix": "Choose another name."}
    if isinstance(key, str) and key.strip() in params.scenarios:
        raise InputError(Problem(f"the scenario {shown(key)} is given in the parameters file "
                                 f"{params.path.name}; change it there", **where))
    if isinstance(key, str) and key.strip() in params.saved_scenarios and not replace:
        raise InputError(Problem(f"the scenario {shown(key)} is saved already",
                                 file=label, fix="Choose another name, or replace it."))
    if impact_map_rows is None or input_rows is None:
        from ..io.impact_map import read_map_and_inputs
        from ..proxies.library import library_with

        frame, costs = read_map_and_inputs(params.impact_map, params.inputs, proxies=library_with(params.proxies))
        impact_map_rows, input_rows = frame["row"].tolist(), costs["row"].tolist()
        input_values = costs["value"].tolist()
    merged = {k: v for k, v in params.saved_scenarios.items()}
    merged[key.strip() if isinstance(key, str) else key] = _plain(dict(scenario))
    text = (f"# Scenarios of {params.path.name}, valued beside its central case (docs/uncertainty.md).\n"
            "# Written by sroi; the same shape as the parameters' 'scenarios' section.\n"
            + yaml.safe_dump(merged, sort_keys=False, allow_unicode=True, width=100))
    data = parse_yaml(text, label, "scenarios file")
    parse_scenarios_file(data, scenarios_file=label, text=text.encode("utf-8"), impact_map_rows=impact_map_rows,
                         input_rows=input_rows, input_values=input_values)
    return write_atomically(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), what="scenarios file")


def _plain(value):
    """A value as plain YAML can hold it: NumPy numbers as Python numbers, tuples as lists."""
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
