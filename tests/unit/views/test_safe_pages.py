"""Text from files stays text in every page sroi makes: the report's heading, its exported HTML, the proxy
explorer's table, the dashboard's table and headline, and the figures' labels.

Each test parses the HTML produced (Python's html.parser, as a browser would tokenise it) and asserts that no
element, event handler or link came from the hostile text, and that the text itself is shown literally.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from sroi_lib.reports.portfolio import Portfolio
from sroi_lib.reports.runner import export_html
from sroi_lib.reports.safe_html import clean_html
from sroi_lib.views.dashboard import contracts_html, headline_html, portfolio_figure
from sroi_lib.views.formatting import html_text, markdown_text, safe_link
from sroi_lib.views.plots import bar_chart
from sroi_lib.views.tables import title_markdown
from sroi_lib.views.widgets import proxy_table_html
from tests.conftest import ROOT

SCRIPT = "<script>document.title='pwned'</script>"
IMG = "<img src=x onerror=\"document.title='pwned'\">"
LINK = "[click](javascript:document.title='pwned')"
HOSTILE = [SCRIPT, IMG, LINK, "<svg onload=alert(1)>", "<a href='javascript:alert(1)'>x</a>",
           "<iframe srcdoc='<script>alert(1)</script>'>", "*stars* _under_ `code` $x$ # not a heading",
           "<style>body{display:none}</style>", "&lt;escaped&gt; &amp;", "[x](data:text/html,<script>alert(1)</script>)"]


class Page(HTMLParser):
    """What a browser would build from an HTML string: the elements, their attributes and the visible text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: (v or "") for k, v in attrs}))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)

    def tags(self) -> set[str]:
        return {t for t, _ in self.elements}

    def handlers(self) -> list[str]:
        return [f"{t} {k}" for t, a in self.elements for k in a if k.lower().startswith("on")]

    def links(self) -> list[str]:
        return [a[k] for _, a in self.elements for k in ("href", "src", "action", "formaction", "srcdoc") if k in a]

    def visible(self) -> str:
        return " ".join("".join(self.text).split())


def assert_inert(html: str, allowed_tags: set[str]) -> Page:
    page = Page(html)
    assert page.tags() <= allowed_tags, page.tags() - allowed_tags
    assert page.handlers() == []
    bad = [u for u in page.links() if not re.match(r"(https?:|mailto:|#)", u.strip(), re.I)]
    assert bad == []
    return page


def markdown_to_html(source: str) -> str:
    """Markdown rendered exactly as the report's exporter renders it (nbconvert's IPython renderer)."""
    from nbconvert import HTMLExporter

    return HTMLExporter().markdown2html({}, source)


# --- the escaping helpers -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_renders_as_exactly_the_text(text):
    page = assert_inert(markdown_to_html(markdown_text(text)), {"p"})
    assert page.visible() == " ".join(text.split())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(
    list("<>&\"'`*_[]()!#$\\|~:=-+.1 \n")), max_size=40))
def test_markdown_text_never_makes_markup(text):
    """Any text at all: rendered, it is one or more plain paragraphs holding exactly that text."""
    page = assert_inert(markdown_to_html(markdown_text(text)), {"p"})
    assert page.visible() == " ".join(text.split())


@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_is_text_between_tags_and_in_attributes(text):
    page = assert_inert(f'<td title="{html_text(text)}">{html_text(text)}</td>', {"td"})
    assert page.visible() == " ".join(text.split())
    assert page.elements[0][1]["title"] == text


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:x", "//evil.example/x",
                                 "https://ok.example/\" onmouseover=\"alert(1)", "", None])
def test_safe_link_links_only_web_and_mail_addresses(url):
    page = assert_inert(safe_link(url, "Source"), {"a"})
    assert page.visible() == "Source"
    assert all(u.startswith("https://") for u in page.links())


def test_safe_link_keeps_a_good_address():
    page = Page(safe_link("https://example.org/a?b=1&c=2", "ONS <2024>"))
    assert page.links() == ["https://example.org/a?b=1&c=2"] and page.visible() == "ONS <2024>"


# --- the allow-list sanitiser behind export_html ----------------------------------------------------------------------

SAFE_TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div", "dl", "dt",
             "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "small", "span",
             "strong", "style", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}


@pytest.mark.parametrize("fragment", HOSTILE[:2] + [
    '<a href="javascript:alert(1)">x</a>', '<a href="  JAVASCRIPT:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>', '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    "<svg><script>alert(1)</script></svg>", '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<p onclick="alert(1)" style="x">p</p>', '<td style="background:url(javascript:alert(1))">x</td>',
    '<form action="https://evil.example"><button formaction="javascript:alert(1)">go</button></form>',
    '<object data="x.swf"></object><embed src="x"><base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', "<scr<script>ipt>alert(1)</script>",
    '<div><!-- <script>alert(1)</script> --></div>', '<a href="#top" onclick="alert(1)">top</a>',
])
def test_clean_html_leaves_nothing_that_runs(fragment):
    assert_inert(clean_html(fragment), SAFE_TAGS)


def test_clean_html_keeps_report_tables_and_headings_unchanged():
    table = pd.DataFrame({"Stakeholder": ["Tenants <b>", "Council"], "Present value": ["£1.00", "£2.00"]},
                         index=pd.Index([1, 2], name="Row"))._repr_html_()
    assert clean_html(table) == table
    heading = markdown_to_html("## Headline figures\nText with a [link](https://example.org) and `code`.")
    assert clean_html(heading) == heading


def notebook_with_outputs(hostile: bool) -> nbformat.NotebookNode:
    """A small executed notebook: a Markdown heading, a table, a PNG and (optionally) hostile outputs."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("## Headline figures"))
    table = pd.DataFrame({"Figure": ["SROI ratio"], "Value": ["2.00 : 1"]}).set_index("Figure")
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": table._repr_html_(), "text/plain": "t"}),
                    nbformat.v4.new_output("display_data", {"image/png": png, "text/plain": "<Figure>"})]
    if hostile:
        cell.outputs += [
            nbformat.v4.new_output("display_data", {"text/markdown": f"# T {SCRIPT} {IMG} {LINK}"}),
            nbformat.v4.new_output("display_data", {"text/html": f"<p>{SCRIPT}{IMG}</p>",
                                                    "text/plain": "p"}),
            nbformat.v4.new_output("display_data", {"application/javascript": "document.title='pwned'"}),
            nbformat.v4.new_output("display_data", {"image/svg+xml": "<svg onload=\"document.title='pwned'\"/>"}),
            nbformat.v4.new_output("stream", name="stdout", text=SCRIPT),
        ]
        nb.cells.append(nbformat.v4.new_markdown_cell(f"Text {IMG} {LINK}"))
    nb.cells.append(cell)
    return nb


def export(tmp_path: Path, nb, name: str) -> str:
    source = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, str(source))
    export_html(source, tmp_path / f"{name}.html")
    return (tmp_path / f"{name}.html").read_text(encoding="utf-8")


def scripts(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html, flags=re.I)


def test_export_html_keeps_only_its_own_scripts_and_our_tables(tmp_path):
    clean = export(tmp_path, notebook_with_outputs(hostile=False), "clean")
    hostile = export(tmp_path, notebook_with_outputs(hostile=True), "hostile")
    assert scripts(hostile) == scripts(clean)  # nbconvert's own, nothing from a cell
    page = Page(hostile)
    assert page.handlers() == [], page.handlers()
    assert not [u for u in page.links() if u.strip().lower().startswith(("javascript:", "vbscript:"))]
    assert "pwned" not in "".join(re.findall(r"<script\b[^>]*>(.*?)</script>", hostile, flags=re.S | re.I))
    assert "svg" not in page.tags() and "iframe" not in page.tags()
    # the hostile text is still there, as text
    assert "<script>document.title='pwned'</script>" in page.visible()
    # and the report's own content is untouched: the table, the heading and the embedded figure
    for html in (clean, hostile):
        p = Page(html)
        assert {"table", "thead", "tbody", "th", "td", "h2"} <= p.tags()
        assert any(a.get("src", "").startswith("data:image/png;base64,") for t, a in p.elements if t == "img")
        assert "2.00 : 1" in p.visible() and "Headline figures" in p.visible()


# --- the report heading, from a real parameters file -----------------------------------------------------------------

def hostile_parameters(tmp_path: Path, words: str) -> Path:
    """An example contract whose title, supplier, directorate and description hold ``words``."""
    import yaml

    src = ROOT / "parameters" / "lcc-housing-retrofit.yaml"
    raw = yaml.safe_load(src.read_text(encoding="utf-8"))
    for key in ("impact_map", "inputs", "commitments", "returns"):
        if raw.get(key):
            raw[key] = str((src.parent / raw[key]).resolve())
    for key in ("title", "supplier", "directorate", "description"):
        raw[key] = f"{key.upper()} {words}"
    out = tmp_path / "hostile.yaml"
    out.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return out


def test_title_markdown_shows_hostile_parameters_as_text(tmp_path):
    from sroi_lib.reports.contract import load_contract

    words = " ".join(HOSTILE)
    run = load_contract(hostile_parameters(tmp_path, words))
    page = assert_inert(markdown_to_html(title_markdown(run)), {"h1", "a", "p", "strong", "blockquote"})
    assert [a["href"] for t, a in page.elements if t == "a"] == [a["href"] for t, a in page.elements
                                                                  if t == "a" and "anchor-link" in a.get("class", "")]
    flat = " ".join(words.split())
    for key in ("TITLE", "SUPPLIER", "DIRECTORATE", "DESCRIPTION"):
        assert f"{key} {flat}" in page.visible()


@pytest.mark.parametrize("params", sorted((ROOT / "parameters").glob("*.yaml")), ids=lambda p: p.stem)
def test_title_markdown_of_each_example_renders_as_before(params):
    """Escaping changes nothing for ordinary text: the heading renders to the same HTML as the unescaped text."""
    from sroi_lib.reports.contract import load_contract

    run = load_contract(params)
    p, v = run.params, run.valuation
    unescaped = "\n".join([
        f"# {p.title}", "", f"**Contract** {p.contract_id} · **Supplier** {p.supplier} · **Directorate** "
        f"{p.directorate} · **Analysis** {p.analysis_type}", "",
        f"All figures in {v.price_year} prices ({v.deflators.title}, {v.deflators.vintage}); "
        f"discounting: {v.discounting.describe()}. Conventions: {v.method_text()}", "", p.description, "",
        "> **Illustrative example.** The figures are made up to show the method; "
        "this is not a real contract's valuation."])
    assert markdown_to_html(title_markdown(run)) == markdown_to_html(unescaped)


# --- the proxy explorer and the dashboard ------------------------------------------------------------------------------

def test_proxy_table_shows_hostile_proxies_as_text(tmp_path):
    from sroi_lib.proxies.library import find_proxies, load_library

    text = (ROOT / "tests" / "fixtures" / "proxies_small.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    row = dict.fromkeys(header, "")
    row.update(proxy_id="t-hostile", name=SCRIPT, outcome=IMG, unit=IMG, value="10", price_year="2022",
               value_type="social", theme="environment and carbon", source=SCRIPT,
               source_url="https://example.org/a?b=\"onmouseover=\"alert(1)", licence=IMG)
    import csv

    lib_file = tmp_path / "lib.csv"
    with open(lib_file, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerow(row)
    found = find_proxies(load_library(lib_file), "")
    assert len(found) == 1
    page = assert_inert(proxy_table_html(found), {"table", "thead", "tbody", "tr", "th", "td", "a"})
    assert page.links() == ['https://example.org/a?b="onmouseover="alert(1)']  # one attribute, not two
    assert SCRIPT in page.visible() and IMG in page.visible()
    # the loader refuses a javascript: address; the table does not rely on that
    found["source_url"] = "javascript:document.title='pwned'"
    page = assert_inert(proxy_table_html(found), {"table", "thead", "tbody", "tr", "th", "td"})
    assert page.links() == [] and SCRIPT in page.visible()


def hostile_portfolio() -> Portfolio:
    contracts = pd.DataFrame([{
        "contract_id": "hostile", "title": SCRIPT, "supplier": IMG, "directorate": LINK, "analysis_type": "forecast",
        "illustrative": True, "start_year": 2025, "present_value": 100.0, "total_inputs": 50.0, "sroi_ratio": 2.0,
        "npv": 50.0, "rag": "<b onmouseover=alert(1)>red</b>", "value_committed_to_date": 10.0,
        "value_delivered_to_date": 5.0, "value_forecast_to_end": 20.0, "value_committed_total": 40.0}])
    lines = pd.DataFrame([{"contract_id": "hostile", "stakeholder": "$\\foo$", "outcome": SCRIPT,
                           "theme": "$\\bar$", "ward": "", "value_type": "social", "present_value": 100.0,
                           "pillar": "$\\baz$ <img src=x>"}])
    return Portfolio(contracts, lines)


def test_dashboard_table_and_headline_show_hostile_contracts_as_text():
    p = hostile_portfolio()
    page = assert_inert(contracts_html(p), {"table", "thead", "tbody", "tr", "th", "td"})
    for text in (SCRIPT, IMG, LINK, "<b onmouseover=alert(1)>red</b>"):
        assert text in page.visible()
    head = assert_inert(headline_html(p.headline()), {"div", "b", "br", "table", "thead", "tbody", "tr", "th", "td"})
    assert "1 contract" in head.visible()


def test_figures_draw_labels_with_dollar_signs_literally():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    breakdown = pd.DataFrame({"stakeholder": ["$\\foo$ tenants", "Fees $5 to $10"], "present_value": [1.0, 2.0],
                              "share": [1 / 3, 2 / 3]})
    fig = bar_chart(breakdown, "stakeholder", "Present value by stakeholder")
    fig.canvas.draw()  # mathtext would raise "Unknown symbol: \foo" here
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["\\$\\foo\\$ tenants", "Fees \\$5 to \\$10"]  # drawn as "$\foo$ tenants", "Fees $5 to $10"
    plt.close(fig)
    fig = portfolio_figure(hostile_portfolio())
    fig.canvas.draw()
    plt.close(fig)


def test_title_markdown_shows_how_the_files_were_read(tmp_path):
    """A reading note (hidden rows counted in) is in the heading, as text."""
    from dataclasses import replace

    from sroi_lib.reports.contract import load_contract

    run = load_contract(ROOT / "parameters" / "lcc-housing-retrofit.yaml")
    assert "How the files were read" not in title_markdown(run)
    noted = replace(run, notes=["impact_map.xlsx: 1 hidden row (3) was read <b>as data</b>."])
    page = markdown_to_html(title_markdown(noted))
    assert "How the files were read. impact_map.xlsx: 1 hidden row (3) was read <b>as data</b>." in \
        " ".join(assert_inert(page, {"h1", "a", "p", "strong", "blockquote"}).visible().split())
