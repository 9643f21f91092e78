"""Audit a report folder: are its inputs unchanged, its files untouched, and does
re-running the notebook give the same valuation?

1. Every input recorded in ``manifest.json`` (parameters, impact map, inputs,
   proxy library files, deflators, discount schedules, framework) is hashed again
   and compared with the recorded sha256; each changed or missing file is named.
2. Every output (``results.json``, ``lines.csv``, ``report.html``,
   ``report.ipynb``) is hashed again: a file edited after the run is named.
3. The notebook is executed again from the recorded parameters into a temporary
   folder, and the new ``results.json`` is compared with the stored one figure
   by figure (numbers must agree to one part in a billion), and ``lines.csv``
   byte for byte.

The verdict is VERIFIED only if all three pass.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem, RunFailed
from .folder import LINES_FILE, MANIFEST_FILE, OUTPUTS, RESULTS_FILE
from .manifest import git_root, sha256
from .runner import DEFAULT_KERNEL, DEFAULT_TIMEOUT, execute

__all__ = ["AuditResult", "audit_report", "compare_results"]

REL_TOL = 1e-9


@dataclass
class AuditResult:
    """What was checked, and every difference found (empty when verified)."""

    folder: Path
    checked: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

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
    if len(out) > limit:
        out = out[:limit] + [f"... and {len(out) - limit} more differences"]
    return out


def audit_report(folder: str | Path, *, kernel: str = DEFAULT_KERNEL, timeout: int = DEFAULT_TIMEOUT,
                 rerun: bool = True) -> AuditResult:
    """Audit a report folder (see the module notes)."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        raise InputError(Problem(f"has no {MANIFEST_FILE}, so it is not an sroi report folder", file=str(folder),
                                 fix="Give a folder written by `sroi run`, e.g. reports/<contract_id>."))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        inputs, outputs = manifest["inputs"], manifest["outputs"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise InputError(Problem(f"{MANIFEST_FILE} cannot be read", file=str(manifest_path))) from None
    result = AuditResult(folder)
    root = Path(manifest.get("root", ""))
    if not root.is_dir():
        root = git_root(folder.resolve().parent) or Path.cwd()

    changed_inputs = 0
    for role, entry in inputs.items():
        path = root / entry["path"]
        if not path.is_file():
            result.differences.append(f"input {role} ({entry['path']}) is missing")
            changed_inputs += 1
        elif sha256(path) != entry["sha256"]:
            result.differences.append(f"input {role} ({entry['path']}) has changed since the report was made")
            changed_inputs += 1
    result.checked.append(f"{len(inputs)} input files hashed against the manifest "
                          f"({len(inputs) - changed_inputs} unchanged)")

    for name in OUTPUTS:
        path = folder / name
        if not path.is_file():
            result.differences.append(f"{name} is missing from the report folder")
        elif sha256(path) != outputs.get(name):
            result.differences.append(f"{name} has been edited since the report was made (its sha256 differs)")
    result.checked.append(f"{len(OUTPUTS)} report files hashed against the manifest")

    if rerun:
        params_file = root / manifest["parameters"]["params_file"]
        tmp = Path(tempfile.mkdtemp(prefix=".sroi-audit-"))
        try:
            if not params_file.is_file():
                result.differences.append(f"the parameters file {manifest['parameters']['params_file']} is missing, "
                                          "so the notebook cannot be run again")
            else:
                try:
                    execute(params_file, tmp, kernel, timeout)
                except RunFailed as exc:
                    result.differences.append(f"re-running the notebook failed: {exc}")
                else:
                    stored_path = folder / RESULTS_FILE
                    try:
                        stored = json.loads(stored_path.read_text(encoding="utf-8"))
                    except (OSError, json.JSONDecodeError):
                        result.differences.append(f"{RESULTS_FILE} cannot be read as JSON")
                        stored = None
                    if stored is not None:
                        fresh = json.loads((tmp / RESULTS_FILE).read_text(encoding="utf-8"))
                        result.differences += compare_results(stored, fresh)
                    if (folder / LINES_FILE).is_file() and \
                            sha256(folder / LINES_FILE) != sha256(tmp / LINES_FILE):
                        result.differences.append(f"{LINES_FILE} differs from the re-run's {LINES_FILE}")
                    result.checked.append(f"the notebook re-executed from the recorded parameters; {RESULTS_FILE} "
                                          f"compared figure by figure and {LINES_FILE} byte for byte")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return result
