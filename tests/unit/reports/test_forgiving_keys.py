"""Keys forgive case, spaces and hyphens inside the uncertainty and scenarios sections, as the parameters' own keys
and impact map columns do; every YAML file's problems are placed as "line N, key K"; a YAML syntax error names the
key its line is under."""

from __future__ import annotations

import pytest
import yaml

from sroi_lib.core.frameworks import load_framework
from sroi_lib.errors import InputError, Problem
from sroi_lib.paths import key_at_line, parse_yaml
from sroi_lib.reports.contract import load_contract
from sroi_lib.reports.params import load_params
from sroi_lib.reports.uncertainty import parse_uncertainty
from tests.conftest import EXAMPLES
from tests.unit.reports.test_uncertainty_params import BRIEF, INPUT_ROWS, ROWS

# BRIEF (the agreed format) with its keys written as people write them; the names they chose are left alone
SPELLINGS = [("target_ratio:", "Target Ratio:"), ("sensitivity:", "Sensitivity:"), ("monte_carlo:", "Monte-Carlo:"),
             ("chunk_size:", "chunk size:"), ("distributions:", "Distributions:"), ("- row:", "- Row:"),
             ("{distribution:", "{Distribution:"), ("sd_log:", "SD-log:"), ("quantity_change:", "Quantity Change:"),
             ("without_inputs:", "WITHOUT_INPUTS:"), ("start_year:", "start-year:"), ("deadweight:", "DeadWeight:")]


def spelt(text: str) -> str:
    for old, new in SPELLINGS:
        assert old in text, old
        text = text.replace(old, new)
    return text


def parse(tmp_path, text):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return parse_uncertainty(yaml.safe_load(text), params_file=path, impact_map_rows=ROWS, input_rows=INPUT_ROWS,
                             input_values=(100_000, 20_000))


def refused(call) -> list[Problem]:
    with pytest.raises(InputError) as exc:
        call()
    return exc.value.problems


def test_the_sections_keys_forgive_their_spelling(tmp_path):
    assert parse(tmp_path, spelt(BRIEF)) == parse(tmp_path, BRIEF)


def test_one_key_written_two_ways_in_a_section_names_both_lines(tmp_path):
    text = "scenarios:\n  lower:\n    quantity_change: -10%\n    Quantity-Change: -20%\n"
    [p] = refused(lambda: parse(tmp_path, text))
    assert str(p) == ("p.yaml, line 4, key 'scenarios → lower → Quantity-Change': 'Quantity-Change' (line 4) and "
                      "'quantity_change' (line 3) are the same key, 'quantity_change', given twice. Keep one of them.")


def test_an_unknown_key_in_a_section_is_named_with_the_nearest_known_one(tmp_path):
    [p] = refused(lambda: parse(tmp_path, "uncertainty:\n  Monte Carlo:\n    Draw: 100\n"))
    assert str(p) == ("p.yaml, line 3, key 'uncertainty → monte_carlo → Draw': 'Draw' is not a parameter sroi knows "
                      "here. Did you mean 'draws'?")


def test_problems_under_a_forgiven_section_keep_their_lines(tmp_path):
    # the sections' lines are found under the names they are read as, before and after the map is read
    text = _care_params()
    text += "Scenarios:\n  fewer:\n    Lines: {99: {Quantity: 1}}\nUncertainty:\n  Monte Carlo: {Draws: 0}\n"
    path = tmp_path / "care.yaml"
    path.write_text(text)
    lines = text.splitlines()
    [draws] = refused(lambda: load_params(path))
    assert str(draws).startswith(f"care.yaml, line {len(lines)}, key 'uncertainty → monte_carlo → draws': 0 is not")
    path.write_text(text.replace("{Draws: 0}", "{Draws: 10}"))
    [row] = refused(lambda: load_contract(path))
    assert str(row).startswith(f"care.yaml, line {len(lines) - 2}, key 'scenarios → fewer → lines → 99': row 99 is "
                               "not a row of the impact map")


# -- every YAML file says "line" and "key" ----------------------------------------------------------------------

def test_problems_in_yaml_files_say_line_and_key_and_tables_still_say_row_and_column():
    assert str(Problem("is empty", file="p.yaml", row=3, column="title")) == "p.yaml, line 3, key 'title': is empty"
    assert str(Problem("x", file="theme.YML", row=2)) == "theme.YML, line 2: x"
    assert str(Problem("is empty", file="map.csv", row=3, column="outcome")) == "map.csv, row 3, column 'outcome': is empty"
    assert (str(Problem("x", file="map.xlsx", sheet="Impact map", row=3, column="outcome"))
            == "map.xlsx, sheet 'Impact map', row 3, column 'outcome': x")


def test_a_scenarios_file_beside_the_parameters_says_line_and_key(tmp_path):
    params = tmp_path / "care.yaml"
    params.write_text(_care_params())
    (tmp_path / "care.scenarios.yaml").write_text("# saved\nlower:\n  quantity_change: lots\n")
    [p] = refused(lambda: load_params(params))
    assert str(p).startswith("care.scenarios.yaml, line 3, key 'lower → quantity_change': 'lots' is not a percentage")


def test_a_framework_file_says_line_and_key(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\ntitle: Mine\ngroups:\n  People: [a]\n  people: [a]\n  People: [b]\n")
    [p] = refused(lambda: load_framework(path))
    assert str(p).startswith("mine.yaml, line 6, key 'People': gives the key 'People' twice (lines 4 and 6)")


# -- a syntax error names its line and the key it is under ------------------------------------------------------

@pytest.mark.parametrize("text, line, key, words", [
    ("title: Care\ndescription: a: b\n", 2, "description", "mapping values are not allowed here"),
    ("uncertainty:\n  sensitivity:\n    quantity: 25%\n   value: 10%\n", 4, "uncertainty → sensitivity → value",
     "expected <block end>"),
    ('title: "Care at home\nprice_year: 2024\n', 1, "title", "the quoted text opened on this line is not closed"),
    ("a:\n  - row: 2\n    deadweight: {low: 1, high: 2\n  - row: 3\n", 3, "a → deadweight",
     "the mapping opened with { on this line is not closed"),
    ("x: 1\n\tb: 2\n", 2, "x → b", "cannot start any token"),  # a tab indents b under x, as meant
])
def test_a_syntax_error_names_the_line_and_the_key_it_is_under(text, line, key, words):
    [p] = refused(lambda: parse_yaml(text, "p.yaml", "parameters file"))
    assert (p.row, p.column) == (line, key) and words in p.message
    assert str(p).startswith(f"p.yaml, line {line}, key '{key}': the parameters file is not valid YAML (")


def test_a_line_under_no_key_names_none():
    assert key_at_line("- 1\n- [\n", 2) is None
    assert key_at_line("# a comment\ntitle: x\n", 1) is None
    assert key_at_line("groups:\n  # people first\n  People: [a\n", 3) == "groups → People"


def _care_params() -> str:
    """The care at home example's parameters with absolute paths and no scenarios of its own."""
    root = (EXAMPLES / ".." / "..").resolve()
    text = (root / "parameters" / "lcc-care-at-home.yaml").read_text()
    for key in ("impact_map", "inputs", "commitments", "returns", "proxies"):
        text = text.replace(f"{key}: ../", f"{key}: {root}/")
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith(("uncertainty:", "scenarios:")):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        skipping = False
        kept.append(line)
    return "\n".join(kept) + "\n"
