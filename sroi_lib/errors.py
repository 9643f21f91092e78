"""The error family: every error sroi raises on purpose is a :class:`SroiError`.

* :class:`InputError`: the user's mistake (a file, a cell, an option). It is
  never a crash: it holds one :class:`Problem` per thing that is wrong, each
  naming the file, the row (as a spreadsheet shows it: the header is row 1), the
  column, what is wrong and how to fix it. The command line prints every problem
  and exits with code 2. In a YAML file (parameters, scenarios, frameworks,
  themes) the row is the file's line and the column its key, and they are named
  so: ``lcc.yaml, line 7, key 'price_year'``.
* :class:`CellError`: one cell that cannot be read (an :class:`InputError` whose
  file, row and column are added by the reader that met it).
* :class:`RunFailed`: a report could not be produced for a reason that is not in
  the user's files (no Jupyter kernel, a notebook that stopped, Chromium failing).
  The command line says so and exits with code 1.

Anything else that escapes is a fault in sroi itself, never shown as the
user's mistake: the command line says so and prints the traceback.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SroiError", "Problem", "InputError", "CellError", "RunFailed", "Problems", "YAML_SUFFIXES", "nearest",
           "did_you_mean"]

YAML_SUFFIXES = (".yaml", ".yml")  # files whose rows are lines and whose columns are keys


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's input.

    Parameters
    ----------
    message : str
        What is wrong, in plain words (for example ``"-3 is below zero"``).
    file : str, optional
        The file's name as the user gave it.
    row : int, optional
        The row as a spreadsheet shows it (the header is row 1); in a YAML
        file, the line (1-based).
    column : str, optional
        The column's name as it appears in the file; in a YAML file, the key
        (a nested key as its path, ``uncertainty → sensitivity → quantity``).
    fix : str, optional
        How to put it right.
    sheet : str, optional
        The worksheet, for Excel files.
    """

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    fix: str | None = None
    sheet: str | None = None

    @property
    def in_yaml(self) -> bool:
        """Whether the file is YAML (its row is a line, its column a key): by its name's ending."""
        return bool(self.file) and Path(self.file).suffix.lower() in YAML_SUFFIXES

    @property
    def where(self) -> str:
        """The location as one phrase: ``map.csv, row 4, column 'deadweight'`` in a table,
        ``lcc.yaml, line 7, key 'price_year'`` in a YAML file."""
        row, column = ("line", "key") if self.in_yaml else ("row", "column")
        parts = []
        if self.file:
            parts.append(Path(self.file).name)
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"{row} {self.row}")
        if self.column:
            parts.append(f"{column} '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.fix:
            text = f"{text.rstrip('.')}. {self.fix}"
        return text


class SroiError(Exception):
    """The base of every error sroi raises on purpose."""


class InputError(SroiError):
    """One or more problems with a user's input files or options.

    Parameters
    ----------
    problems : Problem, str or list of Problem
        Everything that is wrong. A bare string becomes one problem.
    notes : list of str, optional
        What the user should also know, shown before the problems (such as the
        over-claiming guard's warnings when its errors stop a valuation).
    """

    def __init__(self, problems: Problem | str | list[Problem], notes: list[str] | None = None):
        self.notes: list[str] = list(notes or [])  # things worth knowing that are not themselves problems
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems: list[Problem] = [
            p if isinstance(p, Problem) else Problem(str(p)) for p in problems
        ]
        super().__init__("\n".join(str(p) for p in self.problems))


class CellError(InputError):
    """A cell that cannot be read; ``message`` and ``fix`` are shown to the user.

    The reader that meets it adds the file, row and column (see
    :func:`sroi_lib.io.cells.validate_rows`).

    Examples
    --------
    >>> err = CellError("'abc' is not a number", "Write a number.")
    >>> err.message, err.fix
    ("'abc' is not a number", 'Write a number.')
    """

    def __init__(self, message: str, fix: str = ""):
        self.message = message
        self.fix = fix
        super().__init__(Problem(message, fix=fix or None))


class RunFailed(SroiError):
    """A report could not be produced, for a reason outside the user's files (exit code 1)."""


class Problems(list):
    """A list of :class:`Problem` that raises them all together.

    Examples
    --------
    >>> found = Problems()
    >>> found.add("is empty", file="map.csv", row=3, column="outcome")
    >>> found.raise_if_any()
    Traceback (most recent call last):
    ...
    sroi_lib.errors.InputError: map.csv, row 3, column 'outcome': is empty
    """

    def add(self, message: str, **where) -> None:
        """Record a problem; ``where`` takes the fields of :class:`Problem`."""
        self.append(Problem(message, **where))

    def raise_if_any(self) -> None:
        """Raise an :class:`InputError` holding every problem recorded, if any."""
        if self:
            raise InputError(list(self))


def nearest(word: str, choices, *, most: int = 3, cutoff: float = 0.75) -> list[str]:
    """The ``choices`` nearest to ``word``, for a "did you mean": first any that differ from it only in case, then
    up to ``most`` in all that are alike by :func:`difflib.get_close_matches` (its ratio, compared in lower case,
    at least ``cutoff``, and within 0.1 of the nearest's), nearest first.

    Examples
    --------
    >>> nearest("HW-Wellby-Central", ["hw-wellby-central", "hw-wellby-low"])
    ['hw-wellby-central']
    >>> nearest("hw-welby-centrl", ["hw-wellby-central", "hw-wellby-low", "env-co2"])
    ['hw-wellby-central']
    """
    word = str(word)
    by_lower: dict[str, list[str]] = {}
    for choice in choices:
        by_lower.setdefault(str(choice).lower(), []).append(str(choice))
    found = list(by_lower.get(word.lower(), []))
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=most, cutoff=cutoff)
    ratios = [difflib.SequenceMatcher(None, word.lower(), c).ratio() for c in close]
    for choice, ratio in zip(close, ratios):
        if ratio >= ratios[0] - 0.1:  # as near, or nearly, as the nearest: a far second is noise
            found += [c for c in by_lower[choice] if c not in found]
    return found[:most]


def did_you_mean(word: str, choices, **kw) -> str:
    """``"Did you mean 'a'? "`` (or ``'a', 'b' or 'c'``) for the :func:`nearest` choices; ``""`` when none is near.

    Examples
    --------
    >>> did_you_mean("green bok", ["green-book", "health", "none"])
    "Did you mean 'green-book'? "
    """
    found = [f"'{c}'" for c in nearest(word, choices, **kw)]
    if not found:
        return ""
    return f"Did you mean {found[0] if len(found) == 1 else ', '.join(found[:-1]) + ' or ' + found[-1]}? "
