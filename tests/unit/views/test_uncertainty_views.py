"""The report's section "How sure is this figure?": the tornado, the range histogram and the tables, drawn from
the uncertainty analysis of the worked check (docs/method.md) and read back from the figures and tables.

The worked check, two lines against £100,000 of inputs at 3.5%: row 2, 100 people × £1,000 (deadweight 20%,
attribution 25%, drop-off 10%, 3 years), PV £152,215.01; row 3, 50 × £200 for 1 year, PV £9,661.84. Ratio 1.62.
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sroi_lib.core.uncertainty import Distribution, Model, Scenario, Uncertain  # noqa: E402
from sroi_lib.reports.uncertainty import UncertaintySpec, analyse  # noqa: E402
from sroi_lib.views import plots, tables  # noqa: E402
from tests.unit.core.test_uncertainty import LINE1, LINE2, worked  # noqa: E402

BASE = (LINE1 + LINE2) / 100_000  # 1.6188


def analysis(uncertain=(), scenarios=(), target=1.0, valuation=None):
    return analyse(Model.from_valuation(valuation or worked()),
                   UncertaintySpec(target=target, uncertain=tuple(uncertain), scenarios=tuple(scenarios)))


TRIANGULAR = [Uncertain("quantity", 0, Distribution("triangular", low=60, mode=100, high=110))]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def vertical_lines(ax) -> dict[float, str]:
    """x (rounded to 9 places) → line style of every vertical line drawn across the axes."""
    return {round(float(line.get_xdata()[0]), 9): line.get_linestyle() for line in ax.lines
            if len(set(np.asarray(line.get_xdata(), dtype=float))) == 1}


def at(x: float) -> float:
    return round(x, 9)


def test_tornado_bars_are_labelled_in_words_with_the_ratio_at_each_end():
    a = analysis()
    fig = plots.tornado_chart(a)
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()][::-1]  # the largest swing is at the top
    assert len(labels) == 10
    # inputs ±25% swing the ratio most (1.62 × 100/75 = 2.16; × 100/125 = 1.30), then row 2's duration (2 to 4 years)
    assert labels[0] == "Inputs: £75,000 to £125,000\nall inputs"
    assert labels[1] == "Duration: 2 years to 4 years\nrow 2: Residents, Into work"
    assert "Quantity: 75 to 125\nrow 2: Residents, Into work" in labels
    assert "Value per unit: £750.00 to £1,250.00\nrow 2: Residents, Into work" in labels
    assert "Drop-off: 0% to 25%\nrow 2: Residents, Into work" in labels
    assert not any("_" in label for label in labels)  # words, not column names
    ends = {t.get_text().strip() for t in ax.texts}
    # quantity 75: (0.75 × 152,215.01 + 9,661.84) ÷ 100,000 = 1.24; quantity 125: 2.00; inputs 2.16 and 1.30
    assert {"1.24", "2.00", "2.16", "1.30"} <= ends
    lines = vertical_lines(ax)
    assert lines[at(1.0)] == "--" and lines[at(BASE)] == "-"  # target and central ratio
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["Assumption at the low end of its range", "Assumption at the high end", "Central ratio 1.62",
                      "Target ratio 1"]
    # a bar for each end that moves the ratio: 20 ends, less three assumptions already at the bottom of their
    # range (row 2's displacement at 0%, row 3's duration at 1 year, row 2's start year at year 1)
    assert len(ax.patches) == 17


def test_tornado_shows_a_dollar_sign_in_a_name_as_written():
    v = worked(stakeholder=["$\\foo$ tenants <b>", "Families"])
    fig = plots.tornado_chart(analysis(valuation=v))
    fig.canvas.draw()  # mathtext would raise "Unknown symbol: \foo" here
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Quantity: 75 to 125\nrow 2: \\$\\foo\\$ tenants <b>, Into work" in labels


def test_range_histogram_marks_the_percentiles_and_the_target():
    a = analysis(TRIANGULAR)
    s = a.monte_carlo.summary()
    fig = plots.range_histogram(a)
    fig.canvas.draw()
    ax = fig.axes[0]
    lines = vertical_lines(ax)
    for p in ("p5", "p50", "p95"):
        assert at(s[p]) in lines
    assert lines[at(1.0)] == "--"  # the target, near the draws (the lowest is 1.01)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["10,000 draws", f"5th percentile {s['p5']:.2f}", f"Median {s['p50']:.2f}",
                      f"95th percentile {s['p95']:.2f}", "Target ratio 1"]
    # the bars are the histogram results.json holds
    heights = ax.patches[0].get_path().vertices[:, 1]
    assert heights.max() == max(a.monte_carlo.histogram()["counts"])
    # quantity 60 to 110 of row 2: every draw between (0.6 × 152,215 + 9,662) ÷ 100,000 = 1.01 and 1.77
    assert 1.0099 < s["p5"] < s["p50"] < s["p95"] < 1.771


def test_range_histogram_says_where_a_far_target_is_and_nothing_without_draws():
    fig = plots.range_histogram(analysis(TRIANGULAR, target=0.2))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[-1] == "Target ratio 0.2: off the chart, below every draw"
    assert at(0.2) not in vertical_lines(fig.axes[0])
    assert plots.range_histogram(analysis()) is None


def test_fixed_distributions_give_one_figure_everywhere():
    fixed = [Uncertain("quantity", 0, Distribution("fixed", value=100))]
    a = analysis(fixed)
    table = tables.range_table(a)["Value"]
    for row in ("Mean ratio", "Median ratio", "5th percentile", "95th percentile"):
        assert table[row] == "1.62 : 1"
    assert table["Chance the ratio is below 1"] == "0%"
    assert table["Present value, 5th to 95th percentile"] == "£161,877 to £161,877"
    assert table["Draws"] == "10,000" and table["Seed (repeats these numbers exactly)"] == "20261130"
    fig = plots.range_histogram(a)  # every draw in one bin
    fig.canvas.draw()
    assert at(BASE) in vertical_lines(fig.axes[0])


def test_range_table_without_distributions_is_one_line():
    table = tables.range_table(analysis())
    assert len(table) == 1 and table.index[0].startswith("No distributions are given")


def test_range_table_gives_the_chance_below_a_target_other_than_1():
    table = tables.range_table(analysis(TRIANGULAR, target=1.5))["Value"]
    mc = analysis(TRIANGULAR, target=1.5).monte_carlo
    below = float(np.mean(mc.ratios < 1.5))
    assert 0 < below < 1 and table["Chance the ratio is below the target of 1.5"] == f"{below:.1%}"


def test_tipping_table_lists_the_reachable_ones_nearest_first_in_plain_units():
    a = analysis()
    table = tables.tipping_table(a)
    # Row 3 alone can never take the ratio to 1 (without it the ratio is still 1.52); row 2's quantity, value
    # and three adjustments, drop-off, duration and start year, the inputs and the discount rate can.
    assert len(table) == 10
    rows = {(i, r["Line"]): (r["From"], r["To"], r["Change needed"]) for i, r in table.iterrows()}
    line = "row 2: Residents, Into work"
    # quantity* = 100 × (100,000 − 9,661.84) ÷ 152,215.01 = 59.35; (1 − deadweight*) = 0.8 × 0.5935
    assert rows[("Quantity", line)] == ("100", "59.35", "41% lower")
    assert rows[("Value per unit", line)] == ("£1,000.00", "£593.49", "41% lower")
    assert rows[("Deadweight", line)] == ("20%", "52.5%", "32.5 percentage points higher")
    assert rows[("Inputs", "all inputs")] == ("£100,000", "£161,877", "62% higher")
    assert rows[("Duration", line)] == ("3 years", "1 year", "2 years shorter")
    # the start year: 152,215.01 ÷ 1.035^(s − 1) < 90,338.16 first when s = 17
    assert rows[("Start year", line)] == ("year 1", "year 17", "16 years later")
    # the five that scale row 2's value are equally near (41%), in the analysis's order, ahead of the rest
    assert list(table.index[:5]) == ["Quantity", "Value per unit", "Deadweight", "Displacement", "Attribution"]
    assert list(table.index[5:]) == ["Drop-off", "Inputs", "Duration", "Discount rate", "Start year"]
    assert not table["Line"].str.contains("Families").any()


def test_tipping_table_is_cut_at_its_limit_and_says_how_many_more():
    table = tables.tipping_table(analysis(), limit=3)
    assert len(table) == 4 and table.index[-1] == "and 7 more" and "results.json" in table["Line"].iloc[-1]


def test_never_tips_text_counts_the_assumptions():
    assert tables.never_tips_text(analysis()).startswith(
        "10 of the 18 assumptions tested can take the ratio down to 1 on their own; the other 8 never can")
    # below a target of 2, the ratio must go up
    assert "can take the ratio up to 2" in tables.never_tips_text(analysis(target=2))


def test_tipping_table_when_nothing_can_tip_the_ratio():
    a = analysis(target=3)
    a.tipping = a.tipping.assign(never=True)  # as for a map whose every line's value is £0
    assert list(tables.tipping_table(a).index) == [
        "No single assumption, moved on its own within its valid range, takes the ratio to 3."]


def test_tipping_distance_weighs_an_adjustment_by_what_it_leaves():
    assert tables.tipping_distance("quantity", 100, 50) == 0.5
    assert tables.tipping_distance("deadweight", 0.2, 0.6) == pytest.approx(0.5)  # 1 − a: 0.8 → 0.4
    assert tables.tipping_distance("displacement", 1.0, 0.5) == float("inf")


def test_scenarios_table_side_by_side_in_pounds():
    a = analysis(scenarios=[Scenario("pessimistic", "20% fewer outcomes", quantity_change=-0.2),
                            Scenario("<b>dearer</b>", inputs_change=0.25)])
    table = tables.scenarios_table(a)
    assert list(table.index) == ["central", "pessimistic", "<b>dearer</b>"]
    assert list(table.columns) == ["What changes", "Present value", "Inputs", "SROI ratio", "NPV"]
    assert list(table.loc["central"]) == ["the valuation as given", "£161,877", "£100,000", "1.62 : 1", "£61,877"]
    # 0.8 × 161,876.84 = 129,501.47
    assert list(table.loc["pessimistic"]) == ["20% fewer outcomes", "£129,501", "£100,000", "1.30 : 1", "£29,501"]
    # 161,876.84 ÷ 125,000 = 1.295
    assert list(table.loc["<b>dearer</b>"]) == ["", "£161,877", "£125,000", "1.30 : 1", "£36,877"]
    assert "&lt;b&gt;dearer&lt;/b&gt;" in table.to_html()  # a name from a file is text in the report


def test_a_scenario_without_inputs_has_no_ratio():
    a = analysis()
    a.scenarios = a.scenarios.assign(total_inputs=0.0, sroi_ratio=float("inf"))
    assert tables.scenarios_table(a).loc["central", "SROI ratio"] == "n/a (no inputs)"


def test_the_sentence_is_escaped_markdown():
    text = tables.uncertainty_sentence(analysis())
    assert text.startswith("The ratio of 1\\.62 \\: 1 stays above 1 unless the quantity of row 2 falls below")


def test_contract_uncertainty_uses_the_runs_analysis_or_the_defaults():
    v = worked()
    own = analysis(TRIANGULAR)
    assert tables.contract_uncertainty(SimpleNamespace(valuation=v, uncertainty=own)) is own
    fallback = tables.contract_uncertainty(SimpleNamespace(valuation=v))
    assert fallback.monte_carlo is None and list(fallback.scenarios["scenario"]) == ["central"]
    assert fallback.base_ratio == v.sroi_ratio and len(fallback.tornado) == 10


def test_tipping_table_speaks_of_a_disbenefits_value_as_a_loss():
    from sroi_lib.reports.contract import load_contract
    from tests.conftest import ROOT

    highways = load_contract(ROOT / "parameters" / "lcc-highways-maintenance.yaml")
    table = tables.tipping_table(tables.contract_uncertainty(highways))
    row9 = table[table["Line"].str.startswith("row 9:")]
    value = row9.loc["Value per unit"]
    assert value["From"].startswith("-£") and value["To"].startswith("-£")
    # −£8.86 an hour to −£61.67: the loss would have to be 596% larger (61.67 ÷ 8.86 − 1 = 5.96), not "596% lower"
    assert value["Change needed"].endswith("% larger loss")
    assert row9.loc["Quantity", "Change needed"].endswith("% higher")  # a quantity is never negative
