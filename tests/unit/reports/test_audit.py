"""The audit's comparisons, on notebooks and HTML of any shape (a forger's files are not well formed)."""

import pytest

from sroi_lib.reports.audit import compare_html, compare_notebooks, normalised_cells, resolve_input, run_stamps


def notebook(text="£1.00", out_dir="/tmp/a/.sroi-staging/x/report", params="/repo/parameters/a.yaml", cid="ab12"):
    return {"metadata": {"papermill": {"parameters": {"out_dir": out_dir, "params_file": params},
                                       "start_time": "2026-01-01T00:00:00"}},
            "cells": [
                {"cell_type": "code", "id": cid, "metadata": {"tags": ["injected-parameters"]},
                 "source": f'params_file = "{params}"\nout_dir = "{out_dir}"\n', "outputs": []},
                {"cell_type": "code", "id": "c2", "metadata": {"execution": {"t": "12:00"}}, "execution_count": 3,
                 "source": "show()", "outputs": [{"output_type": "display_data",
                                                  "data": {"text/html": [f"<b>{text}</b>", f" {out_dir}"],
                                                           "image/png": "iVBOR"}, "metadata": {}}]},
            ]}


def test_run_stamps_are_set_aside():
    a = notebook()
    b = notebook(out_dir="/other/tmp/report", params="/home/auditor/clone/parameters/a.yaml", cid="ff99")
    b["cells"][1]["metadata"] = {"execution": {"t": "13:30"}}
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
