"""The assurance-readiness checklist (sroi_lib/reports/assurance.py): each point's rule, on real contracts.

The employment support grant example is the base: valued from its parameters (every narrative key given), then
changed one thing at a time (a narrative key removed, an indicator blanked, a line made a disbenefit) to show
each rule moving between met, partly met and missing.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from sroi_lib.reports.assurance import MET, MISSING, PARTLY, checklist, disbenefit_lines
from sroi_lib.reports.contract import load_contract, value_files
from sroi_lib.reports.params import NARRATIVE_KEYS
from tests.conftest import ROOT

GRANT = ROOT / "parameters" / "lcc-employment-support-grant.yaml"
CARE = ROOT / "parameters" / "lcc-care-at-home.yaml"


@pytest.fixture(scope="module")
def grant():
    return load_contract(GRANT)


@pytest.fixture(scope="module")
def care():
    return load_contract(CARE)


def points(run, *, params=None, lines=None, checks=None, spec="run"):
    valuation = run.valuation if lines is None else replace(run.valuation, lines=lines)
    return checklist(valuation, params=run.params if params is None else params,
                     checks=run.checks if checks is None else checks,
                     spec=run.uncertainty.spec if spec == "run" else spec)


def point(found, key: str):
    """The one point whose criterion or description starts with ``key``."""
    hits = [p for p in found if p.criterion.startswith(key) or p.point.startswith(key)]
    assert len(hits) == 1, [p.criterion or p.point for p in found]
    return hits[0]


def without(run, *keys):
    return replace(run.params, **{k: None for k in keys})


def test_every_point_belongs_to_one_of_the_seven_principles_and_has_a_status(grant):
    found = points(grant)
    assert {p.principle for p in found} == set(range(1, 8))
    assert {p.status for p in found} <= {MET, PARTLY, MISSING}
    assert all(p.detail for p in found)


def test_the_shipped_example_with_its_narrative_meets_every_narrative_point(grant):
    found = points(grant)
    for criterion in ("1.1", "1.2", "2.2", "4.1"):  # 2.1 also needs the period, which the grant has not
        assert point(found, criterion).status == MET, point(found, criterion)
    for what in ("limitations", "conclusions", "recommendations", "how the analysis was verified"):
        assert point(found, what).status == MET


@pytest.mark.parametrize("key, criterion", [
    ("stakeholders_involved", "1.2"), ("materiality", "4.1"), ("limitations", "limitations"),
    ("conclusions", "conclusions"), ("recommendations", "recommendations"),
    ("verification", "how the analysis was verified"),
])
def test_a_narrative_point_is_missing_without_its_key_and_names_the_key(grant, key, criterion):
    p = point(points(grant, params=without(grant, key)), criterion)
    assert p.status == MISSING
    assert f"add '{key}' to the parameters" in p.detail and NARRATIVE_KEYS[key] in p.detail


def test_stakeholder_groups_are_partly_met_until_the_left_out_are_named(grant):
    p = point(points(grant, params=without(grant, "excluded_stakeholders")), "1.1")
    assert p.status == PARTLY and "4 stakeholder groups in the impact map" in p.detail
    assert "excluded_stakeholders" in p.detail


def test_scope_needs_the_text_and_the_period(grant, care):
    # the grant has a scope but no contract quarters; care at home has both
    assert point(points(grant), "2.1").status == PARTLY
    assert "contract_start" in point(points(grant), "2.1").detail
    assert point(points(care), "2.1").status == MET
    assert point(points(care, params=without(care, "scope")), "2.1").status == PARTLY
    assert point(points(grant, params=without(grant, "scope")), "2.1").status == MISSING


def test_negative_outcomes_are_met_when_valued_or_spoken_of(grant):
    # The grant's materiality speaks of negative outcomes considered: met.
    assert "negative" in grant.params.materiality.lower()
    assert point(points(grant), "2.2").status == MET
    # Without any narrative that speaks of them, and none valued: partly met.
    silent = without(grant, "materiality", "scope", "limitations")
    assert point(points(grant, params=silent), "2.2").status == PARTLY
    # A disbenefit in the map (a line whose present value is below zero) meets it, naming the row.
    lines = grant.valuation.lines.copy()
    lines.loc[4, "present_value"] = -1_000.0
    p = point(points(grant, params=silent, lines=lines), "2.2")
    assert p.status == MET and "1 negative outcome valued (row 6)" in p.detail


def test_disbenefit_lines_are_those_below_zero(grant):
    lines = grant.valuation.lines.copy()
    assert disbenefit_lines(lines).empty
    lines.loc[[1, 3], "present_value"] = [-5.0, 0.0]
    assert list(disbenefit_lines(lines)["row"]) == [3]


def test_theory_of_change_needs_the_activity_described(grant):
    assert point(points(grant), "2.3").status == MET
    assert point(points(grant, params=replace(grant.params, description="")), "2.3").status == PARTLY


@pytest.mark.parametrize("column, criterion", [("indicator", "2.4"), ("evidence", "2.5")])
def test_a_column_point_is_met_partly_met_or_missing(grant, column, criterion):
    lines = grant.valuation.lines.copy()
    assert point(points(grant), criterion).status == MET
    lines.loc[[0, 2], column] = ""
    p = point(points(grant, lines=lines), criterion)
    assert p.status == PARTLY and "rows 2 and 4 have no" in p.detail
    lines[column] = ""
    assert point(points(grant, lines=lines), criterion).status == MISSING


def test_each_value_needs_its_source(grant):
    key = "each value's source"
    assert point(points(grant), key).status == MET
    lines = grant.valuation.lines.copy()
    lines.loc[1, "source_url"] = ""  # a proxy without an address
    assert point(points(grant, lines=lines), key).status == PARTLY
    lines = grant.valuation.lines.copy()
    lines.loc[1, ["proxy_id", "evidence"]] = ["", ""]  # an own value without evidence
    p = point(points(grant, lines=lines), key)
    assert p.status == PARTLY and "row 3" in p.detail


def test_a_line_without_any_adjustment_is_flagged(grant):
    key = "deadweight, displacement"
    assert point(points(grant), key).status == MET
    lines = grant.valuation.lines.copy()
    lines.loc[0, ["deadweight", "displacement", "attribution", "drop_off"]] = 0.0
    p = point(points(grant, lines=lines), key)
    assert p.status == PARTLY and p.detail.startswith("row 2 has no adjustment (all four are 0%)")
    lines[["deadweight", "displacement", "attribution", "drop_off"]] = 0.0
    assert point(points(grant, lines=lines), key).status == MISSING


def test_a_disbenefit_without_adjustments_or_drop_off_is_not_over_claiming(grant):
    """0% adjustments or no drop-off on a disbenefit count more harm, not less: neither point flags it."""
    lines = grant.valuation.lines.copy()
    lines["disbenefit"] = False
    lines.loc[0, ["deadweight", "displacement", "attribution", "drop_off"]] = 0.0  # row 2 lasts 2 years
    assert point(points(grant, lines=lines), "deadweight, displacement").status == PARTLY
    assert point(points(grant, lines=lines), "drop-off").status == PARTLY
    lines.loc[0, "disbenefit"] = True
    assert point(points(grant, lines=lines), "deadweight, displacement").status == MET
    assert point(points(grant, lines=lines), "drop-off").status == MET


def test_an_outcome_lasting_years_without_drop_off_is_flagged(grant):
    key = "drop-off"
    assert point(points(grant), key).status == MET
    lines = grant.valuation.lines.copy()
    lines.loc[0, "drop_off"] = 0.0  # row 2 lasts 2 years
    p = point(points(grant, lines=lines), key)
    assert p.status == PARTLY and "row 2 lasts more than a year with no drop-off" in p.detail


def test_open_over_claiming_warnings_leave_the_point_partly_met(grant):
    key = "the over-claiming checks"
    assert (grant.checks["grade"] == "warning").sum() == 3
    p = point(points(grant), key)
    assert p.status == PARTLY and "3 warnings" in p.detail
    clean = grant.checks.iloc[0:0]
    assert point(points(grant, checks=clean), key).status == MET
    notes = pd.DataFrame({"grade": ["note"]})
    assert "1 note to read" in point(points(grant, checks=notes), key).detail


def test_sensitivity_is_met_only_with_a_monte_carlo_range(grant):
    key = "sensitivity analysis"
    assert grant.uncertainty.spec.uncertain
    assert point(points(grant), key).status == MET
    one_way = replace(grant.uncertainty.spec, uncertain=())
    assert point(points(grant, spec=one_way), key).status == PARTLY
    assert point(points(grant, spec=None), key).status == PARTLY


def test_sroi_value_without_parameters_marks_narrative_points_missing_and_says_where_they_come_from():
    valued = value_files(ROOT / "data/examples/lcc-care-at-home/impact_map.csv", investment=1_000_000)
    found = checklist(valued.valuation, checks=valued.checks)
    for criterion in ("1.2", "4.1", "limitations", "conclusions", "how the analysis was verified"):
        p = point(found, criterion)
        assert p.status == MISSING and "comes from a contract's parameters" in p.detail
    assert point(found, "2.1").status == MISSING
    assert point(found, "every figure traceable").status == PARTLY
    assert point(found, "2.4").status == MET  # what the impact map holds is still judged
