"""The dashboard's web server: Voilà, answering only this computer, with a cap on kernels and idle ones culled.

``sroi dashboard`` runs ``python -m sroi_lib.views.dashboard_server NOTEBOOK
[Voilà options]`` (the command line is built by
:func:`sroi_lib.views.dashboard.dashboard_command`). Compared with plain
``voila``, this server:

* **answers only for loopback Host headers.** Every request (pages, the kernel
  API and its WebSocket, static files) whose ``Host`` header is not
  ``localhost``, ``127.0.0.1`` or ``[::1]`` with the server's port (or none) is
  refused with 403 before any handler runs (:func:`host_is_loopback`).
  Listening on 127.0.0.1 alone does not stop DNS rebinding: a web page on
  ``evil.example`` can point that name at 127.0.0.1 and then read the
  dashboard as "its own" site, but its requests still carry
  ``Host: evil.example:PORT`` (the defence the Jupyter server itself uses;
  Voilà 0.5 turns that check off with ``allow_remote_access=True``, which this
  server turns back on as well);
* **caps its kernels.** Each page load runs the notebook in a new kernel
  (about 150 MB). :class:`CappedKernelManager` starts at most
  ``max_kernels``; a page beyond the cap gets a plain message (503) and no
  kernel. Idle kernels with no page connected are shut down after
  ``MappingKernelManager.cull_idle_timeout`` seconds (jupyter_server's own
  culler, switched on by the command line);
* **serves each contract's report** at ``/reports/FOLDER/report.html``
  (:class:`ReportPageHandler`), the link the dashboard's table gives each
  title: only the ``report.html`` of a complete report folder in the folder
  being served (the portfolio's own list, :func:`~sroi_lib.reports.folder.scan_reports`)
  whose sha256 matches its manifest, nothing else. It is sent with
  ``Content-Security-Policy: sandbox``, so the page runs in an origin of its
  own and cannot reach the dashboard's kernels;
* **reads no configuration file** from the current folder (Voilà would run a
  ``voila.py`` found there) or from Jupyter's folders: its command line is its
  whole configuration.

Stopping it (SIGTERM, or Ctrl-C through ``sroi dashboard``) shuts down every
kernel it started: Voilà's own handler does that; ``sroi dashboard`` also
makes sure nothing under it is left (:func:`sroi_lib.views.dashboard.serve`).
"""

from __future__ import annotations

import html
import re
import sys

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer, List, default
from voila.app import Voila

from ..paths import reports_dir
from ..reports.folder import HTML_FILE, read_manifest, scan_reports, sha256
from .dashboard import REPORTS_ROUTE

__all__ = ["host_is_loopback", "DashboardRefusal", "CappedKernelManager", "ReportPageHandler", "DashboardServer",
           "main"]

_LOOPBACK_HOST = re.compile(r"(localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?")


def host_is_loopback(host: str | None, port: int) -> bool:
    """Whether an HTTP ``Host`` header names this computer: ``localhost``, ``127.0.0.1`` or ``[::1]``.

    With a port, it must be the server's own ``port``. Any other name (even
    one that resolves to 127.0.0.1) is refused: that is how a DNS-rebinding
    page shows itself.

    >>> host_is_loopback("127.0.0.1:8866", 8866), host_is_loopback("LOCALHOST:8866", 8866)
    (True, True)
    >>> host_is_loopback("evil.example:8866", 8866), host_is_loopback("127.0.0.1:9999", 8866)
    (False, False)
    """
    found = _LOOPBACK_HOST.fullmatch((host or "").strip().lower())
    return bool(found) and (found.group(2) is None or int(found.group(2)) == port)


class DashboardRefusal(web.HTTPError):
    """A request the dashboard refuses, with a plain-English page saying why and what to do."""

    def __init__(self, status: int, title: str, message: str, retry_after: int | None = None):
        super().__init__(status, reason=title)
        self.title, self.message, self.retry_after = title, message, retry_after

    def page(self) -> str:
        """The refusal as a small HTML page (its text escaped)."""
        return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>sroi dashboard</title></head>"
                "<body style='font-family: sans-serif; max-width: 40em; margin: 3em auto'>"
                f"<h1>{html.escape(self.title)}</h1><p class='sroi-refusal'>{html.escape(self.message)}</p>"
                "</body></html>")


class CappedKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager, starting no more than ``max_kernels`` kernels at once.

    A request for one more raises :class:`DashboardRefusal` (503) before
    anything is started; kernels being started count, so simultaneous page
    loads cannot overshoot the cap.
    """

    max_kernels = Integer(5, config=True, help="The most kernels (open dashboard pages) served at once.")
    _starting = 0

    async def start_kernel(self, *, kernel_id=None, path=None, **kwargs):  # type: ignore[override]
        """Start a kernel unless ``max_kernels`` are running or starting (then refuse with 503)."""
        if kernel_id is not None and kernel_id in self:
            return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        running = len(self.list_kernel_ids()) + self._starting
        if running >= self.max_kernels:
            idle = self.cull_idle_timeout
            later = (f" Pages left idle close by themselves after {_duration(idle)}." if idle > 0 else "")
            pages = f"{running} page{'' if running == 1 else 's'}"
            raise DashboardRefusal(
                503, "The dashboard is open in too many pages",
                f"The dashboard is already open in {pages}, the most it serves at once (each open page keeps "
                f"about 150 MB of memory in use). Close a dashboard tab you no longer need, then reload this "
                f"page.{later}", retry_after=max(1, self.cull_interval))
        self._starting += 1
        try:
            return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        finally:
            self._starting -= 1


class ReportPageHandler(web.RequestHandler):
    """A contract's ``report.html``, from a complete report folder of the folder served (``$SROI_REPORTS_DIR``).

    The folder must be one the portfolio reads (:func:`~sroi_lib.reports.folder.scan_reports`) and its
    report.html must match the sha256 in its manifest: anything else is refused (404 or 409) with a page saying
    why. The page is sent sandboxed (``Content-Security-Policy: sandbox``, scripts allowed for the report's own
    diagrams, no same-origin access), so it can never act as the dashboard.
    """

    def get(self, name: str):  # noqa: D102 - the class says it
        root = reports_dir()
        folder = {f.name: f for f in scan_reports(root).folders}.get(name)
        if folder is None:
            raise DashboardRefusal(404, "No such report", f"There is no complete report folder named '{name}' in "
                                   f"{root}. Reload the dashboard: the report may have been made again or removed.")
        page = folder / HTML_FILE
        try:
            matches = sha256(page) == read_manifest(folder)["outputs"].get(HTML_FILE)
        except Exception:  # noqa: BLE001 - an unreadable manifest or page is refused like an edited one
            matches = False
        if not matches:
            raise DashboardRefusal(409, "This report was changed after it was made",
                                   f"{page} does not match the sha256 in its manifest, so the dashboard does not "
                                   "show it. Run `sroi run` again for this contract, or check it with `sroi audit`.")
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Content-Security-Policy", "sandbox allow-scripts allow-popups allow-popups-to-escape-sandbox")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "no-store")
        self.finish(page.read_bytes())


def _duration(seconds: int) -> str:
    if seconds % 60 == 0 and seconds >= 60:
        minutes = seconds // 60
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def _loopback_only(handler: type, port: int) -> type:
    """``handler`` with a Host-header check before anything else, and plain pages for the dashboard's refusals."""

    def prepare(self):
        if not host_is_loopback(self.request.host, port):
            raise DashboardRefusal(
                403, "This address is not served",
                f"This dashboard answers only at http://127.0.0.1:{port}/ or http://localhost:{port}/, on the "
                "computer that runs it. Open one of those addresses instead (requests made under any other "
                "name are refused, so that no other web site can read the dashboard).")
        return handler.prepare(self)

    def write_error(self, status_code, **kwargs):
        refusal = (kwargs.get("exc_info") or (None, None, None))[1]
        if not isinstance(refusal, DashboardRefusal):
            return handler.write_error(self, status_code, **kwargs)
        self.clear()
        self.set_status(refusal.status_code, refusal.reason)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        if refusal.retry_after:
            self.set_header("Retry-After", str(refusal.retry_after))
        self.finish(refusal.page())

    return type(handler.__name__, (handler,), {"prepare": prepare, "write_error": write_error,
                                               "__module__": __name__})


class DashboardServer(Voila):
    """Voilà with the Host-header check on every handler, Jupyter's own check back on, and no config files read."""

    name = "sroi-dashboard"
    config_file_paths = List([], help="No configuration files: the command line is the whole configuration.")

    @default("config_file_paths")
    def _no_config_files(self):
        return []

    def init_settings(self):
        """Voilà's settings with jupyter_server's own Host check turned back on (Voilà turns it off)."""
        settings = super().init_settings()
        settings["allow_remote_access"] = False
        settings["local_hostnames"] = ["localhost"]
        return settings

    def init_handlers(self):
        """Each contract's report (:class:`ReportPageHandler`), then Voilà's handlers, each behind
        :func:`host_is_loopback`."""
        from jupyter_server.utils import url_path_join

        reports = (url_path_join(self.server_url, rf"/{REPORTS_ROUTE}/([^/]+)/{re.escape(HTML_FILE)}"),
                   ReportPageHandler)
        return [(route[0], _loopback_only(route[1], self.port), *route[2:])
                for route in [reports, *super().init_handlers()]]


def main(argv: list[str] | None = None) -> None:
    """Run the server (the command line is Voilà's)."""
    DashboardServer.launch_instance(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover - run by `sroi dashboard` in its own process
    # Run the imported module's main, not this __main__ copy: the kernel manager is named by its import path,
    # and its refusals must be the same class the handlers check for.
    from sroi_lib.views import dashboard_server

    dashboard_server.main()
