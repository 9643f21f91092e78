"""The portfolio: results.json files in one table, filtered and grouped."""

import json

import pytest

from sroi_lib.errors import InputError
from sroi_lib.reports.portfolio import load_portfolio
from sroi_lib.views.dashboard import headline_html, portfolio_dashboard
from tests.conftest import write_report_folder


def results(cid, directorate, supplier, pv_lines, inputs, tracking=None, start="2025-Q2"):
    lines = [{"stakeholder": "S", "outcome": "O", "theme": theme, "ward": ward, "value_type": "social",
              "present_value": pv} for theme, ward, pv in pv_lines]
    pv = sum(x[2] for x in pv_lines)
    return {"contract": {"contract_id": cid, "title": cid.title(), "supplier": supplier, "directorate": directorate,
                         "analysis_type": "forecast", "illustrative": True},
            "present_value": pv, "total_inputs": inputs, "sroi_ratio": pv / inputs, "npv": pv - inputs,
            "lines": lines, "contract_period": {"start": start, "end": "2026-Q1"}, "tracking": tracking}


@pytest.fixture
def folder(tmp_path):
    data = [
        results("a", "Adults", "S1", [("health and care", "Armley", 300.0), ("environment and carbon", "", 100.0)], 100.0,
                {"rag": "red", "value_committed_to_date": 200.0, "value_delivered_to_date": 100.0,
                 "value_forecast_to_end": 400.0, "value_committed_total": 800.0}),
        results("b", "Adults", "S2", [("employment and skills", "Armley", 200.0)], 200.0,
                {"rag": "green", "value_committed_to_date": 50.0, "value_delivered_to_date": 60.0,
                 "value_forecast_to_end": 240.0, "value_committed_total": 200.0}, start="2024-Q1"),
        results("c", "City", "S1", [("environment and carbon", "Hunslet", 500.0)], 100.0),
    ]
    for r in data:
        write_report_folder(tmp_path / r["contract"]["contract_id"], r)
    return tmp_path


def test_headline_and_ratios(folder):
    p = load_portfolio(folder)
    h = p.headline()
    assert h["contracts"] == 3 and h["present_value"] == 1100 and h["total_inputs"] == 400
    assert h["sroi_ratio"] == pytest.approx(2.75)
    assert h["value_committed_to_date"] == 250 and h["value_delivered_to_date"] == 160 and h["delivery_gap"] == -90
    assert h["rag_counts"]["red"] == 1 and h["rag_counts"]["not tracked"] == 1


def test_groupings(folder):
    p = load_portfolio(folder)
    pillar = p.by("pillar").set_index("pillar")["present_value"]
    assert pillar["Zero carbon"] == 600 and pillar["Health and wellbeing"] == 300 and pillar["Inclusive growth"] == 200
    d = p.by("directorate").set_index("directorate")
    assert d.loc["Adults", "present_value"] == 600 and d.loc["Adults", "sroi_ratio"] == pytest.approx(2.0)
    assert d.loc["City", "sroi_ratio"] == pytest.approx(5.0)
    ward = p.by("ward").set_index("ward")["present_value"]
    assert ward["Armley"] == 500 and ward["not stated"] == 100
    assert set(p.by("analysis_type")["analysis_type"]) == {"forecast"}
    with pytest.raises(InputError):
        p.by("colour")


def test_filters(folder):
    p = load_portfolio(folder)
    assert p.filter(directorate="Adults").headline()["present_value"] == 600
    assert p.filter(supplier="S1").headline()["contracts"] == 2
    assert p.filter(rag="red").headline()["present_value"] == 400
    assert p.filter(year=2024).contracts["contract_id"].tolist() == ["b"]
    zero = p.filter(pillar="Zero carbon")
    assert zero.headline()["present_value"] == 600 and set(zero.contracts["contract_id"]) == {"a", "c"}
    assert p.filter(directorate="Adults", pillar="Zero carbon").headline()["present_value"] == 100


def test_gap_and_ranking(folder):
    p = load_portfolio(folder)
    g = p.gap().set_index("contract_id")
    assert g.loc["a", "delivery_gap"] == -100 and g.loc["a", "forecast_gap"] == -400 and "c" not in g.index
    best, worst = p.ranked(1)
    assert best["contract_id"].tolist() == ["c"] and worst["contract_id"].tolist() == ["b"]


def test_dashboard_widget_filters(folder):
    box = portfolio_dashboard(load_portfolio(folder))
    directorate = box.children[0].children[0]
    headline = box.children[2]
    assert 'data-present-value="1100.00"' in headline.value
    directorate.value = "City"
    assert 'data-present-value="500.00"' in headline.value and "<b>1</b> contract ·" in headline.value


def test_bad_folders(tmp_path):
    with pytest.raises(InputError, match="not a folder of reports"):
        load_portfolio(tmp_path / "nope")
    write_report_folder(tmp_path / "x", {})
    (tmp_path / "x" / "results.json").write_text("{not json")
    rehash(tmp_path / "x")
    with pytest.raises(InputError, match="cannot be read as JSON"):
        load_portfolio(tmp_path)
    (tmp_path / "x" / "results.json").write_text('{"present_value": 1}')  # not the figures sroi run writes
    rehash(tmp_path / "x")
    with pytest.raises(InputError, match="does not hold the figures"):
        load_portfolio(tmp_path)


def rehash(folder):
    """Rewrite a folder's manifest to match its files (as a forger, or a test, would)."""
    from sroi_lib.reports.manifest import sha256

    m = json.loads((folder / "manifest.json").read_text())
    m["outputs"] = {name: sha256(folder / name) for name in m["outputs"]}
    (folder / "manifest.json").write_text(json.dumps(m))


def test_only_complete_report_folders_are_read(folder):
    """Left-overs of killed runs and edited or unfinished reports are skipped, each with the reason."""
    import shutil

    before = load_portfolio(folder).headline()
    shutil.copytree(folder / "a", folder / ".a-x1y2z3")             # an old temporary folder (older sroi)
    shutil.copytree(folder / "a", folder / ".sroi-staging" / "a-1-ff" / "report")  # a killed run's staging
    shutil.copytree(folder / "b", folder / "b-unfinished")
    (folder / "b-unfinished" / "manifest.json").unlink()            # no manifest: not finished
    shutil.copytree(folder / "c", folder / "c-edited")
    edited = folder / "c-edited" / "results.json"
    edited.write_text(edited.read_text().replace('"present_value": 500.0', '"present_value": 5000.0'))
    shutil.copytree(folder / "c", folder / "c-no-html")
    (folder / "c-no-html" / "report.html").unlink()
    (folder / "notes").mkdir()                                      # not a report folder at all: ignored
    p = load_portfolio(folder)
    assert p.headline() == before
    skipped = {f.name: why for f, why in p.skipped}
    assert set(skipped) == {".a-x1y2z3", "b-unfinished", "c-edited", "c-no-html"}
    assert "hidden folder" in skipped[".a-x1y2z3"] and "no manifest.json" in skipped["b-unfinished"]
    assert "results.json does not match its manifest" in skipped["c-edited"]
    assert "report.html is missing" in skipped["c-no-html"]
    assert p.filter(directorate="Adults").skipped == p.skipped


def test_two_folders_for_one_contract_are_refused(folder):
    import shutil

    shutil.copytree(folder / "b", folder / "b-copy")
    with pytest.raises(InputError) as err:
        load_portfolio(folder)
    text = str(err.value)
    assert "two folders hold reports for contract 'b'" in text and "b-copy" in text and f"{folder / 'b'} and" in text


def test_a_folder_of_only_incomplete_reports_says_so(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "results.json").write_text("{}")
    with pytest.raises(InputError, match=r"holds no complete reports .*\(1 incomplete or edited folders skipped\)"):
        load_portfolio(tmp_path, require_reports=True)


def test_headline_html_words():
    h = {"contracts": 2, "present_value": 1500.0, "total_inputs": 1000.0, "sroi_ratio": 1.5, "delivery_rate": None,
         "value_delivered_to_date": 0.0, "value_committed_to_date": 0.0, "delivery_gap": 0.0,
         "rag_counts": {"red": 0, "green": 2}}
    text = headline_html(h)
    assert "£1,500" in text and "1.50 : 1" in text and "green: 2" in text and "(n/a)" in text


def test_dashboard_without_reports_says_so(tmp_path):
    from sroi_lib.views.dashboard import dashboard_for

    assert "No reports in" in dashboard_for(tmp_path).value
