"""The shape of sroi_lib (docs/architecture.md): layers, no cycles, no private names across modules,
one owner for each fact, and a front door that loads nothing until asked."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "sroi_lib"
MODULES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names."""
    if not node.level:
        return node.module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def test_import_linter_contracts_are_kept():
    # pyproject.toml: layers (cli > views > reports > control > proxies > core > io > paths > errors),
    # no plotting or papermill below reports, no import cycles.
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_each_layer_is_a_package_with_a_docstring():
    for layer in ("io", "core", "proxies", "control", "reports", "views"):
        init = PACKAGE / layer / "__init__.py"
        assert init.is_file(), layer
        assert ast.get_docstring(ast.parse(init.read_text())), f"{layer}/__init__.py says what the layer holds"
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top == {"__init__.py", "errors.py", "paths.py", "cli.py"}


def test_every_module_says_what_it_is_and_what_it_offers():
    for path in MODULES:
        tree = ast.parse(path.read_text())
        assert ast.get_docstring(tree), f"{path.relative_to(ROOT)} has no docstring"
        if path.name != "__init__.py" and path.name != "cli.py":
            names = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
            assert "__all__" in names, f"{path.relative_to(ROOT)} has no __all__"


def test_no_private_name_is_used_outside_its_module():
    offences = []
    for path in MODULES:
        tree = ast.parse(path.read_text())
        modules = {}  # local name -> sroi_lib module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = resolve(path, node)
                if not source.startswith("sroi_lib"):
                    continue
                for alias in node.names:
                    if alias.name.startswith("_") and alias.name != "__version__":
                        offences.append(f"{path.relative_to(ROOT)}: imports {alias.name} from {source}")
                    modules[alias.asname or alias.name] = f"{source}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("sroi_lib"):
                        modules[alias.asname or alias.name] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name) and node.value.id in modules):
                offences.append(f"{path.relative_to(ROOT)}: uses {node.value.id}.{node.attr}")
    assert offences == []


def code_strings(path: Path) -> list[str]:
    """Every string constant in a module's code, docstrings left out."""
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


@pytest.mark.parametrize("fact, owner", [
    ("best_city_ambition", None),     # the default framework: a setting in data/settings.yaml, in no module
    ("settings.yaml", "core/council.py"),                      # where the council's settings are
    ("SROI_FRAMEWORK", "core/council.py"),
    ("outside the GDP deflator series", "core/prices.py"),     # the price-year range check
    ("results.json", "reports/folder.py"),                     # the report folder's file names
    ("lines.csv", "reports/folder.py"),
    ("manifest.json", "reports/folder.py"),
    ("report.html", "reports/folder.py"),
    ("report.ipynb", "reports/folder.py"),
    ("report.pdf", "reports/folder.py"),
    ("report.docx", "reports/folder.py"),
    ("contract_report.ipynb", "reports/folder.py"),
    ("gdp_deflators.yaml", "core/prices.py"),
    ("discount_schedules.yaml", "core/discounting.py"),
])
def test_each_fact_is_written_in_one_module(fact, owner):
    holders = sorted(str(p.relative_to(PACKAGE)) for p in MODULES if any(fact in s for s in code_strings(p)))
    assert holders == ([owner] if owner else [])


def test_the_front_door_loads_nothing_until_asked():
    probe = ("import sys, sroi_lib; loaded = sorted(m for m in ('pandas', 'numpy', 'sroi_lib.reports', "
             "'sroi_lib.core') if m in sys.modules); print(loaded)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_the_front_door_offers_the_main_entry_points():
    import sroi_lib
    from sroi_lib.reports.audit import audit_report
    from sroi_lib.reports.contract import load_contract, value_files
    from sroi_lib.reports.runner import run_contract

    assert sroi_lib.value_files is value_files and sroi_lib.load_contract is load_contract
    assert sroi_lib.run_contract is run_contract and sroi_lib.audit_report is audit_report
    for name in sroi_lib.__all__:
        assert getattr(sroi_lib, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sroi_lib.nope  # noqa: B018


def test_errors_form_one_family():
    from sroi_lib.errors import CellError, InputError, RunFailed, SroiError

    assert issubclass(InputError, SroiError) and issubclass(RunFailed, SroiError)
    assert issubclass(CellError, InputError) and not issubclass(RunFailed, InputError)
