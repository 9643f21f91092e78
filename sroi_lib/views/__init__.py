"""Layer ``views``: how figures are shown. Nothing here computes a figure.

* :mod:`~sroi_lib.views.formatting`: pounds, ratios, percentages, text tables;
* :mod:`~sroi_lib.views.text`: what the terminal prints;
* :mod:`~sroi_lib.views.tables`: the report notebook's tables;
* :mod:`~sroi_lib.views.plots`: figures (matplotlib, seaborn);
* :mod:`~sroi_lib.views.widgets`: the proxy explorer (ipywidgets);
* :mod:`~sroi_lib.views.dashboard`: the portfolio dashboard, served by Voilà;
* :mod:`~sroi_lib.views.dashboard_server`: the Voilà server behind ``sroi dashboard`` (loopback Host headers
  only, a cap on kernels, idle ones culled).
"""
