"""The analyst's notebooks run on every shipped example, by papermill, as an analyst would run them.

``explore_impact_map.ipynb`` on every ``data/examples/*/impact_map.csv`` (most value their lines with proxies,
so the notebook must load the proxy library), with a user's own library and with no framework;
``explore_outcomes.ipynb`` on every example contract; ``proxy_explorer.ipynb`` with no framework. nbval runs
each with its default parameters as well.
"""

from __future__ import annotations

import csv
import html
import json
import shutil
from pathlib import Path

import pytest

from sroi_lib.reports.contract import value_files
from sroi_lib.reports.params import load_params
from sroi_lib.views import formatting as fmt
from tests.conftest import EXAMPLES, ROOT, tagged_output, write_csv

NOTEBOOKS = ROOT / "notebooks"
MAPS = sorted(EXAMPLES.glob("*/impact_map.csv"))
PARAMS = sorted((ROOT / "parameters").glob("*.yaml"))

pytestmark = pytest.mark.slow


def run(notebook: str, out: Path, **parameters) -> dict:
    import papermill as pm

    pm.execute_notebook(str(NOTEBOOKS / notebook), str(out), kernel_name="sroi", parameters=parameters,
                        progress_bar=False, cwd=str(NOTEBOOKS))
    return json.loads(out.read_text(encoding="utf-8"))


def all_text(nb: dict) -> str:
    texts = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            texts.append("".join(o.get("text", "")))
            texts += ["".join(v) for k, v in o.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(texts)


def test_the_shipped_examples_mostly_use_proxies():
    # What makes the next test mean something: the maps name proxies, which only a loaded library can value.
    uses = [m.parent.name for m in MAPS if any(r.get("proxy_id") for r in csv.DictReader(m.open(encoding="utf-8")))]
    assert len(MAPS) >= 6 and len(uses) >= 5


@pytest.mark.parametrize("impact_map", MAPS, ids=[m.parent.name for m in MAPS])
def test_explore_impact_map_runs_on_every_shipped_example(impact_map, tmp_path):
    inputs = impact_map.parent / "inputs.csv"
    nb = run("explore_impact_map.ipynb", tmp_path / "out.ipynb", impact_map=str(impact_map), inputs=str(inputs))
    expected = value_files(impact_map, inputs).valuation
    headline = tagged_output(tmp_path / "out.ipynb", "headline")
    assert fmt.money(expected.present_value) in headline and fmt.ratio(expected.sroi_ratio) in headline
    text = all_text(nb)
    for pid in {p for p in expected.lines["proxy_id"] if p}:  # the proxies used, listed with their sources
        assert pid in text


def test_explore_impact_map_by_default_values_an_example_with_proxies(tmp_path):
    nb = run("explore_impact_map.ipynb", tmp_path / "out.ipynb")
    example = EXAMPLES / "lcc-care-at-home"
    expected = value_files(example / "impact_map.csv", example / "inputs.csv").valuation
    assert fmt.money(expected.present_value) in tagged_output(tmp_path / "out.ipynb", "headline")
    text = all_text(nb)
    assert "hw-wellby-central" in text and "Health and wellbeing" in text  # a proxy, and the framework's pillar


def test_explore_impact_map_with_an_own_library_an_investment_and_no_framework(tmp_path):
    own = shutil.copy(ROOT / "tests" / "fixtures" / "proxies_small.csv", tmp_path / "own.csv")
    impact_map = write_csv(tmp_path / "map.csv", [{"stakeholder": "Patients", "outcome": "Fewer GP appointments",
                                                   "quantity": "100", "duration": "1", "proxy_id": "t-gp-appointment",
                                                   "theme": "health and care"}])
    nb = run("explore_impact_map.ipynb", tmp_path / "out.ipynb", impact_map=str(impact_map), investment="£2,000",
             proxies=str(own), framework="none")
    expected = value_files(impact_map, investment="2000", proxies=own, framework="none").valuation
    assert fmt.money(expected.present_value) in tagged_output(tmp_path / "out.ipynb", "headline")
    text = all_text(nb)
    assert "Not grouped by any framework" in text and "Health and wellbeing" not in text
    assert "https://example.org/gp" in text  # the user's proxy, with its source


@pytest.mark.parametrize("params_file", PARAMS, ids=[p.stem for p in PARAMS])
def test_explore_outcomes_opens_every_example_contract(params_file, tmp_path):
    nb = run("explore_outcomes.ipynb", tmp_path / "out.ipynb", params_file=str(params_file))
    state = json.dumps(nb["metadata"]["widgets"], ensure_ascii=False)
    title = html.escape(load_params(params_file).title, quote=False)
    assert f"<h3>{title}</h3>" in state  # the contract valued and its bench shown
    assert "<pre>" not in state  # a contract that cannot be valued shows its problems in a <pre>


def test_proxy_explorer_runs_with_no_framework(tmp_path):
    nb = run("proxy_explorer.ipynb", tmp_path / "out.ipynb", framework="none", words="carbon")
    text = all_text(nb)
    assert "not mapped" in text and "Zero carbon" not in text  # no framework to map a theme to a pillar
