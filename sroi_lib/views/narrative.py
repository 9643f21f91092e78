"""The narrative sections of a contract's report, in the order Social Value International assesses a report.

Executive summary, scope, stakeholders, theory of change, outcomes with their indicators and evidence,
valuation, materiality, adjustments, calculation, sensitivity, verification, limitations, conclusions and
recommendations, then the assurance-readiness checklist (:mod:`sroi_lib.reports.assurance`). Each function
takes a :class:`~sroi_lib.reports.contract.ContractRun` and returns Markdown, a table or an HTML block for the
report notebook to show; nothing here computes a figure.

The narrative comes from the parameters' optional keys
(:data:`~sroi_lib.reports.params.NARRATIVE_KEYS`), shown exactly as written
(:func:`~sroi_lib.views.formatting.markdown_text`: markup in them is text). A key that is not given is never
made up: its section says so in one sentence, naming the key to add (:func:`narrative_text`).

Also :func:`checklist_text`, the checklist as ``sroi run --checklist`` and ``sroi value --checklist`` print it.
No plotting library is imported here, so ``sroi value`` stays quick.
"""

from __future__ import annotations

import pandas as pd

from ..reports.assurance import MET, MISSING, PARTLY, Point, checklist, disbenefit_lines
from ..reports.params import NARRATIVE_KEYS
from . import formatting as fmt
from .tables import inputs_sentence, tipping_table

__all__ = ["HtmlBlock", "narrative_text", "executive_summary", "scope_markdown",
           "stakeholders_markdown", "stakeholders_table", "theory_of_change", "outcomes_table", "valuation_table",
           "adjustments_table", "calculation_markdown", "verification_markdown", "limitations_markdown",
           "conclusions_markdown", "delivery_markdown", "contract_checklist", "checklist_summary",
           "checklist_table", "checklist_text", "who_reach_sentence", "DELIVERY_INTRO"]

DELIVERY_INTRO = ("## Delivery against commitments\n\nWhat the supplier committed at bid against what its quarterly "
                  "returns report, in units and in pounds of social value (each unit at its proxy's value), with a "
                  "forecast to the end of the contract at the current rate. Green: {green} or more of the "
                  "commitment to date; amber: {amber} or more; red: below.")


class HtmlBlock(str):
    """HTML that a notebook shows as HTML (its ``_repr_html_``) and a test reads as text."""

    def _repr_html_(self) -> str:
        return str(self)


def narrative_text(run, key: str) -> str:
    """A narrative key's text as Markdown, exactly as written; or, when it is not given, one sentence saying
    what to add and under which key of the parameters file."""
    text = getattr(run.params, key, None)
    if isinstance(text, str) and text.strip():
        return fmt.markdown_text(text)
    return (f"Not given: add `{key}` to the contract's parameters file, saying {NARRATIVE_KEYS[key]} "
            f"(docs/reports.md).")


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _top_outcomes(lines: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` outcomes (stakeholder and outcome) with the largest present value, benefits only."""
    benefits = lines[lines["present_value"].to_numpy(float) > 0]
    grouped = benefits.groupby(["stakeholder", "outcome"], sort=False, as_index=False)["present_value"].sum()
    return grouped.sort_values("present_value", ascending=False, kind="stable").head(n)


def executive_summary(run, analysis=None) -> str:
    """The executive summary (Markdown): the ratio in a sentence, the 90% range from the Monte Carlo when there
    is one, the share of the value reaching the 20% most deprived areas when the impact map places its lines
    (:func:`who_reach_sentence`), the three biggest outcomes, the main caveats and the negative outcomes (lines
    with a present value below zero, listed; or a sentence saying there are none).

    ``analysis`` is the contract's uncertainty analysis (:func:`~sroi_lib.views.tables.contract_uncertainty`).
    """
    p, v = run.params, run.valuation
    t = fmt.markdown_text
    lines = v.lines
    negative = disbenefit_lines(lines)
    s = v.summary()
    out = [f"**{fmt.every_pound(s['sroi_ratio'], net_of_disbenefits=len(negative) > 0)}** "
           f"The SROI ratio is {fmt.ratio(s['sroi_ratio'])} ({fmt.money(s['present_value'])} of social value "
           f"in present value, against {inputs_sentence(v)} of inputs, all in {v.price_year} prices)."]
    mc = getattr(analysis, "monte_carlo", None)
    if mc is not None:
        m = mc.summary()
        out.append(f"Nine times in ten the ratio is between {m['p5']:,.2f} and {m['p95']:,.2f} (the 5th to "
                   f"95th percentiles of {m['draws']:,} Monte Carlo draws of the uncertain assumptions; "
                   "see *How sure is this figure?*).")
    else:
        out.append("There is no Monte Carlo range: the parameters give no distributions for the uncertain "
                   "assumptions (docs/uncertainty.md). *How sure is this figure?* shows how far each assumption "
                   "moves the ratio.")
    reach = who_reach_sentence(getattr(run, "who", None))
    if reach:
        out.append(reach)
    top = _top_outcomes(lines)
    benefits = float(lines["present_value"].to_numpy(float).clip(min=0).sum())
    if len(top):
        out += ["", f"**The {'three ' if len(top) == 3 else ''}biggest outcome{'s' if len(top) > 1 else ''}**", ""]
        for i, r in enumerate(top.itertuples(), 1):
            share = f", {fmt.percent(r.present_value / benefits)} of the benefits" if benefits else ""
            out.append(f"{i}. {t(r.outcome)} ({t(r.stakeholder)}): {fmt.money(r.present_value, pence=False)}{share}")
    out += ["", "**Main caveats**", ""] + [f"- {c}" for c in _caveats(run, analysis)]
    out += ["", "**Negative outcomes (disbenefits)**", ""]
    if len(negative):
        for r in negative.itertuples():
            row = "" if pd.isna(r.row) else f"row {int(r.row)}: "
            out.append(f"- {row}{t(r.outcome)} ({t(r.stakeholder)}): {fmt.money(r.present_value, pence=False)}")
        total = fmt.money(float(negative["present_value"].sum()), pence=False)
        out += ["", f"They are taken off the benefits: {total} together."]
    else:
        out.append("No negative outcome (disbenefit) is valued in the impact map."
                   + ("" if p.materiality else " Say in `materiality` which negative outcomes were considered and "
                                               "why none is material."))
    return "\n".join(out)


def who_reach_sentence(who) -> str:
    """One sentence for the executive summary: the share of the present value reaching people in the 20% most
    deprived areas of England, and the share that cannot be placed when there is one; "" when the impact map gives
    no place data (``who`` is None) or the share is not known (a present value of £0 or less).

    ``who`` is a :class:`~sroi_lib.core.who_benefits.WhoBenefits`; the shares are of the whole present value.
    """
    share = getattr(who, "share_most_deprived_20", None)
    if share is None:
        return ""
    unplaced = who.share_unknown
    aside = f"; {fmt.percent(unplaced)} cannot be placed" if unplaced else ""
    return (f"{fmt.percent(share)} of the social value reaches people in the 20% most deprived areas of England "
            f"(by the Index of Multiple Deprivation{aside}; see *Who benefits*).")


def _caveats(run, analysis) -> list[str]:
    """The main caveats, from the contract's own figures: forecast or illustrative, the nearest tipping point,
    open over-claiming warnings, lines without evidence, and the analysts' own limitations when given."""
    p, lines = run.params, run.valuation.lines
    t = fmt.markdown_text
    out = []
    if p.analysis_type == "forecast":
        out.append("This is a forecast: the outcomes are expected, not yet observed. An evaluation after delivery "
                   "should test them.")
    if p.illustrative:
        out.append("The figures are illustrative, made up to show the method: this is not a real contract's "
                   "valuation.")
    if analysis is not None and not analysis.tipping.empty:
        first = tipping_table(analysis, limit=1)
        if "Change needed" in first.columns:
            r = first.iloc[0]
            what = first.index[0].lower()
            line = "" if r["Line"] in ("all inputs", "the whole valuation") else f" ({t(r['Line'])})"
            out.append(f"The nearest tipping point: the ratio would reach {analysis.spec.target:g} if the "
                       f"{t(what)}{line} were {t(r['Change needed'])}, from {t(r['From'])} to {t(r['To'])}.")
    checks = run.checks
    warnings = int((checks["grade"] == "warning").sum()) if checks is not None and not checks.empty else 0
    if warnings:
        out.append(f"{_count(warnings, 'warning')} from the over-claiming checks {'is' if warnings == 1 else 'are'} "
                   "open (see *Verification*).")
    blank = lines["evidence"].fillna("").astype(str).str.strip().eq("")
    if blank.any():
        out.append(f"{_count(int(blank.sum()), 'line')} of the impact map give{'s' if blank.sum() == 1 else ''} "
                   "no evidence.")
    if p.limitations:
        out.append("The analysts' own limitations are under *Limitations*.")
    return out or ["None found in the figures; see *Limitations*."]


def scope_markdown(run) -> str:
    """Purpose, audience and scope as written (or a sentence for each not given), then the period: the
    contract's quarters, the years the outcomes are valued over, the price year and the analysis type."""
    p, v = run.params, run.valuation
    years = v.by_year()["year"]
    period = (f"The contract runs from {fmt.markdown_text(p.contract_start)} to {fmt.markdown_text(p.contract_end)}. "
              if p.contract_start and p.contract_end else "")
    span = f"year {int(years.min())}" if years.min() == years.max() else f"years {int(years.min())} to {int(years.max())}"
    return "\n\n".join([
        f"**Purpose.** {narrative_text(run, 'purpose')}",
        f"**Audience.** {narrative_text(run, 'audience')}",
        f"**Boundaries.** {narrative_text(run, 'scope')}",
        f"**Period.** {period}The outcomes are valued over {span} (year 1 is the first year "
        f"of the activity), in {v.price_year} prices. This is {'a forecast' if p.analysis_type == 'forecast' else 'an evaluation'}.",
    ])


def stakeholders_markdown(run) -> str:
    """How stakeholders were involved, and who was left out and why (the narrative keys, or a sentence each)."""
    return "\n\n".join([f"**How they were involved.** {narrative_text(run, 'stakeholders_involved')}",
                        f"**Who was left out, and why.** {narrative_text(run, 'excluded_stakeholders')}"])


def _how_many(rows: pd.DataFrame) -> str:
    return "; ".join(f"{q:,.6g} {ind or '(no indicator)'}" for q, ind in zip(rows["quantity"], rows["indicator"]))


def stakeholders_table(run) -> pd.DataFrame:
    """Each stakeholder group in the impact map: its outcomes, how many (each line's quantity and indicator),
    and its present value and share of the benefits."""
    lines = run.valuation.lines
    benefits = float(lines["present_value"].to_numpy(float).clip(min=0).sum())
    rows = []
    for who, group in lines.groupby("stakeholder", sort=False):
        pv = float(group["present_value"].sum())
        rows.append({"Stakeholder": who, "Outcomes": "; ".join(dict.fromkeys(group["outcome"])),
                     "How many (from the impact map)": _how_many(group), "Present value": fmt.money(pv),
                     "Share of the benefits": fmt.percent(pv / benefits) if benefits else "n/a"})
    return pd.DataFrame(rows).set_index("Stakeholder")


_TOC_STYLE = ("<style>table.sroi-toc{border-collapse:collapse;margin:0.5em 0}"
              "table.sroi-toc th,table.sroi-toc td{border:1px solid #c8ccd0;padding:6px 8px;"
              "vertical-align:top;text-align:left !important}table.sroi-toc th{background:#eef3f6}"
              "table.sroi-toc td.arrow,table.sroi-toc th.arrow{border:none;background:none;color:#1b6b93;"
              "font-size:1.4em;text-align:center !important;vertical-align:middle;padding:0 2px}"
              "table.sroi-toc ul{margin:0;padding-left:1.1em}table.sroi-toc li{text-align:left}"
              "table.sroi-toc .negative{color:#a33b20}</style>")


NEGATIVE = ' class="negative"'


def theory_of_change(run) -> HtmlBlock:
    """The theory of change as an HTML table: inputs → activities → (for each stakeholder) outputs → outcomes.

    Inputs are the inputs table (who gives what, in pounds); the activity is the contract (title, supplier
    and description); the outputs are each impact-map line's quantity and indicator (what is counted); the
    outcomes are what changes, with the years it lasts and its present value, a disbenefit marked as such.
    Text, not an image: it wraps, prints, and its words reach the PDF. Every string from a file is escaped.
    """
    p, v = run.params, run.valuation
    h = fmt.html_text
    lines = v.lines
    groups = list(lines.groupby("stakeholder", sort=False))
    span = len(groups)
    inputs = "".join(f"<li>{h(fmt.money(r.value, pence=False))} from {h(r.stakeholder)}: {h(r.description)}"
                     f"{h(f' (year {r.year})') if r.year else ''}</li>" for r in v.inputs.itertuples())
    activity = f"<b>{h(p.title)}</b>, delivered by {h(p.supplier)}"
    if p.description:
        activity += f"<br>{h(p.description)}"
    arrow = '<td class="arrow">→</td>'
    body = []
    for i, (who, group) in enumerate(groups):
        outputs = "".join(f"<li>{h(f'{r.quantity:,.6g}')} × {h(r.indicator or r.outcome)}</li>"
                          for r in group.itertuples())
        outcomes = "".join(
            f"<li{NEGATIVE if r.present_value < 0 else ''}>{h(r.outcome)}"
            f"{' (disbenefit)' if r.present_value < 0 else ''}: {h(_years(r.start_year, r.end_year))}, "
            f"{h(fmt.money(r.present_value, pence=False))}</li>" for r in group.itertuples())
        first = (f'<td rowspan="{span}"><ul>{inputs}</ul></td><td class="arrow" rowspan="{span}">→</td>'
                 f'<td rowspan="{span}">{activity}</td><td class="arrow" rowspan="{span}">→</td>') if i == 0 else ""
        body.append(f"<tr>{first}<td><b>{h(who)}</b></td><td><ul>{outputs}</ul></td>{arrow}"
                    f"<td><ul>{outcomes}</ul></td></tr>")
    head = ('<thead><tr><th>Inputs</th><th class="arrow"></th><th>Activities</th><th class="arrow"></th>'
            '<th>Stakeholder</th><th>Outputs: what is counted</th><th class="arrow"></th>'
            '<th>Outcomes: what changes (years, present value)</th></tr></thead>')
    return HtmlBlock(f'{_TOC_STYLE}<table class="sroi-toc">{head}<tbody>{"".join(body)}</tbody></table>')


def _years(start: int, end: int) -> str:
    return f"year {start}" if start == end else f"years {start}–{end}"


def _effect(pv) -> str:
    return "disbenefit" if pv < 0 else "benefit"


def outcomes_table(run) -> pd.DataFrame:
    """Each outcome with its indicator, quantity, the years it lasts, whether it is a benefit or a disbenefit,
    and its evidence."""
    ln = run.valuation.lines
    return pd.DataFrame({
        "Row": ln["row"], "Stakeholder": ln["stakeholder"], "Outcome": ln["outcome"],
        "Indicator": ln["indicator"].where(ln["indicator"] != "", "not given"),
        "Quantity": ln["quantity"].map(lambda x: f"{x:,.6g}"),
        "Years": [_years(s, e) for s, e in zip(ln["start_year"], ln["end_year"])],
        "Effect": ln["present_value"].map(_effect),
        "Evidence": ln["evidence"].where(ln["evidence"] != "", "not given"),
    }).set_index("Row")


def valuation_table(run) -> pd.DataFrame:
    """How each outcome is valued: the proxy (or own value), its value per unit in the analysis's prices, and
    its source (the proxy's publisher, or the line's own source and evidence)."""
    ln = run.valuation.lines
    own = ln["proxy_id"] == ""
    return pd.DataFrame({
        "Row": ln["row"], "Outcome": ln["outcome"],
        "Valued by": ln["proxy_id"].where(~own, "own value"),
        f"Value per unit ({run.valuation.price_year} prices)": ln["value_per_unit"].map(fmt.unit_money),
        "Source": [f"{s} (see the evidence)" if o else s for s, o in zip(ln["source"], own)],
    }).set_index("Row")


def adjustments_table(run) -> pd.DataFrame:
    """Each line's deadweight, displacement, attribution and drop-off, with the reasons (its evidence)."""
    ln = run.valuation.lines
    pct = lambda col: ln[col].map(fmt.percent)  # noqa: E731
    return pd.DataFrame({
        "Row": ln["row"], "Outcome": ln["outcome"], "Deadweight": pct("deadweight"),
        "Displacement": pct("displacement"), "Attribution": pct("attribution"), "Drop-off": pct("drop_off"),
        "Reasons (the evidence column)": ln["evidence"].where(ln["evidence"] != "", "not given"),
    }).set_index("Row")


def calculation_markdown(run) -> str:
    """How the figures are worked out, with the contract's discounting and conventions."""
    v = run.valuation
    t = fmt.markdown_text
    return ("For each line: impact = quantity × value per unit × (1 − deadweight) × (1 − displacement) × "
            "(1 − attribution); each later year's value falls by the drop-off; present value = Σ each year's "
            "value × its discount factor. The SROI ratio = Σ present value ÷ Σ inputs (inputs after year 0 "
            f"discounted too). Discounting: {t(v.discounting.describe())}. Conventions: {t(v.method_text())} "
            "docs/method.md gives every formula and its source.")


def verification_markdown(run) -> str:
    """How the analysis was verified (the narrative key, or a sentence), then what sroi itself checks."""
    return (f"{narrative_text(run, 'verification')}\n\nEvery figure can be re-made: the report folder's "
            "manifest records the sha256 of each file read, and `sroi audit` re-runs the report from them and "
            "compares every output. The over-claiming checks below flag what may count value twice or claim "
            "too much (SROI principle 5, do not over-claim): each finding gives its grade, the line, why it is "
            "flagged and what to do. An error stops a report being made, so none appears here; a warning may "
            "over-claim and needs its reasons written down; a note is worth a second look.")


def limitations_markdown(run) -> str:
    """The limitations as written (or a sentence)."""
    return narrative_text(run, "limitations")


def conclusions_markdown(run) -> str:
    """Conclusions and recommendations as written (or a sentence for each not given)."""
    return "\n\n".join([f"**Conclusions.** {narrative_text(run, 'conclusions')}",
                        f"**Recommendations.** {narrative_text(run, 'recommendations')}"])


def delivery_markdown(run) -> str:
    """The delivery section's heading and introduction, or nothing for a contract without commitments (so the
    report has no empty section)."""
    if run.tracking is None:
        return ""
    return DELIVERY_INTRO.format(green=fmt.percent(run.params.rag_green), amber=fmt.percent(run.params.rag_amber))


# -- the assurance-readiness checklist -----------------------------------------------------------------------------

def contract_checklist(run, analysis=None) -> list[Point]:
    """The checklist of a contract (:func:`~sroi_lib.reports.assurance.checklist`)."""
    spec = analysis.spec if analysis is not None else getattr(getattr(run, "uncertainty", None), "spec", None)
    return checklist(run.valuation, params=run.params, checks=run.checks, spec=spec)


def checklist_summary(points: list[Point]) -> str:
    """``"11 of 17 points met, 4 partly met, 2 missing."``"""
    counts = {s: sum(p.status == s for p in points) for s in (MET, PARTLY, MISSING)}
    return (f"{counts[MET]} of {len(points)} points met, {counts[PARTLY]} partly met, {counts[MISSING]} missing.")


def checklist_table(points: list[Point]) -> pd.DataFrame:
    """The checklist as a table: principle, criterion, what is looked for, status, and what is there or missing."""
    return pd.DataFrame({
        "Principle": [p.principle_text for p in points],
        "Criterion": [p.criterion or "" for p in points],
        "What an assessor looks for": [p.point for p in points],
        "Status": [p.status for p in points],
        "What the report holds, or what is missing": [p.detail for p in points],
    }).set_index("Principle")


def checklist_text(points: list[Point], title: str) -> str:
    """The checklist for the terminal: a heading, the summary, then one paragraph per point."""
    width = max(len(s) for s in (MET, PARTLY, MISSING))
    out = [f"Assurance-readiness checklist for {title}",
           "Social Value International's principles of social value and its report assurance criteria "
           "(docs/reports.md). Met means the report holds it; an assessor still judges it.",
           checklist_summary(points), ""]
    for p in points:
        what = f"{p.criterion}: {p.point}" if p.criterion else p.point
        out.append(f"  {p.status.upper().ljust(width)}  {p.principle_text} - {what}")
        out.append(f"  {' ' * width}  {p.detail}")
    return "\n".join(out)
