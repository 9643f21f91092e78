"""Frameworks: a council's priorities as groups of themes.

Every proxy and outcome line carries a ``theme``; a framework file maps themes
to a council's priorities, for Leeds the Best City Ambition's three pillars.
Each theme belongs to at most one group, so a breakdown by framework adds up to
the total. Frameworks are YAML files in ``data/frameworks/`` (or anywhere)::

    name: best_city_ambition
    title: Leeds Best City Ambition
    groups:
      Zero carbon: [environment and carbon]

Two names are not files: ``none`` (:data:`NO_FRAMEWORK`) groups by no framework,
and ``default`` (:data:`DEFAULT_FRAMEWORK`) is the council's default, set in the
settings file ``data/settings.yaml`` or the environment variable
``SROI_FRAMEWORK`` (:mod:`~sroi_lib.core.council`). :func:`choose_framework`
gives the framework a valuation is grouped by (None for none);
:func:`load_framework` always gives a :class:`Framework`, with no groups for
none, for what only sorts themes (the proxy explorer, the portfolio).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem, Problems, did_you_mean
from ..paths import data_dir, read_yaml
from .council import DefaultFramework, default_framework_setting
from .quoting import mapping_problem, shown

__all__ = ["Framework", "load_framework", "choose_framework", "default_framework", "available_frameworks",
           "NOT_MAPPED", "DEFAULT_FRAMEWORK", "NO_FRAMEWORK", "NO_GROUPS"]

NOT_MAPPED = "not mapped"
DEFAULT_FRAMEWORK = "default"  # the council's default framework (data/settings.yaml, or SROI_FRAMEWORK)
NO_FRAMEWORK = "none"  # no framework: a valuation not grouped by any council's priorities


@dataclass(frozen=True)
class Framework:
    """Groups of themes (``groups``: group name → themes, in lower case)."""

    name: str
    title: str
    groups: dict[str, tuple[str, ...]]
    source: str = ""
    source_url: str = ""
    path: Path | None = None  # the file it was read from (hashed into report manifests)

    def group_of(self, theme: str) -> str:
        """The group a theme belongs to, or "not mapped"."""
        t = str(theme).strip().lower()
        for group, themes in self.groups.items():
            if t in themes:
                return group
        return NOT_MAPPED

    def themes_of(self, group: str) -> list[str]:
        """The themes in a group (case-insensitive group name)."""
        if self is NO_GROUPS:
            raise InputError(Problem(f"no framework is chosen, so there is no group {shown(group)}",
                                     fix="Name a framework (--framework NAME on the command line, framework: "
                                         "NAME in a contract's parameters), or leave out the group."))
        for g, themes in self.groups.items():
            if g.lower() == group.strip().lower():
                return list(themes)
        raise InputError(Problem(f"{shown(group)} is not a group of {self.title}",
                                 fix=f"Use one of its groups: {', '.join(self.groups)}."))

    def assign(self, themes: pd.Series) -> pd.Series:
        """The group of each theme in a column."""
        lookup = {t: g for g, ts in self.groups.items() for t in ts}
        return themes.astype(str).str.strip().str.lower().map(lookup).fillna(NOT_MAPPED)


NO_GROUPS = Framework(name=NO_FRAMEWORK, title="no framework", groups={})  # every theme "not mapped"


def available_frameworks() -> list[str]:
    """Names of the frameworks shipped in ``data/frameworks/``."""
    return sorted(p.stem for p in (data_dir() / "frameworks").glob("*.yaml"))


def _is_none(name_or_path) -> bool:
    return isinstance(name_or_path, str) and name_or_path.strip().lower() == NO_FRAMEWORK


def _is_default(name_or_path) -> bool:
    return name_or_path is None or isinstance(name_or_path, str) and name_or_path.strip().lower() == DEFAULT_FRAMEWORK


def default_framework() -> Framework | None:
    """The council's default framework (None when it is ``none``), as :mod:`~sroi_lib.core.council` finds it set.

    Raises
    ------
    InputError
        When the settings file cannot be read, or the framework it (or ``SROI_FRAMEWORK``) names cannot be
        loaded; each problem placed where the default was set.
    """
    setting = default_framework_setting()
    if _is_none(setting.value):
        return None
    if _is_default(setting.value):
        raise InputError(setting.problem("'default' cannot be the default framework itself",
                                         fix="Name a shipped framework, a framework YAML file, or none."))
    return _load_setting(setting)


def _load_setting(setting: DefaultFramework) -> Framework:
    value = setting.value
    if value.lower().endswith((".yaml", ".yml")) and setting.base is not None:
        value = str(setting.base / value)
    try:
        return load_framework(value)
    except InputError as exc:
        raise InputError([p if p.file else setting.problem(p.message, p.fix or "") for p in exc.problems]) from None


def choose_framework(name_or_path: str | Path | None = DEFAULT_FRAMEWORK) -> Framework | None:
    """The framework a valuation is grouped by: None for ``none``; the council's default for ``default`` or None.

    Raises
    ------
    InputError
        As :func:`load_framework` and :func:`default_framework`.
    """
    if _is_default(name_or_path):
        return default_framework()
    if _is_none(name_or_path):
        return None
    return load_framework(name_or_path)


def load_framework(name_or_path: str | Path | None) -> Framework:
    """A shipped framework by name or a YAML file of one; ``default`` (or None) is the council's default, and
    ``none`` (or a default of none) gives :data:`NO_GROUPS`, a framework with no groups.

    Raises
    ------
    InputError
        For a name that is not shipped, a file that is missing or not a
        framework: no ``groups``, a group without a list of themes, a theme
        that is not text or is in two groups, a name or title that is not text.
    """
    if _is_default(name_or_path):
        return default_framework() or NO_GROUPS
    if _is_none(name_or_path):
        return NO_GROUPS
    text = str(name_or_path)
    path = Path(name_or_path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        shipped = available_frameworks()
        if text not in shipped:  # a name, never a path: 'x/../../y' cannot reach other files
            raise InputError(Problem(f"There is no framework called {shown(text)}",
                                     fix=did_you_mean(text.strip().replace(" ", "_"), shipped, cutoff=0.6)
                                     + f"Use one of the shipped frameworks ({', '.join(shipped)}), "
                                       f"{NO_FRAMEWORK} (no framework), {DEFAULT_FRAMEWORK} (the council's "
                                       "default), or give the path of a framework's YAML file."))
        path = data_dir() / "frameworks" / f"{text}.yaml"
    try:
        is_file = path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, or holding a NUL
        is_file = False
    if not is_file:
        raise InputError(Problem(f"the framework file {shown(text, 200)} was not found"
                                 + (" (it is a folder)" if _is_dir(path) else ""),
                                 fix="Check the path: a framework is a YAML file with 'groups:'."))
    raw = read_yaml(path, "framework file")
    where = {"file": str(path)}
    if found := mapping_problem(raw, "groups", "groups"):
        raise InputError(Problem(f"the framework file {found}", column="groups", **where,
                                 fix="Write 'groups:' and under it each group's name with its list of themes, "
                                     "e.g. 'Zero carbon: [environment and carbon]'."))
    problems = Problems()
    for key in ("name", "title", "source", "source_url"):
        if key in raw and not isinstance(raw[key], (str, int, float)) or isinstance(raw.get(key), bool):
            problems.add(f"'{key}' is {shown(raw[key])}, not text", column=key, fix="Give it as one line of text.",
                         **where)
    groups, owner, group_names = {}, {}, {}
    for group, themes in raw["groups"].items():
        if not isinstance(group, str) or not group.strip():
            problems.add(f"a group is named {shown(group)}", column="groups", **where,
                         fix="Name each group in words, e.g. 'Zero carbon'.")
            continue
        if group.strip().lower() in group_names:
            problems.add(f"the groups '{group_names[group.strip().lower()]}' and '{group}' have the same name",
                         column="groups", **where, fix="Give each group its own name.")
            continue
        group_names[group.strip().lower()] = group
        if themes is None:
            themes = []
        if not isinstance(themes, list):
            problems.add(f"group '{group}' holds {shown(themes)} instead of a list of themes", column="groups",
                         **where, fix=f"List its themes, e.g. '{group}: [health and care, wellbeing]'.")
            continue
        clean = []
        for theme in themes:
            if isinstance(theme, bool) or not isinstance(theme, (str, int, float)) or not str(theme).strip():
                problems.add(f"group '{group}' lists {shown(theme)} as a theme", column="groups", **where,
                             fix="Each theme is a word or phrase, e.g. 'health and care'.")
                continue
            t = str(theme).strip().lower()
            if t in owner:
                problems.add(f"theme '{t}' is listed twice in '{group}'" if owner[t] == group else
                             f"theme '{t}' is in both '{owner[t]}' and '{group}'", column="groups", **where,
                             fix="Put each theme in one group, once, so no pound is counted twice.")
                continue
            owner[t] = group
            clean.append(t)
        groups[group] = tuple(clean)
    problems.raise_if_any()
    return Framework(name=str(raw.get("name", path.stem)), title=str(raw.get("title", path.stem)), groups=groups,
                     source=str(raw.get("source", "")), source_url=str(raw.get("source_url", "")), path=path)


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False
