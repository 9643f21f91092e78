"""Report folders end to end: real papermill runs of the report notebook on the examples."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sroi_lib.reports.audit import audit_report
from sroi_lib.cli import main
from sroi_lib.reports.runner import find_chromium, run_contract
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
PARAMS = sorted((ROOT / "parameters").glob("*.yaml"))


def copy_contract(tmp_path: Path, contract_id: str) -> Path:
    """A private copy of an example contract (parameters, impact map, inputs) that a test may change."""
    src = ROOT / "parameters" / f"{contract_id}.yaml"
    (tmp_path / "parameters").mkdir()
    shutil.copytree(ROOT / "data" / "examples" / contract_id, tmp_path / "data" / "examples" / contract_id)
    dst = tmp_path / "parameters" / src.name
    shutil.copy(src, dst)
    return dst


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One real report of the first example contract, shared by the read-only tests."""
    out = tmp_path_factory.mktemp("reports")
    return run_contract(PARAMS[0], out).folder


def test_there_are_five_illustrative_examples_across_the_pillars():
    import yaml

    from sroi_lib.reports.contract import load_contract

    assert len(PARAMS) >= 5
    pillars, directorates = set(), set()
    for p in PARAMS:
        raw = yaml.safe_load(p.read_text())
        assert raw["illustrative"] is True and "illustrative" in raw["description"].lower()
        run = load_contract(p)
        directorates.add(run.params.directorate)
        pillars |= set(run.valuation.by_framework(run.framework)["best_city_ambition"])
        assert run.valuation.lines["proxy_id"].ne("").all(), p.name
        assert run.valuation.lines["evidence"].str.startswith("ILLUSTRATIVE").all(), p.name
    assert {"Health and wellbeing", "Inclusive growth", "Zero carbon"} <= pillars
    assert len(directorates) >= 3


def test_report_folder_has_every_file(report):
    names = {p.name for p in report.iterdir()}
    assert {"report.ipynb", "report.html", "results.json", "lines.csv", "manifest.json"} <= names
    assert not any(n.startswith(".") for n in names)


def test_results_equal_sroi_value_on_the_same_inputs(report, capsys):
    results = json.loads((report / "results.json").read_text())
    manifest = json.loads((report / "manifest.json").read_text())
    root = Path(manifest["root"])
    params = manifest["parameters"]
    code = main(["value", str(root / params["impact_map"]), "--inputs", str(root / params["inputs"]),
                 "--price-year", str(params["price_year"]), "--discount", params["discounting"], "--json"])
    assert code == 0
    direct = json.loads(capsys.readouterr().out)
    for key in ("present_value", "total_inputs", "sroi_ratio", "net_sroi_ratio", "npv", "payback_months",
                "price_year", "discounting", "lines", "by_year", "breakdowns"):
        assert results[key] == direct[key], key
    assert results["contract"]["contract_id"] == params["contract_id"]
    assert isinstance(results["overclaiming_checks"], list)
    # the example's supplier returns are tracked against its commitments
    tracking = results["tracking"]
    assert tracking["rag"] in ("red", "amber", "green") and tracking["periods_elapsed"] == 3
    assert {m["measure"] for m in tracking["measures"]} and manifest["inputs"]["returns"]["sha256"]


def test_html_has_no_code_and_no_external_scripts(report):
    html = (report / "report.html").read_text()
    assert "report.load_contract" not in html and "import " not in html
    assert "data:image/png;base64" in html
    assert 'src="http' not in html
    assert "Headline figures" in html and "Over-claiming checks" in html and "Delivery against commitments" in html


def test_manifest_records_hashes_and_versions(report):
    from sroi_lib.reports.manifest import sha256

    m = json.loads((report / "manifest.json").read_text())
    for name in ("results.json", "lines.csv", "report.html", "report.ipynb"):
        assert m["outputs"][name] == sha256(report / name)
    roles = set(m["inputs"])
    assert {"parameters", "impact_map", "inputs", "deflators", "discount_schedules", "framework"} <= roles
    assert any(r.startswith("proxies/") for r in roles)
    assert set(m["versions"]) >= {"sroi", "python", "pandas", "numpy", "papermill"}
    assert m["git_commit"] is None or len(m["git_commit"]) == 40


def test_audit_verifies_a_fresh_report(report):
    result = audit_report(report)
    assert result.verified, result.differences
    assert any("re-executed" in c for c in result.checked)


def test_audit_names_a_changed_input_and_an_edited_results_file(tmp_path):
    params = copy_contract(tmp_path, PARAMS[0].stem)
    folder = run_contract(params, tmp_path / "reports").folder
    impact_map = tmp_path / "data" / "examples" / PARAMS[0].stem / "impact_map.csv"
    data = bytearray(impact_map.read_bytes())
    i = data.index(b"%")  # change one byte: a percentage digit just before a % sign
    data[i - 1] = ord("1") if data[i - 1] != ord("1") else ord("2")
    impact_map.write_bytes(bytes(data))
    result = audit_report(folder)
    assert not result.verified
    assert any("impact_map" in d and "has changed" in d for d in result.differences), result.differences

    impact_map.write_bytes(bytes(data))  # keep the change; now also edit results.json
    results = folder / "results.json"
    results.write_text(results.read_text().replace('"present_value": ', '"present_value": 1', 1))
    result = audit_report(folder)
    assert any(d.startswith("results.json has been edited") for d in result.differences), result.differences


def test_audit_command_exit_codes(report, tmp_path):
    code = subprocess.run([sys.executable, "-m", "sroi_lib.cli", "audit", str(report)], capture_output=True, text=True)
    assert code.returncode == 0 and "VERIFIED" in code.stdout
    edited = tmp_path / "edited"
    shutil.copytree(report, edited)
    (edited / "report.html").write_text((edited / "report.html").read_text() + "<!-- changed -->")
    code = subprocess.run([sys.executable, "-m", "sroi_lib.cli", "audit", str(edited)], capture_output=True, text=True)
    assert code.returncode == 1 and "NOT VERIFIED" in code.stdout and "report.html has been edited" in code.stdout


def test_failed_run_leaves_the_previous_report_intact(tmp_path, capsys):
    params = copy_contract(tmp_path, PARAMS[0].stem)
    folder = run_contract(params, tmp_path / "reports").folder
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    code = main(["run", str(params), "--out", str(tmp_path / "reports"), "--kernel", "no-such-kernel"])
    err = capsys.readouterr().err
    assert code == 1 and "kernel 'no-such-kernel' is not installed" in err and "previous report is unchanged" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in (tmp_path / "reports").iterdir()] == [folder.name]


def test_run_with_a_relative_output_folder(tmp_path, monkeypatch, capsys):
    params = copy_contract(tmp_path, PARAMS[0].stem)
    monkeypatch.chdir(tmp_path)
    code = main(["run", str(params.relative_to(tmp_path)), "--out", "reports"])
    assert code == 0, capsys.readouterr().err
    folder = tmp_path / "reports" / PARAMS[0].stem
    assert (folder / "results.json").is_file() and (folder / "lines.csv").is_file()
    assert not (ROOT / "notebooks" / "reports").exists()


def test_bad_parameters_exit_2_and_write_nothing(tmp_path, capsys):
    params = copy_contract(tmp_path, PARAMS[0].stem)
    params.write_text(params.read_text() + "colour: blue\n")
    code = main(["run", str(params), "--out", str(tmp_path / "reports")])
    assert code == 2 and "'colour' is not a parameter" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_batch_finishes_the_others_when_one_fails(tmp_path):
    folder = tmp_path / "params"
    folder.mkdir()
    for p in PARAMS[:2]:
        text = p.read_text().replace("../data/", str(ROOT / "data") + "/")
        (folder / p.name).write_text(text)
    (folder / "broken.yaml").write_text("contract_id: broken\ntitle: Broken\n")
    out = tmp_path / "reports"
    result = subprocess.run([sys.executable, "-m", "sroi_lib.cli", "batch", str(folder), "--out", str(out),
                             "--workers", "2"], capture_output=True, text=True)
    assert result.returncode == 1
    assert "2 of 3 contracts done" in result.stdout and "failed" in result.stdout and "broken.yaml" in result.stdout
    assert "the parameter 'supplier' is missing" in result.stdout
    assert {p.name for p in out.iterdir()} == {p.stem for p in PARAMS[:2]}


def test_pdf_without_chromium_is_explained(tmp_path, monkeypatch):
    from sroi_lib.reports import runner

    params = copy_contract(tmp_path, PARAMS[0].stem)
    monkeypatch.setattr(runner, "find_chromium", lambda: None)
    result = run_contract(params, tmp_path / "reports", pdf=True)
    assert not (result.folder / "report.pdf").exists()
    assert any("Chromium is not installed" in n for n in result.notes)


@pytest.mark.skipif(not find_chromium(), reason="Chromium is not installed (apt-get install chromium); CI installs it")
def test_pdf_is_printed_with_chromium(tmp_path):
    params = copy_contract(tmp_path, PARAMS[0].stem)
    result = run_contract(params, tmp_path / "reports", pdf=True)
    pdf = result.folder / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    assert result.notes == []
