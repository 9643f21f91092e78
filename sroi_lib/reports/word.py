"""An editable Word copy of a contract's report (``report.docx``), made from the executed notebook.

Cabinet papers are written in Word, so ``sroi run --docx`` writes the report
as a Word document that can be edited and pasted from: the same content as
``report.html`` (whatever sections the notebook has), in the council's theme
(:mod:`~sroi_lib.reports.theme`).

:func:`write_docx` reads ``report.ipynb`` cell by cell, in order, leaving out the
code as the HTML does:

* Markdown cells are turned into HTML by nbconvert's own Markdown renderer;
  they and the ``text/html`` outputs (the tables) pass through the report's
  sanitiser (:func:`~sroi_lib.reports.safe_html.clean_html`), so the Word copy
  shows what the HTML shows, and are then written as Word content: headings
  ``<h1>`` to ``<h4>`` as Word headings 1 to 4, paragraphs with bold, italic
  and code, bulleted and numbered lists, quotes, and every ``<table>`` as a
  real Word table (its heading rows shaded in the theme's colour and repeated
  on each page; ``colspan`` merged; each column as wide as its longest word
  needs, the rest of the width shared by how long its text is:
  :func:`column_widths`);
* PNG outputs (the charts) as pictures, at most the width of the text;
* Markdown and plain-text outputs as paragraphs, streams as plain text.

A cell whose table has :data:`~sroi_lib.reports.print_styles.WIDE_COLUMNS`
columns or more (the impact map, the proxies) is put in a landscape section with
the Markdown cell before it, as in the PDF. Every page carries the contract's
title (and the council's name) at the top and "Page N of M" at the foot (Word
fields, updated by Word). The page is A4. The document's title property is the
contract's title.

The Word file is a copy for editing: it is not hashed in the manifest, and
``sroi audit`` notes that it has not checked it.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .folder import HTML_FILE
from .print_styles import WIDE_COLUMNS
from .theme import DEFAULT_THEME, Theme

__all__ = ["write_docx", "parse_html", "Node", "TEXT_WIDTH_CM", "column_widths"]

PAGE_WIDTH_CM, PAGE_HEIGHT_CM, MARGIN_CM = 21.0, 29.7, 2.0  # A4
TEXT_WIDTH_CM = PAGE_WIDTH_CM - 2 * MARGIN_CM
BODY_PT, TABLE_PT, WIDE_TABLE_PT = 10, 8, 7.5
CHAR_EM = 0.55  # the width of a character of table text, as a share of the font size (a generous average)
CELL_PADDING_CM = 0.38  # Word's default cell margins, left and right together (0.19 cm each)
LONGEST_WORD = 18  # characters: a longer run without a space (a web address, a key) may be broken to fit
_WORD = re.compile(r"[^\s]+?(?:[-/]|(?=\s)|$)")
_VOID = frozenset({"br", "hr", "img", "col", "meta", "link", "input", "wbr", "source", "area", "base"})
_SKIP = frozenset({"style", "script", "head", "title", "template"})
_BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "blockquote", "pre",
                    "hr", "header", "section", "main", "article", "dl", "dt", "dd", "figure", "details", "summary",
                    "thead", "tbody", "tfoot", "tr", "caption", "colgroup"})
_INLINE_FORMAT = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "code": "code", "kbd": "code",
                  "sub": "sub", "sup": "sup", "u": "underline", "s": "strike", "del": "strike"}


@dataclass
class Node:
    """An element of parsed HTML: its tag (``""`` for the root), attributes and children (text or nodes)."""

    tag: str
    attrs: dict = field(default_factory=dict)
    children: list = field(default_factory=list)

    def text(self) -> str:
        """All the text inside, whitespace collapsed."""
        parts = []

        def walk(node):
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                elif child.tag == "br":
                    parts.append("\n")
                elif child.tag not in _SKIP and not _anchor_link(child):
                    walk(child)

        walk(self)
        return _collapse("".join(parts))


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: (v or "") for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    """HTML as a tree of :class:`Node` (lenient: an end tag with no open element is ignored)."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def _collapse(text: str) -> str:
    return "\n".join(re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in re.split(r"\n", text)).strip()


def _anchor_link(node: Node) -> bool:
    return node.tag == "a" and "anchor-link" in node.attrs.get("class", "")


def _columns(table: Node) -> int:
    widest = 0
    for row in _rows(table):
        widest = max(widest, sum(_span(c) for c in row))
    return widest


def _rows(table: Node) -> list[list[Node]]:
    """The rows of a table (head, body and foot, in order), each a list of its th/td cells."""
    rows = []

    def walk(node):
        for child in node.children:
            if isinstance(child, Node):
                if child.tag == "tr":
                    rows.append([c for c in child.children if isinstance(c, Node) and c.tag in ("th", "td")])
                elif child.tag in ("thead", "tbody", "tfoot"):
                    walk(child)

    walk(table)
    return rows


def _head_rows(table: Node) -> int:
    return sum(1 for c in table.children if isinstance(c, Node) and c.tag == "thead"
               for r in c.children if isinstance(r, Node) and r.tag == "tr")


def _span(cell: Node) -> int:
    try:
        return max(1, min(int(cell.attrs.get("colspan", "1")), 100))
    except ValueError:
        return 1


def _tables(node: Node):
    for child in node.children:
        if isinstance(child, Node):
            if child.tag == "table":
                yield child
            else:
                yield from _tables(child)


# ----------------------------------------------------------------------------------------------------------------
# The notebook's outputs, in the order the HTML shows them.

def _markdown_html(source: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(source)


def column_widths(rows: list[list[str]], size_pt: float, available_cm: float) -> list[float]:
    """The width in cm of each column of a table, so that no word is broken and the table fits the text width.

    Each column needs at least ``m`` = its longest word (a word ends at a space or after ``-`` or ``/``; one of more
    than :data:`LONGEST_WORD` characters counts as that many) and would like ``p`` = its longest cell on one line,
    a character being taken as :data:`CHAR_EM` of the font size (``size_pt``, 1 pt = 2.54/72 cm), plus
    :data:`CELL_PADDING_CM`. When every column's ``p`` fits (Σp ≤ available), each gets ``p``; when even the ``m``
    do not (Σm ≥ available), each gets ``m × available / Σm`` (the only case in which a word may be broken);
    otherwise each gets ``m + (available − Σm) × (p − m) / Σ(p − m)``. A cell spanning several columns is not
    measured. ``rows`` holds each row's cell texts, one per column (None for a column a spanning cell covers).
    """
    char_cm = size_pt * CHAR_EM * 2.54 / 72
    columns = max((len(row) for row in rows), default=0)
    least, wanted = [0.0] * columns, [0.0] * columns
    for row in rows:
        for col, text in enumerate(row):
            if text is None:
                continue
            words = [min(len(w.strip()), LONGEST_WORD) for w in _WORD.findall(text)] or [0]
            least[col] = max(least[col], max(words) * char_cm + CELL_PADDING_CM)
            wanted[col] = max(wanted[col], len(text) * char_cm + CELL_PADDING_CM)
    least = [max(m, CELL_PADDING_CM + char_cm) for m in least]
    wanted = [max(p, m) for p, m in zip(wanted, least)]
    if sum(wanted) <= available_cm:
        return wanted
    if sum(least) >= available_cm:
        return [m * available_cm / sum(least) for m in least]
    spare, stretch = available_cm - sum(least), sum(p - m for p, m in zip(wanted, least))
    return [m + spare * (p - m) / stretch for p, m in zip(wanted, least)]


def _blocks(nb: dict) -> list[tuple[str, object]]:
    """Each cell's content as ``("html", Node)``, ``("png", bytes)`` or ``("text", str)``, cell by cell."""
    from .safe_html import clean_html

    cells = []
    for cell in nb.get("cells", []):
        items: list[tuple[str, object]] = []
        kind = cell.get("cell_type")
        if kind == "markdown":
            items.append(("html", parse_html(clean_html(_markdown_html(_source(cell.get("source", "")))))))
        elif kind == "code":
            for out in cell.get("outputs", []):
                items.extend(_output(out, clean_html))
        cells.append((kind, items))
    return cells


def _source(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _output(out: dict, clean) -> list[tuple[str, object]]:
    kind = out.get("output_type")
    if kind == "stream":
        return [("text", _source(out.get("text", "")))]
    if kind == "error":
        return [("text", f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")]
    data = out.get("data", {})
    if "text/html" in data:
        return [("html", parse_html(clean(_source(data["text/html"]))))]
    if "image/png" in data:
        return [("png", base64.b64decode(_source(data["image/png"])))]
    if "text/markdown" in data:
        return [("html", parse_html(clean(_markdown_html(_source(data["text/markdown"])))))]
    if "image/jpeg" in data:
        return [("png", base64.b64decode(_source(data["image/jpeg"])))]
    if "text/plain" in data:
        return [("text", _source(data["text/plain"]))]
    return []


def _wide_cells(cells: list) -> list[bool]:
    """Which cells go on landscape pages: those with a wide table, and the Markdown cell just before each."""
    wide = [any(kind == "html" and any(_columns(t) >= WIDE_COLUMNS for t in _tables(value)) for kind, value in items)
            for _, items in cells]
    for i in range(1, len(cells)):
        if wide[i] and cells[i - 1][0] == "markdown":
            wide[i - 1] = True
    return wide


# ----------------------------------------------------------------------------------------------------------------
# Writing the Word document.

class _Writer:
    def __init__(self, theme: Theme, title: str):
        from docx import Document
        from docx.shared import Pt, RGBColor

        self.theme, self.title = theme, title
        self.doc = Document()
        self.landscape = False
        self.doc.core_properties.title = title
        self.doc.core_properties.author = theme.name or "sroi"
        self.doc.core_properties.comments = f"Made by sroi from the report notebook; an editable copy of {HTML_FILE}."
        normal = self.doc.styles["Normal"]
        normal.font.name = theme.first_font("body")
        normal.font.size = Pt(BODY_PT)
        normal.font.color.rgb = RGBColor.from_string(theme.rgb("text").upper())
        _east_asian_font(normal, theme.first_font("body"))
        for level in range(1, 5):
            style = self.doc.styles[f"Heading {level}"]
            style.font.name = theme.first_font("headings")
            style.font.color.rgb = RGBColor.from_string(theme.rgb("headings").upper())
            _east_asian_font(style, theme.first_font("headings"))
        self._page(self.doc.sections[0], landscape=False)
        self._header_footer(self.doc.sections[0])

    # -- pages
    def _page(self, section, landscape: bool) -> None:
        from docx.enum.section import WD_ORIENT
        from docx.shared import Cm

        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        width, height = (PAGE_HEIGHT_CM, PAGE_WIDTH_CM) if landscape else (PAGE_WIDTH_CM, PAGE_HEIGHT_CM)
        section.page_width, section.page_height = Cm(width), Cm(height)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(MARGIN_CM))
        section.header_distance = section.footer_distance = Cm(1.0)

    def _header_footer(self, section) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
        from docx.shared import Cm, Pt, RGBColor

        grey = RGBColor(0x55, 0x55, 0x55)
        head = section.header.paragraphs[0]
        head.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT)
        run = head.add_run(self.title + (f"\t{self.theme.name}" if self.theme.name else ""))
        run.font.size, run.font.color.rgb = Pt(8), grey
        foot = section.footer.paragraphs[0]
        foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for piece in ("Page ", "PAGE", " of ", "NUMPAGES"):
            if piece.isupper():
                _field(foot, piece)
            else:
                run = foot.add_run(piece)
                run.font.size, run.font.color.rgb = Pt(8), grey

    def orientation(self, landscape: bool) -> None:
        from docx.enum.section import WD_SECTION

        if landscape == self.landscape:
            return
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self._page(section, landscape)
        self.landscape = landscape

    def text_width_cm(self) -> float:
        return (PAGE_HEIGHT_CM if self.landscape else PAGE_WIDTH_CM) - 2 * MARGIN_CM

    # -- content
    def masthead(self) -> None:
        from docx.shared import Cm, Pt, RGBColor

        if self.theme.logo is None and not self.theme.name:
            return
        para = self.doc.add_paragraph()
        if self.theme.logo is not None:
            para.add_run().add_picture(io.BytesIO(self.theme.logo), height=Cm(1.6))
            para.add_run("   ")
        if self.theme.name:
            run = para.add_run(self.theme.name)
            run.font.size = Pt(14)
            run.font.name = self.theme.first_font("headings")
            run.font.color.rgb = RGBColor.from_string(self.theme.rgb("headings").upper())

    def picture(self, data: bytes) -> None:
        from docx.shared import Cm

        try:
            shape = self.doc.add_picture(io.BytesIO(data))
        except Exception:  # noqa: BLE001 - a picture Word cannot take is left out, with a line saying so
            self.doc.add_paragraph(f"[a picture that cannot be put in a Word document: see {HTML_FILE}]")
            return
        widest = Cm(self.text_width_cm())
        if shape.width > widest:
            shape.height = int(shape.height * widest / shape.width)
            shape.width = widest

    def plain(self, text: str) -> None:
        from docx.shared import Pt

        text = text.rstrip("\n")
        if not text.strip():
            return
        para = self.doc.add_paragraph()
        run = para.add_run(text)
        run.font.name = "Courier New"
        run.font.size = Pt(8)

    def blocks(self, node: Node, container=None, style: str | None = None) -> None:
        """Write a node's children as paragraphs, headings, lists, quotes and tables in ``container``."""
        container = self.doc if container is None else container
        inline: list = []

        def flush():
            if inline:
                self._paragraph(container, inline, style)
                inline.clear()

        for child in node.children:
            if isinstance(child, str) or (child.tag not in _BLOCK and child.tag not in _SKIP):
                inline.append(child)
                continue
            flush()
            tag = child.tag
            if tag in _SKIP:
                continue
            if re.fullmatch(r"h[1-6]", tag):
                text = child.text()
                if text:
                    heading = container.add_paragraph(text, style=f"Heading {min(int(tag[1]), 4)}")
                    heading.paragraph_format.keep_with_next = True
            elif tag in ("ul", "ol"):
                for item in child.children:
                    if isinstance(item, Node) and item.tag == "li":
                        self.blocks(item, container, "List Bullet" if tag == "ul" else "List Number")
            elif tag == "blockquote":
                self.blocks(child, container, "Quote")
            elif tag == "pre":
                self._paragraph(container, [child], style, code=True)
            elif tag == "table":
                self.table(child, container)
            elif tag == "hr":
                continue
            else:  # p, div, li, header, section...: its own content, in the style in force
                self.blocks(child, container, style)
        flush()

    def _paragraph(self, container, inline: list, style: str | None, code: bool = False) -> None:
        runs = []
        _inline_runs(inline, frozenset({"code"} if code else ()), runs)
        runs = _tidy(runs, keep_spaces=code)
        if not runs:
            return
        para = container.add_paragraph(style=style) if style else container.add_paragraph()
        for text, fmt in runs:
            _add_run(para, text, fmt)

    def table(self, node: Node, container=None) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.shared import Pt

        container = self.doc if container is None else container
        rows = _rows(node)
        width = _columns(node)
        if not rows or not width:
            return
        if container is not self.doc:  # a table inside a table cell: its text, row by row
            for row in rows:
                container.add_paragraph(" · ".join(c.text() for c in row))
            return
        heads = _head_rows(node)
        size = Pt(WIDE_TABLE_PT if width >= WIDE_COLUMNS else TABLE_PT)
        table = self.doc.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        for r, (cells, row) in enumerate(zip(rows, table.rows)):
            word_cells = row.cells
            if r < heads:
                _repeat_header(row)
            col = 0
            for cell in cells:
                if col >= width:
                    break
                span = min(_span(cell), width - col)
                target = word_cells[col]
                if span > 1:
                    target = target.merge(word_cells[col + span - 1])
                para = target.paragraphs[0]
                for text, fmt in _tidy(_runs_of(cell), keep_spaces=False):
                    run = _add_run(para, text, fmt | ({"bold"} if cell.tag == "th" else set()))
                    run.font.size = size
                if r < heads:
                    _shade(target, self.theme.rgb("table_header"))
                col += span
        _set_widths(table, column_widths(_cell_texts(rows, width), size.pt, self.text_width_cm()))
        self.doc.add_paragraph()


def _cell_texts(rows: list[list[Node]], width: int) -> list[list[str | None]]:
    """Each row's cell texts by column, as :func:`column_widths` takes them (None under a spanning cell)."""
    out = []
    for cells in rows:
        row: list[str | None] = []
        for cell in cells:
            span = _span(cell)
            row += [cell.text()] if span == 1 else [None] * span
        out.append((row + [None] * width)[:width])
    return out


def _set_widths(table, widths_cm: list[float]) -> None:
    """Give a Word table fixed column widths (its grid and every cell's width; a merged cell gets the sum of the
    columns it spans), so Word and LibreOffice lay it out as :func:`column_widths` worked out."""
    from docx.shared import Cm

    table.autofit = False  # w:tblLayout fixed: the widths below are kept, not worked out again from the text
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)
    for tr in table._tbl.tr_lst:
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tc.width = Cm(sum(widths_cm[col:col + span]))
            col += span


def _runs_of(node: Node) -> list:
    runs: list = []
    _inline_runs(node.children, frozenset(), runs)
    return runs


def _inline_runs(items, fmt: frozenset, out: list) -> None:
    """(text, format) pieces of inline content; ``<br>`` as a line break; links keep their text (and show an
    address that differs from it)."""
    for item in items:
        if isinstance(item, str):
            out.append((item, fmt))
        elif item.tag == "br":
            out.append(("\n", fmt))
        elif item.tag in _SKIP or _anchor_link(item):
            continue
        elif item.tag == "a":
            before = len(out)
            _inline_runs(item.children, fmt, out)
            href = item.attrs.get("href", "")
            shown = "".join(t for t, _ in out[before:]).strip()
            if href.startswith(("http://", "https://")) and href != shown:
                out.append((f" ({href})", fmt))
        else:
            extra = _INLINE_FORMAT.get(item.tag)
            _inline_runs(item.children, fmt | {extra} if extra else fmt, out)


def _tidy(runs: list, keep_spaces: bool) -> list:
    """Collapse whitespace across runs (as a browser does), drop empty runs, trim the paragraph's ends."""
    if keep_spaces:
        text_runs = [(t, f) for t, f in runs if t]
    else:
        text_runs, space = [], True
        for text, fmt in runs:
            if text == "\n":
                text_runs.append(("\n", fmt))
                space = True
                continue
            text = re.sub(r"\s+", " ", text)
            if space:
                text = text.lstrip(" ")
            if text:
                text_runs.append((text, fmt))
                space = text.endswith(" ")
    while text_runs and not text_runs[-1][0].strip():
        text_runs.pop()
    if text_runs:
        text_runs[-1] = (text_runs[-1][0].rstrip(" ") if not keep_spaces else text_runs[-1][0].rstrip("\n"),
                         text_runs[-1][1])
    return text_runs


def _add_run(para, text: str, fmt):
    from docx.enum.text import WD_BREAK

    pieces = text.split("\n")
    run = None
    for i, piece in enumerate(pieces):
        run = para.add_run(piece)
        run.bold = "bold" in fmt or None
        run.italic = "italic" in fmt or None
        run.underline = "underline" in fmt or None
        if "strike" in fmt:
            run.font.strike = True
        if "sub" in fmt:
            run.font.subscript = True
        if "sup" in fmt:
            run.font.superscript = True
        if "code" in fmt:
            run.font.name = "Courier New"
        if i < len(pieces) - 1:
            run.add_break(WD_BREAK.LINE)
    return run


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) in a paragraph; Word fills it in."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), str(int(Pt(8).pt * 2)))
    props.append(size)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def _shade(cell, rgb: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), rgb.upper())
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _east_asian_font(style, name: str) -> None:
    """Set the font for every script, so Word does not fall back to its theme font."""
    from docx.oxml.ns import qn

    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def write_docx(notebook: str | Path, docx: str | Path, *, theme: Theme | None = None, title: str = "") -> Path:
    """Write the executed report notebook as an editable Word document (see the module notes).

    Parameters
    ----------
    notebook : str or Path
        The executed notebook (``report.ipynb``).
    docx : str or Path
        Where to write the Word file.
    theme : Theme, optional
        The council's theme (the neutral default when None).
    title : str
        The contract's title: the header of every page and the document's title.
    """
    import json

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    writer = _Writer(DEFAULT_THEME if theme is None else theme, title)
    writer.masthead()
    cells = _blocks(nb)
    for (kind, items), wide in zip(cells, _wide_cells(cells)):
        if not items:
            continue
        writer.orientation(wide)
        for what, value in items:
            if what == "html":
                writer.blocks(value)
            elif what == "png":
                writer.picture(value)
            else:
                writer.plain(value)
    writer.doc.save(str(docx))
    return Path(docx)
