"""A new contract's files, ready to fill in: what ``sroi new CONTRACT_ID`` writes.

Three files, in one folder (by default a new folder named after the contract):

* ``CONTRACT_ID.yaml``, the parameters file (:func:`parameters_text`): every key
  of the parameters table (:data:`~sroi_lib.reports.params.KEYS`) with a plain
  comment saying what it is, generated from that table so a key added to it
  appears here too. Required keys are written with a value (a placeholder
  sentence where only the analyst knows the answer); optional keys are written
  commented out, with their default, ready to uncomment.
* ``impact_map.xlsx``, the impact map workbook of ``sroi template impact-map``
  (:func:`~sroi_lib.control.map_template.write_map_template`): one row per
  outcome, the proxy picked from a list.
* ``inputs.csv``, the inputs table: its header (the columns of
  :data:`~sroi_lib.io.impact_map.INPUT_COLUMNS`) and an example row commented
  out with ``#`` (a CSV line starting with ``#`` is not read).

The parameters file loads as written (:func:`~sroi_lib.reports.params.load_params`);
once the impact map has a line and the inputs a row, the contract values
(``sroi value``, ``sroi run``). Nothing is ever overwritten: if any of the three
files exists, nothing is written.
"""

from __future__ import annotations

import json
import os
from dataclasses import MISSING, dataclass, fields
from pathlib import Path

import yaml

from ..control.map_template import MAP_SHEET, write_map_template
from ..core.council import FRAMEWORK_VARIABLE, SETTINGS_FILE, default_framework_setting
from ..core.frameworks import DEFAULT_FRAMEWORK, choose_framework
from ..core.quoting import shown
from ..errors import InputError, Problem, Problems
from ..io.impact_map import INPUT_COLUMNS
from ..io.safe import write_atomically
from ..proxies.library import shipped_library
from .params import CONTRACT_ID_RULE, KEYS, ContractParams

__all__ = ["Scaffold", "new_contract", "check_contract_id", "parameters_text", "inputs_text", "next_steps",
           "MAP_FILE", "INPUTS_FILE", "EXAMPLE_INPUT"]

MAP_FILE = "impact_map.xlsx"
INPUTS_FILE = "inputs.csv"
# The inputs file's example row (commented out): an illustrative grant paid at the start.
EXAMPLE_INPUT = {"stakeholder": "The council", "description": "Grant paid at the start of the contract",
                 "value": "85000", "year": "0"}
# Values written for keys whose answer sroi knows; every other required text key gets a sentence to replace.
_GIVEN = {"analysis_type": "forecast", "impact_map": MAP_FILE, "inputs": INPUTS_FILE}
# Examples shown on commented-out optional keys, where the default is not itself an example.
_EXAMPLES = {"contract_start": "2025-Q2", "contract_end": "2027-Q1", "proxies": "my_proxies.csv",
             "commitments": "commitments.csv", "returns": "returns.xlsx"}


@dataclass(frozen=True)
class Scaffold:
    """The files ``sroi new`` wrote."""

    contract_id: str
    folder: Path
    parameters: Path
    impact_map: Path
    inputs: Path


def _scalar(value) -> str:
    """One YAML scalar as it would be typed (quoted only when YAML needs it)."""
    if value is None:
        return ""
    if isinstance(value, str) and "'" in value and '"' not in value:
        return json.dumps(value, ensure_ascii=False)  # a double-quoted YAML scalar: "the contract's name"
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).replace("\n...", "").strip()


def _defaults() -> dict:
    """Each optional key's default, from :class:`~sroi_lib.reports.params.ContractParams`."""
    out = {}
    for f in fields(ContractParams):
        if f.default is not MISSING:
            out[f.name] = f.default
        elif f.default_factory is not MISSING:
            out[f.name] = f.default_factory()
    return out


def _default_framework_words() -> str:
    """The council's default framework in words, for the comment on ``framework``."""
    try:
        setting = default_framework_setting()
    except InputError:
        return f"the council's default ({SETTINGS_FILE} cannot be read: `sroi value` will say why)"
    return f"the council's default, now {setting.value} (set in data/{SETTINGS_FILE} or {FRAMEWORK_VARIABLE})"


def parameters_text(contract_id: str, *, framework: str | None = None, price_year: int | None = None) -> str:
    """The parameters file of a new contract: every key of :data:`~sroi_lib.reports.params.KEYS` with a comment.

    Parameters
    ----------
    contract_id : str
        The contract's id (already checked).
    framework : str, optional
        Written as the ``framework`` key when given (``none``, a shipped name or a file path relative to the
        parameters file); otherwise the key is left commented out and the council's default applies.
    price_year : int, optional
        The example shown on the commented-out ``price_year`` key (the deflator's latest year).
    """
    defaults = _defaults()
    examples = {**_EXAMPLES, "price_year": price_year}
    default_words = {"price_year": f"the latest year of the GDP deflator series ({price_year})" if price_year
                     else "the latest year of the GDP deflator series"}
    head = [
        f"# Parameters of the contract {contract_id}: the recorded settings of its valuation.",
        "# Written by `sroi new`. A line starting with # is a comment: each key is explained on the line above it.",
        "# To use an optional key, remove the # from the start of its 'key: value' line.",
        "# Paths are relative to this file. docs/getting-started.md goes through each step.",
        "",
        "# Required: replace each sentence with your contract's own words.",
    ]
    required, optional = [], ["", "# Optional: left out (or blank), the default applies."]
    for key, (_kind, needed, help_) in KEYS.items():
        comment = f"# {key} - {help_.strip().rstrip('.')}."
        if needed:
            value = contract_id if key == "contract_id" else _GIVEN.get(key, f"To fill in: {help_}")
            required += [comment, f"{key}: {_scalar(value)}"]
            continue
        if key == "framework":
            comment += f" Default: {_default_framework_words()}. Write none to group by no framework."
            if framework is not None:
                optional += [comment, f"framework: {_scalar(framework)}"]
                continue
            optional += [comment, f"# framework: {DEFAULT_FRAMEWORK}"]
            continue
        default = defaults.get(key)
        shown_default = _scalar(default) if default not in (None, "", {}) else ""
        words = default_words.get(key, shown_default)
        if words and "default" not in help_.lower():
            comment += f" Default: {words}."
        example = examples.get(key)
        value = _scalar(example) if example is not None else shown_default
        optional += [comment, f"# {key}: {value}".rstrip()]
    return "\n".join(head + required + optional) + "\n"


def inputs_text() -> str:
    """The inputs file of a new contract: the header, and an example row commented out with ``#``."""
    header = [c.name for c in INPUT_COLUMNS]
    example = [EXAMPLE_INPUT.get(name, "") for name in header]
    return "\n".join([",".join(header), "# " + ",".join(example)]) + "\n"


def check_contract_id(contract_id: str) -> str:
    """The id, checked by the rule of the parameters' ``contract_id`` (it names the files and the report folder).

    Raises
    ------
    InputError
        For an id that is not lower-case letters, digits and hyphens (at most 63, starting with a letter or digit).
    """
    if not isinstance(contract_id, str) or not CONTRACT_ID_RULE.match(contract_id):
        raise InputError(Problem(f"{shown(contract_id)} is not a usable contract id",
                                 fix="Use lower-case letters, digits and hyphens, starting with a letter or digit "
                                     "(it names the files and the report folder), e.g. lcc-food-bank."))
    return contract_id


def new_contract(contract_id: str, folder: str | Path | None = None, *, framework: str | None = None) -> Scaffold:
    """Write a new contract's parameters file, impact map workbook and inputs file into ``folder``.

    Parameters
    ----------
    contract_id : str
        Lower-case letters, digits and hyphens (the rule of ``contract_id``).
    folder : str or Path, optional
        Where to write (made if missing); default: a folder named ``contract_id`` in the current folder.
    framework : str, optional
        ``none``, a shipped framework's name or a framework YAML file, written into the parameters.

    Raises
    ------
    InputError
        For an unusable id, a framework that cannot be loaded, a folder that is a file, or any of the three
        files already there (each named; nothing is written).
    """
    check_contract_id(contract_id)
    out = Path(folder) if folder is not None else Path(contract_id)
    if out.exists() and not out.is_dir():
        raise InputError(Problem("is a file, not a folder", file=str(out), fix="Give --dir a folder."))
    paths = {"parameters": out / f"{contract_id}.yaml", "impact_map": out / MAP_FILE, "inputs": out / INPUTS_FILE}
    problems = Problems()
    for path in paths.values():
        if path.exists() or path.is_symlink():
            problems.add(f"{path} already exists, and `sroi new` never replaces a file",
                         fix="Choose another --dir (or contract id), or move the file away first.")
    written_framework = None
    if framework is not None:
        try:
            choose_framework(framework)
        except InputError as exc:
            problems.extend(Problem(f"--framework: {p.message}", file=p.file, row=p.row, column=p.column,
                                    fix=p.fix) for p in exc.problems)
        else:
            written_framework = framework
            if framework.lower().endswith((".yaml", ".yml")):  # the parameters read it relative to themselves
                written_framework = os.path.relpath(Path(framework).resolve(), out.resolve())
    problems.raise_if_any()
    library = shipped_library()
    text = parameters_text(contract_id, framework=written_framework, price_year=library.deflators.last_year)
    out.mkdir(parents=True, exist_ok=True)
    write_map_template(paths["impact_map"], library)
    write_atomically(paths["inputs"], lambda tmp: tmp.write_text(inputs_text(), encoding="utf-8"),
                     what="inputs file")
    write_atomically(paths["parameters"], lambda tmp: tmp.write_text(text, encoding="utf-8"),
                     what="parameters file")
    return Scaffold(contract_id=contract_id, folder=out, **paths)


def next_steps(s: Scaffold) -> str:
    """What was written and what to do next, for the terminal."""
    width = max(len(str(p)) for p in (s.parameters, s.impact_map, s.inputs))
    return "\n".join([
        f"A new contract, {s.contract_id}, written in {s.folder}:",
        f"  {str(s.parameters):<{width}}  the parameters: replace the sentences under 'Required' (every key is "
        "explained in the file)",
        f"  {str(s.impact_map):<{width}}  the impact map: one row of the '{MAP_SHEET}' sheet per outcome, the proxy "
        "picked from a list",
        f"  {str(s.inputs):<{width}}  the inputs: remove the # from the example row, or write your own rows",
        "",
        "When the impact map and the inputs are filled in, check the figures with:",
        f"  sroi value {s.impact_map} --inputs {s.inputs}",
        "then write the report with:",
        f"  sroi run {s.parameters} --out reports",
    ])
