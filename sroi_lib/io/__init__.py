"""Layer ``io`` (the lowest): reading tables from CSV and Excel and checking them against their file contracts.

* :mod:`~sroi_lib.io.tables`: a file's cells as they stand, with spreadsheet row numbers;
* :mod:`~sroi_lib.io.cells`: columns, numbers, money and percentages, checked cell by cell;
* :mod:`~sroi_lib.io.impact_map`: impact maps and inputs.

Imports only :mod:`sroi_lib.errors` and :mod:`sroi_lib.paths` from the package.
"""
