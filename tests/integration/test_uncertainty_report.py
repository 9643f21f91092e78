"""The section "How sure is this figure?" in every example contract's report: real papermill runs (`sroi batch`).

Each report shows the analysis the contract's parameters ask for (or, without one, the default one-way ranges):
the plain sentence, the tornado, the tipping points, the Monte Carlo range or the line saying there is none, and
the scenarios; and where results.json carries the analysis, the report's figures are the same ones.
"""

from __future__ import annotations

import json

import pytest

from sroi_lib.reports.contract import load_contract
from sroi_lib.views import formatting as fmt
from sroi_lib.views import tables
from tests.conftest import ROOT, tagged_output

pytestmark = pytest.mark.slow
PARAMS = sorted((ROOT / "parameters").glob("*.yaml"))


def outputs(notebook, tag: str) -> list[dict]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return [o for c in nb["cells"] if tag in c.get("metadata", {}).get("tags", []) for o in c.get("outputs", [])]


def images(notebook, tag: str) -> int:
    return sum("image/png" in o.get("data", {}) for o in outputs(notebook, tag))


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: p.stem)
def test_each_report_says_how_sure_its_figure_is(example_reports, params):
    folder = example_reports / params.stem
    notebook = folder / "report.ipynb"
    analysis = tables.contract_uncertainty(load_contract(params))
    assert not [o for tag in ("uncertainty", "tornado", "tipping", "range", "scenarios")
                for o in outputs(notebook, tag) if o.get("output_type") == "error"]

    sentence = tagged_output(notebook, "uncertainty")
    assert fmt.markdown_text(analysis.sentence()) in sentence
    assert f"The ratio of {analysis.base_ratio:,.2f}".replace(".", "\\.") in sentence

    assert images(notebook, "tornado") == 1
    tipping = tagged_output(notebook, "tipping")
    never = int(analysis.tipping["never"].sum())
    assert f"the other {never:,} never can" in tipping
    first = tables.tipping_table(analysis).iloc[0]
    assert first["From"] in tipping and first["To"] in tipping and first["Change needed"] in tipping

    scenarios = tagged_output(notebook, "scenarios")
    for name, pv in zip(analysis.scenarios["scenario"], analysis.scenarios["present_value"]):
        assert fmt.html_text(name) in scenarios and fmt.money(pv, pence=False) in scenarios

    rng = tagged_output(notebook, "range")
    if analysis.monte_carlo is None:
        assert images(notebook, "range") == 0 and "No distributions are given" in rng
    else:
        s = analysis.monte_carlo.summary()
        assert images(notebook, "range") == 1
        assert fmt.ratio(s["p5"]) in rng and fmt.ratio(s["p95"]) in rng and f"{s['draws']:,}" in rng

    html = (folder / "report.html").read_text(encoding="utf-8")
    for heading in ("How sure is this figure?", "What moves the ratio most", "Tipping points",
                    "The range of the ratio", "Scenarios side by side"):
        assert heading in html

    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    if "uncertainty" in results:  # the report and results.json give the same figures
        assert results["uncertainty"]["sentence"] == analysis.sentence()
        mc = results["uncertainty"]["monte_carlo"]
        if mc is not None:
            assert fmt.ratio(mc["p5"]) in rng and fmt.ratio(mc["p95"]) in rng
