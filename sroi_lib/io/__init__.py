"""Layer ``io`` (the lowest): reading tables from CSV and Excel and checking them against their file contracts.

* :mod:`~sroi_lib.io.tables`: a file's cells as they stand, with spreadsheet row numbers;
* :mod:`~sroi_lib.io.cells`: columns, numbers, money and percentages, checked cell by cell;
* :mod:`~sroi_lib.io.impact_map`: impact maps and inputs;
* :mod:`~sroi_lib.io.totals`: totals and subtotal rows, found and refused;
* :mod:`~sroi_lib.io.limits`: the documented limits (docs/limits.md);
* :mod:`~sroi_lib.io.filekinds`: what a file really is (encodings, workbooks that are not);
* :mod:`~sroi_lib.io.safe`: tables sroi writes (would-be formulas neutralised, written whole or not at all).

Imports only :mod:`sroi_lib.errors` and :mod:`sroi_lib.paths` from the package.
"""
