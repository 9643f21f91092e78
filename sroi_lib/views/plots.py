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
           "tornado_label", "tornado_chart", "range_histogram", "decile_chart", "ward_chart", "ward_label",
           "PALETTE", "UNPLACED_COLOUR"]

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


# -- who benefits ----------------------------------------------------------------------------------------------------

UNPLACED_COLOUR = PALETTE[6]  # grey: value not placed (no place in the impact map), always drawn apart
MOST_DEPRIVED_COLOUR, OTHER_DECILE_COLOUR = PALETTE[0], PALETTE[1]
# How a ward's lines were placed (the ``basis`` of WhoBenefits.by_ward), its colour and its legend's words.
WARD_BASIS = {"LSOA": (PALETTE[0], "Placed by LSOA"),
              "ward profile": (PALETTE[1], "Spread by the ward's profile (no LSOA given)"),
              "stated decile": (PALETTE[3], "IMD decile stated in the impact map")}
WARD_BASIS_WORDS = {"LSOA": "by LSOA", "ward profile": "by the ward's profile", "stated decile": "by a stated decile"}
MIXED_COLOURS = (PALETTE[5], "#b07aa1", "#9c755f", "#d37295")  # a ward whose lines were placed in more than one way
OTHER_WARDS = {"facecolor": "white", "edgecolor": PALETTE[5], "hatch": "///", "linewidth": 0.8}  # the rest, summed


def _value_label(x: float, share) -> str:
    return f"{pounds(x)}\n{fmt_percent(share)}" if share is not None else pounds(x)


def decile_chart(who, title: str = "Value by deprivation decile of the area"):
    """Vertical bars of present value by IMD decile, decile 1 (the most deprived 10% of areas in England) on the
    left, each labelled with its pounds and its share of the whole present value; the deciles of the 20% most
    deprived areas in a darker colour. The value the impact map gives no place for is a grey bar of its own, set
    apart on the right behind a dotted line, never in a decile. A decile whose value is below zero (disbenefits)
    draws below the axis in the disbenefit colour.

    ``who`` is a :class:`~sroi_lib.core.who_benefits.WhoBenefits` (``by_imd_decile``); None (no place data) draws
    nothing and returns None.
    """
    from matplotlib.patches import Patch

    if who is None:
        return None
    from ..core.who_benefits import UNKNOWN

    use_style()
    d = who.by_imd_decile
    deciles = d[d["imd_decile"] != UNKNOWN]
    unknown = d[d["imd_decile"] == UNKNOWN]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    xs = [int(x) for x in deciles["imd_decile"]]
    pv = [float(x) for x in deciles["present_value"]]
    colours = [PALETTE[4] if v < 0 else MOST_DEPRIVED_COLOUR if x <= 2 else OTHER_DECILE_COLOUR
               for x, v in zip(xs, pv)]
    ax.bar(xs, pv, 0.7, color=colours)
    values = list(pv)
    gap_x = 11.6  # the unplaced bar, apart from the deciles
    unplaced = float(unknown["present_value"].sum()) if len(unknown) else 0.0
    if len(unknown):
        ax.bar([gap_x], [unplaced], 0.7, color=UNPLACED_COLOUR)
        ax.axvline(10.8, color="#888888", linewidth=0.9, linestyle=":")
        values.append(unplaced)
    high, low = max([1.0] + values), min([0.0] + values)
    span = high - low
    shares = list(deciles["share"]) + (list(unknown["share"]) if len(unknown) else [])
    for x, v, share in zip(xs + ([gap_x] if len(unknown) else []), values, shares):
        if v == 0:
            continue
        ax.text(x, v + (0.02 * span if v >= 0 else -0.02 * span), _value_label(v, share), ha="center",
                va="bottom" if v >= 0 else "top", fontsize=8)
    ax.set_ylim(low - (0.16 * span if low < 0 else 0), high + 0.16 * span)
    if low < 0:
        ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_xticks(xs + ([gap_x] if len(unknown) else []))
    ax.set_xticklabels([f"{x}\nmost\ndeprived" if x == 1 else f"{x}\nleast\ndeprived" if x == 10 else str(x)
                        for x in xs] + (["Not\nplaced"] if len(unknown) else []), fontsize=9)
    ax.set_xlim(0.4, (gap_x if len(unknown) else 10) + 0.6)
    ax.grid(axis="x", visible=False)
    ax.yaxis.set_major_formatter(FuncFormatter(pounds))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.set_ylabel("Present value")
    ax.set_xlabel("IMD decile of the area (Index of Multiple Deprivation; 1 = the 10% most deprived areas of England)",
                  fontsize=9)
    ax.set_title(title, loc="left")
    handles = [Patch(color=MOST_DEPRIVED_COLOUR, label="The 20% most deprived areas (deciles 1 and 2)"),
               Patch(color=OTHER_DECILE_COLOUR, label="Other areas")]
    if len(unknown):
        handles.append(Patch(color=UNPLACED_COLOUR, label="Not placed: the impact map gives no place"))
    if low < 0:
        handles.append(Patch(color=PALETTE[4], label="Below zero: disbenefits"))
    _legend_below(fig, handles, ncol=2, rows=(len(handles) + 1) // 2)
    return fig


def ward_label(name, width: int = 28) -> str:
    r"""A ward's name for a bar's label, wrapped to at most two lines of ``width`` characters.

    >>> ward_label("Little London & Woodhouse")
    'Little London & Woodhouse'
    >>> ward_label("Weetwood and a very long made-up ward name for the test")
    'Weetwood and a very long\nmade-up ward name for the…'
    """
    return plain_label(_wrapped(name, width, 2))


def ward_chart(who, title: str = "Value by ward", most: int = 15):
    """Horizontal bars of present value by ward, the largest at the top, at most ``most`` wards (the rest summed
    in one bar, "N other wards"); each labelled with its pounds and its share of the whole present value. The
    colour says how the ward's lines were placed: by their LSOAs, spread by the ward's population-weighted profile,
    by a stated IMD decile (:data:`WARD_BASIS`), or some lines one way and some another (each mix its own colour),
    as the legend says. The value of lines
    with no ward is a grey bar of its own at the foot, set apart behind a dotted line.

    ``who`` is a :class:`~sroi_lib.core.who_benefits.WhoBenefits` (``by_ward``); None (no place data) draws nothing
    and returns None.
    """
    from matplotlib.patches import Patch

    if who is None:
        return None
    from ..core.who_benefits import UNKNOWN

    use_style()
    w = who.by_ward
    known = w[w["ward"] != UNKNOWN].sort_values("present_value", ascending=False, kind="stable")
    unknown = w[w["ward"] == UNKNOWN]
    shown = known.head(most)
    legend = dict(WARD_BASIS)  # basis key -> (colour, words), with each mix of bases found added
    rows = []  # (label, value, share, colour, basis key) from the top
    for r in shown.itertuples():
        parts = [b for b in WARD_BASIS if b in {p.strip() for p in str(r.basis).split(",")}]
        key = ", ".join(parts)
        if key not in legend:
            mixes = sum(k not in WARD_BASIS for k in legend)
            legend[key] = (MIXED_COLOURS[mixes % len(MIXED_COLOURS)],
                           "Some lines " + " and some ".join(WARD_BASIS_WORDS[b] for b in parts))
        rows.append((ward_label(r.ward), float(r.present_value), r.share, legend[key][0], key))
    rest = known.iloc[most:]
    if len(rest):
        total = float(rest["present_value"].sum())
        share = None if rest["share"].isna().any() else float(rest["share"].sum())
        rows.append((f"{len(rest):,} other wards", total, share, None, "other"))
    unplaced = None
    if len(unknown):
        unplaced = ("No ward given", float(unknown["present_value"].sum()), unknown["share"].iloc[0],
                    UNPLACED_COLOUR, UNKNOWN)
    n = len(rows) + (1 if unplaced else 0)
    fig, ax = plt.subplots(figsize=(8, 0.42 * n + 2.2))
    ys = list(range(len(rows)))[::-1]
    if unplaced:
        ys = [y + 1.5 for y in ys]  # a gap above the unplaced bar, at y = 0
        rows.append(unplaced)
        ys.append(0)
        ax.axhline(0.75, color="#888888", linewidth=0.9, linestyle=":")
    values = [r[1] for r in rows]
    for y, (label, x, share, colour, key) in zip(ys, rows):
        ax.barh(y, x, 0.7, **(OTHER_WARDS if key == "other" else {"color": PALETTE[4] if x < 0 else colour}))
        text = f"  {pounds(x)} ({fmt_percent(share)})" if x >= 0 else f"{pounds(x)} ({fmt_percent(share)})  "
        ax.text(x, y, text, va="center", ha="left" if x >= 0 else "right", fontsize=9,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    ax.set_yticks(ys)
    ax.set_yticklabels([r[0] for r in rows], fontsize=9)
    ax.set_ylim(-0.6, max(ys) + 0.6)
    high, low = max([1.0] + values), min([0.0] + values)
    ax.set_xlim(low * 1.35 - (0.45 * high if low < 0 else 0), high * 1.35)
    if low < 0:
        ax.axvline(0, color="#333333", linewidth=0.8)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(FuncFormatter(pounds))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlabel("Present value")
    ax.set_title(title + (f" (the {most} largest of {len(known):,})" if len(rest) else ""), loc="left")
    keys = list(dict.fromkeys(r[4] for r in rows))
    handles = [Patch(color=legend[k][0], label=legend[k][1]) for k in legend if k in keys]
    if "other" in keys:
        handles.append(Patch(**OTHER_WARDS, label="Other wards, summed"))
    if unplaced:
        handles.append(Patch(color=UNPLACED_COLOUR, label="No ward: the impact map gives none"))
    if low < 0:
        handles.append(Patch(color=PALETTE[4], label="Below zero: disbenefits"))
    _legend_below(fig, handles, ncol=2, rows=(len(handles) + 1) // 2)
    return fig
