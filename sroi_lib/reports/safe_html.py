"""An allow-list HTML sanitiser for what a published report shows from its notebook (defence in depth).

Every string that comes from a file is already escaped where it is shown
(:mod:`sroi_lib.views.tables`; pandas escapes table cells); this sanitiser is the
second wall. :func:`clean_html` keeps only the tags and attributes that the
report's headings, paragraphs and tables use, and escapes everything else so
that it shows as text: a ``<script>`` element, an ``on*=`` event handler, an
``<img>``, ``<iframe>`` or ``<form>``, and any link that is not ``http``,
``https``, ``mailto`` or an anchor in the page (so no ``javascript:`` or
``data:`` URL) cannot survive it.

The rule follows the OWASP XSS Prevention Cheat Sheet (rule 6: sanitise HTML
that must stay HTML with a library built for it, by allow-list), using bleach
(html5lib's parser, the sanitiser nbconvert itself uses; it comes with
nbconvert, so no new dependency). :func:`safe_html_exporter` makes nbconvert's
``HTMLExporter`` (imported only when asked) with its ``sanitize_html`` switch on and this allow-list in
place of nbconvert's own, narrower one (which would escape the report's
``<thead>``, ``<th>`` and ``<h2>`` and so change how the report looks).
"""

from __future__ import annotations

__all__ = ["ALLOWED_TAGS", "ALLOWED_ATTRIBUTES", "ALLOWED_PROTOCOLS", "ALLOWED_CSS", "clean_html",
           "safe_html_exporter"]

#: Formatting and table tags only: nothing that runs code, loads a resource or takes input.
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "small", "span", "strong",
    "style", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})

#: Attributes kept, per tag (``*``: any allowed tag). No ``on*`` handler, no ``src``, no ``srcdoc``.
ALLOWED_ATTRIBUTES = {
    "*": ["class", "id", "title"],
    "a": ["href", "title", "class", "id", "target", "rel"],
    "table": ["border", "class"],
    "tr": ["style"],
    "th": ["style", "colspan", "rowspan"],
    "td": ["style", "colspan", "rowspan"],
    "style": ["scoped"],
}

#: Link schemes kept; a link without a scheme (``#anchor``) is kept too.
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

#: CSS properties kept in ``style="..."`` attributes (what pandas writes on table rows).
ALLOWED_CSS = frozenset({"text-align", "vertical-align", "font-weight", "white-space"})


def _cleaner():
    from bleach.css_sanitizer import CSSSanitizer
    from bleach.sanitizer import Cleaner

    return Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS,
                   strip=False, strip_comments=True,
                   css_sanitizer=CSSSanitizer(allowed_css_properties=ALLOWED_CSS))


_CLEANER = None


def clean_html(fragment) -> str:
    """An HTML fragment with every tag, attribute and link not on the allow-list escaped or removed.

    Tags not in :data:`ALLOWED_TAGS` are escaped (shown as text, so an attempt
    is visible rather than silently dropped); attributes not in
    :data:`ALLOWED_ATTRIBUTES` are removed; an ``href`` whose scheme is not in
    :data:`ALLOWED_PROTOCOLS` is removed (the link text stays); HTML comments
    are removed.

    >>> clean_html('<p onclick="x()">Hi <script>alert(1)</script></p>')
    '<p>Hi &lt;script&gt;alert(1)&lt;/script&gt;</p>'
    >>> clean_html('<a href="javascript:alert(1)">click</a> <a href="#top">top</a>')
    '<a>click</a> <a href="#top">top</a>'
    """
    global _CLEANER
    if _CLEANER is None:
        _CLEANER = _cleaner()
    text = fragment.decode("utf-8") if isinstance(fragment, bytes) else str(fragment)
    return _CLEANER.clean(text)


def _safe_exporter_class():
    from nbconvert import HTMLExporter

    class _SafeHTMLExporter(HTMLExporter):
        """nbconvert's HTML exporter with sanitising on and :func:`clean_html` as its ``clean_html`` filter."""

        def default_filters(self):
            for name, function in super().default_filters():
                yield name, (clean_html if name == "clean_html" else function)

    return _SafeHTMLExporter


def safe_html_exporter(**kwargs):
    """An nbconvert ``HTMLExporter`` that passes Markdown cells, HTML and Markdown outputs through :func:`clean_html`.

    With ``sanitize_html=True`` nbconvert's lab template sends Markdown cells,
    ``text/html`` and ``text/markdown`` outputs and inline SVG through its
    ``clean_html`` filter, and leaves out ``application/javascript`` outputs;
    this exporter puts :func:`clean_html` in that filter's place. Keyword
    arguments go to ``HTMLExporter``.
    """
    return _safe_exporter_class()(sanitize_html=True, **kwargs)
