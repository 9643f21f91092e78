"""Figures for reports, in one consistent style (matplotlib and seaborn).

Kept apart from the calculation: nothing here computes a figure, it only draws
what :mod:`sroi_lib.core.valuation` produced.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter

__all__ = ["use_style", "plain_label", "bar_chart", "bar_charts", "bars", "pounds", "year_profile", "delivery_chart",
           "PALETTE"]

PALETTE = ["#1b6b93", "#4fa095", "#a2c579", "#f2c14e", "#f78154", "#5d576b", "#9aa0a8"]


def use_style() -> None:
    """The house style: white background, muted palette, readable sizes."""
    sns.set_theme(style="whitegrid", palette=PALETTE, font_scale=1.0)
    plt.rcParams.update({"figure.figsize": (8, 3.6), "figure.dpi": 100, "axes.titleweight": "bold",
                         "axes.titlesize": 12, "axes.spines.top": False, "axes.spines.right": False})


def plain_label(text) -> str:
    r"""Text from a file as a matplotlib label, drawn exactly as written.

    matplotlib reads text between two ``$`` signs as mathematics (mathtext),
    so a stakeholder named ``Fees $5 to $10`` would lose its dollar signs and
    one named ``$\foo$`` would stop the figure with a parse error. Each ``$``
    gets the backslash matplotlib defines for a literal dollar sign. (Labels are
    drawn into the image, so nothing in them can run as code.)

    >>> plain_label("Fees $5 to $10")
    'Fees \\$5 to \\$10'
    """
    return str(text).replace("$", r"\$")


def pounds(x, _pos=None) -> str:
    """Short pounds for axis ticks and labels: ``£1.2m``, ``£35k``, ``£900``."""
    if abs(x) >= 1e6:
        return f"£{x / 1e6:,.1f}m"
    if abs(x) >= 1e3:
        return f"£{x / 1e3:,.0f}k"
    return f"£{x:,.0f}"


def bars(ax, breakdown: pd.DataFrame, by: str, title: str) -> None:
    """Draw horizontal bars of present value by ``by`` on ``ax``, each labelled with its pounds and share."""
    data = breakdown.sort_values("present_value", ascending=True)
    ax.barh(data[by].map(plain_label), data["present_value"], color=PALETTE[0])
    for y, (pv, share) in enumerate(zip(data["present_value"], data["share"])):
        ax.text(pv, y, f"  {pounds(pv)} ({share:.0%})", va="center", fontsize=9)
    ax.xaxis.set_major_formatter(FuncFormatter(pounds))
    ax.set_xlabel("Present value")
    ax.set_ylabel("")
    ax.set_title(title, loc="left")
    ax.set_xlim(0, max(1.0, data["present_value"].max()) * 1.35)


def bar_chart(breakdown: pd.DataFrame, by: str, title: str):
    """Horizontal bars of present value by group, each labelled with its share."""
    return bar_charts([(breakdown, by, title)])


def bar_charts(panels: list[tuple[pd.DataFrame, str, str]]):
    """Several breakdowns (``(breakdown, column, title)``), one panel each, stacked in one figure."""
    use_style()
    heights = [max(1.0, 0.45 * len(b) + 0.7) for b, _, _ in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, sum(heights) + 0.3 * len(panels)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (breakdown, by, title) in zip(axes[:, 0], panels):
        bars(ax, breakdown, by, title)
    fig.tight_layout()
    return fig


def year_profile(by_year: pd.DataFrame, title: str = "Value by year"):
    """Bars of each year's value before discounting, with its present value beside it."""
    use_style()
    fig, ax = plt.subplots()
    width = 0.4
    ax.bar(by_year["year"] - width / 2, by_year["value"], width, label="Value in the year", color=PALETTE[1])
    ax.bar(by_year["year"] + width / 2, by_year["present_value"], width, label="Present value", color=PALETTE[0])
    ax.yaxis.set_major_formatter(FuncFormatter(pounds))
    ax.set_xlabel("Year")
    ax.set_xticks(by_year["year"])
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig


def delivery_chart(tracking, title: str = "Social value committed and delivered, by quarter"):
    """Bars of the £ value committed and delivered each quarter; None when there is no tracking."""
    if tracking is None:
        return None
    use_style()
    bp = tracking.by_period
    x = range(len(bp))
    fig, ax = plt.subplots()
    width = 0.4
    ax.bar([i - width / 2 for i in x], bp["value_committed"], width, label="Committed", color=PALETTE[6])
    ax.bar([i + width / 2 for i in x], bp["value_delivered"].fillna(0), width, label="Delivered", color=PALETTE[0])
    ax.set_xticks(list(x))
    ax.set_xticklabels(bp["period"], rotation=0, fontsize=9)
    ax.yaxis.set_major_formatter(FuncFormatter(pounds))
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig
