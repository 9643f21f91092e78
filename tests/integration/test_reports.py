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
PARAMS = sorted(p for p in (ROOT / "parameters").glob("*.yaml") if not p.name.endswith(".scenarios.yaml"))


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
    root = ROOT  # the manifest's paths are relative to the checkout the report was made in
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
    assert m["git"]["commit"] == m["git_commit"] and isinstance(m["git"]["inputs_changed"], list)
    # no absolute path anywhere: inputs are found in the auditor's checkout, never where the manifest says
    assert "root" not in m and str(ROOT) not in (report / "manifest.json").read_text()
    assert all(not e["path"].startswith("/") and ".." not in e["path"] for e in m["inputs"].values())


def test_audit_verifies_a_fresh_report(report):
    result = audit_report(report, checkout=ROOT)
    assert result.verified, result.differences
    assert any("re-executed" in c and "cell by cell" in c for c in result.checked)
    assert any("proxy values match their published sources" in n for n in result.not_shown)


def test_audit_names_a_changed_input_and_an_edited_results_file(tmp_path):
    params = copy_contract(tmp_path, PARAMS[0].stem)
    folder = run_contract(params, tmp_path / "reports").folder
    impact_map = tmp_path / "data" / "examples" / PARAMS[0].stem / "impact_map.csv"
    data = bytearray(impact_map.read_bytes())
    i = data.index(b"%")  # change one byte: a percentage digit just before a % sign
    data[i - 1] = ord("1") if data[i - 1] != ord("1") else ord("2")
    impact_map.write_bytes(bytes(data))
    result = audit_report(folder, checkout=tmp_path)
    assert not result.verified
    assert any("impact_map" in d and "has changed" in d for d in result.differences), result.differences
    assert any("outside a git repository" in n for n in result.notes)

    impact_map.write_bytes(bytes(data))  # keep the change; now also edit results.json
    results = folder / "results.json"
    results.write_text(results.read_text().replace('"present_value": ', '"present_value": 1', 1))
    result = audit_report(folder, checkout=tmp_path)
    assert any(d.startswith("results.json has been edited") for d in result.differences), result.differences


def test_a_saved_scenario_is_in_the_report_and_the_audit_covers_its_file(tmp_path):
    """A scenario saved beside the parameters (as the what-if bench saves it) is valued in results.json, hashed in
    the manifest and re-made by the audit; an edit to it after the run is named."""
    from sroi_lib.reports.uncertainty import save_scenario

    params = copy_contract(tmp_path, PARAMS[0].stem)
    saved = save_scenario(params, "what-if", {"description": "from the bench", "quantity_change": "-10%"})
    folder = run_contract(params, tmp_path / "reports").folder
    results = json.loads((folder / "results.json").read_text())
    assert [s["scenario"] for s in results["uncertainty"]["scenarios"]][-1] == "what-if"
    assert results["uncertainty"]["monte_carlo"]["seed"] == 20261130
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["inputs"]["scenarios"]["path"] == f"parameters/{saved.name}"
    result = audit_report(folder, checkout=tmp_path)
    assert result.verified, result.differences  # every figure re-made, the Monte Carlo's included
    saved.write_text(saved.read_text().replace("-10%", "-20%"))
    result = audit_report(folder, checkout=tmp_path)
    assert any("scenarios" in d and "has changed" in d for d in result.differences), result.differences


def test_audit_command_exit_codes(report, tmp_path):
    # run from inside the checkout: its git top folder is the default --checkout
    code = subprocess.run([sys.executable, "-m", "sroi_lib.cli", "audit", str(report)], capture_output=True, text=True,
                          cwd=ROOT / "notebooks")
    assert code.returncode == 0 and "VERIFIED" in code.stdout and "Not shown by this audit" in code.stdout
    edited = tmp_path / "edited"
    shutil.copytree(report, edited)
    (edited / "report.html").write_text((edited / "report.html").read_text() + "<!-- changed -->")
    code = subprocess.run([sys.executable, "-m", "sroi_lib.cli", "audit", str(edited), "--checkout", str(ROOT)],
                          capture_output=True, text=True, cwd=tmp_path)
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
    assert result.returncode == 2  # refused for a problem in its files (exit 1 is kept for runs that could not finish)
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


# ---------------------------------------------------------------------------------------------------------------
# The audit cannot be fooled: a forger who edits a report and recomputes its hashes is caught by the re-run.

def forge(example_reports, tmp_path, contract_id="lcc-care-at-home") -> Path:
    """A private copy of one example report, to be edited."""
    copy = tmp_path / "reports" / contract_id
    shutil.copytree(example_reports / contract_id, copy)
    return copy


def rehash(folder: Path) -> None:
    """Recompute the manifest's output hashes, as a forger would."""
    from sroi_lib.reports.manifest import sha256

    m = json.loads((folder / "manifest.json").read_text())
    m["outputs"] = {name: sha256(folder / name) for name in m["outputs"]}
    (folder / "manifest.json").write_text(json.dumps(m, indent=2))


def test_a_forged_html_with_recomputed_hashes_fails_audit(example_reports, tmp_path):
    folder = forge(example_reports, tmp_path)
    html = (folder / "report.html").read_text()
    pv = json.loads((folder / "results.json").read_text())["present_value"]
    shown = f"£{pv:,.2f}"
    assert shown in html
    (folder / "report.html").write_text(html.replace(shown, "£9,999,999.99"))
    rehash(folder)
    result = audit_report(folder, checkout=ROOT)
    assert not result.verified
    assert [d for d in result.differences if d.startswith("report.html differs")], result.differences
    assert any("£9,999,999.99" in d for d in result.differences)
    assert not any("has been edited" in d for d in result.differences)  # the hashes alone would have passed


def test_a_forged_script_in_the_html_with_recomputed_hashes_fails_audit(example_reports, tmp_path):
    folder = forge(example_reports, tmp_path)
    html = (folder / "report.html").read_text()
    (folder / "report.html").write_text(html.replace("</body>", "<script>fetch('https://x.example')</script></body>"))
    rehash(folder)
    result = audit_report(folder, checkout=ROOT)
    assert any(d.startswith("report.html differs") for d in result.differences), result.differences


def test_a_forged_notebook_with_recomputed_hashes_fails_audit(example_reports, tmp_path):
    folder = forge(example_reports, tmp_path)
    nb = json.loads((folder / "report.ipynb").read_text())
    cell = next(i for i, c in enumerate(nb["cells"]) if "headline" in c.get("metadata", {}).get("tags", []))
    out = nb["cells"][cell]["outputs"][0]["data"]
    out["text/html"] = "".join(out["text/html"]).replace("Headline", "Headline", 1).replace("1.", "9.", 1)
    (folder / "report.ipynb").write_text(json.dumps(nb))
    rehash(folder)
    result = audit_report(folder, checkout=ROOT)
    assert any(d.startswith(f"report.ipynb cell {cell + 1}, output 1") for d in result.differences), result.differences


@pytest.mark.parametrize("name, edit", [
    ("results.json", lambda t: t.replace('"sroi_ratio": ', '"sroi_ratio": 1', 1)),
    ("lines.csv", lambda t: t.replace(",", ";", 1)),
    ("report.html", lambda t: t.replace("Headline figures", "Headline figure", 1)),
    ("report.ipynb", lambda t: t.replace("## Headline figures", "## Headline figure", 1)),
])
def test_an_edit_to_each_output_is_caught_by_the_re_run(example_reports, tmp_path, name, edit):
    folder = forge(example_reports, tmp_path)
    text = (folder / name).read_text()
    assert edit(text) != text
    (folder / name).write_text(edit(text))
    rehash(folder)  # the manifest agrees with the forged file: only the re-run can tell
    result = audit_report(folder, checkout=ROOT)
    assert not result.verified and any(d.startswith(name) for d in result.differences), result.differences


def _injected_cell(nb: dict) -> dict:
    return next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))


def _forge_cell_id(folder: Path) -> None:
    """The parameters cell's id made to hold markup, the same text put in report.html's cell-id (review forge2)."""
    nb = json.loads((folder / "report.ipynb").read_text())
    cell = _injected_cell(nb)
    old, new = cell["id"], cell["id"] + '"><script>alert(1)</script><p>SROI ratio 25.0 : 1 (audited)</p><div x="'
    cell["id"] = new
    (folder / "report.ipynb").write_text(json.dumps(nb))
    html = (folder / "report.html").read_text()
    assert html.count(f"cell-id={old}") == 1
    (folder / "report.html").write_text(html.replace(f"cell-id={old}", f"cell-id={new}"))


def _forge_params_file(folder: Path) -> None:
    """papermill's params_file made to close its string and run code, the parameters cell edited to match
    (review forge1): the stored notebook would run that code when opened and run."""
    nb = json.loads((folder / "report.ipynb").read_text())
    old = nb["metadata"]["papermill"]["parameters"]["params_file"]
    evil = old + '"\nimport os; os.system("touch /tmp/sroi-forged")\nparams_file = "' + old
    nb["metadata"]["papermill"]["parameters"]["params_file"] = evil
    cell = _injected_cell(nb)
    cell["source"] = "".join(cell["source"]).replace(f'"{old}"', f'"{evil}"')
    (folder / "report.ipynb").write_text(json.dumps(nb))


def _forge_hidden_outputs(folder: Path) -> None:
    """Every output hidden from a reader of the notebook (cell metadata; review forge3)."""
    nb = json.loads((folder / "report.ipynb").read_text())
    for cell in nb["cells"]:
        if cell.get("outputs"):
            cell["metadata"]["jupyter"] = {"outputs_hidden": True}
    (folder / "report.ipynb").write_text(json.dumps(nb))


def _forge_kernel(folder: Path) -> None:
    """The notebook's kernel changed to another one (notebook metadata; review forge3)."""
    nb = json.loads((folder / "report.ipynb").read_text())
    nb["metadata"]["kernelspec"]["name"] = "evil-kernel"
    (folder / "report.ipynb").write_text(json.dumps(nb))


@pytest.mark.parametrize("forgery, expected", [
    (_forge_cell_id, ["the parameters cell's id", "is not a cell id", "SROI ratio 25.0"]),
    (_forge_params_file, ["the params_file recorded in its metadata", "os.system", "cell 2: its text differs"]),
    (_forge_hidden_outputs, ["'jupyter.outputs_hidden' is True; the re-run's has no"]),
    (_forge_kernel, ["'metadata.kernelspec.name' is 'evil-kernel'; the re-run's is"]),
])
def test_forged_run_stamps_and_notebook_metadata_fail_audit(example_reports, tmp_path, forgery, expected):
    """Each forgery, with the hashes recomputed, VERIFIED when the audit took its run stamps from the stored
    notebook unchecked and ignored its metadata."""
    folder = forge(example_reports, tmp_path)
    forgery(folder)
    rehash(folder)
    result = audit_report(folder, checkout=ROOT)
    assert not result.verified
    text = "\n".join(result.differences)
    assert all(words in text for words in expected), result.differences
    assert not any("has been edited since" in d for d in result.differences)  # the hashes alone would pass


def test_a_report_copied_elsewhere_audits_against_the_given_checkout(example_reports, tmp_path, monkeypatch):
    folder = forge(example_reports, tmp_path)
    monkeypatch.chdir(tmp_path)  # not a checkout: the default would find nothing
    result = audit_report(folder, rerun=False)
    assert any("missing from the checkout" in d for d in result.differences)
    assert any("is it the right checkout" in n for n in result.notes)
    result = audit_report(folder, checkout=ROOT)
    assert result.verified, result.differences


def test_a_manifest_pointing_outside_the_checkout_is_not_followed(example_reports, tmp_path):
    """A forged copy of the inputs elsewhere (an absolute path, or ..) is never used."""
    folder = forge(example_reports, tmp_path)
    m = json.loads((folder / "manifest.json").read_text())
    forged = tmp_path / "forged_map.csv"
    shutil.copy(ROOT / m["inputs"]["impact_map"]["path"], forged)
    m["inputs"]["impact_map"]["path"] = str(forged)
    m["inputs"]["inputs"]["path"] = "../" + m["inputs"]["inputs"]["path"]
    m["root"] = str(tmp_path)  # an older manifest's root is ignored
    (folder / "manifest.json").write_text(json.dumps(m))
    result = audit_report(folder, checkout=ROOT, rerun=False)
    assert any("input impact_map" in d and "is an absolute path" in d for d in result.differences)
    assert any("input inputs" in d and "outside the checkout ('..')" in d for d in result.differences)


def test_a_report_made_from_changed_inputs_names_them(tmp_path):
    """A report made in a checkout whose impact map was changed, audited against the real checkout."""
    params = copy_contract(tmp_path, PARAMS[0].stem)
    impact_map = tmp_path / "data" / "examples" / PARAMS[0].stem / "impact_map.csv"
    data = bytearray(impact_map.read_bytes())
    i = data.index(b"%")  # one percentage digit changed
    data[i - 1] = ord("1") if data[i - 1] != ord("1") else ord("2")
    impact_map.write_bytes(bytes(data))
    folder = run_contract(params, tmp_path / "reports").folder
    result = audit_report(folder, checkout=ROOT)  # the manifest's paths are relative, and exist in ROOT too
    assert any(d.startswith("input impact_map") and "has changed" in d for d in result.differences)
    assert any(d.startswith("results.json says") for d in result.differences)


def test_audit_of_a_malformed_manifest_exits_2(example_reports, tmp_path, capsys):
    folder = forge(example_reports, tmp_path)
    m = json.loads((folder / "manifest.json").read_text())
    m["inputs"] = list(m["inputs"])
    (folder / "manifest.json").write_text(json.dumps(m))
    assert main(["audit", str(folder), "--checkout", str(ROOT)]) == 2
    err = capsys.readouterr().err
    assert "'inputs' should be an object, not a list" in err and "Traceback" not in err
    assert main(["audit", str(example_reports / "lcc-care-at-home"), "--checkout", str(tmp_path / "nope")]) == 2
    assert "nope: is not a folder" in capsys.readouterr().err


def test_a_full_disk_while_writing_leaves_the_previous_report_and_no_staging(example_reports, tmp_path, monkeypatch,
                                                                             capsys):
    import errno

    from sroi_lib.reports import runner

    out = tmp_path / "reports"
    previous = forge(example_reports, tmp_path, "lcc-care-at-home")
    before = {p.name: p.read_bytes() for p in previous.iterdir()}

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(runner, "write_manifest", full)  # the disk fills while the manifest is written
    code = main(["run", str(ROOT / "parameters" / "lcc-care-at-home.yaml"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "is full" in err and "Traceback" not in err
    assert err.lower().count("previous report is unchanged") == 1, err  # said once, not twice
    assert {p.name: p.read_bytes() for p in previous.iterdir()} == before
    assert sorted(p.name for p in out.iterdir()) == ["lcc-care-at-home"]  # no staging left


def test_audit_of_a_damaged_report_names_each_damaged_file(example_reports, tmp_path):
    folder = forge(example_reports, tmp_path)
    (folder / "results.json").write_text("{not json")
    (folder / "lines.csv").unlink()
    (folder / "report.ipynb").write_text("[]")
    (folder / "report.html").unlink()
    result = audit_report(folder, checkout=ROOT)
    d = result.differences
    assert "results.json cannot be read as JSON" in d and "lines.csv is missing from the report folder" in d
    assert "report.ipynb is not a notebook" in d and "report.html is missing from the report folder" in d
    (folder / "report.ipynb").write_text("{broken")
    assert "report.ipynb cannot be read as JSON" in audit_report(folder, checkout=ROOT).differences
    result = audit_report(folder, checkout=ROOT, kernel="no-such-kernel")
    assert "report.ipynb cannot be read as JSON" not in result.differences  # no re-run, so not compared
    assert any(x.startswith("re-running the notebook failed: the Jupyter kernel 'no-such-kernel'")
               for x in result.differences)


def test_audit_without_the_parameters_file_does_not_re_run(example_reports, tmp_path):
    folder = forge(example_reports, tmp_path)
    m = json.loads((folder / "manifest.json").read_text())
    m["inputs"]["parameters"]["path"] = "parameters/gone.yaml"
    (folder / "manifest.json").write_text(json.dumps(m))
    result = audit_report(folder, checkout=ROOT)
    assert "the notebook was not re-run: the parameters file could not be found in the checkout" in result.differences
    assert any("input parameters (parameters/gone.yaml) is missing from the checkout" in x for x in result.differences)


def test_batch_of_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("contract_id: a\n")
    assert main(["batch", str(tmp_path / "a.yaml"), "--out", str(tmp_path / "out")]) == 2
    assert "a.yaml: is not a folder of parameters files" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_manifest_that_leaves_out_an_input_is_caught(example_reports, tmp_path):
    folder = forge(example_reports, tmp_path)
    m = json.loads((folder / "manifest.json").read_text())
    del m["inputs"]["returns"]
    m["inputs"]["extra"] = dict(m["inputs"]["parameters"])
    (folder / "manifest.json").write_text(json.dumps(m))
    result = audit_report(folder, checkout=ROOT, rerun=False)
    assert any("does not list the input returns" in d for d in result.differences), result.differences
    assert any("lists an input extra, which the contract does not read" in d for d in result.differences)


def test_a_checkout_whose_contract_cannot_be_valued_is_a_difference(example_reports, tmp_path):
    folder = forge(example_reports, tmp_path)
    checkout = tmp_path / "checkout"
    (checkout / "parameters").mkdir(parents=True)
    (checkout / "parameters" / "lcc-care-at-home.yaml").write_text("contract_id: lcc-care-at-home\n")
    result = audit_report(folder, checkout=checkout, rerun=False)
    assert any(d.startswith("the contract cannot be valued from the checkout:") and "'title' is missing" in d
               for d in result.differences), result.differences


# ---------------------------------------------------------------------------------------------------------------
# Inputs only from the checkout: the second review's forgeries that VERIFIED by carrying or pointing at their own.

def planted_report(tmp_path: Path, contract_id: str, where: Path, impact_map: Path | None = None) -> Path:
    """A report made from a copy of ``contract_id``'s files with ten times the quantities, kept in ``where``
    (its impact map at ``impact_map`` when given), as a forger would make one."""
    src = ROOT / "data" / "examples" / contract_id
    where.mkdir(parents=True, exist_ok=True)
    for name in ("inputs.csv", "commitments.csv"):
        if (src / name).exists():
            shutil.copy(src / name, where / name)
    impact_map = impact_map or where / "impact_map.csv"
    impact_map.parent.mkdir(parents=True, exist_ok=True)
    impact_map.write_text((src / "impact_map.csv").read_text().replace(",23750,", ",237500,"))
    text = (ROOT / "parameters" / f"{contract_id}.yaml").read_text()
    text = text.replace(f"../data/examples/{contract_id}/", "")
    text = "\n".join(f"impact_map: {impact_map}" if line.startswith("impact_map:") else line
                     for line in text.splitlines()) + "\n"
    (where / f"{contract_id}.yaml").write_text(text)
    return run_contract(where / f"{contract_id}.yaml", tmp_path / "made").folder


def test_inputs_planted_in_the_report_folder_are_never_re_run(tmp_path):
    """Forgery 1 of the second review: a report inside the checkout (reports/<id>/) carries its own parameters
    file and a 10x impact map; its manifest names them; the audit re-ran them and VERIFIED a ratio of 10.75."""
    cid = "lcc-school-catering"
    checkout = tmp_path / "co"
    checkout.mkdir()
    copy_contract(checkout, cid)
    folder = checkout / "reports" / cid
    made = planted_report(tmp_path, cid, folder / "src")
    for name in ("results.json", "lines.csv", "report.html", "report.ipynb", "manifest.json"):
        shutil.copy(made / name, folder / name)
    m = json.loads((folder / "manifest.json").read_text())
    for entry in m["inputs"].values():
        if entry.get("base") != "sroi-data":
            entry["path"] = f"reports/{cid}/src/" + entry["path"]
    (folder / "manifest.json").write_text(json.dumps(m))
    assert json.loads((folder / "results.json").read_text())["sroi_ratio"] > 5  # the genuine report's is 1.93
    result = audit_report(folder, checkout=checkout)
    assert not result.verified
    assert any(d.startswith(f"input parameters (reports/{cid}/src/{cid}.yaml) lies inside the report folder")
               for d in result.differences), result.differences
    assert not any("re-executed" in c for c in result.checked)  # nothing from the folder was run


def test_a_contract_reading_a_file_outside_the_checkout_is_not_re_run(tmp_path):
    """Forgery 2: the checkout's parameters file names an impact map by an absolute path outside the checkout;
    the manifest names a same-content copy inside it. The sha256 matched, so the audit VERIFIED while the
    kernel read the outside file."""
    cid = "lcc-school-catering"
    checkout, outside = tmp_path / "co", tmp_path / "outside" / "impact_map.csv"
    made = planted_report(tmp_path, cid, checkout / "parameters", impact_map=outside)
    shutil.copy(outside, checkout / "parameters" / "copy_of_map.csv")
    m = json.loads((made / "manifest.json").read_text())
    for entry in m["inputs"].values():
        if entry.get("base") != "sroi-data" and entry["path"].startswith("co/"):
            entry["path"] = entry["path"][len("co/"):]
    m["inputs"]["impact_map"]["path"] = "parameters/copy_of_map.csv"
    (made / "manifest.json").write_text(json.dumps(m))
    result = audit_report(made, checkout=checkout)
    assert not result.verified
    assert any(d.startswith("the contract in the checkout reads its impact_map from") and "outside the checkout" in d
               for d in result.differences), result.differences
    assert not any("re-executed" in c for c in result.checked)
    assert any(n.startswith("the notebook was not re-run") for n in result.notes)


def test_a_report_folder_that_is_its_own_checkout_is_refused(example_reports, tmp_path, monkeypatch, capsys):
    """Forgery 6: the report folder, a git repository carrying parameters/ and data/, audited from inside with
    the default --checkout; a core.fsmonitor in its .git/config ran during the audit's `git status`."""
    folder = forge(example_reports, tmp_path)
    copy_contract(folder, "lcc-care-at-home")
    pwned = tmp_path / "PWNED"
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "x"],
                 ["config", "core.fsmonitor", f"touch {pwned}; echo"]):
        subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)
    monkeypatch.chdir(folder)
    assert main(["audit", "."]) == 2
    err = capsys.readouterr().err
    assert "is the report folder being audited, or inside it" in err and "Traceback" not in err
    assert not pwned.exists()
    result = audit_report(folder, checkout=ROOT, rerun=False)  # against the real checkout: its extras named
    assert any(d.startswith("the report folder holds files sroi did not write: .git/, data/, parameters/")
               for d in result.differences), result.differences
    assert not pwned.exists()
