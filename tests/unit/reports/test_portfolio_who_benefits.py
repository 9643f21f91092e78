"""Who benefits across the portfolio: each report's present value by IMD decile summed over the contracts, the shares
reaching the 10% and 20% most deprived areas, the weighted value, in `sroi portfolio` and the dashboard.

The small portfolio, worked by hand (£):

=========  ===========  =========  =========  =========  =========  =======  ========  ======  ===
contract   kind         decile 1   decile 2   decile 3   decile 5   unknown  weighted  inputs  eta
=========  ===========  =========  =========  =========  =========  =======  ========  ======  ===
north      real fcst    300        200                   100        400      1,500     500     1.3
south      real fcst     60                   240                   300        900     300     1.3
unplaced   illus eval   (no place data: all 400 unknown, weight 1)           400       100
=========  ===========  =========  =========  =========  =========  =======  ========  ======  ===

north + south: decile 1 = 360, 2 = 200, 3 = 240, 5 = 100, unknown = 700; total 1,600;
share 10% = 360 / 1,600 = 0.225, 20% = 560 / 1,600 = 0.35, unknown = 700 / 1,600 = 0.4375;
weighted 2,400, weighted ratio 2,400 / 800 = 3.0.
All three: total 2,000, unknown 1,100: 0.18, 0.28, 0.55; weighted 2,800 (unplaced at weight 1).
"""

import base64
import io
import json
import re

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

from sroi_lib.errors import InputError  # noqa: E402
from sroi_lib.reports.portfolio import load_portfolio  # noqa: E402
from sroi_lib.views.dashboard import contracts_html, portfolio_dashboard, who_html  # noqa: E402
from tests.conftest import write_report_folder  # noqa: E402

REASON = "the impact map gives no place for any line"


def results(cid, pv, inputs, deciles=None, weighted=None, eta=1.3, kind=("forecast", False), theme="health and care"):
    """A results.json; ``deciles`` {1: £, ..., "unknown": £} as a report writes ``by_imd_decile`` (None: no place
    data, with ``who_benefits_absent``)."""
    r = {"contract": {"contract_id": cid, "title": f"The {cid} contract", "supplier": "S", "directorate": "D",
                      "analysis_type": kind[0], "illustrative": kind[1]},
         "present_value": pv, "total_inputs": inputs, "sroi_ratio": pv / inputs, "npv": pv - inputs,
         "lines": [{"stakeholder": "S", "outcome": "O", "theme": theme, "present_value": pv}], "tracking": None}
    if deciles is None:
        r["who_benefits_absent"] = REASON
        return r
    rows = [{"imd_decile": d, "present_value": float(deciles.get(d, 0.0))} for d in range(1, 11)]
    rows.append({"imd_decile": "unknown", "present_value": float(deciles.get("unknown", 0.0))})
    for row in rows:
        row["share"] = row["present_value"] / pv
    r.update(by_imd_decile=rows, share_most_deprived_10=rows[0]["share"],
             share_most_deprived_20=rows[0]["share"] + rows[1]["share"], share_unknown=rows[-1]["share"],
             distributional={"eta": eta, "weighted_present_value": weighted, "present_value": pv})
    return r


NORTH = results("north", 1000.0, 500.0, {1: 300, 2: 200, 5: 100, "unknown": 400}, 1500.0)
SOUTH = results("south", 600.0, 300.0, {1: 60, 3: 240, "unknown": 300}, 900.0)
UNPLACED = results("unplaced", 400.0, 100.0, kind=("evaluation", True), theme="environment and carbon")


@pytest.fixture
def folder(tmp_path):
    for r in (NORTH, SOUTH, UNPLACED):
        write_report_folder(tmp_path / r["contract"]["contract_id"], r)
    return tmp_path


def deciles(who) -> dict:
    return {d["imd_decile"]: d["present_value"] for d in who["by_imd_decile"]}


def test_two_contracts_summed_by_hand(folder):
    w = load_portfolio(folder).filter(illustrative=False).who_benefits()
    assert deciles(w) == {1: 360, 2: 200, 3: 240, 4: 0, 5: 100, 6: 0, 7: 0, 8: 0, 9: 0, 10: 0, "unknown": 700}
    assert w["present_value"] == 1600
    assert w["share_most_deprived_10"] == pytest.approx(0.225)
    assert w["share_most_deprived_20"] == pytest.approx(0.35)
    assert w["share_unknown"] == pytest.approx(0.4375)
    assert sum(d["share"] for d in w["by_imd_decile"]) == pytest.approx(1.0)
    assert (w["weighted_present_value"], w["eta"]) == (2400.0, 1.3)
    assert w["weighted_sroi_ratio"] == pytest.approx(3.0) and not w["mixed_kinds"]
    assert w["contracts_with_place_data"] == 2 and w["without_place_data"] == []
    twenty = load_portfolio(folder).filter(illustrative=False).who_benefits(20)
    assert (twenty["area_deciles"], twenty["value_in_areas"], twenty["share_in_areas"]) == ([1, 2], 560, 0.35)
    assert load_portfolio(folder).filter(illustrative=False).who_benefits(10)["value_in_areas"] == 360


def test_a_contract_without_place_data_is_all_unknown_and_kinds_stay_apart(folder):
    w = load_portfolio(folder).who_benefits()
    assert deciles(w)["unknown"] == 1100 and w["present_value"] == 2000
    assert (w["share_most_deprived_10"], w["share_most_deprived_20"], w["share_unknown"]) == pytest.approx(
        (0.18, 0.28, 0.55))
    assert w["weighted_present_value"] == 2800.0  # the unplaced contract at weight 1
    assert w["without_place_data"] == [{"contract_id": "unplaced", "title": "The unplaced contract", "reason": REASON}]
    assert w["mixed_kinds"] and w["weighted_sroi_ratio"] is None  # 2,800 / 900 would pool two kinds
    kinds = {k["kind"]: k for k in w["kinds"]}
    assert list(kinds) == ["Real forecast", "Illustrative evaluation"]
    assert kinds["Real forecast"]["weighted_sroi_ratio"] == pytest.approx(3.0)
    assert kinds["Illustrative evaluation"]["weighted_sroi_ratio"] == pytest.approx(4.0)  # 400 / 100
    assert kinds["Illustrative evaluation"]["share_unknown"] == 1.0
    assert kinds["Illustrative evaluation"]["share_most_deprived_10"] == 0.0


def test_the_areas_filter_keeps_the_contracts_with_place_data(folder):
    p = load_portfolio(folder)
    assert sorted(p.filter(areas=20).contracts["contract_id"]) == ["north", "south"]
    assert p.filter(areas=10).who_benefits(10)["value_in_areas"] == 360
    for wrong in (15, True, "20"):
        with pytest.raises(InputError, match="not 10 or 20"):
            p.filter(areas=wrong)


def test_weighted_values_of_different_eta_are_not_added(tmp_path):
    write_report_folder(tmp_path / "north", NORTH)
    write_report_folder(tmp_path / "south", results("south", 600.0, 300.0, {1: 600}, 900.0, eta=2.0))
    w = load_portfolio(tmp_path).who_benefits()
    assert w["weighted_present_value"] is None and w["eta"] is None and w["etas"] == [1.3, 2.0]
    assert w["weighted_sroi_ratio"] is None and w["present_value"] == 1600  # the unweighted figures stand


def test_a_pillar_filter_leaves_the_deciles_whole_and_says_so(folder):
    p = load_portfolio(folder).filter(pillar="Zero carbon")  # the unplaced contract's one line
    assert p.headline()["present_value"] == 400 and p.who_benefits()["present_value"] == 400
    two = results("two", 1000.0, 500.0, {1: 1000}, 1000.0)
    two["lines"] = [{"stakeholder": "S", "outcome": "O", "theme": "health and care", "present_value": 700.0},
                    {"stakeholder": "S", "outcome": "O", "theme": "environment and carbon", "present_value": 300.0}]
    write_report_folder(folder / "two", two)
    zero = load_portfolio(folder).filter(pillar="Zero carbon", illustrative=False)
    assert zero.headline()["present_value"] == 300 and zero.who_benefits()["present_value"] == 1000
    html = who_html(zero.who_benefits(), zero.headline()["present_value"])
    assert "still of the whole of each contract in view (£1,000), not only the pillar's lines (£300)" in html


def test_older_results_and_bad_deciles(tmp_path):
    old = results("old", 250.0, 100.0)
    del old["who_benefits_absent"]  # made before results.json carried who benefits
    write_report_folder(tmp_path / "old", old)
    w = load_portfolio(tmp_path).who_benefits()
    assert deciles(w)["unknown"] == 250 and "made before sroi placed value by area" in w["without_place_data"][0][
        "reason"]
    bad = results("bad", 100.0, 100.0, {1: 100}, 100.0)
    bad["by_imd_decile"][0]["imd_decile"] = 11
    write_report_folder(tmp_path / "bad", bad)
    with pytest.raises(InputError, match="does not hold the figures"):
        load_portfolio(tmp_path)


def test_sroi_portfolio_gives_the_shares(folder, capsys):
    from sroi_lib.cli import main

    assert main(["portfolio", str(folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {d["imd_decile"]: d["present_value"] for d in data["by_imd_decile"]}["unknown"] == 1100
    assert (data["share_most_deprived_10"], data["share_most_deprived_20"], data["share_unknown"]) == pytest.approx(
        (0.18, 0.28, 0.55))
    who = data["who_benefits"]
    assert who["weighted_present_value"] == 2800 and who["weighted_sroi_ratio"] is None
    assert {k["kind"]: k["weighted_sroi_ratio"] for k in who["kinds"]} == {"Real forecast": 3.0,
                                                                           "Illustrative evaluation": 4.0}
    rows = {r["contract_id"]: r for r in data["contracts"]}
    assert (rows["north"]["imd_1"], rows["north"]["imd_unknown"], rows["north"]["has_place_data"]) == (300, 400, True)
    assert (rows["unplaced"]["imd_unknown"], rows["unplaced"]["place_note"]) == (400, REASON)

    assert main(["portfolio", str(folder)]) == 0
    out = capsys.readouterr().out
    rows = {line.split("  ")[0]: line.split() for line in out.splitlines()}
    # decile: all contracts (present value, share), then each kind's present value
    assert rows["1 (most deprived)"][3:] == ["£360", "18%", "£360", "£0"]
    assert rows["Area unknown"][2:] == ["£1,100", "55%", "£700", "£400"]
    assert rows["Total"][1:] == ["£2,000", "100%", "£1,600", "£400"]
    assert rows["Real forecast"][2:8] == ["22%", "35%", "44%", "£2,400", "(eta", "1.3)"]  # 22.5% to even
    assert rows["Illustrative evaluation"][2:6] == ["0%", "0%", "100%", "£400"]
    assert "(no place data: weight 1)" in " ".join(rows["Illustrative evaluation"])
    assert rows["All kinds added together"][4:7] == ["18%", "28%", "55%"]
    assert rows["All kinds added together"][-3:] == ["none:", "mixes", "kinds"]
    assert "  - unplaced: the impact map gives no place for any line" in out


def test_the_dashboard_areas_filter(folder):
    box = portfolio_dashboard(load_portfolio(folder))
    who, charts, table = box.parts["who"], box.parts["charts"], box.parts["table"]
    assert "data-areas='all'" in who.value and "data-value-in-areas='2000.00'" in who.value
    assert "1 contract (The unplaced contract) has no place data" in who.value
    first = charts.value
    assert "no place data" in table.value and "In the 20% most deprived areas" in table.value
    assert "£500 (50%)" in table.value  # north: 300 + 200 of 1,000

    box.controls["areas"].value = 10
    assert "data-areas='10'" in who.value and "data-value-in-areas='360.00'" in who.value
    assert "Areas: the 10% most deprived areas (IMD decile 1)" in who.value
    assert "1 contract whose report gives no place is left out: The unplaced contract." in who.value
    assert charts.value != first and "the 10% most deprived areas in colour" in charts.value
    assert "The unplaced contract" not in table.value and "In the 10% most deprived areas" in table.value
    assert 'data-contracts="2"' in box.parts["headline"].value

    box.controls["areas"].value = 20
    assert "data-value-in-areas='560.00'" in who.value

    box.controls["illustrative"].value = True  # only the unplaced contract: nothing left with place data
    assert who.value == "" and "No contract matches" in charts.value


def test_the_export_has_decile_columns(folder):
    from openpyxl import load_workbook

    box = portfolio_dashboard(load_portfolio(folder))
    data = re.search(r'base64,([A-Za-z0-9+/=]+)"', box.parts["export"].value).group(1)
    wb = load_workbook(io.BytesIO(base64.b64decode(data)))
    rows = list(wb["Contracts"].iter_rows(values_only=True))
    head = rows[0]
    got = {r[0]: dict(zip(head, r)) for r in rows[1:]}
    assert got["north"]["IMD decile 1 (£)"] == 300 and got["north"]["Area unknown (£)"] == 400
    assert got["north"]["Share in the 20% most deprived"] == pytest.approx(0.5)
    assert got["south"]["Share in the 10% most deprived"] == pytest.approx(0.1)
    assert got["north"]["Weighted present value (£)"] == 1500 and got["north"]["Place data"] == "yes"
    assert got["unplaced"]["Place data"] == f"no: {REASON}" and got["unplaced"]["Area unknown (£)"] == 400
    by = {r[0]: r for r in wb["Value by decile"].iter_rows(values_only=True, min_row=2)}
    assert by[1][1:3] == (360, pytest.approx(0.18)) and by["unknown"][1] == 1100 and by["Total"][1] == 2000
    assert wb["Value by decile"]["D1"].value == "Real forecast: present value (£)" and by[1][3] == 360


def test_contracts_table_without_deciles_still_draws(folder):
    p = load_portfolio(folder)
    html = contracts_html(p.filter(areas=10), None, 10)
    assert "£300 (30%)" in html and "£60 (10%)" in html


@pytest.mark.slow
def test_the_examples_deciles_add_up_to_their_reports(example_reports):
    """The portfolio's present value by decile is the sum of each example report's by_imd_decile."""
    p = load_portfolio(example_reports)
    w = p.who_benefits()
    expected = dict.fromkeys([*range(1, 11), "unknown"], 0.0)
    total = 0.0
    for f in sorted(example_reports.glob("*/results.json")):
        r = json.loads(f.read_text())
        assert "by_imd_decile" in r, f"{f.parent.name} gives no place data"
        for d in r["by_imd_decile"]:
            expected[d["imd_decile"]] += d["present_value"]
        total += r["present_value"]
    assert deciles(w) == pytest.approx(expected, abs=0.01)
    assert w["present_value"] == pytest.approx(total, abs=0.01)
    assert w["present_value"] == pytest.approx(p.headline()["present_value"], abs=0.01)
    assert w["contracts_with_place_data"] == len(p.contracts) == 5
    shares = [d["share"] for d in w["by_imd_decile"]]
    assert sum(shares) == pytest.approx(1.0)
    assert w["share_most_deprived_20"] == pytest.approx((expected[1] + expected[2]) / total)
    # as docs/dashboard.md quotes them
    assert [round(x) for x in (expected[1], expected[1] + expected[2], expected["unknown"], total)] == [
        2_241_988, 4_217_604, 2_757_729, 7_426_945]
