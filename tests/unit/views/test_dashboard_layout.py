"""The dashboard's charts keep every title, label and legend inside the image, and no legend over a title:
"Contracts by RAG status" was cut to "...statu" beside long contract names, and the legend of "SROI ratios,
highest first" was drawn over its title when a contract had no Monte Carlo."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from sroi_lib.reports.portfolio import load_portfolio  # noqa: E402
from sroi_lib.views.dashboard import portfolio_figure  # noqa: E402
from tests.conftest import write_report_folder  # noqa: E402

RAGS = ["red", "amber", "green", "no data", None]


def contract(i: int, ranged: bool) -> dict:
    pv = 100_000.0 * (i + 1)
    rag = RAGS[i % len(RAGS)]
    r = {"contract": {"contract_id": f"c{i:02d}", "title": f"A rather long contract title for a dashboard test {i}",
                      "supplier": "S", "directorate": "D", "analysis_type": ["forecast", "evaluation"][i % 2],
                      "illustrative": i % 3 == 0},
         "present_value": pv * 0.9, "total_inputs": 100_000.0, "sroi_ratio": pv * 0.9 / 1e5, "npv": pv * 0.9 - 1e5,
         "lines": [{"stakeholder": "S", "outcome": "O", "theme": "wellbeing", "present_value": pv},
                   {"stakeholder": "S", "outcome": "Harm", "theme": "local economy", "present_value": -pv / 10,
                    "disbenefit": True}],
         "contract_period": {"start": "2025-Q1", "end": "2026-Q4"},
         "tracking": None if rag is None else {"rag": rag, "value_committed_to_date": 5e4,
                                               "value_delivered_to_date": 3e4, "value_forecast_to_end": 9e4,
                                               "value_committed_total": 1e5},
         "framework": None if i == 3 else {"name": "best_city_ambition", "title": "Leeds Best City Ambition"}}
    if ranged:
        ratio = r["sroi_ratio"]
        r["uncertainty"] = {"target": 1.0, "monte_carlo": {"seed": 1, "draws": 1000, "mean": ratio, "p5": ratio * 0.7,
                                                            "p50": ratio, "p95": ratio * 1.3, "prob_below_1": 0.0}}
    return r


def outside_or_overlapping(fig) -> list[str]:
    """Every title, axis label, tick label in view, value label and legend that runs past the image's edges, and
    every legend that overlaps its panel's title."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    edge = fig.bbox
    found = []

    def check(what, box):
        if box.x0 < edge.x0 - 0.5 or box.x1 > edge.x1 + 0.5 or box.y0 < edge.y0 - 0.5 or box.y1 > edge.y1 + 0.5:
            found.append(f"{what} runs past the image ({box.x0:.0f}..{box.x1:.0f} of {edge.x1:.0f} px)")

    for ax in fig.axes:
        title = ax._left_title  # noqa: SLF001 - the dashboard's titles are set with loc="left"
        texts = [title, ax.xaxis.label, *ax.texts]
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            texts += [t.label1 for t in axis.get_major_ticks() if min(lo, hi) <= t.get_loc() <= max(lo, hi)]
        for t in texts:
            if t.get_text() and t.get_visible():
                check(repr(t.get_text()), t.get_window_extent(renderer))
        legend = ax.get_legend()
        if legend is not None:
            box = legend.get_window_extent(renderer)
            check(f"the legend of {title.get_text()!r}", box)
            if box.overlaps(title.get_window_extent(renderer)):
                found.append(f"the legend is drawn over the title {title.get_text()!r}")
    return found


@pytest.mark.parametrize("count", [3, 12])
def test_every_title_label_and_legend_is_inside_the_image(tmp_path, count):
    for i in range(count):
        write_report_folder(tmp_path / f"c{i:02d}", contract(i, ranged=i % 2 == 1))
    p = load_portfolio(tmp_path)
    fig = portfolio_figure(p)
    try:
        titles = [ax.get_title(loc="left") for ax in fig.axes]
        assert titles[1] == "Contracts by RAG status" and titles[3].startswith("SROI ratios")
        assert outside_or_overlapping(fig) == []
        legend = [t.get_text() for t in fig.axes[3].get_legend().get_texts()]
        assert legend == ["Ratio, line from 5th to 95th percentile", "Ratio only: no Monte Carlo in its report",
                          "Ratio of 1"]  # the widest legend there is, all on one line under the title
    finally:
        plt.close(fig)
