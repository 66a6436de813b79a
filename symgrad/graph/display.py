"""Notebook displays without upward imports: the printing package registers the renderers.

Variables and compiled functions show themselves in IPython/Jupyter as a drawing (svg), HTML or
text. The code that draws lives in `symgrad.printing`, above every stage; it registers its
functions here when imported (`symgrad` imports it), so the graph core never imports it.
"""
from __future__ import annotations

from collections.abc import Callable

_RENDERERS: dict[str, Callable] = {}


def register_renderer(kind: str, render: Callable) -> None:
    """Install `render(obj)` for `kind` ('svg', 'html' or 'text')."""
    _RENDERERS[kind] = render


def render(kind: str, obj):
    """The registered rendering of `obj`, or None when no renderer of that kind is installed."""
    renderer = _RENDERERS.get(kind)
    return None if renderer is None else renderer(obj)


class Displayable:
    """Mixin giving IPython's display hooks through the registered renderers."""

    def _repr_svg_(self) -> str | None:
        return render("svg", self)

    def _repr_html_(self) -> str | None:
        return render("html", self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        text = render("text", self)
        printer.text(repr(self) if text is None else text)
