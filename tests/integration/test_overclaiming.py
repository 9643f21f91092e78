"""The over-claiming guard as a user meets it: `sroi value`, `--strict`, `--json`, `sroi run` and `sroi batch`.

The first map is the one a new user built: a fatal road accident and its own
pain-and-grief component, the volunteering total and its own wellbeing strand,
every adjustment at 0% for five years, against a small investment. Before the
guard it gave a ratio in the thousands with no warning at all.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "data" / "examples"

OVERCLAIMED = """stakeholder,outcome,indicator,quantity,duration,proxy_id,deadweight,displacement,attribution,drop_off,evidence
Road users,Fewer fatal road accidents,Fatal accidents avoided,1,5,dft-road-accident-fatal,0%,0%,0%,0%,deadweight considered
Bereaved families,Pain and grief avoided,Deaths avoided,1,5,dft-road-accident-fatal-pain-grief-suffering,0%,0%,0%,0%,
Volunteers,Volunteering,Volunteers active,20,5,vc-volunteer-total-economic-impact-per-volunteer,0%,0%,0%,0%,
Volunteers,Volunteering,Volunteers active,20,5,vc-volunteer-wellbeing-per-volunteer,0%,0%,0%,0%,
"""


def sroi(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sroi_lib.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


@pytest.fixture
def overclaimed(tmp_path):
    path = tmp_path / "map.csv"
    path.write_text(OVERCLAIMED)
    return path


def test_the_overclaimed_map_is_refused_and_flagged_on_each_fault(overclaimed):
    result = sroi("value", overclaimed, "--investment", "3000")
    assert result.returncode == 2 and result.stdout == ""  # no ratio is printed for a map that counts twice
    err = result.stderr
    # the errors, each naming the file, row and column
    for row in (2, 3, 4, 5):
        assert f"map.csv, row {row}, column 'proxy_id': over-claiming error (A total and its own part on one map)" in err
    # and every warning, each with its line, reason and what to do
    assert "warning, the whole map: Every adjustment at 0%" in err
    for row in (2, 3, 4, 5):
        assert f"warning, row {row} " in err
    assert err.count("No drop-off over several years") == 4
    assert "Duration beyond the proxy's evidence" in err and "'dft-road-accident-fatal' is a one-off value" in err
    assert "Same stakeholder and outcome valued more than once" in err
    assert "Ratio far above comparable analyses" in err
    assert err.count("What to do:") >= 10
    assert "Traceback" not in err


def test_without_its_double_counting_the_map_is_valued_with_its_warnings(overclaimed, tmp_path):
    fixed = tmp_path / "fixed.csv"
    fixed.write_text("\n".join(line for line in OVERCLAIMED.splitlines()
                               if "pain-grief" not in line and "vc-volunteer-wellbeing" not in line) + "\n")
    result = sroi("value", fixed, "--investment", "3000", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)["checks"]
    assert {f["grade"] for f in found} == {"warning"}
    assert {"no_adjustments", "no_drop_off", "beyond_evidence", "ratio_outlier"} <= {f["check"] for f in found}
    assert all(f["detail"] and f["action"] for f in found)
    # --strict refuses the same map for its warnings, naming file, row and column
    strict = sroi("value", fixed, "--investment", "3000", "--strict")
    assert strict.returncode == 2 and strict.stdout == ""
    assert "fixed.csv, row 2, column 'deadweight': over-claiming warning (Every adjustment at 0%)" in strict.stderr


def test_the_terminal_shows_each_finding_with_what_to_do():
    folder = EXAMPLES / "lcc-care-at-home"
    result = sroi("value", folder / "impact_map.csv", "--inputs", folder / "inputs.csv")
    assert result.returncode == 0
    tail = result.stdout.split("Over-claiming checks:")[1]
    assert tail.startswith(" 4 warnings")
    assert "warning, row 2 (Older people receiving care at home: Fewer emergency admissions after falls): " \
           "Same stakeholder and outcome valued more than once" in tail
    assert tail.count("What to do:") == 4


@pytest.mark.parametrize("contract", sorted(p.name for p in EXAMPLES.iterdir() if (p / "impact_map.csv").exists()))
def test_every_shipped_example_passes_without_strict_and_its_findings_are_explained(contract):
    folder = EXAMPLES / contract
    inputs = folder / "inputs.csv"
    args = ["--inputs", inputs] if inputs.exists() else ["--investment", "100000"]
    result = sroi("value", folder / "impact_map.csv", *args, "--json")
    assert result.returncode == 0, result.stderr
    for f in json.loads(result.stdout)["checks"]:
        assert f["grade"] in {"warning", "note"} and f["detail"] and f["action"]


def test_strict_batch_refuses_contracts_with_warnings_and_exits_2(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    for name in ("lcc-care-at-home", "lcc-housing-retrofit"):
        text = (ROOT / "parameters" / f"{name}.yaml").read_text().replace("../data/", str(ROOT / "data") + "/")
        (params / f"{name}.yaml").write_text(text)
    out = tmp_path / "reports"
    result = sroi("batch", params, "--out", out, "--workers", "1", "--strict")
    assert result.returncode == 2
    assert "0 of 2 contracts done" in result.stdout and result.stdout.count("refused: ") == 2
    assert "over-claiming warning (Same stakeholder and outcome valued more than once)" in result.stdout
    assert not out.exists() or not any(p for p in out.iterdir() if not p.name.startswith("."))
