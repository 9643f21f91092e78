"""Who benefits in the report (sroi_lib/views/who_benefits.py, the charts in sroi_lib/views/plots.py and the
sentence of the executive summary), from the shipped housing retrofit example: its households placed by LSOA, its
installers by their ward's profile, and three lines (carbon and two NHS savings) not placed."""

from __future__ import annotations

from dataclasses import replace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sroi_lib.core.who_benefits import UNKNOWN  # noqa: E402
from sroi_lib.reports.contract import NO_PLACE_DATA, load_contract  # noqa: E402
from sroi_lib.reports.print_styles import WIDE_COLUMNS  # noqa: E402
from sroi_lib.views import formatting as fmt  # noqa: E402
from sroi_lib.views import narrative, plots  # noqa: E402
from sroi_lib.views import who_benefits as wb  # noqa: E402
from tests.conftest import ROOT  # noqa: E402


@pytest.fixture(scope="module")
def run():
    return load_contract(ROOT / "parameters" / "lcc-housing-retrofit.yaml")


@pytest.fixture(scope="module")
def absent(run):
    return replace(run, who=None)


def labels(ax, axis="x") -> list[str]:
    ticks = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in ticks]


def legend(fig) -> list[str]:
    return [t.get_text() for t in fig.legends[0].get_texts()]


# -- words --------------------------------------------------------------------------------------------------------

def test_the_weighted_sentence_gives_both_ratios_and_the_two_sensitivity_ratios_in_words(run):
    x = run.who.distributional
    low, high = x["sensitivity"]
    text = wb.weighted_sentence(run.who)
    assert (f"the value is {fmt.money(x['weighted_present_value'], pence=False)} against "
            f"{fmt.money(x['present_value'], pence=False)} unweighted: a weighted ratio of "
            f"{fmt.ratio(x['weighted_sroi_ratio'])} beside the unweighted {fmt.ratio(x['sroi_ratio'])}.") in text
    assert (f"With gentler weights (eta 0.8) the weighted ratio is {fmt.ratio(low['weighted_sroi_ratio'])}; with "
            f"steeper ones (eta 2), {fmt.ratio(high['weighted_sroi_ratio'])}.") in text
    assert "The unweighted figures remain the headline." in text


def test_the_weighted_sentence_without_inputs_gives_the_weighted_values_instead_of_ratios(run):
    x = run.who.distributional
    none = {**x, "weighted_sroi_ratio": None, "sroi_ratio": None,
            "sensitivity": [{**s, "weighted_sroi_ratio": None} for s in x["sensitivity"]]}
    text = wb.weighted_sentence(replace(run.who, distributional=none))
    assert "ratio" not in text
    assert f"({fmt.money(x['sensitivity'][0]['weighted_present_value'], pence=False)} at eta 0.8, " in text


def test_the_summary_gives_the_share_and_weighted_sentences_or_says_why_there_are_none(run, absent):
    text = wb.summary_markdown(run)
    share = f"({fmt.percent(run.who.share_most_deprived_20)}) the 20% most deprived"
    assert fmt.markdown_text(share) in text  # escaped: the sentence is shown as written, never as markup
    assert "weighted ratio of" in text
    gone = wb.summary_markdown(absent)
    assert gone.startswith("**Not shown for this contract.** The impact map gives no place for any line")
    assert wb.absent_text(NO_PLACE_DATA).startswith("The impact map gives no place") and \
        wb.absent_text(NO_PLACE_DATA).endswith("docs/who-benefits.md).")
    for function in (wb.figures_table, wb.weights_table, wb.lines_table):
        assert function(absent) is None
    assert wb.weights_markdown(absent) == "" and wb.lines_markdown(absent) == ""


def test_figures_table_sets_weighted_beside_unweighted_at_eta_and_its_sensitivity_values(run):
    table = wb.figures_table(run)
    x = run.who.distributional
    low, high = x["sensitivity"]
    assert list(table.columns) == ["Unweighted", "Weighted"]
    assert table.loc["Present value (eta 1.3, the Green Book's)", "Weighted"] == \
        fmt.money(x["weighted_present_value"], pence=False)
    assert table.loc["SROI ratio (eta 1.3, the Green Book's)"].tolist() == [
        fmt.ratio(x["sroi_ratio"]), fmt.ratio(x["weighted_sroi_ratio"])]
    assert table.loc["SROI ratio (eta 0.8, gentler weights)", "Weighted"] == fmt.ratio(low["weighted_sroi_ratio"])
    assert table.loc["Present value (eta 2, steeper weights)", "Weighted"] == \
        fmt.money(high["weighted_present_value"], pence=False)
    assert set(table["Unweighted"]) == {fmt.money(x["present_value"], pence=False), fmt.ratio(x["sroi_ratio"])}


def test_weights_table_gives_each_quintiles_income_value_and_weights_and_unknown_at_weight_one(run):
    table = wb.weights_table(run)
    x = run.who.distributional
    assert list(table.index) == ["1 (lowest income)", "2", "3", "4", "5 (highest income)", "Income not known"]
    assert list(table.columns) == ["Median income of the quintile", "Present value", "Share", "Weight at eta 1.3",
                                   "Weight at eta 0.8", "Weight at eta 2"]
    lowest = table.loc["1 (lowest income)"]
    assert lowest["Median income of the quintile"] == fmt.money(x["incomes"]["1"], pence=False)
    # (median / income of the lowest fifth) ** eta
    assert lowest["Weight at eta 1.3"] == f"{(x['median_income'] / x['incomes']['1']) ** 1.3:.2f}"
    assert lowest["Weight at eta 2"] == f"{(x['median_income'] / x['incomes']['1']) ** 2:.2f}"
    assert table.loc["3", "Weight at eta 0.8"] == "1.00"  # the median quintile
    q = run.who.by_income_quintile
    assert table.loc["Income not known", "Present value"] == fmt.money(
        float(q.loc[q["income_quintile"] == UNKNOWN, "present_value"].iloc[0]), pence=False)
    assert table.columns.name == "Income quintile" and table.index.name is None  # one heading row
    assert set(table.loc["Income not known", ["Weight at eta 1.3", "Weight at eta 0.8", "Weight at eta 2"]]) == {"1.00"}
    words = wb.weights_markdown(run)
    assert words.startswith("### Weights by household income")
    assert fmt.markdown_text(run.who.lookup_source) in words
    # the source's address as text: readable on paper, and never a link that would leave the report's tab
    assert f"{fmt.markdown_text(x['income_source'])}, at {fmt.markdown_text(x['income_source_url'])}." in words
    odd = replace(run.who, distributional={**x, "income_source_url": "javascript:alert(1)"})
    plain = wb.weights_markdown(replace(run, who=odd))
    assert "javascript" not in plain and f"**Incomes:** {fmt.markdown_text(x['income_source'])}." in plain


def test_lines_table_traces_each_line_to_its_ward_basis_and_weight(run):
    table = wb.lines_table(run)
    lines = run.valuation.lines
    assert list(table.index) == list(lines["row"])
    assert len(table.columns) + 1 < WIDE_COLUMNS  # with its index: printed on a portrait page
    assert table.loc[2, "Ward"] == "Little London & Woodhouse"
    assert table.loc[2, "Deprivation from"] == "its LSOA, E01011671"
    assert table.loc[2, "Income quintile from"] == "its LSOA's income deprivation"
    weight = run.who.lines.set_index("row").loc[2, "weight"]
    assert table.loc[2, "Weight"] == f"{weight:.2f}"
    assert table.loc[8, ["Ward", "Deprivation from", "Income quintile from"]].tolist() == [
        "Hunslet & Riverside", "its ward's profile", "its ward's income profile"]
    assert table.loc[3, ["Ward", "Deprivation from", "Weight"]].tolist() == ["not given", "not placed",
                                                                            "1.00 (income not known)"]
    fiscal = lines.loc[lines["value_type"] == "fiscal", "row"].tolist()
    assert fiscal and all(table.loc[r, "Weight"] == "1.00 (a fiscal saving)" for r in fiscal)


def test_lines_table_names_a_stated_decile_and_a_fiscal_saving_that_has_an_income(run):
    lines = run.valuation.lines.copy()
    lines["imd_decile"] = [3.0, None, None, None, None, None, None]  # row 2 states decile 3 (as a float from Excel)
    lines.loc[0, "lsoa"] = ""
    lines["value_type"] = ["fiscal"] + list(lines["value_type"].iloc[1:])
    who_lines = run.who.lines.copy()
    who_lines.loc[0, ["place_basis", "weight"]] = ["stated decile", 1.0]
    changed = replace(run, valuation=replace(run.valuation, lines=lines), who=replace(run.who, lines=who_lines))
    table = wb.lines_table(changed)
    assert table.loc[2, "Deprivation from"] == "the IMD decile stated, 3"
    assert table.loc[2, "Weight"] == "1.00 (a fiscal saving)"


# -- the sentence of the executive summary -----------------------------------------------------------------------

def test_the_executive_summary_gives_the_share_reaching_the_most_deprived_fifth_when_known(run, absent):
    who = run.who
    sentence = narrative.who_reach_sentence(who)
    assert sentence == (f"{fmt.percent(who.share_most_deprived_20)} of the social value reaches people in the 20% "
                        f"most deprived areas of England (by the Index of Multiple Deprivation; "
                        f"{fmt.percent(who.share_unknown)} cannot be placed; see *Who benefits*).")
    assert sentence in narrative.executive_summary(run)
    assert narrative.who_reach_sentence(None) == ""
    assert "most deprived" not in narrative.executive_summary(absent)
    nothing = replace(who, share_most_deprived_20=None)  # a present value of £0 or less: no share
    assert narrative.who_reach_sentence(nothing) == ""
    placed = replace(who, share_unknown=0.0)
    assert "cannot be placed" not in narrative.who_reach_sentence(placed)


# -- the charts ---------------------------------------------------------------------------------------------------

def test_decile_chart_puts_decile_1_on_the_left_and_the_unplaced_value_apart_in_grey(run):
    fig = plots.decile_chart(run.who)
    ax = fig.axes[0]
    d = run.who.by_imd_decile
    bars = ax.patches
    assert [round(b.get_height(), 2) for b in bars] == [round(v, 2) for v in d["present_value"]]  # 1..10, unknown
    xs = [b.get_x() + b.get_width() / 2 for b in bars]
    assert xs[:10] == sorted(xs[:10]) and xs[0] == 1 and xs[9] == 10
    assert xs[10] > 11  # the unplaced bar after a gap, behind a dotted line
    assert any(line.get_linestyle() == ":" and 10 < line.get_xdata()[0] < xs[10] for line in ax.lines)
    assert matplotlib.colors.to_hex(bars[10].get_facecolor()) == plots.UNPLACED_COLOUR
    assert {matplotlib.colors.to_hex(b.get_facecolor()) for b in bars[:10]}.isdisjoint({plots.UNPLACED_COLOUR})
    assert matplotlib.colors.to_hex(bars[0].get_facecolor()) == plots.MOST_DEPRIVED_COLOUR
    assert matplotlib.colors.to_hex(bars[2].get_facecolor()) == plots.OTHER_DECILE_COLOUR
    ticks = labels(ax)
    assert ticks[0] == "1\nmost\ndeprived" and ticks[9] == "10\nleast\ndeprived" and ticks[10] == "Not\nplaced"
    texts = [t.get_text() for t in ax.texts]
    unplaced = d.loc[d["imd_decile"] == UNKNOWN].iloc[0]
    assert f"{plots.pounds(unplaced['present_value'])}\n{fmt.percent(unplaced['share'])}" in texts
    assert len(texts) == int((d["present_value"] != 0).sum())  # no label on an empty decile
    assert "Not placed: the impact map gives no place" in legend(fig)
    plt.close(fig)


def test_decile_chart_without_unplaced_value_or_with_a_disbenefit(run):
    d = run.who.by_imd_decile.copy()
    d.loc[d["imd_decile"] == UNKNOWN, ["present_value", "share"]] = [0.0, 0.0]
    d.loc[d["imd_decile"] == 4, ["present_value", "share"]] = [-50_000.0, -0.03]
    fig = plots.decile_chart(replace(run.who, by_imd_decile=d[d["imd_decile"] != UNKNOWN]))
    ax = fig.axes[0]
    assert len(ax.patches) == 10 and "Not\nplaced" not in labels(ax)
    assert matplotlib.colors.to_hex(ax.patches[3].get_facecolor()) == plots.PALETTE[4]
    assert "Below zero: disbenefits" in legend(fig) and ax.get_ylim()[0] < -50_000
    plt.close(fig)
    assert plots.decile_chart(None) is None and plots.ward_chart(None) is None


def test_ward_chart_ranks_wards_largest_first_says_how_each_was_placed_and_keeps_no_ward_apart(run):
    fig = plots.ward_chart(run.who)
    ax = fig.axes[0]
    w = run.who.by_ward
    known = w[w["ward"] != UNKNOWN]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    ys = list(ax.get_yticks())
    order = [label for _, label in sorted(zip(ys, ticks), reverse=True)]  # top to bottom
    assert order == list(known["ward"]) + ["No ward given"]
    widths = {label: b.get_width() for label, b in zip(ticks, ax.patches)}
    assert widths["Little London & Woodhouse"] == pytest.approx(known["present_value"].iloc[0])
    assert min(ys) == 0 and sorted(ys)[1] >= 1.5  # the gap above the no-ward bar
    assert legend(fig) == ["Placed by LSOA", "Some lines by LSOA and some by the ward's profile",
                           "No ward: the impact map gives none"]
    plt.close(fig)


def test_ward_chart_shows_the_fifteen_largest_wards_and_sums_the_rest(run):
    n = 22
    values = np.arange(n, 0, -1) * 1_000.0
    wards = pd.DataFrame({"ward": [f"Ward {i} with a long name that must wrap onto two lines" for i in range(n)]
                          + [UNKNOWN],
                          "ward_code": [f"E0{i}" for i in range(n)] + [""],
                          "present_value": list(values) + [5_000.0], "lines": 1,
                          "basis": ["ward profile"] * (n - 1) + ["stated decile"] + [UNKNOWN]})
    wards["share"] = wards["present_value"] / wards["present_value"].sum()
    fig = plots.ward_chart(replace(run.who, by_ward=wards))
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert len(ticks) == 15 + 2 and "7 other wards" in ticks and ticks[-1] == "No ward given"
    assert ticks[0] == "Ward 0 with a long name that\nmust wrap onto two lines"  # wrapped, never cut mid-word
    other = ax.patches[ticks.index("7 other wards")]
    assert other.get_width() == pytest.approx(values[15:].sum())
    assert ax.get_title(loc="left") == "Value by ward (the 15 largest of 22)"
    assert "IMD decile stated in the impact map" not in legend(fig)  # that ward is among the others
    assert "Other wards, summed" in legend(fig)
    plt.close(fig)
