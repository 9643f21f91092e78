"""A map or a contract, checked and valued: every problem at once, and the files a valuation read."""

import shutil

import pytest

from sroi_lib.errors import InputError
from sroi_lib.reports.contract import contract_commitments, load_contract, value_files
from tests.conftest import EXAMPLES, ROOT, WORKED_ROW, write_csv

PARAMS = """contract_id: files-used
title: Files used
supplier: Test supplier (illustrative)
directorate: Test directorate
analysis_type: forecast
impact_map: impact_map.csv
inputs: inputs.csv
"""


def contract(tmp_path, extra: str = "", proxies: bool = False):
    shutil.copy(EXAMPLES / "worked_check" / "impact_map.csv", tmp_path / "impact_map.csv")
    shutil.copy(EXAMPLES / "worked_check" / "inputs.csv", tmp_path / "inputs.csv")
    if proxies:
        shutil.copy(ROOT / "tests" / "fixtures" / "proxies_small.csv", tmp_path / "own.csv")
        extra += "proxies: own.csv\n"
    path = tmp_path / "files-used.yaml"
    path.write_text(PARAMS + extra)
    return path


def test_files_used_are_those_the_valuation_read(tmp_path):
    run = load_contract(contract(tmp_path, "discounting: green-book\n"))
    files = run.files_used()
    assert files["parameters"] == tmp_path / "files-used.yaml"
    assert files["impact_map"] == tmp_path / "impact_map.csv" and files["inputs"] == tmp_path / "inputs.csv"
    assert files["deflators"] == ROOT / "data" / "reference" / "gdp_deflators.yaml"
    assert files["discount_schedules"] == ROOT / "data" / "reference" / "discount_schedules.yaml"
    assert files["framework"] == ROOT / "data" / "frameworks" / "best_city_ambition.yaml"
    shipped = sorted((ROOT / "data" / "proxies").glob("*.csv"))
    assert [files[f"proxies/{p.name}"] for p in shipped] == shipped
    assert all(p.is_file() for p in files.values())


def test_a_flat_rate_reads_no_schedule_file_and_an_own_library_is_named_once(tmp_path):
    run = load_contract(contract(tmp_path, "discounting: 3.5%\nframework: national_toms\n", proxies=True))
    files = run.files_used()
    assert "discount_schedules" not in files
    assert files["user_proxies"] == tmp_path / "own.csv"
    assert not any(role.startswith("proxies/") and path.name == "own.csv" for role, path in files.items())
    assert files["framework"].name == "national_toms.yaml"


def test_value_files_reports_every_problem_at_once(tmp_path):
    bad_map = write_csv(tmp_path / "m.csv", [dict(WORKED_ROW, quantity="many")])
    with pytest.raises(InputError) as exc:
        value_files(bad_map, investment="lots", price_year="1850", discounting="soon", framework="nope")
    messages = [str(p) for p in exc.value.problems]
    assert messages[0].startswith("price year 1850 is outside the GDP deflator series")
    assert messages[1].startswith("discounting: Discounting 'soon' is not understood")
    assert messages[2].startswith("framework: There is no framework called 'nope'")
    assert any(m.startswith("m.csv, row 2, column 'quantity'") for m in messages)
    assert any(m.startswith("investment 'lots' is not a number") for m in messages)


def test_value_files_with_an_investment(worked_map):
    valued = value_files(worked_map, investment="£100,000", discounting="3.5%")
    assert round(valued.valuation.present_value, 2) == 152_215.01
    assert valued.valuation.inputs["description"].tolist() == ["Investment"]
    assert valued.to_dict()["breakdowns"]["best_city_ambition"]


def test_commitments_are_needed_for_a_returns_workbook(tmp_path):
    with pytest.raises(InputError, match="records no commitments"):
        contract_commitments(contract(tmp_path))
    params, commitments = contract_commitments(ROOT / "parameters" / "lcc-school-catering.yaml")
    assert params.contract_id == "lcc-school-catering" and list(commitments["measure"]) == ["EMP1", "WST1"]


def test_hidden_rows_of_a_contracts_workbook_reach_its_results(tmp_path):
    """A hidden row is read (it is data) but the contract's results say so, so the report can show it."""
    from openpyxl import Workbook

    from sroi_lib.reports.contract import contract_results

    wb = Workbook()
    ws = wb.active
    ws.append(list(WORKED_ROW))
    ws.append(list(WORKED_ROW.values()))
    ws.append([*list(WORKED_ROW.values())[:1], "Kept a tenancy", *list(WORKED_ROW.values())[2:]])
    ws.row_dimensions[3].hidden = True
    wb.save(tmp_path / "impact_map.xlsx")
    path = contract(tmp_path)
    path.write_text(path.read_text().replace("impact_map.csv", "impact_map.xlsx"))
    run = load_contract(path)
    assert len(run.valuation.lines) == 2
    assert len(run.notes) == 1 and "1 hidden row (3)" in run.notes[0]
    assert contract_results(run)["reading_notes"] == run.notes


def test_a_contract_read_in_full_has_no_reading_notes(tmp_path):
    from sroi_lib.reports.contract import contract_results

    assert contract_results(load_contract(contract(tmp_path)))["reading_notes"] == []


def test_value_json_carries_the_reading_notes_of_a_workbook_with_hidden_rows(tmp_path, capsys):
    import json

    from openpyxl import Workbook

    from sroi_lib.cli import main

    wb = Workbook()
    ws = wb.active
    ws.append(["stakeholder", "outcome", "quantity", "value", "price_year", "deadweight", "attribution", "drop_off",
               "duration"])
    ws.append(["Local residents", "Moved into sustained work", 100, 1000, 2024, "20%", "25%", "10%", 3])
    ws.append(["Carers", "Better wellbeing", 100, 1000, 2024, "20%", "25%", "10%", 3])
    ws.row_dimensions[3].hidden = True
    path = tmp_path / "map.xlsx"
    wb.save(path)
    assert main(["value", str(path), "--investment", "100000", "--json"]) == 0
    out, err = capsys.readouterr()
    record = json.loads(out)
    assert record["reading_notes"] == ["map.xlsx, sheet 'Sheet': 1 hidden row (3) was read like the others; unhide "
                                       "it to check what is counted."]
    assert record["reading_notes"][0] in err  # the same note the terminal shows
    assert round(record["present_value"], 2) == 304430.02  # the hidden row is counted: 2 × the worked check


def test_value_json_has_empty_reading_notes_when_there_is_nothing_to_say(capsys):
    import json

    from sroi_lib.cli import main

    assert main(["value", str(EXAMPLES / "worked_check" / "impact_map.csv"), "--investment", "100000", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reading_notes"] == []


def test_a_contracts_conventions_come_from_its_parameters(tmp_path):
    """first_year_discounted: false and drop_off_first_year: true reach the valuation, its results and its
    heading. The worked check at the Green Book rate (3.5% for its three years) gives, by hand:
    54,000 + 48,600 / 1.035 + 43,740 / 1.035² = 54,000 + 46,956.52 + 40,831.76 = £141,788.28."""
    from sroi_lib.reports.contract import contract_results
    from sroi_lib.views.tables import title_markdown

    path = contract(tmp_path, "first_year_discounted: false\ndrop_off_first_year: true\n")
    run = load_contract(path)
    assert round(run.valuation.present_value, 2) == 141_788.28
    assert contract_results(run)["conventions"] == {"first_year_discounted": False, "drop_off_from": "first year",
                                                    "already_discounted": False}
    heading = title_markdown(run)
    assert "year 1 is not discounted" in heading and "first year" in heading
