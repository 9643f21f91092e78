"""Layer ``core``: the SROI method itself.

* :mod:`~sroi_lib.core.prices`: re-pricing with the GDP deflator;
* :mod:`~sroi_lib.core.discounting`: flat rates and the Green Book schedules;
* :mod:`~sroi_lib.core.valuation`: impact, present value and the ratios, with every figure kept;
* :mod:`~sroi_lib.core.checks`: over-claiming checks;
* :mod:`~sroi_lib.core.frameworks`: a council's priorities as groups of themes;
* :mod:`~sroi_lib.core.council`: the council's settings file (its default framework);
* :mod:`~sroi_lib.core.settings`: the price year, discounting and framework, checked in one place;
* :mod:`~sroi_lib.core.records`: tables and values made JSON-ready.

Imports only ``io`` below it, and never plotting, notebook or papermill code.
"""
