"""The over-claiming guard (SROI principle 5: do not over-claim).

Each check looks at the valued lines (and, where a line uses the proxy library,
at how its proxy relates to the others) and lists every line a reviewer should
look at again, with the reason and what to do. Findings are graded:

* **error**: the figure counts something twice for certain. sroi refuses to
  give a ratio until the map is fixed (exit code 2).
* **warning**: the figure may over-claim; the report shows it, and ``--strict``
  (for batch runs) refuses it like an error.
* **note**: worth a reviewer's look; never refused.

=====================  =======  ============================================================
check                  grade    flags
=====================  =======  ============================================================
``part_and_total``     error    a total and one of its own parts (``part_of``) on one map
``alternatives``       error    two variants of one value (``alternative_of``: low/central/high,
                                weekly/annual) for the same stakeholder and outcome;
                       warning  on different outcomes (use one variant consistently)
``transfer``           warning  a transfer (a benefit, a tax) counted as value; error when the
                                line calls it social (wellbeing) value
``stacked``            warning  fiscal savings and wellbeing for the same stakeholder and outcome
``valued_twice``       warning  the same stakeholder and outcome on more than one line
``no_adjustments``     warning  deadweight, displacement and attribution all 0% on a line (and,
                                once, on the whole map), with no drop-off over several years
``no_drop_off``        warning  drop-off 0% over three years or more
``beyond_evidence``    warning  a duration longer than the proxy's evidence supports
                                (``evidence_years``; 1 for a one-off value such as a cost per event)
``long_duration``      warning  more than five years where the proxy states no evidence for it
``unsupported``        warning  a non-zero adjustment whose evidence gives neither a figure nor a
                                source; a note for a 0% deadweight or attribution not explained
``ratio_outlier``      warning  an SROI ratio above the highest published in reviews of
                                comparable SROI analyses (``data/reference/sroi_ratio_comparables.yaml``)
=====================  =======  ============================================================

**Disbenefits** (lines whose value is below zero: a negative outcome) are checked only where they could make
the figure claim too much. A 0% adjustment, no drop-off, a long duration or a second line for the same harm
all count more harm, never less, so those checks pass them by, as do the checks of relations between proxies
(a disbenefit valued with a part of a total the map counts as a benefit nets, it does not double count). A
non-zero adjustment on a disbenefit takes harm off the total, so it still needs its figure or source
(``unsupported``), and a transfer is flagged whichever way it is counted.

The evidence test reads the ``evidence`` column clause by clause (split at
``;``, ``, `` and full stops): an adjustment is supported when a clause naming
it (``deadweight``, ``would have happened anyway``; ``displacement``;
``attribution``, ``due to others``; ``drop-off``) also gives a figure (``30%``,
``a third``; for a 0% adjustment ``no`` or ``none``) or a source (a web address,
a year, a survey, study, report, records or data, or ``as on`` another line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem
from ..paths import read_yaml, reference_file

__all__ = ["MAX_LISTED", "overclaiming_checks", "blocking_problems", "stopping_grades", "finding_text", "load_comparables", "Comparables", "CHECKS", "GRADES",
           "CHECK_COLUMNS", "LONG_DURATION_YEARS", "SEVERAL_YEARS"]

LONG_DURATION_YEARS = 5  # beyond this, a duration needs its evidence
MAX_LISTED = 200  # findings listed for each check; beyond this (only on very large maps) they are counted
SEVERAL_YEARS = 3  # drop-off 0% over this many years or more is flagged
GRADES = ("error", "warning", "note")
CHECKS = {
    "part_and_total": "A total and its own part on one map",
    "alternatives": "Two variants of one value",
    "transfer": "A transfer counted as value",
    "stacked": "Fiscal and wellbeing values stacked on one outcome",
    "valued_twice": "Same stakeholder and outcome valued more than once",
    "no_adjustments": "Every adjustment at 0%",
    "no_drop_off": "No drop-off over several years",
    "beyond_evidence": "Duration beyond the proxy's evidence",
    "long_duration": f"Duration over {LONG_DURATION_YEARS} years",
    "unsupported": "Adjustment without a figure or source",
    "ratio_outlier": "Ratio far above comparable analyses",
}
CHECK_COLUMNS = ["grade", "check", "check_name", "row", "column", "stakeholder", "outcome", "detail", "action"]

_ADJUSTMENT_WORDS = {
    "deadweight": r"deadweight|would have (happened|found|been|started|enrolled|claimed|improved)|anyway",
    "displacement": r"displac",
    "attribution": r"attribut|due to others|credit to|contribution of",
    "drop_off": r"drop[\s\-]?off|fall[s]? (by|each|every)|declin|fades?",
}
_FIGURE = re.compile(r"\d|\b(half|third|quarter|fifth|tenth)\b", re.I)
_ZERO_WORDS = re.compile(r"\b(no|none|nil|zero|not)\b", re.I)
_SOURCE = re.compile(r"https?://|www\.|\b(19|20)\d{2}\b|survey|stud(y|ies)|report|records?\b|\bdata\b|statistic|"
                     r"evaluation|research|\bons\b|published|benchmark|trial|comparison|census|returns|"
                     r"\bas (on|for|above|with)\b|same as", re.I)
_CLAUSE = re.compile(r";|,\s|\.(?:\s|$)|\n")


@dataclass(frozen=True)
class Comparables:
    """The highest SROI ratio found in published reviews of SROI analyses, and where it was read."""

    highest: float
    citation: str  # the review that reports it
    url: str
    sector: str = ""
    reviews: int = 1  # how many reviews gave a range


def load_comparables(path: str | Path | None = None) -> Comparables | None:
    """The highest ratio across the reviews of SROI analyses in ``sroi_ratio_comparables.yaml``.

    Only reviews whose ``measure`` is an SROI ratio and whose ``highest`` was
    read count (cost-benefit reviews and reviews whose range was not read are
    kept in the file for the record). ``None`` when no review qualifies.
    """
    return _comparables(str(path or reference_file("sroi_ratio_comparables.yaml")))


def _comparables(path: str) -> Comparables | None:
    data = read_yaml(path, "comparable SROI ratios file") or {}
    usable = [r for r in data.get("reviews") or [] if isinstance(r, dict)
              and str(r.get("measure", "")).lower().startswith("sroi ratio")
              and isinstance(r.get("highest"), (int, float)) and not isinstance(r.get("highest"), bool)]
    if not usable:
        return None
    top = max(usable, key=lambda r: r["highest"])
    citation = str(top.get("citation", ""))
    short = citation.split(")")[0] + ")" if ")" in citation else citation
    return Comparables(float(top["highest"]), short, str(top.get("url", "")), str(top.get("sector", "")),
                       len(usable))


SHOWN = 10  # a finding names at most this many other rows, then says how many more


def _counted(named: list[str], total: int) -> str:
    """The first :data:`SHOWN` of ``named``, then how many more of ``total`` there are."""
    shown = named[:SHOWN]
    return ", ".join(shown) + (f" and {total - len(shown):,} more" if total > len(shown) else "")


def _rows_text(rows) -> str:
    numbers = [str(int(x)) for x in rows.iloc[: SHOWN] if pd.notna(x)]
    return _counted(numbers, len(rows))


def _key(text) -> str:
    return re.sub(r"\s+", " ", str(text).strip().lower())


def _supported(evidence: str, adjustment: str, amount: float) -> bool:
    """Does a clause of the evidence name this adjustment and give a figure or a source for it?"""
    words = re.compile(_ADJUSTMENT_WORDS[adjustment], re.I)
    for clause in _CLAUSE.split(evidence):
        if words.search(clause) and (_FIGURE.search(clause) or _SOURCE.search(clause)
                                     or (amount == 0 and _ZERO_WORDS.search(clause))):
            return True
    return False


def _pct(x: float) -> str:
    return f"{x:.0%}" if round(x * 100, 6) == round(x * 100) else f"{x:.1%}"


def overclaiming_checks(lines: pd.DataFrame, proxies: pd.DataFrame | None = None, *, ratio: float | None = None,
                        comparables: Comparables | None = None) -> pd.DataFrame:
    """Every finding of the over-claiming guard, one row per (check, line), errors first.

    Parameters
    ----------
    lines : DataFrame
        ``Valuation.lines`` (``row``, ``stakeholder``, ``outcome``, ``proxy_id``,
        ``quantity``, the adjustments, ``duration``, ``value_type``, ``evidence``).
    proxies : DataFrame, optional
        The proxy library's table (``proxy_id``, ``name``, ``unit``, ``part_of``,
        ``alternative_of``, ``transfer``, ``evidence_years``). Without it the
        checks that need a proxy's relations are skipped.
    ratio : float, optional
        The map's SROI ratio, for ``ratio_outlier``.
    comparables : Comparables, optional
        The highest published ratio (:func:`load_comparables`).

    Returns
    -------
    DataFrame
        Columns :data:`CHECK_COLUMNS`: ``grade`` (error, warning or note),
        ``check`` (a key of :data:`CHECKS`), ``check_name``, ``row`` (the map's
        row; empty for a finding about the whole map), ``column`` (the map's
        column to look at), ``stakeholder``, ``outcome``, ``detail`` (why) and
        ``action`` (what to do). Empty when nothing is found.
    """
    found = []
    listed: dict[str, int] = {}
    unlisted: dict[tuple[str, str], int] = {}

    def flag(grade, check, r, column, detail, action):
        if listed.get(check, 0) >= MAX_LISTED:  # a huge map: count the rest, list the first
            unlisted[(check, grade)] = unlisted.get((check, grade), 0) + 1
            return
        listed[check] = listed.get(check, 0) + 1
        row = None if r is None or pd.isna(r.row) else int(r.row)
        found.append({"grade": grade, "check": check, "check_name": CHECKS[check], "row": row, "column": column,
                      "stakeholder": "" if r is None else r.stakeholder, "outcome": "" if r is None else r.outcome,
                      "detail": detail, "action": action})

    info = _proxy_info(proxies)
    harm = set(lines.index[_disbenefits(lines)])  # the disbenefit lines (their value counts against the total)
    pid_of = {}
    for r in lines.itertuples():
        pid = str(getattr(r, "proxy_id", "") or "")
        pid_of[r.Index] = pid if pid in info else ""
    _relation_checks(lines, info, {i: ("" if i in harm else pid) for i, pid in pid_of.items()}, flag)

    all_zero_rows = set()
    for r in lines.itertuples():
        evidence = str(r.evidence or "")
        p = info.get(pid_of[r.Index])
        if p and p["transfer"]:
            social = str(r.value_type) == "social"
            flag("error" if social else "warning", "transfer", r, "proxy_id",
                 f"'{p['id']}' is a transfer ({p['name']}): it moves money between people or bodies and creates "
                 "none" + (", yet this line counts it as social (wellbeing) value" if social else ""),
                 "Count it only from the payer's or receiver's view (a fiscal saving, household income), say so, "
                 "and never add it to a wellbeing value for the same people; leave it out of a whole-society SROI.")
        if r.Index in harm:  # a disbenefit: only an adjustment that takes harm off needs checking
            _check_disbenefit_adjustments(r, evidence, flag)
            continue
        several = r.duration >= SEVERAL_YEARS
        if r.deadweight == 0 and r.displacement == 0 and r.attribution == 0 and (r.duration == 1 or r.drop_off == 0):
            all_zero_rows.add(r.Index)
            flag("warning", "no_adjustments", r, "deadweight",
                 "deadweight, displacement and attribution are all 0%" + (", and drop-off is 0%" if r.duration > 1
                                                                           else "")
                 + ": the whole change is claimed for this activity alone",
                 "Give each adjustment a figure from evidence (what would have happened anyway, who else "
                 "contributed); 0% is a claim that needs its own evidence.")
        if several and r.drop_off == 0:
            flag("warning", "no_drop_off", r, "drop_off",
                 f"the outcome is claimed at full strength for all {r.duration} years (drop-off 0%)",
                 "Set a drop-off from evidence of how the outcome fades, or shorten the duration.")
        years = p["evidence_years"] if p else None
        if years is not None and r.duration > years:
            one_off = years == 1
            flag("warning", "beyond_evidence", r, "duration",
                 f"'{p['id']}' is {'a one-off value' if one_off else f'supported for {years} years'} "
                 f"({p['unit']}), but the line counts it for {r.duration} years"
                 + (": each year counts the value again" if one_off else ""),
                 ("Count it in one year, unless the quantity is the number in each year and you have evidence it "
                  "recurs." if one_off else f"Shorten the duration to {years} years or give evidence for longer."))
        elif years is None and r.duration > LONG_DURATION_YEARS:
            flag("warning", "long_duration", r, "duration", f"claimed to last {r.duration} years",
                 "Give evidence that the outcome lasts this long, or shorten the duration.")
        for adjustment in ("deadweight", "displacement", "attribution", "drop_off"):
            amount = float(getattr(r, adjustment))
            if adjustment == "drop_off" and r.duration == 1:
                continue
            if _supported(evidence, adjustment, amount):
                continue
            name = adjustment.replace("_", "-")
            if amount > 0:
                flag("warning", "unsupported", r, "evidence",
                     f"{name} is {_pct(amount)}, but the evidence gives no figure or source for it",
                     f"Say in the evidence column where the {name} figure comes from (a survey, records, a "
                     "published rate or a comparison group).")
            elif adjustment in ("deadweight", "attribution") and r.Index not in all_zero_rows:
                flag("note", "unsupported", r, "evidence", f"{name} is 0% and the evidence does not say why",
                     f"Say why no {'change would have happened anyway' if adjustment == 'deadweight' else 'one else contributed'}.")
    benefits = lines.drop(index=list(harm)) if harm else lines
    keyed = benefits.assign(_s=benefits["stakeholder"].map(_key), _o=benefits["outcome"].map(_key))
    for _, group in keyed.groupby(["_s", "_o"], sort=False):
        if len(group) > 1:
            rows = _rows_text(group["row"])
            for r in group.itertuples():
                flag("warning", "valued_twice", r, "outcome", f"the same stakeholder and outcome are on rows {rows}",
                     "Value each outcome once for each stakeholder, or reword the outcomes to show they are "
                     "different changes.")
            if {"fiscal", "social"} <= set(group["value_type"]):
                for r in group[group["value_type"].isin(["fiscal", "social"])].itertuples():
                    flag("warning", "stacked", r, "value_type",
                         f"valued as {r.value_type} here; rows {rows} value the same outcome for the same people",
                         "A saving to public services and the wellbeing of the same change count it twice "
                         "unless they are shown to be separate: keep one, or show why both stand.")
    if len(benefits) > 1 and len(all_zero_rows) == len(benefits):
        flag("warning", "no_adjustments", None, "deadweight",
             f"every line of the map has deadweight, displacement and attribution at 0%",
             "An impact map where nothing would have happened anyway and nobody else helped is rare: "
             "review every line's adjustments.")
    if ratio is not None and comparables is not None and ratio > comparables.highest:
        sector = f", {comparables.sector.split(' (')[0]}" if comparables.sector else ""
        flag("warning", "ratio_outlier", None, None,
             f"the SROI ratio is {ratio:,.2f} : 1, above the highest published in {comparables.reviews} reviews of "
             f"SROI analyses ({comparables.highest:,.2f} : 1, {comparables.citation}{sector})",
             "Check the quantities, proxies and adjustments line by line; a ratio this high is more likely an "
             "error than a result.")
    for (check, grade), count in unlisted.items():
        found.append({"grade": grade, "check": check, "check_name": CHECKS[check], "row": None, "column": None,
                      "stakeholder": "", "outcome": "", "detail": f"{count:,} more findings of this kind ({grade}) "
                      f"on other lines; the first {MAX_LISTED:,} are listed",
                      "action": "Fix the lines listed, then run the checks again to see the rest."})
    return _ordered(found)


def _disbenefits(lines: pd.DataFrame) -> np.ndarray:
    """Which lines are disbenefits: the ``disbenefit`` column of ``Valuation.lines``, or (for lines built without
    it) a value per unit below zero."""
    if "disbenefit" in lines:
        return lines["disbenefit"].fillna(False).to_numpy(dtype=bool)
    if "value_per_unit" in lines:
        return lines["value_per_unit"].to_numpy(dtype=float) < 0
    return np.zeros(len(lines), dtype=bool)


def _check_disbenefit_adjustments(r, evidence: str, flag) -> None:
    """A disbenefit's non-zero deadweight, displacement, attribution or drop-off takes harm off the total: each
    needs a figure or a source in the evidence, as on a benefit."""
    for adjustment in ("deadweight", "displacement", "attribution", "drop_off"):
        amount = float(getattr(r, adjustment))
        if amount == 0 or (adjustment == "drop_off" and r.duration == 1) or _supported(evidence, adjustment, amount):
            continue
        name = adjustment.replace("_", "-")
        flag("warning", "unsupported", r, "evidence",
             f"{name} is {_pct(amount)} on a disbenefit, which takes that share of the harm off the total, but the "
             "evidence gives no figure or source for it",
             f"Say in the evidence column where the {name} figure comes from, or set it to 0% to count the whole "
             "harm.")


def _ordered(found: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(found, columns=CHECK_COLUMNS)
    if frame.empty:
        return frame
    order = frame["grade"].map({g: i for i, g in enumerate(GRADES)})
    frame = frame.assign(_o=order, _r=frame["row"].fillna(0)).sort_values(["_o", "_r"], kind="stable")
    frame = frame.drop(columns=["_o", "_r"]).reset_index(drop=True)
    frame["row"] = pd.Series([None if pd.isna(x) else int(x) for x in frame["row"]], dtype="object")
    return frame


def _proxy_info(proxies: pd.DataFrame | None) -> dict[str, dict]:
    if proxies is None or proxies.empty:
        return {}
    info = {}
    for r in proxies.itertuples():
        years = getattr(r, "evidence_years", None)
        info[str(r.proxy_id)] = {
            "id": str(r.proxy_id), "name": str(r.name), "unit": str(r.unit),
            "part_of": str(getattr(r, "part_of", "") or ""), "alternative_of": str(getattr(r, "alternative_of", "") or ""),
            "transfer": _yes(getattr(r, "transfer", False)),
            "evidence_years": None if years is None or pd.isna(years) else int(years)}
    return info


def _yes(cell) -> bool:
    return False if cell is None or (isinstance(cell, float) and cell != cell) else bool(cell)


def _relation_checks(lines: pd.DataFrame, info: dict, pid_of: dict, flag) -> None:
    """A total with its own parts; two variants of one value. Linear in the lines: each finding names at most
    :data:`SHOWN` other rows and counts the rest."""
    def central(pid: str) -> str:
        return info[pid]["alternative_of"] or pid if pid in info else pid

    def totals_of(pid: str) -> list[str]:  # every total this value is (a variant of) a part of, nearest first
        out, seen, at = [], {pid}, central(pid)
        while info.get(at, {}).get("part_of") and info[at]["part_of"] not in seen:
            at = info[at]["part_of"]
            seen.add(at)
            out.append(central(at))
            at = central(at)
        return out

    used = [(r, pid_of[r.Index]) for r in lines.itertuples() if pid_of[r.Index]]
    by_central: dict[str, list] = {}
    for r, pid in used:
        by_central.setdefault(central(pid), []).append((r, pid))
    parts_of: dict[str, list] = {}  # a total (central id) → the lines valuing a part of it
    for r, pid in used:
        for total in totals_of(pid):
            if total in by_central:
                parts_of.setdefault(total, []).append((r, pid))
    for r, pid in used:  # each part: the totals it is part of that the map also values
        for total in totals_of(pid):
            holders = [other for other, _ in by_central.get(total, [])[: SHOWN + 1] if other.Index != r.Index]
            if holders:
                rows = _counted([f"row {o.row}" for o in holders], len(by_central[total]) - (central(pid) == total))
                flag("error", "part_and_total", r, "proxy_id",
                     f"'{pid}' ({info[pid]['name']}) is part of '{total}', which {rows} values: the total already "
                     "contains it", f"Keep the total ({rows}) or its parts, not both: remove this line, or replace "
                     "the total by its other parts.")
                break
    for total, parts in parts_of.items():  # each total: the parts of it the map also values
        for other, opid in by_central[total]:
            if central(opid) != total:
                continue
            named = [f"row {p.row} ('{ppid}')" for p, ppid in parts[: SHOWN + 1] if p.Index != other.Index]
            if named:
                text = _counted(named, len(parts) - sum(p.Index == other.Index for p, _ in parts[: SHOWN + 1]))
                flag("error", "part_and_total", other, "proxy_id",
                     f"'{opid}' is the total that {text} {'is' if len(parts) == 1 else 'are'} part of: the part is "
                     "counted twice", "Keep this total or its parts, not both.")
    for c, group in by_central.items():
        rows_by_id: dict[str, list] = {}
        for r, pid in group:
            rows_by_id.setdefault(pid, []).append(r)
        if len(rows_by_id) < 2:
            continue
        ids_by_key: dict[tuple, set] = {}  # the variants used for each stakeholder and outcome
        for r, pid in group:
            ids_by_key.setdefault((_key(r.stakeholder), _key(r.outcome)), set()).add(pid)
        others_of = {}
        for pid in rows_by_id:
            named = [f"row {o.row} ('{other}')" for other, rows in rows_by_id.items() if other != pid
                     for o in rows[: SHOWN]][: SHOWN]
            others_of[pid] = _counted(named, len(group) - len(rows_by_id[pid]))
        for r, pid in group:
            same = len(ids_by_key[(_key(r.stakeholder), _key(r.outcome))]) > 1
            flag("error" if same else "warning", "alternatives", r, "proxy_id",
                 f"'{pid}' and {others_of[pid]} are variants of one value ('{c}')"
                 + (" for the same stakeholder and outcome: it is counted twice" if same else ""),
                 "Use one variant (the central value, unless you have a reason) and keep the others for "
                 "sensitivity analysis." if same else "Use the same variant throughout the map, or say why not.")


def stopping_grades(strict: bool = False) -> set[str]:
    """The grades that stop a valuation: errors always; warnings too when ``strict`` (``--strict``, for batch runs)."""
    return {"error", "warning"} if strict else {"error"}


def finding_text(f) -> str:
    """One finding in a line of plain text: ``warning, row 5 (Volunteers: wellbeing): why. What to do: ...``."""
    where = f"row {int(f.row)} ({f.stakeholder}: {f.outcome})" if f.row is not None and not pd.isna(f.row) \
        else "the whole map"
    return f"{f.grade}, {where}: {f.check_name}: {f.detail}. What to do: {f.action}"


def blocking_problems(checks: pd.DataFrame, file: str | None, *, strict: bool = False,
                      sheet: str | None = None) -> list[Problem]:
    """The findings that stop a valuation (:func:`stopping_grades`), as problems naming the map's file, row and column."""
    stop = stopping_grades(strict)
    out = []
    for f in checks.itertuples():
        if f.grade in stop:
            row = None if f.row is None or pd.isna(f.row) else int(f.row)
            out.append(Problem(f"over-claiming {f.grade} ({f.check_name}): {f.detail}", file=file, row=row,
                               column=f.column if row is not None else None, fix=f.action, sheet=sheet))
    return out
