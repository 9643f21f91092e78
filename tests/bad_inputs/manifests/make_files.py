"""Write the bad report folders of this group (each a folder holding a bad manifest.json); run from anywhere.

    python tests/bad_inputs/manifests/make_files.py

The folders are committed; this script is how they were made, so they can be
made again. cases.yaml says what `sroi audit` must do with each.
"""

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEX = "ab" * 32
OUTPUTS = {"results.json": HEX, "lines.csv": HEX, "report.html": HEX, "report.ipynb": HEX}
GOOD = {"contract_id": "bad", "inputs": {"parameters": {"path": "parameters/lcc-care-at-home.yaml", "sha256": HEX}},
        "outputs": OUTPUTS, "parameters": {}}


def with_(**changes):
    return json.dumps({**GOOD, **changes}, indent=2)


TEXT = {
    "not_json": "{this is not json",
    "empty": "",
    "json_list": "[1, 2, 3]",
    "json_text": '"a manifest"',
    "nan": '{"contract_id": "bad", "inputs": {}, "outputs": {}, "parameters": {"x": NaN}}',
    "infinity": '{"contract_id": "bad", "inputs": {}, "outputs": {}, "parameters": {"x": Infinity}}',
    "minus_infinity": '{"contract_id": "bad", "inputs": {}, "outputs": {}, "parameters": {"x": -Infinity}}',
    "inputs_a_list": with_(inputs=["parameters/lcc-care-at-home.yaml"]),
    "outputs_text": with_(outputs="all fine"),
    "sha256_a_number": with_(inputs={"parameters": {"path": "parameters/lcc-care-at-home.yaml", "sha256": 12345}}),
    "sha256_too_short": with_(inputs={"parameters": {"path": "parameters/lcc-care-at-home.yaml", "sha256": "abc"}}),
    "path_a_number": with_(inputs={"parameters": {"path": 42, "sha256": HEX}}),
    "path_a_list": with_(inputs={"parameters": {"path": ["parameters", "x.yaml"], "sha256": HEX}}),
    "input_entry_text": with_(inputs={"parameters": "parameters/lcc-care-at-home.yaml"}),
    "no_parameters_input": with_(inputs={"impact_map": {"path": "data/x.csv", "sha256": HEX}}),
    "unknown_base": with_(inputs={"parameters": {"path": "p.yaml", "sha256": HEX, "base": "/home/forger"}}),
    "missing_inputs": json.dumps({k: v for k, v in GOOD.items() if k != "inputs"}),
    "missing_everything": "{}",
    "contract_id_a_number": with_(contract_id=7),
    "parameters_null": with_(parameters=None),
    "output_outside_folder": with_(outputs={**OUTPUTS, "../../../etc/passwd": HEX}),
    "output_hash_true": with_(outputs={**OUTPUTS, "report.html": True}),
    "output_missing_notebook": with_(outputs={k: v for k, v in OUTPUTS.items() if k != "report.ipynb"}),
    "deeply_nested": "[" * 5000 + "]" * 5000,
    "absolute_path": with_(inputs={"parameters": {"path": "/etc/passwd", "sha256": HEX}}),
    "duplicate_key": with_()[:-2] + ',\n  "contract_id": "another"\n}',
    "escapes_checkout": with_(inputs={"parameters": {"path": "../../../../../../etc/passwd", "sha256": HEX}}),
}


def main() -> None:
    for name, text in TEXT.items():
        folder = HERE / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        (folder / "manifest.json").write_text(text, encoding="utf-8")
    folder = HERE / "utf16"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "manifest.json").write_bytes(with_().encode("utf-16"))
    folder = HERE / "manifest_a_folder"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "manifest.json").mkdir(parents=True)
    (folder / "manifest.json" / ".keep").write_text("")
    (HERE / "not_a_folder.txt").write_text("a report folder was expected here\n")
    folder = HERE / "no_manifest"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "results.json").write_text('{"present_value": 1}\n')


if __name__ == "__main__":
    main()
