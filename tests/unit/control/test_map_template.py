"""`sroi template impact-map`: the workbook an analyst fills in Excel, read back by `sroi value` as the same map."""

import csv
import json

import pytest
from openpyxl import load_workbook

from sroi_lib.cli import main
from sroi_lib.control.map_template import (GUIDE_SHEET, MAP_SHEET, PERCENT_FORMAT, PROXIES_SHEET, TEMPLATE_ROWS,
                                           column_label, write_map_template)
from sroi_lib.errors import InputError
from sroi_lib.io.cells import normalise_header
from sroi_lib.io.impact_map import IMPACT_MAP_COLUMNS, PICK_SEPARATOR
from sroi_lib.proxies.library import shipped_library
from tests.conftest import EXAMPLES, write_csv

MAPS = sorted(EXAMPLES.glob("*/impact_map.csv"))
KINDS = {c.name: c.kind for c in IMPACT_MAP_COLUMNS}


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return write_map_template(tmp_path_factory.mktemp("template") / "map.xlsx", shipped_library())


def typed(name: str, text: str):
    """A CSV cell as an analyst types it in Excel: percentages as Excel percentages, numbers as numbers."""
    if text.strip() == "":
        return None
    kind = KINDS[name]
    if kind == "fraction":
        assert text.endswith("%"), text
        return float(text[:-1]) / 100
    if kind in ("number", "money"):
        return float(text)
    if kind == "whole":
        return int(text)
    return text


def fill(template, rows: list[dict], path):
    """Fill the template's map sheet with ``rows`` (CSV records), as an analyst would in Excel."""
    wb = load_workbook(template)
    ws = wb[MAP_SHEET]
    position = {normalise_header(cell.value): cell.column for cell in ws[1]}
    picker = {str(entry).split(PICK_SEPARATOR)[0]: entry for (entry,) in
              wb[PROXIES_SHEET].iter_rows(min_row=2, min_col=12, max_col=12, values_only=True)}
    for r, record in enumerate(rows, start=2):
        for name, text in record.items():
            value = (picker.get(text, text) or None) if name == "proxy_id" else typed(name, text)  # from the list
            cell = ws.cell(row=r, column=position[name], value=value)
            if KINDS[name] == "fraction":
                assert cell.number_format == PERCENT_FORMAT  # the template formats the cell as a percentage
    wb.save(path)
    return path


def value_json(capsys, impact_map, inputs):
    code, out, err = sroi(capsys, "value", impact_map, "--inputs", inputs, "--json")
    assert code == 0, err
    return json.loads(out)


def test_every_header_reads_back_as_its_column_and_has_a_note(template):
    ws = load_workbook(template)[MAP_SHEET]
    headers = [cell.value for cell in ws[1]]
    assert headers == [column_label(c) for c in IMPACT_MAP_COLUMNS]
    assert [normalise_header(h) for h in headers] == [c.name for c in IMPACT_MAP_COLUMNS]
    for cell in ws[1]:
        assert cell.comment is not None and len(cell.comment.text) > 20, cell.value
    assert ws.freeze_panes == "C2"


def test_the_data_validations_are_in_the_workbook(template):
    wb = load_workbook(template)
    ws = wb[MAP_SHEET]
    letter = {normalise_header(cell.value): cell.column_letter for cell in ws[1]}
    rules = {}
    for dv in ws.data_validations.dataValidation:
        for cells in dv.sqref.ranges:
            rules[cells.coord] = dv
    span = lambda name: f"{letter[name]}2:{letter[name]}{TEMPLATE_ROWS + 1}"  # noqa: E731
    assert set(rules) == {span(c.name) for c in IMPACT_MAP_COLUMNS}, "every column has a validation with its note"
    assert all(dv.showInputMessage and dv.prompt for dv in rules.values())

    picker = rules[span("proxy_id")]
    assert picker.type == "list" and picker.showErrorMessage
    sheet, cells = picker.formula1.split("!")
    assert sheet == f"'{PROXIES_SHEET}'"
    listed = [c.value for c in wb[PROXIES_SHEET][cells.replace("$", "")] for c in c]
    # each entry is the id with its name, unit and value, and the reader takes the id back out
    assert [entry.split(PICK_SEPARATOR)[0] for entry in listed] == sorted(shipped_library().ids)
    wellby_entry = next(e for e in listed if e.startswith("hw-wellby-central" + PICK_SEPARATOR))
    assert wellby_entry == "hw-wellby-central — WELLBY, central value (per WELLBY, £16,027.91 in 2024 prices)"
    levy = next(e for e in listed if e.startswith("ec-climate-change-levy-electricity-2024" + PICK_SEPARATOR))
    assert levy.endswith("£0.00775 in 2024 prices)")
    proxies = wb[PROXIES_SHEET]
    assert [c.value for c in proxies[1]][:6] == ["Proxy id", "Name", "Unit", "Value (£)", "Price year",
                                                 "Value in 2024 prices (£)"]
    gp = next(row for row in proxies.iter_rows(min_row=2, values_only=True) if row[0] == "hw-wellby-central")
    wellby = shipped_library()["hw-wellby-central"]
    assert gp[1:5] == (wellby.name, wellby.unit, wellby.value, wellby.price_year)

    for name in ("deadweight", "displacement", "attribution", "drop_off"):
        dv = rules[span(name)]
        assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0", "1"), name
        assert ws[f"{letter[name]}2"].number_format == PERCENT_FORMAT
    assert rules[span("value_type")].formula1 == '"fiscal,economic,social"'
    assert (rules[span("duration")].type, rules[span("duration")].formula2) == ("whole", "300")
    assert (rules[span("price_year")].formula1, rules[span("price_year")].formula2) == ("1990", "2024")
    assert rules[span("quantity")].operator == "greaterThanOrEqual"
    assert GUIDE_SHEET in wb.sheetnames and wb.sheetnames[0] == MAP_SHEET


def test_the_empty_template_is_refused_plainly(capsys, template):
    code, _, err = sroi(capsys, "value", template, "--investment", "1000")
    assert code == 2 and "has a header but no data rows" in err and "Traceback" not in err


@pytest.mark.parametrize("impact_map", MAPS, ids=[m.parent.name for m in MAPS])
def test_a_filled_template_values_exactly_as_the_same_map_in_csv(capsys, tmp_path, template, impact_map):
    with open(impact_map, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    filled = fill(template, rows, tmp_path / "filled.xlsx")
    inputs = impact_map.parent / "inputs.csv"
    from_xlsx, from_csv = value_json(capsys, filled, inputs), value_json(capsys, impact_map, inputs)
    # the template's own proxy list and guide are expected beside the map: no note about other sheets
    assert from_xlsx == from_csv


def test_a_proxy_id_not_in_the_library_is_refused_naming_sheet_row_and_column(capsys, tmp_path, template):
    rows = [{"stakeholder": "Residents", "outcome": "Into work", "quantity": "10", "duration": "1",
             "proxy_id": "hw-wellby-central"},
            {"stakeholder": "Patients", "outcome": "Fewer GP visits", "quantity": "10", "duration": "1",
             "proxy_id": "hw-wellby-centrl"}]
    filled = fill(template, rows, tmp_path / "filled.xlsx")
    code, out, err = sroi(capsys, "value", filled, "--investment", "1000")
    assert code == 2 and out == "" and "Traceback" not in err
    assert (f"filled.xlsx, sheet '{MAP_SHEET}', row 3, column 'Proxy id': proxy 'hw-wellby-centrl' is not in the "
            "proxy library. Did you mean 'hw-wellby-central'?") in err
    assert "row 2" not in err


def test_the_command_writes_the_template_and_refuses_a_bad_output(capsys, tmp_path):
    own = write_csv(tmp_path / "own.csv", [{
        "proxy_id": "my-own-proxy", "name": "My own proxy", "outcome": "Something better", "unit": "per person",
        "value": "12.5", "price_year": "2023", "theme": "health and care", "source": "Our study",
        "source_url": "https://example.org/study", "licence": "Open Government Licence v3.0"}])
    code, out, err = sroi(capsys, "template", "impact-map", "-o", tmp_path / "map.xlsx", "--proxies", own)
    assert code == 0 and "map.xlsx" in out and f"offers {len(shipped_library()) + 1} proxies" in out
    assert "my-own-proxy" in [c.value for c in load_workbook(tmp_path / "map.xlsx")[PROXIES_SHEET]["A"]]
    code, _, err = sroi(capsys, "template", "impact-map", "-o", tmp_path / "map.csv")
    assert code == 2 and "must be a .xlsx file" in err


def test_library_text_that_looks_like_a_formula_is_stored_as_text(tmp_path):
    library = shipped_library()
    table = library.table.copy()
    table.loc[0, "name"] = "=HYPERLINK(\"http://x\")"
    path = write_map_template(tmp_path / "map.xlsx", type(library)(table))
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
    assert any(c.value == "=HYPERLINK(\"http://x\")" and c.quotePrefix for c in wb[PROXIES_SHEET]["B"])


def test_a_template_refuses_to_be_written_over_a_folder(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        write_map_template(tmp_path, shipped_library())
