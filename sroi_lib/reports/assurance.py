"""How ready a valuation is for assurance: each point of the checklist marked met, partly met or missing.

Social Value International's Report Assurance Standard (2018) gives criteria to assess how a report applies
the seven Principles of Social Value: 1 involve stakeholders, 2 understand what changes, 3 value the things
that matter, 4 only include what is material, 5 do not over-claim, 6 be transparent, 7 verify the result.
This module turns them into points a computer can decide from what sroi holds: the contract's parameters (the
narrative keys of :data:`~sroi_lib.reports.params.NARRATIVE_KEYS`), the impact map (stakeholders, indicators,
evidence, adjustments, drop-off, negative outcomes), the uncertainty analysis and the over-claiming checks.
The criterion numbers (1.1, 2.1, ...) are those Social Value UK's practitioner training names; a point
without a number rests on the principle alone. The sources are cited in docs/reports.md.

A point is **met** when the report holds what it asks for, **partly met** when it holds some of it, and
**missing** when it holds none. The checklist judges presence, never quality: a narrative given is met
whatever it says, and an assessor still reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .params import NARRATIVE_KEYS

__all__ = ["MET", "PARTLY", "MISSING", "PRINCIPLES", "Point", "checklist", "disbenefit_lines"]

MET, PARTLY, MISSING = "met", "partly met", "missing"
PRINCIPLES = {1: "Involve stakeholders", 2: "Understand what changes", 3: "Value the things that matter",
              4: "Only include what is material", 5: "Do not over-claim", 6: "Be transparent",
              7: "Verify the result"}
ADJUSTMENTS = ("deadweight", "displacement", "attribution", "drop_off")
# Words that show a narrative speaks of negative outcomes (stating there are none counts: it was considered).
_NEGATIVE_WORDS = re.compile(r"\b(negative|disbenefits?|unintended|harms?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Point:
    """One point of the checklist: the principle it belongs to, the criterion (``"1.1 ..."``, or ``""``), what
    is looked for, its status (:data:`MET`, :data:`PARTLY` or :data:`MISSING`) and what was found or is
    missing, in words."""

    principle: int
    criterion: str
    point: str
    status: str
    detail: str

    @property
    def principle_text(self) -> str:
        """``"1. Involve stakeholders"``."""
        return f"{self.principle}. {PRINCIPLES[self.principle]}"


def disbenefit_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """The lines that are disbenefits (negative outcomes): those whose present value is below zero."""
    return lines[lines["present_value"].to_numpy(float) < 0]


def _text(params, key: str) -> str | None:
    value = getattr(params, key, None) if params is not None else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _absent(params, key: str) -> str:
    """What to add for a narrative key that is not given."""
    if params is None:
        return f"'{key}' comes from a contract's parameters, which `sroi value` does not read"
    return f"add '{key}' to the parameters ({NARRATIVE_KEYS[key]})"


def _rows(lines: pd.DataFrame, mask, limit: int = 6) -> str:
    """``"rows 2, 3 and 7"`` for the lines where ``mask`` is true (the first ``limit``, then a count)."""
    rows = [str(int(r)) if pd.notna(r) else f"line {i + 1}"
            for i, (r, m) in enumerate(zip(lines["row"], mask)) if m]
    shown = rows[:limit]
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    if len(shown) == 1 and not more:
        return f"row {shown[0]}"
    return "rows " + (", ".join(shown) + more if more else ", ".join(shown[:-1]) + " and " + shown[-1])


def _blank(series: pd.Series):
    return series.fillna("").astype(str).str.strip().eq("").to_numpy()


def _column(lines: pd.DataFrame, blank, noun: str, fix: str, principle: int, criterion: str, point: str) -> Point:
    """A point met when every line gives ``noun`` (no cell of its column blank), partly met when some do,
    missing when none does."""
    n, k = len(lines), int(blank.sum())
    if k == 0:
        return Point(principle, criterion, point, MET, f"every one of the {n} lines has {noun}")
    if k == n:
        return Point(principle, criterion, point, MISSING, f"no line has {noun}: {fix}")
    return Point(principle, criterion, point, PARTLY, f"{_rows(lines, blank)} {'has' if k == 1 else 'have'} no "
                                                      f"{noun.split(' ', 1)[-1] if noun.startswith('an ') else noun}: {fix}")


def checklist(valuation, *, params=None, checks: pd.DataFrame | None = None, spec=None) -> list[Point]:
    """The assurance-readiness checklist of a valuation.

    Parameters
    ----------
    valuation : Valuation
        The valued impact map (:class:`~sroi_lib.core.valuation.Valuation`): its lines and inputs.
    params : ContractParams, optional
        The contract's parameters, for the narrative points; without them (``sroi value``) every narrative
        point is missing and says that it comes from a contract's parameters.
    checks : DataFrame, optional
        The over-claiming guard's findings (:func:`~sroi_lib.core.checks.overclaiming_checks`).
    spec : UncertaintySpec, optional
        The contract's uncertainty analysis as asked for (:func:`~sroi_lib.reports.uncertainty.contract_spec`):
        with Monte Carlo distributions the sensitivity point is met; without, partly met.

    Returns
    -------
    list of Point
        In the order of the principles.
    """
    lines = valuation.lines
    n = len(lines)
    points: list[Point] = []

    def narrative(principle, criterion, point, key):
        text = _text(params, key)
        points.append(Point(principle, criterion, point, MET if text else MISSING,
                            f"'{key}' is given" if text else _absent(params, key)))

    # 1. Involve stakeholders
    groups = list(dict.fromkeys(lines["stakeholder"].astype(str)))
    excluded = _text(params, "excluded_stakeholders")
    found = f"{len(groups)} stakeholder group{'' if len(groups) == 1 else 's'} in the impact map"
    points.append(Point(1, "1.1 Identification of stakeholder groups", "who experiences change, and who was left out",
                        MET if excluded else PARTLY,
                        found + ("; 'excluded_stakeholders' says who was left out" if excluded
                                 else f"; to say who was left out and why, {_absent(params, 'excluded_stakeholders')}"
                                 if params is not None else f"; {_absent(params, 'excluded_stakeholders')}")))
    narrative(1, "1.2 Stakeholders involved in defining outcomes", "how stakeholders said what changed for them",
              "stakeholders_involved")

    # 2. Understand what changes
    scope = _text(params, "scope")
    period = bool(params is not None and params.contract_start and params.contract_end)
    status = MET if scope and period else PARTLY if scope or period else MISSING
    parts = ["'scope' is given" if scope else _absent(params, "scope"),
             f"the period is {params.contract_start} to {params.contract_end}" if period else
             "no period: add 'contract_start' and 'contract_end' to the parameters" if params is not None else
             "the period ('contract_start', 'contract_end') comes from a contract's parameters"]
    unsaid = [f"'{k}'" for k in ("purpose", "audience") if not _text(params, k)]
    if unsaid and params is not None:
        parts.append(f"optionally, add {' and '.join(unsaid)}")
    points.append(Point(2, "2.1 Scope", "purpose, audience, boundaries and period", status, "; ".join(parts)))

    negative = disbenefit_lines(lines)
    stated = [k for k in ("materiality", "scope", "limitations") if (t := _text(params, k)) and _NEGATIVE_WORDS.search(t)]
    if len(negative):
        status, detail = MET, (f"{len(negative)} negative outcome{'' if len(negative) == 1 else 's'} valued "
                               f"({_rows(lines, lines['present_value'].to_numpy(float) < 0)})")
    elif stated:
        status, detail = MET, f"no negative outcome is valued, and '{stated[0]}' speaks of negative outcomes"
    else:
        status, detail = PARTLY, ("every outcome is positive, and no narrative says whether negative outcomes were "
                                  "considered: " + ("value any that are material as disbenefits, or say in "
                                                    "'materiality' why none is" if params is not None else
                                                    "say so in a contract's 'materiality' parameter"))
    points.append(Point(2, "2.2 Defining outcomes", "outcomes for each stakeholder, positive and negative, "
                        "intended and unintended", status, detail))

    description = bool(params is not None and str(params.description).strip())
    points.append(Point(2, "2.3 Context of outcomes", "the chain of events from inputs through activities to "
                        "outcomes (theory of change)", MET if description else PARTLY,
                        "drawn from the inputs, the contract's description and the impact map" if description else
                        "drawn from the inputs and the impact map; the activity is not described: " +
                        ("add 'description' to the parameters" if params is not None
                         else "it comes from a contract's 'description' parameter")))
    points.append(_column(lines, _blank(lines["indicator"]), "an indicator",
                          "add one to the impact map's 'indicator' column", 2, "2.4 Defining indicators",
                          "how each change is measured"))
    points.append(_column(lines, _blank(lines["evidence"]), "evidence", "add it to the impact map's 'evidence' column",
                          2, "2.5 Measuring the amounts (quantities) of change",
                          "how much changed, with the evidence for it"))

    # 3. Value the things that matter
    own = lines["proxy_id"].fillna("").astype(str).eq("").to_numpy()
    unsourced = (~own & _blank(lines["source_url"])) | (own & _blank(lines["evidence"]))
    points.append(Point(3, "", "each value's source: a proxy with its published source, or an own value with its "
                        "evidence", MET if not unsourced.any() else PARTLY,
                        f"every one of the {n} lines is valued with a source ({int((~own).sum())} by a proxy from "
                        f"the library, {int(own.sum())} by an own value with its evidence)" if not unsourced.any()
                        else f"{_rows(lines, unsourced)} give no source: give each proxy a source address, and each "
                             "own value its evidence"))

    # 4. Only include what is material
    narrative(4, "4.1 Inclusion or exclusion of stakeholder groups", "what was left out as not material, and why",
              "materiality")

    # 5. Do not over-claim. A disbenefit's line is left out of the two points below: an adjustment of 0% or no
    # drop-off there counts more harm, not less, so it cannot over-claim (as the over-claiming checks treat it).
    benefit = ~lines["disbenefit"].to_numpy(bool) if "disbenefit" in lines else np.ones(len(lines), bool)
    none = (lines[list(ADJUSTMENTS)].to_numpy(float) == 0).all(axis=1) & benefit
    count = int(none.sum())
    points.append(Point(5, "", "deadweight, displacement, attribution and drop-off considered for each outcome",
                        MET if not none.any() else MISSING if count == int(benefit.sum()) else PARTLY,
                        "every line of benefit has at least one adjustment" if not none.any() else
                        f"{'no line of benefit' if count == int(benefit.sum()) else _rows(lines, none)} "
                        f"{'has' if count == 1 or count == int(benefit.sum()) else 'have'} no adjustment (all four "
                        "are 0%): give each its figure, or say in the evidence why 0% is right"))
    longer = (lines["duration"].to_numpy() > 1) & benefit
    lasting = longer & (lines["drop_off"].to_numpy(float) == 0)
    k = int(longer.sum())
    points.append(Point(5, "", "drop-off for outcomes that last more than a year",
                        MET if not lasting.any() else PARTLY,
                        ("no outcome of benefit lasts more than a year" if not k else
                         "the one outcome lasting more than a year has a drop-off" if k == 1 else
                         f"every one of the {k} outcomes lasting more than a year has a drop-off")
                        if not lasting.any() else
                        f"{_rows(lines, lasting)} last{'s' if lasting.sum() == 1 else ''} more than a year with no "
                        "drop-off: give a drop-off, or say in the evidence why the outcome does not fade"))
    if checks is None:
        points.append(Point(5, "", "the over-claiming checks", MISSING, "the over-claiming checks were not run"))
    else:
        grades = checks["grade"].value_counts() if not checks.empty else {}
        warnings, notes = int(grades.get("warning", 0)), int(grades.get("note", 0))
        points.append(Point(5, "", "the over-claiming checks", MET if not warnings else PARTLY,
                            "no warning from the over-claiming checks" + (f" ({notes} note{'' if notes == 1 else 's'}"
                                                                          " to read)" if notes else "")
                            if not warnings else
                            f"{warnings} warning{'' if warnings == 1 else 's'} from the over-claiming checks: resolve "
                            "each, or write down why it stands"))

    # 6. Be transparent
    if spec is None:
        status, detail = PARTLY, ("tipping points only (`sroi value --json`); a contract's report adds one-way "
                                  "sensitivity, and its 'uncertainty' parameters a Monte Carlo range")
    elif spec.uncertain:
        status, detail = MET, (f"one-way sensitivity, tipping points and a Monte Carlo range ({spec.draws:,} draws, "
                               f"seed {spec.seed})")
    else:
        status, detail = PARTLY, ("one-way sensitivity and tipping points with the default ranges; give "
                                  "distributions in the parameters' 'uncertainty' section for a Monte Carlo range")
    points.append(Point(6, "", "sensitivity analysis of the assumptions", status, detail))
    points.append(Point(6, "", "every figure traceable to its inputs and sources",
                        MET if params is not None else PARTLY,
                        "the report folder's manifest records every input's sha256, and `sroi audit` re-makes the "
                        "report from them" if params is not None else
                        "the figures are printed, but only `sroi run` writes a manifest that `sroi audit` can check"))
    narrative(6, "", "limitations of the analysis", "limitations")
    narrative(6, "", "conclusions", "conclusions")
    narrative(6, "", "recommendations: what will change as a result", "recommendations")

    # 7. Verify the result
    narrative(7, "", "how the analysis was verified (independent assurance)", "verification")
    return points
