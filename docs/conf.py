"""Sphinx configuration: `make docs` builds the HTML into docs/_build/html with -W."""
from __future__ import annotations

import os
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # document this checkout's symgrad, not an installed one
sys.path.insert(0, str(HERE / "_ext"))
# the figure scripts compile small graphs: the Python VM draws them without a numba compile
os.environ.setdefault("SYMGRAD_FLAGS", "linker=py")

project = "symgrad"
author = "the symgrad authors"
copyright = "2026, the symgrad authors"
release = version = "0.1.0"

# no math extension: MathJax would load from a CDN, and the pages must read offline
extensions = ["sphinx.ext.autodoc", "figures", "apipages"]
# docstrings write code in single backticks
default_role = "code"
exclude_patterns = ["_build"]
templates_path: list[str] = []
html_theme = "alabaster"
html_static_path = ["_static"]
html_theme_options = {"description": "a symbolic tensor compiler with Theano's API",
                      "page_width": "1100px", "sidebar_width": "240px"}
html_sidebars = {"**": ["about.html", "navigation.html", "searchbox.html"]}

autodoc_member_order = "bysource"
# signatures show the hints as written; resolving them is the reader's job, not Sphinx's
autodoc_typehints = "none"
