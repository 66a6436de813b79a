"""The JAX implementation table: one `jax_funcify(op, node)` per Op class (singledispatch).

`jax_funcify(op, node)` returns a function of the node's input values (jax arrays while
tracing, numpy arrays for values known when tracing) that returns the node's output (a tuple
when it has several). Some inputs decide shapes (an alloc's shape, a slice's bounds, a
random draw's size): XLA needs them as numbers when it compiles, so `static_inputs(op, node)`
names their positions and the linker makes the graph inputs they come from compile-time values
(see linker.py). An Op class without an implementation is an error when linking;
`ops_without_jax()` lists them for the totality test.
"""
from __future__ import annotations

from functools import singledispatch

import jax
import numpy as np

from symgrad.graph.inline import is_inlinable
from symgrad.link.numba.dispatch import all_op_classes


class MissingJaxImplementation(NotImplementedError):
    """An op in the graph has no JAX implementation."""


@singledispatch
def jax_funcify(op, node):
    """A function computing `node` with jax.numpy; registered per Op class."""
    raise MissingJaxImplementation(
        f"{type(op).__name__} has no JAX implementation; register one with "
        f"@jax_funcify.register({type(op).__name__}) in symgrad/link/jax, or compile with "
        "another linker")


@singledispatch
def static_inputs(op, node) -> tuple[int, ...]:
    """Positions of the node's inputs that must be known when the graph is compiled."""
    return ()


@singledispatch
def folds_when_known(op, node) -> bool:
    """Whether a node whose inputs are all known may run once while tracing (its numpy
    `perform`); an op with an effect on each call (a print) says no."""
    return True


@singledispatch
def ragged_outputs(op, node) -> tuple[int, ...]:
    """Positions of the node's outputs whose length along axis 0 is known only when the graph
    runs (a loop stopped by a condition): the implementation returns them as `Ragged`."""
    return ()


class Ragged:
    """A value padded to a compile-time length, with its true length (a traced scalar).

    XLA needs every shape when compiling, so such a value can only be a graph output: the
    runner cuts it to `length` rows after the call (the linker checks nothing else reads it)."""

    def __init__(self, padded, length) -> None:
        self.padded, self.length = padded, length


# a pytree, so a jitted program can return one
jax.tree_util.register_pytree_node(
    Ragged, lambda r: ((r.padded, r.length), None), lambda _, kids: Ragged(*kids))


def has_jax(cls: type) -> bool:
    # an op standing for a graph is traced as that graph (graph/inline.py)
    return is_inlinable(cls) or jax_funcify.dispatch(cls) is not jax_funcify.dispatch(object)


def ops_without_jax() -> list[str]:
    """Names of the tensor-level Op classes that cannot run under the JAX linker."""
    return [f"{c.__module__}.{c.__name__}" for c in all_op_classes() if not has_jax(c)]


def is_concrete(value) -> bool:
    """A value known while tracing (numpy), as opposed to a traced jax value."""
    return isinstance(value, (np.ndarray, np.generic, int, float, bool))


def as_int(value) -> int:
    """A compile-time integer (a static input or a shape entry)."""
    if not is_concrete(value):
        raise TypeError("a value that decides a shape is only known when the graph runs; the "
                        "JAX linker needs it when compiling (make it an input or a constant)")
    return int(value)
