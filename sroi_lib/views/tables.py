"""The tables of a contract's report, in words and pounds, from a valued contract.

Each function takes a :class:`~sroi_lib.reports.contract.ContractRun` (or, for
the section "How sure is this figure?", its uncertainty analysis, an
:class:`~sroi_lib.reports.uncertainty.Analysis`) and returns a table (or
Markdown) for the report notebook to show; nothing here computes a figure.
"""

from __future__ import annotations

import pandas as pd

from ..reports.contract import ContractRun
from ..reports.folder import RESULTS_FILE
from ..reports.uncertainty import Analysis
from . import formatting as fmt

__all__ = ["title_markdown", "headline_table", "inputs_sentence", "assumptions_table", "year_table", "proxies_table", "checks_table",
           "delivery_table", "setup_display", "contract_uncertainty", "uncertainty_sentence", "tipping_table",
           "tipping_distance", "never_tips_text", "range_table", "scenarios_table"]


def headline_table(run: ContractRun) -> pd.DataFrame:
    """The headline figures in words and pounds."""
    v = run.valuation
    s = v.summary()
    rows = [("SROI ratio", fmt.ratio(s["sroi_ratio"])), ("Net SROI ratio", f"{s['net_sroi_ratio']:,.2f}")]
    if v.gross_disbenefits < 0:  # the two gross figures, which the present value nets
        rows += [("Benefits (present value)", fmt.money(v.gross_benefits)),
                 ("Disbenefits (present value)", fmt.money(v.gross_disbenefits)),
                 ("Present value of outcomes, net of disbenefits", fmt.money(s["present_value"]))]
    else:
        rows += [("Present value of outcomes", fmt.money(s["present_value"]))]
    rows += [("Total inputs", inputs_sentence(v)), ("Net present value (NPV)", fmt.money(s["npv"])),
             ("Payback", fmt.months(s["payback_months"]))]
    table = pd.DataFrame(rows, columns=["Figure", "Value"]).set_index("Figure")
    table.index.name = None  # one heading row, not a second row holding the index's name
    return table


def inputs_sentence(valuation) -> str:
    """Total inputs, and, when any input is paid after year 0, the total before discounting beside it::

        total inputs = Σ value × discount factor(year)     (an input in year 0 is not discounted)

    ``"£83,647.34 (£85,000.00 before discounting: inputs paid after the start are discounted, as outcomes
    are)"``.
    """
    inputs = valuation.inputs
    total = fmt.money(valuation.total_inputs)
    undiscounted = float(inputs["value"].sum())
    if (inputs["year"].to_numpy() > 0).any() and abs(undiscounted - valuation.total_inputs) >= 0.005:
        return (f"{total} ({fmt.money(undiscounted)} before discounting: inputs paid after the start are "
                "discounted, as outcomes are)")
    return total


def assumptions_table(run: ContractRun) -> pd.DataFrame:
    """Each line of the impact map with its assumptions, result and evidence."""
    ln = run.valuation.lines
    pct = lambda col: ln[col].map(lambda x: fmt.percent(x))  # noqa: E731
    return pd.DataFrame({
        "Row": ln["row"], "Stakeholder": ln["stakeholder"], "Outcome": ln["outcome"],
        "Quantity": ln["quantity"].map(lambda x: f"{x:,.6g}"), "Proxy": ln["proxy_id"].where(ln["proxy_id"] != "", "own value"),
        "Value per unit": ln["value_per_unit"].map(fmt.money), "Deadweight": pct("deadweight"),
        "Displacement": pct("displacement"), "Attribution": pct("attribution"), "Drop-off": pct("drop_off"),
        "Years": [f"{s}–{e}" for s, e in zip(ln["start_year"], ln["end_year"])],
        "Present value": ln["present_value"].map(fmt.money), "Evidence": ln["evidence"],
    }).set_index("Row")


def year_table(run: ContractRun) -> pd.DataFrame:
    """Each year's value, discount factor and present value, in pounds."""
    v = run.valuation
    y = v.by_year()
    table = pd.DataFrame({"Year": y["year"], "Value in the year": y["value"].map(fmt.money),
                          "Discount factor": y["discount_factor"].map(lambda x: f"{x:.4f}"),
                          "Present value": y["present_value"].map(fmt.money)})
    if v.gross_disbenefits < 0:  # the net present value of each year, and its benefits and disbenefits apart
        table.insert(3, "Benefits (present value)", y["benefits_present_value"].map(fmt.money))
        table.insert(4, "Disbenefits (present value)", y["disbenefits_present_value"].map(fmt.money))
        table = table.rename(columns={"Present value": "Present value, net"})
    return table.set_index("Year")


def setup_display() -> None:
    """Show whole cells in tables (evidence and sources are long) and use the house figure style."""
    from .plots import use_style

    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_columns", None)
    use_style()
    from IPython.display import HTML, display

    # Words read better aligned left (pandas right-aligns every cell).
    display(HTML("<style>.dataframe td, .dataframe th { text-align: left !important; vertical-align: top; }</style>"))
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - outside Jupyter there is nothing to configure
        return
    shell = get_ipython()
    if shell is not None:
        # Figures are laid out with tight_layout already; skipping the inline backend's second
        # "tight" bounding-box pass halves the time each figure takes to render.
        shell.run_line_magic("config", "InlineBackend.print_figure_kwargs = {'bbox_inches': None}")


def proxies_table(run: ContractRun) -> pd.DataFrame:
    """The proxies this contract uses, each with its value, price year, source and licence, and whether the map
    uses it as a benefit or as a disbenefit (a proxy's value is published as a positive amount; a line marked
    ``disbenefit`` counts it as a loss)."""
    ids = [p for p in dict.fromkeys(run.valuation.lines["proxy_id"]) if p]
    if not ids:
        return pd.DataFrame({"Proxies": ["None: every value is stated in the impact map, with its own source."]})
    rows = []
    for pid in ids:
        p = run.library[pid]
        repriced = run.library.deflators.reprice(p.value, p.price_year, run.valuation.price_year)
        losses = run.valuation.lines.loc[run.valuation.lines["proxy_id"] == pid, "disbenefit"]
        use = "as a disbenefit (a loss)" if losses.all() else "as a benefit and as a disbenefit" if losses.any() \
            else "as a benefit"
        rows.append({"Proxy": pid, "Name": p.name, "Unit": p.unit, "Used": use,
                     "As published": f"{fmt.unit_money(p.value)} ({p.price_year} prices)",
                     f"In {run.valuation.price_year} prices": fmt.unit_money(repriced),
                     "Source": p.source, "Address": p.source_url, "Licence": p.licence})
    return pd.DataFrame(rows).set_index("Proxy")


def checks_table(run: ContractRun) -> pd.DataFrame:
    """The over-claiming guard's findings in words (grade, check, row, why, what to do), errors first,
    or one row saying none was flagged."""
    if run.checks.empty:
        return pd.DataFrame({"Result": ["No line was flagged by the over-claiming checks."]}).set_index("Result")
    c = run.checks
    rows = [("" if pd.isna(r) else int(r)) if r is not None else "whole map" for r in c["row"]]
    return pd.DataFrame({"Grade": c["grade"], "Check": c["check_name"], "Row": rows, "Stakeholder": c["stakeholder"],
                         "Outcome": c["outcome"], "Why it is flagged": c["detail"],
                         "What to do": c["action"]}).set_index("Grade")


def title_markdown(run: ContractRun) -> str:
    """The report's heading: title, supplier, directorate, analysis type, prices and discounting.

    Every string from a file (the parameters' title, supplier, directorate and
    description, the deflator series' title and vintage) passes through
    :func:`~sroi_lib.views.formatting.markdown_text`, so it shows exactly as
    written: markup in it is text, never HTML, a link or a script. Notes on how
    the files were read (hidden rows counted in, other sheets not read) follow.
    """
    p, v = run.params, run.valuation
    t = fmt.markdown_text
    lines = [f"# {t(p.title)}", "",
             f"**Contract** {t(p.contract_id)} · **Supplier** {t(p.supplier)} · "
             f"**Directorate** {t(p.directorate)} · **Analysis** {t(p.analysis_type)}", "",
             f"All figures in {t(v.price_year)} prices ({t(v.deflators.title)}, {t(v.deflators.vintage)}); "
             f"discounting: {t(v.discounting.describe())}. Conventions: {t(v.method_text())}"]
    if p.description:
        lines += ["", t(p.description)]
    if p.illustrative:
        lines += ["", "> **Illustrative example.** The figures are made up to show the method; "
                      "this is not a real contract's valuation."]
    for note in run.notes:  # how the files were read, e.g. hidden rows counted in
        lines += ["", f"> **How the files were read.** {t(note)}"]
    return "\n".join(lines)


def delivery_table(run: ContractRun) -> pd.DataFrame:
    """Each measure: committed and delivered to date, in units and pounds, the forecast and its RAG status."""
    if run.tracking is None:
        return pd.DataFrame({"Delivery": ["No commitments are recorded for this contract."]}).set_index("Delivery")
    m = run.tracking.measures
    t = run.tracking.totals
    table = pd.DataFrame({
        "Measure": m["measure"], "Description": m["description"], "Unit": m["unit"],
        "Committed to date": m["committed_to_date"].map(lambda x: f"{x:,.6g}"),
        "Delivered to date": m["delivered_to_date"].map(lambda x: f"{x:,.6g}"),
        "Delivery rate": m["delivery_rate"].map(lambda x: "n/a" if pd.isna(x) else f"{x:.0%}"),
        "Value committed to date": m["value_committed_to_date"].map(fmt.money),
        "Value delivered to date": m["value_delivered_to_date"].map(fmt.money),
        "Variance": m["value_variance"].map(fmt.money),
        "Forecast to the end": m["value_forecast_to_end"].map(fmt.money),
        "Committed over the contract": m["value_committed_total"].map(fmt.money),
        "Status": m["rag"].str.upper(),
    }).set_index("Measure")
    total = {"Description": f"All measures, {t['periods_elapsed']} of {t['periods_total']} quarters reported",
             "Unit": "", "Committed to date": "", "Delivered to date": "",
             "Delivery rate": "n/a" if t["delivery_rate"] != t["delivery_rate"] else f"{t['delivery_rate']:.0%}",
             "Value committed to date": fmt.money(t["value_committed_to_date"]),
             "Value delivered to date": fmt.money(t["value_delivered_to_date"]),
             "Variance": fmt.money(t["value_variance"]), "Forecast to the end": fmt.money(t["value_forecast_to_end"]),
             "Committed over the contract": fmt.money(t["value_committed_total"]), "Status": str(t["rag"]).upper()}
    return pd.concat([table, pd.DataFrame([total], index=["Total"])])


# -- how sure is the figure: the uncertainty analysis ------------------------------------------------------------

ADJUSTMENTS = ("deadweight", "displacement", "attribution", "drop_off")


def contract_uncertainty(run: ContractRun) -> Analysis:
    """The contract's uncertainty analysis: the one its parameters ask for (``run.uncertainty``), or, for a run
    made without one, one-way sensitivity and tipping points with the default ranges (no Monte Carlo, no
    scenarios)."""
    found = getattr(run, "uncertainty", None)
    if found is not None:
        return found
    from ..core.uncertainty import Model
    from ..reports.uncertainty import analyse

    return analyse(Model.from_valuation(run.valuation))


def uncertainty_sentence(analysis: Analysis) -> str:
    """The sentence a cabinet member can read (:meth:`Analysis.sentence`) as Markdown, escaped: it names
    stakeholders and outcomes from the impact map."""
    return fmt.markdown_text(analysis.sentence())


def _words(assumption: str) -> str:
    words = fmt.ASSUMPTION_WORDS.get(assumption, str(assumption).replace("_", " "))
    return words[:1].upper() + words[1:]


def _line(label, assumption: str) -> str:
    if assumption in ("inputs", "discounting", "discount_rate") or label is None:
        return {"inputs": "all inputs", "discount_rate": "every year's discount rate"}.get(
            assumption, "the whole valuation")
    return str(label)


def tipping_distance(assumption: str, base: float, tipping: float) -> float:
    """How far an assumption must move to tip the ratio, as a share of what it multiplies the value by.

    For deadweight, displacement, attribution and drop-off that is the line's (1 − adjustment), which the
    value is multiplied by; for every other assumption, the assumption itself::

        distance = |x* − x| ÷ |x|    (x = the quantity, value, inputs, years or rate; x = 1 − a for an adjustment)

    So a quantity that must fall by 72% and a deadweight that must rise from 20% to 78% (1 − a falls from
    0.8 to 0.22, also 72%) are equally far. An assumption at 0 (or an adjustment at 100%) is infinitely far.
    """
    if assumption in ADJUSTMENTS:
        base, tipping = 1 - base, 1 - tipping
    return abs(tipping - base) / abs(base) if base else float("inf")


def _change(assumption: str, base: float, tipping: float) -> str:
    """The change needed, in words: ``72% lower``, ``58 percentage points higher``, ``39 years later``."""
    up = tipping > base
    if assumption in ADJUSTMENTS or assumption == "discount_rate":
        points = round(abs(tipping - base) * 100, 1)
        return f"{points:,.{0 if points == round(points) else 1}f} percentage points {'higher' if up else 'lower'}"
    if assumption == "duration":
        years = abs(tipping - base)
        return f"{years:,.0f} year{'' if years == 1 else 's'} {'longer' if up else 'shorter'}"
    if assumption == "start_year":
        years = abs(tipping - base)
        return f"{years:,.0f} year{'' if years == 1 else 's'} {'later' if up else 'earlier'}"
    if not base:
        return "higher" if up else "lower"
    if base < 0 and tipping <= 0:  # a disbenefit's value: say how the loss changes, not "596% lower"
        return f"{abs(tipping / base - 1):.0%} {'larger' if tipping < base else 'smaller'} loss"
    return f"{abs(tipping / base - 1):.0%} {'higher' if up else 'lower'}"


def tipping_table(analysis: Analysis, limit: int = 25) -> pd.DataFrame:
    """The tipping points that can be reached, nearest first: each assumption, its line, the value it must move
    from and to (all others held) for the ratio to reach the target, and the change in words.

    Nearest by :func:`tipping_distance`. At most ``limit`` rows; a last row says how many more there are
    (every one is in results.json). One row saying so when no single assumption can tip the ratio.
    """
    t = analysis.tipping
    reach = t[~t["never"].astype(bool)]
    if reach.empty:
        return pd.DataFrame({"Tipping points": [
            f"No single assumption, moved on its own within its valid range, takes the ratio to "
            f"{analysis.spec.target:g}."]}).set_index("Tipping points")
    # rounded, so assumptions exactly as near (a line's quantity, value and adjustments all scale its value
    # alike) keep the analysis's order rather than one set by rounding noise
    distance = [round(tipping_distance(r.assumption, float(r.base), float(r.tipping)), 9) for r in reach.itertuples()]
    reach = reach.assign(distance=distance).sort_values("distance", kind="stable")
    shown = reach.head(limit)
    table = pd.DataFrame({
        "Assumption": [_words(a) for a in shown["assumption"]],
        "Line": [_line(label, a) for label, a in zip(shown["label"], shown["assumption"])],
        "From": [fmt.assumption_value(a, b) for a, b in zip(shown["assumption"], shown["base"])],
        "To": [fmt.assumption_value(a, x) for a, x in zip(shown["assumption"], shown["tipping"])],
        "Change needed": [_change(a, float(b), float(x))
                          for a, b, x in zip(shown["assumption"], shown["base"], shown["tipping"])],
    })
    if len(reach) > limit:
        more = len(reach) - limit
        table.loc[len(table)] = [f"and {more:,} more", f"further away; every tipping point is in {RESULTS_FILE}",
                                 "", "", ""]
    return table.set_index("Assumption")


def never_tips_text(analysis: Analysis) -> str:
    """How many assumptions can tip the ratio to the target on their own, and how many never can (Markdown)."""
    t = analysis.tipping
    never = int(t["never"].astype(bool).sum())
    total = len(t)
    target = f"{analysis.spec.target:g}"
    way = "down" if analysis.base_ratio >= analysis.spec.target else "up"
    can = total - never
    return (f"{can:,} of the {total:,} assumptions tested can take the ratio {way} to {target} on their own; "
            f"the other {never:,} never can, whatever value each takes within its valid range "
            f"(all others held at their central values).")


def range_table(analysis: Analysis) -> pd.DataFrame:
    """The Monte Carlo range in words: mean, median, 5th and 95th percentiles of the ratio, the chance it is
    below 1, the present value's 5th to 95th percentile, draws and seed; or one row saying no distributions
    were given."""
    mc = analysis.monte_carlo
    if mc is None:
        return pd.DataFrame({"Range": [
            "No distributions are given in the contract's parameters, so there is no Monte Carlo range: "
            "the ratio above is a single figure. Add distributions for the main assumptions under "
            "uncertainty: monte_carlo: distributions."]}).set_index("Range")
    s = mc.summary()
    pv = s["present_value"]
    rows = [("Mean ratio", fmt.ratio(s["mean"])), ("Median ratio", fmt.ratio(s["p50"])),
            ("5th percentile", fmt.ratio(s["p5"])), ("95th percentile", fmt.ratio(s["p95"])),
            ("Chance the ratio is below 1", fmt.chance(s["prob_below_1"]))]
    if s["target"] != 1:
        rows.append((f"Chance the ratio is below the target of {s['target']:g}", fmt.chance(s["prob_below_target"])))
    rows += [("Present value, 5th to 95th percentile", f"{fmt.money(pv['p5'], pence=False)} to "
                                                       f"{fmt.money(pv['p95'], pence=False)}"),
             ("Draws", f"{s['draws']:,}"), ("Seed (repeats these numbers exactly)", str(s["seed"]))]
    return pd.DataFrame(rows, columns=["Figure", "Value"]).set_index("Figure")


def scenarios_table(analysis: Analysis) -> pd.DataFrame:
    """The central case and each scenario side by side: what changes, present value, inputs, SROI ratio and
    NPV, in pounds."""
    sc = analysis.scenarios

    def ratio(x):
        return fmt.ratio(x) if pd.notna(x) and abs(x) != float("inf") else "n/a (no inputs)"

    return pd.DataFrame({
        "Scenario": sc["scenario"], "What changes": sc["description"].fillna(""),
        "Present value": sc["present_value"].map(lambda x: fmt.money(x, pence=False)),
        "Inputs": sc["total_inputs"].map(lambda x: fmt.money(x, pence=False)),
        "SROI ratio": sc["sroi_ratio"].map(ratio),
        "NPV": sc["npv"].map(lambda x: fmt.money(x, pence=False)),
    }).set_index("Scenario")
