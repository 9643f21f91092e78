"""The portfolio dashboard: every contract's report at once, with filters (ipywidgets, served by Voilà).

The figures come from :class:`~sroi_lib.reports.portfolio.Portfolio`; these
functions only lay them out and wire the filters to it. Every string shown
comes from report folders (files), so each is escaped. :func:`serve` runs the
server (:mod:`sroi_lib.views.dashboard_server`) and stops it, with every kernel
it started, on SIGTERM, Ctrl+C or SIGHUP (docs/dashboard.md).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd

from ..errors import Problems
from ..paths import notebooks_dir
from ..reports.folder import report_folders
from ..reports.portfolio import load_portfolio
from .formatting import delivered_of_committed, html_text, money, ratio, ratio_range

__all__ = ["headline_html", "contracts_html", "range_text", "ratio_intervals", "portfolio_figure", "portfolio_dashboard",
           "dashboard_for",
           "dashboard_limits", "dashboard_command", "serve", "stop_server", "DASHBOARD_NOTEBOOK", "MAX_PAGES",
           "IDLE_SECONDS"]

DASHBOARD_NOTEBOOK = notebooks_dir() / "portfolio_dashboard.ipynb"

#: The most dashboard pages served at once: each runs its own kernel, about 150 MB (docs/dashboard.md).
MAX_PAGES = 5
#: A page's kernel is shut down after this many seconds with no activity and no browser connected.
IDLE_SECONDS = 600

ALL = "(all)"


def headline_html(h: dict) -> str:
    """The dashboard's headline numbers as HTML (with data attributes a test can read).

    Everything shown is escaped (:func:`~sroi_lib.views.formatting.html_text`):
    the figures come from report folders, which are files.
    """
    e = html_text
    rate = "n/a" if h["delivery_rate"] is None else f"{h['delivery_rate']:.0%}"
    rags = " · ".join(f"{e(k)}: {e(v)}" for k, v in h["rag_counts"].items() if v)
    return (
        f'<div class="sroi-headline" data-present-value="{h["present_value"]:.2f}" '
        f'data-contracts="{e(h["contracts"])}">'
        f'<b>{e(h["contracts"])}</b> contract{"" if h["contracts"] == 1 else "s"} · present value '
        f'<b class="sroi-pv">{e(money(h["present_value"], pence=False))}</b>'
        f' · inputs {e(money(h["total_inputs"], pence=False))} · SROI ratio <b>{e(ratio(h["sroi_ratio"]))}</b><br>'
        f'Delivered to date {e(money(h["value_delivered_to_date"], pence=False))} of '
        f'{e(money(h["value_committed_to_date"], pence=False))} committed ({e(rate)}) · gap '
        f'{e(money(h["delivery_gap"], pence=False))}<br>RAG {rags or "none"}</div>')


NO_RANGE = "no range (no distributions)"


def _range(row) -> tuple[float, float]:
    """A contract's 5th and 95th percentile of the ratio (NaN without a Monte Carlo)."""
    return float(getattr(row, "sroi_ratio_p5", float("nan"))), float(getattr(row, "sroi_ratio_p95", float("nan")))


def range_text(row) -> str:
    """A contract's range in words: ``1.45 to 2.31``, or that its report has no Monte Carlo range."""
    low, high = _range(row)
    return NO_RANGE if pd.isna(low) or pd.isna(high) else ratio_range(low, high)


def contracts_html(p) -> str:
    """The contracts in view as an HTML table; every cell is escaped, so names from files show as text.

    The range is the Monte Carlo's 5th to 95th percentile of the ratio, where the contract's report has one."""
    e = html_text
    rows = "".join(
        f"<tr><td>{e(r.contract_id)}</td><td>{e(r.title)}</td><td>{e(r.supplier)}</td>"
        f"<td>{e(r.directorate)}</td><td>{e(ratio(r.sroi_ratio))}</td><td class='sroi-range'>{e(range_text(r))}</td>"
        f"<td>{e(money(r.present_value, pence=False))}</td>"
        f"<td>{e(delivered_of_committed(r.value_delivered_to_date, r.value_committed_to_date, r.rag))}</td>"
        f"<td>{e(r.rag)}</td></tr>" for r in p.contracts.itertuples())
    head = "".join(f"<th>{h}</th>" for h in ["Contract", "Title", "Supplier", "Directorate", "SROI ratio",
                                               "Range (5th to 95th percentile)", "Present value",
                                               "Delivered of committed to date", "RAG"])
    return f"<table class='sroi-contracts'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def ratio_intervals(ax, contracts: pd.DataFrame, title: str) -> None:
    """Each contract's SROI ratio as a point on ``ax``, with a line from its 5th to its 95th percentile where its
    report has a Monte Carlo (a hollow point where it has none, as the legend says), and a line at a ratio of 1.
    ``contracts`` is drawn bottom to top."""
    from matplotlib.lines import Line2D

    from .plots import PALETTE, plain_label

    ids = [plain_label(c) for c in contracts["contract_id"]]
    y = list(range(len(contracts)))
    has_range = False
    no_range = False
    for i, r in enumerate(contracts.itertuples()):
        low, high = _range(r)
        if pd.isna(low) or pd.isna(high):
            no_range = True
            ax.plot([r.sroi_ratio], [i], "o", markersize=7, markerfacecolor="white", markeredgecolor=PALETTE[0],
                    markeredgewidth=1.6, zorder=3)
            continue
        has_range = True
        ax.plot([low, high], [i, i], color=PALETTE[0], linewidth=2.4, solid_capstyle="butt", zorder=2)
        ax.plot([low, low], [i - 0.18, i + 0.18], color=PALETTE[0], linewidth=1.4)
        ax.plot([high, high], [i - 0.18, i + 0.18], color=PALETTE[0], linewidth=1.4)
        ax.plot([r.sroi_ratio], [i], "o", markersize=7, color=PALETTE[0], zorder=3)
    ax.axvline(1.0, color="#c0392b", linestyle="--", linewidth=1.2)
    shown = [1.0] + [float(x) for c in ("sroi_ratio", "sroi_ratio_p5", "sroi_ratio_p95") if c in contracts
                     for x in contracts[c] if pd.notna(x) and abs(float(x)) != float("inf")]
    low, high = min(shown), max(shown)
    pad = 0.08 * (high - low or 1.0)
    ax.set_xlim(low - pad, high + pad)
    ax.set_yticks(y)
    ax.set_yticklabels(ids)
    ax.set_ylim(-0.7, len(contracts) - 0.3)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("SROI ratio")
    ax.set_title(title, loc="left")
    handles = []
    if has_range:
        handles.append(Line2D([], [], color=PALETTE[0], marker="o", linewidth=2.4,
                              label="Ratio, line from 5th to 95th percentile"))
    if no_range:
        handles.append(Line2D([], [], color=PALETTE[0], marker="o", markerfacecolor="white", linestyle="none",
                              label="Ratio only: no Monte Carlo in its report"))
    handles.append(Line2D([], [], color="#c0392b", linestyle="--", linewidth=1.2, label="Ratio of 1"))
    ax.legend(handles=handles, frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.2), ncol=1)


def portfolio_figure(p):
    """Value by pillar, committed against delivered, RAG counts, best and worst contracts."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from .plots import PALETTE, bars, plain_label, pounds, use_style

    use_style()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.2))
    pillar = p.by("pillar")
    if len(pillar):
        bars(axes[0, 0], pillar, "pillar", "Present value by pillar")
    else:
        axes[0, 0].set_title("Present value by pillar (none in view)", loc="left")
    gap = p.gap()
    ax = axes[0, 1]
    ids = gap["contract_id"].map(plain_label)
    ax.barh(ids, gap["value_committed_to_date"], color=PALETTE[6], label="Committed to date")
    ax.barh(ids, gap["value_delivered_to_date"], height=0.4, color=PALETTE[0], label="Delivered")
    ax.xaxis.set_major_formatter(FuncFormatter(pounds))
    ax.set_title("Committed against delivered", loc="left")
    ax.legend(frameon=False, fontsize=8)
    h = p.headline()["rag_counts"]
    colours = {"red": "#c0392b", "amber": "#f2a33a", "green": "#3a9d5d", "no data": "#9aa0a8", "not tracked": "#d5d8dc"}
    axes[1, 0].bar([k.replace(" ", "\n") for k in h], list(h.values()), color=[colours[k] for k in h])
    axes[1, 0].yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of contracts
    axes[1, 0].set_title("Contracts by RAG status", loc="left")
    best, worst = p.ranked(3)
    both = pd.concat([best, worst]).drop_duplicates("contract_id").sort_values("sroi_ratio", kind="stable")
    ratio_intervals(axes[1, 1], both, "Best and worst SROI ratios")  # highest at the top
    fig.tight_layout()
    return fig


def portfolio_dashboard(portfolio):
    """Filters (directorate, pillar, supplier, RAG, year) driving headline numbers, charts and a table."""
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    c = portfolio.contracts

    def options(values):
        return [ALL] + sorted({v for v in values if pd.notna(v)}, key=str)

    controls = {
        "directorate": w.Dropdown(options=options(c["directorate"]), description="Directorate"),
        "pillar": w.Dropdown(options=options(portfolio.lines["pillar"]), description="Pillar"),
        "supplier": w.Dropdown(options=options(c["supplier"]), description="Supplier"),
        "rag": w.Dropdown(options=options(c["rag"]), description="RAG"),
        "year": w.Dropdown(options=options(c["start_year"]), description="Start year"),
    }
    headline, table, charts = w.HTML(), w.HTML(), w.Output()

    def refresh(_=None):
        chosen = {k: (None if ctl.value == ALL else ctl.value) for k, ctl in controls.items()}
        view = portfolio.filter(**chosen)
        headline.value = headline_html(view.headline())
        table.value = contracts_html(view)
        charts.clear_output(wait=True)
        with charts:
            if len(view.contracts):
                fig = portfolio_figure(view)
                display(fig)
                plt.close(fig)

    for ctl in controls.values():
        ctl.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox(list(controls.values())[:3]), w.HBox(list(controls.values())[3:]), headline, charts, table])


def dashboard_for(reports_dir):
    """The portfolio dashboard for a folder of reports, or a plain message when there are none yet."""
    import ipywidgets as w

    folder = Path(reports_dir)
    if not report_folders(folder):
        return w.HTML(f"<p>No reports in <code>{html_text(folder)}</code> yet. Make them with "
                      "<code>sroi batch parameters/</code> (or <code>make demo</code>), then reload this page.</p>")
    return portfolio_dashboard(load_portfolio(folder))


def dashboard_limits(max_pages: int | None = None, idle_seconds: int | None = None) -> tuple[int, int]:
    """The most pages (kernels) served at once and the idle time before a page's kernel is shut down.

    Each comes from the argument when given, else from the environment variable
    ``SROI_DASHBOARD_MAX_PAGES`` / ``SROI_DASHBOARD_IDLE_SECONDS``, else the
    default (:data:`MAX_PAGES`, :data:`IDLE_SECONDS`).

    Raises
    ------
    InputError
        When a value is not a whole number in its range (pages 1 to 50,
        seconds 1 to 86,400).
    """
    problems = Problems()
    found = []
    for value, variable, default, low, high, what in (
            (max_pages, "SROI_DASHBOARD_MAX_PAGES", MAX_PAGES, 1, 50, "pages served at once"),
            (idle_seconds, "SROI_DASHBOARD_IDLE_SECONDS", IDLE_SECONDS, 1, 86_400,
             "seconds before an idle page closes")):
        raw = value if value is not None else os.environ.get(variable, "").strip() or default
        try:
            number = int(raw)
            if str(raw).strip() not in (str(number), f"+{number}") or not low <= number <= high:
                raise ValueError
        except (TypeError, ValueError):
            source = "the value given" if value is not None else f"the environment variable {variable}"
            problems.add(f"{source} is {str(raw)!r}, but the {what} must be a whole number from {low:,} to {high:,}",
                         fix=f"Set {variable} to a whole number from {low:,} to {high:,}, or unset it to use "
                             f"{default:,}.")
            number = default
        found.append(number)
    problems.raise_if_any()
    return found[0], found[1]


def dashboard_command(reports: str | Path, port: int, open_browser: bool = False, *, max_pages: int | None = None,
                      idle_seconds: int | None = None) -> tuple[list[str], dict]:
    """The server's command line and environment that serve the dashboard for ``reports`` on 127.0.0.1 only.

    The server is :mod:`sroi_lib.views.dashboard_server` (Voilà answering
    only loopback Host headers); ``max_pages`` and ``idle_seconds`` are
    :func:`dashboard_limits`. Idle kernels are looked for every quarter of
    ``idle_seconds`` (at most every minute).
    """
    pages, idle = dashboard_limits(max_pages, idle_seconds)
    interval = max(1, min(60, idle // 4))
    cmd = [sys.executable, "-m", "sroi_lib.views.dashboard_server", str(DASHBOARD_NOTEBOOK), f"--port={port}",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--theme=light", "--strip_sources=True",
           "--VoilaConfiguration.multi_kernel_manager_class=sroi_lib.views.dashboard_server.CappedKernelManager",
           f"--CappedKernelManager.max_kernels={pages}", f"--MappingKernelManager.cull_idle_timeout={idle}",
           f"--MappingKernelManager.cull_interval={interval}", "--MappingKernelManager.cull_connected=False"]
    if not open_browser:
        cmd.append("--no-browser")
    env = {**os.environ, "SROI_REPORTS_DIR": str(Path(reports).resolve())}
    return cmd, env


class _Stopped(Exception):
    """Raised in :func:`serve` by a stop signal (SIGTERM, SIGINT, SIGHUP)."""


def serve(reports: str | Path, port: int, open_browser: bool = False, *, max_pages: int | None = None,
          idle_seconds: int | None = None, grace: float = 15.0) -> int:
    """Serve the dashboard until stopped; returns the server's exit code, 0 when stopped by a signal.

    The server runs in a process group of its own and, on Linux, is told to
    stop if this process dies. On SIGTERM, SIGINT (Ctrl+C) or SIGHUP this
    process stops the server and everything it started
    (:func:`stop_server`), waiting up to ``grace`` seconds for it to shut
    its kernels down itself.
    """
    cmd, env = dashboard_command(reports, port, open_browser, max_pages=max_pages, idle_seconds=idle_seconds)

    def stop(signum, _frame):
        raise _Stopped(signum)

    signals = [s for s in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, stop) for s in signals}
    proc = None
    try:
        proc = subprocess.Popen(cmd, env=env, start_new_session=True, preexec_fn=_stop_with_parent(os.getpid()))
        return proc.wait()
    except (_Stopped, KeyboardInterrupt):
        return 0
    finally:
        for s in signals:  # a second Ctrl+C must not cut the clean-up short
            signal.signal(s, signal.SIG_IGN)
        try:
            if proc is not None:
                stop_server(proc, grace)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)


def stop_server(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """Stop a server started in its own process group, and every process under it.

    SIGTERM to the group (Voilà then shuts down its kernels); after ``grace``
    seconds, SIGKILL. The kernels run in sessions of their own, so the
    processes under the server are listed first (with psutil, which comes with
    IPython) and any still alive at the end are killed too.
    """
    leftovers = _processes_under(proc.pid)
    if proc.poll() is None:
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
    if leftovers:
        import psutil

        alive = [p for p in leftovers if p.is_running()]
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(alive, timeout=10)


def _processes_under(pid: int) -> list:
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with IPython; without it kernels still exit with their parent
        return []
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _stop_with_parent(parent: int):
    """A ``preexec_fn`` asking Linux to send SIGTERM to the server when ``parent`` dies (PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return None

    def preexec():
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1 (linux/prctl.h)
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec
