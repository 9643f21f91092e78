"""Write the illustrative suppliers' returns workbooks in data/examples/<contract>/returns.xlsx.

Each is the template `sroi template returns` makes, filled in with made-up
quantities: highways maintenance is behind on every measure (red), care at home
a little behind (amber), the housing retrofit ahead (green). Run from the
repository root:  .venv/bin/python data/examples/make_returns.py
"""

from pathlib import Path

from openpyxl import load_workbook

from sroi_lib.control.returns import EVIDENCE_COL, QUANTITY_COL, RETURNS_SHEET, write_template
from sroi_lib.reports.contract import contract_commitments

ROOT = Path(__file__).resolve().parent.parent.parent
DELIVERED = {  # contract: {measure: quantities for the first quarters}
    "lcc-highways-maintenance": {"EMP1": [4100, 3900, 4300], "APP1": [1500, 1800, 2000], "CO2": [60, 70, 80]},
    "lcc-care-at-home": {"EMP1": [13500, 13000, 12600], "FAL1": [14, 12, 13]},
    "lcc-housing-retrofit": {"HOM1": [60, 64, 70], "CO2": [48, 52, 57]},
}

for contract, delivered in DELIVERED.items():
    (ROOT / "data" / "examples" / contract / "returns.xlsx").touch()  # the parameters name it; it is rewritten below
    params, commitments = contract_commitments(ROOT / "parameters" / f"{contract}.yaml")
    path = write_template(params.returns, params, commitments, params.periods)
    wb = load_workbook(path)
    ws = wb[RETURNS_SHEET]
    quarter_of = {p: i for i, p in enumerate(params.periods)}
    for row in ws.iter_rows(min_row=2):
        period, measure = row[0].value, row[1].value
        i = quarter_of[period]
        if i < len(delivered[measure]):
            row[QUANTITY_COL - 1].value = delivered[measure][i]
            row[EVIDENCE_COL - 1].value = f"ILLUSTRATIVE-{measure}-{period}"
    wb.save(path)
    print(f"wrote {path.relative_to(ROOT)}")
