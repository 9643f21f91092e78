"""sroi_lib: an open, auditable social return on investment (SROI) engine.

The main entry points are here, loaded only when first used so that
``import sroi_lib`` stays instant::

    import sroi_lib
    valued = sroi_lib.value_files("impact_map.csv", "inputs.csv")     # value a map (what `sroi value` does)
    run = sroi_lib.load_contract("parameters/lcc-care-at-home.yaml")  # check and value one contract
    result = sroi_lib.run_contract("parameters/lcc-care-at-home.yaml", "reports")  # write its report folder
    audit = sroi_lib.audit_report("reports/lcc-care-at-home")         # re-run it and compare

The library is built in layers, each a sub-package that imports only the layers
below it: ``io`` (reading tables), ``core`` (prices, discounting, valuation,
checks, frameworks), ``proxies``, ``control`` (commitments and supplier
returns), ``reports`` (contracts, report folders, runs, audits, the portfolio),
``views`` (formatting, tables, plots, widgets, the dashboard), and ``cli``.
docs/architecture.md draws them.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# name: the module that owns it
_ENTRY_POINTS = {
    "value_files": "sroi_lib.reports.contract",
    "load_contract": "sroi_lib.reports.contract",
    "load_params": "sroi_lib.reports.params",
    "run_contract": "sroi_lib.reports.runner",
    "run_batch": "sroi_lib.reports.runner",
    "audit_report": "sroi_lib.reports.audit",
    "load_portfolio": "sroi_lib.reports.portfolio",
    "value": "sroi_lib.core.valuation",
    "read_impact_map": "sroi_lib.io.impact_map",
    "read_inputs": "sroi_lib.io.impact_map",
    "library_with": "sroi_lib.proxies.library",
    "SroiError": "sroi_lib.errors",
    "InputError": "sroi_lib.errors",
    "Problem": "sroi_lib.errors",
}

__all__ = ["__version__", *_ENTRY_POINTS]


def __getattr__(name: str):
    """Load an entry point from its module the first time it is asked for."""
    module = _ENTRY_POINTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sroi_lib' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_ENTRY_POINTS))
