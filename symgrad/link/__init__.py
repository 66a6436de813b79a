"""Linkers: turn a FunctionGraph into a callable `runner(input_values) -> output_values`.

In: a rewritten FunctionGraph. Out: a runner computing its outputs from its inputs' values.

`python` is the reference VM (Op.perform with numpy); faster backends register themselves
under a name with `register_linker` and must agree with it on every graph.
"""
from __future__ import annotations

from collections.abc import Callable

_linkers: dict[str, Callable] = {}


def register_linker(name: str, factory: Callable) -> None:
    """factory(**options) -> linker object with `make_runner(fgraph)`."""
    _linkers[name] = factory


def get_linker(name: str, **options):
    try:
        factory = _linkers[name]
    except KeyError:
        raise ValueError(f"unknown linker {name!r}; known: {sorted(_linkers)}") from None
    return factory(**options)


def available_linkers() -> list[str]:
    return sorted(_linkers)


from symgrad.link.python import PythonLinker

register_linker("py", PythonLinker)
register_linker("python", PythonLinker)
register_linker("vm", PythonLinker)  # Theano's name for its lazy-capable VM

from symgrad.link.numba import NumbaLinker, TieredLinker

register_linker("numba", NumbaLinker)
register_linker("tiered", TieredLinker)


def _jax_linker(**options):
    """The JAX linker, imported on first use: jax is an optional dependency."""
    try:
        import jax  # noqa: F401
    except ImportError as exc:
        raise ImportError("the JAX linker (mode='JAX') needs jax: pip install symgrad[jax]"
                          ) from exc
    from symgrad.link.jax import JaxLinker

    return JaxLinker(**options)


register_linker("jax", _jax_linker)
