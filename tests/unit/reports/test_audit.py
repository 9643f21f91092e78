"""The audit's comparisons, on notebooks and HTML of any shape (a forger's files are not well formed)."""

import pytest

import copy

from sroi_lib.reports.audit import (compare_html, compare_notebooks, compare_results, metadata_differences,
                                    normalised_cells, read_stored, resolve_input, run_stamps)


def notebook(text="£1.00", out_dir="/tmp/a/.sroi-staging/x/report", params="/repo/parameters/a.yaml", cid="ab12"):
    return {"metadata": {"kernelspec": {"name": "sroi", "display_name": "Python 3", "language": "python"},
                         "language_info": {"name": "python", "version": "3.11.7"},
                         "papermill": {"parameters": {"out_dir": out_dir, "params_file": params},
                                       "start_time": "2026-01-01T00:00:00"}},
            "cells": [
                {"cell_type": "code", "id": cid, "metadata": {"tags": ["injected-parameters"]},
                 "source": f'params_file = "{params}"\nout_dir = "{out_dir}"\n', "outputs": []},
                {"cell_type": "code", "id": "c2", "metadata": {"execution": {"iopub.execute_input": "2026-11-30T12:00:00.1Z"}}, "execution_count": 3,
                 "source": "show()", "outputs": [{"output_type": "display_data",
                                                  "data": {"text/html": [f"<b>{text}</b>", f" {out_dir}"],
                                                           "image/png": "iVBOR"}, "metadata": {}}]},
            ]}


def test_run_stamps_are_set_aside():
    a = notebook()
    b = notebook(out_dir="/other/tmp/report", params="/home/auditor/clone/parameters/a.yaml", cid="ff99")
    b["cells"][1]["metadata"] = {"execution": {"iopub.execute_input": "2026-11-30T13:30:00.2Z"}}
    b["cells"][1]["execution_count"] = 9
    sa, sb = run_stamps(a, "parameters/a.yaml"), run_stamps(b, "parameters/a.yaml")
    assert ("/repo", "<checkout>") in sa and ("cell-id=ab12", "cell-id=<injected>") in sa
    assert compare_notebooks(a, b, sa, sb) == []
    assert normalised_cells(a, sa)[1]["outputs"][0]["data"]["text/html"] == "<b>£1.00</b> <out_dir>"


def test_an_edited_output_text_or_image_or_source_is_named():
    a, b = notebook(), notebook(text="£9.00")
    subs = run_stamps(a)
    diffs = compare_notebooks(b, a, subs, subs)
    assert len(diffs) == 1 and diffs[0].startswith("report.ipynb cell 2, output 1: its text/html differs") and "£9.00" in diffs[0]
    c = notebook()
    c["cells"][1]["outputs"][0]["data"]["image/png"] = "iVBORforged"
    assert compare_notebooks(c, a, subs, subs) == ["report.ipynb cell 2, output 1: an image differs from the re-run's"]
    c = notebook()
    c["cells"][1]["source"] = "forged()"
    assert "cell 2: its text differs" in compare_notebooks(c, a, subs, subs)[0]
    c = notebook()
    c["cells"].append({"cell_type": "markdown", "source": "# extra"})
    assert compare_notebooks(c, a, subs, subs) == ["report.ipynb has 3 cells; the re-run has 2"]
    c = notebook()
    c["cells"][1]["cell_type"] = "markdown"
    assert "is a markdown cell; in the re-run it is a code cell" in compare_notebooks(c, a, subs, subs)[0]
    c = notebook()
    c["cells"][1]["outputs"].append({"output_type": "stream", "name": "stdout", "text": "x"})
    assert "cell 2 has 2 outputs; the re-run's has 1" in compare_notebooks(c, a, subs, subs)[0]


@pytest.mark.parametrize("junk", [
    {}, {"cells": 5}, {"cells": [1, "x", None]}, {"metadata": [1], "cells": [{"metadata": 3, "outputs": 7}]},
    {"metadata": {"papermill": {"parameters": {"out_dir": 5, "params_file": ["x"]}}}},
    {"cells": [{"cell_type": "code", "metadata": {"tags": 4}, "outputs": [3, {"data": [1]}, {"text": {"a": 1}}]}]},
])
def test_a_notebook_of_any_shape_is_compared_without_error(junk):
    good = notebook()
    assert isinstance(run_stamps(junk, "parameters/a.yaml"), list)
    assert compare_notebooks(junk, good, run_stamps(junk), run_stamps(good))  # differs, and says so


def test_html_text_and_markup_differences():
    stamps = [("cell-id=ab12", "cell-id=<injected>")]
    fresh = '<div id="cell-id=ff99"><p>Present value £1.00</p></div>'
    assert compare_html('<div id="cell-id=ab12"><p>Present value £1.00</p></div>', fresh, stamps,
                        [("cell-id=ff99", "cell-id=<injected>")]) == []
    text = compare_html("<p>Present value £9.00</p>", "<p>Present value £1.00</p>", [], [])
    assert len(text) == 1 and "its text reads" in text[0] and "£9.00" in text[0] and "£1.00" in text[0]
    markup = compare_html('<p>Present value</p>\n<img src=x onerror="alert(1)">', "<p>Present value</p>\n", [], [])
    assert len(markup) == 1 and "in its markup" in markup[0] and "onerror" in markup[0]


@pytest.mark.parametrize("path, reason", [
    ("/etc/passwd", "is an absolute path"), ("\\\\server\\share\\x.csv", "is an absolute path"),
    ("C:\\data\\x.csv", "is an absolute path"), ("data/../../x.csv", "outside the checkout ('..')"),
    ("data\\..\\..\\x.csv", "outside the checkout ('..')"), ("a\x00b", "is not a valid path"),
])
def test_resolve_input_refuses_paths_leaving_the_checkout(tmp_path, path, reason):
    found, why = resolve_input(path, tmp_path)
    assert found is None and reason in why


def test_resolve_input_refuses_a_link_out_of_the_checkout(tmp_path):
    (tmp_path / "checkout").mkdir()
    (tmp_path / "secret.csv").write_text("x")
    (tmp_path / "checkout" / "map.csv").symlink_to(tmp_path / "secret.csv")
    found, why = resolve_input("map.csv", tmp_path / "checkout")
    assert found is None and "through a link" in why
    found, why = resolve_input("data/map.csv", tmp_path)
    assert found == tmp_path / "data" / "map.csv" and why is None


# Forged run stamps (review of issue 10): the stamps come from the stored notebook, which a forger writes. Each
# forge below VERIFIED before the stamps were checked for their form.

FORGED_ID = '37913010"><script>alert("forged")</script><p>SROI ratio 25.0 : 1 (audited)</p><div x="'


def test_a_parameters_cell_id_holding_markup_is_a_difference_and_is_not_set_aside():
    fresh, stored = notebook(cid="ff99"), notebook(cid=FORGED_ID)
    problems = []
    subs = run_stamps(stored, "parameters/a.yaml", problems)
    assert not [s for s in subs if s[0].startswith("cell-id=")]
    assert len(problems) == 1 and "the parameters cell's id" in problems[0] and "is not a cell id" in problems[0]
    html = '<div id="cell-id={}"><p>Present value £1.00</p></div>'
    diffs = compare_html(html.format(FORGED_ID), html.format("ff99"), subs, run_stamps(fresh, "parameters/a.yaml"))
    assert len(diffs) == 1 and "SROI ratio 25.0" in diffs[0]


def test_a_cell_id_stamp_replaces_only_the_whole_id():
    stamps = [("cell-id=ab", "cell-id=<injected>")]
    fresh = '<div id="cell-id=ff"></div><div id="cell-id=abcd"></div>'
    assert compare_html('<div id="cell-id=ab"></div><div id="cell-id=abcd"></div>', fresh, stamps,
                        [("cell-id=ff", "cell-id=<injected>")]) == []
    assert compare_html('<div id="cell-id=ab"></div><div id="cell-id=ab"></div>', fresh, stamps,
                        [("cell-id=ff", "cell-id=<injected>")])


@pytest.mark.parametrize("params", [
    '/repo/parameters/a.yaml"\nimport os; os.system("touch /tmp/PWNED")\nparams_file = "/repo/parameters/a.yaml',
    "/repo/<script>/parameters/a.yaml", "/repo/param\u202eeters/a.yaml", "relative/parameters/a.yaml",
    "/repo/parameters/other.yaml",
])
def test_a_params_file_stamp_that_is_not_the_parameters_path_is_a_difference(params):
    fresh = notebook(params="/home/auditor/clone/parameters/a.yaml", cid="ff99")
    stored = notebook(params=params)
    problems = []
    subs = run_stamps(stored, "parameters/a.yaml", problems)
    assert all(old != params for old, _ in subs)
    assert len(problems) == 1 and "params_file" in problems[0] and "has been edited" in problems[0]
    diffs = compare_notebooks(stored, fresh, subs, run_stamps(fresh, "parameters/a.yaml"))
    assert any("cell 1: its text differs" in d for d in diffs), diffs  # the parameters cell itself is compared


def test_papermill_parameters_other_than_the_two_passed_are_a_difference():
    stored = notebook()
    stored["metadata"]["papermill"]["parameters"]["extra"] = "x"
    problems = []
    run_stamps(stored, "parameters/a.yaml", problems)
    assert problems and "params_file and out_dir" in problems[0]


def test_notebook_and_cell_metadata_are_compared():
    fresh = notebook(cid="ff99")
    stored = copy.deepcopy(fresh)
    stored["metadata"]["kernelspec"]["name"] = "evil-kernel"
    stored["cells"][1]["metadata"]["jupyter"] = {"outputs_hidden": True}
    diffs = metadata_differences(stored, fresh)
    assert any("report.ipynb: 'metadata.kernelspec.name' is 'evil-kernel'; the re-run's is 'sroi'" in d for d in diffs), diffs
    assert any(d.startswith("report.ipynb cell 2's metadata: 'jupyter.outputs_hidden' is True") for d in diffs), diffs
    assert compare_notebooks(stored, fresh, [], []) == diffs
    other = copy.deepcopy(fresh)
    other["cells"][1]["id"] = "forged"  # only the injected cell's id is a run stamp
    assert any("(cell id)" in d for d in metadata_differences(other, fresh))
    other = copy.deepcopy(fresh)
    other["cells"][0]["attachments"] = {"a.png": {"image/png": "iVBOR"}}
    assert any("attachments" in d for d in compare_notebooks(other, fresh, [], []))
    other = copy.deepcopy(fresh)
    other["cells"][1]["outputs"][0]["metadata"] = {"isolated": True}
    assert any("output 1: its metadata differs" in d for d in compare_notebooks(other, fresh, [], []))


def test_timings_and_versions_are_set_aside_only_when_they_are_timings_and_versions():
    fresh = notebook()
    stored = copy.deepcopy(fresh)
    stored["metadata"]["papermill"]["start_time"] = "2027-02-03T04:05:06.789+00:00"
    stored["metadata"]["papermill"]["version"] = "2.8.0"
    stored["metadata"]["language_info"]["version"] = "3.12.1"
    stored["cells"][1]["metadata"]["papermill"] = {"duration": 0.5, "start_time": None}
    fresh["cells"][1]["metadata"]["papermill"] = {"duration": 0.7, "start_time": None}
    assert metadata_differences(stored, fresh) == []
    stored["metadata"]["papermill"]["start_time"] = "<script>alert(1)</script>"
    stored["metadata"]["language_info"]["version"] = "3.11 <b>audited</b>"
    stored["cells"][1]["metadata"]["execution"] = {"iopub.execute_input": "SROI ratio 25 : 1"}
    diffs = metadata_differences(stored, fresh)
    assert len(diffs) == 3 and all("has been edited" in d for d in diffs), diffs


def test_a_key_written_with_dots_cannot_hide_a_nested_one():
    fresh = notebook()
    stored = copy.deepcopy(fresh)
    stored["metadata"]["kernelspec"] = {"name": "evil-kernel", "display_name": "Python 3", "language": "python"}
    stored["metadata"]["kernelspec.name"] = "sroi"  # flattened after the nested one, it would read as 'sroi'
    diffs = metadata_differences(stored, fresh)
    assert any("'metadata.kernelspec.name' is 'evil-kernel'" in d for d in diffs), diffs
    assert any('\'metadata["kernelspec.name"]\' is \'sroi\'' in d for d in diffs), diffs


def test_a_dotted_key_is_never_the_nested_key_it_imitates():
    """Forgery 4 of the second review: results.json's nested contract and tracking rewritten as top-level keys
    with dots compared equal (both sides were flattened to the same dotted names), though `sroi portfolio` reads
    r["contract"] and lost the title, supplier, illustrative flag and tracking."""
    fresh = {"sroi_ratio": 1.93, "contract": {"title": "School catering", "illustrative": True},
             "tracking": {"rag": "green"}}
    stored = {"sroi_ratio": 1.93, "contract.title": "School catering", "contract.illustrative": True,
              "tracking.rag": "green"}
    diffs = compare_results(stored, fresh)
    assert any('results.json has \'["contract.illustrative"]\'' in d for d in diffs), diffs
    assert any("re-run produces 'contract.illustrative' = True" in d for d in diffs), diffs
    nb = notebook()
    flat = copy.deepcopy(nb)
    flat["metadata"]["papermill.parameters"] = flat["metadata"]["papermill"].pop("parameters")
    assert metadata_differences(flat, nb)


@pytest.mark.parametrize("stored", [{"forged_note": {}, "sroi_ratio": 1.5}, {"sroi_ratio": 1.5, "lines": []},
                                    {"sroi_ratio": 1.5, "illustrative": 1}, {"sroi_ratio": 1.5, "year": 2.024e3}])
def test_an_empty_object_or_a_changed_type_in_the_results_is_a_difference(stored):
    fresh = {"sroi_ratio": 1.5, "illustrative": True} if "illustrative" in stored else {"sroi_ratio": 1.5}
    if "year" in stored:
        fresh["year"] = 2024
    assert compare_results(stored, fresh)


@pytest.mark.parametrize("name, text", [
    ("results.json", '{\n  "sroi_ratio": 9.99, "contract": {"x": 1}, "sroi_ratio": 1.93}'),
    ("report.ipynb", '{"cells": [], "metadata": {"a": 1, "a": 2}}'),
])
def test_a_key_given_twice_in_stored_json_is_a_difference(tmp_path, name, text):
    """Forgery 5: a forged figure first and the true one last; Python's json kept the last and VERIFIED."""
    (tmp_path / name).write_text(text, encoding="utf-8")
    value, problem = read_stored(tmp_path / name, as_json=True)
    assert value is None and problem.startswith(f"{name}: the key ") and "given twice" in problem, problem


def test_line_endings_in_a_stored_html_are_compared_as_written(tmp_path):
    html = "<html>\n<p>SROI ratio 1.93 : 1</p>\n</html>\n"
    (tmp_path / "report.html").write_bytes(html.replace("\n", "\r\n").encode("utf-8"))
    stored, problem = read_stored(tmp_path / "report.html", as_json=False)
    assert problem is None and "\r\n" in stored
    assert compare_html(stored, html, [], []) == [
        "report.html differs from the one made again from the re-run in its line endings only (it has \\r\\n or "
        "\\r, which sroi never writes): the file has been rewritten since the run"]


def test_a_stored_output_that_is_a_link_is_not_read(tmp_path):
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("{}")
    (tmp_path / "results.json").symlink_to(secret)
    value, problem = read_stored(tmp_path / "results.json", as_json=True)
    assert value is None and problem == "results.json is a link, not a file sroi wrote; not read"


@pytest.mark.parametrize("key, value", [("input_path", "/SROI ratio 9.99 : 1 audited"),
                                        ("input_path", "/tmp/other.ipynb"),
                                        ("output_path", "/SROI ratio 9.99 : 1 audited")])
def test_papermill_paths_must_be_the_report_notebooks(key, value):
    fresh = notebook()
    fresh["metadata"]["papermill"].update(input_path="/repo/notebooks/contract_report.ipynb",
                                          output_path="/tmp/x/report/report.ipynb")
    stored = copy.deepcopy(fresh)
    stored["metadata"]["papermill"][key] = value
    assert not metadata_differences(fresh, fresh)
    relative = copy.deepcopy(fresh)  # `sroi run --out reports` gives papermill a relative output path
    relative["metadata"]["papermill"]["output_path"] = "reports/.sroi-staging/x-1-ab/report/report.ipynb"
    assert not metadata_differences(relative, fresh)
    diffs = metadata_differences(stored, fresh)
    assert any(f"papermill's {key}" in d and "has been edited" in d for d in diffs), diffs


# ----------------------------------------------------------------------------------------------------------------
# Where the audit looks: never in the report folder, never at uncommitted inputs, never running git's helpers.

def report_with_inputs(folder, inputs: dict):
    """A report folder (no notebook run) whose manifest lists ``inputs`` as role -> (path, file)."""
    import hashlib
    import json

    from tests.conftest import write_report_folder

    write_report_folder(folder, {"contract": {"contract_id": folder.name}})
    m = json.loads((folder / "manifest.json").read_text())
    m["inputs"] = {role: {"path": path, "sha256": hashlib.sha256(file.read_bytes()).hexdigest()}
                   for role, (path, file) in inputs.items()}
    (folder / "manifest.json").write_text(json.dumps(m))
    return folder


def git(cwd, *args):
    import subprocess

    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


def test_a_checkout_that_is_the_report_folder_or_inside_it_is_refused(tmp_path, monkeypatch):
    """Forgery 6: a report folder that is its own git checkout, audited from inside it with the default
    --checkout, VERIFIED against the inputs it carried."""
    from sroi_lib.errors import InputError
    from sroi_lib.reports.audit import audit_report

    folder = tmp_path / "r"
    (folder / "parameters").mkdir(parents=True)
    report_with_inputs(folder, {"parameters": ("parameters/x.yaml", folder / "manifest.json")})
    for checkout in (folder, folder / "parameters"):
        with pytest.raises(InputError, match="is the report folder being audited, or inside it"):
            audit_report(folder, checkout=checkout, rerun=False)
    git(folder, "init", "-q")
    monkeypatch.chdir(folder / "parameters")  # the default checkout: the git top folder, the report itself
    with pytest.raises(InputError, match="is the report folder being audited"):
        audit_report("..", rerun=False)


def test_an_input_inside_the_report_folder_is_a_difference_and_never_used(tmp_path):
    """Forgery 1: a report inside the checkout (reports/<id>/) carried its own parameters file and impact map,
    which the manifest named; the audit re-ran them."""
    from sroi_lib.reports.audit import audit_report

    folder = tmp_path / "reports" / "x"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "x.yaml").write_text("contract_id: x\n")
    report_with_inputs(folder, {"parameters": ("reports/x/src/x.yaml", folder / "src" / "x.yaml")})
    result = audit_report(folder, checkout=tmp_path)
    assert any(d.startswith("input parameters (reports/x/src/x.yaml) lies inside the report folder being audited")
               for d in result.differences), result.differences
    assert "the notebook was not re-run: the parameters file could not be found in the checkout (outside the report "\
           "folder)" in result.differences


def test_files_sroi_did_not_write_are_a_difference_and_a_pdf_a_note(tmp_path):
    """Forgery 3: a forged report.pdf and extra files (report-final.html, notes.md) passed unmentioned."""
    from sroi_lib.reports.audit import audit_report

    (tmp_path / "x.yaml").write_text("a")
    folder = report_with_inputs(tmp_path / "x", {"parameters": ("x.yaml", tmp_path / "x.yaml")})
    (folder / "report-final.html").write_text("<p>SROI (audited 4.93:1)</p>")
    (folder / "notes.md").write_text("Audited: SROI 4.93:1")
    (folder / "report.pdf").write_bytes(b"%PDF-1.4 forged")
    result = audit_report(folder, checkout=tmp_path, rerun=False)
    assert "the report folder holds files sroi did not write: notes.md, report-final.html" in result.differences
    assert any(n.startswith("report.pdf is present and was not checked") for n in result.notes), result.notes


def test_an_output_that_is_a_link_is_a_difference(tmp_path):
    from sroi_lib.reports.audit import audit_report

    (tmp_path / "x.yaml").write_text("a")
    folder = report_with_inputs(tmp_path / "x", {"parameters": ("x.yaml", tmp_path / "x.yaml")})
    (folder / "report.html").rename(tmp_path / "real.html")
    (folder / "report.html").symlink_to(tmp_path / "real.html")
    result = audit_report(folder, checkout=tmp_path, rerun=False)
    assert "report.html is a link, not a file sroi wrote; not read" in result.differences


def test_inputs_untracked_or_modified_in_a_git_checkout_are_a_difference(tmp_path):
    from sroi_lib.reports.audit import audit_report

    checkout = tmp_path / "co"
    checkout.mkdir()
    (checkout / "x.yaml").write_text("committed\n")
    git(checkout, "init", "-q")
    git(checkout, "add", "x.yaml")
    git(checkout, "commit", "-qm", "x")
    (checkout / "new.csv").write_text("untracked\n")
    folder = report_with_inputs(tmp_path / "r", {"parameters": ("x.yaml", checkout / "x.yaml"),
                                                 "impact_map": ("new.csv", checkout / "new.csv")})
    result = audit_report(folder, checkout=checkout, rerun=False)
    assert any("these inputs are untracked, uncommitted or modified: new.csv." in d
               and "can only vouch for inputs committed in the checkout" in d for d in result.differences)
    (checkout / "x.yaml").write_text("changed\n")
    folder = report_with_inputs(tmp_path / "r2", {"parameters": ("x.yaml", checkout / "x.yaml")})
    result = audit_report(folder, checkout=checkout, rerun=False)
    assert any("uncommitted or modified: x.yaml." in d for d in result.differences), result.differences


def test_git_never_runs_a_command_named_in_the_repositorys_config(tmp_path):
    """Forgery 6: a core.fsmonitor in the report folder's .git/config ran during the audit's `git status`."""
    from sroi_lib.reports.manifest import git_changed, git_commit, git_root, git_uncommitted

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.csv").write_text("a\n")
    git(repo, "init", "-q")
    git(repo, "add", "a.csv")
    git(repo, "commit", "-qm", "a")
    pwned = tmp_path / "PWNED"
    for key in ("core.fsmonitor", "core.pager", "diff.external", "core.hooksPath"):
        value = f"touch {pwned}; echo" if key != "core.hooksPath" else str(tmp_path / "hooks")
        git(repo, "config", key, value)
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "post-index-change").write_text(f"#!/bin/sh\ntouch {pwned}\n")
    (tmp_path / "hooks" / "post-index-change").chmod(0o755)
    (repo / "a.csv").write_text("b\n")
    assert git_root(repo).resolve() == repo.resolve() and len(git_commit(repo)) == 40
    assert git_changed(repo, ["a.csv"]) == ["a.csv"]
    assert git_uncommitted(repo, ["a.csv"]) == ["a.csv"]
    assert not pwned.exists()
