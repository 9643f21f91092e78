"""`sroi new CONTRACT_ID`: a parameters file with every key explained, an impact map workbook and an inputs file,
which value once the map has a line and the inputs a row."""

from __future__ import annotations

import json

import pytest
import yaml
from openpyxl import load_workbook

from sroi_lib.cli import main
from sroi_lib.control.map_template import MAP_SHEET
from sroi_lib.core import council
from sroi_lib.errors import InputError
from sroi_lib.io.impact_map import INPUT_COLUMNS, read_inputs
from sroi_lib.reports.contract import contract_results, load_contract
from sroi_lib.reports.params import KEYS, load_params
from sroi_lib.reports.scaffold import INPUTS_FILE, MAP_FILE, new_contract, parameters_text


@pytest.fixture(autouse=True)
def shipped_default(monkeypatch):
    monkeypatch.delenv(council.FRAMEWORK_VARIABLE, raising=False)


def sroi(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def fill_one_line(folder):
    """What an analyst does first: one outcome line in the map (a proxy picked), the example input kept."""
    path = folder / MAP_FILE
    wb = load_workbook(path)
    ws = wb[MAP_SHEET]
    header = [c.value for c in ws[1]]
    line = {"Stakeholder": "Food bank users", "Outcome": "Less anxiety about money", "Quantity": 40,
            "Duration": 1, "Proxy id": "hw-wellby-central", "Deadweight": 0.3, "Attribution": 0.2,
            "Evidence": "Test: 40 people, a survey before and after"}
    for col, name in enumerate(header, start=1):
        if name in line:
            ws.cell(row=2, column=col, value=line[name])
    wb.save(path)
    inputs = folder / INPUTS_FILE
    inputs.write_text(inputs.read_text(encoding="utf-8").replace("# The council,", "The council,"), encoding="utf-8")


def test_every_parameters_key_is_written_with_a_comment():
    text = parameters_text("lcc-food-bank", price_year=2024)
    lines = text.splitlines()
    for key, (_, required, help_) in KEYS.items():
        # The comment (the key's help from the KEYS table), then the key: set when required, else commented out.
        [at] = [i for i, ln in enumerate(lines) if ln.startswith(f"# {key} - {help_.rstrip('.')}.")]
        assert lines[at + 1].startswith(f"{key}:" if required else f"# {key}:"), key
    raw = yaml.safe_load(text)
    assert set(raw) == {k for k, (_, required, _) in KEYS.items() if required}  # optional keys commented out
    assert raw["contract_id"] == "lcc-food-bank" and raw["analysis_type"] == "forecast"
    assert "# price_year: 2024" in lines and "# discounting: green-book" in lines
    assert "now best_city_ambition (set in data/settings.yaml or SROI_FRAMEWORK)" in text


def test_each_commented_key_loads_when_uncommented(tmp_path):
    # Removing the # from any one optional key still gives a file that loads (or, for a key that needs
    # another, one that says which); here every key that stands alone.
    new_contract("lcc-food-bank", tmp_path)
    path = tmp_path / "lcc-food-bank.yaml"
    text = path.read_text(encoding="utf-8")
    for key in ("price_year", "discounting", "first_year_discounted", "drop_off_first_year", "framework",
                "illustrative", "rag_green", "rag_amber", "description", "uncertainty", "scenarios"):
        path.write_text(text.replace(f"\n# {key}:", f"\n{key}:"), encoding="utf-8")
        load_params(path)


def test_the_scaffold_loads_and_values_once_one_line_is_filled(tmp_path, capsys):
    code, out, err = sroi(capsys, "new", "lcc-food-bank", "--dir", tmp_path / "food")
    assert code == 0 and err == ""
    folder = tmp_path / "food"
    assert sorted(p.name for p in folder.iterdir()) == ["impact_map.xlsx", "inputs.csv", "lcc-food-bank.yaml"]
    params = load_params(folder / "lcc-food-bank.yaml")  # loads as written
    assert params.impact_map == folder / MAP_FILE and params.inputs == folder / INPUTS_FILE
    assert f"sroi value {folder / MAP_FILE} --inputs {folder / INPUTS_FILE}" in out
    assert f"sroi run {folder / 'lcc-food-bank.yaml'} --out reports" in out
    with pytest.raises(InputError, match="no data rows"):  # the example input is a comment until it is used
        read_inputs(folder / INPUTS_FILE)

    fill_one_line(folder)
    run = load_contract(folder / "lcc-food-bank.yaml")
    assert len(run.valuation.lines) == 1 and run.valuation.total_inputs == 85_000
    assert run.valuation.lines["proxy_id"].tolist() == ["hw-wellby-central"]
    assert run.framework.name == "best_city_ambition"  # the council's default
    (table, column, title), = [b for b in run.value_breakdowns() if "pillar" in b[2]]
    assert column == "best_city_ambition" and title == "Present value by Leeds Best City Ambition pillar"
    assert table["present_value"].sum() == pytest.approx(run.valuation.present_value)
    code, out, err = sroi(capsys, "value", folder / MAP_FILE, "--inputs", folder / INPUTS_FILE)
    assert code == 0 and "SROI ratio" in out and "Value by Leeds Best City Ambition" in out
    assert "comment" not in err  # the example row, its # removed, is the only row


def test_the_inputs_file_has_the_header_and_a_commented_example(tmp_path):
    new_contract("x", tmp_path)
    lines = (tmp_path / INPUTS_FILE).read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(c.name for c in INPUT_COLUMNS)
    assert lines[1:] == ["# The council,Grant paid at the start of the contract,85000,0"]


def test_framework_none_is_written_and_values_with_no_framework(tmp_path, capsys):
    code, _, _ = sroi(capsys, "new", "lcc-food-bank", "--dir", tmp_path, "--framework", "none")
    assert code == 0
    assert "\nframework: none\n" in (tmp_path / "lcc-food-bank.yaml").read_text(encoding="utf-8")
    fill_one_line(tmp_path)
    run = load_contract(tmp_path / "lcc-food-bank.yaml")
    assert run.framework is None  # the report shows no pillar table or chart
    results = contract_results(run)
    assert results["framework"] is None and "best_city_ambition" not in results["breakdowns"]
    assert "framework" not in run.files_used()
    assert [title for _, _, title in run.value_breakdowns()] == ["Present value by stakeholder",
                                                                 "Present value by value type"]
    json.dumps(results, allow_nan=False)


def test_a_framework_file_is_written_relative_to_the_parameters(tmp_path, capsys, monkeypatch):
    own = tmp_path / "frameworks" / "ours.yaml"
    own.parent.mkdir()
    own.write_text("name: ours\ngroups:\n  Fairer city: [wellbeing, health and care]\n")
    monkeypatch.chdir(tmp_path)
    code, _, _ = sroi(capsys, "new", "c1", "--dir", "contracts/c1", "--framework", "frameworks/ours.yaml")
    assert code == 0
    assert "\nframework: ../../frameworks/ours.yaml\n" in (tmp_path / "contracts/c1/c1.yaml").read_text()
    fill_one_line(tmp_path / "contracts" / "c1")
    assert load_contract(tmp_path / "contracts/c1/c1.yaml").framework.name == "ours"


def test_the_default_folder_is_named_after_the_contract(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = sroi(capsys, "new", "lcc-food-bank")
    assert code == 0 and out.startswith("A new contract, lcc-food-bank, written in lcc-food-bank:")
    assert (tmp_path / "lcc-food-bank" / "lcc-food-bank.yaml").is_file()


@pytest.mark.parametrize("bad", ["Food Bank", "food_bank", "food!", "", "a" * 64, "food/../bank", "fööd"])
def test_an_unusable_id_is_refused_and_nothing_is_written(tmp_path, capsys, bad):
    code, out, err = sroi(capsys, "new", bad, "--dir", tmp_path / "out")
    assert code == 2 and out == ""
    assert "is not a usable contract id. Use lower-case letters, digits and hyphens" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_an_id_starting_with_a_hyphen_is_refused(tmp_path):
    with pytest.raises(InputError, match="'-food' is not a usable contract id"):
        new_contract("-food", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_nothing_is_overwritten(tmp_path, capsys):
    (tmp_path / INPUTS_FILE).write_text("stakeholder,description,value\nMine,Grant,10\n")
    code, out, err = sroi(capsys, "new", "c1", "--dir", tmp_path)
    assert code == 2 and out == ""
    assert f"{tmp_path / INPUTS_FILE} already exists, and `sroi new` never replaces a file" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [INPUTS_FILE]  # nothing else written either
    assert (tmp_path / INPUTS_FILE).read_text() == "stakeholder,description,value\nMine,Grant,10\n"


def test_a_wrong_framework_or_folder_is_refused(tmp_path, capsys):
    code, _, err = sroi(capsys, "new", "c1", "--dir", tmp_path / "a", "--framework", "best_city")
    assert code == 2 and "--framework: There is no framework called 'best_city'" in err
    assert not (tmp_path / "a").exists()
    (tmp_path / "file").write_text("x")
    code, _, err = sroi(capsys, "new", "c1", "--dir", tmp_path / "file")
    assert code == 2 and "file: is a file, not a folder. Give --dir a folder." in err


def test_the_scaffold_follows_the_parameters_table(monkeypatch):
    # A key added to the KEYS table appears in the scaffold with its comment, with no change here.
    monkeypatch.setitem(KEYS, "conclusions", (str, False, "what the valuation shows, and what to do next"))
    text = parameters_text("x")
    assert "# conclusions - what the valuation shows, and what to do next.\n# conclusions:\n" in text
    monkeypatch.setitem(KEYS, "owner", (str, True, "who answers for the figures"))
    assert "# owner - who answers for the figures.\nowner: 'To fill in: who answers for the figures'\n" \
        in parameters_text("x")
