"""The council's own settings: the framework a valuation is grouped by unless another is named.

A council sets its default once, in the settings file ``data/settings.yaml``
(in the data folder, so ``SROI_DATA_DIR`` moves it with the other data)::

    framework: best_city_ambition   # a shipped framework, a framework YAML file (relative to this file), or none

For one shell or one job, the environment variable ``SROI_FRAMEWORK`` (when set
and not blank) overrides the file. With neither, valuations are grouped by no
framework. A framework named on the command line (``--framework``) or in a
contract's parameters (``framework:``) always wins over the default.

The file is read with :func:`~sroi_lib.paths.read_yaml` (safe loader and its
guards); an unknown key, or a framework that is not text, is refused naming
the file and line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import InputError, Problem, Problems, did_you_mean
from ..paths import data_dir, read_yaml
from .quoting import shown

__all__ = ["SETTINGS_FILE", "FRAMEWORK_VARIABLE", "SETTINGS_KEYS", "DefaultFramework", "settings_file",
           "default_framework_setting", "local_authority_setting"]

SETTINGS_FILE = "settings.yaml"  # in the data folder
FRAMEWORK_VARIABLE = "SROI_FRAMEWORK"  # overrides the file's framework when set and not blank
SETTINGS_KEYS = {
    "framework": "the framework valuations are grouped by unless a contract or command names another: "
                 "a shipped framework's name, a framework YAML file (relative to the settings file), or none",
    "local_authority": "the council's local authority district (name or ONS code, such as Leeds or E08000035): a "
                       "ward named in an impact map is looked for there first, as ward names repeat across England",
}


@dataclass(frozen=True)
class DefaultFramework:
    """The default framework as set: ``value`` (a name, a file path or ``none``) and where it was set.

    ``source`` says where in words (for messages); ``file`` and ``line`` place
    it in the settings file when it came from there; ``base`` is the folder a
    relative framework file is read from.
    """

    value: str
    source: str
    file: Path | None = None
    line: int | None = None
    base: Path | None = None

    def problem(self, message: str, fix: str = "") -> Problem:
        """A problem with this setting, placed where it was set."""
        if self.file is not None:
            return Problem(message, file=str(self.file), row=self.line, column="framework", fix=fix or None)
        return Problem(f"{self.source}: {message}", fix=fix or None)


def settings_file() -> Path:
    """The council's settings file: ``settings.yaml`` in the data folder."""
    return data_dir() / SETTINGS_FILE


def default_framework_setting() -> DefaultFramework:
    """Where the default framework is set, and to what: ``SROI_FRAMEWORK``, else the settings file, else ``none``.

    Raises
    ------
    InputError
        When the settings file cannot be read (see :func:`~sroi_lib.paths.read_yaml`), is not
        ``key: value`` lines, has a key sroi does not know, or gives a framework that is not text.
    """
    variable = os.environ.get(FRAMEWORK_VARIABLE, "").strip()
    if variable:
        return DefaultFramework(variable, f"the environment variable {FRAMEWORK_VARIABLE}", base=Path.cwd())
    path = settings_file()
    if not path.exists():
        return DefaultFramework("none", f"no settings file ({path}) and no {FRAMEWORK_VARIABLE}")
    raw, lines = _read_settings(path)
    value = raw.get("framework")
    if value is None:
        return DefaultFramework("none", f"the settings file {path} (which names no framework)")
    return DefaultFramework(value.strip(), f"the settings file {path}", file=path, line=lines.get("framework"),
                            base=path.parent)


def _read_settings(path: Path) -> tuple[dict, dict[str, int]]:
    """The settings file, every key checked, and the line of each key.

    Raises
    ------
    InputError
        When the file cannot be read, is not ``key: value`` lines, has a key sroi does not know, or gives a
        framework or local authority that is not text.
    """
    raw = read_yaml(path, "settings file")
    label = str(path)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError(Problem(f"holds {shown(raw)} instead of 'key: value' lines", file=label,
                                 fix="Write 'framework: NAME' (see the comments in the shipped settings file)."))
    lines = _lines(path)
    problems = Problems()
    for key in raw:
        if key not in SETTINGS_KEYS:
            problems.add(f"{shown(str(key))} is not a setting sroi knows", file=label, row=lines.get(str(key)),
                         column=str(key), fix=did_you_mean(str(key).strip().lower(), SETTINGS_KEYS, cutoff=0.6)
                         + f"Known settings: {', '.join(SETTINGS_KEYS)}.")
    area = raw.get("local_authority")
    if area is not None and (isinstance(area, bool) or not isinstance(area, str) or not area.strip()):
        problems.add(f"the local authority is {shown(area)}, not a district's name or code", file=label,
                     row=lines.get("local_authority"), column="local_authority",
                     fix="Give the council's local authority district, such as Leeds or E08000035.")
    value = raw.get("framework")
    if value is not None and (isinstance(value, bool) or not isinstance(value, str) or not value.strip()):
        problems.add(f"the framework is {shown(value)}, not a framework's name", file=label,
                     row=lines.get("framework"), column="framework",
                     fix="Give a shipped framework's name (a file name in data/frameworks/ without '.yaml'), "
                         "a framework YAML file, or none.")
    problems.raise_if_any()
    return raw, lines


def local_authority_setting() -> str | None:
    """The council's local authority district as the settings file gives it (``local_authority``), or None.

    Raises
    ------
    InputError
        As :func:`default_framework_setting`, for a settings file that cannot be read or is wrong.
    """
    path = settings_file()
    if not path.exists():
        return None
    raw, _ = _read_settings(path)
    value = raw.get("local_authority")
    return value.strip() if isinstance(value, str) else None


def _lines(path: Path) -> dict[str, int]:
    """The line of each top-level key (1-based), for messages; empty when the file cannot be composed."""
    try:
        node = yaml.compose(path.read_bytes(), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, OSError, RecursionError):
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
