"""The Word and PDF copies and the theme file in the report folder, its manifest and its audit (no notebook run)."""

import json
import shutil

from sroi_lib.reports.audit import audit_report
from sroi_lib.reports.folder import COPIES, DOCX_FILE, OUTPUTS, PDF_FILE, sha256
from tests.conftest import ROOT
from tests.unit.reports.test_audit import report_with_inputs

EXAMPLE = "lcc-care-at-home"


def test_the_copies_are_not_outputs_hashed_in_the_manifest():
    assert set(COPIES) == {PDF_FILE, DOCX_FILE} and not set(COPIES) & set(OUTPUTS)


def test_a_word_copy_is_a_note_and_a_word_link_a_difference(tmp_path):
    (tmp_path / "x.yaml").write_text("a")
    folder = report_with_inputs(tmp_path / "x", {"parameters": ("x.yaml", tmp_path / "x.yaml")})
    (folder / DOCX_FILE).write_bytes(b"PK\x03\x04 a Word file")
    (folder / PDF_FILE).write_bytes(b"%PDF-1.4")
    (folder / "report-final.docx").write_bytes(b"PK\x03\x04 an edited copy")
    result = audit_report(folder, checkout=tmp_path, rerun=False)
    assert "report.docx is present and was not checked: make it again from the report with `sroi run --docx`" \
        in result.notes
    assert any(n.startswith("report.pdf is present and was not checked: print it again") for n in result.notes)
    assert "the report folder holds files sroi did not write: report-final.docx" in result.differences

    (folder / DOCX_FILE).unlink()
    (folder / DOCX_FILE).symlink_to(folder / "report-final.docx")
    result = audit_report(folder, checkout=tmp_path, rerun=False)
    assert any("report.docx (a link or folder, not a file)" in d for d in result.differences), result.differences


def contract_with_theme(tmp_path):
    """A copy of an example contract whose parameters name a theme file beside them."""
    (tmp_path / "parameters").mkdir()
    shutil.copytree(ROOT / "data" / "examples" / EXAMPLE, tmp_path / "data" / "examples" / EXAMPLE)
    for name in ("example-council.yaml", "example-crest.png"):
        shutil.copy(ROOT / "data" / "themes" / name, tmp_path / "parameters" / name)
    params = tmp_path / "parameters" / f"{EXAMPLE}.yaml"
    params.write_text((ROOT / "parameters" / params.name).read_text() + "theme: example-council.yaml\n")
    return params


def test_the_manifest_hashes_the_theme_used_and_the_option_wins_over_the_parameters(tmp_path):
    from sroi_lib.reports.contract import load_contract
    from sroi_lib.reports.manifest import write_manifest

    params = contract_with_theme(tmp_path)
    run = load_contract(params)
    assert run.params.theme == (tmp_path / "parameters" / "example-council.yaml").resolve()
    (tmp_path / "out").mkdir()
    for name in OUTPUTS:
        (tmp_path / "out" / name).write_text("x")
    manifest = json.loads(write_manifest(run, tmp_path / "out", {}, "sroi", theme=run.params.theme).read_text())
    assert manifest["inputs"]["theme"]["path"] == "parameters/example-council.yaml"
    logo = tmp_path / "parameters" / "example-crest.png"  # the logo the theme names is hashed too
    assert manifest["inputs"]["theme_logo"] == {"path": "parameters/example-crest.png", "sha256": sha256(logo)}

    other = tmp_path / "other.yaml"
    other.write_text("name: Other\n")
    manifest = json.loads(write_manifest(run, tmp_path / "out", {}, "sroi", theme=other).read_text())
    assert manifest["inputs"]["theme"]["path"] == "other.yaml"  # --theme: the file used, not the parameters'
    assert "theme_logo" not in manifest["inputs"]  # the theme used names no logo


def test_a_changed_logo_is_named_by_the_audit(tmp_path):
    """A changed logo was caught only as "report.html differs": the audit now names it."""
    params = contract_with_theme(tmp_path)
    theme, logo = tmp_path / "parameters" / "example-council.yaml", tmp_path / "parameters" / "example-crest.png"
    inputs = {"parameters": (f"parameters/{params.name}", params), "theme": ("parameters/example-council.yaml", theme),
              "theme_logo": ("parameters/example-crest.png", logo)}
    folder = report_with_inputs(tmp_path / "reports" / EXAMPLE, inputs)
    result = audit_report(folder, checkout=tmp_path, rerun=False)
    assert not any("theme" in d or "logo" in d for d in result.differences), result.differences

    logo.write_bytes(logo.read_bytes() + b"an edited logo")
    result = audit_report(folder, checkout=tmp_path, rerun=False)
    assert [d for d in result.differences if "logo" in d or "theme" in d] == [
        "input theme_logo (parameters/example-crest.png) has changed since the report was made (its sha256 differs)"]

    # The theme in the checkout naming another logo is a difference; one naming none is too
    shutil.copy(logo, tmp_path / "parameters" / "other-crest.png")
    theme.write_text(theme.read_text().replace("example-crest.png", "other-crest.png"))
    result = audit_report(folder, checkout=tmp_path, rerun=False)
    assert "the theme in the checkout names the logo other-crest.png, not the file the manifest lists " \
           "(parameters/example-crest.png)" in result.differences
    theme.write_text("name: No logo\n")
    result = audit_report(folder, checkout=tmp_path, rerun=False)
    assert "the manifest lists a logo (parameters/example-crest.png), which the theme in the checkout does not " \
           "name" in result.differences


def test_a_manifest_from_before_logos_were_listed_is_noted(tmp_path):
    params = contract_with_theme(tmp_path)
    theme = tmp_path / "parameters" / "example-council.yaml"
    folder = report_with_inputs(tmp_path / "reports" / EXAMPLE, {
        "parameters": (f"parameters/{params.name}", params), "theme": ("parameters/example-council.yaml", theme)})
    result = audit_report(folder, checkout=tmp_path, rerun=False)
    assert not any("theme" in d or "logo" in d for d in result.differences), result.differences
    assert any(n.startswith("the manifest does not list the theme's logo (example-crest.png)") for n in result.notes)


def test_a_theme_the_parameters_name_but_the_manifest_leaves_out_is_a_difference(tmp_path):
    params = contract_with_theme(tmp_path)
    folder = report_with_inputs(tmp_path / "reports" / EXAMPLE,
                                {"parameters": (f"parameters/{params.name}", params)})
    result = audit_report(folder, checkout=tmp_path, rerun=False)
    assert "the manifest does not list the input theme (example-council.yaml), which the contract's parameters " \
           "name" in result.differences


def test_a_theme_given_with_the_option_is_noted_not_a_difference(tmp_path):
    params = contract_with_theme(tmp_path)
    other = tmp_path / "parameters" / "other-theme.yaml"
    other.write_text("name: Other Council\n")
    folder = report_with_inputs(tmp_path / "reports" / EXAMPLE,
                                {"parameters": (f"parameters/{params.name}", params),
                                 "theme": ("parameters/other-theme.yaml", other)})
    result = audit_report(folder, checkout=tmp_path, rerun=False)
    assert not any("theme" in d for d in result.differences), result.differences
    assert any(n.startswith("the report was styled with the theme parameters/other-theme.yaml (given with --theme)")
               for n in result.notes), result.notes


def test_a_parameters_theme_outside_the_other_files_still_has_a_manifest_when_the_option_wins(tmp_path):
    from sroi_lib.reports.contract import load_contract
    from sroi_lib.reports.manifest import write_manifest

    work = tmp_path / "work"
    work.mkdir()
    params = contract_with_theme(work)
    far = tmp_path / "themes"
    far.mkdir()
    shutil.copy(ROOT / "data" / "themes" / "default.yaml", far / "far.yaml")
    params.write_text(params.read_text().replace("theme: example-council.yaml", "theme: ../../themes/far.yaml"))
    run = load_contract(params)
    (work / "out").mkdir()
    for name in OUTPUTS:
        (work / "out" / name).write_text("x")
    option = work / "parameters" / "example-council.yaml"
    manifest = json.loads(write_manifest(run, work / "out", {}, "sroi", theme=option).read_text())
    assert manifest["inputs"]["theme"]["path"] == "work/parameters/example-council.yaml"
    assert manifest["parameters"]["theme"] == "themes/far.yaml"
