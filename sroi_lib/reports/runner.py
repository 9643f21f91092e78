"""Run the report notebook for a contract with papermill and write its report folder.

The folder's layout is :mod:`sroi_lib.reports.folder`; its manifest,
:mod:`sroi_lib.reports.manifest`. The parameters and every input are checked
before any notebook runs; the report is written in the run's staging folder
(``<out>/.sroi-staging/``, with the kernel's connection file) and moved into
place only when complete.

Processes: the notebook runs in a Jupyter kernel, a child of the process that
runs the contract. ipykernel polls its parent every second and exits when the
parent has gone (``ParentPollerUnix``, enabled by ``JPY_PARENT_PID``, which
jupyter_client sets). A batch's worker processes ask Linux to kill them when
the batch process dies (``prctl(PR_SET_PDEATHSIG, SIGKILL)``), so a killed
batch leaves no worker writing reports, and their kernels follow them. Ctrl-C
stops the workers too.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem, RunFailed
from .folder import (DOCX_FILE, HTML_FILE, NOTEBOOK_FILE, PDF_FILE, REPORT_NOTEBOOK, WRITTEN_BY_NOTEBOOK,
                     clean_staging, replace_folder, staging, write_error)
from .manifest import write_manifest
from .params import load_params

# nbformat imports jsonschema, which imports rfc3987_syntax when it is installed (jupyterlab brings it) and
# compiles 38 grammars on import: 3 to 6 seconds before any notebook runs. Notebook validation never checks
# IRI syntax, so keep that module out of this process; jsonschema then skips that one format check.
sys.modules.setdefault("rfc3987_syntax", None)

__all__ = ["RunResult", "run_contract", "run_batch", "batch_jobs", "run_job", "progress_bar", "execute", "export_html",
           "print_pdf", "find_chromium", "default_workers", "output_folder", "kernel_runtime", "runtime_kernel_manager",
           "die_with_parent", "DEFAULT_KERNEL", "DEFAULT_TIMEOUT", "MAX_WORKERS", "MAX_TIMEOUT"]

DEFAULT_KERNEL = "sroi"
DEFAULT_TIMEOUT = 600  # seconds per cell
MAX_WORKERS = 64
MAX_TIMEOUT = 86_400  # a day per cell
STOP_GRACE = 10.0  # seconds a batch's workers have to stop after Ctrl-C before they are killed

@dataclass
class RunResult:
    """A finished report: its folder, the files in it, and any note for the user."""

    contract_id: str
    folder: Path
    seconds: float
    notes: list[str] = field(default_factory=list)


def find_chromium() -> str | None:
    """The path of a Chromium (or Chrome) executable, if one is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def export_html(notebook: Path, html: Path, *, theme=None, title: str = "") -> None:
    """The executed notebook as HTML without code cells; images are embedded (readable offline).

    Markdown cells and every HTML or Markdown output pass through the allow-list
    sanitiser :func:`~sroi_lib.reports.safe_html.clean_html` (no ``<script>``,
    ``on*=`` handler or ``javascript:`` link survives from a cell), JavaScript
    outputs are left out, and external or empty script tags are dropped, so the
    only scripts left are nbconvert's own. Then sroi's own styles are added
    (:func:`~sroi_lib.reports.print_styles.decorate`): the ``theme``
    (:class:`~sroi_lib.reports.theme.Theme`; the neutral default when None), its
    logo, and the print styles, with ``title`` (the contract's) at the top of every
    printed page.
    """
    import nbformat

    from .print_styles import decorate
    from .safe_html import safe_html_exporter
    from .theme import DEFAULT_THEME

    theme = DEFAULT_THEME if theme is None else theme
    exporter = safe_html_exporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                                  exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(nbformat.read(str(notebook), as_version=4))
    # The report needs no scripts from the internet: drop every external or empty script tag.
    body = re.sub(r'<script[^>]*\bsrc="(https?:)?[^"]*"[^>]*>\s*</script>', "", body)
    html.write_text(decorate(body, theme, title), encoding="utf-8")


def print_pdf(html: Path, pdf: Path, chromium: str) -> None:
    """Print the HTML report to PDF with headless Chromium."""
    with tempfile.TemporaryDirectory() as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={profile}",
               "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.resolve().as_uri()]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or not pdf.exists():
        raise RunFailed(f"Chromium could not print the PDF: {result.stderr.strip()[-300:]}")


@contextlib.contextmanager
def kernel_runtime(folder: Path):
    """Point ``JUPYTER_RUNTIME_DIR`` at ``folder`` for the duration: the kernel's connection file (with its key)
    is written there, not in the user's shared runtime folder, and goes when the folder is removed."""
    saved = os.environ.get("JUPYTER_RUNTIME_DIR")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(Path(folder).resolve())
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("JUPYTER_RUNTIME_DIR", None)
        else:
            os.environ["JUPYTER_RUNTIME_DIR"] = saved


def runtime_kernel_manager():
    """The kernel manager class for report runs, which keeps the kernel's key off the disk.

    The connection file (ports and the key that signs every message to the kernel) is written into
    ``$JUPYTER_RUNTIME_DIR`` (:func:`kernel_runtime`: the run's staging folder) as ``kernel-<id>.json``, not as
    jupyter_client's default ``tmp*.json`` in the system's temporary folder, where a killed run left it. And it is
    deleted as soon as the kernel has answered (it read the file at start-up; the client holds the key in
    memory), so even a run killed later leaves no key behind; only a kill during the kernel's start-up can, in the
    staging folder that the next run cleans (:func:`~sroi_lib.reports.folder.clean_staging`).
    """
    import uuid

    from jupyter_client import AsyncKernelManager
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_core.paths import jupyter_runtime_dir
    from traitlets import default

    class KeyForgettingClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout=None):
            await AsyncKernelClient.wait_for_ready(self, timeout=timeout)
            Path(self.connection_file).unlink(missing_ok=True)

    class RuntimeKernelManager(AsyncKernelManager):
        @default("connection_file")
        def _connection_file_in_runtime(self):
            folder = jupyter_runtime_dir()
            os.makedirs(folder, mode=0o700, exist_ok=True)
            return os.path.join(folder, f"kernel-{uuid.uuid4()}.json")

        @default("client_factory")
        def _key_forgetting_client(self):
            return KeyForgettingClient

    return RuntimeKernelManager


def execute(params_path: Path, folder: Path, kernel: str, timeout: int, runtime: Path | None = None) -> dict:
    """Execute the report notebook into ``folder``; returns the parameters passed.

    ``runtime``, when given, is the folder for the kernel's connection file
    (:func:`kernel_runtime`).
    """
    import papermill as pm
    from jupyter_client.kernelspec import NoSuchKernel

    # Absolute paths: the notebook runs with its own folder as the working directory.
    parameters = {"params_file": str(Path(params_path).resolve()), "out_dir": str(Path(folder).resolve())}
    try:
        with _kernel_chatter_to(folder / ".kernel.log"), \
                (kernel_runtime(runtime) if runtime is not None else contextlib.nullcontext()):
            pm.execute_notebook(str(REPORT_NOTEBOOK), str(folder / NOTEBOOK_FILE), parameters=parameters,
                                kernel_name=kernel, execution_timeout=timeout, progress_bar=False,
                                cwd=str(REPORT_NOTEBOOK.parent), report_mode=False,
                                kernel_manager_class=runtime_kernel_manager(), engine_name=_titling_engine(),
                                title=load_params(params_path).title, request_save_on_cell_execute=False)
    except NoSuchKernel:
        raise RunFailed(f"the Jupyter kernel '{kernel}' is not installed. Run `make setup` (it registers the "
                        f"'sroi' kernel), or pass --kernel with an installed one.") from None
    except pm.PapermillExecutionError as exc:
        raise RunFailed(f"the report notebook stopped at cell {exc.exec_count}: {exc.ename}: {exc.evalue}") from None
    finally:
        (folder / ".kernel.log").unlink(missing_ok=True)
    return parameters


TITLING_ENGINE = "sroi-titling"
_TITLING_REGISTERED = False


def _titling_engine() -> str:
    """The name of papermill's own engine (nbclient) with one addition, registered on first use: it records
    the contract's title in the notebook's metadata (``title``), which nbconvert makes the HTML's ``<title>``,
    so the browser tab names the contract rather than "Notebook" (the title is escaped by nbconvert's template).

    :func:`execute` also asks papermill to save the executed notebook once, when the run ends, rather than at
    every cell's start and end (``request_save_on_cell_execute=False``): a report runs in seconds in a staging
    folder that nobody watches, and those saves cost about 0.6 s of a 4 s run (benchmarks/README.md). A run
    that fails still has its notebook written, with the error, before its staging folder is removed.
    """
    from papermill.engines import NBClientEngine, papermill_engines

    global _TITLING_REGISTERED
    if not _TITLING_REGISTERED:

        class TitlingEngine(NBClientEngine):
            @classmethod
            def execute_notebook(cls, nb, kernel_name, title=None, **kwargs):
                if title is not None:
                    nb.metadata["title"] = title
                return super().execute_notebook(nb, kernel_name, **kwargs)

        papermill_engines.register(TITLING_ENGINE, TitlingEngine)
        _TITLING_REGISTERED = True
    return TITLING_ENGINE


@contextlib.contextmanager
def _kernel_chatter_to(log: Path):
    """Send what the kernel process prints on stderr (start-up warnings) to a log file, not the user's terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "wb") as fh:
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def output_folder(out_root: str | Path) -> Path:
    """Check (and create) the folder that report folders go into.

    Raises
    ------
    InputError
        If it is a file, or cannot be created or written to.
    """
    out_root = Path(out_root)
    if out_root.exists() and not out_root.is_dir():
        raise InputError(Problem("is a file, not a folder", file=str(out_root),
                                 fix="Give --out a folder (it is created if missing), e.g. --out reports."))
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(Problem(f"the output folder cannot be created ({exc.strerror})", file=str(out_root),
                                 fix="Give --out a folder you may write to.")) from None
    if not os.access(out_root, os.W_OK | os.X_OK):
        raise InputError(Problem("the output folder cannot be written to (it is read-only, or you may not write "
                                 "there)", file=str(out_root), fix="Choose another folder with --out."))
    return out_root


def run_contract(params_file: str | Path, out_root: str | Path = "reports", *, pdf: bool = False,
                 kernel: str = DEFAULT_KERNEL, timeout: int = DEFAULT_TIMEOUT, strict: bool = False,
                 docx: bool = False, theme: str | Path | None = None, origin: dict | None = None) -> RunResult:
    """Value a contract and write ``<out_root>/<contract_id>/`` atomically.

    The parameters, every input and the theme are checked first (an :class:`InputError`
    lists every problem, and nothing is written). ``theme``: a council theme file
    (:mod:`~sroi_lib.reports.theme`) that wins over the parameters' ``theme``;
    the report is styled with the one used, and the manifest hashes it as an
    input. ``pdf`` also prints ``report.pdf``; ``docx`` also writes ``report.docx``
    (:func:`~sroi_lib.reports.word.write_docx`). Then the report notebook runs
    in the run's staging folder (:func:`~sroi_lib.reports.folder.staging`);
    only when everything has been written is the folder moved into place,
    replacing any previous report. The staging folder, with the kernel's
    connection file, is removed however the run ends (a killed run's is removed
    by the next run). ``origin``: for a run on a cluster's worker, as
    :func:`~sroi_lib.reports.manifest.write_manifest`.

    Raises
    ------
    InputError
        For problems in the parameters or inputs, or an output folder that is a
        file or cannot be written.
    RunFailed
        If the notebook cannot be executed, the PDF cannot be printed, or the
        disk is full.
    """
    from .contract import load_contract
    from .theme import DEFAULT_THEME, load_theme

    started = time.perf_counter()
    run = load_contract(params_file, strict=strict)  # checks everything before any notebook runs
    theme_file = Path(theme) if theme is not None else run.params.theme
    style = load_theme(theme_file) if theme_file is not None else DEFAULT_THEME
    out_root = output_folder(out_root)
    notes = list(run.notes)  # how the files were read (hidden rows), then anything about the run itself
    chromium = find_chromium() if pdf else None
    if pdf and not chromium:
        notes.append("No PDF was made: Chromium is not installed (on Debian or Ubuntu: apt-get install chromium). "
                     f"{HTML_FILE} prints to PDF from any browser.")
    final = out_root / run.params.contract_id
    try:
        with staging(out_root, run.params.contract_id) as stage:
            tmp = stage.report
            parameters = execute(run.params.path, tmp, kernel, timeout, runtime=stage.runtime)
            missing = [name for name in WRITTEN_BY_NOTEBOOK if not (tmp / name).exists()]
            if missing:
                raise RunFailed(f"the report notebook did not write {', '.join(missing)}")
            export_html(tmp / NOTEBOOK_FILE, tmp / HTML_FILE, theme=style, title=run.params.title)
            write_manifest(run, tmp, parameters, kernel, theme=theme_file, origin=origin)
            if chromium:
                print_pdf(tmp / HTML_FILE, tmp / PDF_FILE, chromium)
            if docx:
                from .word import write_docx

                write_docx(tmp / NOTEBOOK_FILE, tmp / DOCX_FILE, theme=style, title=run.params.title)
            replace_folder(tmp, final, stage.old)
    except OSError as exc:
        error = write_error(exc, out_root)
        if error is exc:
            raise
        raise error from None
    return RunResult(run.params.contract_id, final, time.perf_counter() - started, notes)


def die_with_parent(parent: int) -> None:
    """Pool initializer: a batch's worker stops when the batch does.

    On Linux, ask to be killed (SIGKILL) when the process that started this one
    dies (``prctl(PR_SET_PDEATHSIG)``, which fires when the parent thread ends;
    the batch starts its workers from its main thread, which lives until the
    batch ends); if the parent died before the request was made, exit at once.
    And on Ctrl-C (SIGINT, which the worker ignores until now, so that it cannot
    be interrupted half-started): a worker running a contract stops it (its
    staging folder is removed), an idle one exits quietly.
    """
    import signal

    signal.signal(signal.SIGINT, _interrupted)
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)


_busy = False  # in a worker: running a contract now


def _interrupted(signum, frame):
    if _busy:
        # Ctrl-C reaches the notebook's kernel too, so the run's pending cell fails with "Kernel died" after the
        # run has been stopped; asyncio would print that as "Task exception was never retrieved" with a
        # traceback. The run is being stopped on purpose: its staging folder is removed and the batch says so.
        import logging

        logging.getLogger("asyncio").disabled = True
        raise KeyboardInterrupt
    os._exit(130)


@contextlib.contextmanager
def _sigint_ignored():
    """Ignore Ctrl-C while worker processes are started (they inherit it); main thread only."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, saved)


@contextlib.contextmanager
def _sigint_noted():
    """While a batch waits for its workers, Ctrl-C sets an event that the waiting loop turns into
    ``KeyboardInterrupt``: Python's own handler raises it wherever the main thread happens to be, and
    raised inside a garbage-collection callback it is printed as a traceback and lost. Main thread only
    (elsewhere the event is never set and Ctrl-C behaves as usual)."""
    import signal
    import threading

    stopped = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stopped
        return
    saved = signal.signal(signal.SIGINT, lambda signum, frame: stopped.set())
    try:
        yield stopped
    finally:
        signal.signal(signal.SIGINT, saved)


def run_job(args, origin: dict | None = None) -> tuple[str, str, object]:
    """Worker: run one contract's job (one item of :func:`batch_jobs`); returns ``(file, status, detail)`` as
    :func:`run_batch` does, and never raises. The local pool and a Dask cluster's workers
    (:mod:`~sroi_lib.reports.distributed`, with ``origin``: see :func:`run_contract`) both run this."""
    global _busy
    params_file, out_root, pdf, kernel, timeout, strict, docx, theme = args
    _busy = True
    try:
        result = run_contract(params_file, out_root, pdf=pdf, kernel=kernel, timeout=timeout, strict=strict,
                              docx=docx, theme=theme, origin=origin)
        return str(params_file), "done", result
    except InputError as exc:
        return str(params_file), "refused", "; ".join(str(p) for p in exc.problems)
    except RunFailed as exc:
        return str(params_file), "failed", str(exc)
    except Exception as exc:  # a fault in sroi itself: keep the other contracts going, but say what it was
        return str(params_file), "failed", f"unexpected error {type(exc).__name__}: {exc}"
    finally:
        _busy = False


def run_batch(params_dir: str | Path, out_root: str | Path = "reports", *, workers: int | None = None,
              pdf: bool = False, kernel: str = DEFAULT_KERNEL, timeout: int = DEFAULT_TIMEOUT, progress: bool = True,
              strict: bool = False, docx: bool = False, theme: str | Path | None = None):
    """Run every ``*.yaml`` in ``params_dir`` in ``workers`` processes; one failure does not stop the rest.

    The scenarios files saved beside parameters (``*.scenarios.yaml``) are read with their parameters, not run.

    ``workers`` defaults to :func:`default_workers`. Returns a list of
    ``(file, status, detail)`` in file order. ``status`` is ``done`` (``detail``
    is the :class:`RunResult`), ``refused`` (a problem in the contract's files,
    or an over-claiming finding that stops it: ``detail`` lists them) or
    ``failed`` (the run could not finish: ``detail`` says why). ``strict``: as
    :func:`~sroi_lib.reports.contract.value_files`. ``docx`` and ``theme``: as :func:`run_contract` (a
    theme file given here styles every contract's report; it is checked before any contract runs).
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    import multiprocessing

    workers = default_workers() if workers is None else workers
    if not 1 <= workers <= MAX_WORKERS:
        raise InputError(Problem(f"--workers must be a whole number from 1 to {MAX_WORKERS}, not {workers}"))
    jobs = batch_jobs(params_dir, out_root, pdf=pdf, kernel=kernel, timeout=timeout, strict=strict, docx=docx,
                      theme=theme)
    files = [job[0] for job in jobs]
    results = {}
    bar = progress_bar(len(jobs), progress)
    if workers <= 1:
        for job in jobs:
            results[str(job[0])] = run_job(job)
            bar.update(1)
    else:
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx,
                                   initializer=die_with_parent, initargs=(os.getpid(),))
        try:
            with _sigint_ignored():
                futures = [pool.submit(run_job, job) for job in jobs]
            with _sigint_noted() as stopped:
                pending = set(futures)
                while pending:
                    if stopped.is_set():  # Ctrl-C, raised here rather than wherever the signal happened to land
                        raise KeyboardInterrupt
                    done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                    for fut in done:
                        file, status, detail = fut.result()
                        results[file] = (file, status, detail)
                        bar.update(1)
        except BaseException:
            # Ctrl-C (which reaches the workers too, and each cleans its staging folder) or a fault: start no more
            # contracts, give the workers a few seconds to stop, then kill any still running.
            pool.shutdown(wait=False, cancel_futures=True)
            children = multiprocessing.active_children()
            deadline = time.monotonic() + STOP_GRACE
            for child in children:
                child.join(max(0.0, deadline - time.monotonic()))
            for child in children:
                if child.is_alive():
                    child.kill()
            bar.close()
            raise
        pool.shutdown(wait=True)
    bar.close()
    return [results[str(f)] for f in files]


def batch_jobs(params_dir: str | Path, out_root: str | Path, *, pdf: bool = False, kernel: str = DEFAULT_KERNEL,
               timeout: int = DEFAULT_TIMEOUT, strict: bool = False, docx: bool = False,
               theme: str | Path | None = None) -> list[tuple]:
    """The checks every batch makes before any contract runs, and its jobs: one per parameters file, in file order.

    The folder must hold parameters files; a theme file is checked once (not once per contract); the output
    folder is made and checked, and staging folders left by a killed run or batch are removed. Each job is
    ``(params_file, out_root, pdf, kernel, timeout, strict, docx, theme)``, what :func:`run_job` takes.

    Raises
    ------
    InputError
        For a folder without parameters files, a bad theme file or an output folder that cannot be written.
    """
    folder = Path(params_dir)
    if not folder.is_dir():
        raise InputError(Problem("is not a folder of parameters files", file=str(folder)))
    from .params import parameters_files

    files = parameters_files(folder)
    if not files:
        raise InputError(Problem("holds no parameters files (*.yaml)", file=str(folder)))
    if theme is not None:
        from .theme import load_theme

        load_theme(theme)  # a bad theme file is refused once, not once per contract
    output_folder(out_root)
    clean_staging(out_root)  # left by a killed run or batch
    return [(f, out_root, pdf, kernel, timeout, strict, docx, theme) for f in files]


def default_workers() -> int:
    """Worker processes for a batch when none is asked for: the number of cores, at most 4."""
    return min(4, os.cpu_count() or 1)


def progress_bar(total: int, show: bool):
    """The batch's progress bar on the terminal (tqdm), counting contracts; hidden when ``show`` is false."""
    from tqdm import tqdm

    # The command line filters what it prints (no escape sequences from files); the bar holds only our own words
    # and counts, and needs its carriage returns, so it writes to the stream beneath the filter.
    stream = getattr(sys.stderr, "unfiltered", sys.stderr)
    return tqdm(total=total, desc="contracts", unit="contract", file=stream, disable=not show)
