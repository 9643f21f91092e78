"""Council theme files, and the styles the exporter adds to the report's HTML (theme, print, landscape, logo)."""

import base64
import re

import pytest

from sroi_lib.errors import InputError
from sroi_lib.reports import theme as theme_module
from sroi_lib.reports.print_styles import (SHORT_TABLE_ROWS, decorate, mark_intro_cells, mark_number_cells,
                                           mark_short_tables, mark_wide_cells, masthead, report_css)
from sroi_lib.reports.safe_html import clean_html
from sroi_lib.reports.theme import DEFAULT_THEME, css_string, default_theme_file, load_theme
from tests.conftest import ROOT

THEMES = ROOT / "data" / "themes"
PNG_1x1 = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def write(tmp_path, text, name="theme.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def messages(exc_info) -> list[str]:
    return [str(p) for p in exc_info.value.problems]


def test_the_shipped_default_theme_file_is_the_default_theme():
    loaded = load_theme(default_theme_file())
    assert (loaded.name, loaded.colours, loaded.fonts, loaded.logo) == (
        DEFAULT_THEME.name, DEFAULT_THEME.colours, DEFAULT_THEME.fonts, None)


def test_the_example_council_theme_has_its_logo_and_colours():
    theme = load_theme(THEMES / "example-council.yaml")
    assert theme.name.startswith("Example Borough Council")
    assert theme.logo.startswith(b"\x89PNG") and theme.logo_type == "image/png"
    assert theme.colours["accent"] == "#b0413e" and theme.colours["text"] == "#1b1b1b"
    assert theme.first_font("headings") == "Georgia"
    assert theme.logo_data_uri().startswith("data:image/png;base64,iVBOR")


def test_keys_left_out_keep_the_default_and_short_colours_are_written_out(tmp_path):
    theme = load_theme(write(tmp_path, 'colours:\n  accent: "#148"\n'))
    assert theme.colours["accent"] == "#148" and theme.rgb("accent") == "114488"
    assert theme.colours["text"] == DEFAULT_THEME.colours["text"] and theme.fonts == DEFAULT_THEME.fonts
    assert load_theme(write(tmp_path, "", "empty.yaml")).colours == DEFAULT_THEME.colours


def test_a_jpeg_logo_is_taken(tmp_path):
    (tmp_path / "crest.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 20)
    theme = load_theme(write(tmp_path, "logo: crest.jpg\n"))
    assert theme.logo_type == "image/jpeg"


def test_every_problem_is_named_with_its_key_and_line_in_line_order(tmp_path):
    path = write(tmp_path, "name: 3\nfonts: Arial\ncolours:\n  txet: '#123456'\nlogo: [a, b]\n")
    with pytest.raises(InputError) as exc:
        load_theme(path)
    found = messages(exc)
    assert found == [
        "theme.yaml, line 1, key 'name': 3 is not text. Give the council's name, e.g. 'name: Example Council'.",
        "theme.yaml, line 2, key 'fonts': 'Arial' is not a set of 'key: value' lines. Give fonts as indented "
        "lines: body, headings.",
        "theme.yaml, line 4, key 'colours.txet': is not a theme key sroi knows. Did you mean 'text'?",
        "theme.yaml, line 5, key 'logo': a list is not a file name. Give the logo's file, relative to the theme "
        "file, e.g. 'logo: crest.png'; or leave the key out.",
    ]


def test_a_name_of_several_lines_or_too_long_is_refused(tmp_path):
    with pytest.raises(InputError) as exc:
        load_theme(write(tmp_path, 'name: "A\\nB"\n'))
    assert "must be one line of at most 200 characters" in messages(exc)[0]
    with pytest.raises(InputError) as exc:
        load_theme(write(tmp_path, f"name: {'x' * 201}\n"))
    assert "line 1, key 'name': must be one line" in messages(exc)[0]


def test_a_logo_larger_than_the_limit_is_refused(tmp_path, monkeypatch):
    (tmp_path / "crest.png").write_bytes(PNG_1x1)
    monkeypatch.setattr(theme_module, "MAX_LOGO_BYTES", 10)
    with pytest.raises(InputError) as exc:
        load_theme(write(tmp_path, "logo: crest.png\n"))
    assert f"the logo file 'crest.png' is {len(PNG_1x1):,} bytes, more than the 10 sroi embeds" in messages(exc)[0]


def test_a_logo_that_is_a_folder_is_not_found(tmp_path):
    (tmp_path / "crest.png").mkdir()
    with pytest.raises(InputError) as exc:
        load_theme(write(tmp_path, "logo: crest.png\n"))
    assert "the logo file 'crest.png' was not found" in messages(exc)[0]


@pytest.mark.parametrize("title", ['</style><script>alert(1)</script>', 'A "quoted" \\ title\nwith a line break'])
def test_the_title_cannot_leave_the_style_sheet(title):
    css = report_css(DEFAULT_THEME, title)
    assert "</" not in css and "<script" not in css
    assert css_string(title).count('"') == 2  # the string's own quotes only
    assert "\n" not in css_string(title)


def test_print_styles_are_a4_with_title_and_page_numbers_and_a_landscape_page():
    css = report_css(DEFAULT_THEME, "Care at home")
    page = css[css.index("@page {"):]
    assert "size: A4;" in page and '@top-left { content: "Care at home"' in page
    assert 'content: "Page " counter(page) " of " counter(pages)' in page
    assert "@page wide { size: A4 landscape; }" in css and ".sroi-wide { page: wide; }" in css
    assert re.search(r"overflow: visible !important", css)


def wide_table(columns: int) -> str:
    head = "".join(f"<th>C{i}</th>" for i in range(columns))
    return f'<table class="dataframe"><thead><tr>{head}</tr></thead><tbody><tr><td>£1.00</td></tr></tbody></table>'


def test_a_cell_with_a_wide_table_and_its_heading_go_on_a_landscape_page():
    body = ('<div class="jp-Cell jp-MarkdownCell" id="a"><h2>Intro</h2></div>'
            '<div class="jp-Cell jp-MarkdownCell" id="b"><h2>The impact map</h2></div>'
            f'<div class="jp-Cell jp-CodeCell" id="c">{wide_table(13)}</div>'
            f'<div class="jp-Cell jp-CodeCell" id="d">{wide_table(4)}</div>')
    marked = mark_wide_cells(body)
    assert re.findall(r'<div class="jp-Cell (sroi-wide )?jp-\w+Cell" id="(\w)"', marked) == [
        ("", "a"), ("sroi-wide ", "b"), ("sroi-wide ", "c"), ("", "d")]
    colspan = '<table><tr><th colspan="7">A</th><th>B</th></tr></table>'
    assert "sroi-wide" in mark_wide_cells(f'<div class="jp-Cell jp-CodeCell">{colspan}</div>')


def test_a_markdown_cell_before_an_output_is_kept_with_it_in_print():
    body = ('<div class="jp-Cell jp-MarkdownCell" id="a"><p>Text</p></div>'
            '<div class="jp-Cell jp-MarkdownCell" id="b"><h3>Headline figures</h3></div>'
            '<div class="jp-Cell jp-CodeCell jp-mod-noInput" id="c"><table></table></div>'
            '<div class="jp-Cell sroi-wide jp-MarkdownCell" id="d"><h3>The impact map</h3></div>'
            '<div class="jp-Cell sroi-wide jp-CodeCell" id="e"><table></table></div>'
            '<div class="jp-Cell jp-MarkdownCell" id="f"><h2>Last</h2></div>'
            '<div class="jp-Cell jp-CodeCell jp-mod-noOutputs" id="g"></div>')
    marked = mark_intro_cells(body)
    assert re.findall(r'<div class="jp-Cell ((?:sroi-\w+ )*)jp-\w+Cell[^"]*" id="(\w)"', marked) == [
        ("", "a"), ("sroi-intro ", "b"), ("", "c"), ("sroi-intro sroi-wide ", "d"), ("sroi-wide ", "e"), ("", "f"),
        ("", "g")]
    assert ".sroi-intro { break-after: avoid-page; }" in report_css(DEFAULT_THEME)
    assert 'class="jp-Cell sroi-intro jp-MarkdownCell"' in decorate(f"<html><head></head><main>{body}</main></html>")


def test_a_short_section_between_two_landscape_ones_joins_them():
    def cell(id_, kind, content=""):
        return f'<div class="jp-Cell jp-{kind}Cell" id="{id_}">{content}</div>'

    body = (cell("a", "Markdown") + cell("b", "Code", wide_table(13)) + cell("c", "Markdown")
            + cell("d", "Code", wide_table(4)) + cell("e", "Markdown") + cell("f", "Code", wide_table(9))
            + cell("g", "Code", '<img src="data:image/png;base64,AA==">') + cell("h", "Code", wide_table(9))
            + cell("i", "Markdown") + cell("j", "Code", wide_table(4)) + cell("k", "Code", wide_table(4))
            + cell("l", "Code", wide_table(9)))
    marked = mark_wide_cells(body)
    assert re.findall(r'<div class="jp-Cell sroi-wide jp-\w+Cell" id="(\w)"', marked) == list("abcdefhl")
    # c-d (two cells, a table) joins; g (a chart) and i-k (three cells) keep their portrait pages


def test_a_short_table_is_printed_whole_and_a_long_one_may_break():
    def table(rows, attrs=""):
        return f"<table{attrs}>" + "<tr><td>x</td></tr>" * rows + "</table>"

    marked = mark_short_tables(table(SHORT_TABLE_ROWS, ' class="dataframe"') + table(SHORT_TABLE_ROWS + 1)
                               + table(2))
    assert re.findall(r"<table[^>]*>", marked) == ['<table class="sroi-short dataframe">', "<table>",
                                                   '<table class="sroi-short">']
    assert "table.sroi-short { break-inside: avoid; }" in report_css(DEFAULT_THEME)


def test_cells_holding_only_a_figure_are_kept_on_one_line_in_print():
    cells = mark_number_cells('<td>£1,604,243.99</td><td class="x">1.78 : 1</td><td>1–5</td><td>Households</td>')
    assert cells == ('<td class="sroi-num">£1,604,243.99</td><td class="sroi-num x">1.78 : 1</td>'
                     '<td class="sroi-num">1–5</td><td>Households</td>')


def test_the_logo_is_added_by_the_exporter_and_never_passes_the_sanitiser():
    theme = load_theme(THEMES / "example-council.yaml")
    page = "<html><head><title>x</title></head><body><main><p>Report</p></main></body></html>"
    out = decorate(page, theme, "Care at home")
    assert out.index("<style>") < out.index("</head>") < out.index('<header class="sroi-masthead"><img src="data:image/png')
    assert "<span>Example Borough Council (illustrative)</span>" in out
    assert masthead(DEFAULT_THEME) == ""  # the neutral theme shows no masthead
    # The sanitiser still escapes a picture or data: URL coming from the notebook itself.
    assert clean_html(f'<img src="{theme.logo_data_uri()}">').startswith("&lt;img")


def test_a_council_name_is_escaped_in_the_masthead(tmp_path):
    theme = load_theme(write(tmp_path, 'name: "<b>Council</b> & co"\n'))
    assert "<span>&lt;b&gt;Council&lt;/b&gt; &amp; co</span>" in masthead(theme)


def test_the_audit_makes_the_html_again_with_the_manifests_theme_or_says_why_it_cannot(tmp_path):
    from sroi_lib.reports.audit import _style

    params = ROOT / "parameters" / "lcc-care-at-home.yaml"
    theme, title = _style({"inputs": {}}, params, None)
    assert theme is DEFAULT_THEME and title  # no theme listed: the default
    theme, _ = _style({"inputs": {"theme": {}}}, params, THEMES / "example-council.yaml")
    assert theme.logo is not None
    with pytest.raises(InputError, match="the theme file the manifest lists is not in the checkout"):
        _style({"inputs": {"theme": {}}}, params, tmp_path / "gone.yaml")
