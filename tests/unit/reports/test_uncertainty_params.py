"""The parameters' uncertainty and scenarios sections: read into the core's objects, every bad input refused
naming the file, the line and the parameter's path; scenarios saved beside the parameters, read with them and
covered by the manifest; the analysis carried into results.json."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from sroi_lib.core.uncertainty import MAX_DRAWS, Distribution, Model, tipping_points
from sroi_lib.errors import InputError
from sroi_lib.paths import reference_file
from sroi_lib.reports.contract import contract_results, load_contract
from sroi_lib.reports.params import load_params, parameters_files
from sroi_lib.reports.uncertainty import (DEFAULT_SEED, MAX_CHUNK, UncertaintySpec, analyse, parse_uncertainty,
                                          save_scenario, scenarios_file_for, yaml_lines)
from tests.conftest import EXAMPLES, ROOT

ROWS = [2, 3, 4, 5, 6, 7, 8]  # the care at home example's impact map
INPUT_ROWS = [2, 3]

BRIEF = """\
uncertainty:
  target_ratio: 1.5
  sensitivity:
    quantity: 20%
    value: 0.3
    adjustments: 10%
    duration: 50%
    start_year: 2
    inputs: 10%
    discounting: [reduced-rate, 1.5%]
  monte_carlo:
    draws: 5000
    seed: 42
    chunk_size: 250
    correlations: {falls: 0.6}
    distributions:
      - row: 2
        quantity: {distribution: triangular, low: 40, mode: 60, high: 70}
        deadweight: {distribution: pert, low: 20%, mode: 30%, high: 45%, group: falls}
      - row: 3
        deadweight: {distribution: uniform, low: 0.2, high: 0.4, group: falls}
        value: {distribution: normal, mean: "£16,000", sd: 2000, low: 10000, high: 20000}
        duration: {distribution: fixed, value: 2}
      - row: 8
        quantity: {distribution: lognormal, median: 56000, sd_log: 0.1}
      - inputs: {distribution: triangular, low: 100%, mode: 100%, high: 124%}
scenarios:
  pessimistic: {description: "20% fewer outcomes", quantity_change: -20%, adjustments_change: 10%}
  without in-kind inputs: {without_inputs: [3]}
  Green Book lower rates: {discounting: reduced-rate}
  optimism bias: {optimism_bias: standard-buildings}
  what-if from the bench: {lines: {2: {quantity: 45, deadweight: 35%}, 8: {duration: 2}}}
"""


def write(tmp_path, text, name="p.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def parse(tmp_path, text, rows=ROWS, inputs=INPUT_ROWS, values=(100_000, 20_000), **kw):
    path = write(tmp_path, text)
    return parse_uncertainty(yaml.safe_load(text) or {}, params_file=path, impact_map_rows=rows, input_rows=inputs,
                             input_values=values, **kw)


def refused(tmp_path, text, **kw):
    with pytest.raises(InputError) as exc:
        parse(tmp_path, text, **kw)
    return exc.value.problems


# -- happy paths -----------------------------------------------------------------------------------------------

def test_the_agreed_format_is_read_into_the_core_objects(tmp_path):
    spec = parse(tmp_path, BRIEF)
    assert spec.target == 1.5
    assert spec.ranges == {"quantity": 0.2, "value": 0.3, "adjustments": 0.1, "duration": 0.5, "start_year": 2,
                           "inputs": 0.1, "discounting": ("reduced-rate", "1.5%")}
    assert (spec.draws, spec.seed, spec.chunk_size, spec.correlations) == (5000, 42, 250, {"falls": 0.6})
    got = {(u.assumption, u.line): (u.distribution, u.group) for u in spec.uncertain}
    # rows of the impact map become line positions: row 2 is line 0, row 8 line 6; inputs have no line
    assert got[("quantity", 0)] == (Distribution("triangular", low=40, mode=60, high=70), None)
    assert got[("deadweight", 0)] == (Distribution("pert", low=0.2, mode=0.3, high=0.45), "falls")
    assert got[("deadweight", 1)] == (Distribution("uniform", low=0.2, high=0.4), "falls")
    assert got[("value", 1)] == (Distribution("normal", mean=16_000, sd=2000, low=10_000, high=20_000), None)
    assert got[("duration", 1)] == (Distribution("fixed", value=2), None)
    assert got[("quantity", 6)] == (Distribution("lognormal", median=56_000, sd_log=0.1), None)
    assert got[("inputs", None)] == (Distribution("triangular", low=1.0, mode=1.0, high=1.24), None)
    s = {x.name: x for x in spec.scenarios}
    assert list(s) == ["pessimistic", "without in-kind inputs", "Green Book lower rates", "optimism bias",
                       "what-if from the bench"]
    assert (s["pessimistic"].quantity_change, s["pessimistic"].adjustments_change) == (-0.2, 0.1)
    assert s["pessimistic"].description == "20% fewer outcomes"
    assert s["without in-kind inputs"].without_inputs == (1,)  # inputs row 3 is the second input
    assert s["Green Book lower rates"].discounting == "reduced-rate"
    assert s["what-if from the bench"].lines == {0: {"quantity": 45.0, "deadweight": 0.35}, 6: {"duration": 2}}
    ob = s["optimism bias"]
    assert ob.inputs_change == 0.24  # the capital expenditure upper bound for standard buildings
    assert "capital expenditure" in ob.description and "standard buildings" in ob.description
    assert spec.files == {"optimism_bias": reference_file("optimism_bias.yaml")}


def test_outsourcing_takes_the_operating_expenditure_bound_and_says_so(tmp_path):
    spec = parse(tmp_path, "scenarios:\n  ob: {description: Care contract, optimism_bias: Outsourcing}\n")
    [s] = spec.scenarios
    assert s.inputs_change == 0.41
    assert s.description.startswith("Care contract (every input × 1.41") and "operating expenditure" in s.description


def test_absent_or_empty_sections_give_the_defaults(tmp_path):
    assert parse(tmp_path, "title: x\n") == UncertaintySpec()
    assert parse(tmp_path, "uncertainty:\nscenarios:\n") == UncertaintySpec()
    spec = parse(tmp_path, "uncertainty: {monte_carlo: {distributions: []}}\n")
    assert spec.uncertain == () and spec.seed == DEFAULT_SEED


def test_a_percentage_and_its_fraction_are_the_same(tmp_path):
    a = parse(tmp_path, "uncertainty: {sensitivity: {adjustments: 12.5%}}\nscenarios: {x: {value_change: -5%}}\n")
    b = parse(tmp_path, "uncertainty: {sensitivity: {adjustments: 0.125}}\nscenarios: {x: {value_change: -0.05}}\n")
    assert a == b and a.ranges["adjustments"] == 0.125 and a.scenarios[0].value_change == -0.05


def test_inputs_multiplier_as_percentage_or_number(tmp_path):
    a = parse(tmp_path, "uncertainty: {monte_carlo: {distributions: [{inputs: {distribution: uniform, low: 90%, "
                        "high: 250%}}]}}\n")
    b = parse(tmp_path, "uncertainty: {monte_carlo: {distributions: [{inputs: {distribution: uniform, low: 0.9, "
                        "high: 2.5}}]}}\n")
    assert a.uncertain == b.uncertain and a.uncertain[0].distribution.high == 2.5


def test_form_only_when_the_map_is_not_read_yet(tmp_path):
    """load_params checks the form before the map is read: any row is taken."""
    spec = parse(tmp_path, "scenarios: {x: {lines: {99: {quantity: 1}}, without_inputs: 9}}\n", rows=None,
                 inputs=None, values=None)
    assert spec.scenarios[0].lines == {99: {"quantity": 1.0}} and spec.scenarios[0].without_inputs == (9,)


def test_every_distribution_fixed_at_the_central_values_reproduces_the_deterministic_ratio():
    run = load_contract(ROOT / "parameters" / "lcc-care-at-home.yaml")
    model = Model.from_valuation(run.valuation)
    text = {"uncertainty": {"monte_carlo": {"draws": 500, "chunk_size": 77, "distributions": [
        {"row": int(r), "quantity": {"distribution": "fixed", "value": float(q)},
         "deadweight": {"distribution": "fixed", "value": float(d)}}
        for r, q, d in zip(model.rows, model.quantity, model.deadweight)]}}}
    spec = parse_uncertainty(text, params_file="fixed.yaml", impact_map_rows=list(model.rows), lines={})
    s = analyse(model, spec).monte_carlo.summary()
    assert s["p5"] == s["p50"] == s["p95"] == run.valuation.sroi_ratio  # exactly
    assert s["present_value"]["p50"] == run.valuation.present_value
    assert s["mean"] == pytest.approx(run.valuation.sroi_ratio, rel=1e-14)  # a sum of 500 equal numbers, ÷ 500


def test_yaml_lines_gives_each_key_and_item():
    lines = yaml_lines(b"a:\n  b:\n    - x: 1\n    - y: 2\n")
    assert lines[("a",)] == 1 and lines[("a", "b")] == 2 and lines[("a", "b", 1)] == 4 and lines[("a", "b", 1, "y")] == 4
    assert yaml_lines(b"a: [") == {}


# -- bad input: each refused naming the file, the line and the parameter's path -------------------------------

MC = "uncertainty:\n  monte_carlo:\n    correlations: {falls: 0.6}\n    distributions:\n"
ITEM = MC + "      - row: 2\n"
CASES = [
    # (yaml, the parameter's path, words in the message or fix, text on the line it names)
    ("uncertainty:\n  sensitivty: {quantity: 10%}\n", "uncertainty → sensitivty",
     ["not a parameter sroi knows here", "Did you mean 'sensitivity'?"], "sensitivty"),
    ("uncertainty:\n  monte_carlo: {draw: 10}\n", "uncertainty → monte_carlo → draw", ["Did you mean 'draws'?"],
     "draw"),
    (ITEM + "        deadwieght: {distribution: pert, low: 1%, mode: 2%, high: 3%, group: falls}\n",
     "uncertainty → monte_carlo → distributions → item 1 → deadwieght", ["Did you mean 'deadweight'?"], "deadwieght"),
    (ITEM + "        quantity: {distribution: triangle, low: 1, mode: 2, high: 3}\n",
     "uncertainty → monte_carlo → distributions → item 1 → quantity → distribution",
     ["'triangle' is not a distribution sroi knows", "Did you mean 'triangular'?"], "triangle"),
    (ITEM + "        quantity: {low: 1, mode: 2, high: 3}\n",
     "uncertainty → monte_carlo → distributions → item 1 → quantity → distribution",
     ["says no distribution", "fixed, uniform, triangular, pert, normal, lognormal"], "quantity"),
    (ITEM + "        quantity: {distribution: triangular, low: 1, mode: 2, hgh: 3}\n",
     "uncertainty → monte_carlo → distributions → item 1 → quantity → hgh", ["Did you mean 'high'?"], "hgh"),
    (ITEM + "        quantity: {distribution: triangular, low: 1, high: 3}\n",
     "uncertainty → monte_carlo → distributions → item 1 → quantity",
     ["a triangular distribution needs low, mode and high: mode is missing"], "quantity"),
    (ITEM + "        deadweight: {distribution: pert, low: 45%, mode: 35%, high: 30%, group: falls}\n",
     "uncertainty → monte_carlo → distributions → item 1 → deadweight", ["low 45% is above high 30%"], "deadweight"),
    (ITEM + "        quantity: {distribution: triangular, low: 40, mode: 30, high: 70}\n",
     "uncertainty → monte_carlo → distributions → item 1 → quantity", ["mode 30 is below low 40"], "quantity"),
    (ITEM + "        quantity: {distribution: pert, low: 40, mode: 80, high: 70}\n",
     "uncertainty → monte_carlo → distributions → item 1 → quantity", ["mode 80 is above high 70"], "quantity"),
    (ITEM + "        quantity: {distribution: lognormal, median: 0, sd_log: 0.2}\n",
     "uncertainty → monte_carlo → distributions → item 1 → quantity", ["the median 0 is not above 0"], "quantity"),
    (ITEM + "        deadweight: {distribution: normal, mean: 30%, sd: -5%, group: falls}\n",
     "uncertainty → monte_carlo → distributions → item 1 → deadweight → sd",
     ["-5% is negative", "A standard deviation is 0 or more"], "deadweight"),
    (ITEM + "        quantity: {distribution: normal, mean: 60, sd: -3}\n",
     "uncertainty → monte_carlo → distributions → item 1 → quantity → sd", ["-3 is negative"], "quantity"),
    (ITEM + "        quantity: {distribution: lognormal, median: 60, sd_log: -0.1}\n",
     "uncertainty → monte_carlo → distributions → item 1 → quantity → sd_log", ["-0.1 is negative"], "quantity"),
    (ITEM + "        attribution: {distribution: uniform, low: 10%, high: 120%}\n",
     "uncertainty → monte_carlo → distributions → item 1 → attribution → high", ["'120%' is outside 0% to 100%"],
     "attribution"),
    (ITEM + "        attribution: {distribution: uniform, low: 10%, high: 45}\n",
     "uncertainty → monte_carlo → distributions → item 1 → attribution → high",
     ["45 is a bare number above 1", "Write 45%"], "attribution"),
    (ITEM + "        quantity: {distribution: uniform, low: -4, high: 45}\n",
     "uncertainty → monte_carlo → distributions → item 1 → quantity → low", ["-4 is below zero"], "quantity"),
    (ITEM + "        duration: {distribution: uniform, low: 0, high: 400}\n",
     "uncertainty → monte_carlo → distributions → item 1 → duration → low", ["0 is outside 1 to 300 years"],
     "duration"),
    (MC + "      - row: 12\n        quantity: {distribution: fixed, value: 1}\n",
     "uncertainty → monte_carlo → distributions → item 1 → row",
     ["row 12 is not a row of the impact map (its rows are 2 to 8)"], "row: 12"),
    (MC + "      - quantity: {distribution: fixed, value: 1}\n",
     "uncertainty → monte_carlo → distributions → item 1", ["gives quantity but no row"], "quantity"),
    (MC + "      - row: 2\n", "uncertainty → monte_carlo → distributions → item 1", ["gives no assumption to draw"],
     "row: 2"),
    (MC + "      - row: 2\n        inputs: {distribution: fixed, value: 1}\n",
     "uncertainty → monte_carlo → distributions → item 1 → inputs", ["a multiplier of every input, not of one row"],
     "inputs"),
    (MC + "      - row: 2\n        quantity: {distribution: fixed, value: 1}\n"
          "      - row: 2\n        quantity: {distribution: fixed, value: 2}\n",
     "uncertainty → monte_carlo → distributions → item 2 → quantity",
     ["the quantity of row 2 is given twice (items 1 and 2)"], "value: 2"),
    (MC + "      - inputs: {distribution: fixed, value: 1}\n      - inputs: {distribution: fixed, value: 2}\n",
     "uncertainty → monte_carlo → distributions → item 2 → inputs", ["inputs is given twice"], "value: 2"),
    (MC + "      - inputs: {distribution: fixed, value: 0%}\n",
     "uncertainty → monte_carlo → distributions → item 1 → inputs → value",
     ["0% is not above 0", "the ratio is undefined"], "inputs"),
    (MC + "      - inputs: {distribution: uniform, low: 100%, high: 124}\n",
     "uncertainty → monte_carlo → distributions → item 1 → inputs → high",
     ["124 is above 10 (1,000%)", "If you mean 124%, write 124% (or 1.24)"], "inputs"),
    (MC + "      - inputs: {distribution: uniform, low: 100%, high: 2000%}\n",
     "uncertainty → monte_carlo → distributions → item 1 → inputs → high",
     ["2000% is above 10", "Give a multiplier such as 110%"], "inputs"),
    (MC + "      - inputs: {distribution: uniform, low: 100%, high: lots%}\n",
     "uncertainty → monte_carlo → distributions → item 1 → inputs → high", ["'lots%' is not a percentage"],
     "inputs"),
    (MC + "      - 42\n", "uncertainty → monte_carlo → distributions → item 1", ["is 42, not 'key: value' lines"], "42"),
    (ITEM + "        quantity: 60\n", "uncertainty → monte_carlo → distributions → item 1 → quantity",
     ["is 60, not a distribution"], "quantity"),
    ("uncertainty:\n  monte_carlo:\n    distributions: {row: 2}\n", "uncertainty → monte_carlo → distributions",
     ["not a list"], "distributions"),
    ("uncertainty:\n  monte_carlo: {draws: 0}\n", "uncertainty → monte_carlo → draws",
     [f"0 is not a whole number from 1 to {MAX_DRAWS:,}"], "draws"),
    ("uncertainty:\n  monte_carlo: {draws: 2000000}\n", "uncertainty → monte_carlo → draws",
     [f"2000000 is not a whole number from 1 to {MAX_DRAWS:,}", "docs/uncertainty.md"], "draws"),
    ("uncertainty:\n  monte_carlo: {draws: 10.5}\n", "uncertainty → monte_carlo → draws", ["10.5 is not a whole"],
     "draws"),
    ("uncertainty:\n  monte_carlo: {draws: many}\n", "uncertainty → monte_carlo → draws", ["'many' is not a number"],
     "draws"),
    ("uncertainty:\n  monte_carlo: {draws: ''}\n", "uncertainty → monte_carlo → draws", ["is empty"], "draws"),
    ("uncertainty:\n  monte_carlo: {chunk_size: 0}\n", "uncertainty → monte_carlo → chunk_size",
     [f"0 is not a whole number from 1 to {MAX_CHUNK:,}"], "chunk_size"),
    ("uncertainty:\n  monte_carlo: {chunk_size: 1000000000}\n", "uncertainty → monte_carlo → chunk_size",
     ["1000000000 is not a whole number", "it changes memory, never the numbers"], "chunk_size"),
    ("uncertainty:\n  monte_carlo: {seed: -1}\n", "uncertainty → monte_carlo → seed", ["-1 is not a whole number"],
     "seed"),
    (MC.replace("0.6", "1") + "      - row: 2\n        deadweight: {distribution: fixed, value: 1%, group: falls}\n",
     "uncertainty → monte_carlo → correlations → falls", ["1 is outside [0, 1)"], "correlations"),
    (MC.replace("0.6", "-0.1") + "      - row: 2\n        deadweight: {distribution: fixed, value: 1%, group: falls}\n",
     "uncertainty → monte_carlo → correlations → falls", ["-0.1 is outside [0, 1)"], "correlations"),
    (MC.replace("0.6", "150%") + "      - row: 2\n        deadweight: {distribution: fixed, value: 1%, group: falls}\n",
     "uncertainty → monte_carlo → correlations → falls", ["150% is outside [0, 1)"], "correlations"),
    (MC.replace("0.6", "''") + "      - row: 2\n        deadweight: {distribution: fixed, value: 1%, group: falls}\n",
     "uncertainty → monte_carlo → correlations → falls", ["is empty"], "correlations"),
    ("uncertainty:\n  monte_carlo:\n    correlations: [falls]\n", "uncertainty → monte_carlo → correlations",
     ["not 'group: correlation' lines"], "correlations"),
    (ITEM + "        deadweight: {distribution: fixed, value: 1%, group: fals}\n",
     "uncertainty → monte_carlo → distributions → item 1 → deadweight → group",
     ["the group 'fals' has no correlation"], "fals"),
    (ITEM + "        deadweight: {distribution: fixed, value: 1%, group: fals}\n",
     "uncertainty → monte_carlo → correlations → falls", ["no distribution is in the group 'falls'",
                                                          "Did you mean 'fals'?"], "correlations"),
    ("uncertainty:\n  monte_carlo: {correlations: {falls: 0.5}}\n", "uncertainty → monte_carlo → correlations → falls",
     ["no distribution is in the group 'falls'", "Add 'group: NAME'"], "correlations"),
    (ITEM + "        deadweight: {distribution: fixed, value: 1%, group: ''}\n",
     "uncertainty → monte_carlo → distributions → item 1 → deadweight → group", ["'' is not text"], "deadweight"),
    (ITEM + f"        deadweight: {{distribution: fixed, value: 1%, group: {'g' * 201}}}\n",
     "uncertainty → monte_carlo → distributions → item 1 → deadweight → group", ["longer than 200 characters"],
     "deadweight"),
    ("uncertainty:\n  target_ratio: 0\n", "uncertainty → target_ratio", ["0 is not above 0"], "target_ratio"),
    ("uncertainty:\n  target_ratio: high\n", "uncertainty → target_ratio", ["'high' is not a number"],
     "target_ratio"),
    ("uncertainty:\n  sensitivity: {inputs: 100%}\n", "uncertainty → sensitivity → inputs",
     ["100% would move the inputs down to nothing"], "inputs"),
    ("uncertainty:\n  sensitivity: {quantity: 40}\n", "uncertainty → sensitivity → quantity",
     ["40 is a bare number above 1"], "quantity"),
    ("uncertainty:\n  sensitivity: {start_year: 2.5}\n", "uncertainty → sensitivity → start_year",
     ["2.5 is not a whole number from 0 to 299"], "start_year"),
    ("uncertainty:\n  sensitivity: {discounting: [reduced-rate, soon]}\n",
     "uncertainty → sensitivity → discounting → item 2", ["'soon' is not understood"], "discounting"),
    ("uncertainty:\n  sensitivity: {discounting: soon}\n", "uncertainty → sensitivity → discounting",
     ["'soon' is not understood"], "discounting"),
    ("uncertainty: [1, 2]\n", "uncertainty", ["is a list, not 'key: value' lines"], "uncertainty"),
    ("scenarios: [pessimistic]\n", "scenarios", ["is a list, not 'name: changes' lines"], "scenarios"),
    ("scenarios:\n  central: {quantity_change: -10%}\n", "scenarios → central",
     ["'central' names the valuation as given"], "central"),
    ("scenarios:\n  2020: {quantity_change: -10%}\n", "scenarios → 2020", ["2020 is not text"], "2020"),
    ("scenarios:\n  quiet: {description: nothing changes}\n", "scenarios → quiet",
     ["changes nothing, so it would equal the central case"], "quiet"),
    ("scenarios:\n  quiet:\n", "scenarios → quiet", ["is nothing, not 'key: value' lines"], "quiet"),
    ("scenarios:\n  bad: {quantity_chnage: -10%}\n", "scenarios → bad → quantity_chnage",
     ["Did you mean 'quantity_change'?"], "bad"),
    ("scenarios:\n  bad: {quantity_change: -110%}\n", "scenarios → bad → quantity_change",
     ["-110% is outside -100% to 100%"], "bad"),
    ("scenarios:\n  bad: {value_change: 20}\n", "scenarios → bad → value_change",
     ["20 is a bare number above 1", "Write 20%"], "bad"),
    ("scenarios:\n  bad: {inputs_change: -100%}\n", "scenarios → bad → inputs_change",
     ["-100% leaves no inputs"], "bad"),
    ("scenarios:\n  bad: {description: [a, b], quantity_change: 5%}\n", "scenarios → bad → description",
     ["a list is not text"], "bad"),
    ("scenarios:\n  bad: {description: \"x\\x07y\", quantity_change: 5%}\n", "scenarios → bad → description",
     ["holds a control character"], "bad"),
    (f"scenarios:\n  bad: {{description: {'x' * 33_000}, quantity_change: 5%}}\n", "scenarios → bad → description",
     ["is 33,000 characters long; sroi takes at most 32,767"], "bad"),
    ("scenarios:\n  bad: {without_inputs: [7]}\n", "scenarios → bad → without_inputs → item 1",
     ["row 7 is not a row of the inputs file (its rows are 2 and 3)"], "bad"),
    ("scenarios:\n  bad: {without_inputs: 1}\n", "scenarios → bad → without_inputs",
     ["row 1 is not a row of the inputs file"], "bad"),
    ("scenarios:\n  bad: {without_inputs: [2, 3]}\n", "scenarios → bad → without_inputs",
     ["leaves out every input of any value"], "bad"),
    ("scenarios:\n  bad: {optimism_bias: standard-building}\n", "scenarios → bad → optimism_bias",
     ["'standard-building' is not an optimism-bias category", "Did you mean 'standard-buildings'?",
      "standard-buildings, non-standard-buildings, standard-civil-engineering"], "bad"),
    ("scenarios:\n  bad: {optimism_bias: roads}\n", "scenarios → bad → optimism_bias",
     ["Categories: standard-buildings"], "bad"),
    ("scenarios:\n  bad: {optimism_bias: outsourcing, inputs_change: 10%}\n", "scenarios → bad → optimism_bias",
     ["optimism_bias and inputs_change both change the inputs"], "bad"),
    ("scenarios:\n  bad: {discounting: soon}\n", "scenarios → bad → discounting", ["'soon' is not understood"], "bad"),
    ("scenarios:\n  bad:\n    lines: {9: {quantity: 1}}\n", "scenarios → bad → lines → 9",
     ["row 9 is not a row of the impact map (its rows are 2 to 8)"], "9:"),
    ("scenarios:\n  bad:\n    lines: {2: {quantiy: 1}}\n", "scenarios → bad → lines → 2 → quantiy",
     ["Did you mean 'quantity'?"], "2:"),
    ("scenarios:\n  bad:\n    lines: {2: {quantity: -1}}\n", "scenarios → bad → lines → 2 → quantity",
     ["-1 is below zero"], "2:"),
    ("scenarios:\n  bad:\n    lines: {2: {quantity: 1}, '2': {quantity: 2}}\n", "scenarios → bad → lines → 2",
     ["row 2 is given twice"], "2:"),
    ("scenarios:\n  bad:\n    lines: [2]\n", "scenarios → bad → lines", ["not 'row: changes' lines"], "lines"),
]


@pytest.mark.parametrize("text, column, words, at", CASES, ids=[c[1] + " " + c[2][0][:30] for c in CASES])
def test_bad_input_is_refused_naming_the_file_line_and_parameter(tmp_path, text, column, words, at):
    problems = refused(tmp_path, text)
    mine = [p for p in problems if p.column == column]
    assert mine, "\n".join(str(p) for p in problems)
    said = str(mine[0])
    for w in words:
        assert w in said, said
    assert mine[0].file == str(tmp_path / "p.yaml")
    assert mine[0].row == next(i for i, line in enumerate(text.splitlines(), 1) if at in line), said
    assert said.startswith(f"p.yaml, line {mine[0].row}, key '{column}': ")


def test_the_brief_example_reads_as_the_docs_say(tmp_path):
    text = ITEM + "        deadweight: {distribution: pert, low: 45%, mode: 35%, high: 30%, group: falls}\n"
    [p] = refused(tmp_path, text)
    assert str(p).startswith("p.yaml, line 6, key 'uncertainty → monte_carlo → distributions → item 1 → "
                             "deadweight': low 45% is above high 30%.")


def test_every_problem_is_reported_at_once(tmp_path):
    text = ("uncertainty:\n  monte_carlo: {draws: 0, seed: -1}\nscenarios:\n  a: {optimism_bias: nope}\n"
            "  b: {lines: {99: {quantity: 1}}}\n")
    assert len(refused(tmp_path, text)) == 4


def test_the_core_refuses_a_chunk_below_one():
    """The parameters and the command line refuse it first; the core checks it too."""
    from sroi_lib.core.uncertainty import Uncertain, monte_carlo

    model = Model.from_valuation(load_contract(ROOT / "parameters" / "lcc-school-catering.yaml").valuation)
    with pytest.raises(InputError, match="the chunk size must be 1 or more, not 0"):
        monte_carlo(model, [Uncertain("quantity", 0, Distribution("fixed", value=1.0))], draws=10, chunk_size=0)


def test_figures_too_large_to_hold_are_refused(tmp_path):
    run = load_contract(ROOT / "parameters" / "lcc-care-at-home.yaml")
    model = Model.from_valuation(run.valuation)
    spec = parse(tmp_path, "scenarios: {huge: {lines: {4: {quantity: 1e307}}}}\n")
    with pytest.raises(InputError, match="gave figures too large to hold"):
        analyse(model, spec)


# -- the parameters file, and the scenarios file beside it -----------------------------------------------------

def contract(tmp_path, extra: str = "", name: str = "care.yaml"):
    """A copy of the care at home example's parameters (its files where they are), with ``extra`` added."""
    text = (ROOT / "parameters" / "lcc-care-at-home.yaml").read_text(encoding="utf-8")
    text = text.replace("../data/examples/", f"{EXAMPLES}/")
    text = text[:text.index("# Uncertainty")] + extra
    return write(tmp_path, text, name)


def test_load_params_reads_the_sections_and_the_scenarios_file(tmp_path):
    path = contract(tmp_path, "scenarios:\n  lower: {discounting: reduced-rate}\n")
    p = load_params(path)
    assert p.scenarios == {"lower": {"discounting": "reduced-rate"}} and p.uncertainty is None
    assert p.scenarios_file is None and "scenarios" not in p.input_files()
    saved = write(tmp_path, "fewer: {quantity_change: -10%}\n", "care.scenarios.yaml")
    p = load_params(path)
    assert p.scenarios_file == saved and p.saved_scenarios == {"fewer": {"quantity_change": "-10%"}}
    assert p.input_files()["scenarios"] == saved
    run = load_contract(path)
    assert [s.name for s in run.uncertainty.spec.scenarios] == ["lower", "fewer"]
    assert run.files_used()["scenarios"] == saved
    assert list(run.uncertainty.scenarios["scenario"]) == ["central", "lower", "fewer"]


def test_a_name_in_both_files_is_an_error_naming_both(tmp_path):
    path = contract(tmp_path, "scenarios:\n  lower: {discounting: reduced-rate}\n")
    write(tmp_path, "# saved\nlower: {quantity_change: -10%}\n", "care.scenarios.yaml")
    with pytest.raises(InputError) as exc:
        load_params(path)
    [p] = exc.value.problems
    assert p.file.endswith("care.scenarios.yaml") and p.row == 2 and p.column == "lower"
    assert "given twice: in care.yaml (scenarios → lower) and in care.scenarios.yaml" in p.message


@pytest.mark.parametrize("text, words", [
    ("- a\n- b\n", "holds a list instead of 'name: changes' lines"),
    ("a: [\n", "not valid YAML"),
    ("a: {quantity_change: 45}\n", "45 is a bare number above 1"),
])
def test_a_bad_scenarios_file_is_named(tmp_path, text, words):
    path = contract(tmp_path)
    write(tmp_path, text, "care.scenarios.yaml")
    with pytest.raises(InputError) as exc:
        load_params(path)
    assert all(p.file.endswith("care.scenarios.yaml") for p in exc.value.problems)
    assert words in str(exc.value)


def test_an_empty_scenarios_file_adds_nothing_but_is_an_input(tmp_path):
    path = contract(tmp_path)
    saved = write(tmp_path, "# nothing saved yet\n", "care.scenarios.yaml")
    p = load_params(path)
    assert p.saved_scenarios == {} and p.input_files()["scenarios"] == saved


def test_a_saved_row_not_in_the_map_is_refused_naming_the_scenarios_file(tmp_path):
    path = contract(tmp_path)
    write(tmp_path, "what-if:\n  lines: {12: {quantity: 1}}\n", "care.scenarios.yaml")
    with pytest.raises(InputError) as exc:
        load_contract(path)
    [p] = exc.value.problems
    assert p.file.endswith("care.scenarios.yaml") and p.row == 2 and p.column == "what-if → lines → 12"
    assert "row 12 is not a row of the impact map (its rows are 2 to 8)" in p.message


def test_a_scenarios_file_is_not_a_parameters_file(tmp_path):
    contract(tmp_path)
    saved = write(tmp_path, "fewer: {quantity_change: -10%}\n", "care.scenarios.yaml")
    with pytest.raises(InputError, match="is a scenarios file, read with the parameters file beside it"):
        load_params(saved)
    assert parameters_files(tmp_path) == [tmp_path / "care.yaml"]


def test_the_manifest_lists_and_hashes_the_scenarios_file_and_the_optimism_bias_data(tmp_path):
    from sroi_lib.reports.folder import OUTPUTS, sha256
    from sroi_lib.reports.manifest import write_manifest

    path = contract(tmp_path)
    saved = write(tmp_path, "ob: {optimism_bias: outsourcing}\n", "care.scenarios.yaml")
    run = load_contract(path)
    folder = tmp_path / "report"
    folder.mkdir()
    for name in OUTPUTS:
        (folder / name).write_text("x")
    manifest = json.loads(write_manifest(run, folder, {}, "sroi").read_text())
    assert manifest["inputs"]["scenarios"] == {"path": "care.scenarios.yaml", "sha256": sha256(saved)}
    assert manifest["inputs"]["optimism_bias"] == {"path": "reference/optimism_bias.yaml", "base": "sroi-data",
                                                   "sha256": sha256(reference_file("optimism_bias.yaml"))}
    assert manifest["parameters"]["scenarios_file"] == "care.scenarios.yaml"


# -- save_scenario --------------------------------------------------------------------------------------------

def test_save_scenario_writes_a_file_the_contract_reads(tmp_path):
    path = contract(tmp_path)
    out = save_scenario(path, "what-if", {"description": "from the bench",
                                          "lines": {np.int64(2): {"quantity": np.float64(45), "deadweight": 0.35}}})
    assert out == scenarios_file_for(path) == tmp_path / "care.scenarios.yaml"
    assert yaml.safe_load(out.read_text()) == {"what-if": {"description": "from the bench",
                                                           "lines": {2: {"quantity": 45.0, "deadweight": 0.35}}}}
    save_scenario(path, "lower", {"discounting": "reduced-rate"})
    run = load_contract(path)
    assert [s.name for s in run.uncertainty.spec.scenarios] == ["what-if", "lower"]
    assert run.uncertainty.spec.scenarios[0].lines == {0: {"quantity": 45.0, "deadweight": 0.35}}
    assert load_params(path).input_files()["scenarios"] == out


def test_save_scenario_refuses_a_name_already_saved_unless_replacing(tmp_path):
    path = contract(tmp_path)
    save_scenario(path, "what-if", {"quantity_change": "-10%"}, impact_map_rows=ROWS, input_rows=[2])
    before = scenarios_file_for(path).read_bytes()
    with pytest.raises(InputError, match="the scenario 'what-if' is saved already"):
        save_scenario(path, "what-if", {"quantity_change": "-20%"})
    assert scenarios_file_for(path).read_bytes() == before
    save_scenario(path, "what-if", {"quantity_change": "-20%"}, replace=True)
    assert load_params(path).saved_scenarios == {"what-if": {"quantity_change": "-20%"}}


def test_save_scenario_refuses_a_name_the_parameters_give(tmp_path):
    path = contract(tmp_path, "scenarios:\n  lower: {discounting: reduced-rate}\n")
    with pytest.raises(InputError, match="is given in the parameters file care.yaml; change it there"):
        save_scenario(path, "lower", {"quantity_change": "-20%"}, replace=True)
    assert not scenarios_file_for(path).exists()


@pytest.mark.parametrize("scenario, words", [
    ({"lines": {12: {"quantity": 1}}}, "row 12 is not a row of the impact map"),
    ({"without_inputs": [2]}, "leaves out every input of any value"),
    ({"lines": {2: {"deadweight": 45}}}, "45 is a bare number above 1"),
    ({"description": "nothing"}, "changes nothing"),
])
def test_save_scenario_checks_before_writing_and_writes_nothing_when_wrong(tmp_path, scenario, words):
    path = contract(tmp_path)
    save_scenario(path, "kept", {"quantity_change": "-10%"})
    before = scenarios_file_for(path).read_bytes()
    with pytest.raises(InputError) as exc:
        save_scenario(path, "new", scenario)
    assert words in str(exc.value) and str(exc.value).startswith("care.scenarios.yaml")
    assert scenarios_file_for(path).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["care.scenarios.yaml", "care.yaml"]  # no temporary file


# -- the analysis in results.json and sroi value --json -------------------------------------------------------

def test_results_carry_the_analysis_and_its_seed():
    run = load_contract(ROOT / "parameters" / "lcc-housing-retrofit.yaml")
    u = contract_results(run)["uncertainty"]
    assert set(u) >= {"tipping_points", "tornado", "monte_carlo", "scenarios", "sentence"}
    assert (u["monte_carlo"]["seed"], u["monte_carlo"]["draws"]) == (20261130, 10_000)
    assert [s["scenario"] for s in u["scenarios"]] == ["central", "optimism bias", "Green Book lower rates",
                                                       "fewer homes"]
    json.dumps(u, allow_nan=False)  # JSON as results.json writes it
    again = contract_results(load_contract(ROOT / "parameters" / "lcc-housing-retrofit.yaml"))["uncertainty"]
    assert json.dumps(again) == json.dumps(u)  # the same seed: the same figures, to the bit


def test_value_json_carries_the_tipping_points(tmp_path):
    from sroi_lib.reports.contract import value_files

    valued = value_files(EXAMPLES / "worked_check" / "impact_map.csv", EXAMPLES / "worked_check" / "inputs.csv")
    tips = valued.to_dict()["tipping_points"]
    model = Model.from_valuation(valued.valuation)
    expected = tipping_points(model, 1.0)
    assert len(tips) == len(expected) and tips[0]["assumption"] == "quantity" and tips[0]["row"] == 2
    quantity = next(t for t in tips if t["assumption"] == "quantity")
    q = model.quantity.copy()
    q[0] = quantity["tipping"]
    assert model.ratio(quantity=q) == pytest.approx(1.0, rel=1e-12)  # the ratio is 1 at the tipping point


def test_tipping_points_of_a_large_map_agree_with_solving_each_line_alone():
    """Every line is solved at once; a line solved on its own gives the same value."""
    rng = np.random.default_rng(5)
    run = load_contract(ROOT / "parameters" / "lcc-highways-maintenance.yaml")
    model = Model.from_valuation(run.valuation)
    n = 400
    take = rng.integers(0, model.lines, n)
    big = model.with_changes(rows=np.arange(2, n + 2), labels=tuple(f"row {i}" for i in range(2, n + 2)),
                             **{a: getattr(model, a)[take] * (rng.uniform(0.5, 1.5, n) if a in ("quantity", "value")
                                                               else 1)
                                for a in ("quantity", "value", "deadweight", "displacement", "attribution",
                                          "drop_off", "duration", "start_year")},
                             input_values=model.input_values * 200)
    tips = tipping_points(big, 1.0)
    assert len(tips) == 8 * n + 2
    for t in tips[tips["assumption"].isin(["quantity", "deadweight"]) & ~tips["never"]].head(40).itertuples():
        i = t.row - 2
        arr = getattr(big, t.assumption).astype(float).copy()
        arr[i] = t.tipping
        assert big.ratio(**{t.assumption: arr}) == pytest.approx(1.0, rel=1e-9)


def test_the_example_parameters_are_complete():
    """Every example contract gives distributions and two or three scenarios, among them the Green Book's lower
    rates; the capital works among them an optimism bias scenario."""
    for path in parameters_files(ROOT / "parameters"):
        p = load_params(path)
        assert p.uncertainty["monte_carlo"]["distributions"], path.name
        assert 2 <= len(p.scenarios) <= 3 and "Green Book lower rates" in p.scenarios, path.name
    for name in ("lcc-highways-maintenance", "lcc-housing-retrofit"):
        assert "optimism_bias" in load_params(ROOT / "parameters" / f"{name}.yaml").scenarios["optimism bias"]

