"""The Word copy of a report, made from an executed notebook of any sections (``sroi run --docx``)."""

import base64
import io
import json

import pytest

docx = pytest.importorskip("docx", reason="python-docx comes with the notebooks extras")

from sroi_lib.reports.theme import load_theme  # noqa: E402
from sroi_lib.reports.word import parse_html, write_docx  # noqa: E402
from tests.conftest import ROOT  # noqa: E402


def png(width: int, height: int) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "steelblue").save(buffer, format="PNG", dpi=(100, 100))
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def table(columns: int, rows: int = 2) -> str:
    head = "<tr><th></th>" + "".join(f"<th>Heading {i}</th>" for i in range(1, columns)) + "</tr>"
    body = "".join("<tr><th>" + str(r) + "</th>" + "".join(f"<td>r{r}c{c}</td>" for c in range(1, columns)) + "</tr>"
                   for r in range(rows))
    return f'<table class="dataframe"><thead>{head}</thead><tbody>{body}</tbody></table>'


def notebook(tmp_path):
    def md(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    def code(*outputs):
        return {"cell_type": "code", "metadata": {}, "source": "print('code is never shown')", "outputs": list(outputs),
                "execution_count": 1}

    def html(text):
        return {"output_type": "display_data", "metadata": {}, "data": {"text/html": text, "text/plain": "x"}}

    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        md("# Housing retrofit\n\n**Contract** lcc-x · *forecast*\n\n> **Illustrative example.** Made up."),
        code({"output_type": "display_data", "metadata": {},
              "data": {"text/markdown": "Every **£1** returns £1.78.", "text/plain": "x"}}),
        md("## Assurance checklist\nA section this converter has never seen.\n\n- scope: met\n- materiality: "
           "missing\n\n1. first\n2. second\n\n<script>alert(1)</script>"),
        code(html(table(3) + '<table><tr><th colspan="2">Merged</th></tr><tr><td>a</td><td>b</td></tr></table>')),
        md("## The impact map"),
        code(html(table(13, rows=3))),
        md("## Charts"),
        code({"output_type": "display_data", "metadata": {}, "data": {"image/png": png(2000, 500), "text/plain": "x"}},
             {"output_type": "stream", "name": "stdout", "text": "a printed line\n"}),
    ]}
    path = tmp_path / "report.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def body_items(document):
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    items = []
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[1]
        if tag == "p":
            p = Paragraph(element, document)
            items.append(("picture" if element.xpath(".//pic:pic") else p.style.name, p.text))
        elif tag == "tbl":
            items.append(("table", Table(element, document)))
    return items


@pytest.fixture
def written(tmp_path):
    out = tmp_path / "report.docx"
    write_docx(notebook(tmp_path), out, theme=load_theme(ROOT / "data" / "themes" / "example-council.yaml"),
               title="Housing retrofit programme")
    return docx.Document(str(out))


def test_headings_paragraphs_lists_and_quotes_keep_their_kind(written):
    items = [(kind, text) for kind, text in body_items(written) if kind != "table"]
    assert ("Heading 1", "Housing retrofit") in items
    assert ("Heading 2", "Assurance checklist") in items and ("Heading 2", "The impact map") in items
    assert ("Normal", "Contract lcc-x · forecast") in items
    assert ("Quote", "Illustrative example. Made up.") in items
    assert ("List Bullet", "scope: met") in items and ("List Bullet", "materiality: missing") in items
    assert ("List Number", "first") in items
    assert ("Normal", "Every £1 returns £1.78.") in items
    assert ("Normal", "a printed line") in items
    assert not any("code is never shown" in text for _, text in items)
    # What the sanitiser escapes in the HTML shows as text here too (the same content as report.html).
    assert any("<script>alert(1)</script>" in text for _, text in items)


def test_bold_and_italic_runs_survive(written):
    contract = next(p for p in written.paragraphs if p.text.startswith("Contract"))
    assert [(r.text, bool(r.bold), bool(r.italic)) for r in contract.runs] == [
        ("Contract", True, False), (" lcc-x · ", False, False), ("forecast", False, True)]


def test_html_tables_are_word_tables_with_shaded_repeating_heading_rows(written):
    tables = [value for kind, value in body_items(written) if kind == "table"]
    assert [(len(t.rows), len(t.columns)) for t in tables] == [(3, 3), (2, 2), (4, 13)]
    impact = tables[2]
    assert [c.text for c in impact.rows[0].cells] == [""] + [f"Heading {i}" for i in range(1, 13)]
    assert impact.rows[3].cells[12].text == "r2c12"
    head = impact.rows[0]._tr
    assert head.xpath("./w:trPr/w:tblHeader")  # repeated on each page
    assert head.xpath(".//w:shd/@w:fill")[0] == "E3ECF3"  # the theme's table_header colour
    merged = tables[1].rows[0].cells
    assert merged[0]._tc is merged[1]._tc and merged[0].text == "Merged"


def test_the_wide_table_and_its_heading_are_on_a_landscape_page(written):
    from docx.enum.section import WD_ORIENT

    assert [s.orientation for s in written.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    assert all(round(min(s.page_width.cm, s.page_height.cm), 1) == 21.0 for s in written.sections)  # A4
    assert all(round(max(s.page_width.cm, s.page_height.cm), 1) == 29.7 for s in written.sections)
    items = body_items(written)
    heading = items.index(("Heading 2", "The impact map"))
    breaks = [i for i, element in enumerate(written.element.body.iterchildren()) if element.xpath(".//w:sectPr")]
    assert breaks[0] < heading < breaks[1]  # the heading starts the landscape section


def test_charts_are_pictures_no_wider_than_the_page_and_the_logo_is_one(written):
    from docx.shared import Cm

    shapes = list(written.inline_shapes)
    assert len(shapes) == 2  # the logo and the chart
    assert shapes[0].height == Cm(1.6)
    assert shapes[1].width <= Cm(17.0) and abs(shapes[1].width / shapes[1].height - 4) < 0.01


def test_every_page_has_the_title_the_council_and_page_numbers(written):
    section = written.sections[0]
    assert section.header.paragraphs[0].text == "Housing retrofit programme\tExample Borough Council (illustrative)"
    fields = section.footer._element.xpath(".//w:fldSimple/@w:instr")
    assert fields == ["PAGE", "NUMPAGES"] and "Page" in section.footer.paragraphs[0].text
    assert all(s.header.is_linked_to_previous for s in written.sections[1:])
    assert written.core_properties.title == "Housing retrofit programme"


def test_the_html_reader_is_lenient():
    root = parse_html("<p>a <b>b</p> c</i><br/>d")
    assert root.text() == "a b c\nd"


PROXIES = ('<table class="dataframe"><thead><tr><th></th><th>Name</th><th>Unit</th><th>Used</th><th>As published</th>'
           "<th>In 2024 prices</th><th>Source</th><th>Address</th><th>Licence</th></tr></thead><tbody>"
           "<tr><th>hh-next-energy-bill-saving-2023</th><td>Average annual energy bill saving</td>"
           "<td>household per year</td><td>as a benefit</td><td>£595.00 (2023 prices)</td><td>£618.18</td>"
           "<td>Welsh Government, Warm Homes Nest scheme annual report 2023-2024, Ministerial Foreword, where the "
           "average saving is given for the households helped in the year</td>"
           "<td>https://www.gov.wales/warm-homes-nest-scheme-annual-report-2023-2024-html-0</td>"
           "<td>Open Government Licence v3.0</td></tr></tbody></table>")


def test_table_columns_are_wide_enough_for_their_words_and_fixed_so_word_keeps_them(tmp_path):
    """A Unit column read "househol d per year": every column the same width, then laid out again by Word."""
    from docx.oxml.ns import qn
    from docx.shared import Cm

    cell = {"cell_type": "code", "metadata": {}, "source": "", "execution_count": 1, "outputs": [
        {"output_type": "display_data", "metadata": {}, "data": {"text/html": PROXIES, "text/plain": "x"}}]}
    path = tmp_path / "report.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}))
    write_docx(path, tmp_path / "report.docx", title="Proxies")
    table = docx.Document(str(tmp_path / "report.docx")).tables[0]
    tbl = table._tbl
    assert tbl.xpath("./w:tblPr/w:tblLayout/@w:type") == ["fixed"]
    grid = [int(w) for w in tbl.xpath("./w:tblGrid/w:gridCol/@w:w")]  # twentieths of a point
    headings = [c.text for c in table.rows[0].cells]
    widths = dict(zip(headings, grid))
    household = 9 * 7.5 * 0.5 * 20  # "household" in 7.5 pt type, half an em a letter, in twentieths of a point
    assert widths["Unit"] > household + 0.3 / 2.54 * 72 * 20  # and the cell's margins
    assert widths["Source"] > 2 * widths["Unit"] and widths["Used"] < widths["Unit"]  # shared by length of text
    assert sum(grid) <= Cm(25.7).twips + len(grid)  # within the landscape page's text width (rounding)
    for tr in tbl.tr_lst:  # every cell's own width is its column's
        assert [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in tr.tc_lst] == grid


def test_column_widths_give_each_column_its_longest_word_and_share_the_rest_by_length():
    from sroi_lib.reports.word import CELL_PADDING_CM, CHAR_EM, column_widths

    char = 10 * CHAR_EM * 2.54 / 72  # cm, in 10 pt type
    # Room for every cell on one line: each column as wide as its longest cell
    assert column_widths([["ab", "abcd"], ["a", None]], 10, 20) == pytest.approx(
        [2 * char + CELL_PADDING_CM, 4 * char + CELL_PADDING_CM])
    # Too little room for that: each column its longest word, the rest shared by what it would like beyond that
    long_text = "word " * 100
    widths = column_widths([["household per year", long_text]], 10, 10)
    assert widths[0] == pytest.approx(9 * char + CELL_PADDING_CM + (10 - 13 * char - 2 * CELL_PADDING_CM)
                                      * 9 / (9 + len(long_text) - 4))
    assert sum(widths) == pytest.approx(10)
    # Not even room for the longest words: they are shrunk alike (a web address counts as 18 characters at most)
    widths = column_widths([["household", "https://example.org/" + "x" * 60]], 10, 2)
    assert widths == pytest.approx([2 * (9 * char + CELL_PADDING_CM) / (27 * char + 2 * CELL_PADDING_CM),
                                    2 * (18 * char + CELL_PADDING_CM) / (27 * char + 2 * CELL_PADDING_CM)])
