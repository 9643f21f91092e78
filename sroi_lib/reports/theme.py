"""A council's theme for its reports: name, logo, colours and fonts, from a small YAML file.

A theme styles the report's HTML, its PDF (printed from the HTML) and its Word
copy. It is given by the parameters' ``theme:`` key (a path relative to the
parameters file) or by ``--theme FILE`` on ``sroi run`` and ``sroi batch``
(which wins over the parameters'). Without one the neutral
:data:`DEFAULT_THEME` is used; ``data/themes/default.yaml`` holds the same
values, with a comment on every key, to copy as a council's starting point::

    name: Example Borough Council      # shown beside the logo and at the top right of each printed page
    logo: example-crest.png            # PNG or JPEG, relative to this file; leave out for none
    colours:
      headings: "#1f3a5f"              # every colour is #RGB or #RRGGBB
      text: "#1f1f1f"
      accent: "#2a6f97"                # links and the rule under the masthead
      table_header: "#e8eef4"          # the background of table headings
    fonts:
      body: Arial, Helvetica, sans-serif
      headings: Georgia, serif         # Word uses the first font named

Each key may be left out (the default's value is used). A theme file is
refused, naming the file and the key, when it holds a key sroi does not know,
a colour that is not ``#RGB`` or ``#RRGGBB``, a font name with characters other
than letters, digits, spaces and hyphens, or a logo that is missing, is not a
PNG or JPEG file, or is larger than :data:`MAX_LOGO_BYTES`.

The logo is embedded by the exporters themselves (a ``data:`` URI in the HTML,
a picture in Word), after the report's own content has been through the
sanitiser (:mod:`~sroi_lib.reports.safe_html`), never through its allow-list,
which still refuses every ``<img>`` and ``data:`` URL in the notebook's output.
The theme file is an input of the report: the manifest records its sha256, and
``sroi audit`` re-makes the HTML with it.
"""

from __future__ import annotations

import base64
import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from ..core.quoting import shown
from ..errors import InputError, Problem
from ..paths import data_dir, read_yaml

__all__ = ["Theme", "DEFAULT_THEME", "load_theme", "default_theme_file", "MAX_LOGO_BYTES", "COLOUR_KEYS",
           "FONT_KEYS", "css_string"]

MAX_LOGO_BYTES = 2 * 1024 * 1024  # a logo is tens of kilobytes; a larger file would bloat every report
COLOUR_KEYS = ("headings", "text", "accent", "table_header")
FONT_KEYS = ("body", "headings")
TOP_KEYS = ("name", "logo", "colours", "fonts")
MAX_NAME = 200
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z")
_FAMILY = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]{0,59}\Z")
_IMAGE_KINDS = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


@dataclass(frozen=True)
class Theme:
    """A checked theme. ``logo`` is the logo's bytes (PNG or JPEG) and ``logo_type`` its media type."""

    name: str = ""
    colours: dict = field(default_factory=lambda: {"headings": "#1f2933", "text": "#1f1f1f", "accent": "#3e6d8e",
                                                   "table_header": "#eef1f4"})
    fonts: dict = field(default_factory=lambda: {"body": "Arial, Helvetica, Liberation Sans, sans-serif",
                                                 "headings": "Arial, Helvetica, Liberation Sans, sans-serif"})
    logo: bytes | None = None
    logo_type: str | None = None
    path: Path | None = None  # the theme file; None for the default
    logo_path: Path | None = None  # the logo's file; None without a logo

    def logo_data_uri(self) -> str | None:
        """The logo as a ``data:`` URI for the HTML (None without a logo)."""
        if self.logo is None:
            return None
        return f"data:{self.logo_type};base64,{base64.b64encode(self.logo).decode('ascii')}"

    def first_font(self, key: str) -> str:
        """The first family named for ``key`` (what Word can use)."""
        return self.fonts[key].split(",")[0].strip()

    def rgb(self, key: str) -> str:
        """A colour as six hexadecimal digits, ``#abc`` written out as ``aabbcc``."""
        value = self.colours[key].lstrip("#")
        return "".join(c * 2 for c in value) if len(value) == 3 else value


DEFAULT_THEME = Theme()


def default_theme_file() -> Path:
    """The shipped default theme, with a comment on every key: a council's starting point."""
    return data_dir() / "themes" / "default.yaml"


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: quotes, backslashes, line breaks and ``<`` written as CSS escapes, so it can
    neither end the string nor close the ``<style>`` element it sits in.

    >>> print(css_string('A "B" </style>'))
    "A \\22 B\\22  \\3c /style\\3e "
    """
    out = []
    for ch in text:
        if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _lines(path: Path) -> dict[tuple, int]:
    """The line of each key (1-based), top-level as ``(key,)`` and nested as ``(section, key)``."""
    try:
        node = yaml.compose(path.read_bytes(), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError, OSError):
        return {}
    found = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                found[(k.value,)] = k.start_mark.line + 1
                if isinstance(v, yaml.MappingNode):
                    for k2, _ in v.value:
                        if isinstance(k2, yaml.ScalarNode):
                            found[(k.value, k2.value)] = k2.start_mark.line + 1
    return found


def load_theme(path: str | Path) -> Theme:
    """Read and check a theme file (see the module notes for its keys).

    Raises
    ------
    InputError
        Every problem at once, each naming the file, the key and its line: an unknown key (with the nearest
        known one), a colour that is not ``#RGB`` or ``#RRGGBB``, a font name sroi will not put in a style
        sheet, a name that is not text, or a logo that is missing, not a PNG or JPEG, or too large.
    """
    label = str(path)
    p = Path(path)
    raw = read_yaml(p, "theme file")  # a missing file, bad YAML, wrong encoding: named with the file
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError(Problem(f"holds {shown(raw)} instead of 'key: value' lines", file=label,
                                 fix="Write a theme as 'name:', 'logo:', 'colours:' and 'fonts:' lines "
                                     f"(see {default_theme_file().name} in data/themes/)."))
    lines = _lines(p)
    problems: list[tuple[int, Problem]] = []

    def add(keys: tuple, message: str, fix: str) -> None:
        line = lines.get(tuple(str(k) for k in keys))
        problems.append((line or 0, Problem(message, file=label, row=line, column=".".join(str(k) for k in keys),
                                            fix=fix)))

    def unknown(keys: tuple, known: tuple) -> None:
        close = difflib.get_close_matches(str(keys[-1]).lower().replace(" ", "_"), known, n=1, cutoff=0.6)
        add(keys, "is not a theme key sroi knows",
            f"Did you mean '{close[0]}'?" if close else f"Known keys here: {', '.join(known)}.")

    for key in raw:
        if key not in TOP_KEYS:
            unknown((key,), TOP_KEYS)
    theme = DEFAULT_THEME
    name = raw.get("name")
    if name is not None:
        if not isinstance(name, str) or isinstance(name, bool):
            add(("name",), f"{shown(name)} is not text", "Give the council's name, e.g. 'name: Example Council'.")
        elif len(name) > MAX_NAME or any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in name):
            add(("name",), f"must be one line of at most {MAX_NAME} characters", "Shorten it to the council's name.")
        else:
            theme = replace(theme, name=name.strip())
    for section, known, check in (("colours", COLOUR_KEYS, _colour_problem), ("fonts", FONT_KEYS, _font_problem)):
        given = raw.get(section)
        if given is None:
            continue
        if not isinstance(given, dict):
            add((section,), f"{shown(given)} is not a set of 'key: value' lines",
                f"Give {section} as indented lines: {', '.join(known)}.")
            continue
        values = dict(getattr(theme, section))
        for key, value in given.items():
            if key not in known:
                unknown((section, key), known)
                continue
            why = check(value)
            if why:
                add((section, key), why[0], why[1])
            else:
                values[key] = value.strip()
        theme = replace(theme, **{section: values})
    logo = raw.get("logo")
    if logo is not None:
        found = _logo(p, logo)
        if isinstance(found, tuple) and isinstance(found[0], bytes):
            theme = replace(theme, logo=found[0], logo_type=found[1], logo_path=p.resolve().parent / logo.strip())
        else:
            add(("logo",), *found)
    if problems:
        raise InputError([problem for _, problem in sorted(problems, key=lambda found: found[0])])
    return replace(theme, path=p.resolve())


def _colour_problem(value) -> tuple[str, str] | None:
    if isinstance(value, str) and _COLOUR.match(value.strip()):
        return None
    return (f"{shown(value)} is not a colour sroi reads",
            "Write a colour as '#' and six hexadecimal digits in quotes, e.g. \"#1f3a5f\" (or three, \"#148\").")


def _font_problem(value) -> tuple[str, str] | None:
    if isinstance(value, str) and value.strip() and all(_FAMILY.match(f.strip()) for f in value.split(",")):
        return None
    return (f"{shown(value)} is not a list of font names sroi uses",
            "Name fonts with letters, digits, spaces and hyphens, separated by commas, e.g. 'Arial, sans-serif'.")


def _logo(theme_file: Path, value) -> tuple:
    """The logo's (bytes, media type), or the (message, fix) saying why it cannot be used."""
    if not isinstance(value, str) or isinstance(value, bool) or not value.strip():
        return (f"{shown(value)} is not a file name", "Give the logo's file, relative to the theme file, "
                                                      "e.g. 'logo: crest.png'; or leave the key out.")
    target = theme_file.resolve().parent / value.strip()
    fix = "Put the logo beside the theme file (paths are relative to it), or leave the key out."
    try:
        if not target.is_file():
            return (f"the logo file {shown(value, 200)} was not found (looked for {shown(str(target), 300)})", fix)
        size = target.stat().st_size
        if size > MAX_LOGO_BYTES:
            return (f"the logo file {shown(value, 200)} is {size:,} bytes, more than the "
                    f"{MAX_LOGO_BYTES:,} sroi embeds in a report", "Save a smaller copy of the logo (a few "
                                                                   "hundred pixels wide is enough).")
        data = target.read_bytes()
    except OSError as exc:
        return (f"the logo file {shown(value, 200)} cannot be read ({exc.strerror or exc})", fix)
    for magic, kind in _IMAGE_KINDS:
        if data.startswith(magic):
            return data, kind
    return (f"the logo file {shown(value, 200)} is not a PNG or JPEG picture",
            "Save the logo as PNG (best) or JPEG; SVG and other formats cannot be put in a Word report.")
