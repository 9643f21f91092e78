"""The report's narrative sections (sroi_lib/views/narrative.py), rendered from real contracts: the shipped care
at home example (every narrative key given, commitments tracked, a Monte Carlo range) and changed copies of it."""

from __future__ import annotations

from dataclasses import replace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sroi_lib.cli import main  # noqa: E402
from sroi_lib.reports.contract import load_contract  # noqa: E402
from sroi_lib.reports.params import NARRATIVE_KEYS  # noqa: E402
from sroi_lib.reports.safe_html import clean_html  # noqa: E402
from sroi_lib.views import formatting as fmt  # noqa: E402
from sroi_lib.views import narrative, plots, tables  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

CARE = ROOT / "parameters" / "lcc-care-at-home.yaml"
GRANT = ROOT / "parameters" / "lcc-employment-support-grant.yaml"


@pytest.fixture(scope="module")
def care():
    return load_contract(CARE)


def bare(run):
    """The run with no narrative key given."""
    return replace(run, params=replace(run.params, **{k: None for k in NARRATIVE_KEYS}))


def test_executive_summary_gives_the_ratio_in_words_the_range_and_the_three_biggest_outcomes(care):
    text = narrative.executive_summary(care, care.uncertainty)
    s = care.valuation.summary()
    assert text.startswith(f"**{fmt.every_pound(s['sroi_ratio'])}**")
    assert "Every £1 invested returns £1.90 of social value (present value)." in text
    mc = care.uncertainty.monte_carlo.summary()
    assert f"between {mc['p5']:,.2f} and {mc['p95']:,.2f}" in text and "10,000 Monte Carlo draws" in text
    # The three biggest outcomes, largest first: the wellbeing line, then the two falls lines together, then jobs.
    assert "1. Improved wellbeing from support to live independently at home" in text
    assert "2. Fewer emergency admissions after falls" in text and "3. Local care jobs filled by residents" in text
    assert "4." not in text
    assert "This is a forecast" in text and "illustrative" in text
    assert "4 warnings from the over-claiming checks are open" in text
    assert "No negative outcome (disbenefit) is valued in the impact map." in text


def test_executive_summary_without_monte_carlo_says_there_is_no_range(care):
    text = narrative.executive_summary(care, replace(care.uncertainty, monte_carlo=None))
    assert "There is no Monte Carlo range" in text and "Nine times in ten" not in text


def test_executive_summary_lists_each_disbenefit(care):
    lines = care.valuation.lines.copy()
    lines.loc[6, "present_value"] = -12_345.0  # row 8: as a disbenefit (present value below zero)
    run = replace(care, valuation=replace(care.valuation, lines=lines))
    text = narrative.executive_summary(run, care.uncertainty)
    assert "net of disbenefits" in text
    assert "- row 8: Local care jobs filled by residents (Local residents previously out of work): -£12,345" in text
    assert "They are taken off the benefits: -£12,345 together." in text
    assert "No negative outcome" not in text


def test_each_narrative_key_is_shown_as_written_and_markup_stays_text(care):
    run = replace(care, params=replace(care.params, limitations="<b>Small</b> sample [link](javascript:x)"))
    shown = narrative.limitations_markdown(run)
    assert "<b>" not in shown and "&lt;b&gt;Small&lt;\\/b&gt;" in shown and "\\[link\\]" in shown
    assert narrative.conclusions_markdown(care).startswith("**Conclusions.** ILLUSTRATIVE\\: no conclusion")


def test_a_narrative_key_not_given_says_what_to_add_and_where(care):
    run = bare(care)
    for key in NARRATIVE_KEYS:
        sentence = narrative.narrative_text(run, key)
        assert sentence == (f"Not given: add `{key}` to the contract's parameters file, saying {NARRATIVE_KEYS[key]} "
                            "(docs/reports.md).")
    scope = narrative.scope_markdown(run)
    assert scope.count("Not given: add") == 3 and "The contract runs from 2025\\-Q2 to 2027\\-Q1. " in scope
    assert "Not given: add `stakeholders_involved`" in narrative.stakeholders_markdown(run)
    assert "Not given: add `verification`" in narrative.verification_markdown(run)
    assert "Say in `materiality`" in narrative.executive_summary(run, care.uncertainty)


def test_stakeholders_table_counts_from_the_impact_map(care):
    table = narrative.stakeholders_table(care)
    assert list(table.index) == list(dict.fromkeys(care.valuation.lines["stakeholder"]))
    older = table.loc["Older people receiving care at home"]
    assert older["How many (from the impact map)"].startswith("60 Emergency admissions for falls avoided in the year")
    assert older["Share of the benefits"] == "83%"


def test_theory_of_change_is_a_table_from_inputs_to_outcomes_that_the_sanitiser_keeps(care):
    html = narrative.theory_of_change(care)
    assert html._repr_html_() == str(html)
    assert "£1,200,000 from Leeds City Council: Contract value, one year (illustrative)" in html
    assert "<b>Care at home</b>, delivered by Example Care at Home Ltd (illustrative)" in html
    assert html.count('rowspan="5"') == 4  # inputs and the activity span the five stakeholders, with their arrows
    assert "150 × Life satisfaction gained (WELLBYs)" in html
    assert "Improved wellbeing from support to live independently at home: year 1, £1,486,647" in html
    assert clean_html(html) == html  # only tags and attributes the report's sanitiser allows


def test_theory_of_change_escapes_text_from_files_and_marks_disbenefits(care):
    lines = care.valuation.lines.copy()
    lines.loc[0, "outcome"] = "<script>alert(1)</script>"
    lines.loc[0, "present_value"] = -10.0
    run = replace(care, valuation=replace(care.valuation, lines=lines),
                  params=replace(care.params, supplier="A & B <i>Ltd</i>"))
    html = narrative.theory_of_change(run)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; (disbenefit)" in html
    assert '<li class="negative">' in html and "A &amp; B &lt;i&gt;Ltd&lt;/i&gt;" in html


def test_outcome_valuation_and_adjustment_tables_give_every_line(care):
    n = len(care.valuation.lines)
    outcomes = narrative.outcomes_table(care)
    assert len(outcomes) == n and set(outcomes["Effect"]) == {"benefit"}
    assert outcomes.loc[2, "Evidence"].startswith("ILLUSTRATIVE: 60 fewer emergency admissions")
    valuation = narrative.valuation_table(care)
    assert valuation.loc[2, "Valued by"] == "hw-fall-admission" and valuation.loc[2, "Source"]
    adjustments = narrative.adjustments_table(care)
    assert list(adjustments.loc[2, ["Deadweight", "Attribution"]]) == ["30%", "20%"]


def test_total_inputs_explain_a_discounted_later_instalment(care):
    v = care.valuation
    assert tables.inputs_sentence(v) == "£1,200,000.00"  # paid at the start: nothing to explain
    # £50,000 now and £35,000 in year 1 at 3.5%: 50,000 + 35,000 / 1.035 = £83,816.43
    inputs = pd.DataFrame({"row": [2, 3], "stakeholder": ["Council", "Council"], "description": ["a", "b"],
                           "value": [50_000.0, 35_000.0], "year": [0, 1], "discount_factor": [1.0, 1 / 1.035],
                           "present_value": [50_000.0, 35_000.0 / 1.035]})
    later = replace(v, inputs=inputs)
    assert tables.inputs_sentence(later) == ("£83,816.43 (£85,000.00 before discounting: inputs paid after the "
                                             "start are discounted, as outcomes are)")
    headline = tables.headline_table(replace(care, valuation=later))
    assert headline.loc["Total inputs", "Value"].startswith("£83,816.43 (£85,000.00 before discounting")


def test_no_delivery_section_without_commitments(care):
    assert narrative.delivery_markdown(care).startswith("## Delivery against commitments")
    assert "Green: 95% or more" in narrative.delivery_markdown(care)
    grant = load_contract(GRANT)
    assert grant.tracking is None and narrative.delivery_markdown(grant) == ""


def test_checklist_table_and_text(care):
    points = narrative.contract_checklist(care, care.uncertainty)
    table = narrative.checklist_table(points)
    assert len(table) == len(points) and set(table["Status"]) <= {"met", "partly met", "missing"}
    assert narrative.checklist_summary(points).startswith(f"{sum(p.status == 'met' for p in points)} of "
                                                          f"{len(points)} points met")
    text = narrative.checklist_text(points, "Care at home")
    assert text.startswith("Assurance-readiness checklist for Care at home")
    assert "  MET         1. Involve stakeholders - 1.2 Stakeholders involved in defining outcomes" in text


def test_sroi_value_checklist_marks_narrative_points_missing(capsys):
    ex = ROOT / "data" / "examples" / "lcc-care-at-home"
    code = main(["value", str(ex / "impact_map.csv"), "--inputs", str(ex / "inputs.csv"), "--checklist"])
    out = capsys.readouterr().out
    assert code == 0 and "Assurance-readiness checklist for" in out
    assert "MISSING     7. Verify the result" in out
    assert "'verification' comes from a contract's parameters, which `sroi value` does not read" in out


def test_the_pillar_charts_pound_labels_never_touch():
    """The housing retrofit's pillar panel (£88k to £1.3m, its axes narrowed by the long stakeholder names of the
    panel above) had ten ticks whose labels ran together. Drawn as the report draws it."""
    run = load_contract(ROOT / "parameters" / "lcc-housing-retrofit.yaml")
    v = run.valuation
    fig = plots.bar_charts([(v.breakdown("stakeholder"), "stakeholder", "Present value by stakeholder"),
                            (v.by_framework(run.framework), run.framework.name, "Present value by pillar"),
                            (v.breakdown("value_type"), "value_type", "Present value by value type")])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[1]
    lo, hi = ax.get_xlim()
    boxes = sorted((label.get_window_extent(renderer) for tick, label in
                    zip(ax.get_xticks(), ax.get_xticklabels()) if lo <= tick <= hi and label.get_text()),
                   key=lambda b: b.x0)
    assert len(boxes) >= 3
    gaps = [b.x0 - a.x1 for a, b in zip(boxes, boxes[1:])]
    assert min(gaps) > 4, gaps  # pixels between neighbouring labels
    plt.close(fig)


def test_headline_gives_benefits_and_disbenefits_apart_when_a_line_is_a_disbenefit(care):
    highways = load_contract(ROOT / "parameters" / "lcc-highways-maintenance.yaml")
    v = highways.valuation
    assert v.gross_disbenefits < 0  # row 9: delay to road users during the works
    headline = tables.headline_table(highways)
    assert headline.loc["Benefits (present value)", "Value"] == fmt.money(v.gross_benefits)
    assert headline.loc["Disbenefits (present value)", "Value"] == fmt.money(v.gross_disbenefits)
    net = headline.loc["Present value of outcomes, net of disbenefits", "Value"]
    assert net == fmt.money(v.gross_benefits + v.gross_disbenefits)
    assert headline.index.name is None  # one heading row
    plain = tables.headline_table(care)  # no disbenefit: one present value, no gross rows
    assert "Present value of outcomes" in plain.index and "Disbenefits (present value)" not in plain.index


def test_year_and_proxy_tables_show_a_disbenefit_apart():
    highways = load_contract(ROOT / "parameters" / "lcc-highways-maintenance.yaml")
    v = highways.valuation
    years = tables.year_table(highways)
    y = v.by_year()
    assert list(years["Benefits (present value)"]) == [fmt.money(x) for x in y["benefits_present_value"]]
    assert list(years["Disbenefits (present value)"]) == [fmt.money(x) for x in y["disbenefits_present_value"]]
    # each year's net present value is its benefits plus its (negative) disbenefits
    for net, b, d in zip(y["present_value"], y["benefits_present_value"], y["disbenefits_present_value"]):
        assert net == pytest.approx(b + d)
    assert (y["disbenefits_present_value"] < 0).any()
    proxies = tables.proxies_table(highways)
    assert proxies.loc["le-dft-value-of-time-commuting-2002", "Used"] == "as a disbenefit (a loss)"
    assert set(proxies.drop(index="le-dft-value-of-time-commuting-2002")["Used"]) == {"as a benefit"}
