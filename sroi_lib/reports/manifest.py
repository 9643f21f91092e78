"""manifest.json: what a report was made from and what it holds, so it can be verified later.

The manifest records the sha256 of every file the valuation read (the
parameters, impact map and inputs, each proxy library file loaded, the
deflator series, the discount schedule file when a named schedule was used,
the framework, the commitments and returns when tracked, and the council theme
file the report was styled with, from the parameters or ``--theme``, with the
logo it names, role ``theme_logo``), the sha256 of
every report file, the parameters, the versions of sroi, Python, pandas, numpy
and papermill, and the git state of the inputs.

Paths are never absolute. Each input is recorded relative to one of two bases:

* ``checkout`` (the default): the top folder of the git repository holding the
  parameters file, when every one of the contract's own files lies inside it;
  otherwise the deepest folder holding them all. An auditor gives this folder
  as ``sroi audit --checkout``.
* ``sroi-data``: sroi's data folder (:func:`sroi_lib.paths.data_dir`), for the
  shipped reference files (proxies, deflators, discount schedules, frameworks)
  when they lie outside the checkout.

``git`` records the commit checked out in the inputs' repository and which of
the inputs were uncommitted or modified there (``git status`` of those paths),
so an auditor knows whether the commit alone identifies them.

Every git command runs with :data:`GIT_HARDENING` and without the system or
global configuration, so no program named in a repository's own configuration
(a file monitor, hooks, a pager, an external diff) is run; the audit judges
inputs with :func:`git_uncommitted`, which runs no ``git status``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

from ..paths import data_dir
from .folder import MANIFEST_FILE, OUTPUTS, REPORT_NOTEBOOK, sha256
from .theme import load_theme

__all__ = ["sha256", "git_root", "git_commit", "git_changed", "git_uncommitted", "git_record", "input_base", "is_inside",
           "write_manifest",
           "GIT_HARDENING", "THEME_LOGO"]

THEME_LOGO = "theme_logo"  # the role of the theme's logo among the inputs

# Every git command runs with these: a repository's own configuration (which whoever made the repository wrote)
# may name programs for git to run (core.fsmonitor during `git status`, hooks, a pager, an external diff); none
# of them is ever run, and git takes no optional locks in a folder it only reads.
GIT_HARDENING = ("--no-optional-locks", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
                 "-c", "core.pager=cat", "-c", "diff.external=", "-c", "core.untrackedCache=false",
                 "-c", "credential.helper=", "-c", "core.sshCommand=false", "-c", "protocol.allow=never")


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0",
                "GIT_PAGER": "cat", "GIT_OPTIONAL_LOCKS": "0", "GIT_EXTERNAL_DIFF": ""})
    return env


def _git(folder: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *GIT_HARDENING, *args], cwd=folder, capture_output=True, text=True,
                             timeout=10, env=_git_env(), stdin=subprocess.DEVNULL)
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


def git_changed(top: Path, paths: list[str]) -> list[str] | None:
    """Which of ``paths`` (relative to the repository's top folder ``top``) are untracked, uncommitted or modified.

    None when git cannot tell (not a repository, or git not installed).
    """
    if not paths:
        return []
    out = _git(top, "status", "--porcelain", "--ignored", "--untracked-files=all", "--", *paths)
    if out is None:
        return None
    changed = []
    for line in out.splitlines():
        name = line[2:].lstrip()  # "XY path"; the first line may have lost its leading space
        if " -> " in name:  # a rename: the new name
            name = name.split(" -> ", 1)[1]
        changed.append(name.strip('"'))
    return sorted(changed)


def git_uncommitted(top: Path, paths: list[str]) -> list[str] | None:
    """Which of ``paths`` (relative to the repository's top folder ``top``) differ from the commit checked out:
    not in it, or with other bytes than it holds. None when git cannot tell.

    Unlike :func:`git_changed` this runs no ``git status``: it reads the commit's tree (``git ls-tree``) and
    hashes each file's bytes as they are (``git hash-object --no-filters``), so no filter, hook or file
    monitor named in the repository's configuration is run, and a file is judged by its bytes alone.
    """
    if not paths:
        return []
    tree = _git(top, "ls-tree", "-r", "--full-tree", "-z", "HEAD", "--", *paths)
    if tree is None:
        return None
    committed = {}
    for item in tree.split("\0"):
        if "\t" in item:
            meta, name = item.split("\t", 1)
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob":
                committed[name] = parts[2]
    changed = []
    for rel in paths:
        if rel not in committed:
            changed.append(rel)
            continue
        now = _git(top, "hash-object", "--no-filters", "--", rel)
        if now is None or now != committed[rel]:
            changed.append(rel)
    return sorted(changed)


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies in ``folder`` (both as given: resolve them first to follow links)."""
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def input_base(files: list[Path], params_file: Path) -> Path:
    """The folder the contract's own files are recorded relative to (the ``checkout`` base).

    The git top folder of the parameters file when every file outside sroi's
    data folder lies inside it; otherwise the deepest folder holding the
    parameters file and all those files.
    """
    data = data_dir().resolve()
    own = [p.resolve() for p in files if not is_inside(p.resolve(), data)]
    params_dir = params_file.resolve().parent
    top = git_root(params_dir)
    if top is not None and all(is_inside(p, top.resolve()) for p in own):
        return top.resolve()
    return Path(os.path.commonpath([str(params_dir)] + [str(p.parent) for p in own]))


def _entry(path: Path, root: Path, *, digest: bool = True) -> dict:
    resolved = path.resolve()
    data = data_dir().resolve()
    if is_inside(resolved, root):
        entry = {"path": resolved.relative_to(root).as_posix()}
    elif is_inside(resolved, data):
        entry = {"path": resolved.relative_to(data).as_posix(), "base": "sroi-data"}
    else:  # cannot happen: input_base holds every file outside the data folder
        raise ValueError(f"{path} is outside {root} and {data}")
    if digest:
        entry["sha256"] = sha256(path)
    return entry


def git_record(root: Path, paths: list[str]) -> dict:
    """The manifest's ``git``: ``commit`` (checked out in the repository holding ``root``; None outside one),
    ``inputs_changed`` (which of ``paths``, relative to ``root``, are untracked, uncommitted or modified there:
    :func:`git_changed`) and a ``note`` saying what that means."""
    top = git_root(root)
    commit = git_commit(root) if top is not None else None
    changed = None
    if top is not None:
        top = top.resolve()
        changed = git_changed(top, [(root / p).resolve().relative_to(top).as_posix() for p in paths
                                    if is_inside((root / p).resolve(), top)])
    return {"commit": commit, "inputs_changed": changed,
            "note": ("outside a git repository" if top is None else
                     "every input was committed and unmodified" if not changed else
                     "some inputs were uncommitted or modified, so the commit alone does not identify them")}


def write_manifest(run, folder: Path, parameters: dict, kernel: str, theme: Path | None = None,
                   origin: dict | None = None) -> Path:
    """Write manifest.json into ``folder`` for a :class:`~sroi_lib.reports.contract.ContractRun`.

    ``parameters`` are those passed to the notebook; the inputs are the files
    the valuation actually read (:meth:`~sroi_lib.reports.contract.ContractRun.files_used`),
    with ``theme``, the theme file the report was styled with (role ``theme``), in
    place of any the parameters name, and the logo that theme names (role ``theme_logo``), so that ``sroi audit``
    names a changed logo.

    ``origin``, for a contract run on a cluster's worker from files sent by value
    (:mod:`~sroi_lib.reports.distributed`): ``{"base": the folder holding those files there, "git": the
    git_record of the computer that sent them}``, so the manifest records the same paths and git state as a run
    on that computer.
    """
    import numpy
    import pandas
    import papermill

    from .. import __version__

    used = run.files_used()
    named = used.pop("theme", None)  # the parameters' theme, recorded among the parameters even when --theme won
    if theme is not None:
        used["theme"] = Path(theme)
    if "theme" in used:
        logo = load_theme(used["theme"]).logo_path  # the theme was checked before the run: it loads
        if logo is not None:
            used[THEME_LOGO] = logo
    if origin is not None:  # a run on a cluster's worker: the base and git state of the computer that sent it
        root = Path(origin["base"])
    else:
        root = input_base(list(used.values()) + ([named] if named is not None else []), run.params.path)
    inputs = {role: _entry(p, root) for role, p in used.items()}
    git = origin["git"] if origin is not None else git_record(root, [e["path"] for e in inputs.values()
                                                                     if "base" not in e])
    manifest = {
        "contract_id": run.params.contract_id,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "inputs": inputs,
        "outputs": {name: sha256(folder / name) for name in OUTPUTS},
        "parameters": {("params_file" if k == "path" else k): (_entry(v, root, digest=False)["path"] if isinstance(v, Path) else v)
                       for k, v in asdict(run.params).items()},
        "notebook": REPORT_NOTEBOOK.name,
        "kernel": kernel,
        "versions": {"sroi": __version__, "python": platform.python_version(), "pandas": pandas.__version__,
                     "numpy": numpy.__version__, "papermill": papermill.__version__},
        "git_commit": git["commit"],
        "git": git,
    }
    path = folder / MANIFEST_FILE
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path
