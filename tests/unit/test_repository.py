"""Project standards that a change could silently break."""

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_notebooks_are_committed_without_outputs_and_with_parameters():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "expected notebooks under notebooks/"
    for path in notebooks:
        name = path.name
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), \
            f"{name} has outputs: run `make strip`"
        assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in code), \
            f"{name} has no cell tagged 'parameters'"


def test_sroi_value_path_imports_no_plotting_or_papermill(worked_map):
    probe = (
        "import sys; from sroi_lib.cli import main; "
        f"code = main(['value', {str(worked_map)!r}, '--investment', '1000', '--json']); "
        "heavy = sorted(m for m in ('matplotlib', 'seaborn', 'papermill', 'nbformat', 'ipywidgets') if m in sys.modules); "
        "print(heavy, file=sys.stderr); sys.exit(code)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "[]"
