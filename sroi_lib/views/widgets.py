"""The proxy explorer for JupyterLab (ipywidgets). Logic lives in the library;
these functions only wire controls to it. The portfolio dashboard is
:mod:`sroi_lib.views.dashboard`."""

from __future__ import annotations

import pandas as pd

from ..core.frameworks import DEFAULT_FRAMEWORK, load_framework
from ..proxies.library import ProxyLibrary, find_proxies, shipped_library
from .formatting import html_text, money, safe_link

__all__ = ["proxy_table_html", "proxy_explorer"]

ANY = "(any)"


def proxy_table_html(found: pd.DataFrame) -> str:
    """An HTML table of proxies with the re-priced value and a link to each source.

    Every cell is escaped (a proxy library is a file anyone may send), and a
    source address becomes a link only when it is ``http``, ``https`` or
    ``mailto`` (:func:`~sroi_lib.views.formatting.safe_link`).
    """
    if found.empty:
        return "<p>No proxies match. Try fewer or shorter words, or clear a filter.</p>"
    e = html_text
    year = int(found["repriced_to"].iloc[0])
    rows = []
    for r in found.itertuples():
        rows.append(
            "<tr>" + "".join(f"<td>{c}</td>" for c in [
                e(r.proxy_id), e(r.name), e(r.unit),
                e(money(r.value_repriced)),
                e(f"£{r.value:,.2f} ({'price year unknown' if pd.isna(r.price_year) else r.price_year})"),
                e(r.value_type or ""),
                e(r.theme), e(r.pillar), safe_link(r.source_url, r.source), e(r.licence)]) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ["Id", "Name", "Unit", f"Value ({year} prices)", "As published",
                                               "Type", "Theme", "Pillar", "Source", "Licence"])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def proxy_explorer(library: ProxyLibrary | None = None, framework: str = DEFAULT_FRAMEWORK, limit: int = 50):
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
        count.value = (f"<b>{len(found)}</b> proxies shown (at most {html_text(limit)}), "
                       f"values in {html_text(year.value)} prices.")
        table.value = proxy_table_html(found)

    for control in (words, theme, pillar, value_type, year):
        control.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox([words, year]), w.HBox([theme, pillar, value_type]), count, table])
