"""Layer ``control``: what a supplier committed against what it delivered.

* :mod:`~sroi_lib.control.periods`: quarters such as ``2025-Q3``;
* :mod:`~sroi_lib.control.tracking`: commitments, delivery to date, forecasts and RAG status;
* :mod:`~sroi_lib.control.returns`: the supplier's quarterly returns workbook and its checks.
"""
