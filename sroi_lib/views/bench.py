"""The what-if bench: move a contract's assumptions and watch the SROI ratio, its tornado and its range.

:class:`Bench` holds a contract's :class:`~sroi_lib.core.uncertainty.Model` (its valuation as arrays, built
once) and the analyst's changes: each line's quantity, deadweight, displacement, attribution and drop-off,
and the discount schedule. :meth:`Bench.results` values the changed model again, with no file read::

    ratio = Σ_i PV_i(changed) ÷ Σ_j input_j × DF(year_j)        (the valuation's formulas, docs/method.md)

and gives the one-way sensitivity of the changed model (the ten assumptions that move it most, as in the
report) and, when the contract's parameters give distributions, its Monte Carlo range (5th to 95th
percentile) from :data:`BENCH_DRAWS` draws, fewer than the report's, for speed.

:func:`scenario_mapping` writes the changes as a named scenario in the parameters' ``scenarios`` shape
(``{lines: {ROW: {quantity: 45, deadweight: "35%"}}, discounting: health}``, rows as the spreadsheet
shows them), and :meth:`Bench.save` hands it to ``sroi_lib.reports.uncertainty.save_scenario``, which
writes it beside the parameters so the next report values it and its manifest records it.

:func:`build_bench` and :func:`what_if_bench` are the ipywidgets controls of
``notebooks/explore_outcomes.ipynb``; they only call :class:`Bench`. See docs/what-if.md.

:func:`explore_map` and :func:`proxies_used` are what ``notebooks/explore_impact_map.ipynb`` calls: a map
valued as ``sroi value`` values it (the shipped proxy library, and the user's own merged over it).

References
----------
HM Treasury (2022). The Green Book, Annex A5 (sensitivity analysis and switching values).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..core.discounting import DiscountSchedule, parse_discounting
from ..core.frameworks import DEFAULT_FRAMEWORK
from ..core.settings import DEFAULT_DISCOUNTING
from ..core.uncertainty import ADJUSTMENTS, LINE_ASSUMPTIONS, Model, assumption_label, monte_carlo, one_way, tornado
from ..errors import InputError, Problem, SroiError
from ..paths import data_dir, notebooks_dir
from ..reports.uncertainty import TORNADO_SIZE, UncertaintySpec
from .formatting import assumption_value, html_text, money, percent, ratio

__all__ = ["Bench", "scenario_mapping", "contract_spec", "build_bench", "what_if_bench", "contract_choices",
           "tornado_html", "figures_html", "parameters_dir", "BENCH_ASSUMPTIONS", "SCHEDULES", "BENCH_DRAWS",
           "MAX_SHOWN", "QUANTITY_SPAN", "explore_map", "proxies_used", "EXPLORE_EXAMPLE"]

BENCH_ASSUMPTIONS = ("quantity", "deadweight", "displacement", "attribution", "drop_off")  # a slider each
SCHEDULES = ("green-book", "health", "reduced-rate", "none", "3.5%")  # the discount schedules offered
BENCH_DRAWS = 2_000  # Monte Carlo draws on the bench (the report uses the parameters' draws, 10,000 by default)
MAX_SHOWN = 50  # lines with sliders; the figures always include every line
QUANTITY_SPAN = 3  # a quantity's slider runs from 0 to 3 × the contract's quantity
DEFAULT_CONTRACT = "lcc-housing-retrofit.yaml"  # opened when no parameters file is given
EXPLORE_EXAMPLE = "lcc-care-at-home"  # the map explore_impact_map.ipynb values when none is given (it uses proxies)


def parameters_dir() -> Path:
    """The example contracts' parameters: ``parameters/`` in the repository."""
    return notebooks_dir().parent / "parameters"


def contract_spec(run) -> UncertaintySpec | None:
    """The uncertainty settings of a contract (:class:`~sroi_lib.reports.contract.ContractRun`): the spec its
    analysis was run with, when its parameters give distributions, else None (the bench then uses the default
    one-way ranges and shows no Monte Carlo range)."""
    analysis = getattr(run, "uncertainty", None)
    spec = getattr(analysis, "spec", None)
    return spec if isinstance(spec, UncertaintySpec) and spec.uncertain else None


def _number(x: float):
    """A quantity as written in YAML: a whole number without ``.0``, else at most 12 significant figures."""
    x = float(f"{float(x):.12g}")
    return int(x) if x.is_integer() else x


def _percent_text(x: float) -> str:
    """A fraction as the parameters write a percentage: ``0.35`` → ``"35%"``, ``0.355`` → ``"35.5%"``."""
    return f"{float(x) * 100:.10g}%"


def scenario_mapping(model: Model, changes: Mapping[int, Mapping[str, float]], schedule_name: str | None) -> dict:
    """The bench's settings as a scenario of the parameters: only what differs from the contract.

    Parameters
    ----------
    model : Model
        The contract's model (its own values are the reference).
    changes : mapping
        Line position (0 for the map's first line) → ``{assumption: value}``, adjustments as fractions.
    schedule_name : str or None
        The discount schedule chosen (``green-book``, ``health``, ``reduced-rate``, ``none``, ``3.5%``).

    Returns
    -------
    dict
        ``{"lines": {row: {assumption: value}}, "discounting": name}``: ``row`` is the impact map's row as the
        spreadsheet shows it; a line appears only if one of its assumptions differs from the contract's, and
        within it only those that differ; deadweight, displacement, attribution and drop-off are written as
        percentages (``"35%"``), quantities as numbers, duration and start year as whole numbers;
        ``discounting`` appears only when the schedule differs from the contract's. Empty when nothing is
        changed.

    Examples
    --------
    Given a one-line model whose quantity is 60 and deadweight 30%, ``{0: {"quantity": 45, "deadweight": 0.35}}``
    gives ``{"lines": {2: {"quantity": 45, "deadweight": "35%"}}}``.
    """
    lines: dict[int, dict] = {}
    for position in sorted(changes):
        entry = {}
        for assumption in LINE_ASSUMPTIONS:
            if assumption not in changes[position]:
                continue
            new = float(changes[position][assumption])
            if new == float(getattr(model, assumption)[position]):
                continue
            if assumption in ADJUSTMENTS:
                entry[assumption] = _percent_text(new)
            elif assumption in ("duration", "start_year"):
                entry[assumption] = int(round(new))
            else:
                entry[assumption] = _number(new)
        if entry:
            lines[int(model.rows[position])] = entry
    out: dict = {}
    if lines:
        out["lines"] = lines
    if schedule_name is not None and schedule_name != model.schedule.name:
        out["discounting"] = schedule_name
    return out


class Bench:
    """A contract's model and the analyst's changes to it; every figure recomputed from the model.

    Parameters
    ----------
    model : Model
        The contract's valuation as arrays (:meth:`Model.from_valuation`), built once.
    spec : UncertaintySpec, optional
        The contract's one-way ranges, target, distributions and seed (default: the default ranges, no
        distributions, so no range).
    params_file : path, optional
        The contract's parameters, beside which :meth:`save` writes a scenario.
    draws : int
        Monte Carlo draws for the range (:data:`BENCH_DRAWS`, or the parameters' own if fewer).
    """

    def __init__(self, model: Model, spec: UncertaintySpec | None = None, *, params_file: str | Path | None = None,
                 draws: int = BENCH_DRAWS):
        self.model = model
        self.spec = spec or UncertaintySpec()
        self.params_file = Path(params_file) if params_file else None
        self.draws = int(min(draws, self.spec.draws))
        self.changes: dict[int, dict[str, float]] = {}
        self.schedule: DiscountSchedule = model.schedule

    @classmethod
    def from_run(cls, run, **kwargs) -> "Bench":
        """The bench of a loaded contract (:func:`~sroi_lib.reports.contract.load_contract`)."""
        return cls(Model.from_valuation(run.valuation), contract_spec(run), params_file=run.params.path, **kwargs)

    # -- the settings --------------------------------------------------------------------------------------------

    def set(self, line: int, assumption: str, value: float) -> None:
        """Set one line's assumption (``line``: its position, 0 for the map's first line; adjustments as
        fractions, 0.35 for 35%). Setting the contract's own value clears the change."""
        if not (isinstance(line, (int, np.integer)) and 0 <= line < self.model.lines):
            raise InputError(Problem(f"there is no line {line} on the bench: the map has {self.model.lines} lines, "
                                     f"numbered 0 to {self.model.lines - 1}"))
        if assumption not in BENCH_ASSUMPTIONS:
            raise InputError(Problem(f"'{assumption}' is not an assumption of the bench",
                                     fix=f"Use one of: {', '.join(BENCH_ASSUMPTIONS)}."))
        value = float(value)
        low, high = (0.0, 1.0) if assumption in ADJUSTMENTS else (0.0, math.inf)
        if not (low <= value <= high):
            shown = percent(value, 1) if assumption in ADJUSTMENTS else f"{value:,}"
            raise InputError(Problem(f"the {assumption_label(assumption)} of row {self.model.rows[line]} cannot be "
                                     f"{shown}", fix="Give a percentage from 0% to 100%." if high == 1.0 else
                                     "Give a quantity of 0 or more."))
        line = int(line)
        entry = self.changes.setdefault(line, {})
        if value == float(getattr(self.model, assumption)[line]):
            entry.pop(assumption, None)
        else:
            entry[assumption] = value
        if not entry:
            del self.changes[line]

    def set_schedule(self, name: str) -> None:
        """Value with another discount schedule (a name of :data:`SCHEDULES`, or a rate such as ``3.5%``),
        keeping the contract's convention for year 1 (discounted or not)."""
        s = parse_discounting(name)
        if s.first_year_discounted != self.model.schedule.first_year_discounted:
            s = replace(s, first_year_discounted=self.model.schedule.first_year_discounted)
        self.schedule = self.model.schedule if s.name == self.model.schedule.name else s

    def reset(self) -> None:
        """Back to the contract's own values and schedule."""
        self.changes.clear()
        self.schedule = self.model.schedule

    # -- the figures ---------------------------------------------------------------------------------------------

    def current(self) -> Model:
        """The contract's model with the bench's changes (:meth:`Model.with_changes`)."""
        arrays: dict[str, np.ndarray] = {}
        for line, values in self.changes.items():
            for assumption, v in values.items():
                if assumption not in arrays:
                    arrays[assumption] = getattr(self.model, assumption).copy()
                arrays[assumption][line] = v
        if self.schedule is not self.model.schedule:
            arrays["schedule"] = self.schedule
        return self.model.with_changes(**arrays) if arrays else self.model

    def mapping(self) -> dict:
        """The settings as a scenario of the parameters (:func:`scenario_mapping`)."""
        return scenario_mapping(self.model, self.changes, self.schedule.name)

    def results(self) -> dict:
        """Every figure of the bench, recomputed from the model.

        Returns
        -------
        dict
            ``ratio`` and ``pv`` (present value) and ``inputs`` (discounted) of the changed model;
            ``tornado``: the :data:`TORNADO_SIZE` assumptions that move its ratio most (:func:`one_way` with
            the contract's ranges); ``range``: None when the contract gives no distributions, else the Monte
            Carlo ``p5``, ``p50``, ``p95``, ``prob_below_1``, ``draws``, ``seed`` and ``held`` (how many of
            the contract's uncertain assumptions the bench holds at the analyst's value, because they were
            set on the bench); ``schedule``: the discount schedule used.
        """
        m = self.current()
        pv = m.present_value()
        inputs = m.total_inputs()
        out = {"ratio": pv / inputs, "pv": pv, "inputs": inputs, "schedule": m.schedule,
               "tornado": tornado(one_way(m, self.spec.ranges), TORNADO_SIZE), "range": None}
        if self.spec.uncertain:
            drawn = [u for u in self.spec.uncertain
                     if u.line is None or u.assumption not in self.changes.get(u.line, {})]
            mc = monte_carlo(m, drawn, draws=self.draws, seed=self.spec.seed, chunk_size=self.draws,
                             correlations=self.spec.correlations, target=self.spec.target)
            s = mc.summary()
            out["range"] = {k: s[k] for k in ("p5", "p50", "p95", "prob_below_1", "draws", "seed")}
            out["range"]["held"] = len(self.spec.uncertain) - len(drawn)
        return out

    # -- saving --------------------------------------------------------------------------------------------------

    def save(self, name: str) -> str:
        """Save the settings as the scenario ``name`` beside the contract's parameters, with
        ``sroi_lib.reports.uncertainty.save_scenario``; a plain sentence saying what happened (saved, or why
        not)."""
        name = (name or "").strip()
        if not name:
            return "Not saved: give the scenario a name first."
        if self.params_file is None:
            return "Not saved: this bench was not opened from a contract's parameters file."
        mapping = self.mapping()
        if not mapping:
            return ("Not saved: nothing differs from the contract yet. Move a slider or choose another discount "
                    "schedule.")
        try:
            from ..reports.uncertainty import save_scenario
        except ImportError:
            import yaml

            return ("Not saved: this version of sroi cannot save scenarios yet (sroi_lib.reports.uncertainty has "
                    "no save_scenario). Copy these lines under 'scenarios:' in the parameters by hand:\n"
                    + yaml.safe_dump({name: mapping}, sort_keys=False, allow_unicode=True))
        try:
            written = save_scenario(self.params_file, name, mapping)
        except SroiError as exc:
            return f"Not saved: {exc}"
        where = Path(written).name if isinstance(written, (str, Path)) else f"{self.params_file.stem}.scenarios.yaml"
        return (f"Saved the scenario '{name}' in {where}, beside {self.params_file.name}. The contract's next "
                "report values it beside the others, and its manifest records the file for `sroi audit`.")


# -- what the widgets show -----------------------------------------------------------------------------------------

def _shown(assumption: str, x) -> str:
    """A value of an assumption as the tornado shows it (escaped: a schedule's name may come from a file)."""
    return html_text(assumption_value(assumption, x))


def tornado_html(frame: pd.DataFrame, base_ratio: float) -> str:
    """A small tornado as HTML: one bar per assumption from the ratio at its low value to the ratio at its
    high value, on a common scale, with the central ratio marked (every label escaped: labels come from the
    user's impact map)."""
    if frame.empty:
        return "<p>No assumption moves the ratio.</p>"
    ends = np.concatenate([frame["ratio_low"].to_numpy(float), frame["ratio_high"].to_numpy(float), [base_ratio]])
    ends = ends[np.isfinite(ends)]
    lo, hi = float(ends.min()), float(ends.max())
    span = (hi - lo) or 1.0
    pos = lambda r: min(max((r - lo) / span * 100, 0.0), 100.0)  # noqa: E731
    rows = []
    for r in frame.itertuples():
        a, b = sorted([r.ratio_low, r.ratio_high])
        left, width = pos(a), max(pos(b) - pos(a), 0.5)
        name = "discount schedule" if r.assumption == "discounting" else (
            "all inputs" if r.assumption == "inputs" else f"{assumption_label(r.assumption)}, {r.label}")
        bar = (f'<div style="position:relative;height:12px;width:220px;background:#eee">'
               f'<div style="position:absolute;left:{left:.1f}%;width:{width:.1f}%;height:100%;background:#4c72b0">'
               f'</div><div style="position:absolute;left:{pos(base_ratio):.1f}%;width:1px;height:100%;'
               f'background:#000"></div></div>')
        rows.append(f"<tr><td>{html_text(name)}</td><td>{_shown(r.assumption, r.low)} → {r.ratio_low:,.2f}</td>"
                    f"<td>{bar}</td><td>{_shown(r.assumption, r.high)} → {r.ratio_high:,.2f}</td></tr>")
    head = ("<tr><th>Assumption</th><th>Low value → ratio</th>"
            f"<th>{lo:,.2f} … {hi:,.2f} (line: {base_ratio:,.2f})</th><th>High value → ratio</th></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def figures_html(bench: Bench, results: dict, base: dict) -> str:
    """The headline figures of the bench beside the contract's own, and the range in words."""
    s = results["schedule"]
    text = (f"<p><b>SROI ratio {ratio(results['ratio'])}</b> (the contract: {ratio(base['ratio'])}) · "
            f"present value {money(results['pv'], pence=False)} (the contract: {money(base['pv'], pence=False)}) · "
            f"inputs {money(results['inputs'], pence=False)}, discounted · discounting: {html_text(s.describe())}</p>")
    rng = results["range"]
    if rng is None:
        text += ("<p>Range: the contract's parameters give no distributions, so there is no Monte Carlo range "
                 "(see docs/what-if.md).</p>")
    else:
        held = (f" {rng['held']} uncertain assumption{'s' if rng['held'] != 1 else ''} you set "
                f"{'are' if rng['held'] != 1 else 'is'} held at your value." if rng["held"] else "")
        text += (f"<p>Range (Monte Carlo, {rng['draws']:,} draws for speed; the report uses "
                 f"{bench.spec.draws:,}, so its ends may differ a little): 5th to 95th percentile "
                 f"{rng['p5']:,.2f} to {rng['p95']:,.2f} : 1; below 1 in {rng['prob_below_1']:.0%} of draws.{held}</p>")
    changed = len(bench.changes)
    text += (f"<p>{changed} line{'s' if changed != 1 else ''} changed from the contract"
             f"{'' if bench.schedule is bench.model.schedule else ', and the discount schedule'}.</p>")
    return text


# -- the widgets ---------------------------------------------------------------------------------------------------

def _quantity_step(top: float) -> float:
    """A slider step of about a three-hundredth of its range, rounded to a power of ten."""
    return 10.0 ** math.floor(math.log10(top / 300)) if top > 0 else 0.01


def build_bench(run=None, *, bench: Bench | None = None):
    """The bench's controls for a loaded contract (or a ready :class:`Bench`): a discount-schedule dropdown,
    five sliders for each of the first :data:`MAX_SHOWN` lines, the live figures, the tornado and the range,
    and a box and button to save the settings as a scenario.

    Sliders report only when released (``continuous_update=False``); each report is one
    :meth:`Bench.set` and one :meth:`Bench.results`.
    """
    import ipywidgets as w

    bench = bench or Bench.from_run(run)
    m = bench.model
    base = {"ratio": m.ratio(), "pv": m.present_value()}
    figures, chart, message = w.HTML(), w.HTML(), w.HTML()
    sliders: dict[tuple[int, str], w.FloatSlider] = {}
    busy = {"resetting": False}

    def refresh(_=None):
        if busy["resetting"]:
            return
        r = bench.results()
        figures.value = figures_html(bench, r, base)
        chart.value = tornado_html(r["tornado"], r["ratio"])

    def slider(line: int, assumption: str) -> w.FloatSlider:
        value = float(getattr(m, assumption)[line])
        style = {"description_width": "80px"}
        layout = w.Layout(width="250px")
        if assumption in ADJUSTMENTS:
            s = w.FloatSlider(value=value, min=0.0, max=1.0, step=0.005, readout_format=".1%",
                              description=assumption_label(assumption), continuous_update=False, style=style,
                              layout=layout)
        else:
            top = QUANTITY_SPAN * value if value > 0 else 1.0
            step = _quantity_step(top)
            s = w.FloatSlider(value=value, min=0.0, max=top, step=step,
                              readout_format=f",.{max(0, -math.floor(math.log10(step)))}f",
                              description="quantity", continuous_update=False, style=style, layout=layout)

        def moved(change):
            bench.set(line, assumption, change["new"])
            refresh()

        s.observe(moved, names="value")
        sliders[(line, assumption)] = s
        return s

    options = [("flat 3.5%" if n == "3.5%" else n, n) for n in SCHEDULES]
    if m.schedule.name not in SCHEDULES:
        options.append((m.schedule.name, m.schedule.name))
    schedule = w.Dropdown(options=options, value=m.schedule.name, description="Discounting")

    def schedule_moved(change):
        bench.set_schedule(change["new"])
        refresh()

    schedule.observe(schedule_moved, names="value")
    rows = []
    for line in range(min(m.lines, MAX_SHOWN)):
        rows.append(w.HTML(f"<b>{html_text(m.labels[line])}</b>"))
        rows.append(w.HBox([slider(line, a) for a in BENCH_ASSUMPTIONS], layout=w.Layout(flex_flow="row wrap")))
    note = (f"<p>This map has {m.lines:,} lines; sliders are shown for the first {MAX_SHOWN}. "
            "The figures always include every line.</p>" if m.lines > MAX_SHOWN else "")
    lines_box = w.VBox(rows, layout=w.Layout(max_height="420px", overflow="auto"))

    def reset(_=None):
        busy["resetting"] = True
        try:
            for (line, assumption), s in sliders.items():
                s.value = float(getattr(m, assumption)[line])
            schedule.value = m.schedule.name
        finally:
            busy["resetting"] = False
        bench.reset()
        refresh()

    name = w.Text(placeholder="e.g. fewer households, higher deadweight", description="Scenario")
    save = w.Button(description="Save as scenario", button_style="primary")
    back = w.Button(description="Back to the contract")

    def saved(_=None):
        message.value = f'<p style="white-space:pre-wrap">{html_text(bench.save(name.value))}</p>'

    save.on_click(saved)
    back.on_click(reset)
    refresh()
    return w.VBox([figures, w.HTML("<b>What moves the ratio most</b> (one assumption at a time, the others "
                                   "as set here)"), chart, w.HBox([schedule, back]), w.HTML(note), lines_box,
                   w.HBox([name, save]), message])


def contract_choices(params_file: str | Path | None = None) -> list[Path]:
    """The parameters files to choose from: every ``*.yaml`` in the parameters folder (not the scenario
    files beside them), and ``params_file`` when it is elsewhere."""
    found = sorted(p for p in parameters_dir().glob("*.yaml") if not p.name.endswith(".scenarios.yaml"))
    if params_file and Path(params_file).resolve() not in {p.resolve() for p in found}:
        found.insert(0, Path(params_file))
    return found


def what_if_bench(params_file: str | Path | None = None):
    """A contract picker over :func:`build_bench`: each pick loads the contract once (files are read then,
    never on a slider move) and shows its bench; a contract that cannot be valued shows its problems."""
    import ipywidgets as w

    from ..reports.contract import load_contract

    params_file = Path(params_file) if params_file else parameters_dir() / DEFAULT_CONTRACT
    choices = contract_choices(params_file)
    chosen = next(p for p in choices if p.resolve() == params_file.resolve())
    picker = w.Dropdown(options=[(p.name, p) for p in choices], value=chosen, description="Contract")
    holder = w.VBox()

    def pick(_=None):
        try:
            run = load_contract(picker.value)
        except InputError as exc:
            holder.children = [w.HTML(f"<pre>{html_text(str(exc))}</pre>")]
            return
        holder.children = [w.HTML(f"<h3>{html_text(run.params.title)}</h3>"), build_bench(run)]

    picker.observe(pick, names="value")
    pick()
    return w.VBox([picker, holder])


def explore_map(impact_map: str | Path = "", inputs: str | Path = "", *, investment: str = "",
                proxies: str | Path = "", price_year: int = 0, discounting: str = DEFAULT_DISCOUNTING,
                framework: str = ""):
    """Value an impact map for ``notebooks/explore_impact_map.ipynb``, with the shipped proxy library and the
    user's own library file (``proxies``) merged over it, exactly as ``sroi value`` does
    (:func:`~sroi_lib.reports.contract.value_files`).

    Blank parameters take their defaults: no map, the illustrative example :data:`EXPLORE_EXAMPLE` (whose
    lines are valued with proxies) with its inputs; no inputs, ``investment`` (pounds at year 0); no price
    year (0), the deflator's latest; no framework, the council's default (``none`` for no framework).

    Returns
    -------
    ValuedMap
        The valuation, the library and framework used, the reading notes and the over-claiming findings.

    Raises
    ------
    InputError
        Every problem in the map, the inputs, the library files and the settings, as ``sroi value`` lists them.
    """
    from ..reports.contract import value_files

    if not str(impact_map).strip():
        example = data_dir() / "examples" / EXPLORE_EXAMPLE
        impact_map, inputs = example / "impact_map.csv", inputs or example / "inputs.csv"
    return value_files(impact_map, inputs or None, investment=investment or None,
                       price_year=price_year or None, discounting=discounting or DEFAULT_DISCOUNTING,
                       proxies=proxies or None, framework=framework or DEFAULT_FRAMEWORK)


def proxies_used(valued) -> pd.DataFrame:
    """The proxies a valued map uses (from :func:`explore_map`), each with its value, price year, source,
    address and licence; empty when every line gives its own value."""
    ids = [p for p in dict.fromkeys(valued.valuation.lines["proxy_id"]) if p]
    columns = ["proxy_id", "name", "unit", "value", "price_year", "value_type", "source", "source_url", "licence"]
    return valued.library.rows(ids)[columns].set_index("proxy_id")
