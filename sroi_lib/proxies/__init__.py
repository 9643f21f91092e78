"""Layer ``proxies``: the library of financial proxies and the importers that bring in a council's own lists.

* :mod:`~sroi_lib.proxies.library`: load, check, search and re-price proxies;
* :mod:`~sroi_lib.proxies.importers`: Social Value Engine exports, National TOMs sheets, any mapped table.
"""
