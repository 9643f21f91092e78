"""A batch of reports on a Dask cluster: ``sroi batch PARAMS_DIR --scheduler ADDRESS``.

The work is the local batch's (:func:`~sroi_lib.reports.runner.run_batch`),
handed to an existing Dask cluster through ``dask.distributed.Client`` rather
than to processes on this computer. This module is imported only when a
scheduler is given, so ``sroi batch`` without one never imports Dask (an
optional extra: ``pip install 'sroi[distributed]'``).

What is the same as the local batch
    The checks before any contract runs (:func:`~sroi_lib.reports.runner.batch_jobs`),
    one task per contract running :func:`~sroi_lib.reports.runner.run_job` (which calls
    :func:`~sroi_lib.reports.runner.run_contract` unchanged, so each report folder is
    written in the output folder's staging area and moved into place with one
    rename), the progress bar, the ``(file, status, detail)`` results, hence the
    summary and the exit code.

What the cluster must share
    The workers read the contracts' files and write the report folders at the
    same paths as this computer (a shared folder, or the same checkout at the
    same place), and run the same sroi. Before any work is sent,
    :func:`preflight` runs :func:`fingerprint` on every worker (``Client.run``)
    and compares it with this computer's: sroi's version, the sha256 of each of
    its code files and of the report notebook, the Jupyter kernel the reports
    run in, and the sha256 of every input the batch needs (each contract's own
    files, :meth:`~sroi_lib.reports.params.ContractParams.input_files`, the
    theme and its logo, and every file of sroi's data folder, found on each
    worker through its own :func:`~sroi_lib.paths.data_dir`). Any difference
    refuses the batch (exit 2), naming the worker and the file. Only paths and
    options travel to the workers, and results back; no credential.

Faults
    A worker that dies while running a contract: the scheduler gives the task to
    another worker (Dask's own rule for lost workers). A contract whose workers
    died :data:`MAX_ATTEMPTS` times is not started again: it is reported failed
    with that reason (the task asks the scheduler how many workers died running
    it before it starts; a scheduler whose ``allowed-failures`` is lower stops
    it sooner, with Dask's ``KilledWorker``, also reported failed). A contract
    that fails by itself (a notebook error, a refused input) is reported as the
    local batch reports it, not retried. A killed worker leaves its staging folder,
    which the next run on that computer removes (:func:`~sroi_lib.reports.folder.clean_staging`),
    and nothing in the report folders.

Workers
    A worker that joins the cluster after the check is checked by the batch's
    tasks themselves (:func:`run_job_on_worker`): the first contract a worker
    process runs compares it with this computer, and on a difference every
    contract it is given is reported failed, naming the difference.

    A worker process runs one contract at a time (:data:`_ONE_AT_A_TIME`): a
    run points the process's ``JUPYTER_RUNTIME_DIR`` and standard error at its
    staging folder while its kernel starts. Start workers with one thread
    each and as many processes as cores (``dask worker ADDRESS --nworkers N --nthreads 1``).
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from ..errors import InputError, Problem
from ..paths import data_dir
from .folder import REPORT_NOTEBOOK, clean_staging, sha256
from .runner import DEFAULT_KERNEL, DEFAULT_TIMEOUT, batch_jobs, progress_bar, run_job

__all__ = ["CONNECT_TIMEOUT", "MAX_ATTEMPTS", "DATA_BASE", "connect", "batch_inputs", "fingerprint", "code_files",
           "preflight", "mismatches", "run_job_on_worker", "run_batch_on_cluster"]

CONNECT_TIMEOUT = 5  # seconds to reach the scheduler, and to wait for a first worker
MAX_ATTEMPTS = 2  # a contract whose workers died this many times while running it is reported failed
DATA_BASE = "sroi-data"  # an input found in each computer's own data folder, as in the manifest
MAX_SHOWN = 5  # differences named per worker; the rest are counted
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
           "is running and that this computer may reach it; or leave out --scheduler to run the batch here.")
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


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def batch_inputs(params_files: list[Path], theme: str | Path | None = None) -> dict[str, tuple[str, str]]:
    """Every input file a batch needs, as ``{label: (base, path)}``, for :func:`fingerprint`.

    Each contract's own files (:meth:`~sroi_lib.reports.params.ContractParams.input_files`) and the theme
    (``theme`` or the contract's) with its logo, by absolute path (``base`` ``""``): the workers read them at that
    path. And every file of sroi's data folder (proxies, reference tables, frameworks, themes, settings) by its
    path inside it (``base`` :data:`DATA_BASE`), which each worker finds in its own data folder. A parameters
    file that cannot be read adds only itself: its run is refused as in the local batch.
    """
    from .params import load_params
    from .theme import load_theme

    found: dict[str, tuple[str, str]] = {}

    def keep(path: Path) -> None:
        path = Path(path).resolve()
        found[str(path)] = ("", str(path))

    themes = [Path(theme)] if theme is not None else []
    for file in params_files:
        keep(file)
        try:
            params = load_params(file)
        except InputError:
            continue
        for path in params.input_files().values():
            keep(path)
        if params.theme is not None and theme is None:
            themes.append(params.theme)
    for path in themes:
        try:
            logo = load_theme(path).logo_path
        except InputError:
            logo = None
        keep(path)
        if logo is not None:
            keep(logo)
    data = data_dir().resolve()
    for path in sorted(p for p in data.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        rel = path.relative_to(data).as_posix()
        found[f"{rel} in sroi's data folder"] = (DATA_BASE, rel)
    return found


def code_files() -> dict[str, Path]:
    """sroi's own code as it runs here, by name: every module of ``sroi_lib`` and the report notebook."""
    package = Path(__file__).resolve().parents[1]
    files = {f"sroi_lib/{p.relative_to(package).as_posix()}": p for p in sorted(package.rglob("*.py"))}
    files[f"notebooks/{REPORT_NOTEBOOK.name}"] = REPORT_NOTEBOOK
    return files


def fingerprint(inputs: dict[str, tuple[str, str]], kernel: str = DEFAULT_KERNEL) -> dict:
    """What this process runs and sees: run on this computer and, by :func:`preflight`, on every worker.

    Returns ``{"sroi": version, "code": {name: sha256}, "kernel": bool, "inputs": {label: sha256 or None}}``:
    the sha256 of each file of :func:`code_files`, whether the Jupyter kernel ``kernel`` is installed, and the
    sha256 of each input of :func:`batch_inputs` (None when it cannot be read here).
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    from .. import __version__

    data = data_dir().resolve()
    hashes = {}
    for label, (base, path) in inputs.items():
        try:
            hashes[label] = sha256(data / path if base == DATA_BASE else Path(path))
        except OSError:
            hashes[label] = None
    try:
        KernelSpecManager().get_kernel_spec(kernel)
        has_kernel = True
    except NoSuchKernel:
        has_kernel = False
    return {"sroi": __version__, "code": {name: sha256(p) for name, p in code_files().items()},
            "kernel": has_kernel, "inputs": hashes}


def mismatches(worker: str, mine: dict, theirs, kernel: str = DEFAULT_KERNEL) -> list[str]:
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


def preflight(client, inputs: dict[str, tuple[str, str]], kernel: str = DEFAULT_KERNEL) -> dict:
    """Check that every worker of ``client``'s cluster runs this sroi and sees these inputs, before any work;
    returns this computer's :func:`fingerprint`.

    Runs :func:`fingerprint` here and on every worker (``Client.run``) and compares them (:func:`mismatches`).

    Raises
    ------
    InputError
        One problem per difference, naming the worker and the file.
    """
    mine = fingerprint(inputs, kernel)
    theirs = client.run(fingerprint, inputs, kernel, on_error="return")
    problems = [Problem(text, fix="Give every worker the same sroi installation and the same files at the same "
                        "paths (a shared folder, or the same checkout at the same place), then run again.")
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


def run_job_on_worker(job: tuple, check: tuple | None = None) -> tuple[str, str, object]:
    """A Dask task: one contract's :func:`~sroi_lib.reports.runner.run_job`, one at a time in this process.

    Not started, and reported failed with why, when :data:`MAX_ATTEMPTS` workers have died running it; or, given
    ``check`` (``(batch, inputs, fingerprint, kernel)``: the batch's :func:`preflight`), when this worker runs
    other sroi code or sees other inputs than the computer that sent the batch (a worker that joined the cluster
    after the preflight: each worker process checks itself once a batch, at its first contract).
    """
    if check is not None:
        differences = _differences_here(check)
        if differences:
            return str(job[0]), "failed", "; ".join(differences)
    deaths = _earlier_deaths()
    if deaths >= MAX_ATTEMPTS:
        return (str(job[0]), "failed", f"the workers running it stopped {deaths} times before it finished (out of "
                "memory, or killed); see the Dask workers' logs")
    with _ONE_AT_A_TIME:
        return run_job(job)


def _lost(exc: BaseException) -> str:
    """Why a contract's task ended without a result, in plain words."""
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
    :func:`preflight`, then one task per contract (:func:`run_job_on_worker`) with absolute paths, gathered as
    they complete under the same progress bar. ``client``: an open ``Client`` to use instead of connecting (it is
    left open).

    Raises
    ------
    InputError
        As :func:`~sroi_lib.reports.runner.run_batch`; and when the scheduler cannot be reached, or a worker runs
        other sroi code or sees other input files (:func:`preflight`).
    """
    jobs = batch_jobs(params_dir, out_root, pdf=pdf, kernel=kernel, timeout=timeout, strict=strict, docx=docx,
                      theme=theme)
    out = Path(out_root).resolve()
    theme_path = Path(theme).resolve() if theme is not None else None
    own = client is None
    client = connect(scheduler) if own else client
    results = {}
    futures = {}
    bar = None
    try:
        from dask.distributed import as_completed

        inputs = batch_inputs([job[0] for job in jobs], theme)
        mine = preflight(client, inputs, kernel)
        batch = uuid.uuid4().hex[:8]
        # Sent once to every worker (not with every contract); a copy on each, so a worker's death loses none.
        check = client.scatter((batch, inputs, mine, kernel), hash=False, broadcast=True)
        for i, job in enumerate(jobs):
            remote = (Path(job[0]).resolve(), out, pdf, kernel, timeout, strict, docx, theme_path)
            future = client.submit(run_job_on_worker, remote, check,
                                   key=f"sroi-batch-{batch}-{i}-{Path(job[0]).stem}", pure=False)
            futures[future] = str(job[0])
        bar = progress_bar(len(jobs), progress)
        for future in as_completed(list(futures), loop=client.loop):
            file = futures[future]
            try:
                _, status, detail = future.result()
            except Exception as exc:  # the task ended without a result: the cluster says why
                status, detail = "failed", _lost(exc)
            results[file] = (file, status, detail)
            bar.update(1)
    except BaseException:
        if futures:
            client.cancel(list(futures))  # contracts not started stay unstarted; running ones finish atomically
        raise
    finally:
        if bar is not None:
            bar.close()
        if own:
            client.close()
    clean_staging(out_root)  # a killed worker's staging folder, when it ran on this computer
    return [results[str(job[0])] for job in jobs]
