"""The portfolio dashboard: every contract's report at once, with filters (ipywidgets, served by Voilà).

The figures come from :class:`~sroi_lib.reports.portfolio.Portfolio`; these
functions only lay them out and wire the filters to it. Every string shown
comes from report folders (files), so each is escaped. :func:`serve` runs the
server (:mod:`sroi_lib.views.dashboard_server`) and stops it, with every kernel
it started, on SIGTERM, Ctrl+C or SIGHUP (docs/dashboard.md).

What the page shows for the contracts the filters keep (docs/dashboard.md):

* totals for each kind of contract (illustrative or real, forecast or
  evaluation), never one ratio pooled over kinds
  (:meth:`~sroi_lib.reports.portfolio.Portfolio.kinds`);
* value expected by now against value delivered, "to date" being the latest
  quarter with a supplier's return or a quarter chosen
  (:meth:`~sroi_lib.reports.portfolio.Portfolio.delivery_to_date`);
* who benefits (:func:`who_html`): the present value reaching the 10% and
  20% most deprived areas of England, for each kind of contract, from each
  report's value by IMD decile
  (:meth:`~sroi_lib.reports.portfolio.Portfolio.who_benefits`);
* six charts (:func:`portfolio_figure`), among them the present value by
  deprivation decile, or a plain "no contract matches" when the filters keep
  none;
* a table of contracts, each title linking to its report
  (``reports/FOLDER/report.html``, served by the dashboard's server);
* an "Export to Excel" link: the tables in view as an .xlsx file
  (:func:`portfolio_workbook`).
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from ..errors import Problems
from ..paths import notebooks_dir
from ..reports.folder import HTML_FILE, report_folders
from ..reports.portfolio import MOST_DEPRIVED, NOT_GROUPED, RAG_ORDER, UNKNOWN, contract_kinds, load_portfolio
from .formatting import html_text, money, percent, ratio, ratio_range

__all__ = ["headline_html", "delivery_html", "who_html", "contracts_html", "empty_html", "export_html", "report_link",
           "range_text", "ratio_intervals", "portfolio_figure", "figure_html", "pillar_note_html", "portfolio_workbook",
           "portfolio_dashboard", "dashboard_for", "dashboard_limits", "dashboard_command", "serve", "stop_server",
           "DASHBOARD_NOTEBOOK", "MAX_PAGES", "IDLE_SECONDS", "REPORTS_ROUTE", "NO_MATCH", "AREAS_WORDS"]

DASHBOARD_NOTEBOOK = notebooks_dir() / "portfolio_dashboard.ipynb"

#: The most dashboard pages served at once: each runs its own kernel, about 150 MB (docs/dashboard.md).
MAX_PAGES = 5
#: A page's kernel is shut down after this many seconds with no activity and no browser connected.
IDLE_SECONDS = 600
#: Where the dashboard's server serves each contract's report: ``reports/FOLDER/report.html``.
REPORTS_ROUTE = "reports"

ALL = "(all)"
LATEST = "latest return"
NO_MATCH = "No contract matches these filters."
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green", "no data": "No data (no return yet)",
             "not tracked": "Not tracked (no commitments)"}
#: The deprivation filter's choices, in words (:data:`~sroi_lib.reports.portfolio.MOST_DEPRIVED`).
AREAS_WORDS = {10: "the 10% most deprived areas (IMD decile 1)",
               20: "the 20% most deprived areas (IMD deciles 1 and 2)"}
AREAS_HELP = ("<b>Areas</b> counts only the value reaching the most deprived areas of England (English Indices of "
              "Deprivation 2025, from each report) in <i>Who benefits</i> and its charts; contracts whose reports give "
              "no place are left out.")
RAG_COLOURS = {"red": "#c0392b", "amber": "#f2a33a", "green": "#3a9d5d", "no data": "#9aa0a8",
               "not tracked": "#d5d8dc"}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def headline_html(h: dict) -> str:
    """The dashboard's headline as HTML (with data attributes a test can read): how many contracts, each kind's
    totals and ratio, and one ratio only when every contract in view is of one kind.

    Everything shown is escaped (:func:`~sroi_lib.views.formatting.html_text`):
    the figures come from report folders, which are files.
    """
    e = html_text
    if not h["contracts"]:
        return ('<div class="sroi-headline" data-present-value="0.00" data-contracts="0" data-mixed-kinds="false">'
                "<b>0</b> contracts match these filters.</div>")
    kinds = h.get("kinds") or []
    rows = "".join(
        f"<tr><td>{e(k['kind'])}</td><td>{e(k['contracts'])}</td><td>{e(money(k['present_value'], pence=False))}</td>"
        f"<td>{e(money(k['total_inputs'], pence=False))}</td><td><b>{e(ratio(k['sroi_ratio']))}</b></td></tr>"
        for k in kinds)
    table = ("<table class='sroi-kinds'><thead><tr><th>Kind of contract</th><th>Contracts</th><th>Present value</th>"
             f"<th>Inputs</th><th>SROI ratio</th></tr></thead><tbody>{rows}</tbody></table>") if rows else ""
    if h.get("mixed_kinds"):
        ratio_words = ("<p class='sroi-pooling'>No single SROI ratio: the contracts in view are of "
                       f"{len(kinds)} kinds, totalled apart above. A ratio over all of them would mix forecasts "
                       "(estimates before delivery) with evaluations (measured after it), or made-up illustrative "
                       "figures with real ones. Choose one kind with the filters to see it alone.</p>")
    else:
        kind = f" (all {e(kinds[0]['kind'].lower())})" if kinds else ""
        ratio_words = f"SROI ratio <b>{e(ratio(h['sroi_ratio']))}</b>{kind}"
    rags = " · ".join(f"{e(RAG_WORDS.get(k, k))}: {e(v)}" for k, v in h["rag_counts"].items() if v)
    return (
        f'<div class="sroi-headline" data-present-value="{h["present_value"]:.2f}" '
        f'data-contracts="{e(h["contracts"])}" data-mixed-kinds="{str(bool(h.get("mixed_kinds"))).lower()}">'
        f'<b>{e(h["contracts"])}</b> contract{"" if h["contracts"] == 1 else "s"}'
        + (f', of {len(kinds)} kinds: each kind is totalled apart below<br>' if h.get("mixed_kinds") else
           f' · present value <b class="sroi-pv">{e(money(h["present_value"], pence=False))}</b>'
           f' · inputs {e(money(h["total_inputs"], pence=False))} · {ratio_words}<br>') +
        f'RAG (each report\'s own delivery status): {rags or "none"}{table}'
        f'{ratio_words if h.get("mixed_kinds") else ""}</div>')


def delivery_html(d) -> str:
    """Value expected by now against value delivered (a :class:`~sroi_lib.reports.portfolio.DeliveryToDate`):
    the portfolio's gap in one sentence, saying what "to date" means, then one row per contract."""
    e = html_text
    t = d.totals
    if not t["contracts"]:
        return ("<div class='sroi-delivery' data-contracts='0'><h3>Expected by now against delivered</h3>"
                "<p>No contract in view records commitments, so there is no delivery to compare.</p></div>")
    rate = "" if t["delivery_rate"] is None else f" ({e(percent(t['delivery_rate']))} of what was expected)"
    gap = t["gap"]
    gap_words = (f"a shortfall of <b>{e(money(-gap, pence=False))}</b>" if gap < 0 else
                 f"<b>{e(money(gap, pence=False))}</b> ahead" if gap > 0 else "no gap")
    missing = t["quarters_without_return"]
    missing_words = (f" {_plural(missing, 'quarter')} ended with no return from the supplier; each counts as £0 "
                     "delivered." if missing else "")
    rows = []
    for r in d.contracts.itertuples():
        elapsed = ("its own latest return (an older report)" if pd.isna(r.quarters_total) else
                   f"{int(r.quarters_elapsed)} of {int(r.quarters_total)} "
                   f"({int(r.quarters_returned)} with a return)")
        share = "nothing due yet" if pd.isna(r.delivery_rate) else percent(r.delivery_rate)
        rows.append(f"<tr><td>{e(r.title)}</td><td>{e(elapsed)}</td>"
                    f"<td>{e(money(r.value_committed_total, pence=False))}</td>"
                    f"<td>{e(money(r.value_expected, pence=False))}</td>"
                    f"<td>{e(money(r.value_delivered, pence=False))}</td><td>{e(money(r.gap, pence=False))}</td>"
                    f"<td>{e(share)}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ["Contract", "Quarters ended", "Committed over the contract",
                                               "Expected by now", "Delivered", "Gap", "Delivered of expected"])
    as_of = "" if d.as_of is None else e(d.as_of)
    return (
        f"<div class='sroi-delivery' data-as-of='{as_of}' data-expected='{t['value_expected']:.2f}' "
        f"data-delivered='{t['value_delivered']:.2f}' data-contracts='{t['contracts']}'>"
        f"<h3>Expected by now against delivered</h3>"
        f"<p class='sroi-to-date'><b>To date</b> means {e(d.basis)}.</p>"
        f"<p class='sroi-gap'>Across {_plural(t['contracts'], 'contract')} with commitments "
        f"({e(money(t['value_committed_total'], pence=False))} committed over their whole terms): "
        f"<b>{e(money(t['value_expected'], pence=False))}</b> of social value was expected by now, "
        f"<b>{e(money(t['value_delivered'], pence=False))}</b> was delivered{rate}: {gap_words}.{missing_words}</p>"
        f"<p class='sroi-note'>Expected by now = each contract's commitment × the share of its quarters ended "
        f"(what was committed for those quarters); delivered = the suppliers' returns for them. Both at the "
        f"proxies' full value, before deadweight, displacement and attribution.</p>"
        f"<table class='sroi-delivery-table'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"</div>")


def _money(x) -> str:
    return money(x, pence=False)


def _weighted_words(x: dict) -> str:
    if x["weighted_present_value"] is None:
        return "not added: weighted with different eta (" + ", ".join(f"{e:g}" for e in x["etas"]) + ")"
    if not x["contracts_with_place_data"]:
        return _money(x["weighted_present_value"]) + " (no place data: weight 1)"
    return _money(x["weighted_present_value"])


def who_html(who: dict, present_value: float | None = None, left_out: list | None = None) -> str:
    """Who benefits across the contracts in view (``who``: :meth:`~sroi_lib.reports.portfolio.Portfolio.who_benefits`)
    as HTML, with data attributes a test can read: the value reaching the 10% and 20% most deprived areas in a
    sentence, each kind's shares and weighted value in a table (the weighted ratio per kind only), what the *Areas*
    filter counts when one is chosen, and the contracts without place data.

    ``present_value`` is the headline's (the lines in view): when a pillar is chosen it is less than the contracts'
    whole value, which is what reports place by decile, and the page says so. ``left_out``: the contracts the
    *Areas* filter left out for want of place data (records with a ``title``)."""
    e = html_text
    total, areas = who["present_value"], who["areas"]
    by = {d["imd_decile"]: d for d in who["by_imd_decile"]}
    first, second, unknown = by[1]["present_value"], by[1]["present_value"] + by[2]["present_value"], \
        by[UNKNOWN]["present_value"]
    attrs = (f"data-areas='{areas or 'all'}' data-present-value='{total:.2f}' "
             f"data-value-in-areas='{who['value_in_areas']:.2f}' data-most-deprived-10='{first:.2f}' "
             f"data-most-deprived-20='{second:.2f}' data-unknown='{unknown:.2f}' "
             f"data-contracts-with-place='{who['contracts_with_place_data']}'")
    out = [f"<div class='sroi-who' {attrs}><h3>Who benefits: value by deprivation of the area</h3>"]
    if areas is not None:
        left_out = left_out or []
        gone = ("" if not left_out else
                f" {_plural(len(left_out), 'contract')} whose report gives no place "
                f"{'is' if len(left_out) == 1 else 'are'} left out: {'; '.join(e(x['title']) for x in left_out)}.")
        out.append(
            f"<p class='sroi-areas-note'><b>Areas: {e(AREAS_WORDS[areas])}.</b> <b>{e(_money(who['value_in_areas']))}"
            f"</b> of the {e(_money(total))} present value of {_plural(who['contracts'], 'contract')} reaches these "
            f"areas ({e(percent(who['share_in_areas']))}). The decile chart shows only this value in colour, and the "
            "chart under it each contract's share in these areas. The headline, the pillar chart, the ratios and "
            "expected against delivered stay those of the whole of each contract kept: a report places a "
            f"contract's value by decile as a whole, not line by line.{gone}</p>")
    if total > 0:
        out.append(f"<p class='sroi-who-sentence'>Of <b>{e(_money(total))}</b> of present value, "
                   f"<b>{e(_money(first))}</b> ({e(percent(who['share_most_deprived_10']))}) reaches people in the 10% "
                   f"most deprived areas of England and <b>{e(_money(second))}</b> "
                   f"({e(percent(who['share_most_deprived_20']))}) the 20% most deprived"
                   + (f"; {e(_money(unknown))} ({e(percent(who['share_unknown']))}) cannot be placed (area unknown)."
                      if unknown else ".") + "</p>")
    else:
        out.append("<p class='sroi-who-sentence'>The present value in view is £0 or less once disbenefits are taken "
                   "off, so no share of it can be said to reach any area.</p>")
    rows = "".join(
        f"<tr><td>{e(k['kind'])}</td><td>{e(_money(k['present_value']))}</td>"
        f"<td>{e(percent(k['share_most_deprived_10']))}</td><td>{e(percent(k['share_most_deprived_20']))}</td>"
        f"<td>{e(percent(k['share_unknown']))}</td><td>{e(_weighted_words(k))}</td>"
        f"<td>{e(ratio(k['weighted_sroi_ratio']))}</td></tr>" for k in who["kinds"])
    eta = "" if who["eta"] is None else f", eta {who['eta']:g}"
    out.append("<table class='sroi-who-table'><thead><tr><th>Kind of contract</th><th>Present value</th>"
               "<th>10% most deprived</th><th>20% most deprived</th><th>Area unknown</th>"
               f"<th>Weighted present value{e(eta)}</th><th>Weighted SROI ratio</th></tr></thead>"
               f"<tbody>{rows}</tbody></table>")
    notes = ["From each contract's report: its present value (net of disbenefits) by the deprivation decile of its "
             "beneficiaries' area, placed by LSOA or spread by the ward's population profile; a line with no place "
             "is <i>area unknown</i>, never guessed. Shares are of the whole present value, area unknown included. "
             "Weighted: HM Treasury Green Book distributional weights by household income, shown beside the "
             "unweighted figures, which remain the headline; the weighted ratio is given for each kind alone."]
    without = who["without_place_data"]
    if without:
        notes.append(f"{_plural(len(without), 'contract')} ({'; '.join(e(x['title']) for x in without)}) "
                     f"{'has' if len(without) == 1 else 'have'} no place data: all "
                     f"{'its' if len(without) == 1 else 'their'} value is counted as area unknown, at weight 1.")
    if present_value is not None and abs(present_value - total) > 0.5:
        notes.append(f"With a pillar chosen, these figures are still of the whole of each contract in view "
                     f"({e(_money(total))}), not only the pillar's lines ({e(_money(present_value))}): reports place "
                     "value by decile contract by contract.")
    unplaced = notes.pop(1) if without else ""
    out.append(f"<p class='sroi-note'>{' '.join(notes)}</p>"
               + (f"<p class='sroi-note sroi-unplaced'><b>No place data:</b> {unplaced}</p>" if unplaced else "")
               + "</div>")
    return "".join(out)


NO_RANGE = "no range (no distributions)"


def _range(row) -> tuple[float, float]:
    """A contract's 5th and 95th percentile of the ratio (NaN without a Monte Carlo)."""
    return float(getattr(row, "sroi_ratio_p5", float("nan"))), float(getattr(row, "sroi_ratio_p95", float("nan")))


def range_text(row) -> str:
    """A contract's range in words: ``1.45 to 2.31``, or that its report has no Monte Carlo range."""
    low, high = _range(row)
    return NO_RANGE if pd.isna(low) or pd.isna(high) else ratio_range(low, high)


def report_link(row) -> str:
    """A contract's title as a link to its report (``reports/FOLDER/report.html``, opened in a new tab), or the
    title alone when the table does not say which folder holds it. Title and address are escaped."""
    folder = getattr(row, "report_folder", None)
    if not isinstance(folder, str) or not folder:
        return html_text(row.title)
    href = f"{REPORTS_ROUTE}/{quote(folder, safe='')}/{HTML_FILE}"
    return (f'<a class="sroi-report-link" href="{html_text(href)}" target="_blank" rel="noopener noreferrer" '
            f'title="Open this contract\'s report">{html_text(row.title)}</a>')


def _in_areas(r, areas: int) -> tuple[float, float | None]:
    """A contract's present value in the most deprived areas chosen (its deciles' sum), and its share of the
    contract's whole value (None when that is £0 or less)."""
    value = sum(float(getattr(r, f"imd_{d}", 0.0) or 0.0) for d in MOST_DEPRIVED[areas])
    total = sum(float(getattr(r, c, 0.0) or 0.0) for c in [f"imd_{d}" for d in range(1, 11)] + ["imd_unknown"])
    return value, (value / total if total > 0 else None)


def _areas_cell(r, areas: int) -> str:
    if not bool(getattr(r, "has_place_data", False)):
        return "no place data"
    value, share = _in_areas(r, areas)
    return f"{money(value, pence=False)} ({percent(share)})"


def contracts_html(p, delivery=None, areas: int | None = None) -> str:
    """The contracts in view as an HTML table, highest ratio first; every cell is escaped, so names from files show
    as text. Each title links to its report (:func:`report_link`).

    The range is the Monte Carlo's 5th to 95th percentile of the ratio, where the contract's report has one. With
    ``delivery`` (a :class:`~sroi_lib.reports.portfolio.DeliveryToDate`), each contract with commitments shows
    what it delivered of what was expected by then. Each contract's value in the most deprived areas (``areas``:
    10 or 20, the *Areas* filter; by default the 20%) is shown with its share of the contract's value."""
    e = html_text
    areas = areas or 20
    due = {} if delivery is None else {r.contract_id: r for r in delivery.contracts.itertuples()}
    when = "" if delivery is None or delivery.as_of is None else f" by {delivery.as_of}"
    c = p.contracts.assign(kind=contract_kinds(p.contracts)).sort_values("sroi_ratio", ascending=False, kind="stable")
    rows = []
    for r in c.itertuples():
        d = due.get(r.contract_id)
        if r.rag == "not tracked":
            delivered = "not tracked"
        elif d is None:
            delivered = (f"{money(r.value_delivered_to_date, pence=False)} of "
                         f"{money(r.value_committed_to_date, pence=False)}")
        else:
            delivered = f"{money(d.value_delivered, pence=False)} of {money(d.value_expected, pence=False)}"
        rows.append(f"<tr><td>{report_link(r)}</td><td>{e(r.contract_id)}</td><td>{e(r.kind)}</td>"
                    f"<td>{e(r.supplier)}</td><td>{e(r.directorate)}</td><td>{e(ratio(r.sroi_ratio))}</td>"
                    f"<td class='sroi-range'>{e(range_text(r))}</td><td>{e(money(r.present_value, pence=False))}</td>"
                    f"<td class='sroi-in-areas'>{e(_areas_cell(r, areas))}</td>"
                    f"<td>{e(delivered)}</td><td>{e(RAG_WORDS.get(r.rag, r.rag))}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ["Contract (opens its report)", "Id", "Kind", "Supplier", "Directorate",
                                               "SROI ratio", "Range (5th to 95th percentile)", "Present value",
                                               f"In the {areas}% most deprived areas",
                                               f"Delivered of expected{e(when)}", "RAG"])
    return f"<table class='sroi-contracts'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def empty_html() -> str:
    """What the charts and tables show when the filters keep no contract."""
    return (f"<div class='sroi-empty' role='status'><b>{NO_MATCH}</b> Set a filter back to {ALL} to see "
            "more contracts.</div>")


def _short(text, width: int = 36) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _chart_labels(contracts: pd.DataFrame) -> pd.Series:
    """Each contract's title for a chart, shortened, with its kind where the contracts are of several kinds."""
    from .plots import plain_label

    titles = contracts["title"].map(_short)
    tags = pd.Series("", index=contracts.index)
    if "illustrative" in contracts and contracts["illustrative"].astype(bool).nunique() > 1:
        tags += contracts["illustrative"].map(lambda x: "illustrative" if bool(x) else "real")
    if "analysis_type" in contracts and contracts["analysis_type"].nunique() > 1:
        tags = (tags + " " + contracts["analysis_type"].fillna("").astype(str)).str.strip()
    titles = titles.where(tags == "", titles + " (" + tags + ")")
    return titles.map(plain_label)


def ratio_intervals(ax, contracts: pd.DataFrame, title: str, labels=None) -> None:
    """Each contract's SROI ratio as a point on ``ax``, labelled with its value, with a line from its 5th to its
    95th percentile where its report has a Monte Carlo (a hollow point where it has none, as the legend says),
    and a line at a ratio of 1. ``contracts`` is drawn bottom to top, labelled with ``labels`` (default: the
    contract ids)."""
    from matplotlib.lines import Line2D

    from .plots import PALETTE, plain_label

    labels = [plain_label(c) for c in contracts["contract_id"]] if labels is None else list(labels)
    y = list(range(len(contracts)))
    has_range = False
    no_range = False
    ends = []
    for i, r in enumerate(contracts.itertuples()):
        low, high = _range(r)
        if pd.isna(low) or pd.isna(high):
            no_range = True
            ax.plot([r.sroi_ratio], [i], "o", markersize=7, markerfacecolor="white", markeredgecolor=PALETTE[0],
                    markeredgewidth=1.6, zorder=3)
            ends.append(r.sroi_ratio)
            continue
        has_range = True
        ax.plot([low, high], [i, i], color=PALETTE[0], linewidth=2.4, solid_capstyle="butt", zorder=2)
        ax.plot([low, low], [i - 0.18, i + 0.18], color=PALETTE[0], linewidth=1.4)
        ax.plot([high, high], [i - 0.18, i + 0.18], color=PALETTE[0], linewidth=1.4)
        ax.plot([r.sroi_ratio], [i], "o", markersize=7, color=PALETTE[0], zorder=3)
        ends.append(max(high, r.sroi_ratio))
    ax.axvline(1.0, color="#c0392b", linestyle="--", linewidth=1.2)
    shown = [1.0] + [float(x) for c in ("sroi_ratio", "sroi_ratio_p5", "sroi_ratio_p95") if c in contracts
                     for x in contracts[c] if pd.notna(x) and abs(float(x)) != float("inf")]
    low, high = min(shown), max(shown)
    pad = 0.08 * (high - low or 1.0)
    ax.set_xlim(low - pad, high + 3.5 * pad)  # room for the value labels
    for i, (r, end) in enumerate(zip(contracts.itertuples(), ends)):
        ax.text(end + pad * 0.4, i, ratio(r.sroi_ratio), va="center", fontsize=8.5, color="#333333")
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_ylim(-0.7, len(contracts) - 0.3)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("SROI ratio (£ of social value for each £1 of inputs)")
    ax.set_title(title, loc="left", pad=LEGEND_PAD)
    handles = []
    if has_range:
        handles.append(Line2D([], [], color=PALETTE[0], marker="o", linewidth=2.4,
                              label="Ratio, line from 5th to 95th percentile"))
    if no_range:
        handles.append(Line2D([], [], color=PALETTE[0], marker="o", markerfacecolor="white", linestyle="none",
                              label="Ratio only: no Monte Carlo in its report"))
    handles.append(Line2D([], [], color="#c0392b", linestyle="--", linewidth=1.2, label="Ratio of 1"))
    _legend_under_title(ax, handles=handles)


LEGEND_PAD = 20  # points between a panel and its title: room for the legend's line between them


def _legend_under_title(ax, **kwargs) -> None:
    """The panel's legend on one line between its title and the chart, from the left: never over the title
    (however long) nor over the chart. The title needs ``pad=LEGEND_PAD``."""
    handles = kwargs.pop("handles", None)
    extra = {"handles": handles} if handles is not None else {}
    ax.legend(**extra, frameon=False, fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 1.0), borderaxespad=0.15,
              ncol=len(handles) if handles is not None else len(ax.get_legend_handles_labels()[0]),
              handlelength=1.8, columnspacing=1.6)


RANKED = 5  # the ranking shows every contract up to 2 × RANKED, else the RANKED highest and the RANKED lowest


def _ranking(p) -> tuple[pd.DataFrame, list[str], str]:
    """The contracts for the ranking panel (lowest at the bottom), their labels (``1. Title``) and its title."""
    c = p.contracts.sort_values("sroi_ratio", ascending=False, kind="stable").reset_index(drop=True)
    labels = _chart_labels(c)
    ranks = pd.Series(range(1, len(c) + 1))
    if len(c) > 2 * RANKED:
        keep = list(range(RANKED)) + list(range(len(c) - RANKED, len(c)))
        c, labels, ranks = c.iloc[keep], labels.iloc[keep], ranks.iloc[keep]
        title = f"SROI ratios: the {RANKED} highest and the {RANKED} lowest of {len(p.contracts)}"
    else:
        title = "SROI ratios, highest first"
    named = [f"{n}. {label}" for n, label in zip(ranks, labels)]
    return c.iloc[::-1], named[::-1], title


def _delivery_panel(ax, delivery) -> None:
    """Expected by now (grey) and delivered (blue) for each contract with commitments, largest shortfall at the
    top, each bar labelled with its pounds."""
    from matplotlib.ticker import FuncFormatter

    from .plots import PALETTE, pounds

    d = delivery.contracts if delivery is not None else pd.DataFrame()
    when = "" if delivery is None or delivery.as_of is None else f" by {delivery.as_of}"
    ax.set_title(f"Expected{when} against delivered", loc="left", pad=LEGEND_PAD if len(d) else None)
    if not len(d):
        ax.text(0.5, 0.5, "No contract in view records commitments", ha="center", va="center",
                transform=ax.transAxes, color="#555555")
        ax.set_axis_off()
        return
    d = d.iloc[::-1]  # largest shortfall at the top
    y = list(range(len(d)))
    h = 0.38
    ax.barh([i + h / 2 for i in y], d["value_expected"], h, color=PALETTE[6], label="Expected by now")
    ax.barh([i - h / 2 for i in y], d["value_delivered"], h, color=PALETTE[0], label="Delivered")
    top = max(1.0, float(d[["value_expected", "value_delivered"]].to_numpy().max()))
    for i, (exp, got) in enumerate(zip(d["value_expected"], d["value_delivered"])):
        ax.text(exp + top * 0.01, i + h / 2, pounds(exp), va="center", fontsize=8.5, color="#333333")
        ax.text(got + top * 0.01, i - h / 2, pounds(got), va="center", fontsize=8.5, color="#333333")
    ax.set_yticks(y)
    ax.set_yticklabels(_chart_labels(d))
    ax.set_xlim(0, top * 1.25)
    ax.xaxis.set_major_formatter(FuncFormatter(pounds))
    ax.grid(axis="y", visible=False)
    _legend_under_title(ax)


def _rag_panel(ax, counts: dict) -> None:
    """Contracts by RAG status: one labelled horizontal bar per status, so the names never collide."""
    from matplotlib.ticker import MaxNLocator

    statuses = [k for k in RAG_ORDER if k in counts][::-1]  # red at the top
    values = [counts[k] for k in statuses]
    ax.barh([RAG_WORDS[k] for k in statuses], values, color=[RAG_COLOURS[k] for k in statuses])
    top = max(1, max(values, default=0))
    for i, v in enumerate(values):
        ax.text(v + top * 0.02, i, f"{v:,}", va="center", fontsize=9)
    ax.set_xlim(0, top * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # a count of contracts
    ax.set_xlabel("Contracts")
    ax.grid(axis="y", visible=False)
    ax.set_title("Contracts by RAG status", loc="left")


DECILE_COLOURS = {"chosen": "#1b6b93", "other": "#c9d3dc", "unknown": "#9aa0a8"}


def _decile_panel(ax, who: dict) -> None:
    """Present value by IMD decile (1 = most deprived, on the left) and, set apart on the right, of unknown area;
    each bar labelled with its pounds and share. With the *Areas* filter, only the chosen deciles are in colour
    and labelled; the others are pale, for context."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from .plots import pounds

    areas = who["areas"]
    chosen = set(MOST_DEPRIVED.get(areas, range(1, 11)))
    rows = who["by_imd_decile"]
    x = [i if d != UNKNOWN else 11 for i, d in enumerate(r["imd_decile"] for r in rows)]  # a gap before unknown
    values = [r["present_value"] for r in rows]
    colours = [DECILE_COLOURS["unknown"] if r["imd_decile"] == UNKNOWN else
               DECILE_COLOURS["chosen"] if r["imd_decile"] in chosen else DECILE_COLOURS["other"] for r in rows]
    ax.bar(x, values, color=colours, width=0.78, hatch=["//" if r["imd_decile"] == UNKNOWN else "" for r in rows],
           edgecolor="white", linewidth=0)
    top = max([1.0] + values)
    low = min([0.0] + values)
    for xi, r in zip(x, rows):
        v, lit = r["present_value"], r["imd_decile"] in chosen or r["imd_decile"] == UNKNOWN and areas is None
        if not v and not lit:
            continue
        label = pounds(v) + ("" if r["share"] is None else f"\n{percent(r['share'])}")
        ax.text(xi, max(v, 0) + top * 0.02, label, ha="center", va="bottom", fontsize=8,
                color="#222222" if lit else "#8a9099")
    ax.set_xticks(x)
    ax.set_xticklabels(["1\nmost\ndeprived", *map(str, range(2, 10)), "10\nleast\ndeprived", "area\nunknown"],
                       fontsize=8.5)
    ax.set_xlim(-0.7, 11.7)
    ax.set_ylim(low * 1.25, top * 1.32)
    ax.yaxis.set_major_formatter(FuncFormatter(pounds))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    ax.grid(axis="x", visible=False)
    if low < 0:
        ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel("IMD decile of the beneficiaries' area (English Indices of Deprivation 2025)")
    if areas is None:
        title = "Present value by deprivation decile of the area"
        handles = [Patch(color=DECILE_COLOURS["chosen"], label="Value placed in the decile"),
                   Patch(facecolor=DECILE_COLOURS["unknown"], hatch="//", edgecolor="white", label="Area unknown")]
    else:
        title = (f"Present value in the {areas}% most deprived areas: {pounds(who['value_in_areas'])} "
                 f"({percent(who['share_in_areas'])})")
        handles = [Patch(color=DECILE_COLOURS["chosen"], label=f"The {areas}% most deprived (chosen)"),
                   Patch(color=DECILE_COLOURS["other"], label="Other deciles"),
                   Patch(facecolor=DECILE_COLOURS["unknown"], hatch="//", edgecolor="white", label="Area unknown")]
    ax.set_title(title, loc="left", pad=LEGEND_PAD)
    _legend_under_title(ax, handles=handles)


def _reach(p, areas: int) -> tuple[pd.DataFrame, list[str], str]:
    """Each contract's shares of its value in the most deprived areas chosen, in the other deciles and of unknown
    area (``in_areas``, ``other``, ``unknown``, ``value``; NaN without place data or with no value), highest share
    at the top; up to 2 × RANKED contracts, else the RANKED highest and lowest. Also the labels and the title."""
    c = p.contracts
    deciles = [f"imd_{d}" for d in range(1, 11)]
    cols = [c[col].astype(float) if col in c else pd.Series(0.0, index=c.index) for col in deciles]
    total = sum(cols) + (c["imd_unknown"].astype(float) if "imd_unknown" in c else 0.0)
    placed = c["has_place_data"].astype(bool) if "has_place_data" in c else pd.Series(False, index=c.index)
    ok = placed & (total > 0)
    value = sum(cols[d - 1] for d in MOST_DEPRIVED[areas])
    frame = c.assign(value=value.where(placed), in_areas=(value / total).where(ok),
                     other=((sum(cols) - value) / total).where(ok),
                     unknown=((total - sum(cols)) / total).where(ok), placed=placed)
    frame = frame.sort_values("in_areas", ascending=False, kind="stable", na_position="last").reset_index(drop=True)
    labels = _chart_labels(frame)
    what = f"Share of each contract's value in the {areas}% most deprived areas"
    if len(frame) > 2 * RANKED:
        keep = list(range(RANKED)) + list(range(len(frame) - RANKED, len(frame)))
        frame, labels = frame.iloc[keep], labels.iloc[keep]
        what += f": the {RANKED} highest and lowest of {len(c)}"
    return frame.iloc[::-1], list(labels)[::-1], what


def _reach_panel(ax, p, areas: int) -> None:
    """Each contract's value split into the most deprived areas chosen (``areas``), the other deciles and unknown
    area, as shares of its whole value, highest share at the top, labelled with the pounds in those areas and
    their share."""
    from matplotlib.ticker import PercentFormatter

    from .plots import pounds

    frame, labels, title = _reach(p, areas)
    y = list(range(len(frame)))
    left = 0.0
    for col, colour, hatch, name in (("in_areas", DECILE_COLOURS["chosen"], "", f"The {areas}% most deprived"),
                                     ("other", DECILE_COLOURS["other"], "", "Other deciles"),
                                     ("unknown", DECILE_COLOURS["unknown"], "//", "Area unknown")):
        width = frame[col].fillna(0.0).clip(lower=0.0).to_numpy()
        ax.barh(y, width, left=left, color=colour, hatch=hatch, edgecolor="white", linewidth=0, height=0.62,
                label=name)
        left = left + width
    for i, r in enumerate(frame.itertuples()):
        if not r.placed:
            text = "no place data"
        elif pd.isna(r.in_areas):
            text = "no value to place"
        else:
            text = f"{pounds(r.value)} ({percent(r.in_areas)})"
        ax.text(1.02, i, text, va="center", ha="left", fontsize=8.5, color="#333333")
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_xlim(0, 1.42)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(-0.6, len(frame) - 0.4)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Share of the contract's present value")
    ax.set_title(title, loc="left", pad=LEGEND_PAD)
    _legend_under_title(ax)


def portfolio_figure(p, delivery=None, areas: int | None = None):
    """Value by pillar and RAG counts side by side; then, each across the width, value by deprivation decile, each
    contract's share in the most deprived areas (``areas``: 10 or 20, the *Areas* filter; the 20% when None), expected
    against delivered (``delivery``: a :class:`~sroi_lib.reports.portfolio.DeliveryToDate`; by default to the latest
    return) and the SROI ratios ranked; contracts named by their titles, bars and points
    labelled with their values.

    Each row is a subfigure laid out on its own (matplotlib's constrained layout), so the long contract names of
    the lower rows do not squeeze the top row, and every title, label and legend is kept inside the image: a
    legend sits on a line of its own under its panel's title, never over it."""
    import matplotlib.pyplot as plt

    from .plots import bars, use_style

    use_style()
    delivery = p.delivery_to_date() if delivery is None else delivery
    ranked, labels, title = _ranking(p)
    pillar = p.by("pillar")
    reached = min(len(p.contracts), 2 * RANKED)
    heights = [max(2.9, 0.42 * max(len(pillar), len(RAG_ORDER)) + 1.2), 3.3, 0.42 * reached + 1.6,
               max(1.6, 0.62 * len(delivery.contracts) + 1.4), 0.42 * len(ranked) + 1.8]
    fig = plt.figure(figsize=(12, sum(heights) + 0.4), layout="constrained")
    fig.get_layout_engine().set(h_pad=0.08, w_pad=0.08, hspace=0.02, wspace=0.06)
    top, deciles, reach, middle, bottom = fig.subfigures(5, 1, height_ratios=heights)
    pillar_ax, rag_ax = top.subplots(1, 2, gridspec_kw={"width_ratios": [2, 1]})
    if len(pillar):
        bars(pillar_ax, pillar, "pillar", "Present value by pillar")
    else:
        pillar_ax.set_title("Present value by pillar (none in view)", loc="left")
    _rag_panel(rag_ax, p.headline()["rag_counts"])
    _delivery_panel(middle.subplots(), delivery)
    ratio_intervals(bottom.subplots(), ranked, title, labels)
    _decile_panel(deciles.subplots(), p.who_benefits(areas))
    _reach_panel(reach.subplots(), p, areas or 20)
    _keep_titles_inside(fig)
    return fig


def _keep_titles_inside(fig, margin: float = 6.0) -> None:
    """Move a panel's title to the left, over its own tick labels, where it would run past the image's right
    edge (matplotlib's layouts give a title its height but not its width: "Contracts by RAG status" over a narrow
    panel was cut to "...statu"). Never further left than the panel's labels begin. ``margin`` in pixels."""
    fig.canvas.draw()  # lay the figure out, so each title's extent is known
    renderer = fig.canvas.get_renderer()
    right = fig.bbox.x1 - margin
    for ax in fig.axes:
        title = ax._left_title  # noqa: SLF001 - every panel's title is set with loc="left"
        if not title.get_text():
            continue
        box = title.get_window_extent(renderer)
        over = box.x1 - right
        if over <= 0:
            continue
        leftmost = ax.get_tightbbox(renderer).x0  # where the panel's tick labels begin
        shift = min(over, max(0.0, box.x0 - leftmost))
        x, _ = title.get_position()
        title.set_x(x - shift / ax.bbox.width)


def figure_html(p, delivery=None, areas: int | None = None) -> str:
    """The charts (:func:`portfolio_figure`, ``areas`` the *Areas* filter) as one PNG image in HTML (with alternative
    text naming the charts and the contracts), or the plain "no contract matches" when there are none in view."""
    import matplotlib.pyplot as plt

    if not len(p.contracts):
        return empty_html()
    fig = portfolio_figure(p, delivery, areas)
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=100)
    finally:
        plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    where = "" if areas is None else f", the {areas}% most deprived areas in colour"
    alt = ("Charts for " + _plural(len(p.contracts), "contract") + ": present value by pillar; contracts by RAG "
           f"status; present value by deprivation decile{where}; each contract's share of its value in the "
           f"{areas or 20}% most deprived areas; expected against delivered; SROI ratios ranked. Contracts: "
           + "; ".join(p.contracts["title"]))
    return (pillar_note_html(p) + f'<img class="sroi-charts" alt="{html_text(alt)}" src="data:image/png;base64,{data}" '
            'style="max-width: 100%; height: auto">')


def pillar_note_html(p) -> str:
    """What the chart of present value by pillar holds besides the pillars: the contracts valued with
    ``framework: none`` (shown apart as "not grouped by a framework", never in a pillar) and the disbenefits (a
    bar of their own for each pillar, never netted into its benefits). Empty when there are neither."""
    e = html_text
    notes = []
    ungrouped = p.contracts[p.contracts["framework"] == ""] if "framework" in p.contracts else p.contracts.iloc[:0]
    if len(ungrouped):
        names = "; ".join(e(t) for t in ungrouped["title"])
        notes.append(f"{_plural(len(ungrouped), 'contract')} ({names}) {'was' if len(ungrouped) == 1 else 'were'} "
                     f"valued with <code>framework: none</code>, so {'its' if len(ungrouped) == 1 else 'their'} "
                     f"value is shown apart as <b>{e(NOT_GROUPED)}</b>, not in any pillar.")
    if "disbenefit" in p.lines and p.lines["disbenefit"].any():
        notes.append("Disbenefits (negative outcomes) are bars of their own, marked <b>(disbenefit)</b>, below "
                     "zero: never netted into a pillar's benefits. Shares are of the benefits' present value.")
    if not notes:
        return ""
    return (f"<p class='sroi-note sroi-pillar-note' data-not-grouped='{len(ungrouped)}'>"
            f"<b>Present value by pillar:</b> {' '.join(notes)}</p>")


def portfolio_workbook(p, delivery, filters: dict) -> bytes:
    """The tables in view as an Excel workbook (openpyxl): *Contracts* (with each contract's present value by IMD
    decile, its shares in the 10% and 20% most deprived areas and its weighted present value), *Totals by kind*,
    *Expected and delivered*, *Value by decile* (all contracts in view and each kind), and *About* (the filters
    chosen and what "to date" means). Text that a spreadsheet would run as a formula is stored as text
    (:func:`~sroi_lib.io.safe.safe_xlsx_cell`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..io.safe import safe_xlsx_cell

    def sheet(ws, headers, rows, money_columns=(), percent_columns=()):
        for j, h in enumerate(headers, start=1):
            safe_xlsx_cell(ws.cell(row=1, column=j), h)
            ws.cell(row=1, column=j).font = Font(bold=True)
        for i, row in enumerate(rows, start=2):
            for j, value in enumerate(row, start=1):
                if isinstance(value, float) and pd.isna(value):
                    value = None
                cell = ws.cell(row=i, column=j)
                safe_xlsx_cell(cell, value)
                if j - 1 in money_columns and value is not None:
                    cell.number_format = "£#,##0"
                if j - 1 in percent_columns and value is not None:
                    cell.number_format = "0.0%"
        for j, h in enumerate(headers, start=1):
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = max(12, min(45, len(h) + 4))
        ws.freeze_panes = "A2"

    def number(x):
        return None if x is None or pd.isna(x) else float(x)

    wb = Workbook()
    c = p.contracts.assign(kind=contract_kinds(p.contracts)).sort_values("sroi_ratio", ascending=False, kind="stable")
    due = {r.contract_id: r for r in delivery.contracts.itertuples()}
    rows = []
    for r in c.itertuples():
        d = due.get(r.contract_id)
        rows.append([r.contract_id, r.title, r.kind, r.supplier, r.directorate,
                     None if pd.isna(r.start_year) else int(r.start_year), number(r.present_value),
                     number(r.total_inputs), number(r.sroi_ratio), number(getattr(r, "sroi_ratio_p5", None)),
                     number(getattr(r, "sroi_ratio_p95", None)), r.rag,
                     None if d is None else number(d.value_expected), None if d is None else number(d.value_delivered),
                     f"{getattr(r, 'report_folder', '')}/{HTML_FILE}" if getattr(r, "report_folder", "") else None,
                     *_place_cells(r, number)])
    sheet(wb.active, ["Contract", "Title", "Kind", "Supplier", "Directorate", "Start year", "Present value (£)",
                      "Inputs (£)", "SROI ratio", "Ratio, 5th percentile", "Ratio, 95th percentile", "RAG",
                      "Expected by now (£)", "Delivered (£)", "Report", *PLACE_HEADINGS], rows,
          money_columns={6, 7, 12, 13, *range(15, 26), 29}, percent_columns={27, 28})
    wb.active.title = "Contracts"
    sheet(wb.create_sheet("Totals by kind"), ["Kind of contract", "Contracts", "Present value (£)", "Inputs (£)",
                                              "SROI ratio"],
          [[k.kind, int(k.contracts), number(k.present_value), number(k.total_inputs), number(k.sroi_ratio)]
           for k in p.kinds().itertuples()], money_columns={2, 3})
    t = delivery.totals
    rows = [[r.contract_id, r.title, number(r.quarters_total), number(r.quarters_elapsed), number(r.quarters_returned),
             number(r.value_committed_total), number(r.value_expected), number(r.value_delivered), number(r.gap),
             number(r.delivery_rate)] for r in delivery.contracts.itertuples()]
    if rows:
        rows.append(["Total", "", None, None, None, t["value_committed_total"], t["value_expected"],
                     t["value_delivered"], t["gap"], t["delivery_rate"]])
    sheet(wb.create_sheet("Expected and delivered"),
          ["Contract", "Title", "Quarters", "Quarters ended", "Quarters with a return",
           "Committed over the contract (£)", "Expected by now (£)", "Delivered (£)", "Gap (£)",
           "Delivered of expected"], rows,
          money_columns={5, 6, 7, 8})
    who = p.who_benefits()
    kinds = who["kinds"]
    sheet(wb.create_sheet("Value by decile"),
          ["IMD decile (1 = most deprived)", "Present value (£)", "Share",
           *(f"{k['kind']}: present value (£)" for k in kinds), *(f"{k['kind']}: share" for k in kinds)],
          [[d["imd_decile"], number(d["present_value"]), number(d["share"]),
            *(number(k["by_imd_decile"][i]["present_value"]) for k in kinds),
            *(number(k["by_imd_decile"][i]["share"]) for k in kinds)] for i, d in enumerate(who["by_imd_decile"])]
          + [["Total", number(who["present_value"]), None, *(number(k["present_value"]) for k in kinds),
              *(None for _ in kinds)]],
          money_columns={1, *range(3, 3 + len(kinds))}, percent_columns={2, *range(3 + len(kinds), 3 + 2 * len(kinds))})
    about = [["Filters", "; ".join(f"{k}: {v}" for k, v in filters.items()) or "none (every contract)"],
             ["Contracts", len(p.contracts)],
             ["To date", f"means {delivery.basis}"],
             ["Expected by now", "each contract's commitment × the share of its quarters ended (what was committed "
                                 "for those quarters); a quarter with no return counts as £0 delivered"],
             ["Valued at", "the proxies' full value, before deadweight, displacement and attribution (as committed)"],
             ["SROI ratios", "one per kind of contract: illustrative and real, forecasts and evaluations are never "
                             "pooled"],
             ["IMD deciles", "each contract's present value (net of disbenefits) by the deprivation decile of its "
                             "beneficiaries' area, from its report (English Indices of Deprivation 2025; 1 = the 10% "
                             "most deprived areas of England); a contract without place data counts whole as area "
                             "unknown. Shares are of the whole present value, area unknown included."],
             ["Weighted present value", "HM Treasury Green Book distributional weights by household income, from "
                                        "each report (eta "
                                        + (", ".join(f"{e:g}" for e in who["etas"]) or "none") + "); a contract "
                                        "without place data counts at weight 1"]]
    sheet(wb.create_sheet("About"), ["About this export", ""], about)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


#: The who-benefits columns at the end of the export's *Contracts* sheet (:func:`_place_cells`).
PLACE_HEADINGS = (*(f"IMD decile {d} (£)" for d in range(1, 11)), "Area unknown (£)", "Place data",
                  "Share in the 10% most deprived", "Share in the 20% most deprived", "Weighted present value (£)")


def _place_cells(r, number) -> list:
    """A contract's who-benefits cells for the export (:data:`PLACE_HEADINGS`)."""
    placed = bool(getattr(r, "has_place_data", False))
    cells = [number(getattr(r, f"imd_{d}", None)) for d in range(1, 11)] + [number(getattr(r, "imd_unknown", None))]
    shares = [_in_areas(r, a)[1] if placed else None for a in (10, 20)]
    return [*cells, "yes" if placed else f"no: {getattr(r, 'place_note', '') or 'none given'}", *shares,
            number(getattr(r, "weighted_present_value", None))]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_html(p, delivery, filters: dict) -> str:
    """An "Export to Excel" link that downloads :func:`portfolio_workbook` for the contracts in view."""
    if not len(p.contracts):
        return "<span class='sroi-export-none'>Nothing to export: no contract matches these filters.</span>"
    data = base64.b64encode(portfolio_workbook(p, delivery, filters)).decode("ascii")
    return (f'<a class="sroi-export" download="sroi-portfolio.xlsx" href="data:{XLSX};base64,{data}" '
            f'style="display: inline-block; padding: 6px 14px; border: 1px solid #1b6b93; border-radius: 4px; '
            f'color: #1b6b93; text-decoration: none; font-weight: bold">Export to Excel '
            f'({_plural(len(p.contracts), "contract")} in view)</a>')


STYLE = """<style>
.sroi-headline table, .sroi-delivery table, .sroi-contracts { border-collapse: collapse; margin: 6px 0 10px; }
.sroi-headline th, .sroi-headline td, .sroi-delivery th, .sroi-delivery td, .sroi-contracts th, .sroi-contracts td {
  border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; vertical-align: top; }
.sroi-headline td:nth-child(n+2), .sroi-delivery td:nth-child(n+3) { text-align: right; white-space: nowrap; }
.sroi-contracts th, .sroi-delivery th, .sroi-headline th { background: #f2f4f6; }
.sroi-pooling, .sroi-note { color: #555; max-width: 60em; }
.sroi-gap { font-size: 1.1em; max-width: 60em; }
.sroi-empty { padding: 24px; margin: 8px 0; background: #f7f7f7; border: 1px dashed #999; font-size: 1.1em; }
.sroi-delivery h3, .sroi-who h3 { margin: 14px 0 4px; }
.sroi-who table { border-collapse: collapse; margin: 6px 0 10px; }
.sroi-who th, .sroi-who td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; vertical-align: top; }
.sroi-who th { background: #f2f4f6; }
.sroi-who td:nth-child(n+2) { text-align: right; white-space: nowrap; }
.sroi-who-sentence { font-size: 1.1em; max-width: 60em; }
.sroi-areas-note { background: #eef5f9; border-left: 4px solid #1b6b93; padding: 6px 10px; max-width: 60em; }
.sroi-areas-help { color: #555; max-width: 46em; margin: 2px 0 0 12px; font-size: 0.92em; line-height: 1.4; }
.sroi-who p { line-height: 1.45; }
.sroi-contracts td:nth-child(6), .sroi-contracts td:nth-child(8), .sroi-contracts td.sroi-in-areas { white-space: nowrap; }
a.sroi-report-link { color: #1b6b93; text-decoration: underline; }
</style>"""


def portfolio_dashboard(portfolio):
    """Filters (directorate, pillar, supplier, RAG, start year, illustrative or real, forecast or evaluation, the
    quarter "to date" ends with, and the most deprived areas) driving the headline, expected against delivered, who
    benefits, the charts, the table and the export.

    The *Areas* filter (the 10% or 20% most deprived areas of England) keeps the contracts whose reports place their
    value by area, and counts only the value reaching those areas in who benefits and its charts
    (:func:`who_html`, :func:`portfolio_figure`); it says so on the page."""
    import ipywidgets as w

    from ..control.periods import parse_period

    c = portfolio.contracts

    def options(values):
        return [(ALL, ALL)] + [(str(v), v) for v in sorted({v for v in values if pd.notna(v) and v != ""}, key=str)]

    latest = portfolio.latest_return()
    quarters = [] if portfolio.periods is None else sorted(set(portfolio.periods["period"]), key=parse_period)
    controls = {
        "directorate": w.Dropdown(options=options(c["directorate"]), description="Directorate"),
        "pillar": w.Dropdown(options=options(portfolio.lines["pillar"]), description="Pillar"),
        "supplier": w.Dropdown(options=options(c["supplier"]), description="Supplier"),
        "rag": w.Dropdown(options=[(ALL, ALL)] + [(RAG_WORDS[k], k) for k in RAG_ORDER if (c["rag"] == k).any()],
                          description="RAG"),
        "year": w.Dropdown(options=options(c["start_year"]), description="Start year"),
        "illustrative": w.Dropdown(options=[(ALL, ALL), ("Real", False), ("Illustrative", True)],
                                   description="Real or not"),
        "analysis_type": w.Dropdown(options=options(c["analysis_type"]), description="Analysis"),
        "as_of": w.Dropdown(options=[(f"{LATEST} ({latest or 'none yet'})", LATEST)] + [(q, q) for q in quarters],
                            description="To date"),
        "areas": w.Dropdown(options=[(ALL, ALL), ("the 10% most deprived", 10), ("the 20% most deprived", 20)],
                            description="Areas"),
    }
    for ctl in controls.values():
        ctl.style = {"description_width": "90px"}
    headline, delivery_box, export, charts, table = w.HTML(), w.HTML(), w.HTML(), w.HTML(), w.HTML()
    who_box = w.HTML()

    def refresh(_=None):
        chosen = {k: (None if isinstance(ctl.value, str) and ctl.value in (ALL, LATEST) else ctl.value)
                  for k, ctl in controls.items()}
        as_of = chosen.pop("as_of")
        areas = chosen.pop("areas")
        before_areas = portfolio.filter(**chosen)
        view = before_areas if areas is None else before_areas.filter(areas=areas)
        # "to date" is the whole portfolio's latest return whatever the filters, unless a quarter is chosen
        delivery_view = replace(view.delivery_to_date(as_of or latest), chosen=as_of is not None)
        words = {ctl.description: ctl.label for ctl in controls.values() if ctl.index != 0}
        headline.value = headline_html(view.headline())
        if len(view.contracts):
            delivery_box.value = delivery_html(delivery_view)
            left_out = None if areas is None else before_areas.who_benefits()["without_place_data"]
            who_box.value = who_html(view.who_benefits(areas), view.headline()["present_value"], left_out)
            table.value = contracts_html(view, delivery_view, areas)
        else:
            delivery_box.value = who_box.value = ""
            table.value = ""
        charts.value = figure_html(view, delivery_view, areas)
        export.value = export_html(view, delivery_view, words)

    for ctl in controls.values():
        ctl.observe(refresh, names="value")
    refresh()
    values = list(controls.values())
    box = w.VBox([w.HTML(STYLE), w.HBox(values[:4]), w.HBox(values[4:8]),
                  w.HBox([controls["areas"], w.HTML(f"<p class='sroi-areas-help'>{AREAS_HELP}</p>")]),
                  headline, export, delivery_box, who_box, charts, table])
    box.controls = controls  # each filter by name, and each part of the page, for tests and notebooks
    box.parts = {"headline": headline, "export": export, "delivery": delivery_box, "who": who_box, "charts": charts,
                 "table": table}
    return box


def dashboard_for(reports_dir):
    """The portfolio dashboard for a folder of reports, or a plain message when there are none yet."""
    import ipywidgets as w

    folder = Path(reports_dir)
    if not report_folders(folder):
        return w.HTML(f"<p>No reports in <code>{html_text(folder)}</code> yet. Make them with "
                      "<code>sroi batch parameters/</code> (or <code>make demo</code>), then reload this page.</p>")
    return portfolio_dashboard(load_portfolio(folder))


def dashboard_limits(max_pages: int | None = None, idle_seconds: int | None = None) -> tuple[int, int]:
    """The most pages (kernels) served at once and the idle time before a page's kernel is shut down.

    Each comes from the argument when given, else from the environment variable
    ``SROI_DASHBOARD_MAX_PAGES`` / ``SROI_DASHBOARD_IDLE_SECONDS``, else the
    default (:data:`MAX_PAGES`, :data:`IDLE_SECONDS`).

    Raises
    ------
    InputError
        When a value is not a whole number in its range (pages 1 to 50,
        seconds 1 to 86,400).
    """
    problems = Problems()
    found = []
    for value, variable, default, low, high, what in (
            (max_pages, "SROI_DASHBOARD_MAX_PAGES", MAX_PAGES, 1, 50, "pages served at once"),
            (idle_seconds, "SROI_DASHBOARD_IDLE_SECONDS", IDLE_SECONDS, 1, 86_400,
             "seconds before an idle page closes")):
        raw = value if value is not None else os.environ.get(variable, "").strip() or default
        try:
            number = int(raw)
            if str(raw).strip() not in (str(number), f"+{number}") or not low <= number <= high:
                raise ValueError
        except (TypeError, ValueError):
            source = "the value given" if value is not None else f"the environment variable {variable}"
            problems.add(f"{source} is {str(raw)!r}, but the {what} must be a whole number from {low:,} to {high:,}",
                         fix=f"Set {variable} to a whole number from {low:,} to {high:,}, or unset it to use "
                             f"{default:,}.")
            number = default
        found.append(number)
    problems.raise_if_any()
    return found[0], found[1]


def dashboard_command(reports: str | Path, port: int, open_browser: bool = False, *, max_pages: int | None = None,
                      idle_seconds: int | None = None) -> tuple[list[str], dict]:
    """The server's command line and environment that serve the dashboard for ``reports`` on 127.0.0.1 only.

    The server is :mod:`sroi_lib.views.dashboard_server` (Voilà answering
    only loopback Host headers); ``max_pages`` and ``idle_seconds`` are
    :func:`dashboard_limits`. Idle kernels are looked for every quarter of
    ``idle_seconds`` (at most every minute).
    """
    pages, idle = dashboard_limits(max_pages, idle_seconds)
    interval = max(1, min(60, idle // 4))
    cmd = [sys.executable, "-m", "sroi_lib.views.dashboard_server", str(DASHBOARD_NOTEBOOK), f"--port={port}",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--theme=light", "--strip_sources=True",
           "--VoilaConfiguration.multi_kernel_manager_class=sroi_lib.views.dashboard_server.CappedKernelManager",
           f"--CappedKernelManager.max_kernels={pages}", f"--MappingKernelManager.cull_idle_timeout={idle}",
           f"--MappingKernelManager.cull_interval={interval}", "--MappingKernelManager.cull_connected=False"]
    if not open_browser:
        cmd.append("--no-browser")
    env = {**os.environ, "SROI_REPORTS_DIR": str(Path(reports).resolve())}
    return cmd, env


class _Stopped(Exception):
    """Raised in :func:`serve` by a stop signal (SIGTERM, SIGINT, SIGHUP)."""


def serve(reports: str | Path, port: int, open_browser: bool = False, *, max_pages: int | None = None,
          idle_seconds: int | None = None, grace: float = 15.0) -> int:
    """Serve the dashboard until stopped; returns the server's exit code, 0 when stopped by a signal.

    The server runs in a process group of its own and, on Linux, is told to
    stop if this process dies. On SIGTERM, SIGINT (Ctrl+C) or SIGHUP this
    process stops the server and everything it started
    (:func:`stop_server`), waiting up to ``grace`` seconds for it to shut
    its kernels down itself.
    """
    cmd, env = dashboard_command(reports, port, open_browser, max_pages=max_pages, idle_seconds=idle_seconds)

    def stop(signum, _frame):
        raise _Stopped(signum)

    signals = [s for s in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, stop) for s in signals}
    proc = None
    try:
        proc = subprocess.Popen(cmd, env=env, start_new_session=True, preexec_fn=_stop_with_parent(os.getpid()))
        return proc.wait()
    except (_Stopped, KeyboardInterrupt):
        return 0
    finally:
        for s in signals:  # a second Ctrl+C must not cut the clean-up short
            signal.signal(s, signal.SIG_IGN)
        try:
            if proc is not None:
                stop_server(proc, grace)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)


def stop_server(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """Stop a server started in its own process group, and every process under it.

    SIGTERM to the group (Voilà then shuts down its kernels); after ``grace``
    seconds, SIGKILL. The kernels run in sessions of their own, so the
    processes under the server are listed first (with psutil, which comes with
    IPython) and any still alive at the end are killed too.
    """
    leftovers = _processes_under(proc.pid)
    if proc.poll() is None:
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
    if leftovers:
        import psutil

        alive = [p for p in leftovers if p.is_running()]
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(alive, timeout=10)


def _processes_under(pid: int) -> list:
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with IPython; without it kernels still exit with their parent
        return []
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _stop_with_parent(parent: int):
    """A ``preexec_fn`` asking Linux to send SIGTERM to the server when ``parent`` dies (PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return None

    def preexec():
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1 (linux/prctl.h)
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec
