"""The returns template stores formula-like text as text; returns workbooks of the wrong kind are named accurately."""

import pandas as pd
import pytest
from openpyxl import load_workbook

from sroi_lib.control.returns import check_returns, write_template
from sroi_lib.errors import InputError


class Params:
    title = "=cmd|' /C calc'!A0"
    contract_id = "c-1"
    supplier = "@Supplier"
    directorate = "-Adults"


def test_the_template_never_holds_a_formula_and_still_checks_clean(tmp_path):
    commitments = pd.DataFrame({"measure": ["=M1"], "description": ["+Hours"], "unit": ["-hours"],
                                "committed_per_period": [10.0], "proxy_id": ["x"]})
    path = write_template(tmp_path / "r.xlsx", Params(), commitments, ["2025-Q1"])
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
    assert wb["Returns"]["B2"].value == "=M1" and wb["Returns"]["B2"].quotePrefix
    ws = wb["Returns"]
    ws.protection.sheet = False
    ws["F2"] = 5
    wb.save(path)
    rows = check_returns(path, commitments, ["2025-Q1"])
    assert rows["measure"].tolist() == ["=M1"] and rows["quantity"].tolist() == [5.0]


@pytest.mark.parametrize("data, words", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "EncryptionInfo".encode("utf-16-le"), "password"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "97-2003"),
    (b"Quarter,Measure\n", "renamed"),
])
def test_returns_of_the_wrong_kind_are_named_accurately(tmp_path, data, words):
    path = tmp_path / "r.xlsx"
    path.write_bytes(data)
    with pytest.raises(InputError, match=words):
        check_returns(path, pd.DataFrame({"measure": ["M1"]}), ["2025-Q1"])


def test_the_template_refuses_a_folder_as_output(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        write_template(tmp_path, Params(), pd.DataFrame(columns=["measure"]), [])
