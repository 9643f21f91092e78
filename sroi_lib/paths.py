"""Where sroi finds its shipped data (proxies, reference tables, frameworks), its notebooks and its reports.

The data folder sits beside the package in the repository (``data/``). Set the
environment variable ``SROI_DATA_DIR`` to use another copy, for example a
council's own reviewed release of the reference tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from .errors import InputError

__all__ = ["data_dir", "reference_file", "read_yaml", "reports_dir", "notebooks_dir"]


def data_dir() -> Path:
    """The data folder: ``$SROI_DATA_DIR`` if set, else ``data/`` in the repository."""
    override = os.environ.get("SROI_DATA_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "data"


def reference_file(name: str) -> Path:
    """A file in ``data/reference/``."""
    return data_dir() / "reference" / name


def read_yaml(path: str | Path, what: str):
    """Read a YAML file with the safe loader; a missing or malformed file is an :class:`InputError`.

    ``what`` names the file for the message, e.g. ``"deflator file"``.
    """
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: the {what} was not found.") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: the {what} is not valid YAML ({exc}).") from None


def reports_dir() -> Path:
    """Where report folders are: ``$SROI_REPORTS_DIR`` if set, else ``reports/`` in the repository."""
    override = os.environ.get("SROI_REPORTS_DIR")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "reports"


def notebooks_dir() -> Path:
    """The parameterised notebooks: ``notebooks/`` in the repository."""
    return Path(__file__).resolve().parent.parent / "notebooks"
