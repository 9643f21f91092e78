"""Layer ``reports``: contracts, their report folders, runs, audits and the portfolio.

* :mod:`~sroi_lib.reports.params`: a contract's parameters file, checked;
* :mod:`~sroi_lib.reports.contract`: a map or a contract, checked and valued; its results files;
* :mod:`~sroi_lib.reports.folder`: the report folder's layout (the one owner of its file names);
* :mod:`~sroi_lib.reports.manifest`: hashes and versions, for audits;
* :mod:`~sroi_lib.reports.runner`: the report notebook run with papermill, one contract or a batch;
* :mod:`~sroi_lib.reports.audit`: re-run a report and compare;
* :mod:`~sroi_lib.reports.portfolio`: every contract's results together.
* :mod:`~sroi_lib.reports.scaffold`: a new contract's files to fill in (``sroi new``).
"""
