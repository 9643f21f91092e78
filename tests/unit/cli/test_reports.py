"""`sroi run`, `sroi batch` and `sroi audit` refusing bad input before any notebook runs."""

from sroi_lib.reports.audit import compare_results
from sroi_lib.cli import main


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_audit_of_a_folder_without_a_manifest(capsys, tmp_path):
    code, _, err = sroi(capsys, "audit", tmp_path)
    assert code == 2 and "has no manifest.json" in err


def test_batch_of_an_empty_folder(capsys, tmp_path):
    code, _, err = sroi(capsys, "batch", tmp_path)
    assert code == 2 and "holds no parameters files" in err


def test_batch_leaves_out_saved_scenario_files(capsys, tmp_path):
    """A contract's what-if scenarios are saved beside its parameters as <stem>.scenarios.yaml: not a contract."""
    (tmp_path / "lcc-x.scenarios.yaml").write_text("pessimistic: {quantity_change: -20%}\n")
    code, _, err = sroi(capsys, "batch", tmp_path)
    assert code == 2 and "holds no parameters files" in err


def test_run_of_a_missing_parameters_file(capsys, tmp_path):
    code, _, err = sroi(capsys, "run", tmp_path / "nope.yaml", "--out", tmp_path / "reports")
    assert code == 2 and "nope.yaml: the parameters file was not found" in err
    assert not (tmp_path / "reports").exists()


def test_run_on_a_full_disk_says_once_that_the_previous_report_is_unchanged(capsys, tmp_path, monkeypatch):
    import errno

    from sroi_lib.reports import runner
    from tests.conftest import ROOT

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(runner, "execute", full)  # the disk fills as the notebook writes the report
    code, _, err = sroi(capsys, "run", ROOT / "parameters" / "lcc-care-at-home.yaml", "--out", tmp_path / "reports")
    assert code == 1 and "is full" in err and "Traceback" not in err
    assert err.lower().count("previous report is unchanged") == 1, err
    assert [p.name for p in (tmp_path / "reports").iterdir()] == []  # no staging left


def test_compare_results_names_each_figure():
    stored = {"present_value": 100.0, "lines": [{"impact": 5.0}], "price_year": 2024, "gone": 1}
    fresh = {"present_value": 100.0 + 1e-10, "lines": [{"impact": 6.0}], "price_year": 2024, "new": 2}
    diffs = compare_results(stored, fresh)
    assert any("lines[0].impact = 5.0; the re-run gives 6.0" in d for d in diffs)
    assert any("'gone'" in d for d in diffs) and any("'new'" in d for d in diffs)
    assert not any("present_value" in d for d in diffs)  # within one part in a billion
    forged = {"lines": [{"impact": 999.0}], "lines[0].impact": 5.0}  # the dotted key would mask the nested one
    diffs = compare_results(forged, {"lines": [{"impact": 5.0}]})
    assert any("lines[0].impact = 999.0; the re-run gives 5.0" in d for d in diffs), diffs
    assert any('has \'["lines[0].impact"]\' = 5.0' in d for d in diffs), diffs


def test_dashboard_serves_with_voila_on_loopback_without_code(tmp_path):
    from sroi_lib.views.dashboard import dashboard_command

    cmd, env = dashboard_command(str(tmp_path), 9999)
    assert cmd[1:3] == ["-m", "sroi_lib.views.dashboard_server"] and cmd[3].endswith("portfolio_dashboard.ipynb")
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=9999" in cmd and "--strip_sources=True" in cmd
    assert env["SROI_REPORTS_DIR"] == str(tmp_path.resolve())


def test_dashboard_refuses_a_folder_without_reports(capsys, tmp_path):
    code, _, err = sroi(capsys, "dashboard", "--reports", tmp_path, "--no-browser")
    assert code == 2 and "holds no complete reports" in err
