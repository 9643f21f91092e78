"""sroi_lib: an open, auditable social return on investment (SROI) engine.

The core modules (:mod:`~sroi_lib.prices`, :mod:`~sroi_lib.discounting`,
:mod:`~sroi_lib.valuation`) import no notebook, plotting or papermill code, so
``import sroi_lib`` and the ``sroi value`` command stay quick.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
