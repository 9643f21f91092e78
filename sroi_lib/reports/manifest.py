"""manifest.json: what a report was made from and what it holds, so it can be verified later.

The manifest records the sha256 of every file the valuation read (the
parameters, impact map and inputs, each proxy library file loaded, the
deflator series, the discount schedule file when a named schedule was used,
the framework, and the commitments and returns when tracked), the sha256 of
every report file, the parameters, the versions of sroi, Python, pandas, numpy
and papermill, and the git commit. Paths are relative to the repository root
(``root``) where they lie inside it.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

from .folder import MANIFEST_FILE, OUTPUTS, REPORT_NOTEBOOK

__all__ = ["sha256", "git_root", "git_commit", "write_manifest"]


def sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _git(folder: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_commit(folder: Path) -> str | None:
    """The commit checked out in the git repository holding ``folder``; None outside one."""
    return _git(folder, "rev-parse", "HEAD")


def git_root(folder: Path) -> Path | None:
    """The top folder of the git repository holding ``folder``; None outside one."""
    top = _git(folder, "rev-parse", "--show-toplevel")
    return Path(top) if top else None


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path.resolve())


def write_manifest(run, folder: Path, parameters: dict, kernel: str) -> Path:
    """Write manifest.json into ``folder`` for a :class:`~sroi_lib.reports.contract.ContractRun`.

    ``parameters`` are those passed to the notebook; the inputs are the files
    the valuation actually read (:meth:`~sroi_lib.reports.contract.ContractRun.files_used`).
    """
    import numpy
    import pandas
    import papermill

    from .. import __version__

    root = git_root(run.params.path.parent) or run.params.path.parent
    manifest = {
        "contract_id": run.params.contract_id,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "root": str(root),
        "inputs": {role: {"path": _relative(p, root), "sha256": sha256(p)} for role, p in run.files_used().items()},
        "outputs": {name: sha256(folder / name) for name in OUTPUTS},
        "parameters": {("params_file" if k == "path" else k): (_relative(v, root) if isinstance(v, Path) else v)
                       for k, v in asdict(run.params).items()},
        "papermill_parameters": {k: v for k, v in parameters.items() if k != "out_dir"},
        "notebook": _relative(REPORT_NOTEBOOK, root) if REPORT_NOTEBOOK.exists() else str(REPORT_NOTEBOOK),
        "kernel": kernel,
        "versions": {"sroi": __version__, "python": platform.python_version(), "pandas": pandas.__version__,
                     "numpy": numpy.__version__, "papermill": papermill.__version__},
        "git_commit": git_commit(run.params.path.parent),
    }
    path = folder / MANIFEST_FILE
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path
