"""The over-claiming guard (SROI principle 5): each check, its grade, and what it leaves alone."""

import pandas as pd
import pytest

from sroi_lib.core.checks import (CHECK_COLUMNS, Comparables, blocking_problems, finding_text, load_comparables,
                                  overclaiming_checks, stopping_grades)

GOOD_EVIDENCE = ("deadweight 25% from the local rate of similar people in work; displacement 5% from the "
                 "council's survey; attribution 10% to partners, from the 2023 evaluation; drop-off 20% a year "
                 "from the provider's records")


def _lines(**cols):
    n = len(next(iter(cols.values())))
    base = {"row": list(range(2, n + 2)), "stakeholder": [f"S{i}" for i in range(n)],
            "outcome": [f"o{i}" for i in range(n)], "proxy_id": [""] * n, "duration": [1] * n,
            "deadweight": [0.25] * n, "displacement": [0.05] * n, "attribution": [0.1] * n, "drop_off": [0.2] * n,
            "evidence": [GOOD_EVIDENCE] * n, "value_type": ["fiscal"] * n}
    base.update(cols)
    return pd.DataFrame(base)


def _proxies(*rows):
    """A proxy table: (id, part_of, alternative_of, transfer, evidence_years)."""
    return pd.DataFrame([{"proxy_id": pid, "name": f"name of {pid}", "unit": "per accident", "part_of": part,
                          "alternative_of": alt, "transfer": transfer, "evidence_years": years}
                         for pid, part, alt, transfer, years in rows])


def _found(checks):
    return {(r.grade, r.check, r.row) for r in checks.itertuples()}


LIB = _proxies(("total", "", "", False, None), ("part-a", "total", "", False, None), ("part-b", "total", "", False, None),
               ("part-a-motorway", "", "part-a", False, None), ("central", "", "", False, None),
               ("low", "", "central", False, None), ("high", "", "central", False, None),
               ("benefit", "", "", True, None), ("one-off", "", "", False, 1), ("three-years", "", "", False, 3))


def test_clean_lines_flag_nothing():
    c = overclaiming_checks(_lines(proxy_id=["total", "central"]), LIB)
    assert c.empty and list(c.columns) == CHECK_COLUMNS


def test_a_total_and_its_own_part_is_an_error_on_both_lines():
    c = overclaiming_checks(_lines(proxy_id=["total", "part-a", "central"]), LIB)
    assert _found(c) == {("error", "part_and_total", 2), ("error", "part_and_total", 3)}
    detail = c.set_index("row").loc[3, "detail"]
    assert "'part-a'" in detail and "part of 'total'" in detail and "row 2" in detail
    assert set(c["column"]) == {"proxy_id"} and c["action"].str.contains("not both").all()


def test_two_parts_of_one_total_without_the_total_are_fine():
    assert overclaiming_checks(_lines(proxy_id=["part-a", "part-b"]), LIB).empty


def test_a_variant_of_a_part_with_its_total_is_an_error():
    c = overclaiming_checks(_lines(proxy_id=["total", "part-a-motorway"]), LIB)
    assert ("error", "part_and_total", 3) in _found(c) and ("error", "part_and_total", 2) in _found(c)


def test_two_variants_of_one_value():
    # same stakeholder and outcome: counted twice, an error
    same = overclaiming_checks(_lines(proxy_id=["central", "high"], stakeholder=["A", "A"], outcome=["x", "x"]), LIB)
    assert ("error", "alternatives", 2) in _found(same) and ("error", "alternatives", 3) in _found(same)
    # different outcomes: inconsistent, a warning
    apart = overclaiming_checks(_lines(proxy_id=["low", "high"]), LIB)
    assert _found(apart) == {("warning", "alternatives", 2), ("warning", "alternatives", 3)}
    assert "variants of one value ('central')" in apart["detail"].iloc[0]


def test_a_transfer_is_a_warning_and_an_error_when_called_social():
    c = overclaiming_checks(_lines(proxy_id=["benefit", "benefit"], value_type=["fiscal", "social"]), LIB)
    assert ("warning", "transfer", 2) in _found(c) and ("error", "transfer", 3) in _found(c)
    assert "counts it as social" in c[c["row"] == 3]["detail"].iloc[0]


def test_same_stakeholder_and_outcome_and_stacking():
    c = overclaiming_checks(_lines(stakeholder=["A", "A", "B"], outcome=["x", " X", "y"],
                                   value_type=["fiscal", "social", "fiscal"]), LIB)
    assert _found(c) == {("warning", "valued_twice", 2), ("warning", "valued_twice", 3),
                         ("warning", "stacked", 2), ("warning", "stacked", 3)}


def test_every_adjustment_at_zero_on_a_line_and_on_the_whole_map():
    zero = dict(deadweight=[0.0, 0.0], displacement=[0.0, 0.0], attribution=[0.0, 0.0])
    c = overclaiming_checks(_lines(**zero), LIB)
    assert {("warning", "no_adjustments", 2), ("warning", "no_adjustments", 3),
            ("warning", "no_adjustments", None)} <= _found(c)
    # one line with an adjustment: the map as a whole is not flagged, the zero line is
    some = overclaiming_checks(_lines(deadweight=[0.0, 0.1], displacement=[0.0, 0.0], attribution=[0.0, 0.0]), LIB)
    assert ("warning", "no_adjustments", 2) in _found(some) and ("warning", "no_adjustments", None) not in _found(some)
    assert ("warning", "no_adjustments", 3) not in _found(some)


def test_no_drop_off_over_several_years():
    c = overclaiming_checks(_lines(duration=[2, 3], drop_off=[0.0, 0.0]), LIB)
    assert ("warning", "no_drop_off", 3) in _found(c) and ("warning", "no_drop_off", 2) not in _found(c)


def test_durations_beyond_the_proxys_evidence():
    c = overclaiming_checks(_lines(proxy_id=["one-off", "three-years", "three-years", "central"],
                                   duration=[5, 4, 3, 6]), LIB)
    found = _found(c)
    assert ("warning", "beyond_evidence", 2) in found and "a one-off value" in c[c["row"] == 2]["detail"].iloc[0]
    assert ("warning", "beyond_evidence", 3) in found and ("warning", "beyond_evidence", 4) not in found
    # no evidence stated: a duration over five years is flagged as long
    assert ("warning", "long_duration", 5) in found and ("warning", "beyond_evidence", 5) not in found


@pytest.mark.parametrize("evidence, flagged", [
    # the word alone no longer passes: it needs a figure or a source in the same clause
    ("deadweight and attribution considered", {"deadweight", "attribution", "displacement", "drop-off"}),
    ("deadweight: see above. attribution: partners", {"deadweight", "attribution", "displacement", "drop-off"}),
    (GOOD_EVIDENCE, set()),
    ("deadweight 25% from the ONS rate; displacement 5%; attribution a tenth to partners; drop-off 20% a year", set()),
    # a figure for one adjustment does not cover another in a different clause
    ("deadweight 25% from the ONS rate; attribution to partners; displacement 5%; drop-off 20%", {"attribution"}),
    ("deadweight as on the line above; displacement 5%; attribution from the survey; drop-off from records", set()),
])
def test_evidence_must_give_a_figure_or_a_source(evidence, flagged):
    c = overclaiming_checks(_lines(evidence=[evidence], duration=[3]), LIB)
    got = {d.split(" is ")[0] for d in c[c["check"] == "unsupported"]["detail"]}
    assert got == flagged
    assert set(c[c["check"] == "unsupported"]["grade"]) <= {"warning"}


def test_an_unexplained_zero_deadweight_is_a_note():
    c = overclaiming_checks(_lines(deadweight=[0.0, 0.0], evidence=[GOOD_EVIDENCE.replace("deadweight 25%", "x"),
                                                                   "no deadweight: the service is new; " + GOOD_EVIDENCE]),
                            LIB)
    assert ("note", "unsupported", 2) in _found(c) and ("note", "unsupported", 3) not in _found(c)


def test_a_ratio_far_above_published_analyses():
    comp = Comparables(highest=124.0, citation="Gosselin V, Boccanfuso D, Laberge S (2020)", url="https://x.org",
                       sector="physical activity and sport", reviews=2)
    c = overclaiming_checks(_lines(proxy_id=["total"]), LIB, ratio=4232.0, comparables=comp)
    assert _found(c) == {("warning", "ratio_outlier", None)}
    detail = c["detail"].iloc[0]
    assert "4,232.00 : 1" in detail and "124.00 : 1" in detail and "2 reviews of SROI analyses" in detail
    assert "Gosselin" in detail and "physical activity" in detail
    assert overclaiming_checks(_lines(proxy_id=["total"]), LIB, ratio=124.0, comparables=comp).empty


def test_comparables_count_only_sroi_reviews_whose_range_was_read(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("reviews:\n"
                    "  - {citation: 'A B (2020). Title', measure: SROI ratio, highest: 28, sector: mental health}\n"
                    "  - {citation: 'C D (2017). CBA', measure: cost-benefit ratio, highest: 500}\n"
                    "  - {citation: 'E F (2015). Unread', measure: SROI ratio, highest: null}\n"
                    "  - {citation: 'G H (2021). Sport', measure: SROI ratio (crude), highest: 40.5, sector: sport (x)}\n")
    comp = load_comparables(path)
    assert comp == Comparables(40.5, "G H (2021)", "", "sport (x)", 2)
    path.write_text("reviews:\n  - {citation: x, measure: cost-benefit ratio, highest: 3}\n")
    assert load_comparables(path) is None
    shipped = load_comparables()  # the shipped file: the highest read range of an SROI review
    assert shipped.highest >= 28 and shipped.reviews >= 2 and shipped.url.startswith("https://")


def test_findings_come_errors_first_and_stop_by_grade():
    c = overclaiming_checks(_lines(proxy_id=["benefit", "total", "part-a"], duration=[7, 1, 1]), LIB)
    assert list(c["grade"]) == sorted(c["grade"], key=["error", "warning", "note"].index)
    errors = blocking_problems(c, "map.csv")
    assert errors and all("over-claiming error" in p.message and p.file == "map.csv" and p.column == "proxy_id"
                          for p in errors)
    strict = blocking_problems(c, "map.csv", strict=True)
    assert len(strict) == int(c["grade"].isin(["error", "warning"]).sum()) > len(errors)
    assert stopping_grades() == {"error"} and stopping_grades(True) == {"error", "warning"}
    whole = overclaiming_checks(_lines(deadweight=[0.0, 0.0], displacement=[0.0, 0.0], attribution=[0.0, 0.0]), LIB)
    text = finding_text(next(f for f in whole.itertuples() if f.row is None))
    assert text.startswith("warning, the whole map: Every adjustment at 0%")


def test_without_a_library_the_relation_checks_are_skipped():
    c = overclaiming_checks(_lines(proxy_id=["total", "part-a"]))
    assert c.empty


def test_value_files_refuses_an_error_and_keeps_the_other_findings_as_notes(tmp_path):
    from sroi_lib.errors import InputError
    from sroi_lib.reports.contract import value_files

    path = tmp_path / "map.csv"
    path.write_text("stakeholder,outcome,quantity,duration,proxy_id,deadweight,evidence\n"
                    "Volunteers,Volunteering,20,1,vc-volunteer-total-economic-impact-per-volunteer,10%,"
                    "deadweight 10% from the register\n"
                    "Volunteers,Wellbeing,20,1,vc-volunteer-wellbeing-per-volunteer,10%,deadweight 10% from the register\n")
    with pytest.raises(InputError) as caught:
        value_files(path, investment=1000)
    problems = caught.value.problems
    assert [(p.row, p.column) for p in problems] == [(2, "proxy_id"), (3, "proxy_id")]
    assert all(p.file.endswith("map.csv") and "over-claiming error" in p.message for p in problems)
    assert any("attribution is 0%" in n for n in caught.value.notes)  # the notes travel with the refusal
    # one line alone is valued, with its findings kept beside the valuation
    path.write_text(path.read_text().splitlines()[0] + "\n" + path.read_text().splitlines()[1] + "\n")
    valued = value_files(path, investment=1000)
    assert list(valued.checks["grade"]) == ["note"] and valued.to_dict()["checks"][0]["check"] == "unsupported"


def test_a_huge_map_lists_the_first_findings_and_counts_the_rest():
    from sroi_lib.core.checks import MAX_LISTED, SHOWN

    n = MAX_LISTED + 50
    c = overclaiming_checks(_lines(stakeholder=["A"] * n, outcome=["x"] * n), LIB)
    twice = c[c["check"] == "valued_twice"]
    assert len(twice) == MAX_LISTED + 1
    summary = twice[twice["row"].isna()]["detail"].iloc[0]
    assert summary.startswith("50 more findings of this kind (warning)")
    # each finding names the first rows and counts the rest
    first = twice[twice["row"] == 2]["detail"].iloc[0]
    assert first == f"the same stakeholder and outcome are on rows {', '.join(str(r) for r in range(2, 2 + SHOWN))} " \
                    f"and {n - SHOWN:,} more"
    # a total with many parts on the map: one finding per line, each linear in size
    many = overclaiming_checks(_lines(proxy_id=["total"] + ["part-a"] * 30), LIB)
    parts = many[(many["check"] == "part_and_total")]
    assert len(parts) == 31 and "and 20 more" in parts[parts["row"] == 2]["detail"].iloc[0]
