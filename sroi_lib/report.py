"""One contract, valued and laid out for its report.

:func:`load_contract` checks a parameters file and everything it points to,
reporting every problem at once, then values the contract. The other functions
turn the result into the tables the report notebook shows and the files a
report folder holds (``results.json``, ``lines.csv``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import formatting as fmt
from .checks import overclaiming_checks
from .frameworks import Framework, load_framework
from .params import ContractParams, load_params
from .proxies import ProxyLibrary, library_with
from .valuation import Valuation, value

__all__ = ["ContractRun", "load_contract", "contract_results", "save_results", "headline_table",
           "assumptions_table", "proxies_table", "checks_table", "title_markdown", "year_table", "setup_display", "delivery_table", "load_tracking", "RESULTS_FILE", "LINES_FILE"]

RESULTS_FILE, LINES_FILE = "results.json", "lines.csv"
METADATA = ("contract_id", "title", "supplier", "directorate", "analysis_type", "illustrative", "description")


@dataclass
class ContractRun:
    """A valued contract: its parameters, the library and framework used, and the valuation."""

    params: ContractParams
    library: ProxyLibrary
    framework: Framework
    valuation: Valuation
    checks: pd.DataFrame
    tracking: object = None  # sroi_lib.tracking.Tracking when the contract has commitments


def load_contract(params_file: str | Path) -> ContractRun:
    """Check a parameters file and its inputs, then value the contract.

    Raises
    ------
    InputError
        Every problem in the parameters, impact map, inputs and proxy library, together.
    """
    from .io import read_map_and_inputs

    params = load_params(params_file)
    library = library_with(params.proxies)
    impact_map, inputs = read_map_and_inputs(params.impact_map, params.inputs, proxies=library)
    valuation = value(impact_map, inputs, price_year=params.price_year, discounting=params.discounting,
                      proxies=library)
    return ContractRun(params=params, library=library, framework=load_framework(params.framework),
                       valuation=valuation, checks=overclaiming_checks(valuation.lines),
                       tracking=load_tracking(params, library, valuation.price_year))


def load_tracking(params: ContractParams, library: ProxyLibrary, price_year: int):
    """Commitments against the supplier's returns, when the contract records commitments."""
    from .returns import check_returns
    from .tracking import read_commitments, track

    if not params.commitments:
        return None
    commitments = read_commitments(params.commitments, library)
    periods = params.periods
    returns = (check_returns(params.returns, commitments, periods) if params.returns
               else pd.DataFrame(columns=["period", "measure", "quantity", "evidence"]))
    unit_values = {pid: library.deflators.reprice(library[pid].value, library[pid].price_year, price_year)
                   for pid in commitments["proxy_id"].unique()}
    return track(commitments, returns, periods, unit_values, green=params.rag_green, amber=params.rag_amber)


def contract_results(run: ContractRun) -> dict:
    """results.json: the figures of ``sroi value --json``, the contract's metadata and the checks."""
    checks = run.checks.astype(object).where(pd.notna(run.checks), None)
    return {
        "contract": {k: getattr(run.params, k) for k in METADATA},
        **run.valuation.to_dict(frameworks=[run.framework]),
        "framework": {"name": run.framework.name, "title": run.framework.title},
        "overclaiming_checks": checks.to_dict(orient="records"),
        "contract_period": {"start": run.params.contract_start, "end": run.params.contract_end},
        "tracking": run.tracking.to_dict() if run.tracking is not None else None,
    }


def save_results(run: ContractRun, out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.json`` and ``lines.csv`` into ``out_dir``; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = out / RESULTS_FILE
    results.write_text(json.dumps(contract_results(run), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    lines = out / LINES_FILE
    run.valuation.lines.to_csv(lines, index=False)
    return {"results": results, "lines": lines}


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
                     "As published": f"{fmt.money(p.value)} ({p.price_year} prices)",
                     f"In {run.valuation.price_year} prices": fmt.money(repriced),
                     "Source": p.source, "Address": p.source_url, "Licence": p.licence})
    return pd.DataFrame(rows).set_index("Proxy")


def checks_table(run: ContractRun) -> pd.DataFrame:
    """The over-claiming checks in words, or one row saying none was flagged."""
    if run.checks.empty:
        return pd.DataFrame({"Result": ["No line was flagged by the over-claiming checks."]}).set_index("Result")
    c = run.checks
    return pd.DataFrame({"Check": c["check_name"], "Row": c["row"], "Stakeholder": c["stakeholder"],
                         "Outcome": c["outcome"], "Why it is flagged": c["detail"]}).set_index("Check")


def title_markdown(run: ContractRun) -> str:
    """The report's heading: title, supplier, directorate, analysis type, prices and discounting."""
    p, v = run.params, run.valuation
    lines = [f"# {p.title}", "",
             f"**Contract** {p.contract_id} · **Supplier** {p.supplier} · **Directorate** {p.directorate} · "
             f"**Analysis** {p.analysis_type}", "",
             f"All figures in {v.price_year} prices ({v.deflators.title}, {v.deflators.vintage}); "
             f"discounting: {v.discounting.describe()}."]
    if p.description:
        lines += ["", p.description]
    if p.illustrative:
        lines += ["", "> **Illustrative example.** The figures are made up to show the method; "
                      "this is not a real contract's valuation."]
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
