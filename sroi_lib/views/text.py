"""Plain-text views for the terminal: a valuation's summary, proxy search results, one proxy in full.

Only formatting: every figure comes from the library. Imports nothing heavy, so
``sroi value`` stays quick.
"""

from __future__ import annotations

import shutil
import textwrap

import pandas as pd

from ..core.checks import finding_text
from . import formatting as fmt

__all__ = ["checks_text", "valuation_text", "proxies_text", "proxy_text"]


def valuation_text(v, title: str, framework=None, checks=None, who=None) -> str:
    """The readable summary printed by ``sroi value``: headline figures, every line, the disbenefits (when there
    are any, with the gross benefits and disbenefits beside the net figure), the breakdowns and the checks.

    ``v`` is a :class:`~sroi_lib.core.valuation.Valuation`; ``framework``, when
    given, adds the value by its groups (e.g. the Best City Ambition pillars); without one, a line says the
    valuation is grouped by no framework;
    ``checks``, the over-claiming guard's findings
    (:func:`~sroi_lib.core.checks.overclaiming_checks`), each with its line, reason and what to do;
    ``who``, where the value lands (:func:`~sroi_lib.core.who_benefits.who_benefits`), when the map gives places.
    """
    s = v.summary()
    disbenefits = v.lines[v.lines["disbenefit"].to_numpy(bool)]
    gross = ([["Benefits (present value)", fmt.money(s["gross_benefits"])],
              ["Disbenefits (present value)", fmt.money(s["gross_disbenefits"])]] if len(disbenefits) else [])
    out = [
        f"SROI valuation of {title}",
        f"All figures in {v.price_year} prices ({v.deflators.title}, {v.deflators.vintage}).",
        f"Discounting: {v.discounting.describe()}.",
        f"Conventions: {v.method_text()}",
        "",
        fmt.text_table(
            ["Figure", "Value"],
            gross + [
                ["Present value, net of disbenefits" if gross else "Present value of outcomes",
                 fmt.money(s["present_value"])],
                ["Total inputs", fmt.money(s["total_inputs"])],
                ["SROI ratio", fmt.ratio(s["sroi_ratio"])],
                ["Net SROI ratio", f"{s['net_sroi_ratio']:,.2f}"],
                ["Net present value (NPV)", fmt.money(s["npv"])],
                ["Payback", fmt.months(s["payback_months"])],
            ],
            right={1}, max_width=60,  # figures and short sentences: never clipped
        ),
        "",
        f"Every £1 invested returns {fmt.money(s['sroi_ratio'])} of social value (present value"
        + (", net of disbenefits" if gross else "") + ").",
        "",
        "Outcome lines",
        fmt.text_table(
            ["Row", "Stakeholder", "Outcome", "Value per unit", "Impact (year 1)", "Years", "Present value", "Source"],
            [
                [r.row if r.row == r.row and r.row is not None else "", r.stakeholder, r.outcome,
                 fmt.unit_money(r.value_per_unit), fmt.money(r.impact), f"{r.start_year}-{r.end_year}",
                 fmt.money(r.present_value), r.proxy_id or r.source]
                for r in v.lines.itertuples()
            ],
            right={0, 3, 4, 6},
        ),
    ]
    if len(disbenefits):
        out += ["", f"Disbenefits ({len(disbenefits)} line{'' if len(disbenefits) == 1 else 's'}: negative outcomes, "
                "taken off the benefits)",
                fmt.text_table(["Row", "Stakeholder", "Outcome", "Present value", "Source"],
                               [[r.row if r.row == r.row and r.row is not None else "", r.stakeholder, r.outcome,
                                 fmt.money(r.present_value), r.proxy_id or r.source]
                                for r in disbenefits.itertuples()], right={0, 3})]
    tables = [("stakeholder", "Value by stakeholder", v.breakdown("stakeholder")),
              ("value_type", "Value by value type", v.breakdown("value_type")),
              ("theme", "Value by theme", v.breakdown("theme"))]
    if framework is not None:
        tables.append((framework.name, f"Value by {framework.title}", v.by_framework(framework)))
    for by, heading, b in tables:
        out += ["", heading, fmt.text_table(
            ["Group" if by == getattr(framework, "name", None) else by.replace("_", " ").capitalize(),
             "Present value", "Share of benefits" if gross else "Share"],
            [[g, fmt.money(pv), fmt.percent(sh)] for g, pv, sh in zip(b[by], b["present_value"], b["share"])],
            right={1, 2})]
    if framework is None:
        out += ["", "Not grouped by any framework (framework: none), so there is no value by priority."]
    if who is not None:
        from .who_benefits import who_text

        out += ["", who_text(who)]
    if checks is not None:
        out += ["", checks_text(checks)]
    return "\n".join(out)


def checks_text(checks) -> str:
    """The over-claiming guard's findings, one paragraph each, errors first; or one line saying there are none."""
    if checks.empty:
        return "Over-claiming checks: nothing found."
    counts = checks["grade"].value_counts()
    summary = ", ".join(f"{counts[g]} {g}{'s' if counts[g] > 1 else ''}" for g in ("error", "warning", "note")
                        if g in counts)
    out = [f"Over-claiming checks: {summary}"]
    out += [f"  - {finding_text(f)}" for f in checks.itertuples()]
    return "\n".join(out)


def proxies_text(found: pd.DataFrame, words: str, *, width: int | None = None, themes=(),
                 filters: str = "") -> str:
    """Proxy search results (from :func:`~sroi_lib.proxies.library.find_proxies`) for a terminal, or what to do.

    Results are numbered best first and grouped by price year, the groups in
    the order of their best result (so result 1 comes first), each group a
    table wrapped to ``width`` characters (default: the terminal's width,
    :func:`shutil.get_terminal_size`). Nothing is cut: a long id keeps its
    whole line and the other columns wrap; when the columns cannot fit, each
    result is written as a short block instead. A result found through a
    synonym or a near spelling says so under its row.

    When nothing is found, the text says so and how to go on: other words
    (``themes``: the library's themes), fewer filters (``filters``: the
    filters given, in words) and how to add one's own value with its source.
    """
    width = max(_MIN_WIDTH, width or shutil.get_terminal_size().columns)
    if found.empty:
        return _nothing_found(words, themes, filters, width)
    year = int(found["repriced_to"].iloc[0])
    found = found.assign(rank=range(1, len(found) + 1))
    kinds = set(found["match"]) if "match" in found.columns else {"words"}
    out = [_wrap(f"{len(found)} shown for '{words}', best match first (numbered), grouped by the year of their "
                 f"prices." if words.strip() else f"{len(found)} shown, grouped by the year of their prices.", width)]
    if words.strip() and not kinds & {"id", "words"}:
        out += ["", _wrap(f"No proxy holds the words '{words}' themselves: every result was found through a "
                          "synonym (data/proxies/synonyms.yaml) or a near spelling, as said under it. Check that a "
                          "value fits the outcome you claim before you use it.", width)]
    years = found["price_year"]
    # the groups in the order of their best result, so result 1 is always in the first group shown
    order = list(dict.fromkeys(None if pd.isna(y) else int(y) for y in years))
    for group_year in order:
        rows = found[years.isna()] if group_year is None else found[years == group_year]
        heading = ("Price year unknown (flagged: these cannot value anything yet)" if group_year is None
                   else f"Published in {group_year} prices")
        out += ["", heading, "-" * min(len(heading), width), _result_table(rows, group_year, year, width)]
    out += ["", _wrap(f"'As published' is each value in its own year's prices: values of different years are not "
                      f"comparable. 'In {year} prices' restates them all in {year} prices with the GDP deflator "
                      "(--price-year YEAR chooses the year).", width),
            "`sroi proxies show ID` gives the full source and licence."]
    return "\n".join(out)


_MIN_WIDTH = 40  # narrower terminals are written as if 40 wide (an id longer than the width still keeps its line)
_NARROWEST = {"Name": 25, "Unit": 15, "Source": 25}  # narrower columns would be too tall to read: blocks instead


def _result_table(rows: pd.DataFrame, group_year: int | None, year: int, width: int) -> str:
    """One price year's results: a table wrapped to ``width``, or one block per result when it cannot fit."""
    published = f"As published ({group_year})" if group_year is not None else "As published"
    headers = ["#", "Id", "Name", "Unit", published, f"In {year} prices", "Source"]
    cells = [[str(r.rank), r.proxy_id, r.name, r.unit, fmt.unit_money(r.value), fmt.unit_money(r.value_repriced),
              r.source] for r in rows.itertuples()]
    why = [getattr(r, "why", "") or "" for r in rows.itertuples()]
    lines = _wrapped_table(headers, cells, why, width, keep={0, 1, 4, 5}, right={0, 4, 5})
    if lines is not None:
        return "\n".join(lines)
    blocks = []
    for r, reason in zip(rows.itertuples(), why):
        value = f"{fmt.unit_money(r.value_repriced)} {r.unit}, in {year} prices"
        if group_year is None:
            value = f"{fmt.unit_money(r.value)} {r.unit} as published; price year unknown, so not re-priced to {year}"
        elif group_year != year:
            value += f" (as published: {fmt.unit_money(r.value)} in {group_year} prices)"
        body = [r.name, value, f"Source: {r.source}"] + ([f"({reason})"] if reason else [])
        blocks.append("\n".join([f"{r.rank}. {r.proxy_id}"] + [_wrap(t, width, indent="   ") for t in body]))
    return "\n\n".join(blocks)


def _wrapped_table(headers, cells, notes, width, keep, right):
    """A text table whose wrappable columns share what ``width`` leaves after the ``keep`` columns (never wrapped).

    Headers wrap onto several lines where their column is narrower. Each row
    may carry a note, written on its own line under it. Returns the lines, or
    None when the wrappable columns would be narrower than :data:`_NARROWEST`.
    """
    gap = 2
    longest_word = [max(len(w) for w in h.split()) for h in headers]
    natural = [max([longest_word[i] if i in keep else len(h)] + [len(row[i]) for row in cells])
               for i, h in enumerate(headers)]
    room = width - gap * (len(headers) - 1) - sum(natural[i] for i in keep)
    loose = [i for i in range(len(headers)) if i not in keep]
    least = {i: min(natural[i], max(longest_word[i], _NARROWEST.get(headers[i], 10))) for i in loose}
    if room < sum(least.values()):
        return None
    widths = list(natural)
    # share the room: the narrowest column first gets its natural width or an equal share, whichever is less
    pending = sorted(loose, key=lambda i: natural[i])
    while pending:
        i = pending.pop(0)
        widths[i] = max(least[i], min(natural[i], room // (len(pending) + 1)))
        room -= widths[i]

    def block(values, wrap_all):
        parts = [[text] if i in keep and not wrap_all else
                 textwrap.wrap(text, widths[i], break_on_hyphens=False) or [""] for i, text in enumerate(values)]
        height = max(len(p) for p in parts)
        return [_line([p[k] if k < len(p) else "" for p in parts], widths, right) for k in range(height)]

    out = block(headers, True) + [_line(["-" * w for w in widths], widths, right)]
    tall = False
    for row, note in zip(cells, notes):
        lines = block(row, False)
        tall = tall or len(lines) > 1 or bool(note)
        out += lines
        if note:
            indent = " " * (widths[0] + gap)
            out += textwrap.wrap(f"({note})", width, initial_indent=indent, subsequent_indent=indent + " ")
        out.append("")
    while out and out[-1] == "":
        out.pop()
    return out if tall else [o for o in out if o]


def _line(values, widths, right) -> str:
    return "  ".join(v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in enumerate(values)).rstrip()


def _wrap(text: str, width: int, indent: str = "") -> str:
    return "\n".join(textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent,
                                    break_on_hyphens=False)) or indent.rstrip()


def _item(number: int, text: str, width: int) -> str:
    """A numbered step, wrapped under its own text."""
    return "\n".join(textwrap.wrap(text, width, initial_indent=f"{number}. ", subsequent_indent="   ",
                                    break_on_hyphens=False))


def _nothing_found(words: str, themes, filters: str, width: int) -> str:
    """What to do when a search finds nothing: other words, fewer filters, or one's own value with its source."""
    from ..proxies.library import PROXY_COLUMNS

    needed = [c.name for c in PROXY_COLUMNS if c.required]
    asked = f"'{words}'" if words.strip() else "these filters"
    out = [_wrap(f"Nothing found for {asked}{f' with {filters}' if filters and words.strip() else ''}.", width), ""]
    if filters:
        out.append(_wrap(f"Try without {filters}.", width))
    out.append(_wrap("Try other or fewer words (a typo close to a library word is corrected; words such as "
                     "'anxiety' or 'debt' are also looked up through data/proxies/synonyms.yaml)"
                     + (f", or one of the themes: {', '.join(themes)}" if themes else "") + ".", width))
    out.append(_wrap("List a theme with: sroi proxies search --theme 'health and care' --limit 100", width))
    out += ["", _wrap("No proxy for your outcome? Add your own value with its source, in a proxy library file "
                      "of your own:", width),
            _item(1, "A CSV (or Excel) file, one row per value, with the columns: " + ", ".join(needed)
                  + " (and value_type, and notes: where in the source the figure is, quoted).", width),
            _item(2, "Check it: sroi proxies check my_proxies.csv", width),
            _item(3, "Use it: sroi proxies search WORDS --proxies my_proxies.csv, and sroi value MAP "
                  "--proxies my_proxies.csv", width),
            _wrap("Every value needs its source, the source's web address, its price year and its licence "
                  "(docs/proxies.md, 'Adding your own values').", width)]
    return "\n".join(out)


def proxy_text(p, repriced: float, year: int, vintage: str) -> str:
    """One proxy in full: its value as published and re-priced to ``year``, its source, licence and notes."""
    rows = [["Id", p.proxy_id], ["Name", p.name], ["Outcome", p.outcome], ["Unit", p.unit],
            ["Value as published", f"{fmt.unit_money(p.value)} in {p.price_year} prices" if p.price_year is not None
             else f"{fmt.unit_money(p.value)}, price year unknown"],
            [f"Value in {year} prices", f"{fmt.unit_money(repriced)} (GDP deflator, {vintage})"],
            ["Value type", p.value_type or "not stated"]]
    if p.part_of:
        rows.append(["Part of", f"{p.part_of} (do not count both)"])
    if p.alternative_of:
        rows.append(["Alternative of", f"{p.alternative_of} (use one or the other)"])
    if p.transfer:
        rows.append(["Transfer", "yes: moves money between people or bodies, not a gain to society as a whole"])
    rows += [["Theme", p.theme], ["Source", p.source],
             ["Source address", p.source_url], ["Licence", p.licence], ["Notes", p.notes or ""],
             ["From file", p.origin]]
    if p.flags:
        rows.append(["Flags", f"{p.flags} (see docs/proxies.md, 'Bringing in a council's own proxies')"])
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)
