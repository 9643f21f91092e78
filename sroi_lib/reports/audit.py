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
   own idea of where the files were is never used.
2. **Git.** The commit the inputs were taken from (recorded at the run) is
   compared with the checkout's, and whether the inputs were committed then,
   and are unmodified now, is stated.
3. **Re-run.** The notebook is executed again from the checkout's parameters
   file in a temporary folder, and its HTML made again with the same
   :func:`~sroi_lib.reports.runner.export_html`. Then, against the stored files:
   ``results.json`` figure by figure (numbers to one part in a billion);
   ``lines.csv`` byte for byte; ``report.ipynb`` cell by cell (type, source and
   every output: text, HTML and images); ``report.html`` in full. Run stamps
   are normalised first: cell ids and timings, papermill's metadata, and the
   absolute paths of the parameters file, the checkout and the temporary
   folder (replaced by ``<params_file>``, ``<checkout>`` and ``<out_dir>``).
4. **Hashes.** Each report file is also hashed against the manifest (a quick
   check, which names a file edited without rewriting the manifest).

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
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import InputError, Problem, RunFailed
from ..paths import data_dir
from .folder import HTML_FILE, LINES_FILE, NOTEBOOK_FILE, OUTPUTS, PDF_FILE, RESULTS_FILE, read_manifest, sha256
from .manifest import git_changed, git_commit, git_root
from .runner import DEFAULT_KERNEL, DEFAULT_TIMEOUT, execute, export_html

__all__ = ["AuditResult", "audit_report", "compare_results", "compare_notebooks", "compare_html", "default_checkout",
           "resolve_input", "normalised_cells", "run_stamps", "NOT_SHOWN", "MAX_STORED_BYTES"]

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


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, value


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)
    return a == b


def _capped(out: list[str], limit: int) -> list[str]:
    if len(out) > limit:
        return out[:limit] + [f"... and {len(out) - limit} more differences"]
    return out


def compare_results(stored: dict, fresh: dict, limit: int = 20) -> list[str]:
    """Figure-by-figure differences between two results.json contents, in words."""
    a, b = dict(_flatten(stored)), dict(_flatten(fresh))
    out = []
    for key in list(dict.fromkeys(list(a) + list(b))):
        if key not in b:
            out.append(f"{RESULTS_FILE} has '{key}' = {a[key]!r}, which the re-run does not produce")
        elif key not in a:
            out.append(f"the re-run produces '{key}' = {b[key]!r}, which {RESULTS_FILE} lacks")
        elif not _same(a[key], b[key]):
            out.append(f"{RESULTS_FILE} says {key} = {a[key]!r}; the re-run gives {b[key]!r}")
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


def run_stamps(nb: dict, checkout_rel: str | None = None) -> list[tuple[str, str]]:
    """(text, placeholder) pairs for one executed notebook: the absolute paths papermill passed, the checkout
    (the parameters file's path less ``checkout_rel``, its path in the checkout), and the id of the injected
    parameters cell. A notebook of any shape gives a list (perhaps empty), never an error."""
    subs = []
    params = _dict(_dict(_dict(_dict(nb).get("metadata")).get("papermill")).get("parameters"))
    params_file = params.get("params_file")
    out_dir = params.get("out_dir")
    for value, name in ((out_dir, "<out_dir>"), (params_file, "<params_file>")):
        if isinstance(value, str) and value.startswith("/") and len(value) > 1:
            subs.append((value, name))
    if isinstance(params_file, str) and checkout_rel and params_file.endswith("/" + checkout_rel):
        root = params_file[: -len(checkout_rel) - 1]
        if len(root) > 1:
            subs.append((root, "<checkout>"))
    for cell in _list(_dict(nb).get("cells")):
        if isinstance(cell, dict) and "injected-parameters" in _list(_dict(cell.get("metadata")).get("tags")):
            if isinstance(cell.get("id"), str) and cell["id"]:
                subs.append((f"cell-id={cell['id']}", "cell-id=<injected>"))
    return subs


def _text(value) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _apply(text: str, subs: list[tuple[str, str]]) -> str:
    for old, new in subs:
        text = text.replace(old, new)
    return text


def normalised_cells(nb: dict, subs: list[tuple[str, str]]) -> list[dict]:
    """Each cell as ``{"type", "source", "outputs"}`` with run stamps left out or replaced (see the module notes).

    Cell ids, execution counts and all metadata (timings, papermill's) are left
    out; every output keeps its type and content (stream text, each MIME type's
    data including images, error name, value and traceback).
    """
    cells = []
    for cell in _list(_dict(nb).get("cells")):
        if not isinstance(cell, dict):
            cells.append({"type": "?", "source": _text(cell), "outputs": []})
            continue
        outputs = []
        for out in _list(cell.get("outputs")):
            if not isinstance(out, dict):
                outputs.append({"?": _text(out)})
                continue
            item = {"output_type": _text(out.get("output_type"))}
            if "text" in out:
                item["text"] = _apply(_text(out["text"]), subs)
            if isinstance(out.get("data"), dict):
                item["data"] = {str(k): _apply(_text(v), subs) for k, v in sorted(out["data"].items())}
            for key in ("name", "ename", "evalue", "traceback"):
                if key in out:
                    item[key] = _apply(_text(out[key]), subs)
            outputs.append(item)
        cells.append({"type": _text(cell.get("cell_type")), "source": _apply(_text(cell.get("source")), subs),
                      "outputs": outputs})
    return cells


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
    """Cell-by-cell differences between a stored and a re-executed notebook, run stamps normalised."""
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
    return _capped(out, limit)


def _visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", html)).strip()


def compare_html(stored: str, fresh: str, stored_subs, fresh_subs) -> list[str]:
    """The difference between a stored and a regenerated report.html, run stamps normalised (empty if none)."""
    a, b = _apply(stored, stored_subs), _apply(fresh, fresh_subs)
    if a == b:
        return []
    ta, tb = _visible(a), _visible(b)
    if ta != tb:
        return [f"{HTML_FILE} differs from the one made again from the re-run: its text reads {_snippet(ta, tb)}"]
    la, lb = a.splitlines(), b.splitlines()
    diff = next((line[1:] for line in difflib.unified_diff(la, lb, lineterm="", n=0)
                 if line.startswith("-") and not line.startswith("---")), "")
    return [f"{HTML_FILE} differs from the one made again from the re-run in its markup (scripts, links, images "
            f"or styles), not its text: the stored file has {diff.strip()[:80]!r}"]


# ----------------------------------------------------------------------------------------------------------------

def _read_stored(path: Path, as_json: bool):
    """A stored report file's text (or JSON), or a difference in words."""
    if not path.is_file():
        return None, f"{path.name} is missing from the report folder"
    if path.stat().st_size > MAX_STORED_BYTES:
        return None, f"{path.name} is larger than {MAX_STORED_BYTES:,} bytes, far beyond any real report; not read"
    try:
        text = path.read_text(encoding="utf-8")
        return (json.loads(text) if as_json else text), None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None, f"{path.name} cannot be read as {'JSON' if as_json else 'UTF-8 text'}"


def _check_inputs(manifest: dict, checkout: Path, result: AuditResult) -> dict[str, Path]:
    found, unchanged, missing, in_checkout = {}, 0, 0, 0
    data = data_dir()
    for role, entry in manifest["inputs"].items():
        base = data if entry.get("base") == "sroi-data" else checkout
        where = "sroi's data folder" if base is data else "the checkout"
        path, why = resolve_input(entry["path"], base)
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
        result.notes.append(f"none of the report's own inputs is in {checkout}: is it the right checkout? Give the "
                            "folder holding them with --checkout")
    result.checked.append(f"{len(manifest['inputs'])} input files found in {checkout} (shipped reference files in "
                          f"{data}) and hashed against the manifest: {unchanged} unchanged")
    return found


def _check_input_list(manifest: dict, params_file: Path, result: AuditResult) -> None:
    """Compare the manifest's list of inputs with the files the contract reads from the checkout."""
    from .contract import load_contract

    try:
        used = load_contract(params_file).files_used()
    except InputError as exc:
        result.differences.append(f"the contract cannot be valued from the checkout: {exc.problems[0]}")
        return
    listed = manifest["inputs"]
    for role in used:
        if role not in listed:
            result.differences.append(f"the manifest does not list the input {role} ({used[role].name}), which the "
                                      "contract reads")
        elif sha256(used[role]) != listed[role]["sha256"]:
            result.differences.append(f"the input {role} the contract reads ({used[role].name}) is not the file "
                                      "the manifest names (its sha256 differs)")
    for role in listed:
        if role not in used:
            result.differences.append(f"the manifest lists an input {role}, which the contract does not read")
    result.checked.append(f"the manifest's list of inputs compared with the files the contract reads ({len(used)})")


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
            try:
                rel.append(path.resolve().relative_to(top.resolve()).as_posix())
            except ValueError:
                pass
        now = git_changed(top, rel)
        if now:
            result.notes.append(f"in the checkout, these inputs are uncommitted or modified: {', '.join(now[:5])}")


def _rerun(folder: Path, manifest: dict, params_file: Path, checkout: Path, kernel: str, timeout: int,
           result: AuditResult) -> None:
    work = Path(tempfile.mkdtemp(prefix="sroi-audit-"))
    try:
        fresh_dir, runtime = work / "report", work / "runtime"
        fresh_dir.mkdir()
        runtime.mkdir()
        try:
            execute(params_file, fresh_dir, kernel, timeout, runtime=runtime)
            export_html(fresh_dir / NOTEBOOK_FILE, fresh_dir / HTML_FILE)
        except RunFailed as exc:
            result.differences.append(f"re-running the notebook failed: {exc}")
            return
        stored, problem = _read_stored(folder / RESULTS_FILE, as_json=True)
        if problem:
            result.differences.append(problem)
        else:
            result.differences += compare_results(stored, json.loads((fresh_dir / RESULTS_FILE).read_text("utf-8")))
        if not (folder / LINES_FILE).is_file():
            result.differences.append(f"{LINES_FILE} is missing from the report folder")
        elif sha256(folder / LINES_FILE) != sha256(fresh_dir / LINES_FILE):
            result.differences.append(f"{LINES_FILE} differs from the re-run's {LINES_FILE}")

        rel = manifest["inputs"]["parameters"]["path"]
        fresh_nb = json.loads((fresh_dir / NOTEBOOK_FILE).read_text("utf-8"))
        fresh_subs = run_stamps(fresh_nb, rel)
        stored_nb, problem = _read_stored(folder / NOTEBOOK_FILE, as_json=True)
        stored_subs = []
        if problem:
            result.differences.append(problem)
        elif not isinstance(stored_nb, dict):
            result.differences.append(f"{NOTEBOOK_FILE} is not a notebook")
        else:
            stored_subs = run_stamps(stored_nb, rel)
            result.differences += compare_notebooks(stored_nb, fresh_nb, stored_subs, fresh_subs)
        stored_html, problem = _read_stored(folder / HTML_FILE, as_json=False)
        if problem:
            result.differences.append(problem)
        else:
            result.differences += compare_html(stored_html, (fresh_dir / HTML_FILE).read_text("utf-8"),
                                               stored_subs, fresh_subs)
        result.checked.append(
            f"the notebook re-executed from the checkout's parameters file and its HTML made again: {RESULTS_FILE} "
            f"compared figure by figure, {LINES_FILE} byte for byte, {NOTEBOOK_FILE} cell by cell (text, HTML and "
            f"images) and {HTML_FILE} in full, with run stamps (timings, cell ids, temporary paths) set aside")
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
    result = AuditResult(folder)
    from .. import __version__

    made_with = (manifest.get("versions") or {}).get("sroi") if isinstance(manifest.get("versions"), dict) else None
    if made_with != __version__:
        result.notes.append(f"the report was made with sroi {made_with}; this is sroi {__version__}, so a "
                            "difference may come from the change of version")

    found = _check_inputs(manifest, checkout, result)
    _check_git(manifest, checkout, found, result)

    for name in OUTPUTS:
        path = folder / name
        if not path.is_file():
            result.differences.append(f"{name} is missing from the report folder")
        elif sha256(path) != manifest["outputs"][name]:
            result.differences.append(f"{name} has been edited since the report was made (its sha256 differs "
                                      "from the manifest's)")
    result.checked.append(f"{len(OUTPUTS)} report files hashed against the manifest")
    if (folder / PDF_FILE).exists():
        result.not_shown.append(f"{PDF_FILE}: it is printed from {HTML_FILE} and not compared")

    params_file = found.get("parameters")
    if params_file is not None and params_file.is_file():
        _check_input_list(manifest, params_file, result)
    if rerun:
        if params_file is None or not params_file.is_file():
            result.differences.append("the notebook was not re-run: the parameters file could not be found in "
                                      "the checkout")
        else:
            _rerun(folder, manifest, params_file, checkout, kernel, timeout, result)
    else:
        result.not_shown.append("that re-running the notebook gives the same report (the re-run was skipped)")
    return result
