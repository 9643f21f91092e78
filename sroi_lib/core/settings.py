"""The settings a valuation is made under: price year, discounting and framework.

``sroi value`` takes them as options and a contract's parameters file as keys;
both check them here, so a price year, a discount rate or a framework is
accepted or refused the same way, in the same words, wherever it is given.

The framework is optional: ``none`` values a map grouped by no framework
(:attr:`Settings.framework` is None), and ``default`` (what is used when none
is named) is the council's default, set in ``data/settings.yaml`` or the
environment variable ``SROI_FRAMEWORK`` (:mod:`~sroi_lib.core.council`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from ..errors import InputError, Problem
from .discounting import DiscountSchedule, parse_discounting
from .frameworks import DEFAULT_FRAMEWORK, Framework, choose_framework, default_framework
from .prices import DeflatorSeries, load_deflators, parse_price_year

__all__ = ["Settings", "check_settings", "DEFAULT_DISCOUNTING"]

DEFAULT_DISCOUNTING = "green-book"


@dataclass(frozen=True)
class Settings:
    """Checked settings: the analysis price year, the discount schedule, the framework (None: grouped by no
    framework) and the deflator series."""

    price_year: int
    discounting: DiscountSchedule
    framework: Framework | None
    deflators: DeflatorSeries


def _at_column(key: str) -> dict:
    return {"column": key}


def check_settings(*, price_year=None, discounting=DEFAULT_DISCOUNTING, framework=DEFAULT_FRAMEWORK,
                   deflators: DeflatorSeries | None = None, where: Callable[[str], dict] = _at_column,
                   labels: Mapping[str, str] | None = None) -> tuple[Settings | None, list[Problem]]:
    """Check the price year, discounting and framework together.

    Parameters
    ----------
    price_year : int, str or None
        A year inside the GDP deflator series; None or blank for its latest year.
    discounting : str, float or DiscountSchedule
        ``green-book``, ``health``, ``none`` or a rate (see
        :func:`~sroi_lib.core.discounting.parse_discounting`).
    framework : str, Path or None
        A shipped framework's name, a framework YAML file, ``none`` (no
        framework), or ``default`` / None for the council's default.
    deflators : DeflatorSeries, optional
        Default: the shipped GDP deflator.
    where : callable
        ``where(key)`` gives the location of a problem with the setting ``key``
        (``price_year``, ``discounting`` or ``framework``) as
        :class:`~sroi_lib.errors.Problem` fields; by default the key is the column.
    labels : mapping, optional
        Text to start each problem's message with, by key (e.g. the option name
        ``"--price-year "`` on the command line).

    A problem found inside another file (a framework file, the deflator or the
    discount schedule file) keeps that file's name and place; ``where`` places
    the others. A problem with the council's default framework is placed where
    the default is set (the settings file, or ``SROI_FRAMEWORK``), not at ``framework``.

    Returns
    -------
    (Settings or None, list of Problem)
        The settings when every one is right (None otherwise), and every problem found.
    """
    labels = labels or {}
    problems: list[Problem] = []

    def attempt(key: str, make):
        try:
            return make()
        except InputError as exc:
            for p in exc.problems:
                if p.file:  # a problem inside another file (a framework, deflator or schedule file): keep its place
                    problems.append(Problem(f"{labels.get(key, '')}{p.message}", file=p.file, row=p.row,
                                            column=p.column, sheet=p.sheet, fix=p.fix))
                else:
                    problems.append(Problem(f"{labels.get(key, '')}{p.message}", fix=p.fix, **where(key)))
            return None

    deflators = deflators or load_deflators()
    year = attempt("price_year", lambda: parse_price_year(price_year, deflators, label=""))
    schedule = attempt("discounting", lambda: parse_discounting(discounting))
    if framework is None or str(framework).strip().lower() == DEFAULT_FRAMEWORK:
        try:  # not given here: its problems are placed where the default is set
            chosen = default_framework()
        except InputError as exc:
            problems.extend(exc.problems)
    else:
        chosen = attempt("framework", lambda: choose_framework(framework))
    if problems:
        return None, problems
    return Settings(price_year=year, discounting=schedule, framework=chosen, deflators=deflators), problems
