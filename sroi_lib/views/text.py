"""Plain-text views for the terminal: a valuation's summary, proxy search results, one proxy in full.

Only formatting: every figure comes from the library. Imports nothing heavy, so
``sroi value`` stays quick.
"""

from __future__ import annotations

import pandas as pd

from ..core.checks import finding_text
from . import formatting as fmt

__all__ = ["checks_text", "valuation_text", "proxies_text", "proxy_text"]


def valuation_text(v, title: str, framework=None, checks=None) -> str:
    """The readable summary printed by ``sroi value``: headline figures, every line, the disbenefits (when there
    are any, with the gross benefits and disbenefits beside the net figure), the breakdowns and the checks.

    ``v`` is a :class:`~sroi_lib.core.valuation.Valuation`; ``framework``, when
    given, adds the value by its groups (e.g. the Best City Ambition pillars);
    ``checks``, the over-claiming guard's findings
    (:func:`~sroi_lib.core.checks.overclaiming_checks`), each with its line, reason and what to do.
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
            right={1},
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


def proxies_text(found: pd.DataFrame, words: str) -> str:
    """Proxy search results (from :func:`~sroi_lib.proxies.library.find_proxies`) as a table, or a hint."""
    if found.empty:
        return f"No proxies match '{words}'. Try fewer or shorter words."
    year = int(found["repriced_to"].iloc[0])
    table = fmt.text_table(
        ["Id", "Name", "Unit", f"Value ({year} prices)", "Stated", "Theme", "Source"],
        [[r.proxy_id, r.name, r.unit, fmt.unit_money(r.value_repriced),
          f"{fmt.unit_money(r.value)} ({_year(r.price_year)})", r.theme, r.source] for r in found.itertuples()],
        right={3}, max_width=40)
    return f"{table}\n\n{len(found)} shown. `sroi proxies show ID` gives the full source and licence."


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


def _year(year) -> str:
    """A proxy's price year, or "price year unknown" while it is flagged so."""
    return "price year unknown" if pd.isna(year) else str(year)
