"""Where sroi finds its shipped data (proxies, reference tables, frameworks), its notebooks and its reports;
and how it reads text and YAML files safely.

The data folder sits beside the package in the repository (``data/``). Set the
environment variable ``SROI_DATA_DIR`` to use another copy, for example a
council's own reviewed release of the reference tables.

Text files (:func:`decode_text`): a byte-order mark is obeyed (UTF-8, UTF-16,
UTF-32); without one the bytes must be UTF-8, or, for CSV files only,
Windows-1252 (Excel's plain "CSV") with every byte defined. Anything else is
refused ("is not saved as UTF-8"), never decoded with replacement characters.

YAML files (:func:`read_yaml`, used for parameters, deflators, discount
schedules and frameworks) are read with PyYAML's safe loader and these guards,
each refused with the file and line named (docs/limits.md):

* at most :data:`MAX_YAML_BYTES` (1 MB), asked of the file system first;
* the text rule above (no Windows-1252: YAML is UTF-8 by its specification);
* nesting at most :data:`MAX_YAML_DEPTH` (50) levels, counted from the parser's
  events before anything is built (deeper nesting would exhaust Python's stack);
* at most :data:`MAX_YAML_NODES` (100,000) values once aliases are expanded, so
  an "alias bomb" (aliases of aliases, each doubling the size) is refused
  before anything walks it;
* a key given twice in one mapping is refused, naming both lines (YAML would
  silently keep the last);
* a file that is not valid YAML is refused naming the line and, where it can
  be found from the text (:func:`key_at_line`), the key the line is under.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from pathlib import Path

import yaml

from .errors import InputError, Problem

__all__ = ["data_dir", "reference_file", "read_yaml", "parse_yaml", "reports_dir", "notebooks_dir", "decode_text",
           "binary_kind", "key_at_line", "NOT_UTF8", "MAX_YAML_BYTES", "MAX_YAML_DEPTH", "MAX_YAML_NODES", "megabytes"]

MAX_YAML_BYTES = 1024 * 1024


def megabytes(size: int, limit: int | None = None) -> str:
    """A size in megabytes for messages (1 MB = 1,048,576 bytes): ``52428800`` → ``"50 MB"``.

    Three significant figures below 10 MB, whole megabytes above. When the
    size is compared with a ``limit`` it exceeds, more figures are shown until
    the two differ ("1.05 MB, larger than the 1 MB"), and the exact bytes when
    even that would not tell them apart.
    """
    def shown(n: int, digits: int) -> str:
        mb = n / (1024 * 1024)
        return f"{mb:,.{digits}g} MB" if n < 10 * 1024 * 1024 else f"{mb:,.{digits - 3}f} MB"

    if limit is not None and size != limit:
        for digits in (3, 4, 5, 6):
            if shown(size, digits) != shown(limit, digits):
                return shown(size, digits)
        return f"{size:,} bytes"
    return shown(size, 3)
MAX_YAML_DEPTH = 50
MAX_YAML_NODES = 100_000
NOT_UTF8 = "is not saved as UTF-8 (it looks like Windows-1252 or Latin-1 text)"

_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def binary_kind(head: bytes) -> str | None:
    """What a file that should be text really is, from its first bytes; None when it may be text.

    Examples
    --------
    >>> binary_kind(b"PK\\x03\\x04...")
    'an Excel workbook or other ZIP file'
    >>> binary_kind(b"stakeholder,outcome") is None
    True
    """
    if head.startswith(b"PK\x03\x04"):
        return "an Excel workbook or other ZIP file"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an old Excel .xls workbook or a password-protected workbook"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    for magic, kind in ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
                        (b"\x1f\x8b", "a gzip-compressed file"), (b"7z\xbc\xaf", "a 7-Zip archive")):
        if head.startswith(magic):
            return kind
    return None


def decode_text(data: bytes, label: str, *, what: str = "file", windows_1252: bool = False) -> str:
    """Decode a text file by the rule of this module; returns the text without its byte-order mark.

    Parameters
    ----------
    data : bytes
        The whole file.
    label : str
        The file as the user named it, for messages.
    what : str
        What the file is, for messages ("CSV file", "parameters file").
    windows_1252 : bool
        Accept Windows-1252 text without a byte-order mark (CSV files only).

    Raises
    ------
    InputError
        For binary data, undecodable bytes or a NUL character (naming its line).
    """
    text = None
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(Problem(
                    f"starts with the mark of {name} text but is damaged after byte {exc.start + len(bom):,}",
                    file=label, fix=f"Save the {what} again as UTF-8.")) from None
            break
    if text is None:
        kind = binary_kind(data[:16])
        if kind:
            raise InputError(Problem(f"is not a text {what}: it is {kind}", file=label,
                                     fix=_binary_fix(kind, what)))
        if _looks_utf16_without_mark(data):
            raise InputError(Problem("is saved as UTF-16 text without the mark that says so", file=label,
                                     fix=f"Save the {what} as UTF-8 (in Excel: 'CSV UTF-8')."))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if not windows_1252:
                raise InputError(Problem(f"{NOT_UTF8}, at line {_line_of(data, exc.start)}", file=label,
                                         fix="Save it as UTF-8.")) from None
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc2:
                raise InputError(Problem(
                    f"{NOT_UTF8}, and byte {data[exc2.start]:02X} at line {_line_of(data, exc2.start)} is not a "
                    "Windows-1252 character either", file=label,
                    fix="Save it as UTF-8 (in Excel: 'CSV UTF-8').")) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise InputError(Problem(f"holds a NUL character (a zero byte) at line {line}, which no text {what} holds",
                                 file=label, fix=f"Export the {what} again from the program that made it."))
    return text


def _binary_fix(kind: str, what: str) -> str:
    if "Excel" in kind or "workbook" in kind:
        return "If it is an Excel workbook, name it .xlsx (or save it as .xlsx); otherwise export it as CSV."
    return f"Give the {what} itself, saved as text (CSV or YAML)."


def _looks_utf16_without_mark(data: bytes) -> bool:
    """Text of ASCII characters saved as UTF-16 has a zero byte in every other place."""
    sample = data[:4096]
    if len(sample) < 8:
        return False
    odd, even = sample[1::2], sample[0::2]
    return odd.count(0) > 0.8 * len(odd) or even.count(0) > 0.8 * len(even)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1



def data_dir() -> Path:
    """The data folder: ``$SROI_DATA_DIR`` if set, else ``data/`` in the repository."""
    override = os.environ.get("SROI_DATA_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "data"


def reference_file(name: str) -> Path:
    """A file in ``data/reference/``."""
    return data_dir() / "reference" / name


def read_yaml(path: str | Path, what: str):
    """Read a YAML file with the safe loader and the guards of this module's docstring.

    ``what`` names the file for the message, e.g. ``"deflator file"``.

    Raises
    ------
    InputError
        When the file is missing, too large, not UTF-8 text, not valid YAML,
        too deeply nested, too large once its aliases are expanded, or gives a
        key twice.
    """
    path = Path(path)
    label = str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError(Problem(f"is a folder, not the {what}", file=label, fix=f"Give the path of the {what}."))
        if not stat.S_ISREG(info.st_mode):
            raise InputError(Problem("is not an ordinary file (it is a device, pipe or other special file)",
                                     file=label, fix=f"Give the path of the {what}."))
        if info.st_size > MAX_YAML_BYTES:
            raise InputError(Problem(f"is {megabytes(info.st_size, MAX_YAML_BYTES)}, larger than the "
                                     f"{megabytes(MAX_YAML_BYTES)} sroi reads for a {what}", file=label,
                                     fix=f"Check that this is the {what} (see docs/limits.md)."))
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: the {what} was not found.") from None
    except PermissionError:
        raise InputError(Problem(f"the {what} cannot be opened (permission denied)", file=label)) from None
    except OSError as exc:
        raise InputError(Problem(f"the {what} cannot be read ({exc.strerror or exc})", file=label)) from None
    return parse_yaml(decode_text(data, label, what=what), label, what)


def parse_yaml(text: str, label: str, what: str = "YAML file"):
    """Parse YAML text with the guards of this module's docstring (see :func:`read_yaml`).

    ``label`` names the file in messages. Use it for YAML already read as text.
    """
    try:
        try:
            return _load(text, label, fast=FAST_YAML)
        except yaml.YAMLError:
            if not FAST_YAML:
                raise
            # Read again with the pure-Python parser, whose messages and marks the problem below is worded from.
            return _load(text, label, fast=False)
    except _DuplicateKey as dup:
        raise InputError(Problem(f"gives the key '{dup.key}' twice (lines {dup.first} and {dup.second}); YAML would "
                                 "silently keep the second", file=label, row=dup.second, column=str(dup.key),
                                 fix="Keep one of them.")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, start = getattr(exc, "context", None) or "", getattr(exc, "context_mark", None)
        opened = next((words for kind, words in _OPENED.items() if context.startswith(kind)), None)
        fix = "Check the indentation and the colons on that line."
        if opened and start is not None:  # the quote or bracket opened there is the place to look, not where it broke
            problem, mark = f"{opened[0]} on this line is not closed: {problem}", start
            fix = f"Close {opened[1]}, or put the whole text in quotation marks."
        line = mark.line + 1 if mark else None
        raise InputError(Problem(f"the {what} is not valid YAML ({problem})", file=label, row=line,
                                 column=key_at_line(text, line) if line else None, fix=fix)) from None
    except RecursionError:  # pragma: no cover - _check_depth refuses deep nesting first
        raise InputError(Problem(f"the {what} is nested too deeply", file=label)) from None


# The errors PyYAML reports where a quoted text or a bracket breaks, though it was opened earlier (its context).
_OPENED = {"while scanning a quoted scalar": ("the quoted text opened", "it with its quotation mark"),
           "while parsing a flow sequence": ("the list opened with [", "it with ]"),
           "while parsing a flow mapping": ("the mapping opened with {", "it with }")}
_KEY_LINE = re.compile(r"^(\s*)(?:-\s+)*(['\"]?)([^'\"#:\s][^#:]*?)\2\s*:(\s|$)")


def key_at_line(text: str, line: int) -> str | None:
    r"""The key a YAML line is under, as its path (``uncertainty → sensitivity → value``), found from the text
    alone (for a file that does not parse): the key on the line itself, if any, then each key above it that is
    indented less. None when no key is found.

    Examples
    --------
    >>> key_at_line("uncertainty:\n  sensitivity:\n    quantity: 25%\n   value: 10%\n", 4)
    'uncertainty → sensitivity → value'
    """
    lines = text.splitlines()[:line]
    path: list[str] = []
    limit = None  # keys above must be indented less than this
    for raw in reversed(lines):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        m = _KEY_LINE.match(raw)
        indent = m.start(2) if m else len(raw) - len(raw.lstrip(" \t"))  # a list item's key: where the key starts
        if m and (limit is None or indent < limit):
            path.insert(0, m.group(3).strip())
            limit = indent
        elif limit is None:
            limit = indent + 1  # the broken line holds no key: the keys above it hold it
        if limit == 0:
            break
    return " → ".join(path) or None


def _load(text: str, label: str, *, fast: bool):
    """The guarded read of :func:`parse_yaml`, with libyaml's parser (``fast``) or the pure-Python one.

    Both give the same values: the constructor and the resolver are PyYAML's own either way; only the parsing
    of the text is done in C, about ten times quicker. A file that does not parse is read again with the
    pure-Python parser, so a problem is always worded the same way.
    """
    _check_depth(text, label, fast=fast)
    loader = (_FastGuardedLoader if fast else _GuardedLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node, label)
        return loader.construct_document(node)
    finally:
        loader.dispose()


#: libyaml's parser, when PyYAML was built with it (the wheels on PyPI are): :func:`parse_yaml` parses with it and
#: falls back to the pure-Python parser for a file that does not parse. :func:`compose_lines` uses it too.
FAST_YAML = bool(getattr(yaml, "__with_libyaml__", False))
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose_node(data):
    """The YAML node graph of ``data`` (bytes or text; aliases not expanded), parsed by libyaml when it is there,
    for finding the line of each key. Raises ``yaml.YAMLError`` for text that does not parse."""
    return yaml.compose(data, Loader=_FAST_LOADER)


class _DuplicateKey(Exception):
    def __init__(self, key, first: int, second: int):
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


class _RefuseDuplicateKeys:
    """A safe loader's mapping constructor that refuses a key given twice in one mapping (merge keys ``<<``
    excepted)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                    continue
                key, line = self.construct_object(key_node, deep=True), key_node.start_mark.line + 1
                try:
                    if key in seen:
                        raise _DuplicateKey(key, seen[key], line)
                    seen[key] = line
                except TypeError:  # an unhashable key: the safe loader itself refuses it
                    continue
        return super().construct_mapping(node, deep=deep)


class _GuardedLoader(_RefuseDuplicateKeys, yaml.SafeLoader):
    """The safe loader (pure Python), refusing a key given twice."""


class _FastGuardedLoader(_RefuseDuplicateKeys, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader with libyaml's parser, refusing a key given twice."""


def _check_depth(text: str, label: str, *, fast: bool = False) -> None:
    """Refuse nesting deeper than MAX_YAML_DEPTH, from the parser's events (nothing is built)."""
    depth = 0
    for event in yaml.parse(text, Loader=_FAST_LOADER if fast else yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise InputError(Problem(f"is nested more than {MAX_YAML_DEPTH} levels deep, more than any sroi file "
                                         "needs", file=label, row=event.start_mark.line + 1,
                                         fix="Check the file: lists and mappings nest only a few levels."))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _check_size(root, label: str) -> None:
    """Refuse a document of more than MAX_YAML_NODES values once aliases are expanded (an "alias bomb")."""
    sizes: dict[int, int] = {}

    def size(node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = MAX_YAML_NODES + 1  # a node that contains itself counts as too large
        if isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        else:
            total = 1
        total = min(total, MAX_YAML_NODES + 1)
        sizes[id(node)] = total
        return total

    if size(root) > MAX_YAML_NODES:
        raise InputError(Problem(f"expands to more than {MAX_YAML_NODES:,} values through its aliases (*name), or "
                                 "refers to itself", file=label,
                                 fix="Write the values out, or use fewer aliases (see docs/limits.md)."))


def reports_dir() -> Path:
    """Where report folders are: ``$SROI_REPORTS_DIR`` if set, else ``reports/`` in the repository."""
    override = os.environ.get("SROI_REPORTS_DIR")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "reports"


def notebooks_dir() -> Path:
    """The parameterised notebooks: ``notebooks/`` in the repository."""
    return Path(__file__).resolve().parent.parent / "notebooks"
