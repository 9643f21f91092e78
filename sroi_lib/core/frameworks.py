"""Frameworks: a council's priorities as groups of themes.

Every proxy and outcome line carries a ``theme``; a framework file maps themes
to a council's priorities, for Leeds the Best City Ambition's three pillars.
Each theme belongs to at most one group, so a breakdown by framework adds up to
the total. Frameworks are YAML files in ``data/frameworks/`` (or anywhere)::

    name: best_city_ambition
    title: Leeds Best City Ambition
    groups:
      Zero carbon: [environment and carbon]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem
from ..paths import data_dir, read_yaml

__all__ = ["Framework", "load_framework", "available_frameworks", "NOT_MAPPED", "DEFAULT_FRAMEWORK"]

NOT_MAPPED = "not mapped"
DEFAULT_FRAMEWORK = "best_city_ambition"  # Leeds's Best City Ambition: the framework used unless another is named


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
        for g, themes in self.groups.items():
            if g.lower() == group.strip().lower():
                return list(themes)
        raise InputError(f"'{group}' is not a group of {self.title}. Groups: {', '.join(self.groups)}.")

    def assign(self, themes: pd.Series) -> pd.Series:
        """The group of each theme in a column."""
        lookup = {t: g for g, ts in self.groups.items() for t in ts}
        return themes.astype(str).str.strip().str.lower().map(lookup).fillna(NOT_MAPPED)


def available_frameworks() -> list[str]:
    """Names of the frameworks shipped in ``data/frameworks/``."""
    return sorted(p.stem for p in (data_dir() / "frameworks").glob("*.yaml"))


def load_framework(name_or_path: str | Path) -> Framework:
    """A shipped framework by name (such as :data:`DEFAULT_FRAMEWORK`) or a YAML file of one."""
    path = Path(name_or_path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        path = data_dir() / "frameworks" / f"{name_or_path}.yaml"
        if not path.exists():
            raise InputError(f"There is no framework called '{name_or_path}'. "
                             f"Shipped: {', '.join(available_frameworks())}; or give the path of a YAML file.")
    raw = read_yaml(path, "framework file")
    if not isinstance(raw, dict) or not isinstance(raw.get("groups"), dict):
        raise InputError(Problem("needs 'groups': a mapping of each group to its list of themes", file=str(path)))
    groups, owner, problems = {}, {}, []
    for group, themes in raw["groups"].items():
        if themes is None:
            themes = []
        if not isinstance(themes, list):
            problems.append(Problem(f"group '{group}' must list its themes", file=str(path)))
            continue
        clean = tuple(str(t).strip().lower() for t in themes)
        for t in clean:
            if t in owner:
                problems.append(Problem(f"theme '{t}' is in both '{owner[t]}' and '{group}'", file=str(path),
                                        fix="Put each theme in one group, so no pound is counted twice."))
            owner[t] = group
        groups[str(group)] = clean
    if problems:
        raise InputError(problems)
    return Framework(name=str(raw.get("name", path.stem)), title=str(raw.get("title", path.stem)), groups=groups,
                     source=str(raw.get("source", "")), source_url=str(raw.get("source_url", "")), path=path)
