"""Notebook displays of variables and compiled functions (IPython / Jupyter).

Jupyter shows the richest form an object offers: `_repr_html_` holds the graphviz drawing when
graphviz is installed and the pp text otherwise, so a notebook always shows the graph;
`_repr_pretty_` (the IPython terminal) shows the pp text.
"""
from __future__ import annotations

import html

from symgrad.graph.display import register_renderer
from symgrad.printing.graphviz import svg_or_none, text_of


def _title(obj) -> str | None:
    """A heading for compiled functions: name, inputs and node count."""
    maker = getattr(obj, "maker", None)
    if maker is None:
        return None
    name = f" {obj.name!r}" if getattr(obj, "name", None) else ""
    inputs = ", ".join(str(spec.variable) for spec in maker.inputs if not spec.implicit)
    return (f"symgrad.Function{name}({inputs}): {len(maker.fgraph.apply_nodes)} node(s) "
            "after rewriting")


def pretty_text(obj) -> str:
    """The plain-text display: the heading (for functions) and the pp text of the outputs."""
    title = _title(obj)
    body = text_of(obj)
    return body if title is None else f"<{title}>\n{body}"


def html_of(obj, draw: bool = True) -> str:
    """HTML for a notebook: the drawing when graphviz is there (and `draw`), else the text."""
    title = _title(obj)
    head = f"<div><b>{html.escape(title)}</b></div>" if title else ""
    svg = svg_or_none(obj) if draw else None
    if svg is not None:
        svg = svg[svg.find("<svg"):]  # drop the XML prologue: HTML embeds the element only
        return f"{head}<div>{svg}</div>"
    return f"{head}<pre>{html.escape(text_of(obj))}</pre>"


register_renderer("svg", svg_or_none)
register_renderer("html", html_of)
register_renderer("text", pretty_text)
