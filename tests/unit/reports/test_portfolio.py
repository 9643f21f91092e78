"""The portfolio: results.json files in one table, filtered and grouped."""

import json
import re

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sroi_lib.errors import InputError  # noqa: E402
from sroi_lib.reports.portfolio import load_portfolio  # noqa: E402
from sroi_lib.views.dashboard import delivery_html, headline_html, portfolio_dashboard  # noqa: E402
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
    directorate = box.controls["directorate"]
    headline = box.parts["headline"]
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
         "rag_counts": {"red": 0, "green": 2}, "mixed_kinds": False,
         "kinds": [{"kind": "Real evaluation", "contracts": 2, "present_value": 1500.0, "total_inputs": 1000.0,
                    "sroi_ratio": 1.5}]}
    text = headline_html(h)
    assert "£1,500" in text and "SROI ratio <b>1.50 : 1</b> (all real evaluation)" in text and "Green: 2" in text
    assert "Red" not in text  # a status no contract has is not listed


def test_dashboard_without_reports_says_so(tmp_path):
    from sroi_lib.views.dashboard import dashboard_for

    assert "No reports in" in dashboard_for(tmp_path).value


# --- kinds of contract, expected by now against delivered, the page's parts and its export ---------------------------

def quarters(start_year, first_quarter, count, committed, delivered):
    """``tracking.by_period`` as results.json holds it: ``delivered`` lists the returns made (None: no return)."""
    out, y, q = [], start_year, first_quarter
    for i in range(count):
        out.append({"period": f"{y}-Q{q}", "value_committed": committed,
                    "value_delivered": delivered[i] if i < len(delivered) else None})
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


@pytest.fixture
def kinds_folder(tmp_path):
    """Four contracts of three kinds. "works" commits £1,000 a quarter for 2025-Q1 to 2025-Q4 and returned £900 and
    £700 for its first two; "meals" commits £500 a quarter for 2025-Q3 to 2026-Q2 and has returned nothing."""
    def one(cid, kind, illustrative, pv, inputs, directorate, tracking=None):
        r = results(cid, directorate, "S", [("health and care", "", pv)], inputs, tracking)
        r["contract"].update(analysis_type=kind, illustrative=illustrative, title=f"The {cid} contract")
        return r

    works = {"rag": "red", "value_committed_to_date": 2000.0, "value_delivered_to_date": 1600.0,
             "value_forecast_to_end": 3200.0, "value_committed_total": 4000.0,
             "by_period": quarters(2025, 1, 4, 1000.0, [900.0, 700.0])}
    meals = {"rag": "no data", "value_committed_to_date": 0.0, "value_delivered_to_date": 0.0,
             "value_forecast_to_end": None, "value_committed_total": 2000.0,
             "by_period": quarters(2025, 3, 4, 500.0, [])}
    for r in (one("works", "forecast", False, 3000.0, 1000.0, "City", works),
              one("meals", "forecast", False, 1000.0, 1000.0, "Children", meals),
              one("grant", "evaluation", False, 800.0, 200.0, "City"),
              one("demo", "forecast", True, 9000.0, 1000.0, "City")):
        write_report_folder(tmp_path / r["contract"]["contract_id"], r)
    return tmp_path


def test_kinds_are_totalled_apart_and_never_pooled_into_one_ratio(kinds_folder):
    p = load_portfolio(kinds_folder)
    k = p.kinds().set_index("kind")
    assert list(k.index) == ["Real evaluation", "Real forecast", "Illustrative forecast"]
    assert k.loc["Real forecast", "present_value"] == 4000 and k.loc["Real forecast", "total_inputs"] == 2000
    assert k.loc["Real forecast", "sroi_ratio"] == pytest.approx(2.0)       # 4,000 / 2,000
    assert k.loc["Real evaluation", "sroi_ratio"] == pytest.approx(4.0)     # 800 / 200
    assert k.loc["Illustrative forecast", "sroi_ratio"] == pytest.approx(9.0)
    h = p.headline()
    assert h["mixed_kinds"] and h["sroi_ratio"] is None  # 12,800 / 3,200 = 4.0 would pool three kinds
    assert [x["kind"] for x in h["kinds"]] == list(k.index)
    real_forecasts = p.filter(illustrative=False, analysis_type="forecast")
    assert set(real_forecasts.contracts["contract_id"]) == {"works", "meals"}
    one_kind = real_forecasts.headline()
    assert one_kind["sroi_ratio"] == pytest.approx(2.0) and not one_kind["mixed_kinds"]
    assert p.filter(illustrative=True).contracts["contract_id"].tolist() == ["demo"]
    assert p.filter(analysis_type="evaluation").contracts["contract_id"].tolist() == ["grant"]
    html = headline_html(h)
    assert "No single SROI ratio" in html and "4.00 : 1" in html and "2.00 : 1" in html and "9.00 : 1" in html
    assert "present value <b" not in html  # no pooled headline figure either


def test_expected_by_now_against_delivered_worked_by_hand(kinds_folder):
    p = load_portfolio(kinds_folder)
    assert p.latest_return() == "2025-Q2"
    d = p.delivery_to_date()
    assert d.as_of == "2025-Q2" and not d.chosen and "latest quarter with a supplier's return" in d.basis
    rows = d.contracts.set_index("contract_id")
    assert set(rows.index) == {"works", "meals"}  # the contracts with commitments
    # works: 2 of 4 quarters ended: expected 4,000 x 2/4 = 2,000; delivered 900 + 700 = 1,600
    assert rows.loc["works", ["quarters_elapsed", "quarters_returned", "value_expected", "value_delivered"]].tolist() \
        == [2, 2, 2000.0, 1600.0]
    # meals starts in 2025-Q3: nothing due yet
    assert rows.loc["meals", ["quarters_elapsed", "value_expected", "value_delivered"]].tolist() == [0, 0.0, 0.0]
    assert pd.isna(rows.loc["meals", "delivery_rate"])
    t = d.totals
    assert (t["value_expected"], t["value_delivered"], t["gap"]) == (2000.0, 1600.0, -400.0)
    assert t["delivery_rate"] == pytest.approx(0.8) and t["quarters_without_return"] == 0

    # to the end of 2025-Q4: works expected 4,000, delivered still 1,600 (no return for Q3 and Q4: £0);
    # meals expected 500 x 2 = 1,000, delivered 0. Portfolio: 5,000 expected, 1,600 delivered, gap -3,400, 32%.
    d = p.delivery_to_date("2025-q4")
    assert d.as_of == "2025-Q4" and d.chosen and "the quarter chosen" in d.basis
    rows = d.contracts.set_index("contract_id")
    assert rows.loc["works", ["value_expected", "value_delivered", "gap"]].tolist() == [4000.0, 1600.0, -2400.0]
    assert rows.loc["meals", ["quarters_elapsed", "value_expected", "gap"]].tolist() == [2, 1000.0, -1000.0]
    t = d.totals
    assert (t["value_expected"], t["value_delivered"], t["gap"]) == (5000.0, 1600.0, -3400.0)
    assert t["delivery_rate"] == pytest.approx(0.32) and t["quarters_without_return"] == 4
    assert d.contracts["contract_id"].tolist() == ["works", "meals"]  # largest shortfall first
    html = delivery_html(d)
    assert "£5,000</b> of social value was expected by now" in html and "a shortfall of <b>£3,400</b>" in html
    assert "to the end of 2025-Q4 (the quarter chosen)" in html and "4 quarters ended with no return" in html


def test_a_to_date_that_is_not_a_quarter_is_refused(kinds_folder):
    with pytest.raises(InputError, match=r"'to date' is '2025-13', which is not a quarter like 2025-Q4"):
        load_portfolio(kinds_folder).delivery_to_date("2025-13")


def test_older_results_without_quarters_keep_their_own_tracking(folder):
    d = load_portfolio(folder).delivery_to_date()
    assert d.as_of is None and "no contract in view has a supplier's return yet" in d.basis
    rows = d.contracts.set_index("contract_id")
    assert rows.loc["a", ["value_expected", "value_delivered"]].tolist() == [200.0, 100.0]
    assert d.totals["value_expected"] == 250.0 and d.totals["quarters_without_return"] == 0


def test_contracts_table_links_each_title_to_its_report(kinds_folder):
    from sroi_lib.views.dashboard import contracts_html

    p = load_portfolio(kinds_folder)
    html = contracts_html(p, p.delivery_to_date("2025-Q4"))
    assert ('<a class="sroi-report-link" href="reports/works/report.html" target="_blank" '
            'rel="noopener noreferrer" title="Open this contract\'s report">The works contract</a>') in html
    assert html.count("sroi-report-link") == 4
    assert "Delivered of expected by 2025-Q4" in html and "£1,600 of £4,000" in html and "£0 of £1,000" in html
    ids = re.findall(r"<td>(\w+)</td><td>(?:Real|Illustrative)", html)
    assert ids == ["demo", "grant", "works", "meals"]  # highest ratio first


def test_filtering_to_nothing_empties_the_charts_and_says_so(kinds_folder):
    from sroi_lib.views.dashboard import NO_MATCH

    box = portfolio_dashboard(load_portfolio(kinds_folder))
    charts, table = box.parts["charts"], box.parts["table"]
    first = charts.value
    assert first.startswith('<img class="sroi-charts"') and "The works contract" in first
    box.controls["directorate"].value = "Children"
    assert charts.value.startswith('<img class="sroi-charts"') and charts.value != first
    assert "The meals contract" in charts.value and "The works contract" not in charts.value
    box.controls["illustrative"].value = True  # no illustrative contract in Children
    assert NO_MATCH in charts.value and "<img" not in charts.value
    assert table.value == "" and box.parts["delivery"].value == "" and "Nothing to export" in box.parts["export"].value
    assert 'data-contracts="0"' in box.parts["headline"].value
    box.controls["directorate"].value = "(all)"
    assert "The demo contract" in charts.value and "sroi-report-link" in table.value


def test_export_workbook_holds_the_rows_in_view(kinds_folder):
    import base64
    import io

    from openpyxl import load_workbook

    box = portfolio_dashboard(load_portfolio(kinds_folder))
    box.controls["illustrative"].value = False
    box.controls["analysis_type"].value = "forecast"
    box.controls["as_of"].value = "2025-Q4"
    link = box.parts["export"].value
    data = re.search(r'href="data:application/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet;base64,'
                     r'([A-Za-z0-9+/=]+)"', link).group(1)
    wb = load_workbook(io.BytesIO(base64.b64decode(data)))
    assert wb.sheetnames == ["Contracts", "Totals by kind", "Expected and delivered", "Value by decile", "About"]
    rows = list(wb["Contracts"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Contract", "Title", "Kind")
    assert sorted(r[0] for r in rows[1:]) == ["meals", "works"]
    assert {r[0]: r[12:14] for r in rows[1:]} == {"works": (4000, 1600), "meals": (1000, 0)}
    kinds = list(wb["Totals by kind"].iter_rows(values_only=True))
    assert kinds[1:] == [("Real forecast", 2, 4000, 2000, 2)]
    delivered = list(wb["Expected and delivered"].iter_rows(values_only=True))
    assert delivered[-1][0] == "Total" and delivered[-1][6:9] == (5000, 1600, -3400)
    about = dict(r for r in wb["About"].iter_rows(values_only=True, min_row=2))
    assert about["Filters"] == "Real or not: Real; Analysis: forecast; To date: 2025-Q4"
    assert about["To date"] == "means to the end of 2025-Q4 (the quarter chosen)"


def test_export_keeps_formulas_from_files_as_text(tmp_path):
    import io

    from openpyxl import load_workbook

    from sroi_lib.views.dashboard import portfolio_workbook

    r = results("x", "=HYPERLINK(\"http://evil\")", "@SUM(1)", [("health and care", "", 10.0)], 10.0)
    write_report_folder(tmp_path / "x", r)
    p = load_portfolio(tmp_path)
    wb = load_workbook(io.BytesIO(portfolio_workbook(p, p.delivery_to_date(), {})))
    row = [c for c in next(wb["Contracts"].iter_rows(min_row=2))]
    assert row[4].value == '=HYPERLINK("http://evil")' and row[4].data_type == "s"
    assert row[3].value == "@SUM(1)" and row[3].data_type == "s"


def test_sroi_portfolio_gives_each_kind_and_expected_by_now(kinds_folder, capsys):
    from sroi_lib.cli import main

    assert main(["portfolio", str(kinds_folder), "--json", "--to-date", "2025-Q4"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["headline"]["sroi_ratio"] is None and data["headline"]["mixed_kinds"] is True
    assert {k["kind"]: k["sroi_ratio"] for k in data["headline"]["kinds"]} == {
        "Real evaluation": 4.0, "Real forecast": 2.0, "Illustrative forecast": 9.0}
    d = data["delivery_to_date"]
    assert (d["as_of"], d["chosen"], d["value_expected"], d["value_delivered"], d["gap"]) == (
        "2025-Q4", True, 5000.0, 1600.0, -3400.0)
    assert {r["contract_id"]: r["quarters_elapsed"] for r in d["contracts"]} == {"works": 4, "meals": 2}
    assert {r["contract_id"]: (r["kind"], r["illustrative"], r["report_folder"]) for r in data["contracts"]}["demo"] \
        == ("Illustrative forecast", True, "demo")

    assert main(["portfolio", str(kinds_folder)]) == 0
    out = capsys.readouterr().out
    rows = {line.split("  ")[0]: line.split() for line in out.splitlines()}
    assert rows["Real forecast"][-3:] == ["2.00", ":", "1"] and rows["Illustrative forecast"][-3:] == ["9.00", ":", "1"]
    assert rows["All kinds added together"][-3:] == ["none:", "mixes", "kinds"]
    assert "No single SROI ratio" in out
    assert "'to date' means to the end of 2025-Q2 (the latest quarter with a supplier's return)" in out
    assert rows["Expected by now"][-1] == "£2,000" and rows["Gap (delivered - expected)"][-1] == "-£400"


def test_sroi_portfolio_refuses_a_to_date_that_is_not_a_quarter(kinds_folder, capsys):
    from sroi_lib.cli import main

    assert main(["portfolio", str(kinds_folder), "--to-date", "Q4 2025"]) == 2
    err = capsys.readouterr().err
    assert "'to date' is 'Q4 2025', which is not a quarter like 2025-Q4" in err and "Traceback" not in err


BCA = {"name": "best_city_ambition", "title": "Leeds Best City Ambition"}


def test_a_contract_of_no_framework_is_shown_apart_from_the_pillars(tmp_path):
    """results.json's framework null: its lines go to "not grouped by a framework", in no pillar and under no
    pillar filter; a results.json made before it named its framework is grouped as before."""
    from sroi_lib.reports.portfolio import NOT_GROUPED

    grouped = results("grouped", "D", "S", [("environment and carbon", "", 100.0)], 100.0)
    none = results("none", "D", "S", [("environment and carbon", "", 40.0), ("health and care", "", 60.0)], 50.0)
    old = results("old", "D", "S", [("health and care", "", 30.0)], 30.0)
    write_report_folder(tmp_path / "grouped", {**grouped, "framework": BCA})
    write_report_folder(tmp_path / "none", {**none, "framework": None})
    write_report_folder(tmp_path / "old", old)  # no "framework" key at all
    p = load_portfolio(tmp_path)
    frameworks = p.contracts.set_index("contract_id")["framework"]
    assert frameworks[["grouped", "none"]].tolist() == ["Leeds Best City Ambition", ""]
    assert pd.isna(frameworks["old"])
    pillars = p.by("pillar").set_index("pillar")["present_value"].to_dict()
    assert pillars == {NOT_GROUPED: 100.0, "Zero carbon": 100.0, "Health and wellbeing": 30.0}
    assert set(p.filter(pillar="Zero carbon").contracts["contract_id"]) == {"grouped"}
    assert set(p.filter(pillar=NOT_GROUPED).contracts["contract_id"]) == {"none"}


@pytest.mark.slow
def test_a_contract_run_with_framework_none_is_not_put_in_the_pillars(tmp_path):
    """A copy of an example contract valued with `framework: none` by `sroi run`, beside a contract of the default
    framework: the dashboard shows its value apart, as "not grouped by a framework", and says so."""
    from sroi_lib.cli import main
    from sroi_lib.reports.portfolio import NOT_GROUPED
    from sroi_lib.views.dashboard import figure_html, pillar_note_html, portfolio_figure
    from tests.conftest import ROOT

    text = (ROOT / "parameters" / "lcc-school-catering.yaml").read_text(encoding="utf-8")
    assert "\nframework: best_city_ambition\n" in text
    text = text.replace("../data/", f"{ROOT / 'data'}/").replace(
        "\nframework: best_city_ambition\n", "\nframework: none\n")
    params = tmp_path / "catering.yaml"
    params.write_text(text, encoding="utf-8")
    reports = tmp_path / "reports"
    assert main(["run", str(params), "--out", str(reports)]) == 0
    run = json.loads((reports / "lcc-school-catering" / "results.json").read_text())
    assert run["framework"] is None
    other = results("other", "D", "S", [("environment and carbon", "", 1000.0)], 500.0)
    write_report_folder(reports / "other", {**other, "framework": BCA})

    p = load_portfolio(reports)
    catering = p.lines[p.lines["contract_id"] == "lcc-school-catering"]
    assert len(catering) == len(run["lines"]) and set(catering["pillar"]) == {NOT_GROUPED}
    pillars = p.by("pillar").set_index("pillar")["present_value"]
    assert pillars[NOT_GROUPED] == pytest.approx(run["present_value"])
    assert pillars.drop(NOT_GROUPED).to_dict() == {"Zero carbon": 1000.0}  # nothing of the catering in a pillar
    note = pillar_note_html(p)
    assert "1 contract (School catering) was valued with <code>framework: none</code>" in note
    assert f"shown apart as <b>{NOT_GROUPED}</b>, not in any pillar" in note
    assert figure_html(p).startswith(note)
    fig = portfolio_figure(p)
    assert {t.get_text() for t in fig.axes[0].get_yticklabels()} == {NOT_GROUPED, "Zero carbon"}
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_disbenefits_are_bars_of_their_own_in_each_pillar(tmp_path):
    """A disbenefit line (marked, or below zero) is never netted into its pillar: "<pillar> (disbenefit)" is a
    group of its own, and shares are of the benefits' present value."""
    from sroi_lib.views.dashboard import pillar_note_html, portfolio_figure

    r = results("roads", "D", "S", [("environment and carbon", "", 800.0), ("employment and skills", "", 200.0)],
                500.0)
    r["lines"] += [{"stakeholder": "Road users", "outcome": "Delay", "theme": "local economy", "ward": "",
                    "value_type": "economic", "present_value": -150.0, "disbenefit": True},
                   {"stakeholder": "Residents", "outcome": "Noise", "theme": "environment and carbon", "ward": "",
                    "value_type": "social", "present_value": -50.0}]  # below zero, from before the column
    r["present_value"] = 800.0
    write_report_folder(tmp_path / "roads", r)
    p = load_portfolio(tmp_path)
    by = p.by("pillar").set_index("pillar")
    assert by["present_value"].to_dict() == {"Zero carbon": 800.0, "Inclusive growth": 200.0,
                                             "Zero carbon (disbenefit)": -50.0,
                                             "Inclusive growth (disbenefit)": -150.0}
    assert by.loc["Inclusive growth", "share"] == pytest.approx(0.2)  # ÷ £1,000 of benefits
    assert by.loc["Inclusive growth (disbenefit)", "share"] == pytest.approx(-0.15)
    assert p.headline()["present_value"] == 800.0  # the headline stays net
    assert p.by("theme").set_index("theme").loc["local economy (disbenefit)", "present_value"] == -150.0
    assert p.filter(pillar="Inclusive growth").headline()["present_value"] == 50.0  # its benefit and its loss
    assert "Disbenefits (negative outcomes) are bars of their own" in pillar_note_html(p)

    fig = portfolio_figure(p)
    ax = fig.axes[0]
    widths = dict(zip((t.get_text() for t in ax.get_yticklabels()), (b.get_width() for b in ax.patches)))
    assert widths == {"Inclusive growth (disbenefit)": -150.0, "Zero carbon (disbenefit)": -50.0,
                      "Inclusive growth": 200.0, "Zero carbon": 800.0}
    import matplotlib.pyplot as plt

    plt.close(fig)
