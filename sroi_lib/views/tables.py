"""The tables of a contract's report, in words and pounds, from a valued contract.

Each function takes a :class:`~sroi_lib.reports.contract.ContractRun` and
returns a table (or Markdown) for the report notebook to show; nothing here
computes a figure.
"""

from __future__ import annotations

import pandas as pd

from ..reports.contract import ContractRun
from . import formatting as fmt

__all__ = ["title_markdown", "headline_table", "assumptions_table", "year_table", "proxies_table", "checks_table",
           "delivery_table", "setup_display"]


def headline_table(run: ContractRun) -> pd.DataFrame:
    """The headline figures in words and pounds."""
    s = run.valuation.summary()
    return pd.DataFrame({
        "Figure": ["SROI ratio", "Net SROI ratio", "Present value of outcomes", "Total inputs",
                   "Net present value (NPV)", "Payback"],
        "Value": [fmt.ratio(s["sroi_ratio"]), f"{s['net_sroi_ratio']:,.2f}", fmt.money(s["present_value"]),
                  fmt.money(s["total_inputs"]), fmt.money(s["npv"]), fmt.months(s["payback_months"])],
    }).set_index("Figure")


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
    y = run.valuation.by_year()
    return pd.DataFrame({"Year": y["year"], "Value in the year": y["value"].map(fmt.money),
                         "Discount factor": y["discount_factor"].map(lambda x: f"{x:.4f}"),
                         "Present value": y["present_value"].map(fmt.money)}).set_index("Year")


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
    """The proxies this contract uses, each with its value, price year, source and licence."""
    ids = [p for p in dict.fromkeys(run.valuation.lines["proxy_id"]) if p]
    if not ids:
        return pd.DataFrame({"Proxies": ["None: every value is stated in the impact map, with its own source."]})
    rows = []
    for pid in ids:
        p = run.library[pid]
        repriced = run.library.deflators.reprice(p.value, p.price_year, run.valuation.price_year)
        rows.append({"Proxy": pid, "Name": p.name, "Unit": p.unit,
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
