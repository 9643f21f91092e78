"""Each contract's range in the portfolio: read from results.json's Monte Carlo where it has one, shown as an
interval in the dashboard's figure and table and in `sroi portfolio`; older results.json files without
`uncertainty` still load, with the point alone."""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sroi_lib.errors import InputError  # noqa: E402
from sroi_lib.reports.portfolio import load_portfolio  # noqa: E402
from sroi_lib.views.dashboard import contracts_html, portfolio_figure  # noqa: E402
from sroi_lib.views.summary import portfolio_json, portfolio_text  # noqa: E402
from tests.conftest import write_report_folder  # noqa: E402


def results(cid: str, pv: float, inputs: float, monte_carlo="absent") -> dict:
    r = {"contract": {"contract_id": cid, "title": cid.title(), "supplier": "S", "directorate": "D"},
         "present_value": pv, "total_inputs": inputs, "sroi_ratio": pv / inputs, "npv": pv - inputs,
         "lines": [{"stakeholder": "S", "outcome": "O", "theme": "", "present_value": pv}], "tracking": None}
    if monte_carlo != "absent":  # "absent": a results.json written before it carried `uncertainty`
        r["uncertainty"] = {"target": 1.0, "monte_carlo": monte_carlo, "tipping_points": [], "scenarios": []}
    return r


MC = {"seed": 7, "draws": 10_000, "mean": 1.9, "p5": 1.25, "p50": 1.88, "p95": 2.5, "prob_below_1": 0.01}


@pytest.fixture
def folder(tmp_path):
    write_report_folder(tmp_path / "ranged", results("ranged", 190.0, 100.0, MC))
    write_report_folder(tmp_path / "old", results("old", 300.0, 100.0))  # no `uncertainty` at all
    write_report_folder(tmp_path / "fixed", results("fixed", 50.0, 100.0, None))  # no distributions given
    return tmp_path


def test_ranges_are_read_and_old_results_still_load(folder):
    p = load_portfolio(folder)
    c = p.contracts.set_index("contract_id")
    assert list(c.loc["ranged", ["sroi_ratio_p5", "sroi_ratio_p50", "sroi_ratio_p95"]]) == [1.25, 1.88, 2.5]
    assert c.loc[["old", "fixed"], ["sroi_ratio_p5", "sroi_ratio_p95"]].isna().all().all()
    assert p.headline()["contracts"] == 3 and p.headline()["present_value"] == 540.0 and p.skipped == []


def test_a_monte_carlo_without_its_percentiles_is_refused(tmp_path):
    write_report_folder(tmp_path / "bad", results("bad", 190.0, 100.0, {"seed": 1, "draws": 10}))
    with pytest.raises(InputError, match="does not hold the figures `sroi run` writes"):
        load_portfolio(tmp_path)


def test_dashboard_table_gives_the_range_or_says_there_is_none(folder):
    html = contracts_html(load_portfolio(folder))
    assert "<th>Range (5th to 95th percentile)</th>" in html
    cells = dict(zip(["old", "ranged", "fixed"], html.split("<td class='sroi-range'>")[1:]))  # highest ratio first
    assert cells["ranged"].startswith("1.25 to 2.50</td>")
    assert cells["old"].startswith("no range (no distributions)</td>")
    assert cells["fixed"].startswith("no range (no distributions)</td>")


def test_dashboard_figure_draws_the_interval_and_a_hollow_point_without_one(folder):
    fig = portfolio_figure(load_portfolio(folder))
    fig.canvas.draw()
    ax = fig.axes[3]
    assert ax.get_title(loc="left") == "SROI ratios, highest first"
    order = [t.get_text() for t in ax.get_yticklabels()]
    assert order == ["3. Fixed", "2. Ranged", "1. Old"]  # ranked by title, lowest ratio at the bottom
    y = {cid: i for i, cid in enumerate(["fixed", "ranged", "old"])}
    spans = [(tuple(line.get_xdata()), tuple(line.get_ydata())) for line in ax.lines]
    assert ((1.25, 2.5), (y["ranged"], y["ranged"])) in spans  # 5th to 95th percentile
    points = {(float(line.get_xdata()[0]), float(line.get_ydata()[0])): line.get_markerfacecolor()
              for line in ax.lines if line.get_marker() == "o"}
    assert points[(1.9, y["ranged"])] != "white"  # the ratio, filled
    assert points[(3.0, y["old"])] == "white" and points[(0.5, y["fixed"])] == "white"  # the point alone, hollow
    assert not any(ys == (y["old"], y["old"]) and len(set(xs)) == 2 for xs, ys in spans)  # no interval
    labels = {t.get_text(): t.get_position()[1] for t in ax.texts}  # each point labelled with its ratio
    assert labels == {"0.50 : 1": y["fixed"], "1.90 : 1": y["ranged"], "3.00 : 1": y["old"]}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Ratio, line from 5th to 95th percentile", "Ratio only: no Monte Carlo in its report",
                      "Ratio of 1"]
    lo, hi = ax.get_xlim()
    assert lo < 0.5 and hi > 3.0  # every point and interval end is inside the axes
    plt.close(fig)


def test_dashboard_figure_of_old_reports_only_says_so(tmp_path):
    write_report_folder(tmp_path / "old", results("old", 300.0, 100.0))
    fig = portfolio_figure(load_portfolio(tmp_path))
    assert [t.get_text() for t in fig.axes[3].get_legend().get_texts()] == [
        "Ratio only: no Monte Carlo in its report", "Ratio of 1"]
    plt.close(fig)


def test_sroi_portfolio_text_and_json_carry_the_range(folder):
    p = load_portfolio(folder)
    text = portfolio_text(p, folder)
    table = {cells[0]: cells for cells in (re.split(r"\s{2,}", line.strip()) for line in text.splitlines())}
    assert table["Contract"][5:7] == ["SROI ratio", "Range (5th to 95th)"]
    assert table["ranged"][5:7] == ["1.90 : 1", "1.25 to 2.50"]
    assert table["old"][5:7] == ["3.00 : 1", "no range (no distributions)"]
    data = json.loads(json.dumps(portfolio_json(p), allow_nan=False))  # no NaN
    by_id = {r["contract_id"]: r for r in data["contracts"]}
    assert (by_id["ranged"]["sroi_ratio_p5"], by_id["ranged"]["sroi_ratio_p50"], by_id["ranged"]["sroi_ratio_p95"]) \
        == (1.25, 1.88, 2.5)
    assert by_id["old"]["sroi_ratio_p5"] is None and by_id["fixed"]["sroi_ratio_p95"] is None


def test_a_portfolio_table_made_without_range_columns_still_shows(folder):
    """A Portfolio built from a contracts table without the range columns (as before they were read)."""
    from sroi_lib.reports.portfolio import Portfolio

    p = load_portfolio(folder)
    bare = Portfolio(p.contracts.drop(columns=["sroi_ratio_p5", "sroi_ratio_p50", "sroi_ratio_p95"]), p.lines)
    assert contracts_html(bare).count("no range (no distributions)") == 3
    assert all(r["sroi_ratio_p5"] is None for r in portfolio_json(bare)["contracts"])
    fig = portfolio_figure(bare)
    fig.canvas.draw()
    plt.close(fig)
    assert np.isfinite(bare.headline()["sroi_ratio"])
