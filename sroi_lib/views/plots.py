"""Figures for reports, in one consistent style (matplotlib and seaborn).

Kept apart from the calculation: nothing here computes a figure, it only draws
what :mod:`sroi_lib.core.valuation` produced.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .formatting import percent as fmt_percent

__all__ = ["use_style", "plain_label", "bar_chart", "bar_charts", "bars", "pounds", "year_profile", "delivery_chart",
           "tornado_label", "tornado_chart", "range_histogram", "PALETTE"]

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
    """Short pounds for axis ticks and labels: ``£1.2m``, ``£35k``, ``£900``, ``-£205k``."""
    sign, x = ("-" if x < 0 and round(abs(x)) else ""), abs(x)
    if x >= 1e6:
        return f"{sign}£{x / 1e6:,.1f}m"
    if x >= 1e3:
        return f"{sign}£{x / 1e3:,.0f}k"
    return f"{sign}£{x:,.0f}"


def bars(ax, breakdown: pd.DataFrame, by: str, title: str) -> None:
    """Draw horizontal bars of present value by ``by`` on ``ax``, each labelled with its pounds and share.

    A disbenefit (a group below zero) draws to the left of zero in its own colour, labelled on its left."""
    data = breakdown.sort_values("present_value", ascending=True)
    pv = data["present_value"]
    ax.barh(data[by].map(plain_label), pv, color=[PALETTE[4] if x < 0 else PALETTE[0] for x in pv])
    for y, (x, share) in enumerate(zip(pv, data["share"])):
        ax.text(x, y, f"  {pounds(x)} ({fmt_percent(share)})" if x >= 0 else f"{pounds(x)} ({fmt_percent(share)})  ",
                va="center", ha="left" if x >= 0 else "right", fontsize=9,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})  # no gridline through the label
    ax.xaxis.set_major_formatter(FuncFormatter(pounds))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))  # labels such as £800k never touch
    ax.set_xlabel("Present value")
    ax.set_ylabel("")
    ax.set_title(title, loc="left")
    high, low = max(1.0, pv.max()), min(0.0, pv.min())
    ax.set_xlim(low * 1.35 - (0.45 * high if low < 0 else 0), high * 1.35)
    if low < 0:
        ax.axvline(0, color="#333333", linewidth=0.8)


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
    """Bars of each year's value before discounting, with its present value beside it.

    When the valuation has disbenefits (``disbenefits_present_value`` below zero in some year,
    :meth:`~sroi_lib.core.valuation.Valuation.by_year`), the present value of the year's disbenefits is a third
    bar below zero, and the other two are net of them."""
    use_style()
    fig, ax = plt.subplots()
    harm = by_year["disbenefits_present_value"] if "disbenefits_present_value" in by_year else None
    split = harm is not None and bool((harm < 0).any())
    width = 0.28 if split else 0.4
    net = " (net of disbenefits)" if split else ""
    ax.bar(by_year["year"] - width / (1 if split else 2), by_year["value"], width, label="Value in the year" + net,
           color=PALETTE[1])
    ax.bar(by_year["year"] + (0 if split else width / 2), by_year["present_value"], width,
           label="Present value" + net, color=PALETTE[0])
    if split:
        ax.bar(by_year["year"] + width, harm, width, label="Disbenefits (present value)", color=PALETTE[4])
        ax.axhline(0, color="#333333", linewidth=0.8)
    ax.yaxis.set_major_formatter(FuncFormatter(pounds))
    ax.set_xlabel("Year")
    ax.set_xticks(by_year["year"])
    ax.set_title(title, loc="left")
    if split:  # three long labels: two rows across the bottom of the figure
        _legend_below(fig, ax.get_legend_handles_labels()[0], ncol=2, rows=2)
    else:
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2)
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


# -- how sure is the figure ----------------------------------------------------------------------------------------

LOW_COLOUR, HIGH_COLOUR, TARGET_COLOUR = PALETTE[4], PALETTE[0], "#c0392b"


def _wrapped(text: str, width: int = 52, lines: int = 2) -> str:
    """Text wrapped to ``lines`` lines of ``width`` characters, the last cut with "…" when it is longer."""
    import textwrap

    parts = textwrap.wrap(str(text), width) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "…"
    return "\n".join(parts)


def tornado_label(row) -> str:
    """A tornado bar's label: the assumption in words with the range tried, then the line it belongs to
    (``"Quantity: 112.5 to 187.5"`` over ``"row 4: Older people receiving care at home, Improved …"``)."""
    from .formatting import ASSUMPTION_WORDS, assumption_value

    words = ASSUMPTION_WORDS.get(row.assumption, str(row.assumption).replace("_", " "))
    head = f"{words[:1].upper()}{words[1:]}: {assumption_value(row.assumption, row.low)} to " \
           f"{assumption_value(row.assumption, row.high)}"
    line = {"inputs": "all inputs", "discounting": "every year's discount factor"}.get(row.assumption, row.label)
    return plain_label(f"{head}\n{_wrapped(line)}")


def tornado_chart(analysis, title: str = "What moves the ratio most"):
    """The tornado: for each of the ten assumptions that move the ratio most, a bar from the central ratio to
    the ratio with the assumption at the low end of its range and one to the ratio at the high end (all others
    held), each end labelled with its ratio; a line at the central ratio and one at the target.

    The bars are :attr:`Analysis.tornado` (:func:`sroi_lib.core.uncertainty.one_way`), largest swing at the top.
    """
    import math

    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    use_style()
    t = analysis.tornado
    base, target = float(analysis.base_ratio), float(analysis.spec.target)
    n = max(1, len(t))
    fig, ax = plt.subplots(figsize=(10, 0.62 * n + 1.6))
    ends = [base, target]
    for i, r in enumerate(t.itertuples()):
        y = n - 1 - i  # the largest swing at the top
        for value, colour in ((float(r.ratio_low), LOW_COLOUR), (float(r.ratio_high), HIGH_COLOUR)):
            if not math.isfinite(value):
                ax.text(base, y, "  no limit", va="center", ha="left", fontsize=8.5)
                continue
            ends.append(value)
            if abs(value - base) < 1e-12:
                continue
            ax.barh(y, value - base, left=base, height=0.62, color=colour)
            right = value > base
            ax.text(value, y, f" {value:,.2f} " if right else f" {value:,.2f} ", va="center",
                    ha="left" if right else "right", fontsize=8.5)
    span = max(ends) - min(ends) or max(abs(base), 1.0) * 0.1
    ax.set_xlim(min(ends) - 0.14 * span, max(ends) + 0.14 * span)
    ax.set_yticks(range(n))
    ax.set_yticklabels([tornado_label(r) for r in t.itertuples()][::-1] or [""], fontsize=8.5)
    ax.set_ylim(-0.6, n - 0.4)
    ax.axvline(base, color="#333333", linewidth=1)
    ax.axvline(target, color=TARGET_COLOUR, linewidth=1.4, linestyle="--")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("SROI ratio (£ of social value for each £1 of inputs)")
    ax.set_title(title, loc="left")
    handles = [Patch(color=LOW_COLOUR, label="Assumption at the low end of its range"),
               Patch(color=HIGH_COLOUR, label="Assumption at the high end"),
               Line2D([], [], color="#333333", linewidth=1, label=f"Central ratio {base:,.2f}"),
               Line2D([], [], color=TARGET_COLOUR, linewidth=1.4, linestyle="--", label=f"Target ratio {target:g}")]
    _legend_below(fig, handles, ncol=2)
    return fig


def _legend_below(fig, handles, ncol: int, rows: int = 2) -> None:
    """A legend across the bottom of the figure, the axes laid out above it."""
    height = fig.get_size_inches()[1]
    fig.legend(handles=handles, frameon=False, fontsize=8.5, ncol=ncol, loc="lower center",
               bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, min(0.5, (0.22 * rows + 0.1) / height), 1, 1))


def range_histogram(analysis, title: str | None = None):
    """The Monte Carlo draws of the ratio as a histogram (:meth:`MonteCarlo.histogram`, the bins results.json
    holds), with the 5th, 50th and 95th percentiles and the target ratio marked; None without a Monte Carlo."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    mc = analysis.monte_carlo
    if mc is None:
        return None
    use_style()
    h, s = mc.histogram(), mc.summary()
    target = float(analysis.spec.target)
    edges, counts = h["edges"], h["counts"]
    fig, ax = plt.subplots(figsize=(9, 4.0))
    ax.stairs(counts, edges, fill=True, color=PALETTE[0], alpha=0.75)
    marks = [(s["p5"], "#5d576b", ":", f"5th percentile {s['p5']:,.2f}"),
             (s["p50"], "#222222", "-", f"Median {s['p50']:,.2f}"),
             (s["p95"], "#5d576b", ":", f"95th percentile {s['p95']:,.2f}")]
    for x, colour, style, _ in marks:
        ax.axvline(x, color=colour, linestyle=style, linewidth=1.6)
    handles = [Patch(color=PALETTE[0], alpha=0.75, label=f"{s['draws']:,} draws")]
    handles += [Line2D([], [], color=c, linestyle=st, linewidth=1.6, label=lab) for _, c, st, lab in marks]
    lo, hi = edges[0], edges[-1]
    width = hi - lo
    if lo - 0.5 * width <= target <= hi + 0.5 * width:  # near enough to show without squashing the draws
        ax.axvline(target, color=TARGET_COLOUR, linestyle="--", linewidth=1.4)
        lo, hi = min(lo, target), max(hi, target)
        handles.append(Line2D([], [], color=TARGET_COLOUR, linestyle="--", linewidth=1.4,
                              label=f"Target ratio {target:g}"))
    else:
        side = "below" if target < lo else "above"
        handles.append(Line2D([], [], color=TARGET_COLOUR, linestyle="--", linewidth=1.4,
                              label=f"Target ratio {target:g}: off the chart, {side} every draw"))
    pad = 0.04 * (hi - lo)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(0, max(counts) * 1.08 if max(counts) else 1)
    ax.grid(axis="x", visible=False)  # only the marked ratios stand up from the axis
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.0f}"))
    ax.set_xlabel("SROI ratio")
    ax.set_ylabel("Draws")
    ax.set_title(title or f"The SROI ratio in each of {s['draws']:,} draws", loc="left")
    _legend_below(fig, handles, ncol=3)
    return fig
