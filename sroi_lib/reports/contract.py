"""One contract (or any impact map), checked and valued, and the files its report folder holds.

:func:`value_files` is what ``sroi value`` does: check the settings, the proxy
library, the impact map and its inputs together, reporting every problem at
once, then value the map. :func:`load_contract` does the same for a contract's
parameters file, adding the over-claiming checks, delivery tracking and the
uncertainty analysis (:mod:`~sroi_lib.reports.uncertainty`: one-way
sensitivity, tipping points, the Monte Carlo range and the scenarios), and
:func:`save_results` writes the results file and the lines file of its report
folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from ..control.returns import check_returns
from ..control.tracking import Tracking, read_commitments, track
from ..core.council import local_authority_setting, settings_file
from ..core.checks import blocking_problems, finding_text, load_comparables, overclaiming_checks, stopping_grades
from ..core.frameworks import DEFAULT_FRAMEWORK, Framework
from ..core.prices import load_deflators
from ..core.records import json_records
from ..core.settings import DEFAULT_DISCOUNTING, check_settings
from ..core.uncertainty import Model, tipping_points
from ..core.valuation import Valuation, investment_inputs, value, zero_inputs_problem
from ..core.who_benefits import (DEFAULT_ETA, IMD_FILE, INCOME_FILE, WhoBenefits, check_eta, has_place_data,
                                 load_lookup, who_benefits)
from ..errors import CellError, InputError, Problem
from ..paths import reference_file
from ..io.cells import parse_number
from ..io.impact_map import read_map_and_inputs
from ..io.safe import safe_frame, write_atomically
from ..proxies.library import ProxyLibrary, library_with
from .folder import LINES_FILE, RESULTS_FILE
from .params import ContractParams, load_params
from .uncertainty import Analysis, analyse, contract_spec

__all__ = ["MIN_INVESTMENT", "NO_PLACE_DATA", "who_json", "ValuedMap", "ContractRun", "value_files", "load_contract", "load_tracking",
           "contract_commitments", "contract_results", "save_results"]

# How value_files names each setting in a problem, unless the caller names them (as the command line's options).
SETTING_WORDS = {"price_year": "price year ", "discounting": "discounting: ", "framework": "framework: ",
                 "investment": "investment "}
MIN_INVESTMENT = 0.01  # one penny: a smaller investment rounds to £0 in every report and makes the ratio meaningless
METADATA = ("contract_id", "title", "supplier", "directorate", "analysis_type", "illustrative", "description")


@dataclass
class ValuedMap:
    """An impact map valued: the valuation, and the proxy library and framework it was valued with."""

    valuation: Valuation
    library: ProxyLibrary
    framework: Framework | None  # None: grouped by no framework (framework: none)
    notes: list[str] = field(default_factory=list)  # how the files were read (e.g. hidden rows), for the user
    checks: pd.DataFrame | None = None  # the over-claiming guard's findings (warnings and notes)
    who: WhoBenefits | None = None  # where the value lands, when the map gives place data (core.who_benefits)

    def to_dict(self) -> dict:
        """Everything, JSON-ready (what ``sroi value --json`` prints), with ``reading_notes`` as in results.json.

        ``reading_notes`` lists what the user should know about how the files
        were read (hidden rows and columns, other sheets), the same notes that
        are printed on the terminal; an empty list when there are none.
        """
        return {**self.valuation.to_dict(frameworks=[self.framework] if self.framework else []),
                "reading_notes": list(self.notes),
                "checks": json_records(self.checks) if self.checks is not None else [],
                "tipping_points": json_records(tipping_points(Model.from_valuation(self.valuation), 1.0)),
                **who_json(self.who)}


NO_PLACE_DATA = ("the impact map gives no place for any line (no ward, lsoa, imd_decile, income_quintile or "
                 "postcode_district column filled), so who benefits cannot be shown; add a ward or lsoa column "
                 "(see docs/who-benefits.md)")


def who_files(place_lookup: str | Path | None) -> dict[str, Path]:
    """The files who benefits reads, by role: the place lookup (the shipped IoD2025 table unless the contract gives
    its own, which is among its own files), the incomes by quintile and the settings file (its local_authority)."""
    files = {"income_quintiles": reference_file(INCOME_FILE)}
    if place_lookup is None:
        files["place_lookup"] = reference_file(IMD_FILE)
        files["place_lookup_provenance"] = reference_file(IMD_FILE).with_suffix(".yaml")
    if settings_file().exists():
        files["settings"] = settings_file()
    return files


def who_json(who: WhoBenefits | None) -> dict:
    """The who-benefits keys of ``sroi value --json`` and results.json: the breakdowns and ``distributional``
    when the map gives place data; otherwise ``who_benefits_absent``, saying why."""
    return who.to_dict() if who is not None else {"who_benefits_absent": NO_PLACE_DATA}


def value_files(impact_map: str | Path, inputs: str | Path | None = None, *, investment=None, price_year=None,
                discounting=DEFAULT_DISCOUNTING, proxies: str | Path | None = None, framework=DEFAULT_FRAMEWORK,
                labels: Mapping[str, str] | None = None, first_year_discounted: bool = True,
                drop_off_first_year: bool = False, strict: bool = False, eta=DEFAULT_ETA,
                place_lookup: str | Path | None = None) -> ValuedMap:
    """Check everything a valuation needs, report every problem at once, then value the map.

    Parameters
    ----------
    impact_map : str or Path
        The impact map, CSV or XLSX.
    inputs : str or Path, optional
        The inputs table. Give this or ``investment``.
    investment : float or str, optional
        A single investment in pounds at year 0 (``100000`` or ``"£100,000"``).
    price_year, discounting, framework
        As :func:`~sroi_lib.core.settings.check_settings`.
    proxies : str or Path, optional
        The user's own proxy library file, merged over the shipped one.
    labels : mapping, optional
        How a problem with each setting (``price_year``, ``discounting``,
        ``framework``, ``investment``) starts, such as the command-line option's
        name; by default the setting's name in words (:data:`SETTING_WORDS`).
    first_year_discounted, drop_off_first_year : bool
        The conventions of :func:`~sroi_lib.core.valuation.value` (defaults: year 1
        discounted; drop-off from each outcome's second year).
    strict : bool
        Refuse warnings of the over-claiming guard as well as its errors (``--strict``).
    eta, place_lookup
        The distributional weights' eta (a number above 0; Green Book 1.3) and an own place lookup file
        (default: the English Indices of Deprivation 2025), for who benefits (:mod:`~sroi_lib.core.who_benefits`),
        worked out when the map gives place data.

    Raises
    ------
    InputError
        Listing every problem in the settings, the proxy library, the map and the inputs; or, once the map is
        valued, every finding of the over-claiming guard (:mod:`sroi_lib.core.checks`) that stops it: its errors,
        and its warnings when ``strict``. The findings that do not stop it are in the error's ``notes``.
    """
    option = (labels or {}).get("investment")  # how the caller names the investment, if it does
    labels = {**SETTING_WORDS, **(labels or {})}
    problems_first: list[Problem] = []
    try:
        check_eta(eta, where={} if "eta" not in labels else {"column": labels["eta"]})
    except InputError as exc:
        problems_first.extend(exc.problems)
    deflators = load_deflators()
    settings, problems = check_settings(price_year=price_year, discounting=discounting, framework=framework,
                                        deflators=deflators, labels=labels, where=lambda key: {})
    problems = problems_first + list(problems)
    library = None
    try:
        library = library_with(proxies)
    except InputError as exc:
        problems.extend(exc.problems)
    frame = costs = None
    try:
        frame, costs = read_map_and_inputs(impact_map, inputs, proxies=library, deflators=deflators)
    except InputError as exc:
        problems.extend(exc.problems)
    if inputs is None:
        label = labels["investment"]
        try:
            amount = parse_number(investment, money=True)
            if amount is None:
                raise CellError("is empty")
            if amount < 0:
                raise CellError(f"'{investment}' is not an amount of 0 or more")
            if amount < MIN_INVESTMENT:
                raise CellError(f"'{investment}' is £0, so the SROI ratio (value ÷ investment) is undefined"
                                if amount == 0 else f"'{investment}' is less than a penny, so the SROI ratio "
                                "(value ÷ investment) would be meaningless")
            costs = investment_inputs(amount, f"Investment (given with {option.strip()})" if option else "Investment")
        except CellError as exc:
            problems.append(Problem(f"{label}{exc.message}", fix="Give an amount in pounds, such as 100000 or £100,000."))
    elif costs is not None and (zero := zero_inputs_problem(costs)):
        problems.append(zero)
    lookup = None
    if frame is not None and has_place_data(frame):
        try:
            lookup = load_lookup(place_lookup)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    valuation = value(frame, costs, price_year=settings.price_year, discounting=settings.discounting,
                      deflators=deflators, proxies=library, first_year_discounted=first_year_discounted,
                      drop_off_first_year=drop_off_first_year)
    notes = [n for table in (frame, costs) for n in table.attrs.get("notes", [])]
    checks = overclaiming_checks(valuation.lines, library.table, ratio=valuation.sroi_ratio,
                                 comparables=load_comparables())
    stop = blocking_problems(checks, frame.attrs.get("file") or str(impact_map), strict=strict,
                             sheet=frame.attrs.get("sheet"))
    if stop:
        raise InputError(stop, notes=[finding_text(f) for f in checks.itertuples()
                                      if f.grade not in stopping_grades(strict)])
    who = None
    if lookup is not None:
        area = local_authority_setting()
        who = who_benefits(valuation, eta=eta, lookup=lookup, file=frame.attrs.get("file") or str(impact_map),
                           area=area, area_where={"file": str(settings_file()), "column": "local_authority"})
    return ValuedMap(valuation=valuation, library=library, framework=settings.framework, notes=notes, checks=checks,
                     who=who)


@dataclass
class ContractRun:
    """A valued contract: its parameters, the library and framework used, the valuation, checks and tracking."""

    params: ContractParams
    library: ProxyLibrary
    framework: Framework | None  # None: grouped by no framework, so the report has no pillar table or chart
    valuation: Valuation
    checks: pd.DataFrame
    tracking: Tracking | None = None  # when the contract records commitments
    notes: list[str] = field(default_factory=list)  # how the files were read (e.g. hidden rows), for the reader
    uncertainty: Analysis | None = None  # sensitivity, tipping points, Monte Carlo range and scenarios
    who: WhoBenefits | None = None  # where the value lands, when the map gives place data

    def value_breakdowns(self) -> list[tuple[pd.DataFrame, str, str]]:
        """The report's breakdowns of present value, each as (table, its group column, its title): by
        stakeholder, by the framework's groups (left out when the contract is grouped by no framework, so the
        report shows no empty pillar chart) and by value type."""
        v = self.valuation
        out = [(v.breakdown("stakeholder"), "stakeholder", "Present value by stakeholder")]
        if self.framework is not None:
            out.append((v.by_framework(self.framework), self.framework.name,
                        f"Present value by {self.framework.title} pillar"))
        return out + [(v.breakdown("value_type"), "value_type", "Present value by value type")]

    def files_used(self) -> dict[str, Path]:
        """Every file this valuation read, by role: the contract's own files, each proxy library file loaded,
        the deflator series, the discount schedule file (for a named schedule) and the framework."""
        files = dict(self.params.input_files())
        own = self.params.proxies.resolve() if self.params.proxies else None
        for path in self.library.files:
            if path.resolve() != own:
                files[f"proxies/{path.name}"] = path
        files["deflators"] = self.valuation.deflators.path
        files["discount_schedules"] = self.valuation.discounting.path
        if self.framework is not None:
            files["framework"] = self.framework.path
        if self.uncertainty is not None:
            files.update(self.uncertainty.spec.files)  # the optimism bias data, when a scenario uses it
        if self.who is not None:  # who benefits: the place lookup, the incomes and the council's district setting
            files.update(who_files(self.params.place_lookup))
        return {role: Path(path) for role, path in files.items() if path is not None}


def load_contract(params_file: str | Path, *, strict: bool = False, uncertainty: Mapping | None = None) -> ContractRun:
    """Check a parameters file and its inputs, then value the contract (``strict``: as :func:`value_files`) and
    analyse its uncertainty as its parameters say (:func:`~sroi_lib.reports.uncertainty.analyse`, the Monte
    Carlo included when they give distributions).

    ``uncertainty`` may override the parameters' ``draws``, ``seed``, ``chunk_size`` and ``target`` (the
    options of ``sroi sensitivity``).

    Raises
    ------
    InputError
        Every problem in the parameters, impact map, inputs and proxy library, together; then any problem of
        the uncertainty sections against the valued map (a row that is not in it, say).
    """
    params = load_params(params_file)
    valued = value_files(params.impact_map, params.inputs, price_year=params.price_year,
                         discounting=params.discounting, proxies=params.proxies, framework=params.framework,
                         first_year_discounted=params.first_year_discounted,
                         drop_off_first_year=params.drop_off_first_year, strict=strict, eta=params.eta,
                         place_lookup=params.place_lookup)
    v = valued.valuation
    spec = contract_spec(params, v, uncertainty)
    return ContractRun(params=params, library=valued.library, framework=valued.framework, valuation=v,
                       checks=valued.checks, tracking=load_tracking(params, valued.library, v.price_year),
                       notes=valued.notes, uncertainty=analyse(Model.from_valuation(v), spec), who=valued.who)


def load_tracking(params: ContractParams, library: ProxyLibrary, price_year: int):
    """Commitments against the supplier's returns, when the contract records commitments."""
    if not params.commitments:
        return None
    commitments = read_commitments(params.commitments, library)
    periods = params.periods
    returns = (check_returns(params.returns, commitments, periods) if params.returns
               else pd.DataFrame(columns=["period", "measure", "quantity", "evidence"]))
    ids = commitments["proxy_id"].unique()
    blocked = [p for pid in ids if (p := library[pid].unusable(f" (named in {Path(params.commitments).name})"))]
    if blocked:  # flagged "price year unknown" or "value £0" by an import
        raise InputError(blocked)
    unit_values = {pid: library.deflators.reprice(library[pid].value, library[pid].price_year, price_year)
                   for pid in ids}
    return track(commitments, returns, periods, unit_values, green=params.rag_green, amber=params.rag_amber)


def contract_results(run: ContractRun) -> dict:
    """The results file: the figures of ``sroi value --json``, the contract's metadata, the checks, tracking and the
    uncertainty analysis (:meth:`~sroi_lib.reports.uncertainty.Analysis.to_dict`: with the Monte Carlo's seed and
    draws, so a re-run reproduces every figure)."""
    return {
        "contract": {k: getattr(run.params, k) for k in METADATA},
        **run.valuation.to_dict(frameworks=[run.framework] if run.framework else []),
        "framework": {"name": run.framework.name, "title": run.framework.title} if run.framework else None,
        "overclaiming_checks": json_records(run.checks),
        "reading_notes": list(run.notes),
        "contract_period": {"start": run.params.contract_start, "end": run.params.contract_end},
        "tracking": run.tracking.to_dict() if run.tracking is not None else None,
        "uncertainty": run.uncertainty.to_dict() if run.uncertainty is not None else None,
        **who_json(run.who),
    }


def save_results(run: ContractRun, out_dir: str | Path) -> dict[str, Path]:
    """Write the results file and the lines file (:mod:`~sroi_lib.reports.folder`) into ``out_dir``; returns their paths.

    Each is written whole or not at all (:func:`~sroi_lib.io.safe.write_atomically`). In the lines file, text
    that a spreadsheet would run as a formula gets a leading ``'`` (:func:`~sroi_lib.io.safe.safe_frame`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(contract_results(run), indent=2, allow_nan=False) + "\n"
    results = write_atomically(out / RESULTS_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"),
                               what="results file")
    lines_frame = safe_frame(run.valuation.lines)
    lines = write_atomically(out / LINES_FILE, lambda tmp: lines_frame.to_csv(tmp, index=False), what="lines file")
    return {"results": results, "lines": lines}


def contract_commitments(params_file: str | Path) -> tuple[ContractParams, pd.DataFrame]:
    """A contract's checked parameters and its commitments (for the supplier's returns workbook).

    Raises
    ------
    InputError
        When the parameters are wrong, or the contract records no commitments.
    """
    params = load_params(params_file)
    if not params.commitments:
        raise InputError(Problem("records no commitments, so there is nothing to return",
                                 file=str(params_file), column="commitments",
                                 fix="Add 'commitments: FILE' (and contract_start, contract_end) to the parameters."))
    return params, read_commitments(params.commitments, library_with(params.proxies))
