"""The report's own styles, added by the exporter to nbconvert's HTML: the council's theme, and print styles.

:func:`decorate` takes the HTML nbconvert wrote (its content already through the
sanitiser, :mod:`~sroi_lib.reports.safe_html`) and adds, as sroi's own markup:

* a ``<style>`` with the theme's colours and fonts (:mod:`~sroi_lib.reports.theme`);
* print styles (``@media print`` and ``@page``): A4 paper with 16 mm margins;
  the contract's title at the top left and the council's name at the top right
  of every page, "Page N of M" at the foot (CSS page-margin boxes, which
  Chromium prints; it is run with ``--no-pdf-header-footer`` so it adds none of
  its own); output areas that never scroll or clip (``overflow: visible``);
  tables in a smaller font that wrap long words (a cell holding only a figure
  is kept on one line) and repeat their heading row on each page; headings kept with what follows, and each
  Markdown cell (a heading and its lines of introduction) kept on the page where the table or chart after it starts
  (:func:`mark_intro_cells`); a short table printed whole on one page (:func:`mark_short_tables`); and no
  output forced whole onto a new page (Jupyter's ``break-inside: avoid-page``, which left page 1 half blank);
* a landscape page (the named page ``wide``) for every cell whose table has
  :data:`WIDE_COLUMNS` columns or more (the impact map, the proxies), together
  with the Markdown cell just before it (its heading), and for a short section
  between two such cells (:data:`SANDWICHED_CELLS`);
* a masthead with the logo (a ``data:`` URI) and the council's name, when the
  theme gives them.

The screen keeps nbconvert's layout (a wide table scrolls sideways in its own
box); only the colours and fonts change.
"""

from __future__ import annotations

import html as html_lib
import re

from .theme import DEFAULT_THEME, Theme, css_string

__all__ = ["WIDE_COLUMNS", "PAGE_MARGIN_MM", "SHORT_TABLE_ROWS", "SANDWICHED_CELLS", "report_css", "mark_wide_cells",
           "mark_intro_cells", "mark_number_cells", "mark_short_tables", "masthead", "decorate"]

WIDE_COLUMNS = 8  # a table with this many columns (the index included) is printed on a landscape page
PAGE_MARGIN_MM = 16
SHORT_TABLE_ROWS = 8  # a table of this many rows or fewer is printed whole on one page
SANDWICHED_CELLS = 2  # a run of this many portrait cells or fewer, without a chart, between landscape ones joins them

_CELL_START = re.compile(r'(?=<div class="jp-Cell )')
_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_ROW = re.compile(r"<tr\b.*?</tr>", re.S)
_HEAD_CELL = re.compile(r"<t[hd]\b([^>]*)>", re.S)
_COLSPAN = re.compile(r'colspan="(\d+)"')
# A table cell holding only a figure (money, a percentage, a ratio, years such as 1–5): kept on one line in print.
_NUMBER_CELL = re.compile(r'<td( [^>]*)?>([-−–+£$€0-9.,:% ]{1,24})</td>')


def report_css(theme: Theme = DEFAULT_THEME, title: str = "") -> str:
    """The theme and print styles (see the module notes) as one style sheet."""
    c, f = theme.colours, theme.fonts
    name = css_string(theme.name)
    return f"""
:root {{
  --sroi-headings: {c['headings']}; --sroi-text: {c['text']}; --sroi-accent: {c['accent']};
  --sroi-table-header: {c['table_header']};
  --jp-content-font-family: {f['body']}; --jp-ui-font-family: {f['body']};
  --jp-content-font-color1: {c['text']}; --jp-ui-font-color1: {c['text']};
}}
body.jp-Notebook {{ font-family: {f['body']}; color: var(--sroi-text); }}
.jp-RenderedHTMLCommon h1, .jp-RenderedHTMLCommon h2, .jp-RenderedHTMLCommon h3,
.jp-RenderedHTMLCommon h4 {{ font-family: {f['headings']}; color: var(--sroi-headings); }}
.jp-RenderedHTMLCommon a {{ color: var(--sroi-accent); }}
.jp-RenderedHTMLCommon thead th, .jp-RenderedHTMLCommon thead td {{ background: var(--sroi-table-header); }}
/* Markdown cells line up with the outputs (tables, charts, text) below them. */
.jp-MarkdownCell .jp-RenderedMarkdown {{ padding-left: 0; padding-right: 0; }}
.sroi-masthead {{ display: flex; align-items: center; gap: 1em; padding: 0.5em 0 0.6em;
  margin: 0 0 0.5em; border-bottom: 3px solid var(--sroi-accent); }}
.sroi-masthead img {{ max-height: 64px; max-width: 260px; }}
.sroi-masthead span {{ font-family: {f['headings']}; font-size: 1.25em; color: var(--sroi-headings); }}

@page {{
  size: A4;
  margin: {PAGE_MARGIN_MM}mm {PAGE_MARGIN_MM - 2}mm {PAGE_MARGIN_MM}mm {PAGE_MARGIN_MM - 2}mm;
  @top-left {{ content: {css_string(title)}; font: 8pt {f['body']}; color: #555; vertical-align: bottom;
    padding-bottom: 3mm; }}
  @top-right {{ content: {name}; font: 8pt {f['body']}; color: #555; vertical-align: bottom;
    padding-bottom: 3mm; }}
  @bottom-center {{ content: "Page " counter(page) " of " counter(pages); font: 8pt {f['body']}; color: #555;
    vertical-align: top; padding-top: 3mm; }}
}}
@page wide {{ size: A4 landscape; }}
@media print {{
  :root {{ --jp-content-font-size1: 10pt; --jp-ui-font-size1: 9pt; --jp-notebook-padding: 0; }}
  body.jp-Notebook {{ padding: 0 !important; margin: 0 !important; }}
  .jp-Cell, .jp-Notebook-cell {{ padding: 0 !important; margin: 0 !important; }}
  .jp-OutputArea-child, .jp-Cell-outputWrapper, .jp-OutputArea {{ break-inside: auto !important; }}
  .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output, .jp-RenderedHTMLCommon, .jp-Cell-outputWrapper,
  .jp-Cell-outputArea, .jp-RenderedHTML, main, body {{ overflow: visible !important; max-height: none !important; }}
  .jp-OutputPrompt, .jp-InputPrompt {{ display: none !important; }}
  .jp-RenderedHTMLCommon table {{ table-layout: auto !important; width: auto !important; max-width: 100%;
    font-size: 7.5pt; margin: 0 0 1em !important; }}
  .jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td {{ vertical-align: top !important; }}
  .jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td {{ padding: 0.25em 0.4em !important; word-break: normal; }}
  .jp-RenderedHTMLCommon td {{ overflow-wrap: anywhere; }}
  .jp-RenderedHTMLCommon th {{ overflow-wrap: break-word; }}
  .jp-RenderedHTMLCommon td.sroi-num {{ white-space: nowrap; }}
  .jp-RenderedHTMLCommon thead {{ display: table-header-group; }}
  .jp-RenderedHTMLCommon tr {{ break-inside: avoid; }}
  .jp-RenderedHTMLCommon tbody tr:hover {{ background: inherit; }}
  .jp-RenderedHTMLCommon h1, .jp-RenderedHTMLCommon h2, .jp-RenderedHTMLCommon h3,
  .jp-RenderedHTMLCommon h4 {{ break-after: avoid-page; }}
  .sroi-intro {{ break-after: avoid-page; }}
  .jp-RenderedHTMLCommon table.sroi-short {{ break-inside: avoid; }}
  .jp-RenderedImage img, .jp-RenderedHTMLCommon img {{ max-width: 100% !important; height: auto; }}
  .jp-RenderedImage {{ break-inside: avoid; }}
  .sroi-wide {{ page: wide; }}
  .sroi-masthead {{ margin: 0 0 0.5em; }}
  a {{ color: inherit; text-decoration: none; }}
}}
"""


def _columns(table: str) -> int:
    """The columns of a table's first row (``colspan`` counted)."""
    row = _ROW.search(table)
    if not row:
        return 0
    total = 0
    for attrs in _HEAD_CELL.findall(row.group()):
        span = _COLSPAN.search(attrs)
        total += int(span.group(1)) if span else 1
    return total


def mark_wide_cells(body: str, min_columns: int = WIDE_COLUMNS) -> str:
    """Add the class ``sroi-wide`` to every notebook cell holding a table of ``min_columns`` columns or more, and to
    the Markdown cell just before it (so its heading is printed on the same landscape page).

    A run of :data:`SANDWICHED_CELLS` cells or fewer without a picture between two such cells (the valuation's
    heading and table between the outcomes and the proxies) is marked too, so it follows on the landscape page
    instead of taking a portrait page of its own, mostly blank.
    """
    parts = _CELL_START.split(body)
    wide = [bool(part.startswith('<div class="jp-Cell ')) and any(_columns(t) >= min_columns
                                                                   for t in _TABLE.findall(part)) for part in parts]
    for i, is_wide in enumerate(list(wide)):
        if is_wide and i > 0 and "jp-MarkdownCell" in parts[i - 1][:200]:
            wide[i - 1] = True
    # A short section between two landscape ones (a heading and one table, no chart) joins them: on a portrait
    # page of its own it left most of that page blank.
    i = 0
    while i < len(parts):
        j = i
        while j < len(parts) and not wide[j]:
            j += 1
        if 0 < i and j < len(parts) and wide[i - 1] and j - i <= SANDWICHED_CELLS \
                and not any("<img" in part for part in parts[i:j]):
            wide[i:j] = [True] * (j - i)
        i = j + 1
    return "".join(part.replace('<div class="jp-Cell ', '<div class="jp-Cell sroi-wide ', 1) if is_wide else part
                   for part, is_wide in zip(parts, wide))


def mark_intro_cells(body: str) -> str:
    """Add the class ``sroi-intro`` to every Markdown cell just before a code cell with output: the heading (and
    its lines of introduction) of the table or chart that follows, kept on the same printed page as its start.

    A heading's own ``break-after: avoid`` does not reach across the cells' containers, so the break is avoided on
    the Markdown cell as a whole. Only a cell before an output is marked: a run of Markdown cells is not chained
    together (which would move the whole run to the next page).
    """
    parts = _CELL_START.split(body)
    for i in range(len(parts) - 1):
        this, following = parts[i][:200], parts[i + 1][:200]
        if ("jp-MarkdownCell" in this and this.startswith('<div class="jp-Cell ') and "jp-CodeCell" in following
                and "jp-mod-noOutputs" not in following):
            parts[i] = parts[i].replace('<div class="jp-Cell ', '<div class="jp-Cell sroi-intro ', 1)
    return "".join(parts)


def mark_number_cells(body: str) -> str:
    """Add the class ``sroi-num`` to each table cell that holds only a figure, so that print never breaks it."""
    def marked(m: re.Match) -> str:
        attrs = m.group(1) or ""
        if 'class="' in attrs:
            attrs = attrs.replace('class="', 'class="sroi-num ', 1)
        else:
            attrs += ' class="sroi-num"'
        return f"<td{attrs}>{m.group(2)}</td>"

    return _NUMBER_CELL.sub(marked, body)


def mark_short_tables(body: str, max_rows: int = SHORT_TABLE_ROWS) -> str:
    """Add the class ``sroi-short`` to each table of ``max_rows`` rows or fewer (its heading rows included), so that
    print keeps it whole on one page rather than leave a row or two of it on the next."""
    def marked(m: re.Match) -> str:
        table = m.group()
        if len(_ROW.findall(table)) > max_rows:
            return table
        if re.match(r'<table\b[^>]*\bclass="', table):
            return re.sub(r'class="', 'class="sroi-short ', table, count=1)
        return table.replace("<table", '<table class="sroi-short"', 1)

    return _TABLE.sub(marked, body)


def masthead(theme: Theme) -> str:
    """The masthead (logo and council name) as HTML, or nothing when the theme gives neither."""
    if theme.logo is None and not theme.name:
        return ""
    parts = []
    if theme.logo is not None:
        parts.append(f'<img src="{theme.logo_data_uri()}" alt="{html_lib.escape(theme.name or "Logo")}">')
    if theme.name:
        parts.append(f"<span>{html_lib.escape(theme.name)}</span>")
    return f'<header class="sroi-masthead">{"".join(parts)}</header>\n'


def decorate(page: str, theme: Theme = DEFAULT_THEME, title: str = "") -> str:
    """nbconvert's HTML page with the theme, the print styles, the landscape marks and the masthead added."""
    style = f"<style>{report_css(theme, title)}</style>\n"
    page = page.replace("</head>", style + "</head>", 1)
    head, sep, rest = page.partition("<main>")
    if not sep:
        return page
    return head + sep + masthead(theme) + mark_short_tables(mark_number_cells(mark_intro_cells(mark_wide_cells(rest))))
