"""Commitments against delivery, and the supplier's returns workbook."""

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from sroi_lib.cli import main
from sroi_lib.errors import InputError
from sroi_lib.reports.params import load_params
from sroi_lib.control.returns import RETURNS_SHEET, check_returns, write_template
from sroi_lib.control.periods import period_range
from sroi_lib.control.tracking import rag_status, track
from tests.conftest import ROOT

COMMIT = pd.DataFrame({"measure": ["EMP", "CO2"], "description": ["Local jobs", "Carbon"], "unit": ["hours", "tonnes"],
                       "committed_per_period": [100.0, 10.0], "proxy_id": ["p-hour", "p-carbon"]})
PERIODS = period_range("2025-Q3", "2026-Q2")


def test_period_range():
    assert PERIODS == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    with pytest.raises(InputError, match=r"ends \(2025-Q4\) before it starts \(2026-Q1\)"):
        period_range("2026-Q1", "2025-Q4")
    with pytest.raises(InputError, match="'2025-Q5' is not a quarter like 2025-Q3"):
        period_range("2025-Q5", "2026-Q1")


def test_rag_thresholds():
    assert list(rag_status([0.95, 0.949, 0.8, 0.79, np.nan])) == ["green", "amber", "amber", "red", "no data"]
    assert rag_status(0.9, green=0.9, amber=0.5) == "green"


def test_delivered_against_committed_by_hand():
    # Two of four quarters reported. EMP: 100 a quarter committed, 90 + 80 delivered → 170 of 200 = 85% (amber);
    # CO2: 10 a quarter, 12 + 11 = 23 of 20 = 115% (green). Values: £10 an hour, £200 a tonne.
    returns = pd.DataFrame({"period": ["2025-Q3", "2025-Q4", "2025-Q3", "2025-Q4"], "measure": ["EMP", "EMP", "CO2", "CO2"],
                            "quantity": [90.0, 80.0, 12.0, 11.0]})
    t = track(COMMIT, returns, PERIODS, {"p-hour": 10.0, "p-carbon": 200.0})
    m = t.measures.set_index("measure")
    assert m.loc["EMP", "committed_to_date"] == 200 and m.loc["EMP", "delivered_to_date"] == 170
    assert m.loc["EMP", "delivery_rate"] == pytest.approx(0.85) and m.loc["EMP", "rag"] == "amber"
    assert m.loc["EMP", "variance"] == -30 and m.loc["EMP", "value_variance"] == -300
    assert m.loc["EMP", "forecast_to_end"] == pytest.approx(340)  # 170 / 2 × 4
    assert m.loc["CO2", "rag"] == "green" and m.loc["CO2", "value_delivered_to_date"] == 4600
    tot = t.totals
    # £: committed to date 2,000 + 4,000 = 6,000; delivered 1,700 + 4,600 = 6,300 → 105% green
    assert tot["value_committed_to_date"] == 6000 and tot["value_delivered_to_date"] == 6300
    assert tot["delivery_rate"] == pytest.approx(1.05) and tot["rag"] == "green"
    assert tot["periods_elapsed"] == 2 and tot["latest_period"] == "2025-Q4"
    assert tot["value_committed_total"] == 12000
    # by quarter: 2025-Q3 90 × £10 + 12 × £200 = £3,300; 2025-Q4 80 × £10 + 11 × £200 = £3,000
    assert t.by_period["value_delivered"].tolist()[:2] == [3300, 3000] and np.isnan(t.by_period["value_delivered"][2])


def test_no_returns_yet():
    t = track(COMMIT, pd.DataFrame(columns=["period", "measure", "quantity"]), PERIODS, {"p-hour": 10, "p-carbon": 200})
    assert t.totals["rag"] == "no data" and t.totals["periods_elapsed"] == 0
    assert t.to_dict()["value_forecast_to_end"] is None


# --- the workbook --------------------------------------------------------------------------

@pytest.fixture
def params():
    return load_params(ROOT / "parameters" / "lcc-highways-maintenance.yaml")


@pytest.fixture
def commitments(params):
    from sroi_lib.proxies.library import library_with
    from sroi_lib.control.tracking import read_commitments

    return read_commitments(params.commitments, library_with(None))


@pytest.fixture
def template(tmp_path, params, commitments):
    return write_template(tmp_path / "returns.xlsx", params, commitments, params.periods)


def test_template_layout(template, params, commitments):
    wb = load_workbook(template)
    assert wb.sheetnames == ["Instructions", RETURNS_SHEET]
    ws = wb[RETURNS_SHEET]
    assert ws.max_row == 1 + len(params.periods) * len(commitments)
    assert ws.protection.sheet is True
    assert ws["A1"].protection.locked and not ws["F2"].protection.locked and not ws["G2"].protection.locked
    [dv] = ws.data_validations.dataValidation
    assert dv.type == "decimal" and dv.operator == "greaterThanOrEqual" and "F2" in str(dv.sqref)
    assert "Quantity delivered" in wb["Instructions"]["A6"].value


def test_empty_template_checks_clean(template, params, commitments):
    assert check_returns(template, commitments, params.periods).empty


def fill(path, edits):
    wb = load_workbook(path)
    ws = wb[RETURNS_SHEET]
    for ref, value in edits.items():
        ws[ref] = value
    wb.save(path)
    return path


@pytest.mark.parametrize("ref, value, column, words", [
    ("F2", "twelve", "Quantity delivered", "'twelve' is not a number"),
    ("F2", -4, "Quantity delivered", "below zero"),
    ("F2", 1e308, "Quantity delivered", "1e+308 is far too large to be a quantity delivered in one quarter"),
    ("F2", 1_000_000_000_001, "Quantity delivered", "(sroi takes at most 1,000,000,000,000, a million million)"),
    ("F2", "=F3*2", "Quantity delivered", "holds a formula"),
    ("B2", "XYZ", "Measure", "'XYZ' is not one of this contract's measures"),
    ("A2", "2031-Q1", "Quarter", "not a quarter of this contract"),
    ("B3", "EMP1", "Measure", "reported twice"),
])
def test_bad_cells_named_with_sheet_row_and_column(template, params, commitments, ref, value, column, words):
    fill(template, {ref: value})
    with pytest.raises(InputError) as exc:
        check_returns(template, commitments, params.periods)
    assert any(p.sheet == RETURNS_SHEET and p.column == column and words in p.message for p in exc.value.problems), \
        str(exc.value)


def test_merged_cells_and_hidden_rows(template, params, commitments):
    wb = load_workbook(template)
    ws = wb[RETURNS_SHEET]
    ws.merge_cells("C2:D2")
    ws.row_dimensions[5].hidden = True
    wb.save(template)
    with pytest.raises(InputError) as exc:
        check_returns(template, commitments, params.periods)
    text = str(exc.value)
    assert "sheet 'Returns', row 2: cells C2:D2 are merged" in text and "row 5: this row is hidden" in text


def test_wrong_sheet_names_empty_workbook_and_renamed_csv(tmp_path, template, params, commitments):
    wb = load_workbook(template)
    wb[RETURNS_SHEET].title = "Sheet1"
    wb.save(template)
    with pytest.raises(InputError, match="no sheet called 'Returns'"):
        check_returns(template, commitments, params.periods)
    from openpyxl import Workbook

    empty = tmp_path / "empty.xlsx"
    wb = Workbook()
    wb.active.title = RETURNS_SHEET
    wb.save(empty)
    with pytest.raises(InputError, match="the sheet is empty"):
        check_returns(empty, commitments, params.periods)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("Quarter,Measure\n2025-Q2,EMP1\n")
    with pytest.raises(InputError, match="CSV or text file renamed .xlsx"):
        check_returns(fake, commitments, params.periods)


def test_good_return_and_cli(tmp_path, template, params, commitments, capsys):
    fill(template, {"F2": 100, "G2": "PAY-1", "F3": 50.5})
    rows = check_returns(template, commitments, params.periods)
    assert rows["quantity"].tolist() == [100.0, 50.5] and rows["evidence"].tolist() == ["PAY-1", ""]
    contract = ROOT / "parameters" / "lcc-highways-maintenance.yaml"
    assert main(["returns", "check", str(template), "--contract", str(contract)]) == 0
    assert "no problems found. 2 quantities" in capsys.readouterr().out
    fill(template, {"F4": "lots"})
    assert main(["returns", "check", str(template), "--contract", str(contract)]) == 2
    err = capsys.readouterr().err
    assert "returns.xlsx, sheet 'Returns', row 4, column 'Quantity delivered': 'lots' is not a number" in err


def test_template_command(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    code = main(["template", "returns", "--contract", str(ROOT / "parameters" / "lcc-care-at-home.yaml"), "-o", str(out)])
    assert code == 0 and out.exists() and "8 quarters × 2 measures" in capsys.readouterr().out
    code = main(["template", "returns", "--contract", str(ROOT / "parameters" / "lcc-employment-support-grant.yaml"),
                 "-o", str(tmp_path / "x.xlsx")])
    assert code == 2 and "records no commitments" in capsys.readouterr().err


def test_example_contracts_include_one_red_and_one_ahead():
    from sroi_lib.reports.contract import load_contract

    status = {p.stem: load_contract(p).tracking for p in sorted((ROOT / "parameters").glob("*.yaml"))}
    rags = {k: t.totals["rag"] for k, t in status.items() if t is not None}
    assert "red" in rags.values()
    assert any(t is not None and t.totals["delivery_rate"] > 1 for t in status.values())


def test_a_quantity_at_the_documented_maximum_is_read(template, params, commitments):
    from sroi_lib.io.limits import MAX_RETURNED_QUANTITY
    fill(template, {"F2": MAX_RETURNED_QUANTITY})
    assert check_returns(template, commitments, params.periods)["quantity"].tolist() == [1e12]


def test_a_nan_stored_in_a_returns_cell_is_named_by_sheet_and_cell(template, params, commitments):
    import re
    import zipfile

    fill(template, {"F3": 5})
    with zipfile.ZipFile(template) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet2.xml"
    parts[sheet], count = re.subn(rb'<c r="F3"([^>]*)><v>5</v></c>', rb'<c r="F3"\1><v>NaN</v></c>', parts[sheet])
    assert count == 1
    with zipfile.ZipFile(template, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(InputError) as exc:
        check_returns(template, commitments, params.periods)
    (problem,) = exc.value.problems
    assert (problem.sheet, problem.row, problem.column) == (RETURNS_SHEET, 3, "Quantity delivered")
    assert "cell F3 holds 'NaN', which is not a finite number" in problem.message
    assert "int()" not in str(exc.value) and "damaged" not in str(exc.value)
