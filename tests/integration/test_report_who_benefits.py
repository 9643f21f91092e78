"""The report's section "Who benefits", end to end: real papermill runs of the report notebook through `sroi run`,
read back from report.html and report.ipynb. The figures expected are the library's own (load_contract), never
typed in."""

from __future__ import annotations

import csv
import json
import re

import pytest

from sroi_lib.cli import main
from sroi_lib.reports.contract import NO_PLACE_DATA, load_contract
from sroi_lib.views import formatting as fmt
from sroi_lib.views.who_benefits import absent_text
from tests.conftest import ROOT
from tests.integration.test_report_narrative import headings, visible
from tests.integration.test_reports import copy_contract

pytestmark = pytest.mark.slow
RETROFIT = "lcc-housing-retrofit"  # its households placed by LSOA, its installers by ward, three lines not placed
GRANT = "lcc-employment-support-grant"
CHART_CELLS = ("who-deciles", "who-wards")


def cells(page: str) -> dict[str, str]:
    """The HTML of each notebook cell, by its cell id."""
    parts = re.split(r'(?=<div class="jp-Cell )', page)
    return {m.group(1): part for part in parts if (m := re.search(r'id="cell-id=([^"]+)"', part[:300]))}


def outputs(notebook) -> dict[str, list[dict]]:
    """The outputs of each cell of the executed notebook, by cell id."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return {c["id"]: c.get("outputs", []) for c in nb["cells"]}


@pytest.fixture(scope="module")
def retrofit(tmp_path_factory):
    out = tmp_path_factory.mktemp("who")
    params = ROOT / "parameters" / f"{RETROFIT}.yaml"
    assert main(["run", str(params), "--out", str(out)]) == 0
    folder = out / RETROFIT
    return load_contract(params), (folder / "report.html").read_text(encoding="utf-8"), folder


def test_the_section_follows_the_calculation_and_comes_before_how_sure(retrofit):
    _, page, _ = retrofit
    found = headings(page)
    at = found.index("Who benefits")
    assert found.index("The impact map: every assumption and its evidence") < at
    assert at < found.index("How sure is this figure?")
    assert found[at + 1:at + 3] == ["Weights by household income", "How each line was placed"]


def test_the_share_sentence_gives_the_librarys_percentages_and_the_weighted_figures(retrofit):
    run, page, _ = retrofit
    who, x = run.who, run.who.distributional
    section = visible(cells(page)["who-summary"])
    d = who.by_imd_decile
    first = float(d.loc[d["imd_decile"] == 1, "present_value"].sum())
    assert (f"{fmt.money(first, pence=False)} ({fmt.percent(who.share_most_deprived_10)}) reaches people in the 10% "
            "most deprived areas of England") in section
    assert f"({fmt.percent(who.share_most_deprived_20)}) the 20% most deprived" in section
    assert f"({fmt.percent(who.share_unknown)}) cannot be placed" in section
    low, high = x["sensitivity"]
    assert (f"the value is {fmt.money(x['weighted_present_value'], pence=False)} against "
            f"{fmt.money(x['present_value'], pence=False)} unweighted") in section
    assert (f"a weighted ratio of {fmt.ratio(x['weighted_sroi_ratio'])} beside the unweighted "
            f"{fmt.ratio(x['sroi_ratio'])}") in section
    assert (f"With gentler weights (eta {low['eta']:g}) the weighted ratio is {fmt.ratio(low['weighted_sroi_ratio'])}; "
            f"with steeper ones (eta {high['eta']:g}), {fmt.ratio(high['weighted_sroi_ratio'])}") in section
    # the small table: figure, unweighted, weighted, at eta and its two sensitivity values
    table = cells(page)["who-summary"]
    assert "<th>Unweighted</th>" in table and "<th>Weighted</th>" in table
    for s in (x, low, high):
        assert f"SROI ratio (eta {s['eta']:g}" in section
        assert fmt.money(s["weighted_present_value"], pence=False) in section
    # and one sentence in the executive summary
    summary = visible(cells(page)["3"])
    assert (f"{fmt.percent(who.share_most_deprived_20)} of the social value reaches people in the 20% most deprived "
            "areas of England") in summary


def test_the_decile_and_ward_charts_are_pictures_in_the_report(retrofit):
    run, page, folder = retrofit
    found = cells(page)
    for cid in CHART_CELLS:
        assert found[cid].count('src="data:image/png;base64,') == 1, cid
    shown = outputs(folder / "report.ipynb")
    assert ["".join(o["data"]["text/plain"]) for o in shown["who-deciles"]] == ["<Figure size 800x420 with 1 Axes>"]
    assert all("image/png" in o["data"] for cid in CHART_CELLS for o in shown[cid])


def test_the_weights_sources_and_each_lines_placing_are_shown(retrofit):
    run, page, _ = retrofit
    found = cells(page)
    weights = visible(found["who-weights"])
    x = run.who.distributional
    assert f"Incomes: {x['income_source']}" in weights and f"Places: {run.who.lookup_source}" in weights
    # the income source's address is shown as text (on paper too), not as a link that would leave the report
    assert f"Incomes: {x['income_source']}, at {x['income_source_url']}." in weights
    assert "<a href" not in found["who-weights"]
    assert f"1 (lowest income) {fmt.money(x['incomes']['1'], pence=False)}" in weights  # the ONS median of the fifth
    assert f"{x['weights']['1']:.2f} {x['sensitivity'][0]['weights']['1']:.2f} " \
           f"{x['sensitivity'][1]['weights']['1']:.2f}" in weights
    placed = visible(found["who-lines"])
    rows = re.findall(r"<tr>\s*<th>(\d+)</th>", found["who-lines"])
    assert [int(r) for r in rows] == [int(r) for r in run.valuation.lines["row"]]  # every line, in order
    assert "Little London & Woodhouse its LSOA, E01011671" in placed
    assert "Hunslet & Riverside its ward's profile its ward's income profile" in placed
    assert "1.00 (a fiscal saving)" in placed


def test_a_map_without_place_data_says_why_and_has_no_who_benefits_chart(tmp_path):
    params = copy_contract(tmp_path, GRANT)
    impact_map = tmp_path / "data" / "examples" / GRANT / "impact_map.csv"
    with open(impact_map, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    kept = [c for c in rows[0] if c not in ("ward", "lsoa", "imd_decile", "income_quintile", "postcode_district")]
    assert len(kept) < len(rows[0])  # the example does place its lines
    with open(impact_map, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=kept, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    assert load_contract(params).who is None

    assert main(["run", str(params), "--out", str(tmp_path / "reports")]) == 0
    folder = tmp_path / "reports" / GRANT
    page = (folder / "report.html").read_text(encoding="utf-8")
    found = headings(page)
    assert "Who benefits" in found
    assert "Weights by household income" not in found and "How each line was placed" not in found
    section = visible(cells(page)["who-summary"])
    assert f"Not shown for this contract. {absent_text(NO_PLACE_DATA)}" in section
    assert "The impact map gives no place for any line" in section
    assert "<table" not in cells(page)["who-summary"]
    for cid in CHART_CELLS:
        assert "<img" not in cells(page)[cid], cid
    assert not any(outputs(folder / "report.ipynb")[cid] for cid in CHART_CELLS)
    assert "most deprived areas" not in visible(cells(page)["3"])  # no share in the executive summary either
