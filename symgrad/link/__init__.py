"""Linkers: turn a FunctionGraph into a callable `runner(input_values) -> output_values`.

In: a rewritten FunctionGraph. Out: a runner computing its outputs from its inputs' values.

`python` is the reference VM (Op.perform with numpy); faster backends register themselves
under a name with `register_linker` and must agree with it on every graph.
"""
from __future__ import annotations

from typing import Callable

_linkers: dict[str, Callable] = {}


def register_linker(name: str, factory: Callable) -> None:
    """factory() -> linker object with `make_runner(fgraph)`."""
    _linkers[name] = factory


def get_linker(name: str):
    try:
        return _linkers[name]()
    except KeyError:
        raise ValueError(f"unknown linker {name!r}; known: {sorted(_linkers)}") from None


def available_linkers() -> list[str]:
    return sorted(_linkers)


from symgrad.link.python import PythonLinker  # noqa: E402

register_linker("py", PythonLinker)
register_linker("python", PythonLinker)
register_linker("vm", PythonLinker)  # Theano's name for its lazy-capable VM

from symgrad.link.numba import NumbaLinker, TieredLinker  # noqa: E402

register_linker("numba", NumbaLinker)
register_linker("tiered", TieredLinker)
