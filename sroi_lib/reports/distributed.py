"""A batch of reports on a Dask cluster: ``sroi batch PARAMS_DIR --scheduler ADDRESS``.

The work is the local batch's (:func:`~sroi_lib.reports.runner.run_batch`),
handed to an existing Dask cluster through ``dask.distributed.Client`` rather
than to processes on this computer. This module is imported only when a
scheduler is given, so ``sroi batch`` without one never imports Dask (an
optional extra: ``pip install 'sroi[distributed]'``).

What is the same as the local batch
    The checks before any contract runs (:func:`~sroi_lib.reports.runner.batch_jobs`),
    each report made by :func:`~sroi_lib.reports.runner.run_job` (which calls
    :func:`~sroi_lib.reports.runner.run_contract` unchanged), each report folder
    written here in the output folder's staging area and moved into place with one
    rename, the progress bar, the ``(file, status, detail)`` results, hence the
    summary and the exit code.

What travels over the network
    Each contract by value (:class:`Bundle`): the bytes of its parameters file and
    of every file it names, and its git state here; and the report back by value,
    which is checked against its manifest and against the files sent, then written
    here (:func:`_received`). No path is read on a worker but its own sroi and data
    folder, and no credential travels: sroi sends none, and a contract's files hold
    none.

What the cluster must share
    The same sroi on every worker, with the same data folder. Before any work is
    sent, :func:`preflight` runs :func:`fingerprint` on every worker
    (``Client.run``) and compares it with this computer's: sroi's version, the
    sha256 of each of its code files and of the report notebook, the Jupyter
    kernel the reports run in, and the sha256 of every file of sroi's data folder
    (:func:`shared_inputs`: proxies, reference tables, frameworks, themes,
    settings; found on each worker through its own
    :func:`~sroi_lib.paths.data_dir`). Any difference refuses the batch (exit 2),
    naming the worker and the file.

Faults
    A worker that dies while running a contract: the scheduler gives the task to
    another worker (Dask's own rule for lost workers). A contract whose workers
    died :data:`MAX_ATTEMPTS` times is not started again: it is reported failed
    with that reason (the task asks the scheduler how many workers died running
    it before it starts; a scheduler whose ``allowed-failures`` is lower stops
    it sooner, with Dask's ``KilledWorker``, also reported failed). A contract
    that fails by itself (a notebook error, a refused input) is reported as the
    local batch reports it, not retried. Nothing reaches the output folder but
    whole reports: a killed worker's work was in its own temporary folder
    (:data:`WORKER_AREA`), which the next contract run on that computer removes
    (:func:`~sroi_lib.reports.folder.clean_staging`). The preflight's hashes travel with each contract, so a
    worker's death never loses them.

Workers
    A worker that joins the cluster after the check is checked by the batch's
    tasks themselves (:func:`run_bundle_on_worker`): the first contract a worker
    process runs compares it with this computer, and on a difference every
    contract it is given is reported failed, naming the difference.

    A worker process runs one contract at a time (:data:`_ONE_AT_A_TIME`): a
    run points the process's ``JUPYTER_RUNTIME_DIR`` and standard error at its
    staging folder while its kernel starts. Start workers with one thread
    each and as many processes as cores (``dask worker ADDRESS --nworkers N --nthreads 1``).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem
from ..paths import data_dir
from .folder import MANIFEST_FILE, REPORT_NOTEBOOK, replace_folder, sha256, staging, write_error
from .manifest import is_inside
from .runner import DEFAULT_KERNEL, DEFAULT_TIMEOUT, RunResult, batch_jobs, progress_bar, run_job

__all__ = ["CONNECT_TIMEOUT", "MAX_ATTEMPTS", "WORKER_AREA", "Bundle", "bundle", "connect",
           "shared_inputs", "fingerprint", "code_files", "preflight", "mismatches", "run_bundle_on_worker",
           "run_batch_on_cluster", "lost_reason", "kept"]

CONNECT_TIMEOUT = 5  # seconds to reach the scheduler, and to wait for a first worker
MAX_ATTEMPTS = 2  # a contract whose workers died this many times while running it is reported failed
MAX_SHOWN = 5  # differences named per worker; the rest are counted
WORKER_AREA = "sroi-worker"  # in a worker's temporary folder: the contracts it is running, by value
INSTALL_FIX = "Install it with: pip install 'sroi[distributed]' (Dask's distributed scheduler)."

_ONE_AT_A_TIME = threading.Lock()  # one contract at a time in a worker process (see the module's docstring)


def connect(address: str):
    """A ``dask.distributed.Client`` connected to the scheduler at ``address`` with at least one worker.

    Raises
    ------
    InputError
        When Dask is not installed, when no scheduler answers at ``address``
        within :data:`CONNECT_TIMEOUT` seconds, or when it has no worker.
    """
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError(Problem("--scheduler needs Dask, which is not installed here", fix=INSTALL_FIX)) from None
    fix = ("Give the scheduler's address as it prints it, like tcp://127.0.0.1:8786, and check that the scheduler "
           "is running and that this computer may reach it; or leave out --scheduler to run it on this computer.")
    try:  # a malformed address is refused before a Client is made (one half-made would complain when collected)
        from distributed.comm.addressing import parse_address
        from distributed.comm.registry import get_backend

        get_backend(parse_address(address)[0])
    except (ValueError, TypeError) as exc:
        raise InputError(Problem(f"'{address}' is not a Dask scheduler's address ({_one_line(exc)})",
                                 fix=fix)) from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise InputError(Problem(f"no Dask scheduler answered at {address} within {CONNECT_TIMEOUT} seconds "
                                 f"({_one_line(exc)})", fix=fix)) from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError):
        client.close()
        raise InputError(Problem(f"the Dask scheduler at {address} has no workers",
                                 fix="Start workers for it (dask worker ADDRESS --nthreads 1), then run again."))
    return client


def _same(value):
    """The value it is given: the task behind each of :func:`kept`'s futures."""
    return value


def kept(client, values: list, keys: list[str]) -> list:
    """Futures for ``values``, sent once for the tasks of a run to share: each is a task that returns its value.

    Not ``Client.scatter``: the scheduler's Active Memory Manager drops the copies of data it thinks no task needs
    (every 2 seconds by default), so scattered data soon lives on one worker, even when broadcast; when that worker
    dies it is lost for good and every task needing it is cancelled. A task's result whose worker dies is made again
    by the scheduler from what was sent, on another worker. The cost: the scheduler holds each value (in its task)
    until the run ends.

    Parameters
    ----------
    client : dask.distributed.Client
    values : list
        What the tasks share (each sent by value, pickled).
    keys : list of str
        One unique task name per value.
    """
    import warnings

    with warnings.catch_warnings():  # sending the values in the graph is the point; Dask would advise against it
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        return client.map(_same, values, key=keys, pure=False)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def shared_inputs() -> dict[str, str]:
    """The input files every worker must see as this computer does, as ``{label: path}``, for :func:`fingerprint`:
    every file of sroi's data folder (proxies, reference tables, frameworks, themes, settings) by its path inside
    it, which each worker finds in its own data folder (:func:`~sroi_lib.paths.data_dir`). A contract's own files
    are not among them: they travel with it (:func:`bundle`)."""
    data = data_dir().resolve()
    return {f"{rel} in sroi's data folder": rel
            for rel in sorted(p.relative_to(data).as_posix() for p in data.rglob("*")
                              if p.is_file() and "__pycache__" not in p.parts)}


@dataclass(frozen=True)
class Bundle:
    """One contract as it travels to the worker that runs it: its files by value, never a path to read there.

    ``files`` maps each file's path relative to ``base`` (the folder of this computer that the report's manifest
    records the contract's files against: :func:`~sroi_lib.reports.manifest.input_base`) to its bytes: the
    parameters file (``params``), every file it names (impact map, inputs, commitments, returns, own proxies,
    place lookup, scenarios, theme and its logo) and the batch's theme (``theme``). ``git`` is the git state of
    those files here (:func:`~sroi_lib.reports.manifest.git_record`), for the manifest written there.
    """

    name: str
    base: str
    params: str
    theme: str | None
    files: dict = field(repr=False)
    git: dict = field(repr=False)

    def hashes(self) -> dict[str, str]:
        """The sha256 of each file sent, by its path relative to ``base``."""
        return {rel: hashlib.sha256(data).hexdigest() for rel, data in self.files.items()}


def _named_files(contract, theme: Path | None) -> dict[str, Path]:
    """Every file a contract's report reads apart from sroi's data folder, by role: those its parameters name
    (:meth:`~sroi_lib.reports.params.ContractParams.input_files`), the batch's ``theme`` (``batch_theme``) and the
    logo of the theme the report is styled with (``theme_logo``)."""
    from .theme import load_theme

    named = dict(contract.input_files())
    if theme is not None:
        named["batch_theme"] = Path(theme)
    chosen = theme if theme is not None else contract.theme
    logo = load_theme(chosen).logo_path if chosen is not None else None
    if logo is not None:
        named["theme_logo"] = logo
    return named


def bundle(params_file: str | Path, theme: str | Path | None = None) -> Bundle:
    """Read one contract's files into a :class:`Bundle`: what is sent to the worker that runs it.

    Raises
    ------
    InputError
        When the parameters or the theme cannot be read (the contract is refused here, as the local batch
        refuses it); or when a file it names lies in sroi's data folder outside the folder holding the contract's
        other files, so it cannot travel with them.
    """
    from .manifest import git_record, input_base
    from .params import load_params

    params = load_params(params_file)
    paths = {role: Path(path).resolve() for role, path in _named_files(params, theme).items()}
    base = input_base(list(paths.values()), params.path)
    outside = [path for path in paths.values() if not is_inside(path, base)]
    if outside:
        raise InputError([Problem(f"{path} lies in sroi's data folder, apart from the contract's other files, so it "
                                  "cannot be sent to the cluster with them", file=str(params_file),
                                  fix="Copy it beside the contract's other files and name that copy.")
                          for path in outside])
    files = {}
    for path in paths.values():
        try:
            files[path.relative_to(base).as_posix()] = path.read_bytes()
        except OSError:
            continue  # not readable here: the contract's run on the worker refuses it, naming it as here
    rel = {role: path.relative_to(base).as_posix() for role, path in paths.items()}
    return Bundle(name=str(params_file), base=str(base), params=rel["parameters"], theme=rel.get("batch_theme"),
                  files=files, git=git_record(base, sorted(files)))


def code_files() -> dict[str, Path]:
    """sroi's own code as it runs here, by name: every module of ``sroi_lib`` and the report notebook."""
    package = Path(__file__).resolve().parents[1]
    files = {f"sroi_lib/{p.relative_to(package).as_posix()}": p for p in sorted(package.rglob("*.py"))}
    files[f"notebooks/{REPORT_NOTEBOOK.name}"] = REPORT_NOTEBOOK
    return files


def fingerprint(inputs: dict[str, str], kernel: str | None = DEFAULT_KERNEL) -> dict:
    """What this process runs and sees: run on this computer and, by :func:`preflight`, on every worker.

    Returns ``{"sroi": version, "code": {name: sha256}, "kernel": bool, "inputs": {label: sha256 or None}}``:
    the sha256 of each file of :func:`code_files`, whether the Jupyter kernel ``kernel`` is installed (not asked
    when ``kernel`` is None: work that runs no notebook), and the sha256 of each file of sroi's data folder named
    in ``inputs`` (:func:`shared_inputs`; None when it cannot be read here).
    """
    from .. import __version__

    data = data_dir().resolve()
    hashes = {}
    for label, path in inputs.items():
        try:
            hashes[label] = sha256(data / path)
        except OSError:
            hashes[label] = None
    has_kernel = True
    if kernel is not None:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        try:
            KernelSpecManager().get_kernel_spec(kernel)
        except NoSuchKernel:
            has_kernel = False
    return {"sroi": __version__, "code": {name: sha256(p) for name, p in code_files().items()},
            "kernel": has_kernel, "inputs": hashes}


def mismatches(worker: str, mine: dict, theirs, kernel: str | None = DEFAULT_KERNEL) -> list[str]:
    """How a worker's :func:`fingerprint` (``theirs``; an exception when it could not run there) differs from
    this computer's (``mine``), in plain words naming the worker and each file; empty when they agree."""
    if isinstance(theirs, BaseException):
        return [f"the worker {worker} cannot run sroi's check ({type(theirs).__name__}: {_one_line(theirs)}); "
                "is sroi installed there?"]
    found = []
    if theirs.get("sroi") != mine["sroi"]:
        found.append(f"the worker {worker} runs sroi {theirs.get('sroi')}, this computer sroi {mine['sroi']}")
    code = theirs.get("code", {})
    differ = sorted(name for name in set(mine["code"]) | set(code) if code.get(name) != mine["code"].get(name))
    if differ:
        more = f" (and {len(differ) - 1} other file{'s' if len(differ) > 2 else ''})" if len(differ) > 1 else ""
        found.append(f"the worker {worker} runs other sroi code than this computer: {differ[0]} differs{more}")
    if not theirs.get("kernel"):
        found.append(f"the worker {worker} has no Jupyter kernel '{kernel}' (run `make setup` there, or "
                     f"python -m ipykernel install --sys-prefix --name {kernel})")
    inputs = theirs.get("inputs", {})
    wrong = []
    for label, digest in mine["inputs"].items():
        there = inputs.get(label)
        if digest is None:
            continue  # not readable here either: the contract's run says so, as in the local batch
        if there is None:
            wrong.append(f"the worker {worker} cannot read {label}")
        elif there != digest:
            wrong.append(f"the worker {worker} sees a different {label} (sha256 {there[:12]}... there, "
                         f"{digest[:12]}... here)")
    found += wrong[:MAX_SHOWN]
    if len(wrong) > MAX_SHOWN:
        found.append(f"the worker {worker} differs in {len(wrong) - MAX_SHOWN} more input files")
    return found


def preflight(client, inputs: dict[str, str], kernel: str | None = DEFAULT_KERNEL) -> dict:
    """Check that every worker of ``client``'s cluster runs this sroi and sees these inputs (and has the notebook
    kernel ``kernel``, unless None), before any work; returns this computer's :func:`fingerprint`.

    Runs :func:`fingerprint` here and on every worker (``Client.run``) and compares them (:func:`mismatches`).

    Raises
    ------
    InputError
        One problem per difference, naming the worker and the file.
    """
    mine = fingerprint(inputs, kernel)
    theirs = client.run(fingerprint, inputs, kernel, on_error="return")
    problems = [Problem(text, fix="Give every worker the same sroi installation as this computer, with the same "
                        "data folder, then run again; or leave out --scheduler to run it on this computer.")
                for worker in sorted(theirs) for text in mismatches(worker, mine, theirs[worker], kernel)]
    if problems:
        raise InputError(problems)
    return mine


def _earlier_deaths() -> int:
    """In a task: how many workers died running it before this attempt (0 when the scheduler cannot say)."""

    def deaths(key, dask_scheduler=None) -> int:
        # Runs on the scheduler, which need not have sroi installed: a function defined here travels by value.
        task = dask_scheduler.tasks.get(key)
        return task.suspicious if task is not None else 0

    try:
        from distributed import get_client, get_worker

        return int(get_client().run_on_scheduler(deaths, get_worker().get_current_task()))
    except Exception:  # an older or locked-down scheduler: leave it to Dask's own allowed-failures
        return 0


_CHECKED: dict[str, list[str]] = {}  # in a worker: batch -> how this process differs from the batch's computer


def _differences_here(check: tuple) -> list[str]:
    """In a worker: how this process differs from the computer that sent the batch (:func:`mismatches`), worked
    out at its first contract of the batch. ``check`` is ``(batch, inputs, fingerprint, kernel)``."""
    batch, inputs, mine, kernel = check
    with _ONE_AT_A_TIME:
        if batch not in _CHECKED:
            try:
                from distributed import get_worker

                name = get_worker().address
            except (ImportError, ValueError):
                name = "running it"
            _CHECKED.clear()  # one batch at a time is remembered
            _CHECKED[batch] = mismatches(name, mine, fingerprint(inputs, kernel), kernel)
        return _CHECKED[batch]


def run_bundle_on_worker(sent: Bundle, options: tuple, check: tuple | None = None) -> tuple:
    """A Dask task: one contract's report, from its :class:`Bundle`, one at a time in this worker process.

    The bundle's files are written into a staging folder of this computer's temporary folder
    (``<tmp>/sroi-worker/.sroi-staging/``: :func:`~sroi_lib.reports.folder.staging`, removed when the task ends;
    one left by a killed worker is removed by the next task there) and the report is made from them by
    :func:`~sroi_lib.reports.runner.run_job` (``options``: ``(pdf, kernel, timeout, strict, docx)``), its manifest
    recording the paths and git state of the computer that sent it. Returns ``(status, detail, files)``:
    ``done`` with ``{"contract_id", "seconds", "notes"}`` and the report folder's files by value
    (``{path: bytes}``), or ``refused``/``failed`` with why (paths named as on the computer that sent it) and
    ``None``.

    Not started, and reported failed with why, when :data:`MAX_ATTEMPTS` workers have died running it; or, given
    ``check`` (``(batch, inputs, fingerprint, kernel)``: the batch's :func:`preflight`), when this worker runs
    other sroi code or sees another data folder than the computer that sent the batch (a worker that joined the
    cluster after the preflight: each worker process checks itself once a batch, at its first contract).
    """
    if check is not None:
        differences = _differences_here(check)
        if differences:
            return "failed", "; ".join(differences), None
    deaths = _earlier_deaths()
    if deaths >= MAX_ATTEMPTS:
        return ("failed", f"the workers running it stopped {deaths} times before it finished (out of memory, or "
                "killed); see the Dask workers' logs", None)
    with _ONE_AT_A_TIME:
        return _run_bundle(sent, *options)


def _run_bundle(sent: Bundle, pdf: bool, kernel: str, timeout: int, strict: bool, docx: bool) -> tuple:
    area = Path(tempfile.gettempdir()) / WORKER_AREA
    with staging(area, Path(sent.params).stem) as stage:
        root = (stage.root / "inputs").resolve()
        for rel, data in sent.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        params = root / sent.params
        theme = root / sent.theme if sent.theme is not None else None
        away = _named_elsewhere(params, theme, root)
        if away:
            return ("failed", f"its parameters name {away} by an absolute path, which a cluster's worker does not "
                    "read (a contract travels to the worker by value); name it relative to the parameters file",
                    None)
        _, status, detail = run_job((params, stage.root / "out", pdf, kernel, timeout, strict, docx, theme),
                                    origin={"base": str(root), "git": sent.git})
        if status != "done":
            return status, _as_sent(detail, root, sent.base), None
        files = {p.relative_to(detail.folder).as_posix(): p.read_bytes()
                 for p in sorted(detail.folder.rglob("*")) if p.is_file()}
        return ("done", {"contract_id": detail.contract_id, "seconds": detail.seconds,
                         "notes": [_as_sent(n, root, sent.base) for n in detail.notes]}, files)


def _named_elsewhere(params: Path, theme: Path | None, root: Path) -> str | None:
    """A file the contract (or its theme) names outside ``root``, where its bundle was written: one named by an
    absolute path. None when every file is inside (or the parameters cannot be read: its run says why)."""
    from .params import load_params

    try:
        named = _named_files(load_params(params), theme)
    except InputError:
        return None
    return next((str(p) for p in named.values() if not is_inside(Path(p).resolve(), root)), None)


def _as_sent(text: str, root: Path, base: str) -> str:
    """``text`` with the worker's folder of the bundle's files named as the folder they came from."""
    return str(text).replace(str(root), base)


def _received(out: Path, sent: dict, result: tuple) -> tuple[str, object]:
    """Write a report that came back from a worker into ``out``, atomically; returns ``(status, detail)``.

    ``sent`` is the sha256 of each file the contract sent (:meth:`Bundle.hashes`). The report is checked
    first: every output's sha256 is its manifest's, and every input the manifest records against the
    contract's folder is a file sent, with the same sha256. Then it is written in the output folder's staging
    area and moved into place with one rename (as :func:`~sroi_lib.reports.runner.run_contract` does).
    """
    status, detail, files = result
    if status != "done":
        return status, detail
    cid = detail["contract_id"]
    problem = _unlike_sent(files, sent)
    if problem:
        return "failed", f"the report that came back from the worker is not the one asked for: {problem}"
    try:
        with staging(out, cid) as stage:
            for rel, data in files.items():
                path = stage.report / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            replace_folder(stage.report, out / cid, stage.old)
    except OSError as exc:
        error = write_error(exc, out)
        if error is exc:
            return "failed", f"the report could not be written into {out} ({exc.strerror or exc})"
        return ("refused" if isinstance(error, InputError) else "failed"), str(error)
    return "done", RunResult(cid, out / cid, detail["seconds"], list(detail["notes"]))


def _unlike_sent(files: dict, sent: dict) -> str | None:
    try:
        manifest = json.loads(files[MANIFEST_FILE])
        outputs, inputs = manifest["outputs"], manifest["inputs"]
    except (KeyError, ValueError, TypeError):
        return f"it has no readable {MANIFEST_FILE}"
    for rel in files:
        if rel.startswith("/") or ".." in rel.split("/"):
            return f"it holds a file outside its folder ({rel})"
    for name, digest in outputs.items():
        if name not in files or hashlib.sha256(files[name]).hexdigest() != digest:
            return f"{name} differs from its manifest"
    for role, entry in inputs.items():
        if "base" not in entry and sent.get(entry.get("path")) != entry.get("sha256"):
            return f"the {role} it was made from ({entry.get('path')}) is not the file sent"
    return None


def lost_reason(exc: BaseException) -> str:
    """Why a task (a contract's report, or a chunk of a portfolio's draws) ended without a result, in plain
    words."""
    name = type(exc).__name__
    if name == "KilledWorker":
        return ("the workers running it stopped before it finished, as many times as the scheduler allows "
                "(allowed-failures); see the Dask workers' logs")
    if name in ("CancelledError", "FutureCancelledError"):
        return "the cluster dropped it (the scheduler or this computer's connection to it stopped)"
    return f"the cluster could not run it ({name}: {_one_line(exc)})"


def run_batch_on_cluster(params_dir: str | Path, out_root: str | Path = "reports", *, scheduler: str,
                         pdf: bool = False, kernel: str = DEFAULT_KERNEL, timeout: int = DEFAULT_TIMEOUT,
                         progress: bool = True, strict: bool = False, docx: bool = False,
                         theme: str | Path | None = None, client=None):
    """Run every contract in ``params_dir`` on the Dask cluster at ``scheduler``; what
    :func:`~sroi_lib.reports.runner.run_batch` returns, for the same contracts.

    The batch's checks (:func:`~sroi_lib.reports.runner.batch_jobs`), then :func:`connect` and
    :func:`preflight`, then one task per contract (:func:`run_bundle_on_worker`) with its files by value
    (:func:`bundle`), gathered as they complete under the same progress bar; each report comes back by value and
    is written here (:func:`_received`). ``client``: an open ``Client`` to use instead of connecting (it is left
    open).

    Raises
    ------
    InputError
        As :func:`~sroi_lib.reports.runner.run_batch`; and when the scheduler cannot be reached, or a worker runs
        other sroi code or sees another data folder (:func:`preflight`).
    """
    jobs = batch_jobs(params_dir, out_root, pdf=pdf, kernel=kernel, timeout=timeout, strict=strict, docx=docx,
                      theme=theme)
    out = Path(out_root)
    own = client is None
    client = connect(scheduler) if own else client
    results = {}
    futures = {}
    bar = None
    try:
        from dask.distributed import as_completed

        inputs = shared_inputs()
        mine = preflight(client, inputs, kernel)
        batch = uuid.uuid4().hex[:8]
        # Sent with every contract, by value (some kilobytes, beside the contract's own files): sent once, as a
        # task of its own, every contract would wait for the one worker holding it, and the batch would run there.
        check = (batch, inputs, mine, kernel)
        options = (pdf, kernel, timeout, strict, docx)
        bar = progress_bar(len(jobs), progress)
        for i, job in enumerate(jobs):
            file = str(job[0])
            try:
                sent = bundle(job[0], theme)
            except InputError as exc:  # refused here, as the local batch refuses it
                results[file] = (file, "refused", "; ".join(str(p) for p in exc.problems))
                bar.update(1)
                continue
            future = client.submit(run_bundle_on_worker, sent, options, check,
                                   key=f"sroi-batch-{batch}-{i}-{Path(job[0]).stem}", pure=False)
            futures[future] = (file, sent.hashes())
        for future in as_completed(list(futures), loop=client.loop):
            file, sent = futures[future]
            try:
                status, detail = _received(out, sent, future.result())
            except Exception as exc:  # the task ended without a result: the cluster says why
                status, detail = "failed", lost_reason(exc)
            results[file] = (file, status, detail)
            future.release()  # the report's files are written: the cluster may forget them
            bar.update(1)
    except BaseException:
        if futures:
            client.cancel(list(futures))  # contracts not started stay unstarted; nothing is written for them here
        raise
    finally:
        if bar is not None:
            bar.close()
        if own:
            client.close()
    return [results[str(job[0])] for job in jobs]
