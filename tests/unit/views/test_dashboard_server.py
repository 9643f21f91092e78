"""The dashboard server's rules without a server: the Host-header check, the limits, the command line.

The real server (Voilà over HTTP, kernels, signals) is tested in tests/integration/test_dashboard_server.py.
"""

from __future__ import annotations

import asyncio

import pytest

from sroi_lib.errors import InputError
from sroi_lib.views.dashboard import IDLE_SECONDS, MAX_PAGES, dashboard_command, dashboard_limits
from sroi_lib.views.dashboard_server import CappedKernelManager, DashboardRefusal, host_is_loopback

PORT = 8866


@pytest.mark.parametrize("host", ["127.0.0.1:8866", "localhost:8866", "LOCALHOST:8866", "[::1]:8866", "localhost",
                                  "127.0.0.1", "[::1]"])
def test_loopback_hosts_are_served(host):
    assert host_is_loopback(host, PORT)


@pytest.mark.parametrize("host", [
    "evil.example:8866", "evil.example", "localhost.evil.example:8866", "127.0.0.1.nip.io:8866",
    "127.0.0.1:9999", "localhost:88660", "[::1]:1", "127.0.0.2:8866", "0.0.0.0:8866", "[::ffff:127.0.0.1]:8866",
    "localhost.:8866", "127.1:8866", "2130706433:8866", "localhost:8866 evil", "", None, "user@localhost:8866",
])
def test_every_other_host_is_refused(host):
    assert not host_is_loopback(host, PORT)


def test_defaults_and_environment(monkeypatch):
    monkeypatch.delenv("SROI_DASHBOARD_MAX_PAGES", raising=False)
    monkeypatch.delenv("SROI_DASHBOARD_IDLE_SECONDS", raising=False)
    assert dashboard_limits() == (MAX_PAGES, IDLE_SECONDS)
    monkeypatch.setenv("SROI_DASHBOARD_MAX_PAGES", " 2 ")
    monkeypatch.setenv("SROI_DASHBOARD_IDLE_SECONDS", "45")
    assert dashboard_limits() == (2, 45)
    assert dashboard_limits(max_pages=7, idle_seconds=90) == (7, 90)  # arguments before the environment


@pytest.mark.parametrize("pages, idle, named", [
    ("0", "600", "SROI_DASHBOARD_MAX_PAGES"), ("51", "600", "SROI_DASHBOARD_MAX_PAGES"),
    ("two", "600", "SROI_DASHBOARD_MAX_PAGES"), ("2.5", "600", "SROI_DASHBOARD_MAX_PAGES"),
    ("5", "0", "SROI_DASHBOARD_IDLE_SECONDS"), ("5", "-1", "SROI_DASHBOARD_IDLE_SECONDS"),
    ("5", "1e9", "SROI_DASHBOARD_IDLE_SECONDS"), ("5", "86401", "SROI_DASHBOARD_IDLE_SECONDS"),
])
def test_a_bad_limit_in_the_environment_is_named(monkeypatch, pages, idle, named):
    monkeypatch.setenv("SROI_DASHBOARD_MAX_PAGES", pages)
    monkeypatch.setenv("SROI_DASHBOARD_IDLE_SECONDS", idle)
    with pytest.raises(InputError) as err:
        dashboard_limits()
    (problem,) = err.value.problems
    assert named in problem.message and "whole number" in problem.message and named in problem.fix


def test_bad_arguments_are_all_reported_at_once():
    with pytest.raises(InputError) as err:
        dashboard_limits(max_pages=0, idle_seconds=10**6)
    messages = [p.message for p in err.value.problems]
    assert len(messages) == 2
    assert "the value given is '0', but the pages served at once must be a whole number from 1 to 50" in messages[0]
    assert "seconds before an idle page closes must be a whole number from 1 to 86,400" in messages[1]


def test_command_serves_loopback_only_with_the_limits(monkeypatch, tmp_path):
    monkeypatch.delenv("SROI_DASHBOARD_MAX_PAGES", raising=False)
    cmd, env = dashboard_command(tmp_path, 8999, max_pages=3, idle_seconds=120)
    assert cmd[1:3] == ["-m", "sroi_lib.views.dashboard_server"]
    for arg in ("--port=8999", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--no-browser",
                "--VoilaConfiguration.multi_kernel_manager_class=sroi_lib.views.dashboard_server.CappedKernelManager",
                "--CappedKernelManager.max_kernels=3", "--MappingKernelManager.cull_idle_timeout=120",
                "--MappingKernelManager.cull_interval=30"):
        assert arg in cmd, arg
    assert env["SROI_REPORTS_DIR"] == str(tmp_path.resolve())


def test_the_cap_refuses_before_starting_anything():
    """Kernels running and kernels being started both count; the refusal says what to do."""
    km = CappedKernelManager(max_kernels=2, cull_idle_timeout=600)
    km.list_kernel_ids = lambda: ["k1"]  # one running (isolates the cap from starting real kernels)
    km._starting = 1  # and one being started
    with pytest.raises(DashboardRefusal) as err:
        asyncio.run(km.start_kernel(kernel_name="sroi"))
    refusal = err.value
    assert refusal.status_code == 503 and refusal.retry_after
    assert "already open in 2 pages" in refusal.message and "after 10 minutes" in refusal.message
    assert "<" not in refusal.message and "Close a dashboard tab" in refusal.page()
    assert km._starting == 1  # a refusal starts nothing and leaves the count alone
