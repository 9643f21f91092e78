"""Write this group's files and cases.yaml: parameters files whose uncertainty or scenarios sections (or the
scenarios file beside them) are wrong, run through `sroi sensitivity` (and `sroi run`, which must write nothing).

Run from anywhere: ``python tests/bad_inputs/uncertainty/make_uncertainty_files.py``. Each parameters file is
the care at home example (rows 2 to 8 of its impact map, row 2 of its inputs) with one section added; paths are
relative to this folder, as in parameters/*.yaml.
"""

from __future__ import annotations

from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
EX = "../../../data/examples/lcc-care-at-home"
BASE = f"""contract_id: bad-uncertainty-case
title: Bad uncertainty case
supplier: Example Care at Home Ltd (illustrative)
directorate: Adults and Health
analysis_type: forecast
price_year: 2024
discounting: green-book
impact_map: {EX}/impact_map.csv
inputs: {EX}/inputs.csv
illustrative: true
description: A copy of the care at home example whose uncertainty analysis has one thing wrong.
"""
SENSITIVITY = ["sensitivity", "{file}"]
RUN = ["run", "{file}", "--out", "{out}"]
CASES: list[dict] = []
FILES: dict[str, str] = {}


def case(name, section, message, why, *, command=SENSITIVITY, exit=2, file=None):
    file = file or f"{name}.yaml"
    if section is not None:
        FILES[file] = BASE + section
    CASES.append({"name": name, "file": file, "command": command, "exit": exit, "message": message, "why": why})


def item(text: str) -> str:
    return "uncertainty:\n  monte_carlo:\n    distributions:\n      - row: 2\n" + text


case("low-above-high", item("        deadweight: {distribution: pert, low: 45%, mode: 35%, high: 30%}\n"),
     ["key 'uncertainty → monte_carlo → distributions → item 1 → deadweight'", "low 45% is above high 30%"],
     "a distribution whose low is above its high is refused naming the parameter")
case("unknown-distribution", item("        quantity: {distribution: beta, low: 40, mode: 60, high: 70}\n"),
     ["'beta' is not a distribution sroi knows", "fixed, uniform, triangular, pert, normal, lognormal"],
     "a distribution sroi does not draw from is named, with those it does")
case("negative-sd", item("        quantity: {distribution: normal, mean: 60, sd: -10}\n"),
     ["item 1 → quantity → sd", "-10 is negative"], "a negative standard deviation makes no sense")
case("percentage-above-100", item("        attribution: {distribution: uniform, low: 10%, high: 120%}\n"),
     ["attribution → high", "'120%' is outside 0% to 100%"], "an adjustment is a percentage from 0% to 100%")
case("bare-percentage", item("        attribution: {distribution: uniform, low: 10%, high: 45}\n"),
     ["45 is a bare number above 1", "Write 45%"], "a bare 45 is never divided by 100 for the user")
case("unknown-assumption", item("        deadwieght: {distribution: fixed, value: 30%}\n"),
     ["'deadwieght' is not a parameter sroi knows here", "Did you mean 'deadweight'?"],
     "an assumption name that is not one of a line's is named with the nearest")
case("duplicate-assumption", item("        quantity: {distribution: fixed, value: 50}\n"
                                  "      - row: 2\n        quantity: {distribution: fixed, value: 55}\n"),
     "the quantity of row 2 is given twice (items 1 and 2)", "one assumption drawn twice for the same row")
case("distribution-row-not-in-map", "uncertainty:\n  monte_carlo:\n    distributions:\n      - row: 40\n"
     "        quantity: {distribution: fixed, value: 1}\n",
     "row 40 is not a row of the impact map (its rows are 2 to 8)", "a row the impact map does not have")
case("draws-zero", "uncertainty:\n  monte_carlo: {draws: 0}\n", "0 is not a whole number from 1 to 1,000,000",
     "zero draws give no range")
case("draws-too-many", "uncertainty:\n  monte_carlo: {draws: 5000000}\n",
     ["5000000 is not a whole number from 1 to 1,000,000", "docs/uncertainty.md"],
     "draws beyond the documented limit are refused before any is drawn")
case("chunk-size-absurd", "uncertainty:\n  monte_carlo: {chunk_size: 1000000000000}\n",
     "is not a whole number from 1 to 100,000", "a chunk that would need terabytes is refused")
case("correlation-one", "uncertainty:\n  monte_carlo:\n    correlations: {falls: 1}\n    distributions:\n"
     "      - row: 2\n        deadweight: {distribution: fixed, value: 30%, group: falls}\n",
     "1 is outside [0, 1)", "a correlation of 1 is outside the copula's range")
case("unknown-key", "uncertainty:\n  monte_carlo: {draw: 100}\n", "Did you mean 'draws'?",
     "a misspelt key inside the section is named with the right one")
case("scenario-row-not-in-map", "scenarios:\n  what-if: {lines: {12: {quantity: 45}}}\n",
     ["key 'scenarios → what-if → lines → 12'", "row 12 is not a row of the impact map (its rows are 2 to 8)"],
     "a scenario naming a line that does not exist")
case("scenario-inputs-row-missing", "scenarios:\n  in kind: {without_inputs: [3]}\n",
     "row 3 is not a row of the inputs file (its rows are 2)", "an inputs row that does not exist")
case("scenario-every-input-left-out", "scenarios:\n  none: {without_inputs: [2]}\n",
     "leaves out every input of any value, so the ratio is undefined", "a scenario with no inputs has no ratio")
case("optimism-bias-unknown", "scenarios:\n  ob: {optimism_bias: roads}\n",
     ["'roads' is not an optimism-bias category", "standard-civil-engineering", "outsourcing"],
     "an optimism-bias category that is not in the data is named, with those that are")
case("scenario-run-writes-nothing", "scenarios:\n  what-if: {lines: {12: {quantity: 45}}}\n",
     "row 12 is not a row of the impact map", "sroi run refuses a bad scenario before the notebook runs",
     command=RUN)
FILES["twice.scenarios.yaml"] = "# saved by the what-if bench\nlower: {discounting: reduced-rate}\n"
case("scenario-in-both-files", "scenarios:\n  lower: {quantity_change: -10%}\n",
     ["twice.scenarios.yaml, line 2", "the scenario 'lower' is given twice: in twice.yaml (scenarios → lower) and in "
      "twice.scenarios.yaml"], "a scenario named in the parameters and in the file beside them", file="twice.yaml")
case("scenarios-file-as-parameters", None, "is a scenarios file, read with the parameters file beside it",
     "a scenarios file given where the parameters belong", file="twice.scenarios.yaml")
case("draws-option-zero", "scenarios:\n  lower: {discounting: reduced-rate}\n",
     ["argument --draws", "from 1 to 1,000,000"], "--draws 0 is refused naming the option",
     command=SENSITIVITY + ["--draws", "0"], file="good.yaml")

case("portfolio-folder-without-parameters", None, "holds no parameters files (*.yaml)",
     "sroi sensitivity on a folder with no parameters files has no portfolio to value",
     command=["sensitivity", "{tmp}"], file="good.yaml")
case("portfolio-scheduler-with-one-file", None, ["--scheduler is for a folder of contracts", "Leave out --scheduler"],
     "one contract's draws are valued here: --scheduler is refused plainly rather than ignored",
     command=SENSITIVITY + ["--scheduler", "tcp://127.0.0.1:1"], file="good.yaml")
case("portfolio-scheduler-unreachable", None, ["no Dask scheduler answered at tcp://127.0.0.1:1", "leave out --scheduler"],
     "a scheduler that does not answer is refused in plain words, before any draw",
     command=["sensitivity", "{parameters}", "--scheduler", "tcp://127.0.0.1:1", "--draws", "10"], file="good.yaml")


def main() -> None:
    for old in HERE.iterdir():
        if old.name not in ("make_uncertainty_files.py", "cases.yaml", "__pycache__"):
            old.unlink()
    for name, text in FILES.items():
        (HERE / name).write_text(text, encoding="utf-8")
    header = "# Written by make_uncertainty_files.py: change that, then run it.\n"
    (HERE / "cases.yaml").write_text(header + yaml.safe_dump(CASES, sort_keys=False, width=120, allow_unicode=True),
                                     encoding="utf-8")
    print(f"{len(CASES)} cases, {len(FILES)} files")


if __name__ == "__main__":
    main()
