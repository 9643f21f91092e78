"""Interactive views for JupyterLab (ipywidgets). Logic lives in the library;
these functions only wire controls to it."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from .frameworks import load_framework
from .proxies import ProxyLibrary, shipped_library

__all__ = ["find_proxies", "proxy_table_html", "proxy_explorer", "portfolio_dashboard", "headline_html",
           "contracts_html", "portfolio_figure", "dashboard_for"]

ANY = "(any)"


def find_proxies(library: ProxyLibrary, words: str = "", *, theme: str | None = None, pillar: str | None = None,
                 value_type: str | None = None, price_year: int | None = None, framework="best_city_ambition",
                 limit: int | None = 50) -> pd.DataFrame:
    """Search the library with filters and re-price the results (what the explorer shows).

    ``pillar`` is a group of ``framework`` (e.g. "Zero carbon"); ``price_year``
    defaults to the latest year of the deflator series.
    """
    fw = load_framework(framework) if isinstance(framework, str) else framework
    themes = fw.themes_of(pillar) if pillar else None
    found = library.search(words, limit=limit, theme=theme or None, value_type=value_type or None, themes=themes)
    out = library.repriced(price_year or library.deflators.last_year, found)
    out["pillar"] = fw.assign(out["theme"]).to_numpy()
    return out


def proxy_table_html(found: pd.DataFrame) -> str:
    """An HTML table of proxies with the re-priced value and a link to each source."""
    if found.empty:
        return "<p>No proxies match. Try fewer or shorter words, or clear a filter.</p>"
    year = int(found["repriced_to"].iloc[0])
    rows = []
    for r in found.itertuples():
        rows.append(
            "<tr>" + "".join(f"<td>{c}</td>" for c in [
                html.escape(r.proxy_id), html.escape(r.name), html.escape(r.unit),
                f"£{r.value_repriced:,.2f}", f"£{r.value:,.2f} ({r.price_year})", html.escape(r.value_type or ""),
                html.escape(r.theme), html.escape(r.pillar),
                f'<a href="{html.escape(r.source_url)}" target="_blank">{html.escape(r.source)}</a>',
                html.escape(r.licence)]) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ["Id", "Name", "Unit", f"Value ({year} prices)", "As published",
                                               "Type", "Theme", "Pillar", "Source", "Licence"])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def proxy_explorer(library: ProxyLibrary | None = None, framework: str = "best_city_ambition", limit: int = 50):
    """A search box, filters for theme, pillar and value type, and a price year, above a live table."""
    import ipywidgets as w

    library = library or shipped_library()
    fw = load_framework(framework)
    d = library.deflators
    words = w.Text(placeholder="e.g. gp appointment, carbon, into work", description="Search")
    theme = w.Dropdown(options=[ANY] + sorted(library.table["theme"].unique()), description="Theme")
    pillar = w.Dropdown(options=[ANY] + list(fw.groups), description="Pillar")
    value_type = w.Dropdown(options=[ANY, "fiscal", "economic", "social"], description="Value type")
    year = w.IntSlider(value=d.last_year, min=d.first_year, max=d.last_year, description="Price year")
    count = w.HTML()
    table = w.HTML()

    def refresh(_=None):
        found = find_proxies(library, words.value, theme=None if theme.value == ANY else theme.value,
                             pillar=None if pillar.value == ANY else pillar.value,
                             value_type=None if value_type.value == ANY else value_type.value,
                             price_year=year.value, framework=fw, limit=limit)
        count.value = f"<b>{len(found)}</b> proxies shown (at most {limit}), values in {year.value} prices."
        table.value = proxy_table_html(found)

    for control in (words, theme, pillar, value_type, year):
        control.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox([words, year]), w.HBox([theme, pillar, value_type]), count, table])


ALL = "(all)"


def headline_html(h: dict) -> str:
    """The dashboard's headline numbers as HTML (with data attributes a test can read)."""
    from .formatting import money, ratio

    rate = "n/a" if h["delivery_rate"] is None else f"{h['delivery_rate']:.0%}"
    rags = " · ".join(f"{k}: {v}" for k, v in h["rag_counts"].items() if v)
    return (
        f'<div class="sroi-headline" data-present-value="{h["present_value"]:.2f}" data-contracts="{h["contracts"]}">'
        f'<b>{h["contracts"]}</b> contract{"" if h["contracts"] == 1 else "s"} · present value <b class="sroi-pv">{money(h["present_value"], pence=False)}</b>'
        f' · inputs {money(h["total_inputs"], pence=False)} · SROI ratio <b>{ratio(h["sroi_ratio"])}</b><br>'
        f'Delivered to date {money(h["value_delivered_to_date"], pence=False)} of '
        f'{money(h["value_committed_to_date"], pence=False)} committed ({rate}) · gap '
        f'{money(h["delivery_gap"], pence=False)}<br>RAG {rags or "none"}</div>')


def contracts_html(p) -> str:
    """The contracts in view as an HTML table."""
    from .formatting import money, ratio

    rows = "".join(
        f"<tr><td>{html.escape(r.contract_id)}</td><td>{html.escape(r.title)}</td><td>{html.escape(r.supplier)}</td>"
        f"<td>{html.escape(r.directorate)}</td><td>{ratio(r.sroi_ratio)}</td><td>{money(r.present_value, pence=False)}</td>"
        f"<td>{money(r.value_delivered_to_date, pence=False)} of {money(r.value_committed_to_date, pence=False)}</td>"
        f"<td>{r.rag}</td></tr>" for r in p.contracts.itertuples())
    head = "".join(f"<th>{h}</th>" for h in ["Contract", "Title", "Supplier", "Directorate", "SROI ratio",
                                               "Present value", "Delivered of committed to date", "RAG"])
    return f"<table class='sroi-contracts'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def portfolio_figure(p):
    """Value by pillar, committed against delivered, RAG counts, best and worst contracts."""
    import matplotlib.pyplot as plt

    from .plots import PALETTE, _bars, _pounds, use_style
    from matplotlib.ticker import FuncFormatter

    use_style()
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5))
    pillar = p.by("pillar")
    if len(pillar):
        _bars(axes[0, 0], pillar, "pillar", "Present value by pillar")
    else:
        axes[0, 0].set_title("Present value by pillar (none in view)", loc="left")
    gap = p.gap()
    ax = axes[0, 1]
    ax.barh(gap["contract_id"], gap["value_committed_to_date"], color=PALETTE[6], label="Committed to date")
    ax.barh(gap["contract_id"], gap["value_delivered_to_date"], height=0.4, color=PALETTE[0], label="Delivered")
    ax.xaxis.set_major_formatter(FuncFormatter(_pounds))
    ax.set_title("Committed against delivered", loc="left")
    ax.legend(frameon=False, fontsize=8)
    h = p.headline()["rag_counts"]
    colours = {"red": "#c0392b", "amber": "#f2a33a", "green": "#3a9d5d", "no data": "#9aa0a8", "not tracked": "#d5d8dc"}
    axes[1, 0].bar(list(h), list(h.values()), color=[colours[k] for k in h])
    axes[1, 0].set_title("Contracts by RAG status", loc="left")
    best, worst = p.ranked(3)
    both = pd.concat([best, worst]).drop_duplicates("contract_id")
    axes[1, 1].barh(both["contract_id"][::-1], both["sroi_ratio"][::-1], color=PALETTE[1])
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

    from .portfolio import load_portfolio

    folder = Path(reports_dir)
    if not any(folder.glob("*/results.json")):
        return w.HTML(f"<p>No reports in <code>{html.escape(str(folder))}</code> yet. Make them with "
                      "<code>sroi batch parameters/</code> (or <code>make demo</code>), then reload this page.</p>")
    return portfolio_dashboard(load_portfolio(folder))
