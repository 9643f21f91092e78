"""The audit's comparisons, on notebooks and HTML of any shape (a forger's files are not well formed)."""

import pytest

import copy

from sroi_lib.reports.audit import (compare_html, compare_notebooks, metadata_differences, normalised_cells,
                                    resolve_input, run_stamps)


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
    assert any("gives 'metadata.kernelspec.name' twice" in d for d in metadata_differences(stored, fresh))
