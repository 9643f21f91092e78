"""Audit a report folder: re-make the report from its inputs and compare it with the one stored.

A manifest's hashes alone prove nothing: whoever can edit a report can
recompute them. So the audit re-makes the report and compares what it gets
with what is stored:

1. **Inputs.** Every input recorded in ``manifest.json`` is found in the
   checkout the auditor gives (``--checkout``; default: the git top folder of
   the current folder, else the current folder), or in sroi's own data folder
   for shipped reference files, and its sha256 compared with the recorded one.
   The manifest's list of inputs is compared with the files the contract reads
   from the checkout, so an input left out of the manifest is named too.
   A path in the manifest that is absolute or leaves the checkout (``..``, or a
   link pointing outside) is a difference and is never followed; the manifest's
   own idea of where the files were is never used. A report cannot vouch for
   itself: an input inside the report folder is a difference and never used,
   and a checkout that is the report folder or inside it is refused. Every
   file the checkout's contract reads must lie in the checkout (or sroi's data
   folder) and be the very path the manifest names for its role (the
   contract's own files are checked before any is read); otherwise the
   notebook is not re-run.
2. **Git.** The commit the inputs were taken from (recorded at the run) is
   compared with the checkout's, and whether the inputs were committed then is
   stated. An input untracked or modified in a git checkout now is a
   difference: the audit can only vouch for inputs committed there
   (:func:`~sroi_lib.reports.manifest.git_uncommitted`, which runs no
   ``git status``; every git command runs with the repository's helpers off).
3. **Re-run.** The notebook is executed again from the checkout's parameters
   file in a temporary folder, and its HTML made again with the same
   :func:`~sroi_lib.reports.runner.export_html`. Then, against the stored files:
   ``results.json`` figure by figure (numbers to one part in a billion), by
   exact structure (a key written with dots is not the nested key it imitates;
   a number's type counts);
   ``lines.csv`` byte for byte; ``report.ipynb`` cell by cell (type, source and
   every output: text, HTML, images and output metadata), then the notebook's
   and each cell's metadata; ``report.html`` in full, as written (line endings
   included). A stored JSON file giving a key twice, or a report file that is a
   link, is a difference (:func:`read_stored`). Run stamps are set aside
   first: the injected parameters cell's id, the timings jupyter and papermill
   record, papermill's version and paths, the kernel's Python version, and
   the absolute paths of the parameters file, the checkout and the temporary
   folder (replaced by ``<params_file>``, ``<checkout>`` and ``<out_dir>``).
   The stamps are taken from the stored notebook, which a forger may have
   written, so each must first have the form of a stamp (:func:`run_stamps`):
   a cell id of 1 to 64 letters, digits, ``-`` or ``_`` (nbformat's pattern);
   a path that is absolute and holds no quote, backslash, ``<``, ``>``, line
   break or other control or invisible character, the parameters file's
   ending with its path in the checkout; a time, a number or a version where
   those belong. A stamp that does not fit is a difference, and is not set
   aside, so whatever text it held is compared. The parameters cell itself is
   compared with the one papermill wrote for the audit's own re-run, so a
   stored notebook whose parameters cell runs other code differs.
4. **Hashes.** Each report file is also hashed against the manifest (a quick
   check, which names a file edited without rewriting the manifest). A file in
   the report folder that sroi did not write is a difference; a ``report.pdf``
   or ``report.docx`` is a note (they are copies for reading and editing, and
   are not checked).

The council theme file (logo, colours, fonts) is an input like the others: it
is hashed against the manifest, and the HTML is made again with it. It may
have been given with ``--theme`` rather than by the parameters, so the theme
the manifest names is the one used (found in the checkout); a parameters file
that names a theme the manifest does not list is a difference. The theme's logo
is hashed too (role ``theme_logo``), so a changed logo is named as such; the
theme in the checkout must name the logo the manifest lists.

The verdict is VERIFIED only if nothing differs. The result also says what the
audit does not show (:data:`NOT_SHOWN`).
"""

from __future__ import annotations

import difflib
import json
import math
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import InputError, Problem, RunFailed
from ..paths import data_dir
from .folder import (COPIES, HTML_FILE, LINES_FILE, MANIFEST_FILE, NOTEBOOK_FILE, OUTPUTS, REPORT_NOTEBOOK,
                     RESULTS_FILE, read_manifest, sha256, strict_json_loads)
from .manifest import THEME_LOGO, git_commit, git_root, git_uncommitted
from .runner import DEFAULT_KERNEL, DEFAULT_TIMEOUT, execute, export_html

__all__ = ["AuditResult", "audit_report", "compare_results", "compare_notebooks", "compare_html", "default_checkout",
           "resolve_input", "normalised_cells", "run_stamps", "metadata_differences", "fits_stamp_path", "NOT_SHOWN",
           "MAX_STORED_BYTES", "CELL_ID", "TIMESTAMP", "VERSION", "MAX_STAMP_PATH", "read_stored"]

REL_TOL = 1e-9
MAX_STORED_BYTES = 200_000_000  # a stored notebook or HTML larger than this is not read (a real one is < 1 MB)
NOT_SHOWN = (
    "who ran the report, or when: anyone can write those into a manifest",
    "that the proxy values match their published sources: the audit uses the proxy files as they are in the "
    "checkout (and checks they are the files the report used)",
    "that the impact map's quantities and assumptions are true: only that they are the ones the report was made from",
)


@dataclass
class AuditResult:
    """What was checked, every difference found (empty when verified), notes, and what the audit does not show."""

    folder: Path
    checked: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_shown: list[str] = field(default_factory=lambda: list(NOT_SHOWN))

    @property
    def verified(self) -> bool:
        return not self.differences


def _flatten(value, prefix: tuple = ()):
    """(path, value) for every leaf, the path a tuple of keys and list positions: ``("contract", "title")``
    for a nested key is never equal to ``("contract.title",)`` for a key written with a dot, so the structure
    is compared exactly. An empty object or list is a leaf of its own."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _flatten(v, prefix + (str(k),))
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _flatten(v, prefix + (i,))
    else:
        yield prefix, value


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_/ -]+\Z")


def _name(path: tuple) -> str:
    """A flattened path in words: ``contract.title``, ``lines[0].impact``; a key holding a dot, a bracket or
    anything unusual is quoted (``["contract.title"]``), so a key written with dots reads differently."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=True)}]"
    return out or "(the whole file)"


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)
    return a == b


def _capped(out: list[str], limit: int) -> list[str]:
    if len(out) > limit:
        return out[:limit] + [f"... and {len(out) - limit} more differences"]
    return out


def compare_results(stored: dict, fresh: dict, limit: int = 20) -> list[str]:
    """Figure-by-figure differences between two results.json contents, in words.

    Both are compared by their exact structure (see :func:`_flatten`): a key written with dots
    (``"contract.illustrative"``) is not the nested key it imitates, and is a difference."""
    a, b = dict(_flatten(stored)), dict(_flatten(fresh))
    out = []
    for key in list(dict.fromkeys(list(a) + list(b))):
        if key not in b:
            out.append(f"{RESULTS_FILE} has '{_name(key)}' = {_short(a[key])}, which the re-run does not produce")
        elif key not in a:
            out.append(f"the re-run produces '{_name(key)}' = {_short(b[key])}, which {RESULTS_FILE} lacks")
        elif not _same(a[key], b[key]) or type(a[key]) is not type(b[key]):  # 2.024e3 is not the year 2024
            out.append(f"{RESULTS_FILE} says {_name(key)} = {_short(a[key])}; the re-run gives {_short(b[key])}")
    return _capped(out, limit)



# ----------------------------------------------------------------------------------------------------------------
# Where inputs are: in the checkout, never where the manifest says.

def default_checkout() -> Path:
    """The git top folder of the current folder, else the current folder."""
    return git_root(Path.cwd()) or Path.cwd()


def resolve_input(path: str, base: Path) -> tuple[Path | None, str | None]:
    """``path`` (as recorded in a manifest) inside ``base``, or why it cannot be followed.

    A path that is absolute (``/x``, ``C:x``, ``\\\\server``), holds ``..`` or a
    NUL, or leads outside ``base`` through a link, is refused: returns
    ``(None, reason)``.
    """
    if "\x00" in path:
        return None, "is not a valid path"
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        return None, "is an absolute path, which the audit does not follow (inputs are found in the checkout)"
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if ".." in parts:
        return None, "leads outside the checkout ('..'), which the audit does not follow"
    candidate = base.joinpath(*parts)
    try:
        candidate.resolve().relative_to(base.resolve())
    except ValueError:
        return None, "leads outside the checkout through a link, which the audit does not follow"
    return candidate, None


# ----------------------------------------------------------------------------------------------------------------
# Notebooks and HTML, with run stamps normalised.

def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")  # nbformat 4.5's pattern for a cell id
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:?\d\d)?\Z")
VERSION = re.compile(r"[0-9A-Za-z.+_-]{1,40}\Z")
MAX_STAMP_PATH = 4096
_PATH_REFUSED = re.compile(r'["\\<>\x00-\x1f\x7f-\x9f\u2028\u2029]')
# Run stamps kept in a notebook's metadata, which differ from run to run and are left out of the comparison once
# each has been checked to be a stamp of its kind (a time, a duration, a path or a version, never free text).
_NOTEBOOK_STAMPS = {"start_time": "time", "end_time": "time", "duration": "number", "input_path": "input_path",
                    "output_path": "output_path", "version": "version", "parameters": "parameters"}
_CELL_STAMPS = {"start_time": "time", "end_time": "time", "duration": "number"}


def fits_stamp_path(value) -> bool:
    """Whether ``value`` can be a path papermill recorded: absolute, at most 4,096 characters, and free of
    quotes, backslashes, ``<``, ``>``, control characters, line separators and invisible format characters
    (Unicode category Cf), so that it can neither close the string it is written in nor hide markup."""
    return (isinstance(value, str) and value.startswith("/") and 1 < len(value) <= MAX_STAMP_PATH
            and not _PATH_REFUSED.search(value) and not any(unicodedata.category(ch) == "Cf" for ch in value))


def _fits(kind: str, value) -> bool:
    if kind == "time":
        return value is None or isinstance(value, str) and bool(TIMESTAMP.match(value))
    if kind == "number":
        return value is None or isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "path":
        return fits_stamp_path(value)
    if kind == "input_path":  # papermill read sroi's report notebook
        return fits_stamp_path(value) and value.endswith("/" + REPORT_NOTEBOOK.name)
    if kind == "output_path":  # and wrote report.ipynb (relative when `sroi run --out` was)
        return (isinstance(value, str) and value.endswith("/" + NOTEBOOK_FILE)
                and fits_stamp_path(value if value.startswith("/") else "/" + value))
    if kind == "version":
        return isinstance(value, str) and bool(VERSION.match(value))
    return True  # "parameters": checked by run_stamps


def _injected(nb) -> list[dict]:
    return [cell for cell in _list(_dict(nb).get("cells")) if isinstance(cell, dict)
            and "injected-parameters" in _list(_dict(cell.get("metadata")).get("tags"))]


def run_stamps(nb: dict, checkout_rel: str | None = None, problems: list[str] | None = None) -> list[tuple[str, str]]:
    """(text, placeholder) pairs for one executed notebook: the absolute paths papermill passed, the checkout
    (the parameters file's path less ``checkout_rel``, its path in the checkout), and the id of the injected
    parameters cell. A notebook of any shape gives a list (perhaps empty), never an error.

    A stamp is used only if it has the form of one: the cell id matches :data:`CELL_ID` (nbformat's own
    pattern) and each path fits :func:`fits_stamp_path` (the parameters file's path also ends with
    ``checkout_rel``, when given); papermill's parameters are exactly ``params_file`` and ``out_dir``. A stamp
    that does not fit is left in place, so the text it would have hidden is compared, and is described in
    ``problems`` (when given): a forger cannot choose a "stamp" holding the text to be set aside.
    """
    problems = [] if problems is None else problems
    subs = []
    papermill = _dict(_dict(_dict(nb).get("metadata")).get("papermill"))
    params = _dict(papermill.get("parameters"))
    if "parameters" in papermill and set(params) != {"params_file", "out_dir"}:
        names = ", ".join(repr(str(k))[:40] for k in params) if params else "none"
        problems.append(f"{NOTEBOOK_FILE}: the notebook should have been given the parameters params_file and "
                        f"out_dir, but its metadata records {names}")
    params_file = params.get("params_file")
    out_dir = params.get("out_dir")
    for value, key, name in ((out_dir, "out_dir", "<out_dir>"), (params_file, "params_file", "<params_file>")):
        if key not in params:
            continue
        if fits_stamp_path(value) and (key != "params_file" or not checkout_rel
                                       or value.endswith("/" + checkout_rel)):
            subs.append((value, name))
        else:
            problems.append(f"{NOTEBOOK_FILE}: the {key} recorded in its metadata, {_stamp_shown(value)}, is not "
                            + ("an absolute path free of quotes, line breaks and < >" if not fits_stamp_path(value)
                               else f"the path of the parameters file {checkout_rel!r}")
                            + ": the notebook has been edited")
    if fits_stamp_path(params_file) and checkout_rel and params_file.endswith("/" + checkout_rel):
        root = params_file[: -len(checkout_rel) - 1]
        if len(root) > 1:
            subs.append((root, "<checkout>"))
    injected = _injected(nb)
    if injected:
        cid = injected[0].get("id")
        if isinstance(cid, str) and CELL_ID.match(cid):
            subs.append((f"cell-id={cid}", "cell-id=<injected>"))
        elif "id" in injected[0]:
            problems.append(f"{NOTEBOOK_FILE}: the parameters cell's id {_short(cid)} is not a cell id (1 to 64 "
                            "letters, digits, '-' or '_'): the notebook has been edited")
    return subs


def _stamp_shown(value, width: int = 80) -> str:
    """A stamp that does not fit, shown around its first refused character (a quote, a line break, markup,
    an invisible character), which is where a forger's text starts, whatever the length of the genuine path."""
    if isinstance(value, str):
        at = next((i for i, ch in enumerate(value)
                   if _PATH_REFUSED.match(ch) or unicodedata.category(ch) == "Cf"), None)
        if at is not None and len(repr(value)) > width:
            start = max(0, at - width // 4)
            return f"...{value[start:start + width]!r}... (from character {at + 1})"
    return _short(value, width)


def _short(value, width: int = 80) -> str:
    """``repr(value)`` cut to about ``width`` characters, keeping both ends: what a forger adds to a stamp is
    usually at its end, so the end stays in view however long the genuine start (a deep checkout path) is."""
    text = repr(value)
    if len(text) <= width:
        return text
    half = width // 2
    return f"{text[:half]}...{text[-half:]}"


def _text(value) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _apply(text: str, subs: list[tuple[str, str]]) -> str:
    for old, new in subs:
        if old.startswith("cell-id="):  # the whole id, not the start of a longer one
            text = re.sub(re.escape(old) + r"(?![A-Za-z0-9_-])", new, text)
        else:
            text = text.replace(old, new)
    return text


_CELL_KEYS = {"cell_type", "id", "metadata", "source", "outputs", "execution_count"}


def normalised_cells(nb: dict, subs: list[tuple[str, str]]) -> list[dict]:
    """Each cell as ``{"type", "source", "outputs", "other"}`` with run stamps left out or replaced (see the
    module notes).

    Cell ids, execution counts and metadata are left out here (metadata is
    compared by :func:`metadata_differences`); every output keeps its type and
    everything else it holds (stream text, each MIME type's data including
    images, its metadata, error name, value and traceback), and any other key
    of a cell (attachments, say) is kept in ``other``.
    """
    cells = []
    for cell in _list(_dict(nb).get("cells")):
        if not isinstance(cell, dict):
            cells.append({"type": "?", "source": _text(cell), "outputs": [], "other": {}})
            continue
        outputs = []
        for out in _list(cell.get("outputs")):
            if not isinstance(out, dict):
                outputs.append({"?": _text(out)})
                continue
            item = {"output_type": _text(out.get("output_type"))}
            if isinstance(out.get("data"), dict):
                item["data"] = {str(k): _apply(_text(v), subs) for k, v in sorted(out["data"].items())}
            for key in sorted(set(out) - {"output_type", "data", "execution_count"}, key=str):
                item[str(key)] = _apply(_text(out[key]), subs)
            outputs.append(item)
        other = {str(k): _apply(_text(cell[k]), subs) for k in sorted(set(cell) - _CELL_KEYS, key=str)}
        cells.append({"type": _text(cell.get("cell_type")), "source": _apply(_text(cell.get("source")), subs),
                      "outputs": outputs, "other": other})
    return cells


def _without_stamps(meta, stamps: dict[str, str], where: str, problems: list[str]) -> dict:
    """``meta`` less the run-stamp keys of its ``papermill`` entry (each checked to be a stamp of its kind)."""
    meta = dict(_dict(meta))
    if "papermill" in meta and isinstance(meta["papermill"], dict):
        papermill = dict(meta["papermill"])
        for key, kind in stamps.items():
            if key in papermill:
                value = papermill.pop(key)
                if not _fits(kind, value):
                    what = {"input_path": f"the path of sroi's {REPORT_NOTEBOOK.name}",
                            "output_path": f"the path of a {NOTEBOOK_FILE}"}.get(kind, f"a {kind}")
                    problems.append(f"{where}: papermill's {key} {_short(value)} is not {what}: the notebook has "
                                    "been edited")
        meta["papermill"] = papermill
    return meta


def metadata_differences(stored: dict, fresh: dict, limit: int = 10) -> list[str]:
    """Differences in notebook and cell metadata (and the notebook's other top-level keys, and the ids of cells
    other than the injected parameters cell), with only the known run stamps left out: papermill's times,
    durations, paths and version, the kernel's Python version, the timings jupyter records for each cell
    (``metadata.execution``) and the injected cell's id. Each stamp left out of the stored notebook is first
    checked to have the form of a stamp; one that does not is itself a difference."""
    problems: list[str] = []

    def view(nb, report: list[str]):
        nb = _dict(nb)
        meta = _without_stamps(nb.get("metadata"), _NOTEBOOK_STAMPS, NOTEBOOK_FILE, report)
        if isinstance(meta.get("language_info"), dict) and "version" in meta["language_info"]:
            info = dict(meta["language_info"])
            version = info.pop("version")
            if not _fits("version", version):
                report.append(f"{NOTEBOOK_FILE}: the language version {_short(version)} is not a version: the "
                              "notebook has been edited")
            meta["language_info"] = info
        top = {str(k): v for k, v in nb.items() if k not in ("cells", "metadata")}
        cells = []
        for n, cell in enumerate(_list(nb.get("cells")), start=1):
            if not isinstance(cell, dict):
                cells.append({})
                continue
            cmeta = _without_stamps(cell.get("metadata"), _CELL_STAMPS, f"{NOTEBOOK_FILE} cell {n}", report)
            timings = cmeta.pop("execution", None)
            if timings is not None and not (isinstance(timings, dict) and all(
                    isinstance(k, str) and VERSION.match(k) and _fits("time", v) for k, v in timings.items())):
                report.append(f"{NOTEBOOK_FILE} cell {n}: its execution timings {_short(timings)} are not times: "
                              "the notebook has been edited")
            if "injected-parameters" not in _list(_dict(cell.get("metadata")).get("tags")):
                cmeta["(cell id)"] = cell.get("id")
            cells.append(cmeta)
        return top, meta, cells

    (top_a, meta_a, cells_a), (top_b, meta_b, cells_b) = view(stored, problems), view(fresh, [])
    out = list(problems)
    out += _dict_differences(f"{NOTEBOOK_FILE}", {**top_a, "metadata": meta_a}, {**top_b, "metadata": meta_b})
    for n, (x, y) in enumerate(zip(cells_a, cells_b), start=1):
        out += _dict_differences(f"{NOTEBOOK_FILE} cell {n}'s metadata", x, y)
    return _capped(out, limit)


def _dict_differences(where: str, a: dict, b: dict) -> list[str]:
    fa, fb = dict(_flatten(a)), dict(_flatten(b))
    out = []
    for key in sorted(set(fa) | set(fb), key=lambda k: [str(p) for p in k]):
        name = _name(key)
        if key not in fb:
            out.append(f"{where}: '{name}' is {_short(fa[key])}; the re-run's has no '{name}'")
        elif key not in fa:
            out.append(f"{where}: has no '{name}'; the re-run's is {_short(fb[key])}")
        elif fa[key] != fb[key] or type(fa[key]) is not type(fb[key]):
            out.append(f"{where}: '{name}' is {_short(fa[key])}; the re-run's is {_short(fb[key])}")
    return out


def _snippet(a: str, b: str, width: int = 60) -> str:
    """Where two texts first differ, shown briefly from each."""
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, i - 20)

    def show(s):
        part = s[start:start + width]
        return repr(part if part else "(nothing)")
    return f"stored {show(a)}, re-run {show(b)}"


def _describe(stored: dict, fresh: dict) -> str:
    """What differs between two outputs: an image, or a text (quoted where it first differs)."""
    a, b = dict(stored.get("data") or {}), dict(fresh.get("data") or {})
    text_a = {k: v for k, v in {**stored, **a}.items() if k != "data" and not k.startswith("image/")}
    text_b = {k: v for k, v in {**fresh, **b}.items() if k != "data" and not k.startswith("image/")}
    if text_a == text_b:
        return "an image differs from the re-run's"
    key = next(k for k in sorted(set(text_a) | set(text_b)) if text_a.get(k) != text_b.get(k))
    return f"its {key} differs from the re-run's ({_snippet(str(text_a.get(key, '')), str(text_b.get(key, '')))})"


def compare_notebooks(stored: dict, fresh: dict, stored_subs, fresh_subs, limit: int = 10) -> list[str]:
    """Cell-by-cell differences between a stored and a re-executed notebook, run stamps normalised, then the
    differences in their metadata (:func:`metadata_differences`)."""
    a, b = normalised_cells(stored, stored_subs), normalised_cells(fresh, fresh_subs)
    out = []
    if len(a) != len(b):
        out.append(f"{NOTEBOOK_FILE} has {len(a)} cells; the re-run has {len(b)}")
    for n, (x, y) in enumerate(zip(a, b), start=1):
        if x["type"] != y["type"]:
            out.append(f"{NOTEBOOK_FILE} cell {n} is a {x['type']} cell; in the re-run it is a {y['type']} cell")
        elif x["source"] != y["source"]:
            out.append(f"{NOTEBOOK_FILE} cell {n}: its text differs from the re-run's ({_snippet(x['source'], y['source'])})")
        elif len(x["outputs"]) != len(y["outputs"]):
            out.append(f"{NOTEBOOK_FILE} cell {n} has {len(x['outputs'])} outputs; the re-run's has {len(y['outputs'])}")
        else:
            for k, (p, q) in enumerate(zip(x["outputs"], y["outputs"]), start=1):
                if p != q:
                    out.append(f"{NOTEBOOK_FILE} cell {n}, output {k}: {_describe(p, q)}")
        if x["other"] != y["other"]:
            out += _dict_differences(f"{NOTEBOOK_FILE} cell {n}", x["other"], y["other"])
    out += metadata_differences(stored, fresh, limit)
    return _capped(out, limit)


def _visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", html)).strip()


def compare_html(stored: str, fresh: str, stored_subs, fresh_subs) -> list[str]:
    """The difference between a stored and a regenerated report.html, run stamps normalised (empty if none)."""
    a, b = _apply(stored, stored_subs), _apply(fresh, fresh_subs)
    if a == b:
        return []
    if a.replace("\r\n", "\n").replace("\r", "\n") == b.replace("\r\n", "\n").replace("\r", "\n"):
        return [f"{HTML_FILE} differs from the one made again from the re-run in its line endings only (it has "
                "\\r\\n or \\r, which sroi never writes): the file has been rewritten since the run"]
    ta, tb = _visible(a), _visible(b)
    if ta != tb:
        return [f"{HTML_FILE} differs from the one made again from the re-run: its text reads {_snippet(ta, tb)}"]
    la, lb = a.splitlines(), b.splitlines()
    diff = next((line[1:] for line in difflib.unified_diff(la, lb, lineterm="", n=0)
                 if line.startswith("-") and not line.startswith("---")), "")
    return [f"{HTML_FILE} differs from the one made again from the re-run in its markup (scripts, links, images "
            f"or styles), not its text: the stored file has {diff.strip()[:80]!r}"]


# ----------------------------------------------------------------------------------------------------------------

def read_stored(path: Path, as_json: bool):
    """A stored report file's text (or JSON), or a difference in words.

    The bytes are decoded as they are (a line ending is not translated, so ``\\r\\n`` differs from ``\\n``);
    JSON with a key given twice in one object, or NaN, is refused (a reader keeping the first value would see
    another figure than one keeping the last); a link is never followed."""
    if path.is_symlink():
        return None, f"{path.name} is a link, not a file sroi wrote; not read"
    if not path.is_file():
        return None, f"{path.name} is missing from the report folder"
    if path.stat().st_size > MAX_STORED_BYTES:
        return None, f"{path.name} is larger than {MAX_STORED_BYTES:,} bytes, far beyond any real report; not read"
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None, f"{path.name} cannot be read as {'JSON' if as_json else 'UTF-8 text'}"
    if not as_json:
        return text, None
    try:
        return strict_json_loads(text), None
    except RecursionError:
        return None, f"{path.name} cannot be read as JSON"
    except ValueError as exc:
        if "given twice" in str(exc):
            return None, (f"{path.name}: {exc}, which sroi never writes (a reader keeping the first value sees "
                          "another figure than one keeping the last): the file has been edited")
        return None, f"{path.name} cannot be read as JSON"


def _within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _check_inputs(manifest: dict, checkout: Path, folder: Path, result: AuditResult) -> dict[str, Path]:
    found, unchanged, missing, in_checkout = {}, 0, 0, 0
    data = data_dir()
    for role, entry in manifest["inputs"].items():
        base = data if entry.get("base") == "sroi-data" else checkout
        where = "sroi's data folder" if base is data else "the checkout"
        path, why = resolve_input(entry["path"], base)
        if path is not None and _within(path, folder):
            result.differences.append(f"input {role} ({entry['path']}) lies inside the report folder being audited: "
                                      "a report cannot vouch for itself, so the audit never uses a file from it")
            in_checkout += base is checkout
            continue
        if path is None:
            result.differences.append(f"input {role}: the manifest's path {entry['path']!r} {why}")
        elif not path.is_file():
            result.differences.append(f"input {role} ({entry['path']}) is missing from {where}")
            missing += base is checkout
        elif sha256(path) != entry["sha256"]:
            result.differences.append(f"input {role} ({entry['path']}) has changed since the report was made "
                                      "(its sha256 differs)")
        else:
            unchanged += 1
        if path is not None:
            found[role] = path
        in_checkout += base is checkout
    if in_checkout and missing == in_checkout:
        params = (manifest["inputs"].get("parameters") or {}).get("path", "the parameters file")
        result.notes.append(f"none of the report's own inputs is in {checkout}: is it the right checkout? Give the "
                            f"folder holding them with --checkout: the folder in which the parameters file is at "
                            f"{params!r} (for a contract kept outside a git repository, the folder its files were "
                            "in when the report was made, such as the one `sroi new` wrote)")
    result.checked.append(f"{len(manifest['inputs'])} input files found in {checkout} (shipped reference files in "
                          f"{data}) and hashed against the manifest: {unchanged} unchanged")
    return found


def _where_read(role: str, path: Path, found: dict[str, Path], checkout: Path, folder: Path) -> str | None:
    """Why the contract may not read ``path`` for ``role`` (None when it may): it must lie in the checkout or
    sroi's data folder, outside the report folder, and be the very file the manifest names for that role."""
    shown = path.name
    if _within(path, folder):
        return (f"the contract in the checkout reads its {role} ({shown}) from inside the report folder being "
                "audited, which the audit never uses")
    if not (_within(path, checkout) or _within(path, data_dir())):
        return (f"the contract in the checkout reads its {role} from {_short(str(path))}, outside the checkout: "
                "the audit reads inputs only from the checkout")
    named = found.get(role)
    if named is not None and path.resolve() != named.resolve():
        return (f"the contract in the checkout reads its {role} from {_short(str(path))}, not the file the manifest "
                f"names for it")
    return None


_WRITTEN = frozenset(OUTPUTS) | {MANIFEST_FILE}


_REMAKE = {".pdf": "print it again from {html} with `sroi run --pdf`",
           ".docx": "make it again from the report with `sroi run --docx`"}


def _check_folder_contents(folder: Path, result: AuditResult) -> None:
    """Files in the report folder that sroi did not write are a difference (a second, edited copy of the report
    beside the audited one reads as audited too); a report.pdf or report.docx is a note: it is not checked."""
    extra = []
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError:
        entries = []
    for entry in entries:
        if entry.name in COPIES and not entry.is_symlink() and entry.is_file():
            how = _REMAKE[Path(entry.name).suffix].format(html=HTML_FILE)
            result.notes.append(f"{entry.name} is present and was not checked: {how}")
        elif entry.name in COPIES:
            extra.append(f"{entry.name} (a link or folder, not a file)")
        elif entry.name not in _WRITTEN:
            extra.append(entry.name + ("/" if entry.is_dir() and not entry.is_symlink() else ""))
        elif entry.name == MANIFEST_FILE and entry.is_symlink():
            extra.append(f"{MANIFEST_FILE} (a link, not a file)")
    if extra:
        names = ", ".join(repr(n)[1:-1] for n in extra[:8]) + (f" and {len(extra) - 8} more" if len(extra) > 8 else "")
        result.differences.append(f"the report folder holds files sroi did not write: {names}")


def _check_input_list(manifest: dict, params_file: Path, found: dict[str, Path], checkout: Path, folder: Path,
                      result: AuditResult) -> bool:
    """Compare the manifest's list of inputs with the files the contract reads from the checkout: each must lie
    in the checkout (or sroi's data folder), outside the report folder, and be the path the manifest names for
    its role. The contract's own files are checked from the parameters alone, before any of them is read.
    Returns whether the notebook may be re-run (every file it would read is one checked)."""
    from .contract import load_contract
    from .params import load_params

    before = len(result.differences)
    try:
        own = load_params(params_file).input_files()
    except InputError as exc:
        result.differences.append(f"the contract cannot be valued from the checkout: {exc.problems[0]}")
        return False
    _check_theme_listed(own.pop("theme", None), manifest, found, result)
    for role, path in own.items():
        why = _where_read(role, Path(path), found, checkout, folder)
        if why:
            result.differences.append(why)
    if len(result.differences) > before:
        result.notes.append("the notebook was not re-run: the contract would read files other than the "
                            "checkout's files named in the manifest")
        return False
    try:
        used = load_contract(params_file).files_used()
    except InputError as exc:
        result.differences.append(f"the contract cannot be valued from the checkout: {exc.problems[0]}")
        return False
    used.pop("theme", None)  # compared above: the manifest's theme may have been given with --theme
    listed = {role: entry for role, entry in manifest["inputs"].items() if role not in ("theme", THEME_LOGO)}
    # Each file read is the very file the manifest names for its role (_where_read), whose sha256 _check_inputs
    # has already compared with the manifest's: it is not hashed again here.
    whys = {role: _where_read(role, path, found, checkout, folder) for role, path in used.items()}
    for role in used:
        if whys[role]:
            result.differences.append(whys[role])
        elif role not in listed:
            result.differences.append(f"the manifest does not list the input {role} ({used[role].name}), which the "
                                      "contract reads")
    for role in listed:
        if role not in used:
            result.differences.append(f"the manifest lists an input {role}, which the contract does not read")
    result.checked.append(f"the manifest's list of inputs compared with the files the contract reads ({len(used)}), "
                          "each at the path the manifest names in the checkout")
    outside = any(whys.values())
    if outside:
        result.notes.append("the notebook was not re-run: the contract would read files other than the "
                            "checkout's files named in the manifest")
    return not outside


def _check_theme_listed(named: Path | None, manifest: dict, found: dict[str, Path], result: AuditResult) -> None:
    """The theme: the one the manifest lists is used (it may have been given with ``--theme``); a theme the
    parameters name that the manifest does not list is a difference."""
    listed = manifest["inputs"].get("theme")
    if listed is None:
        if named is not None:
            result.differences.append(f"the manifest does not list the input theme ({named.name}), which the "
                                      "contract's parameters name")
        return
    used = found.get("theme")
    if named is not None and used is not None and named.resolve() != used.resolve():
        result.notes.append(f"the report was styled with the theme {listed['path']} (given with --theme), not the "
                            f"parameters' {named.name}; the HTML is made again with {listed['path']}")
    _check_logo_listed(used, manifest, found, result)


def _check_logo_listed(theme_file: Path | None, manifest: dict, found: dict[str, Path], result: AuditResult) -> None:
    """The theme's logo: the logo the theme in the checkout names must be the file the manifest lists (whose sha256
    :func:`_check_inputs` compared). A manifest from before logos were listed is a note, not a difference: the
    logo is then checked only through the HTML made again."""
    from .theme import load_theme

    if theme_file is None or not theme_file.is_file():
        return
    try:
        logo = load_theme(theme_file).logo_path
    except InputError:
        return  # said when the HTML is made again with it
    listed = manifest["inputs"].get(THEME_LOGO)
    if listed is None:
        if logo is not None:
            result.notes.append(f"the manifest does not list the theme's logo ({logo.name}), as reports made before "
                                "sroi listed logos do not: it is checked only by making the HTML again")
        return
    if logo is None:
        result.differences.append(f"the manifest lists a logo ({listed['path']}), which the theme in the checkout "
                                  "does not name")
    elif THEME_LOGO in found and logo.resolve() != found[THEME_LOGO].resolve():
        result.differences.append(f"the theme in the checkout names the logo {logo.name}, not the file the manifest "
                                  f"lists ({listed['path']})")


def _check_git(manifest: dict, checkout: Path, found: dict[str, Path], result: AuditResult) -> None:
    git = manifest.get("git") if isinstance(manifest.get("git"), dict) else {}
    recorded = git.get("commit") if isinstance(git.get("commit"), str) else None
    if recorded is None and isinstance(manifest.get("git_commit"), str):
        recorded = manifest["git_commit"]
    top = git_root(checkout)
    current = git_commit(checkout) if top is not None else None
    if recorded is None:
        result.notes.append("the report was made outside a git repository, so no commit identifies its inputs "
                            "(their sha256 were compared instead)")
    elif current is None:
        result.notes.append(f"the report's inputs were at git commit {recorded[:12]}; the checkout is not a git "
                            "repository, so the commit could not be compared (the inputs' sha256 were)")
    elif current == recorded:
        result.checked.append(f"the checkout is at the commit the report was made from ({recorded[:12]})")
    else:
        result.notes.append(f"the report was made from commit {recorded[:12]}; the checkout is at {current[:12]}. "
                            "The inputs' sha256 were compared, so this matters only if they differ")
    changed = git.get("inputs_changed")
    if isinstance(changed, list) and changed:
        names = ", ".join(str(c) for c in changed[:5]) + (" ..." if len(changed) > 5 else "")
        result.notes.append(f"when the report was made, these inputs were uncommitted or modified: {names}; the "
                            "commit alone does not identify them")
    if top is not None:
        rel = []
        for path in found.values():
            if not path.is_file():
                continue  # already a difference: missing
            try:
                rel.append(path.resolve().relative_to(top.resolve()).as_posix())
            except ValueError:
                pass
        now = git_uncommitted(top, rel)
        if now is None:
            result.notes.append("git could not tell whether the inputs are committed in the checkout")
        elif now:
            names = ", ".join(now[:5]) + (" ..." if len(now) > 5 else "")
            result.differences.append(f"in the checkout, these inputs are untracked, uncommitted or modified: "
                                      f"{names}. The audit can only vouch for inputs committed in the checkout")
        elif rel:
            result.checked.append(f"the {len(rel)} inputs in the checkout's git repository are as committed there")


def _style(manifest: dict, params_file: Path, theme_file: Path | None):
    """The theme (from the manifest's theme file, found in the checkout; the default when it lists none) and the
    contract's title, to make the HTML again as the run did."""
    from .params import load_params
    from .theme import DEFAULT_THEME, load_theme

    theme = DEFAULT_THEME
    if "theme" in manifest["inputs"]:
        if theme_file is None or not theme_file.is_file():
            raise InputError(Problem("the theme file the manifest lists is not in the checkout"))
        theme = load_theme(theme_file)
    return theme, load_params(params_file).title


def _rerun(folder: Path, manifest: dict, params_file: Path, checkout: Path, kernel: str, timeout: int,
           result: AuditResult, found_theme: Path | None = None) -> None:
    work = Path(tempfile.mkdtemp(prefix="sroi-audit-"))
    try:
        fresh_dir, runtime = work / "report", work / "runtime"
        fresh_dir.mkdir()
        runtime.mkdir()
        try:
            theme, title = _style(manifest, params_file, found_theme)
        except InputError as exc:
            result.differences.append(f"the report's theme cannot be used: {exc.problems[0]}")
            return
        try:
            execute(params_file, fresh_dir, kernel, timeout, runtime=runtime)
            export_html(fresh_dir / NOTEBOOK_FILE, fresh_dir / HTML_FILE, theme=theme, title=title)
        except RunFailed as exc:
            result.differences.append(f"re-running the notebook failed: {exc}")
            return
        stored, problem = read_stored(folder / RESULTS_FILE, as_json=True)
        if problem:
            result.differences.append(problem)
        else:
            result.differences += compare_results(stored, json.loads((fresh_dir / RESULTS_FILE).read_text("utf-8")))
        if (folder / LINES_FILE).is_symlink():
            pass  # already a difference: a link is never read
        elif not (folder / LINES_FILE).is_file():
            result.differences.append(f"{LINES_FILE} is missing from the report folder")
        elif sha256(folder / LINES_FILE) != sha256(fresh_dir / LINES_FILE):
            result.differences.append(f"{LINES_FILE} differs from the re-run's {LINES_FILE}")

        rel = manifest["inputs"]["parameters"]["path"]
        fresh_nb = json.loads((fresh_dir / NOTEBOOK_FILE).read_text("utf-8"))
        fresh_subs = run_stamps(fresh_nb, rel)
        stored_nb, problem = read_stored(folder / NOTEBOOK_FILE, as_json=True)
        stored_subs = []
        if problem:
            result.differences.append(problem)
        elif not isinstance(stored_nb, dict):
            result.differences.append(f"{NOTEBOOK_FILE} is not a notebook")
        else:
            stamp_problems: list[str] = []
            stored_subs = run_stamps(stored_nb, rel, stamp_problems)
            result.differences += stamp_problems
            try:
                result.differences += compare_notebooks(stored_nb, fresh_nb, stored_subs, fresh_subs)
            except RecursionError:
                result.differences.append(f"{NOTEBOOK_FILE} is nested too deeply to be a notebook sroi wrote")
        stored_html, problem = read_stored(folder / HTML_FILE, as_json=False)
        if problem:
            result.differences.append(problem)
        else:
            result.differences += compare_html(stored_html, (fresh_dir / HTML_FILE).read_bytes().decode("utf-8"),
                                               stored_subs, fresh_subs)
        result.checked.append(
            f"the notebook re-executed from the checkout's parameters file and its HTML made again: {RESULTS_FILE} "
            f"compared figure by figure, {LINES_FILE} byte for byte, {NOTEBOOK_FILE} cell by cell (text, HTML and "
            f"images), its notebook and cell metadata, and {HTML_FILE} in full, with run stamps (timings, the "
            f"parameters cell's id, temporary paths) set aside once each was checked to have the form of one")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def audit_report(folder: str | Path, *, checkout: str | Path | None = None, kernel: str = DEFAULT_KERNEL,
                 timeout: int = DEFAULT_TIMEOUT, rerun: bool = True) -> AuditResult:
    """Audit a report folder against the inputs in ``checkout`` (see the module notes).

    Raises
    ------
    InputError
        If the folder is not a report folder, its manifest is malformed (wrong
        types, missing keys, not JSON, NaN, too large), or the checkout is not
        a folder. Differences in the report are not errors: they are listed in
        the result.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    checkout = Path(checkout) if checkout is not None else default_checkout()
    if not checkout.is_dir():
        raise InputError(Problem("is not a folder", file=str(checkout),
                                 fix="Give --checkout the folder holding the report's inputs (a clone of the "
                                     "repository at the report's commit)."))
    if _within(checkout, folder):
        raise InputError(Problem("is the report folder being audited, or inside it: a report cannot be checked "
                                 "against inputs it carries itself", file=str(checkout),
                                 fix="Give --checkout a clone of the council's repository kept apart from the "
                                     "report, or run `sroi audit` from inside that clone."))
    result = AuditResult(folder)
    from .. import __version__

    made_with = (manifest.get("versions") or {}).get("sroi") if isinstance(manifest.get("versions"), dict) else None
    if made_with != __version__:
        result.notes.append(f"the report was made with sroi {made_with}; this is sroi {__version__}, so a "
                            "difference may come from the change of version")

    found = _check_inputs(manifest, checkout, folder, result)
    _check_git(manifest, checkout, found, result)

    for name in OUTPUTS:
        path = folder / name
        if path.is_symlink():
            result.differences.append(f"{name} is a link, not a file sroi wrote; not read")
        elif not path.is_file():
            result.differences.append(f"{name} is missing from the report folder")
        elif sha256(path) != manifest["outputs"][name]:
            result.differences.append(f"{name} has been edited since the report was made (its sha256 differs "
                                      "from the manifest's)")
    result.checked.append(f"{len(OUTPUTS)} report files hashed against the manifest")
    _check_folder_contents(folder, result)

    params_file = found.get("parameters")
    may_rerun = False
    if params_file is not None and params_file.is_file():
        may_rerun = _check_input_list(manifest, params_file, found, checkout, folder, result)
    if rerun:
        if params_file is None or not params_file.is_file():
            result.differences.append("the notebook was not re-run: the parameters file could not be found in "
                                      "the checkout" + (" (outside the report folder)" if "parameters" in
                                                        manifest["inputs"] and params_file is None else ""))
        elif may_rerun:
            try:
                shown = params_file.resolve().relative_to(checkout.resolve()).as_posix()
            except ValueError:
                shown = str(params_file)
            result.checked.append(f"the parameters file re-run: {shown} (in the checkout {checkout})")
            _rerun(folder, manifest, params_file, checkout, kernel, timeout, result, found.get("theme"))
    else:
        result.not_shown.append("that re-running the notebook gives the same report (the re-run was skipped)")
    result.differences = list(dict.fromkeys(result.differences))  # one damaged file is named once
    return result
