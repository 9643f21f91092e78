"""The command line tells the user's mistakes (exit 2), a run that could not finish (exit 1) and a fault in
sroi itself (exit 70) apart."""

import pytest

from sroi_lib import cli
from sroi_lib.errors import RunFailed


def failing(exc):
    def handler(args):
        raise exc
    return handler


def test_a_fault_in_sroi_is_never_called_the_users_mistake(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_cmd_proxies_check", failing(ZeroDivisionError("division by zero")))
    code = cli.main(["proxies", "check", "any.csv"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAULT == 70
    assert "a fault in sroi itself, not a problem with your files" in err
    assert "Traceback" in err and "ZeroDivisionError: division by zero" in err
    assert "cannot continue" not in err


def test_a_run_that_could_not_finish_exits_1(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_cmd_proxies_check", failing(RunFailed("Chromium could not print the PDF")))
    code = cli.main(["proxies", "check", "any.csv"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAILED == 1
    assert "sroi proxies check: could not finish: Chromium could not print the PDF" in err
    assert "Traceback" not in err


def test_a_users_mistake_exits_2(capsys, tmp_path):
    code = cli.main(["proxies", "check", str(tmp_path / "missing.csv")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_INPUT == 2 and "missing.csv: the file was not found" in err
