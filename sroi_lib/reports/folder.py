"""The report folder: the one place that knows what ``sroi run`` writes for a contract, and how.

``reports/<contract_id>/`` holds:

* ``report.ipynb``: the executed report notebook (papermill records the
  parameters, timings and any error in its metadata);
* ``report.html``: the same without code cells, figures embedded, readable offline;
* ``results.json`` and ``lines.csv``: written by the notebook itself;
* ``manifest.json``: the sha256 of every input and output, and the versions used;
* ``report.pdf`` when asked for and Chromium is installed;
* ``report.docx`` when asked for: an editable Word copy of the report.

The PDF and the Word file are copies made from the report for reading and
editing; they are not hashed in the manifest, and ``sroi audit`` notes that it
has not checked them.

Staging
-------
Every run works in its own folder inside ``reports/.sroi-staging/``
(:func:`staging`): the report being written (``report/``), the Jupyter kernel's
connection file with its key (``runtime/``, given to Jupyter as
``JUPYTER_RUNTIME_DIR``), and the previous report while it is being replaced
(``old/``). The finished report is moved into place with one rename
(:func:`replace_folder`), so a failed or killed run leaves the previous report
as it was. A run's staging folder is removed when the run ends; one left by a
killed run (its owner process gone) is removed by the next ``sroi run`` or
``sroi batch`` on the same folder (:func:`clean_staging`).

Complete report folders
-----------------------
Readers (the portfolio, the dashboard) use only :func:`scan_reports`: a folder
counts when its name does not start with ``.``, it holds a readable
``manifest.json`` and every report file, and the sha256 of its figures
(``results.json`` and ``lines.csv``) match the manifest. (The notebook and the
HTML, which hold no figure the portfolio reads and are a hundred times larger,
are left to ``sroi audit``.) Every other folder holding a results file is
listed as skipped, with the reason.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import secrets
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem, Problems, RunFailed
from ..paths import notebooks_dir

__all__ = ["REPORT_NOTEBOOK", "NOTEBOOK_FILE", "HTML_FILE", "RESULTS_FILE", "LINES_FILE", "MANIFEST_FILE", "PDF_FILE",
           "DOCX_FILE", "COPIES",
           "WRITTEN_BY_NOTEBOOK", "OUTPUTS", "STAGING_DIR", "MAX_MANIFEST_BYTES", "sha256", "strict_json_loads",
           "read_manifest",
           "ReportScan", "scan_reports", "report_folders", "Stage", "staging", "clean_staging", "replace_folder",
           "write_error"]

REPORT_NOTEBOOK = notebooks_dir() / "contract_report.ipynb"
NOTEBOOK_FILE = "report.ipynb"
HTML_FILE = "report.html"
RESULTS_FILE = "results.json"
LINES_FILE = "lines.csv"
MANIFEST_FILE = "manifest.json"
PDF_FILE = "report.pdf"
DOCX_FILE = "report.docx"
COPIES = (PDF_FILE, DOCX_FILE)  # made from the report when asked for; not hashed, and noted as unchecked by the audit
WRITTEN_BY_NOTEBOOK = (RESULTS_FILE, LINES_FILE)
OUTPUTS = (RESULTS_FILE, LINES_FILE, HTML_FILE, NOTEBOOK_FILE)  # hashed in the manifest, checked by the audit
STAGING_DIR = ".sroi-staging"
OWNER_FILE = "owner.json"
MAX_MANIFEST_BYTES = 1_000_000  # a real manifest is about 5 kB
HEX = frozenset("0123456789abcdef")


def sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------------------------
# manifest.json, read defensively: a forger or a damaged disk may have written anything.

def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _refuse_duplicates(pairs: list) -> dict:
    """A JSON object's pairs as a dict, refusing a key given twice (``json`` would keep the last silently, so a
    forged manifest could show one value to one reader and another to the next)."""
    seen = {}
    for key, value in pairs:
        if key in seen:
            shown = key if len(key) <= 60 else key[:60] + "..."
            raise ValueError(f"the key {shown!r} is given twice in one object")
        seen[key] = value
    return seen


def strict_json_loads(text: str):
    """``json.loads`` refusing NaN and Infinity, and a key given twice in one object.

    Raises
    ------
    ValueError
        Naming the key given twice, or the constant; also for text that is not JSON.
    """
    return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicates)


def _is_sha256(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= HEX


def read_manifest(folder: str | Path) -> dict:
    """Read and check a report folder's ``manifest.json``.

    Checks, in order: the file exists and is a regular file; it is at most
    :data:`MAX_MANIFEST_BYTES`; it is UTF-8 JSON without NaN or Infinity, and
    without a key given twice in one object; it is
    an object with ``contract_id`` (text), ``inputs`` (an object of role to
    ``{"path": text, "sha256": 64 hex digits}``, with an optional ``"base"`` of
    ``"checkout"`` or ``"sroi-data"``), ``outputs`` (an object giving the sha256
    of each report file) and ``parameters`` (an object).

    Raises
    ------
    InputError
        Every problem found, naming the manifest; nothing else escapes.
    """
    folder = Path(folder)
    path = folder / MANIFEST_FILE
    fix = "Run `sroi run` again to make a new report; a manifest cannot be repaired by hand."
    if not folder.is_dir():
        raise InputError(Problem("is not a folder", file=str(folder),
                                 fix="Give a report folder written by `sroi run`, e.g. reports/<contract_id>."))
    if not path.is_file():
        raise InputError(Problem(f"has no {MANIFEST_FILE}, so it is not an sroi report folder", file=str(folder),
                                 fix="Give a folder written by `sroi run`, e.g. reports/<contract_id>."))
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise InputError(Problem(f"cannot be read ({exc.strerror})", file=str(path))) from None
    if len(raw) > MAX_MANIFEST_BYTES:
        raise InputError(Problem(f"is larger than {MAX_MANIFEST_BYTES:,} bytes; a real manifest is a few kilobytes",
                                 file=str(path), fix=fix))
    try:
        manifest = strict_json_loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(Problem("is not UTF-8 text", file=str(path), fix=fix)) from None
    except RecursionError:
        raise InputError(Problem("is nested too deeply to be a manifest", file=str(path), fix=fix)) from None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError, as is NaN or Infinity
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise InputError(Problem(f"is not valid JSON ({detail})", file=str(path), fix=fix)) from None
    found = Problems()
    if not isinstance(manifest, dict):
        found.add(f"holds {_json_kind(manifest)}, not a JSON object", file=str(path), fix=fix)
        found.raise_if_any()
    kinds = {"contract_id": str, "inputs": dict, "outputs": dict, "parameters": dict}
    for key, kind in kinds.items():
        if key not in manifest:
            found.add(f"has no '{key}'", file=str(path), fix=fix)
        elif not isinstance(manifest[key], kind):
            found.add(f"'{key}' should be {'text' if kind is str else 'an object'}, not "
                      f"{_json_kind(manifest[key])}", file=str(path), fix=fix)
    if isinstance(manifest.get("inputs"), dict):
        for role, entry in manifest["inputs"].items():
            if not isinstance(entry, dict):
                found.add(f"input '{role}' should be an object with a path and a sha256, not {_json_kind(entry)}",
                          file=str(path), fix=fix)
                continue
            if not isinstance(entry.get("path"), str) or not entry.get("path"):
                found.add(f"input '{role}' has no path (text)", file=str(path), fix=fix)
            if not _is_sha256(entry.get("sha256")):
                found.add(f"input '{role}' has no sha256 (64 hexadecimal digits)", file=str(path), fix=fix)
            if entry.get("base", "checkout") not in ("checkout", "sroi-data"):
                found.add(f"input '{role}' has an unknown base {entry.get('base')!r}", file=str(path), fix=fix)
        if "parameters" not in manifest["inputs"]:
            found.add("lists no parameters file among its inputs", file=str(path), fix=fix)
    if isinstance(manifest.get("outputs"), dict):
        for name, digest in manifest["outputs"].items():
            if name not in OUTPUTS:
                found.add(f"lists an output '{name}', which is not a report file", file=str(path), fix=fix)
            elif not _is_sha256(digest):
                found.add(f"the sha256 of output '{name}' should be 64 hexadecimal digits, not {_json_kind(digest)}",
                          file=str(path), fix=fix)
        for name in OUTPUTS:
            if name not in manifest["outputs"]:
                found.add(f"has no sha256 for {name}", file=str(path), fix=fix)
    found.raise_if_any()
    return manifest


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)) and not (isinstance(value, float) and not math.isfinite(value)):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text" if len(value) > 40 else f"text ({value!r})"
    return {dict: "an object", list: "a list", type(None): "null"}.get(type(value), type(value).__name__)


# ----------------------------------------------------------------------------------------------------------------
# Complete report folders.

@dataclass
class ReportScan:
    """The complete report folders under a reports folder, and every other folder skipped, with why."""

    folders: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _incomplete(folder: Path) -> str | None:
    """Why ``folder`` is not a complete report (None when it is)."""
    try:
        manifest = read_manifest(folder)
    except InputError as exc:
        return exc.problems[0].message
    for name in OUTPUTS:
        if not (folder / name).is_file():
            return f"{name} is missing (an unfinished or damaged report)"
    for name in WRITTEN_BY_NOTEBOOK:  # the figures; the notebook and HTML are left to `sroi audit` (they are large)
        if sha256(folder / name) != manifest["outputs"][name]:
            return f"{name} does not match its manifest (edited after the run, or damaged)"
    return None


def scan_reports(reports_dir: str | Path) -> ReportScan:
    """The complete report folders under ``reports_dir`` in name order, and the folders skipped.

    A folder is complete when its name does not start with ``.``, and it holds
    a readable manifest, every report file, and figures (results and lines)
    whose sha256 match the manifest. The
    staging folder is never looked at; another hidden folder or an incomplete
    one that holds a results file is listed in ``skipped`` with the reason.
    """
    scan = ReportScan()
    try:
        entries = sorted(Path(reports_dir).iterdir())
    except OSError:
        return scan
    for entry in entries:
        if entry.name == STAGING_DIR or not entry.is_dir():
            continue
        if entry.name.startswith("."):
            if (entry / RESULTS_FILE).exists():
                scan.skipped.append((entry, "a hidden folder (its name starts with '.'), such as one left by an "
                                            "interrupted run of an older sroi; delete it"))
            continue
        if not (entry / RESULTS_FILE).exists() and not (entry / MANIFEST_FILE).exists():
            continue  # not a report folder at all
        why = _incomplete(entry)
        if why is None:
            scan.folders.append(entry)
        else:
            scan.skipped.append((entry, why))
    return scan


def report_folders(reports_dir: str | Path) -> list[Path]:
    """Every complete report folder under ``reports_dir``, in name order (see :func:`scan_reports`)."""
    return scan_reports(reports_dir).folders


# ----------------------------------------------------------------------------------------------------------------
# Staging: where a run works until its report is complete.

def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: leave its folder alone
    now = _start_time(pid)
    return started is None or now is None or now == started


@dataclass
class Stage:
    """One run's staging folder: ``report`` (being written), ``runtime`` (kernel files), ``old`` (the report replaced)."""

    root: Path

    @property
    def report(self) -> Path:
        return self.root / "report"

    @property
    def runtime(self) -> Path:
        return self.root / "runtime"

    @property
    def old(self) -> Path:
        return self.root / "old"


def clean_staging(out_root: str | Path) -> list[Path]:
    """Remove every staging folder under ``out_root`` whose owner process has gone; returns those removed.

    The owner is the process recorded in the folder's ``owner.json`` (its pid
    and, on Linux, its start time, so a reused pid is not taken for the owner).
    A folder whose owner ran on another computer (its ``host``: a cluster's
    worker writing into a shared folder) is left alone: only a run on that
    computer can tell whether its owner is alive.
    Without a readable owner file (a run that has just made its folder, or was
    killed before it wrote the file), the pid in the folder's name is used. If a run was killed between the two renames of
    :func:`replace_folder`, its previous report (``old/``) is put back first.
    """
    area = Path(out_root) / STAGING_DIR
    removed = []
    try:
        entries = list(area.iterdir())
    except OSError:
        return removed
    for entry in entries:
        owner = {}
        try:
            owner = json.loads((entry / OWNER_FILE).read_text(encoding="utf-8"))
            host = owner.get("host")
            # A run on another computer sharing the folder (a cluster's worker): its pid means nothing here.
            alive = (host is not None and host != socket.gethostname()) or _alive(int(owner["pid"]),
                                                                                owner.get("started"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            # No owner file yet (a run between making its folder and writing the file) or a damaged one: the
            # folder's name ends with the owner's pid and a random part.
            parts = entry.name.rsplit("-", 2)
            alive = len(parts) == 3 and parts[1].isdigit() and _alive(int(parts[1]), None)
        if not alive:
            cid = owner.get("contract_id") if isinstance(owner, dict) else None
            final = Path(out_root) / cid if isinstance(cid, str) and cid and "/" not in cid and cid[0] != "." else None
            if final is not None and (entry / "old").is_dir() and not final.exists():
                with contextlib.suppress(OSError):
                    os.replace(entry / "old", final)  # killed between the two renames: the old report goes back
            shutil.rmtree(entry, ignore_errors=True)
            if not entry.exists():
                removed.append(entry)
    with contextlib.suppress(OSError):
        area.rmdir()  # only when empty
    return removed


@contextlib.contextmanager
def staging(out_root: str | Path, contract_id: str):
    """A fresh staging folder for one run under ``<out_root>/.sroi-staging/``, removed when the run ends.

    Stale folders of runs that were killed are cleaned first. Yields a
    :class:`Stage`.
    """
    area = Path(out_root) / STAGING_DIR
    clean_staging(out_root)
    area.mkdir(parents=True, exist_ok=True)
    root = area / f"{contract_id}-{os.getpid()}-{secrets.token_hex(4)}"
    root.mkdir()
    stage = Stage(root)
    try:
        (root / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "started": _start_time(os.getpid()),
                                                   "host": socket.gethostname(), "contract_id": contract_id}),
                                       encoding="utf-8")
        stage.report.mkdir()
        stage.runtime.mkdir()
        yield stage
    finally:
        shutil.rmtree(root, ignore_errors=True)
        with contextlib.suppress(OSError):
            area.rmdir()  # only when empty


def replace_folder(new: Path, final: Path, aside: Path) -> None:
    """Move ``new`` to ``final``, first moving an existing ``final`` to ``aside`` (in the staging folder).

    Two renames on one file system: a reader sees the old report or the new
    one, never half of either. If the second rename fails, the old report is
    put back.
    """
    moved = False
    if final.exists():
        os.replace(final, aside)
        moved = True
    try:
        os.replace(new, final)
    except BaseException:
        if moved:
            os.replace(aside, final)
        raise
    if moved:
        shutil.rmtree(aside, ignore_errors=True)


def write_error(exc: OSError, where: Path) -> Exception:
    """The error to raise for an :class:`OSError` met while writing a report into ``where``.

    A full disk or used-up quota (ENOSPC, EDQUOT) is a :class:`RunFailed`
    (exit 1); a read-only or forbidden folder (EROFS, EACCES, EPERM) is the
    user's choice of folder, an :class:`InputError` (exit 2). Either says in one
    line that any previous report is unchanged. Any other error is returned as
    it is.
    """
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return RunFailed(f"the disk holding {where} is full (or your quota there is used up). Free some space and "
                         "run again; any previous report is unchanged")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason = "the disk is read-only" if exc.errno == errno.EROFS else "you may not write there"
        return InputError(Problem(f"the report cannot be written here ({reason}); any previous report is unchanged",
                                  file=str(where), fix="Choose another folder with --out, or ask for write access."))
    return exc
