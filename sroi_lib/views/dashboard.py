"""The portfolio dashboard: every contract's report at once, with filters (ipywidgets, served by Voilà).

The figures come from :class:`~sroi_lib.reports.portfolio.Portfolio`; these
functions only lay them out and wire the filters to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from ..paths import notebooks_dir
from ..reports.folder import report_folders
from ..reports.portfolio import load_portfolio
from .formatting import html_text, money, ratio

__all__ = ["headline_html", "contracts_html", "portfolio_figure", "portfolio_dashboard", "dashboard_for",
           "dashboard_command", "serve", "DASHBOARD_NOTEBOOK"]

DASHBOARD_NOTEBOOK = notebooks_dir() / "portfolio_dashboard.ipynb"

ALL = "(all)"


def headline_html(h: dict) -> str:
    """The dashboard's headline numbers as HTML (with data attributes a test can read).

    Everything shown is escaped (:func:`~sroi_lib.views.formatting.html_text`):
    the figures come from report folders, which are files.
    """
    e = html_text
    rate = "n/a" if h["delivery_rate"] is None else f"{h['delivery_rate']:.0%}"
    rags = " · ".join(f"{e(k)}: {e(v)}" for k, v in h["rag_counts"].items() if v)
    return (
        f'<div class="sroi-headline" data-present-value="{h["present_value"]:.2f}" data-contracts="{e(h["contracts"])}">'
        f'<b>{e(h["contracts"])}</b> contract{"" if h["contracts"] == 1 else "s"} · present value '
        f'<b class="sroi-pv">{e(money(h["present_value"], pence=False))}</b>'
        f' · inputs {e(money(h["total_inputs"], pence=False))} · SROI ratio <b>{e(ratio(h["sroi_ratio"]))}</b><br>'
        f'Delivered to date {e(money(h["value_delivered_to_date"], pence=False))} of '
        f'{e(money(h["value_committed_to_date"], pence=False))} committed ({e(rate)}) · gap '
        f'{e(money(h["delivery_gap"], pence=False))}<br>RAG {rags or "none"}</div>')


def contracts_html(p) -> str:
    """The contracts in view as an HTML table; every cell is escaped, so names from files show as text."""
    e = html_text
    rows = "".join(
        f"<tr><td>{e(r.contract_id)}</td><td>{e(r.title)}</td><td>{e(r.supplier)}</td>"
        f"<td>{e(r.directorate)}</td><td>{e(ratio(r.sroi_ratio))}</td><td>{e(money(r.present_value, pence=False))}</td>"
        f"<td>{e(money(r.value_delivered_to_date, pence=False))} of {e(money(r.value_committed_to_date, pence=False))}</td>"
        f"<td>{e(r.rag)}</td></tr>" for r in p.contracts.itertuples())
    head = "".join(f"<th>{h}</th>" for h in ["Contract", "Title", "Supplier", "Directorate", "SROI ratio",
                                               "Present value", "Delivered of committed to date", "RAG"])
    return f"<table class='sroi-contracts'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def portfolio_figure(p):
    """Value by pillar, committed against delivered, RAG counts, best and worst contracts."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from .plots import PALETTE, bars, plain_label, pounds, use_style

    use_style()
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5))
    pillar = p.by("pillar")
    if len(pillar):
        bars(axes[0, 0], pillar, "pillar", "Present value by pillar")
    else:
        axes[0, 0].set_title("Present value by pillar (none in view)", loc="left")
    gap = p.gap()
    ax = axes[0, 1]
    ids = gap["contract_id"].map(plain_label)
    ax.barh(ids, gap["value_committed_to_date"], color=PALETTE[6], label="Committed to date")
    ax.barh(ids, gap["value_delivered_to_date"], height=0.4, color=PALETTE[0], label="Delivered")
    ax.xaxis.set_major_formatter(FuncFormatter(pounds))
    ax.set_title("Committed against delivered", loc="left")
    ax.legend(frameon=False, fontsize=8)
    h = p.headline()["rag_counts"]
    colours = {"red": "#c0392b", "amber": "#f2a33a", "green": "#3a9d5d", "no data": "#9aa0a8", "not tracked": "#d5d8dc"}
    axes[1, 0].bar([k.replace(" ", "\n") for k in h], list(h.values()), color=[colours[k] for k in h])
    axes[1, 0].yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of contracts
    axes[1, 0].set_title("Contracts by RAG status", loc="left")
    best, worst = p.ranked(3)
    both = pd.concat([best, worst]).drop_duplicates("contract_id").sort_values("sroi_ratio", kind="stable")
    axes[1, 1].barh(both["contract_id"].map(plain_label), both["sroi_ratio"], color=PALETTE[1])  # highest at the top
    axes[1, 1].set_title("Best and worst SROI ratios", loc="left")
    fig.tight_layout()
    return fig


def portfolio_dashboard(portfolio):
    """Filters (directorate, pillar, supplier, RAG, year) driving headline numbers, charts and a table."""
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    c = portfolio.contracts

    def options(values):
        return [ALL] + sorted({v for v in values if pd.notna(v)}, key=str)

    controls = {
        "directorate": w.Dropdown(options=options(c["directorate"]), description="Directorate"),
        "pillar": w.Dropdown(options=options(portfolio.lines["pillar"]), description="Pillar"),
        "supplier": w.Dropdown(options=options(c["supplier"]), description="Supplier"),
        "rag": w.Dropdown(options=options(c["rag"]), description="RAG"),
        "year": w.Dropdown(options=options(c["start_year"]), description="Start year"),
    }
    headline, table, charts = w.HTML(), w.HTML(), w.Output()

    def refresh(_=None):
        chosen = {k: (None if ctl.value == ALL else ctl.value) for k, ctl in controls.items()}
        view = portfolio.filter(**chosen)
        headline.value = headline_html(view.headline())
        table.value = contracts_html(view)
        charts.clear_output(wait=True)
        with charts:
            if len(view.contracts):
                fig = portfolio_figure(view)
                display(fig)
                plt.close(fig)

    for ctl in controls.values():
        ctl.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox(list(controls.values())[:3]), w.HBox(list(controls.values())[3:]), headline, charts, table])


def dashboard_for(reports_dir):
    """The portfolio dashboard for a folder of reports, or a plain message when there are none yet."""
    import ipywidgets as w

    folder = Path(reports_dir)
    if not report_folders(folder):
        return w.HTML(f"<p>No reports in <code>{html_text(folder)}</code> yet. Make them with "
                      "<code>sroi batch parameters/</code> (or <code>make demo</code>), then reload this page.</p>")
    return portfolio_dashboard(load_portfolio(folder))


def dashboard_command(reports: str | Path, port: int, open_browser: bool = False) -> tuple[list[str], dict]:
    """The Voilà command line and environment that serve the dashboard for ``reports`` on 127.0.0.1 only."""
    cmd = [sys.executable, "-m", "voila", str(DASHBOARD_NOTEBOOK), f"--port={port}", "--Voila.ip=127.0.0.1",
           "--theme=light", "--strip_sources=True"]
    if not open_browser:
        cmd.append("--no-browser")
    env = {**os.environ, "SROI_REPORTS_DIR": str(Path(reports).resolve())}
    return cmd, env


def serve(reports: str | Path, port: int, open_browser: bool = False) -> int:
    """Serve the dashboard with Voilà until stopped (Ctrl+C); returns Voilà's exit code (0 when stopped)."""
    cmd, env = dashboard_command(reports, port, open_browser)
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0
