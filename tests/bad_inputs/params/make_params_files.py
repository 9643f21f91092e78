"""Write this group's files and cases.yaml: bad parameters files (and the commitments, frameworks and options
they reach), run through `sroi run` (and `sroi value` or `sroi template returns`).

Run from anywhere: ``python tests/bad_inputs/params/make_params_files.py``. Every file is small; the paths inside
the parameters files are relative to this folder, as in parameters/*.yaml.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
EX = "../../../data/examples/lcc-care-at-home"
BASE = {
    "contract_id": "bad-input-case",
    "title": "Bad input case",
    "supplier": "Example Care at Home Ltd (illustrative)",
    "directorate": "Adults and Health",
    "analysis_type": "forecast",
    "price_year": "2024",
    "discounting": "green-book",
    "framework": "best_city_ambition",
    "impact_map": f"{EX}/impact_map.csv",
    "inputs": f"{EX}/inputs.csv",
    "illustrative": "true",
    "contract_start": "2025-Q2",
    "contract_end": "2027-Q1",
    "commitments": f"{EX}/commitments.csv",
    "returns": f"{EX}/returns.xlsx",
    "description": "A copy of the care at home example with one thing wrong.",
}
DROP = object()
RUN = ["run", "{file}", "--out", "{out}"]
VALUE = ["value", "{file}"]
CASES: list[dict] = []
FILES: dict[str, bytes] = {}


def params(**changes) -> str:
    """The base parameters with keys changed (given YAML text) or removed (DROP)."""
    lines = [f"{k}: {changes.get(k, v)}" for k, v in BASE.items() if changes.get(k) is not DROP]
    lines += [f"{k}: {v}" for k, v in changes.items() if k not in BASE and v is not DROP]
    return "\n".join(lines) + "\n"


def case(name, text, message, why, *, file=None, command=RUN, exit=2, data: bytes | None = None):
    file = file or f"{name}.yaml"
    if text is not None or data is not None:
        FILES[file] = data if data is not None else text.encode("utf-8")
    CASES.append({"name": name, "file": file, "command": command, "exit": exit, "message": message, "why": why})


COMMITMENTS_HEADER = "measure,description,unit,committed_per_period,proxy_id\n"


def commitments_case(name, row, message, why):
    FILES[f"{name}.csv"] = (COMMITMENTS_HEADER + row + "\n").encode()
    case(name, params(commitments=f"{name}.csv", returns=DROP), message, why)


# -- the shape of the file ---------------------------------------------------------------------------------
case("empty-file", "", "is empty", "an empty parameters file is named, not read as nothing")
case("top-level-list", "- contract_id: x\n- title: y\n", "holds a list", "a list of keys is not a parameters file")
case("top-level-scalar", "just some words\n", "instead of 'key: value' lines", "a line of text is not a parameters file")
case("syntax-error", params(title="[unclosed"), "not valid YAML", "a YAML syntax error names its line")
case("wrong-suffix", params(), "must end .yaml or .yml", "only YAML files are parameters files", file="wrong-suffix.txt")
case("missing-key", params(title=DROP), "the parameter 'title' is missing", "a required key left out is named")
case("unknown-key", params(pricee_year="2024"), "Did you mean 'price_year'", "a misspelt key is named with the right one")
case("forgiven-key-twice", params() + "Price Year: 2023\n",
     ["key 'Price Year'", "'Price Year' (line 17) and 'price_year' (line 6) are the same parameter, 'price_year', "
      "given twice", "Keep one of them."],
     "one key written two ways (price_year and Price Year) is refused naming both lines, not one silently kept")
case("forgiven-keys-read", params().replace("price_year:", "Price Year:").replace("analysis_type:", "Analysis-Type:"),
     ["Returns workbook for bad-input-case written to"], "keys forgive case, spaces and hyphens, as columns do",
     exit=0, command=["template", "returns", "--contract", "{file}", "-o", "{tmp}/returns.xlsx"])
case("nul-in-text", params(title='"Bad\\0input"'), "holds a NUL character", "a NUL byte in a value is refused")
case("description-too-long", params(description="x" * 33_000), "sroi takes at most 32,767",
     "text over Excel's cell limit is refused, not carried into the report")
# -- wrong types ---------------------------------------------------------------------------------------------
case("title-list", params(title="[Care, Home]"), ["key 'title'", "a list is not text"], "a list where text belongs")
case("title-mapping", params(title="{name: Care}"), ["key 'title'", "is not text"], "a mapping where text belongs")
case("title-blank", params(title="''"), "'title' is empty", "a required key left blank")
case("narrative-list", params(limitations="[small sample, one year only]"), ["'limitations'", "a list is not text"],
     "a narrative key of the report must be text: a list is refused naming the key and its line")
case("contract-id-unusable", params(contract_id="'Care At Home!'"), "is not a usable id",
     "an id that cannot name a report folder")
case("analysis-type-bool", params(analysis_type="true"), ["key 'analysis_type'", "true is not text"],
     "YAML reads true as true/false, not text")
case("illustrative-text", params(illustrative="perhaps"), "'perhaps' is not true or false", "a flag that is text")
case("price-year-text", params(price_year="twenty"), "'twenty' is not a whole number", "a year in words")
case("price-year-huge", params(price_year="1" + "0" * 400), "(a number of 401 digits) is outside the GDP deflator",
     "a 400-digit year must not overflow (OverflowError before)")
case("price-year-1e12", params(price_year="1000000000000"), "1000000000000 is outside the GDP deflator series",
     "a year far beyond the deflator series")
case("price-year-date", params(price_year="2024-01-01"), "the date 2024-01-01 is not a whole number",
     "YAML reads 2024-01-01 as a date; said as written")
case("price-year-nan", params(price_year=".nan"), "nan (not a number) is not a whole number", "NaN is not a year")
case("discounting-negative", params(discounting="-3%"), "is below zero", "a negative discount rate")
case("discounting-infinite", params(discounting=".inf"), "infinity is not a finite number", "an infinite rate")
case("discounting-huge-int", params(discounting="9" * 400), "is not a finite number",
     "a 400-digit rate must not overflow (OverflowError before)")
case("discounting-bare-number", params(discounting="3.5"), "bare number above 1", "3.5 is never guessed to be 3.5%")
case("rag-nan", params(rag_green=".nan"), "is not a fraction above 0 and at most 1", "a NaN threshold")
case("rag-green-below-amber", params(rag_green="0.5", rag_amber="0.8"), "must be above the amber threshold",
     "thresholds in the wrong order")
# -- files it points at ----------------------------------------------------------------------------------------
case("impact-map-missing", params(impact_map="nope.csv"), "the file 'nope.csv' was not found", "a missing input file")
case("impact-map-blank", params(impact_map="''"), "'impact_map' is empty", "a required path left blank")
case("impact-map-name-too-long", params(impact_map="x" * 5000 + ".csv"), "was not found",
     "a name too long for the file system (OSError before)")
case("impact-map-is-a-folder", params(impact_map="."), "was not found", "a folder is not an impact map")
# -- quarters --------------------------------------------------------------------------------------------------
case("quarter-malformed", params(contract_start="2025-Q5"), "'2025-Q5' is not a quarter", "there is no fifth quarter")
case("quarter-as-date", params(contract_start="2025-04-01"), "the date 2025-04-01 is not text",
     "YAML reads a date; the message says so")
case("end-before-start", params(contract_end="2024-Q1"), "before it starts", "a contract that ends before it starts")
case("span-too-long", params(contract_end="9999-Q4"), "sroi tracks at most 400 quarters",
     "31,899 quarters were listed before; the span is checked before any list is made")
case("tracking-without-quarters", params(contract_start=DROP, contract_end=DROP), "is needed to track commitments",
     "commitments need the contract's quarters")
case("returns-without-commitments", params(commitments=DROP), "no commitments to compare them with",
     "returns alone cannot be tracked")
# -- commitments -----------------------------------------------------------------------------------------------
commitments_case("commitments-negative", "FAL1,Falls avoided,admissions,-15,hw-fall-admission", "is below zero",
                 "a negative commitment")
commitments_case("commitments-nan", "FAL1,Falls avoided,admissions,nan,hw-fall-admission", "is not a finite number",
                 "a NaN commitment")
commitments_case("commitments-text", "FAL1,Falls avoided,admissions,lots,hw-fall-admission", "'lots' is not a number",
                 "a commitment in words")
commitments_case("commitments-unknown-proxy", "FAL1,Falls avoided,admissions,15,hw-no-such-proxy",
                 "is not in the proxy library", "a commitment valued by a proxy that does not exist")
commitments_case("commitments-duplicate", "FAL1,Falls avoided,admissions,15,hw-fall-admission\n"
                 "FAL1,Falls avoided again,admissions,5,hw-fall-admission", "is listed twice",
                 "one measure committed twice")
# -- frameworks ------------------------------------------------------------------------------------------------
case("framework-unknown", params(framework="best_city"), "There is no framework called 'best_city'",
     "a framework name that is not shipped")
case("framework-name-is-a-path", params(framework="../reference/gdp_deflators"), "There is no framework called",
     "a framework name never reaches other files")
case("framework-file-missing", params(framework="nope.yaml"), "was not found", "a framework file that is not there")
FILES["framework_no_groups.yaml"] = b"name: mine\ntitle: Mine\n"
case("framework-no-groups", params(framework="framework_no_groups.yaml"), "has no 'groups:'",
     "a framework file without groups")
FILES["framework_theme_twice.yaml"] = b"groups:\n  Health: [wellbeing]\n  Growth: [Wellbeing]\n"
case("framework-theme-in-two-groups", params(framework="framework_theme_twice.yaml"),
     "theme 'wellbeing' is in both 'Health' and 'Growth'", "a pound would be counted twice")
# -- options of sroi value, on the worked check --------------------------------------------------------------
FILES["worked_map.csv"] = (HERE / "../../../data/examples/worked_check/impact_map.csv").read_bytes()
for name, option, value, message, why in [
    ("investment-negative", "--investment", "-5", "is not an amount of 0 or more", "a negative investment"),
    ("investment-nan", "--investment", "nan", "is not a finite number", "a NaN investment"),
    ("investment-huge", "--investment", "1e400", "is not a finite number", "1e400 overflows to infinity"),
    ("investment-text", "--investment", "lots", "is not a number", "an investment in words"),
    ("price-year-option-huge", "--price-year", "1" + "0" * 400, "is outside the GDP deflator series",
     "a 400-digit --price-year must not overflow"),
    ("discount-option-negative", "--discount", "-3%", "is below zero", "a negative --discount"),
    ("framework-option-list", "--framework", "{file}", "holds a list instead", "a --framework file that is a list"),
]:
    command = ["value", "{file}", "--investment", "1000", f"{option}={value}"]  # '=': a value may start with '-'
    if option == "--investment":
        command = ["value", "{file}", f"{option}={value}"]
    if value == "{file}":
        FILES[f"{name}.yaml"] = b"- Health\n- Growth\n"
        command = ["value", "{examples}/worked_check/impact_map.csv", "--investment", "1000", option, "{file}"]
        case(name, None, message, why, file=f"{name}.yaml", command=command)
    else:
        case(name, None, message, why, file="worked_map.csv", command=command)
# -- encodings and duplicate keys: read by paths.read_yaml ---------------------------------------------------------
TEMPLATE = ["template", "returns", "--contract", "{file}", "-o", "{tmp}/returns.xlsx"]
# The supplier (printed by `sroi template returns`) holds non-ASCII letters, and contract_id is the first key (right
# after the byte order mark): the output shows both were decoded, not merely that a workbook was written.
DECODED = ["Returns workbook for bad-input-case written to", "Send it to Café Crème Care Ltd – Leeds (illustrative)."]
case("utf8-bom", None, DECODED, "a UTF-8 file with a byte order mark (Notepad's UTF-8) is read correctly",
     exit=0, command=TEMPLATE,
     data=codecs.BOM_UTF8 + params(supplier="Café Crème Care Ltd – Leeds (illustrative)").encode("utf-8"))
case("utf16-bom", None, DECODED, "a UTF-16 file with its byte order mark (Excel's and Notepad's 'Unicode') "
     "is read correctly", exit=0, command=TEMPLATE,
     data=codecs.BOM_UTF16_LE + params(supplier="Café Crème Care Ltd – Leeds (illustrative)").encode("utf-16-le"))
case("latin1", None, "is not saved as UTF-8", "Latin-1 text (café) is refused with how to save it, not a traceback",
     data=params(description="Care for older people, a café and a library").encode("latin-1"))
case("duplicate-key", params() + "title: A second title\n", ["gives the key 'title' twice (lines 2 and 17)",
                                                              "would silently keep the second"],
     "a key given twice is refused, not silently the last one kept", command=TEMPLATE)

FILES["commitments-not-a-table.txt"] = b"root:x:0:0:root:/root:/bin/bash\n"
case("commitments-not-a-table", params(commitments="commitments-not-a-table.txt", returns=DROP),
     ["key 'commitments'", "is not a table sroi reads", "Give the commitments table as CSV (.csv) or Excel (.xlsx)"],
     "a commitments file that is not a table is refused naming the parameters key, not only the file",
     command=TEMPLATE)


def main() -> None:
    for old in HERE.iterdir():
        if old.name not in ("make_params_files.py", "cases.yaml", "README.md", "__pycache__"):
            old.unlink()
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)
    header = "# Written by make_params_files.py: change that, then run it.\n"
    (HERE / "cases.yaml").write_text(header + yaml.safe_dump(CASES, sort_keys=False, width=120, allow_unicode=True))
    print(f"{len(CASES)} cases, {len(FILES)} files")


if __name__ == "__main__":
    main()
