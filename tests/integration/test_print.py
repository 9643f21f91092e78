"""The printed and Word copies of a real report, in a council's theme: `sroi run --pdf --docx --theme`.

The PDF's text is read with pdftotext (poppler-utils) when it is installed, else with pypdfium2.
"""

import base64
import html as html_lib
import io
import re
import shutil
import subprocess

import pytest

from sroi_lib.cli import main
from sroi_lib.reports.audit import audit_report
from sroi_lib.reports.print_styles import PAGE_MARGIN_MM
from sroi_lib.reports.runner import export_html, find_chromium, print_pdf
from sroi_lib.reports.word import _columns, _rows, _tables, parse_html
from tests.conftest import ROOT
from tests.integration.test_reports import copy_contract

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not find_chromium(), reason="Chromium is not installed (apt-get install chromium); "
                                                              "CI installs it")]
CONTRACT = "lcc-housing-retrofit"  # the example with every section: uncertainty, scenarios and delivery
A4 = (595.0, 842.0)  # points


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """One real run of an example contract with --pdf --docx and the illustrative council theme."""
    tmp = tmp_path_factory.mktemp("printed")
    params = copy_contract(tmp, CONTRACT)
    theme_dir = tmp / "themes"
    shutil.copytree(ROOT / "data" / "themes", theme_dir)
    code = main(["run", str(params), "--out", str(tmp / "reports"), "--pdf", "--docx",
                 "--theme", str(theme_dir / "example-council.yaml")])
    assert code == 0
    return tmp, tmp / "reports" / CONTRACT


def pdf_pages(pdf) -> list[str]:
    """The text of each page of a PDF."""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                              check=True, timeout=60).stdout
        return text.split("\f")[:-1]  # pdftotext ends every page with a form feed
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    return [page.get_textpage().get_text_range().replace("\ufffe", "-\n") for page in document]


def last_lines(pdf) -> list[str | None]:
    """The lowest line of text in each page's body (the running header and footer left out), None when the
    lowest thing on the page is a picture (a chart), or "" when the body is blank."""
    import pypdfium2

    margin = PAGE_MARGIN_MM * 72 / 25.4
    lines = []
    for page in pypdfium2.PdfDocument(str(pdf)):
        width, height = page.get_size()
        body = [(o.type, o.get_bounds()) for o in page.get_objects()
                if o.type in (1, 3, 5) and o.get_bounds()[3] > margin and o.get_bounds()[1] < height - margin]
        if not body:
            lines.append("")
            continue
        kind, (_, bottom, _, top) = min(body, key=lambda item: item[1][1])  # 1 text, 3 image, 5 form (a picture)
        text = page.get_textpage().get_text_bounded(0, bottom - 0.5, width, top + 0.5) if kind == 1 else None
        lines.append(None if text is None else " ".join(text.split()))
    return lines


def intro_endings(html: str) -> list[str]:
    """The text of each Markdown cell just before a cell with output (the table or chart it introduces), without
    spaces."""
    cells = re.split(r'(?=<div class="jp-Cell )', html)
    texts = [html_lib.unescape(re.sub(r"<[^>]+>", " ", cell)).replace("¶", "")
             for cell, following in zip(cells, cells[1:])
             if "jp-MarkdownCell" in cell[:200] and "jp-CodeCell" in following[:200]
             and "jp-mod-noOutputs" not in following[:200]]
    return ["".join(text.split()) for text in texts]


def pages_ending_with_an_introduction(folder) -> list[tuple[int, str]]:
    """The pages whose last line ends a heading or its introduction, the table or chart it introduces being left to
    the next page."""
    endings = intro_endings((folder / "report.html").read_text(encoding="utf-8"))
    assert endings  # the check means something only when there are introductions to find
    return [(number, line) for number, line in enumerate(last_lines(folder / "report.pdf"), start=1)
            if line and any(ending.endswith("".join(line.split())) for ending in endings)]


def pieces(text: str) -> list[str]:
    """Words, split after hyphens (a heading such as Drop-off may break across lines at its hyphen)."""
    return re.findall(r"[^\s-]+-?", text)


def in_order(heading: str, words: list[str]) -> bool:
    """Whether a heading's words are among ``words`` in their order. A heading broken at its hyphen may be read
    as two words (Drop- off), or joined again without it (pdftotext's Dropoff)."""
    for form in (heading, heading.replace("-", "")):
        it = iter(words)
        if all(piece in it for piece in pieces(form)):
            return True
    return False


def impact_map_headings(html: str) -> list[str]:
    """The column headings of the report's impact map: the widest table with a Stakeholder column."""
    tables = [t for t in _tables(parse_html(html)) if any(c.text() == "Stakeholder" for c in _rows(t)[0])]
    widest = max(tables, key=_columns)
    return [c.text() for c in _rows(widest)[0] if c.text()]


def test_the_pdf_holds_every_impact_map_column_heading(printed):
    _, folder = printed
    headings = impact_map_headings((folder / "report.html").read_text(encoding="utf-8"))
    assert len(headings) >= 10 and {"Stakeholder", "Evidence"} <= set(headings), headings
    found = []
    for page in pdf_pages(folder / "report.pdf"):
        words = pieces(page)
        if "Stakeholder" not in words:
            continue
        start = words.index("Stakeholder")
        row = words[start:start + 60]  # the heading row: each heading's words in order (other headings between)
        missing = [heading for heading in headings if not in_order(heading, row)]
        found.append(missing)
    assert found and any(missing == [] for missing in found), (headings, found)


def test_the_pdf_is_a4_and_every_page_has_the_title_and_its_number(printed):
    import pypdfium2

    _, folder = printed
    document = pypdfium2.PdfDocument(str(folder / "report.pdf"))
    sizes = [tuple(round(x) for x in sorted(page.get_size())) for page in document]
    assert set(sizes) == {A4}, sizes  # portrait and landscape pages alike
    widths = [round(page.get_size()[0]) for page in document]
    assert 842 in widths and 595 in widths  # the impact map turned landscape
    pages = pdf_pages(folder / "report.pdf")
    assert len(pages) == len(document) >= 2
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert "Housing retrofit programme" in flat, number
        assert f"Page {number} of {len(pages)}" in flat, number
        assert "Example Borough Council (illustrative)" in flat, number


def test_the_first_page_is_not_half_blank(printed):
    """Jupyter's print style kept each output whole, so a tall one was pushed to page 2 and left page 1 half
    blank; page 1 now runs on into the report's second section."""
    _, folder = printed
    pages = pdf_pages(folder / "report.pdf")
    first = pages[0]
    # Page 1 holds the title block and the executive summary to its last part; the summary's final line is on it
    assert "Executive summary" in first and "The three biggest outcomes" in first and "Main caveats" in first
    assert "Negative outcomes (disbenefits)" in first
    # and it is about as full as page 2: no output was pushed whole to the next page
    assert len(" ".join(first.split())) > 0.6 * len(" ".join(pages[1].split()))


def test_the_word_copy_has_the_same_tables_pictures_and_headings(printed):
    import docx

    _, folder = printed
    html = (folder / "report.html").read_text(encoding="utf-8")
    document = docx.Document(str(folder / "report.docx"))
    headings = impact_map_headings(html)
    word_tables = [[c.text for c in t.rows[0].cells] for t in document.tables]
    assert any([h for h in row if h] == headings for row in word_tables), word_tables
    assert len(document.tables) == len(list(_tables(parse_html(html))))
    pictures = html.count('src="data:image/png')  # the charts and the logo
    assert len(document.inline_shapes) == pictures >= 4
    styles = {p.style.name for p in document.paragraphs}
    assert {"Heading 1", "Heading 2"} <= styles
    assert document.sections[0].header.paragraphs[0].text.startswith("Housing retrofit programme")


def test_the_audit_verifies_the_report_notes_the_copies_and_covers_the_theme(printed):
    tmp, folder = printed
    result = audit_report(folder, checkout=tmp)
    assert result.verified, result.differences
    assert any(n.startswith("report.docx is present and was not checked") for n in result.notes)
    assert any(n.startswith("report.pdf is present and was not checked") for n in result.notes)

    theme = tmp / "themes" / "example-council.yaml"
    saved = theme.read_text()
    theme.write_text(saved.replace("#b0413e", "#00aa00"))
    try:
        result = audit_report(folder, checkout=tmp, rerun=False)
    finally:
        theme.write_text(saved)
    assert "input theme (themes/example-council.yaml) has changed since the report was made (its sha256 differs)" \
        in result.differences

    logo = tmp / "themes" / "example-crest.png"
    saved = logo.read_bytes()
    logo.write_bytes(saved + b"an edited logo")
    try:
        result = audit_report(folder, checkout=tmp, rerun=False)
    finally:
        logo.write_bytes(saved)
    assert [d for d in result.differences if "logo" in d or "theme" in d] == [
        "input theme_logo (themes/example-crest.png) has changed since the report was made (its sha256 differs)"]


def test_no_page_ends_with_a_heading_whose_table_or_chart_is_on_the_next_page_and_none_is_blank(printed, tmp_path):
    _, folder = printed
    assert pages_ending_with_an_introduction(folder) == []
    assert "" not in last_lines(folder / "report.pdf")
    # The employment example put "Where the value goes" and its introduction at the foot of a page, its charts on
    # the next, and the checklist's heading and introduction likewise; and it printed a blank landscape page
    # between the outcomes and the valuation.
    params = copy_contract(tmp_path, "lcc-employment-support-grant")
    assert main(["run", str(params), "--out", str(tmp_path / "reports"), "--pdf"]) == 0
    folder = tmp_path / "reports" / "lcc-employment-support-grant"
    assert pages_ending_with_an_introduction(folder) == []
    assert "" not in last_lines(folder / "report.pdf")
    # Its headline figures were split, the heading and six rows at the foot of page 1, the last row on page 2: the
    # heading and the table's last row must be on one page (page 1 or 2, as the summary above them is long or short)
    pages = [n for n, page in enumerate(pdf_pages(folder / "report.pdf"), start=1)
             if "Headline figures" in page or "Payback" in page]
    assert len(pages) == 1 and pages[0] <= 2, pages


def test_a_heading_is_printed_on_the_page_of_the_table_or_chart_after_it(tmp_path):
    """Sections of many lengths, so that headings fall at every height of the page: a heading alone or with a line
    of introduction, in its own Markdown cell, then a table or a chart."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (800, 400), "steelblue").save(picture, "PNG")
    chart = {"image/png": base64.b64encode(picture.getvalue()).decode(), "text/plain": "chart"}
    rows = "".join(f"<tr><th>Line {i}</th><td>£{i * 1000:,}</td></tr>" for i in range(6))
    table = {"text/html": f"<table><thead><tr><th></th><th>Value</th></tr></thead><tbody>{rows}</tbody></table>"}
    notebook, headings = new_notebook(), []
    for k in range(48):
        notebook.cells.append(new_markdown_cell("\n\n".join(f"Paragraph {k}.{j} of the section."
                                                             for j in range(2 + (k * 5) % 13))))
        headings.append(f"Section heading {k}")
        notebook.cells.append(new_markdown_cell(f"### {headings[-1]}" + ("\n\nA line of introduction."
                                                                         if k % 4 >= 2 else "")))
        output = new_code_cell("")
        output.outputs = [new_output("display_data", data=table if k % 2 else chart)]
        notebook.cells.append(output)
    nbformat.write(notebook, str(tmp_path / "sections.ipynb"))
    export_html(tmp_path / "sections.ipynb", tmp_path / "report.html", title="Sections")
    print_pdf(tmp_path / "report.html", tmp_path / "report.pdf", find_chromium())
    lines = last_lines(tmp_path / "report.pdf")
    text = " ".join(" ".join(pdf_pages(tmp_path / "report.pdf")).split())
    assert len(lines) > 10 and all(heading in text for heading in headings)
    assert [line for line in lines if line in headings or line == "A line of introduction."] == []
    assert pages_ending_with_an_introduction(tmp_path) == []
