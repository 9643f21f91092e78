"""Contract parameters: one YAML file per contract or project, checked before anything runs.

A parameters file is the recorded configuration of a valuation::

    contract_id: lcc-housing-retrofit
    title: Housing retrofit programme
    supplier: Example Retrofit Ltd (illustrative)
    directorate: Communities, Housing and Environment
    analysis_type: forecast          # forecast or evaluation
    price_year: 2024
    discounting: green-book          # green-book, health, reduced-rate, none, or a rate such as 3.5%
    framework: best_city_ambition
    impact_map: ../data/examples/lcc-housing-retrofit/impact_map.csv
    inputs: ../data/examples/lcc-housing-retrofit/inputs.csv
    proxies: null                    # optional: your own proxy library file
    illustrative: true
    description: ...
    uncertainty: {...}               # optional: sensitivity ranges, Monte Carlo distributions
    scenarios: {...}                 # optional: named scenarios (docs/uncertainty.md)
    theme: ../themes/council.yaml    # optional: logo, colours and fonts of the report (reports/theme.py)

Scenarios saved beside the parameters, in ``<stem>.scenarios.yaml`` (by the what-if bench, or by hand), are
read with them: a name given in both files is an error naming both, and the file is one of the contract's
inputs (:meth:`ContractParams.input_files`), so the manifest hashes it and ``sroi audit`` covers it.

Paths are relative to the parameters file. Keys forgive case, spaces and hyphens as impact map columns do
(``Price Year``, ``price-year`` and ``price year`` are all ``price_year``; :func:`~sroi_lib.io.cells.normalise_header`),
and so do the keys inside the ``uncertainty`` and ``scenarios`` sections; one key written two ways in one file is an
error naming both lines. Unknown keys and wrong types are errors (papermill itself only warns about unknown
parameters), each reported with the file, the line and the key, the nearest known key suggested. The file is read
with YAML's safe loader.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from ..control.periods import parse_period, period_range
from ..core.frameworks import DEFAULT_FRAMEWORK
from ..core.quoting import shown
from ..core.settings import DEFAULT_DISCOUNTING, check_settings
from ..core.who_benefits import DEFAULT_ETA, check_eta
from ..errors import InputError, Problem
from ..paths import compose_node, read_yaml
from ..io.cells import normalise_header
from ..io.limits import MAX_CELL_CHARS
from ..io.tables import SUPPORTED_EXTENSIONS, split_sheet
from .uncertainty_spec import (SCENARIOS_SUFFIX, is_scenarios_file, parse_scenarios_file, parse_uncertainty,
                               renamed_lines, scenarios_file_for, yaml_lines)

__all__ = ["ContractParams", "load_params", "parameters_files", "KEYS", "NARRATIVE_KEYS", "MAX_TEXT"]

# The narrative of a report, in the order of its sections: key -> what to write (all optional, plain text).
NARRATIVE_KEYS: dict[str, str] = {
    "purpose": "why the analysis was done and what decision it informs",
    "audience": "who the report is for, e.g. the council's cabinet and the supplier",
    "scope": "what is in and out of the analysis: the activity, its boundaries and the period",
    "stakeholders_involved": "how stakeholders were involved in saying what changed for them, and how many",
    "excluded_stakeholders": "who was considered and left out of the analysis, and why",
    "materiality": "which outcomes were left out as not material, and why (negative ones included)",
    "verification": "how the figures were checked: by whom, against what, and any independent assurance",
    "limitations": "what the analysis cannot show, and where its evidence is weakest",
    "conclusions": "what the analysis concludes",
    "recommendations": "what should be done as a result",
}

# key: (type, required, help)
KEYS: dict[str, tuple[type | tuple, bool, str]] = {
    "contract_id": (str, True, "a short id of letters, digits and hyphens, e.g. lcc-care-at-home"),
    "title": (str, True, "the contract's name in plain words"),
    "supplier": (str, True, "who delivers it"),
    "directorate": (str, True, "the council directorate that owns it"),
    "analysis_type": (str, True, "forecast (before delivery) or evaluation (after)"),
    "price_year": (int, False, "the price year of the results"),
    "discounting": ((str, int, float), False, "green-book, health, reduced-rate, none, already-discounted, or a rate such as 3.5%"),
    "first_year_discounted": (bool, False, "true (the default) to discount year 1, false to discount from year 0"),
    "drop_off_first_year": (bool, False, "true to apply drop-off from an outcome's first year (default: from its second)"),
    "framework": (str, False, "a shipped framework name or a YAML file"),
    "impact_map": (str, True, "the impact map file, relative to this file"),
    "inputs": (str, True, "the inputs file, relative to this file"),
    "proxies": ((str, type(None)), False, "your own proxy library file, relative to this file"),
    "illustrative": (bool, False, "true for example data that is not a real contract"),
    "contract_start": (str, False, "the contract's first quarter, e.g. 2025-Q2"),
    "contract_end": (str, False, "the contract's last quarter, e.g. 2027-Q1"),
    "commitments": ((str, type(None)), False, "the supplier's commitments file, relative to this file"),
    "returns": ((str, type(None)), False, "the supplier's filled returns workbook (.xlsx), relative to this file"),
    "rag_green": ((int, float), False, "delivery rate for green, e.g. 0.95"),
    "rag_amber": ((int, float), False, "delivery rate for amber, e.g. 0.8"),
    "description": (str, False, "a sentence or two on what is valued"),
    "uncertainty": ((dict, type(None)), False, "the uncertainty analysis: one-way ranges and Monte Carlo "
                    "distributions, as 'key: value' lines (docs/uncertainty.md)"),
    "scenarios": ((dict, type(None)), False, "named scenarios valued beside the central case, as 'name: changes' "
                  "lines (docs/uncertainty.md)"),
    "theme": ((str, type(None)), False, "a council theme file (name, logo, colours, fonts), relative to this file"),
    "eta": ((int, float), False, "the Green Book's elasticity of marginal utility of income for distributional "
            "weights (default 1.3)"),
    "place_lookup": ((str, type(None)), False, "your own place lookup (areas with their deprivation decile, and "
                     "source, licence and year columns), relative to this file; default: the English Indices of "
                     "Deprivation 2025"),
    # The report's narrative (docs/reports.md): plain text, each shown in its section of the report as written.
    **{key: (str, False, help_) for key, help_ in NARRATIVE_KEYS.items()},
}
ANALYSIS_TYPES = ("forecast", "evaluation")
# Characters that are not text: C0 controls other than tab, line feed and carriage return, DEL, C1 controls.
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_TEXT = MAX_CELL_CHARS  # characters in one value: the most an Excel cell holds, as for a table's cell
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
CONTRACT_ID_RULE = _ID  # what a contract_id may be (also checked by `sroi new`)


@dataclass(frozen=True)
class ContractParams:
    """A checked parameters file. Paths are absolute."""

    contract_id: str
    title: str
    supplier: str
    directorate: str
    analysis_type: str
    impact_map: Path
    inputs: Path
    path: Path
    price_year: int | None = None
    discounting: str = DEFAULT_DISCOUNTING
    framework: str = DEFAULT_FRAMEWORK
    proxies: Path | None = None
    illustrative: bool = False
    first_year_discounted: bool = True
    drop_off_first_year: bool = False
    description: str = ""
    contract_start: str | None = None
    contract_end: str | None = None
    commitments: Path | None = None
    returns: Path | None = None
    rag_green: float = 0.95
    rag_amber: float = 0.80
    uncertainty: dict | None = None  # the `uncertainty` section as written (checked: reports.uncertainty_spec)
    scenarios: dict = field(default_factory=dict)  # the `scenarios` section as written
    scenarios_file: Path | None = None  # <stem>.scenarios.yaml beside the parameters, when there is one
    saved_scenarios: dict = field(default_factory=dict)  # what that file holds
    theme: Path | None = None  # the council theme file (reports.theme), when one is given
    eta: float = DEFAULT_ETA  # distributional weights (core.who_benefits)
    place_lookup: Path | None = None  # an own place lookup (core.who_benefits.read_lookup), when one is given
    # the narrative (NARRATIVE_KEYS): text as written, or None when not given
    purpose: str | None = None
    audience: str | None = None
    scope: str | None = None
    stakeholders_involved: str | None = None
    excluded_stakeholders: str | None = None
    materiality: str | None = None
    verification: str | None = None
    limitations: str | None = None
    conclusions: str | None = None
    recommendations: str | None = None

    @property
    def periods(self) -> list[str]:
        """The contract's quarters, first to last (empty without a start and end)."""
        if not (self.contract_start and self.contract_end):
            return []
        return period_range(self.contract_start, self.contract_end)

    def to_dict(self) -> dict:
        """JSON-ready: paths as text."""
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}

    def input_files(self) -> dict[str, Path]:
        """The files this contract reads, by role."""
        files = {"parameters": self.path, "impact_map": Path(split_sheet(self.impact_map)[0]),
                 "inputs": Path(split_sheet(self.inputs)[0])}  # the workbook, without a sheet named after '#'
        for key in ("proxies", "commitments", "returns", "theme", "place_lookup"):
            if getattr(self, key):
                files["user_proxies" if key == "proxies" else key] = getattr(self, key)
        if self.scenarios_file:
            files["scenarios"] = self.scenarios_file
        return files


def _lines(data: bytes) -> dict[str, int]:
    """The line of each top-level key (1-based), for messages; empty when the file cannot be composed.

    ``yaml.compose`` builds the node graph without expanding aliases, and reads
    the bytes as YAML does (UTF-8, or UTF-16 with its byte order mark).
    """
    try:
        node = compose_node(data)
    except (yaml.YAMLError, RecursionError):
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def load_params(path: str | Path) -> ContractParams:
    """Read and check a parameters file.

    The file is read by :func:`sroi_lib.paths.read_yaml` (safe loader, its
    limits and encodings); then every key is checked: unknown keys, missing
    keys, wrong types (a list, a mapping, a date, true/false, a number where
    text is wanted and the reverse), empty text, text over
    :data:`MAX_TEXT` characters, files that do not exist, an unknown analysis
    type, discounting, framework or price year, quarters that do not parse or
    span over 100 years, RAG thresholds outside 0 to 1.

    Raises
    ------
    InputError
        Listing every problem, each with the file, line and key.
    """
    label = str(path)
    p = Path(path)
    if not _is_file(p):
        raise InputError(Problem("the parameters file was not found", file=label, fix="Check the path."))
    if p.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(Problem("a parameters file must end .yaml or .yml", file=label))
    if is_scenarios_file(p):
        raise InputError(Problem("is a scenarios file, read with the parameters file beside it", file=label,
                                 fix=f"Give the parameters file, {p.name[:-len(SCENARIOS_SUFFIX)]}.yaml."))
    raw = read_yaml(p, "parameters file")  # its problems (syntax with the line, encoding, size) name the file
    if not isinstance(raw, dict):
        raise InputError(Problem("is empty" if raw is None else f"holds {shown(raw)} instead of 'key: value' lines",
                                 file=label, fix="Write one 'key: value' line per parameter, e.g. 'title: Care at "
                                                 "home' (see parameters/ for examples)."))
    lines = _lines(p.read_bytes())
    raw, written, twice = known_keys(raw, KEYS, lines, label)
    problems: list[Problem] = list(twice)
    bad: set[str] = set()  # keys already reported, so nothing that depends on them is reported again
    lines.update({key: lines.get(text) for key, text in written.items()})

    def add(key, message, fix=""):
        problems.append(Problem(message, file=label, row=lines.get(str(key)), column=written.get(str(key), str(key)),
                                fix=fix))
        bad.add(str(key))

    for key in raw:
        if key not in KEYS:
            close = difflib.get_close_matches(normalise_header(key), KEYS, n=1, cutoff=0.75)
            add(key, f"{shown(str(key))} is not a parameter sroi knows",
                fix=f"Did you mean '{close[0]}'?" if close else f"Known parameters: {', '.join(KEYS)}.")
    values = {}
    for key, (kind, required, help_) in KEYS.items():
        value = raw.get(key)
        if isinstance(value, str) and not value.strip():
            value = None  # a key left blank is not given
        if value is None and (key != "proxies" or required):
            if required:
                add(key, f"the parameter '{key}' is missing" if key not in raw else f"'{key}' is empty",
                    fix=f"Add a line '{key}: ...' ({help_})." if key not in raw else f"Give {help_}.")
            continue
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            add(key, f"{shown(value)} is not {_kind_words(kinds)}", fix=f"Give {help_}.")
            continue
        if isinstance(value, str):
            value = value.strip()
            if len(value) > MAX_TEXT:
                add(key, f"is {len(value):,} characters long; sroi takes at most {MAX_TEXT:,}",
                    fix="Shorten it (the same limit as a spreadsheet cell).")
                continue
            if "\x00" in value:
                add(key, "holds a NUL character (a byte of 0)", fix="Retype it as plain text.")
                continue
            if control := _CONTROL.search(value):
                add(key, f"holds the control character U+{ord(control.group()):04X}, which is not text "
                         "(it can hide or change what a terminal shows)", fix="Retype it as plain text.")
                continue
        values[key] = value

    base = p.resolve().parent
    if "contract_id" in values and not _ID.match(values["contract_id"]):
        add("contract_id", f"{shown(values['contract_id'])} is not a usable id",
            fix="Use lower-case letters, digits and hyphens (it names the report folder), e.g. lcc-care-at-home.")
    if "analysis_type" in values and values["analysis_type"].lower() not in ANALYSIS_TYPES:
        add("analysis_type", f"{shown(values['analysis_type'])} is not an analysis type",
            fix="Use forecast or evaluation.")
    elif "analysis_type" in values:
        values["analysis_type"] = values["analysis_type"].lower()
    for key in ("impact_map", "inputs", "proxies", "commitments", "returns", "theme", "place_lookup"):
        if values.get(key):
            file, sheet = split_sheet(values[key]) if key in ("impact_map", "inputs") else (values[key], None)
            target = base / file
            if not _is_file(target):
                add(key, f"the file {shown(values[key], 200)} was not found (looked for {shown(str(target), 300)})",
                    fix="Paths are relative to the parameters file.")
                values.pop(key)
            elif key == "commitments" and target.suffix.lower() not in SUPPORTED_EXTENSIONS:
                add(key, f"the file {shown(values[key], 200)} is not a table sroi reads (files ending "
                    f"'{target.suffix or '(none)'}' cannot be read)",
                    fix="Give the commitments table as CSV (.csv) or Excel (.xlsx).")
                values.pop(key)
            else:  # a sheet named after '#' is kept on the path, for the reader (docs/parameters.md)
                values[key] = _resolved(target) if sheet is None else Path(f"{_resolved(target)}#{sheet}")
    if "framework" in values and values["framework"].lower().endswith((".yaml", ".yml")):
        values["framework"] = str(_resolved(base / values["framework"]))
    settings = {k: values[k] for k in ("price_year", "discounting", "framework") if k in values}
    _, found = check_settings(**settings, where=lambda key: {"file": label, "row": lines.get(key),
                                                             "column": written.get(key, key)})
    problems.extend(found)
    if "discounting" in values:
        values["discounting"] = str(values["discounting"])
    if "eta" in values:
        try:
            values["eta"] = check_eta(values["eta"])
        except InputError as exc:
            add("eta", exc.problems[0].message, fix=exc.problems[0].fix or "")
            values.pop("eta")
    _check_tracking(values, add, bad)
    _check_uncertainty(p, values, problems, written)
    if problems:
        raise InputError(problems)
    return ContractParams(path=p.resolve(), **{k: v for k, v in values.items()})


def known_keys(raw: dict, known, lines: dict[str, int], label: str) -> tuple[dict, dict[str, str], list[Problem]]:
    """``raw`` with each key that forgivingly names a ``known`` key (:func:`~sroi_lib.io.cells.normalise_header`:
    ``Price Year`` → ``price_year``) renamed to it; other keys are kept as written, to be reported.

    Returns
    -------
    (dict, dict, list of Problem)
        The renamed mapping; each renamed key's spelling in the file, by its known name; and a problem for each
        key written a second time in another spelling (naming both lines), which is left out.
    """
    out: dict = {}
    written: dict[str, str] = {}
    twice: list[Problem] = []
    for key, value in raw.items():
        name = normalise_header(key) if isinstance(key, str) else key
        name = name if name in known else key
        if name in out:
            first = written.get(name, name)
            twice.append(Problem(f"{shown(str(key))} (line {lines.get(str(key), '?')}) and {shown(first)} (line "
                                 f"{lines.get(first, '?')}) are the same parameter, '{name}', given twice",
                                 file=label, row=lines.get(str(key)), column=str(key), fix="Keep one of them."))
            continue
        out[name] = value
        if name != key:
            written[name] = key
    return out, written, twice


def parameters_files(folder: Path) -> list[Path]:
    """The parameters files in a folder (``*.yaml``, ``*.yml``), without the scenarios files saved beside them."""
    found = list(folder.glob("*.yaml")) + list(folder.glob("*.yml"))
    return sorted(f for f in found if not is_scenarios_file(f))


def _check_uncertainty(p: Path, values: dict, problems: list[Problem], written: dict[str, str]) -> None:
    """The form of the `uncertainty` and `scenarios` sections, and of the scenarios file beside the parameters
    (its rows are checked against the impact map when the contract is valued); a scenario named in both files
    is an error naming both. ``written``: how the file spells each top-level key that it spells another way."""
    label = str(p)
    lines = renamed_lines(yaml_lines(p.read_bytes()), written)
    try:
        parse_uncertainty(values, params_file=label, lines=lines)
    except InputError as exc:
        problems.extend(exc.problems)
    saved = scenarios_file_for(p)
    if not _is_file(saved):
        return
    try:
        data = read_yaml(saved, "scenarios file")
    except InputError as exc:
        problems.extend(exc.problems)
        return
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem(f"holds {shown(data)} instead of 'name: changes' lines", file=str(saved),
                                fix="Write one scenario per name, as in the parameters' scenarios section."))
        return
    text = saved.read_bytes()
    try:
        parse_scenarios_file(data, scenarios_file=str(saved), text=text)
    except InputError as exc:
        problems.extend(exc.problems)
    own = values.get("scenarios") or {}
    lines = yaml_lines(text)
    for name in data:
        if name in own:
            problems.append(Problem(f"the scenario {shown(name)} is given twice: in {p.name} (scenarios → {name}) "
                                    f"and in {saved.name}", file=str(saved), row=lines.get((str(name),)),
                                    column=str(name), fix="Rename or remove one of them."))
    values["scenarios_file"] = _resolved(saved)
    values["saved_scenarios"] = data


def _resolved(path: Path) -> Path:
    """``path.resolve()``, or the path as given when it cannot be resolved (a symbolic link to itself)."""
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):  # Python 3.11 raises RuntimeError for a symbolic link loop
        return path


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False for a name the file system refuses (too long, or holding a NUL)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _check_tracking(values: dict, add, bad: set[str]) -> None:
    """Quarters that parse, run forwards and span at most 100 years; commitments need both; sensible RAG
    thresholds. A key already reported (in ``bad``) is not reported again for what depends on it."""
    for key in ("contract_start", "contract_end"):
        if key in values:
            try:
                parse_period(values[key])
            except InputError as exc:
                add(key, exc.problems[0].message, fix=exc.problems[0].fix)
                values.pop(key)
    if "contract_start" in values and "contract_end" in values:
        try:
            period_range(values["contract_start"], values["contract_end"])
        except InputError as exc:
            add("contract_end", exc.problems[0].message, fix=exc.problems[0].fix or "")
            values.pop("contract_end")
    if values.get("commitments") or values.get("returns"):
        for key in ("contract_start", "contract_end"):
            if key not in values and key not in bad:
                add(key, f"'{key}' is needed to track commitments",
                    fix=f"Add it, e.g. {key}: {'2025-Q2' if key == 'contract_start' else '2027-Q1'}.")
    if values.get("returns") and not values.get("commitments") and "commitments" not in bad:
        add("returns", "returns are given but no commitments to compare them with", fix="Add 'commitments: FILE'.")
    for key in ("rag_green", "rag_amber"):
        if key in values and not 0 < values[key] <= 1:
            add(key, f"{shown(values[key])} is not a fraction above 0 and at most 1", fix="For 95% write 0.95.")
            values.pop(key)
    if values.get("rag_green", 0.95) <= values.get("rag_amber", 0.80):
        add("rag_green", f"the green threshold ({values.get('rag_green', 0.95):g}) must be above the amber "
                         f"threshold ({values.get('rag_amber', 0.80):g})",
            fix="For example rag_green: 0.95 and rag_amber: 0.8.")


def _kind_words(kinds: tuple) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false", type(None): "empty",
             dict: "a set of 'key: value' lines"}
    return " or ".join(names[k] for k in kinds)
