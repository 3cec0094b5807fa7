"""thermo_utils: models, estimators, data and the runner behind the book.

Notebooks import from here; nothing here imports a notebook.
"""

__version__ = "0.1.0"
