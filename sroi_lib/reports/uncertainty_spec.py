"""What a contract's uncertainty analysis is to run (:class:`UncertaintySpec`), read from its parameters.

:func:`parse_uncertainty` reads the parameters' ``uncertainty`` and ``scenarios`` sections (and the scenarios
file saved beside them, ``<stem>.scenarios.yaml``) into the core's objects (:mod:`sroi_lib.core.uncertainty`):
a row of the impact map becomes a line's position, a row of the inputs file an input's position. The format is
in :mod:`sroi_lib.reports.uncertainty` and docs/uncertainty.md.

Keys forgive case, spaces and hyphens, as the parameters' own keys and impact map columns do (``Monte Carlo`` is
``monte_carlo``, ``Drop-off`` is ``drop_off``); one key written two ways in one mapping is an error naming both
lines. Names the user chooses (scenarios, correlation groups) are kept as written.

Percentages are read as everywhere in sroi (:func:`~sroi_lib.io.cells.parse_fraction`): ``25%`` or
``0.25``, never a bare ``25``. Every problem is reported at once, each naming the file, its line and, as its
key, the parameter's path: ``lcc.yaml, line 14, key 'uncertainty → monte_carlo → distributions → item 1 →
deadweight': low 45% is above high 30%``.

This module is read by :mod:`~sroi_lib.reports.params` (the form of the sections, before the map is read) and by
:mod:`~sroi_lib.reports.uncertainty` (against the valued map), so neither imports the other's callers.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import yaml

from ..core.quoting import shown
from ..core.uncertainty import (ADJUSTMENTS, DEFAULT_CHUNK, DEFAULT_DRAWS, DEFAULT_RANGES, DISTRIBUTIONS,
                                LINE_ASSUMPTIONS, MAX_DRAWS, MAX_YEARS, Distribution, Scenario, Uncertain,
                                assumption_label)
from ..errors import CellError, InputError, Problem
from ..io.cells import normalise_header, parse_fraction, parse_number
from ..io.limits import MAX_CELL_CHARS
from ..paths import compose_node, read_yaml, reference_file

__all__ = ["UncertaintySpec", "parse_uncertainty", "parse_scenarios_file", "yaml_lines", "renamed_lines",
           "scenarios_file_for", "is_scenarios_file",
           "DEFAULT_SEED", "MAX_CHUNK", "MAX_SEED", "MAX_MULTIPLIER", "SCENARIOS_SUFFIX", "OPTIMISM_BIAS_FILE"]

DEFAULT_SEED = 20261130
MAX_CHUNK = 100_000  # draws valued at once: memory is about chunk × lines × 80 bytes
MAX_SEED = 2 ** 53 - 1  # the largest whole number every JSON reader holds exactly
MAX_MULTIPLIER = 10.0  # a multiplier of every input written as a bare number: 10 is 1,000%
SCENARIOS_SUFFIX = ".scenarios.yaml"
OPTIMISM_BIAS_FILE = "optimism_bias.yaml"


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
    files: Mapping[str, Path] = field(default_factory=dict)  # reference files read (the optimism bias data)


# -- reading the parameters ----------------------------------------------------------------------------------------

UNCERTAINTY_KEYS = ("target_ratio", "sensitivity", "monte_carlo")
SENSITIVITY_KEYS = ("quantity", "value", "adjustments", "duration", "start_year", "inputs", "discounting")
MONTE_CARLO_KEYS = ("draws", "seed", "chunk_size", "correlations", "distributions")
# The parameters each distribution needs, and those it may take besides (normal and lognormal: truncation bounds).
SHAPES = {"fixed": ("value",), "uniform": ("low", "high"), "triangular": ("low", "mode", "high"),
          "pert": ("low", "mode", "high"), "normal": ("mean", "sd"), "lognormal": ("median", "sd_log")}
TRUNCATION = {"normal": ("low", "high"), "lognormal": ("low", "high")}
SCENARIO_KEYS = ("description", "lines", "quantity_change", "value_change", "adjustments_change", "drop_off_change",
                 "inputs_change", "without_inputs", "discounting", "optimism_bias")
CHANGES = ("quantity_change", "value_change", "adjustments_change", "drop_off_change", "inputs_change")
MAX_NAME = 200  # characters in a scenario's or a group's name
# How each assumption's figures are read: a count, pounds, a percentage, whole years, or a multiplier.
KINDS = {"quantity": "count", "value": "money", **{a: "share" for a in ADJUSTMENTS}, "duration": "years",
         "start_year": "years", "inputs": "multiplier"}
KIND_WORDS = {"count": "a number of 0 or more, such as 60",
              "money": "pounds at the analysis's price year, such as 1200",
              "share": "a percentage such as 30% (or the fraction 0.3)", "years": f"years from 1 to {MAX_YEARS}",
              "multiplier": "a multiplier of every input, such as 110% (or 1.1)"}
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _Item(int):
    """A list position in a parameter's path (shown as "item 1" for position 0)."""


def _path_text(path: tuple) -> str:
    return " → ".join(f"item {p + 1}" if isinstance(p, _Item) else str(p) for p in path)


def yaml_lines(data: bytes) -> dict[tuple, int]:
    """The line (1-based) of every key and list item of a YAML document, by its path: ``("uncertainty",
    "monte_carlo", "distributions", 0, "deadweight")``. Mapping keys as the file writes them (text); an empty
    dict when the document cannot be composed."""
    try:
        root = compose_node(data)
    except (yaml.YAMLError, RecursionError):
        return {}
    out: dict[tuple, int] = {}
    seen: set[int] = set()

    def walk(node, path):
        if id(node) in seen:  # an alias of a node already walked
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    out.setdefault(path + (key.value,), key.start_mark.line + 1)
                    walk(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                out.setdefault(path + (_Item(i),), value.start_mark.line + 1)
                walk(value, path + (_Item(i),))

    walk(root, ())
    return out


def renamed_lines(lines: Mapping[tuple, int], written: Mapping[str, str], at: tuple = ()) -> dict[tuple, int]:
    """``lines`` (:func:`yaml_lines`) with the paths under ``at + (written[name],)`` also found under
    ``at + (name,)``: the lines of keys the file spells another way (``Monte Carlo`` for ``monte_carlo``), by the
    name they are read as."""
    out = dict(lines)
    for name, text in written.items():
        old, new = at + (text,), at + (name,)
        for path, line in lines.items():
            if path[:len(old)] == old:
                out.setdefault(new + path[len(old):], line)
    return out


class _Reader:
    """Collects every problem of one file, each naming the file, the line and the parameter's path."""

    def __init__(self, file, lines: Mapping[tuple, int], losses: set | None = None):
        self.file, self.lines, self.problems = str(file), dict(lines), []
        self.losses = losses  # the impact map rows that are disbenefits; None before the map is read

    def loss(self, row) -> bool | None:
        """Whether ``row`` is a disbenefit's (its value a loss, below zero); None when the map is not read."""
        return None if self.losses is None or row is None else row in self.losses

    def line(self, path: tuple) -> int | None:
        path = tuple(p if isinstance(p, _Item) else str(p) for p in path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def refuse(self, path: tuple, message: str, fix: str = "") -> None:
        self.problems.append(Problem(message, file=self.file, row=self.line(path), column=_path_text(path),
                                     fix=fix or None))

    def cell(self, path: tuple, read, raw):
        """``read(raw)``, or None with the problem recorded when it raises :class:`CellError`."""
        try:
            return read(raw)
        except CellError as exc:
            self.refuse(path, exc.message, exc.fix)
            return None

    def renamed(self, path: tuple, raw: dict, known) -> dict:
        """``raw`` with each key that forgivingly names a ``known`` key (``Drop-off`` → ``drop_off``:
        :func:`~sroi_lib.io.cells.normalise_header`) renamed to it, its lines found under the new name; a key
        written a second time in another spelling is reported, naming both lines, and left out."""
        out: dict = {}
        written: dict[str, str] = {}
        for key, value in raw.items():
            name = normalise_header(key) if isinstance(key, str) else key
            name = name if name in known else key
            if name in out:
                first = written.get(name, name)
                self.refuse(path + (key,), f"{shown(key)} (line {self.line(path + (key,)) or '?'}) and {shown(first)} "
                            f"(line {self.line(path + (first,)) or '?'}) are the same key, '{name}', given twice",
                            fix="Keep one of them.")
                continue
            out[name] = value
            if name != key:
                written[name] = key
        if written:
            self.lines = renamed_lines(self.lines, written, at=tuple(p if isinstance(p, _Item) else str(p)
                                                                        for p in path))
        return out

    def mapping(self, path: tuple, raw, known, what: str) -> dict | None:
        """``raw`` as a dict whose keys are all ``known`` (forgiving their spelling: :meth:`renamed`); None
        (reported) when it is not a mapping. Unknown keys are reported, with the nearest known key, and left
        out."""
        if not isinstance(raw, dict):
            self.refuse(path, f"is {shown(raw)}, not 'key: value' lines", fix=f"Give {what}.")
            return None
        out = {}
        for key, value in self.renamed(path, raw, known).items():
            if key in known:
                out[key] = value
                continue
            close = difflib.get_close_matches(normalise_header(key), known, n=1, cutoff=0.6)
            self.refuse(path + (key,), f"{shown(key)} is not a parameter sroi knows here",
                        fix=f"Did you mean '{close[0]}'?" if close else f"Known here: {', '.join(known)}.")
        return out


def _raw(value) -> str:
    """A figure as the user wrote it, for a message: ``45%``, ``60``."""
    if isinstance(value, str) and len(value.strip()) <= 30:
        return value.strip()
    return shown(value)


def _and(words) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _rows_text(rows) -> str:
    """``2 to 8``, ``2 to 5, 7 and 9``: a list of rows in runs, the first 20 runs."""
    rows = sorted(set(rows))
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    parts = [f"{a}" if a == b else f"{a} and {b}" if b == a + 1 else f"{a} to {b}" for a, b in runs]
    more = len(parts) > 20
    return (", ".join(parts[:20]) + ", …") if more else _and(parts) if parts else "none"


def _empty(raw) -> float:
    raise CellError("is empty", "Give a figure.")


def _signed_fraction(raw) -> float:
    """``-20%``, ``+10%``, ``-0.2`` or ``0.1``: a percentage with its sign, as a fraction from −1 to 1."""
    sign, size = 1.0, raw
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith(("-", "+")):
            sign, size = (-1.0 if text[0] == "-" else 1.0), text[1:].strip()
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw < 0:
        sign, size = -1.0, -raw
    try:
        value = parse_fraction(size)
    except CellError as exc:
        if size is raw:
            raise
        shown_size = f"'{size}'" if isinstance(size, str) else str(size)  # said of the figure as written, signed
        raise CellError(exc.message.replace(shown_size, _raw(raw)).replace("0% to 100%", "-100% to 100%"),
                        exc.fix.replace("from 0% to 100%", "from -100% to 100%")) from None
    return _empty(raw) if value is None else sign * value


def _multiplier(raw, *, spread: bool = False) -> float:
    """A multiplier of every input: ``124%`` or ``1.24`` (at most :data:`MAX_MULTIPLIER`)."""
    if isinstance(raw, str) and raw.strip().endswith("%"):
        try:
            number = parse_number(raw.strip()[:-1])
        except CellError:
            raise CellError(f"'{raw}' is not a percentage", "Write a percentage such as 110%.") from None
        value = None if number is None else number / 100
    else:
        value = parse_number(raw)
    if value is None:
        return _empty(raw)
    if value > MAX_MULTIPLIER:
        bare = not (isinstance(raw, str) and raw.strip().endswith("%"))
        raise CellError(f"{_raw(raw)} is above {MAX_MULTIPLIER:g} ({MAX_MULTIPLIER * 100:,.0f}%), the largest "
                        "multiplier of every input sroi takes",
                        f"If you mean {value:g}%, write {value:g}% (or {value / 100:g}); sroi never divides by 100 "
                        "for you." if bare and value <= 100 * MAX_MULTIPLIER else
                        "Give a multiplier such as 110% (or 1.1).")
    if value <= 0 and not spread:
        raise CellError(f"{_raw(raw)} is not above 0: a multiplier of 0 leaves no inputs, so the ratio is undefined",
                        "Give a multiplier such as 100% (the inputs as estimated) or 110%.")
    return value


def _figure(kind: str, *, spread: bool = False, loss: bool | None = False):
    """A reader of one figure of an assumption of ``kind`` (:data:`KINDS`); ``spread`` for a standard deviation
    (0 or more, in the same units). ``loss`` is for a value of money: True for a disbenefit's line, whose value is
    a loss written below zero (so 0 or below), False for any other line (0 or more), None when the impact map is
    not yet read (either sign, checked again when it is)."""

    def read(raw) -> float:
        if kind == "share":
            value = _signed_fraction(raw) if spread else parse_fraction(raw)
        elif kind == "multiplier":
            value = _multiplier(raw, spread=spread)
        else:
            value = parse_number(raw, money=kind == "money")
        if value is None:
            return _empty(raw)
        if spread:
            if value < 0:
                raise CellError(f"{_raw(raw)} is negative", "A standard deviation is 0 or more.")
            return value
        if kind == "money" and loss and value > 0:
            raise CellError(f"{_raw(raw)} is above zero, but the row is a disbenefit: its value is a loss",
                            "Write the value as the impact map gives it, below zero, such as -8.86.")
        if kind == "money" and loss is not False:  # a disbenefit's loss, or either sign before the map is read
            return value
        if kind in ("count", "money") and value < 0:
            raise CellError(f"{_raw(raw)} is below zero", f"Give {KIND_WORDS[kind]}." + (
                " A value below zero belongs to a disbenefit: mark its line 'disbenefit: yes' in the impact map, "
                "or give it a value below zero there." if kind == "money" else ""))
        if kind == "years" and not 1 <= value <= MAX_YEARS:
            raise CellError(f"{_raw(raw)} is outside 1 to {MAX_YEARS} years", f"Give {KIND_WORDS[kind]}.")
        return value

    return read


def _plain_number(raw) -> float:
    value = parse_number(raw)
    if value is None:
        return _empty(raw)
    if value < 0:
        raise CellError(f"{_raw(raw)} is negative", "The standard deviation of the log is 0 or more, such as 0.2.")
    return value


def _whole(low: int, high: int, example: str):
    """A reader of a whole number from ``low`` to ``high``."""

    def read(raw) -> int:
        value = parse_number(raw)
        if value is None:
            return _empty(raw)
        if not float(value).is_integer() or not low <= value <= high:
            raise CellError(f"{_raw(raw)} is not a whole number from {low:,} to {high:,}", f"Give {example}.")
        return int(value)

    return read


def _text(raw) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise CellError(f"{shown(raw)} is not text", "Write it as text.")
    if len(raw) > MAX_CELL_CHARS:
        raise CellError(f"is {len(raw):,} characters long; sroi takes at most {MAX_CELL_CHARS:,}", "Shorten it.")
    if _CONTROL.search(raw):
        raise CellError("holds a control character, which is not text", "Retype it as plain text.")
    return raw.strip()


def _name(raw) -> str:
    text = _text(raw)
    if len(text) > MAX_NAME:
        raise CellError(f"{shown(text)} is longer than {MAX_NAME} characters", "Give a short name.")
    return text


def _row_reader(rows, what: str):
    """A reader of a row of the impact map or the inputs file, as the spreadsheet shows it (None: any row)."""
    known = None if rows is None else set(rows)

    def read(raw) -> int:
        row = _whole(1, 10 ** 7, f"the row of the {what} as the spreadsheet shows it (the header is row 1)")(raw)
        if known is not None and row not in known:
            raise CellError(f"row {row} is not a row of the {what} (its rows are {_rows_text(known)})",
                            "Give the row as the spreadsheet shows it: the header is row 1.")
        return row

    return read


def _correlation(raw) -> float:
    if isinstance(raw, str) and raw.strip().endswith("%"):
        number = parse_number(raw.strip()[:-1])
        value = None if number is None else number / 100
    else:
        value = parse_number(raw)
    if value is None:
        return _empty(raw)
    if not 0 <= value < 1:
        raise CellError(f"{_raw(raw)} is outside [0, 1)",
                        "A correlation is from 0 (none) up to, but not including, 1, such as 0.6.")
    return value


def parse_uncertainty(mapping: Mapping, *, params_file, impact_map_rows=None, input_rows=None, input_values=None,
                      optimism_bias=None, lines: Mapping[tuple, int] | None = None,
                      disbenefit_rows=None) -> UncertaintySpec:
    """Read the ``uncertainty`` and ``scenarios`` sections of a parameters mapping into an :class:`UncertaintySpec`.

    Parameters
    ----------
    mapping : mapping
        The parameters (or any mapping with the two keys; each may be absent or empty).
    params_file : str or Path
        The file they were read from, named in every problem; its lines are read for the messages unless
        ``lines`` (:func:`yaml_lines`) is given.
    impact_map_rows, input_rows : sequence of int, optional
        The impact map's rows and the inputs file's rows, as the spreadsheet shows them, in order: a row is
        turned into a line's (or an input's) position. None checks the form alone (``load_params``, before the
        map is read): any row is taken, and the spec's positions are then the rows themselves, not for valuing.
    input_values : sequence of float, optional
        The inputs' values, to refuse a scenario that leaves out every input of any value.
    disbenefit_rows : sequence of int, optional
        The impact map's rows that are disbenefits: a value given for one of them (a distribution's figures, a
        scenario's new value) is a loss, 0 or below, and for any other row 0 or more. None (the map not read)
        takes either sign.
    optimism_bias : mapping, str or Path, optional
        The optimism bias data (default: data/reference/optimism_bias.yaml, read only when a scenario names a
        category); its ``categories`` give each category's ``capital_expenditure`` (or, for outsourcing,
        ``operating_expenditure``) ``upper`` bound.

    Raises
    ------
    InputError
        Every problem at once, each naming the file, the line and the parameter's path.
    """
    label = str(params_file)
    if lines is None:
        try:
            lines = yaml_lines(Path(params_file).read_bytes())
        except OSError:
            lines = {}
        # the two sections as the file spells them ("Uncertainty", say), found by the names they are read as
        lines = renamed_lines(lines, {normalise_header(p[0]): p[0] for p in lines if len(p) == 1 and isinstance(
            p[0], str) and normalise_header(p[0]) in ("uncertainty", "scenarios") and normalise_header(p[0]) != p[0]})
    r = _Reader(label, lines, None if disbenefit_rows is None else {int(x) for x in disbenefit_rows})
    rows = None if impact_map_rows is None else [int(x) for x in impact_map_rows]
    position = {row: i for i, row in enumerate(rows)} if rows is not None else None
    inputs_at = {row: i for i, row in enumerate(input_rows)} if input_rows is not None else None
    spec: dict = {}
    section = mapping.get("uncertainty")
    if section is not None:
        section = r.mapping(("uncertainty",), section, UNCERTAINTY_KEYS,
                            "the sections target_ratio, sensitivity and monte_carlo (docs/uncertainty.md)")
    if section:
        _read_target(r, section, spec)
        if section.get("sensitivity") is not None:
            spec["ranges"] = _read_ranges(r, section["sensitivity"])
        if section.get("monte_carlo") is not None:
            _read_monte_carlo(r, section["monte_carlo"], spec, _row_reader(rows, "impact map"), position)
    files: dict[str, Path] = {}
    scenarios = mapping.get("scenarios")
    if scenarios is not None:
        spec["scenarios"] = _read_scenarios(r, scenarios, rows, position, input_rows, inputs_at, input_values,
                                            optimism_bias, files)
    if r.problems:
        raise InputError(r.problems)
    return UncertaintySpec(**spec, files=files)


def _read_target(r: _Reader, section: dict, spec: dict) -> None:
    if section.get("target_ratio") is None:
        return
    path = ("uncertainty", "target_ratio")
    target = r.cell(path, lambda raw: parse_number(raw), section["target_ratio"])
    if target is not None and target <= 0:
        r.refuse(path, f"{_raw(section['target_ratio'])} is not above 0", fix="Give a ratio such as 1 (the default).")
    elif target is not None:
        spec["target"] = float(target)


def _read_ranges(r: _Reader, raw) -> dict:
    path = ("uncertainty", "sensitivity")
    section = r.mapping(path, raw, SENSITIVITY_KEYS, "the one-way ranges, e.g. 'quantity: 25%'") or {}
    ranges = dict(DEFAULT_RANGES)
    for key, value in section.items():
        where = path + (key,)
        if key == "discounting":
            tried = value if isinstance(value, list) else [] if value is None else [value]
            ok = []
            for i, item in enumerate(tried):
                from ..core.discounting import parse_discounting

                try:
                    parse_discounting(item)
                    ok.append(item)
                except InputError as exc:
                    r.refuse(where + ((_Item(i),) if isinstance(value, list) else ()), exc.problems[0].message,
                             exc.problems[0].fix or "")
            ranges[key] = tuple(ok)
        elif key == "start_year":
            years = r.cell(where, _whole(0, MAX_YEARS - 1, "a number of whole years such as 1"), value)
            if years is not None:
                ranges[key] = years
        else:
            share = r.cell(where, parse_fraction, value)
            if share is not None and key == "inputs" and share >= 1:
                r.refuse(where, f"{_raw(value)} would move the inputs down to nothing",
                         fix="Give a range below 100%, such as 25%.")
            elif share is not None:
                ranges[key] = share
    return ranges


def _read_monte_carlo(r: _Reader, raw, spec: dict, row_reader, position) -> None:
    path = ("uncertainty", "monte_carlo")
    section = r.mapping(path, raw, MONTE_CARLO_KEYS, "draws, seed, chunk_size, correlations and distributions") or {}
    readers = {"draws": _whole(1, MAX_DRAWS, f"a number of draws from 1 to {MAX_DRAWS:,}, such as {DEFAULT_DRAWS:,} "
                                             "(the limit: docs/uncertainty.md)"),
               "seed": _whole(0, MAX_SEED, "a whole number such as 20261130"),
               "chunk_size": _whole(1, MAX_CHUNK, f"a chunk of 1 to {MAX_CHUNK:,} draws, such as {DEFAULT_CHUNK:,} "
                                                  "(it changes memory, never the numbers)")}
    for key, read in readers.items():
        if section.get(key) is not None:
            value = r.cell(path + (key,), read, section[key])
            if value is not None:
                spec[key] = value
    correlations = {}
    if section.get("correlations") is not None:
        given = section["correlations"]
        if not isinstance(given, dict):
            r.refuse(path + ("correlations",), f"is {shown(given)}, not 'group: correlation' lines",
                     fix="Write e.g. 'correlations: {falls: 0.6}'.")
            given = {}
        for group, rho in given.items():
            name = r.cell(path + ("correlations", group), _name, group)
            value = r.cell(path + ("correlations", group), _correlation, rho)
            if name is not None and value is not None:
                correlations[name] = value
    uncertain: list[Uncertain] = []
    used: dict[str, tuple] = {}  # group -> the path of a distribution in it
    if section.get("distributions") is not None:
        uncertain = _read_distributions(r, path + ("distributions",), section["distributions"], row_reader, position,
                                        used)
    for group, where in used.items():
        if group not in correlations:
            r.refuse(where, f"the group {shown(group)} has no correlation in uncertainty → monte_carlo → "
                            "correlations",
                     fix=f"Add '{group}: 0.5' (say) under correlations, or leave the group out.")
    for group in correlations:
        if group not in used:
            close = difflib.get_close_matches(group, list(used), n=1, cutoff=0.6)
            r.refuse(path + ("correlations", group), f"no distribution is in the group {shown(group)}",
                     fix=f"Did you mean '{close[0]}'?" if close else "Add 'group: NAME' to the distributions that "
                     "move together, or remove it.")
    spec["uncertain"] = tuple(uncertain)
    spec["correlations"] = correlations


def _read_distributions(r: _Reader, path: tuple, raw, row_reader, position, used: dict) -> list[Uncertain]:
    if not isinstance(raw, list):
        r.refuse(path, f"is {shown(raw)}, not a list", fix="Give one item per row: '- row: 2' then its "
                 "assumptions, each with a distribution; and '- inputs: {...}' for the inputs.")
        return []
    out: list[Uncertain] = []
    seen: dict[tuple, int] = {}
    known = ("row", "inputs") + LINE_ASSUMPTIONS
    for i, item in enumerate(raw):
        where = path + (_Item(i),)
        item = r.mapping(where, item, known, "'row: N' and the row's assumptions, or 'inputs: {...}'")
        if item is None:
            continue
        assumptions = [a for a in LINE_ASSUMPTIONS if a in item]
        row = r.cell(where + ("row",), row_reader, item["row"]) if "row" in item else None
        if not assumptions and "inputs" not in item:
            r.refuse(where, "gives no assumption to draw",
                     fix=f"Give 'row: N' with one or more of {', '.join(LINE_ASSUMPTIONS)}, or 'inputs', each with "
                         "a distribution.")
        elif assumptions and "row" not in item:
            r.refuse(where, f"gives {_and(assumptions)} but no row", fix="Add 'row: N', the impact map's row as the "
                     "spreadsheet shows it.")
        if "inputs" in item and "row" in item:
            r.refuse(where + ("inputs",), "is a multiplier of every input, not of one row",
                     fix="Give it as an item of its own: '- inputs: {distribution: ...}'.")
            continue
        for a in assumptions + (["inputs"] if "inputs" in item else []):
            key = (a, row)
            if a != "inputs" and row is None:
                continue
            what = "inputs" if a == "inputs" else f"the {assumption_label(a)} of row {row}"
            if key in seen:
                r.refuse(where + (a,), f"{what} is given twice (items {seen[key]} and {i + 1})", fix="Keep one.")
                continue
            seen[key] = i + 1
            dist, group = _read_distribution(r, where + (a,), item[a], a, loss=r.loss(row))
            if group:
                used.setdefault(group, where + (a, "group"))
            if dist is None:
                continue
            line = None if a == "inputs" else (position[row] if position is not None else row)
            out.append(Uncertain(a, line, dist, group))
    return out


def _read_distribution(r: _Reader, path: tuple, raw, assumption: str, loss: bool | None = False):
    """One distribution and its group: ``(Distribution or None, group or None)``; None for a distribution that is
    wrong (reported). The group is read even then, so it is not also reported as a group no distribution is in."""
    kinds = ", ".join(DISTRIBUTIONS)
    if not isinstance(raw, dict):
        r.refuse(path, f"is {shown(raw)}, not a distribution",
                 fix=f"Write e.g. {{distribution: triangular, low: ..., mode: ..., high: ...}} ({kinds}).")
        return None, None
    raw = r.renamed(path, raw, ("distribution", "group") + tuple(k for ks in (*SHAPES.values(), *TRUNCATION.values())
                                                                 for k in ks))
    group = None
    if raw.get("group") is not None:
        group = r.cell(path + ("group",), _name, raw["group"])
    name = raw.get("distribution")
    kind = name.strip().lower() if isinstance(name, str) else None
    if kind not in DISTRIBUTIONS:
        close = difflib.get_close_matches(kind or "", DISTRIBUTIONS, n=1, cutoff=0.6)
        r.refuse(path + ("distribution",), "says no distribution" if name is None else
                 f"{shown(name)} is not a distribution sroi knows",
                 fix=(f"Did you mean '{close[0]}'? " if close else "") + f"Distributions: {kinds}.")
        return None, group
    needed, optional = SHAPES[kind], TRUNCATION.get(kind, ())
    allowed = ("distribution", "group") + needed + optional
    given = r.mapping(path, raw, allowed, f"the parameters of a {kind} distribution: {_and(needed + optional)}")
    missing = [k for k in needed if given.get(k) is None]
    if missing:
        r.refuse(path, f"a {kind} distribution needs {_and(needed)}: {_and(missing)} "
                 f"{'is' if len(missing) == 1 else 'are'} missing", fix=f"Give {KIND_WORDS[KINDS[assumption]]}.")
        return None, group
    values = {}
    for key in needed + optional:
        if given.get(key) is None:
            continue
        read = (_plain_number if key == "sd_log" else _figure(KINDS[assumption], spread=key == "sd", loss=loss))
        values[key] = r.cell(path + (key,), read, given[key])
    if any(v is None for v in values.values()):
        return None, group
    problem = _order(kind, values, given)
    if problem:
        r.refuse(path, problem, fix="Put them in order: low ≤ mode ≤ high (low ≤ mean or median ≤ high).")
        return None, group
    return Distribution(kind, **{k: float(v) for k, v in values.items()}), group


def _order(kind: str, v: dict, raw: dict) -> str | None:
    """What is out of order among a distribution's figures, in words; None when they are in order."""
    centre = {"triangular": "mode", "pert": "mode", "normal": "mean", "lognormal": "median"}.get(kind)
    if kind == "lognormal" and v["median"] <= 0:
        return f"the median {_raw(raw['median'])} is not above 0 (a lognormal distribution takes no value of 0)"
    if "low" in v and "high" in v and v["low"] > v["high"]:
        return f"low {_raw(raw['low'])} is above high {_raw(raw['high'])}"
    if centre and "low" in v and v[centre] < v["low"]:
        return f"{centre} {_raw(raw[centre])} is below low {_raw(raw['low'])}"
    if centre and "high" in v and v[centre] > v["high"]:
        return f"{centre} {_raw(raw[centre])} is above high {_raw(raw['high'])}"
    return None


def _read_scenarios(r: _Reader, raw, rows, position, input_rows, inputs_at, input_values, optimism_bias,
                    files: dict) -> tuple[Scenario, ...]:
    if not isinstance(raw, dict):
        r.refuse(("scenarios",), f"is {shown(raw)}, not 'name: changes' lines",
                 fix="Write e.g. 'pessimistic: {quantity_change: -20%}'.")
        return ()
    out = []
    for name, changes in raw.items():
        path = ("scenarios", name)
        title = r.cell(path, _name, name)
        if title is not None and title.lower() == "central":
            r.refuse(path, "'central' names the valuation as given in the scenarios table",
                     fix="Choose another name.")
            continue
        given = r.mapping(path, changes, SCENARIO_KEYS,
                          f"one or more changes: {', '.join(k for k in SCENARIO_KEYS if k != 'description')}")
        if given is None or title is None:
            continue
        if not any(given.get(k) is not None for k in SCENARIO_KEYS if k != "description"):
            r.refuse(path, "changes nothing, so it would equal the central case",
                     fix=f"Give one or more of {', '.join(k for k in SCENARIO_KEYS if k != 'description')}.")
            continue
        scenario = _read_scenario(r, path, title, given, rows, position, input_rows, inputs_at, input_values,
                                  optimism_bias, files)
        if scenario is not None:
            out.append(scenario)
    return tuple(out)


def _read_scenario(r: _Reader, path, title, given: dict, rows, position, input_rows, inputs_at, input_values,
                   optimism_bias, files: dict) -> Scenario | None:
    before = len(r.problems)
    fields: dict = {}
    if given.get("description") is not None:
        fields["description"] = r.cell(path + ("description",), _text, given["description"])
    for key in CHANGES:
        if given.get(key) is None:
            continue
        change = r.cell(path + (key,), _signed_fraction, given[key])
        if change is not None and key == "inputs_change" and change <= -1:
            r.refuse(path + (key,), f"{_raw(given[key])} leaves no inputs, so the ratio is undefined",
                     fix="Give a change above -100%, or use without_inputs for some of them.")
        fields[key] = change
    if given.get("optimism_bias") is not None:
        if given.get("inputs_change") is not None:
            r.refuse(path + ("optimism_bias",), "optimism_bias and inputs_change both change the inputs",
                     fix="Give one of them.")
        else:
            uplift = _optimism_uplift(r, path + ("optimism_bias",), given["optimism_bias"], optimism_bias, files)
            if uplift is not None:
                fields["inputs_change"], basis = uplift
                fields["description"] = f"{fields['description']} ({basis})" if fields.get("description") else basis
    if given.get("without_inputs") is not None:
        fields["without_inputs"] = _read_without(r, path + ("without_inputs",), given["without_inputs"],
                                                 input_rows, inputs_at, input_values)
    if given.get("discounting") is not None:
        from ..core.discounting import parse_discounting

        try:
            parse_discounting(given["discounting"])
            fields["discounting"] = str(given["discounting"])
        except InputError as exc:
            r.refuse(path + ("discounting",), exc.problems[0].message, exc.problems[0].fix or "")
    if given.get("lines") is not None:
        fields["lines"] = _read_lines(r, path + ("lines",), given["lines"], rows, position)
    if len(r.problems) > before:
        return None
    return Scenario(title, **fields)


def _read_without(r: _Reader, path, raw, input_rows, inputs_at, input_values) -> tuple[int, ...]:
    items = raw if isinstance(raw, list) else [raw]
    read = _row_reader(input_rows, "inputs file")
    found = []
    for i, item in enumerate(items):
        row = r.cell(path + ((_Item(i),) if isinstance(raw, list) else ()), read, item)
        if row is not None:
            found.append(inputs_at[row] if inputs_at is not None else row)
    found = tuple(sorted(set(found)))
    if inputs_at is not None and input_values is not None and found:
        kept = [float(v) for i, v in enumerate(input_values) if i not in found]
        if sum(kept) <= 0:
            r.refuse(path, "leaves out every input of any value, so the ratio is undefined",
                     fix="Leave out only some of the inputs.")
    return found


def _read_lines(r: _Reader, path, raw, rows, position) -> dict:
    if not isinstance(raw, dict):
        r.refuse(path, f"is {shown(raw)}, not 'row: changes' lines",
                 fix="Write e.g. 'lines: {2: {quantity: 45, deadweight: 35%}}', with the impact map's rows.")
        return {}
    out: dict[int, dict] = {}
    read_row = _row_reader(rows, "impact map")
    for key, changes in raw.items():
        where = path + (key,)
        row = r.cell(where, read_row, key)
        given = r.mapping(where, changes, LINE_ASSUMPTIONS, f"the row's new figures, e.g. {{quantity: 45}}: "
                          f"{', '.join(LINE_ASSUMPTIONS)}")
        if row is None or given is None:
            continue
        at = position[row] if position is not None else row
        if at in out:
            r.refuse(where, f"row {row} is given twice", fix="Give each row once.")
            continue
        out[at] = {}
        for a, value in given.items():
            figure = r.cell(where + (a,), _figure(KINDS[a], loss=r.loss(row)), value)
            if figure is not None:
                out[at][a] = int(round(figure)) if a in ("duration", "start_year") else float(figure)
    return out


def _optimism_uplift(r: _Reader, path, raw, data, files: dict) -> tuple[float, str] | None:
    """The optimism-bias uplift of a category (the upper bound for capital expenditure, or for operating
    expenditure for outsourcing) and a sentence saying which."""
    if not isinstance(data, Mapping):
        source = Path(data) if data is not None else reference_file(OPTIMISM_BIAS_FILE)
        data = read_yaml(source, "optimism bias file")
        files["optimism_bias"] = source
    categories = data["categories"]
    name = raw.strip().lower() if isinstance(raw, str) else None
    if name not in categories:
        close = difflib.get_close_matches(name or "", list(categories), n=1, cutoff=0.6)
        r.refuse(path, f"{shown(raw)} is not an optimism-bias category",
                 fix=(f"Did you mean '{close[0]}'? " if close else "") + f"Categories: {', '.join(categories)} "
                     f"(data/reference/{OPTIMISM_BIAS_FILE}).")
        return None
    category = categories[name]
    basis = "capital_expenditure" if "capital_expenditure" in category else "operating_expenditure"
    upper = float(category[basis]["upper"])
    words = basis.replace("_", " ")
    note = "" if basis == "capital_expenditure" else " (the only figure given for outsourcing)"
    return upper, (f"every input × {1 + upper:.2f}: the Green Book's optimism-bias upper bound for {words}{note} "
                   f"on {category['label'].lower()} projects, {upper:.0%} (HM Treasury supplementary guidance on "
                   "optimism bias, from Mott MacDonald 2002)")


# -- the scenarios file beside the parameters --------------------------------------------------------------------

def scenarios_file_for(params_file) -> Path:
    """``<stem>.scenarios.yaml`` beside a parameters file."""
    p = Path(params_file)
    return p.with_name(p.stem + SCENARIOS_SUFFIX)


def is_scenarios_file(path) -> bool:
    """Whether ``path`` is a scenarios file (``*.scenarios.yaml``), read with the parameters beside it and never a
    parameters file itself."""
    return Path(path).name.lower().endswith(SCENARIOS_SUFFIX)


def parse_scenarios_file(data: Mapping, *, scenarios_file, text: bytes | None = None, **rows) -> UncertaintySpec:
    """Read the scenarios of a scenarios file (``data``, the file's mapping) as :func:`parse_uncertainty` reads the
    parameters' ``scenarios`` section; ``rows`` as it takes them. ``text`` is the file's bytes, for the lines
    (read from ``scenarios_file`` unless given). A problem's column is the path in this file: ``what-if → lines
    → 12``, its top-level key being the scenario's name.

    Raises
    ------
    InputError
        Every problem, each naming the scenarios file, its line and the path.
    """
    if text is None:
        text = Path(scenarios_file).read_bytes()
    lines = {("scenarios",) + k: v for k, v in yaml_lines(text).items()}
    try:
        return parse_uncertainty({"scenarios": data}, params_file=scenarios_file, lines=lines, **rows)
    except InputError as exc:
        raise InputError([replace(p, column=p.column.removeprefix("scenarios → ")) if p.column else p
                          for p in exc.problems]) from None
