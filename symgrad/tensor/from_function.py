"""Theano's `compile.ops.as_op` (re-exported there): an Op made from a Python function on
numpy arrays. It lives with the tensor ops, so that backends can register it.

    @as_op(itypes=[T.dmatrix], otypes=[T.dvector])
    def row_norms(m):
        return np.sqrt((m ** 2).sum(axis=1))

`row_norms(x)` is then a graph node. The function runs on the Python VM under the numba linker
(numba cannot compile an arbitrary Python function) and as a host callback under JAX (which
needs the result shapes: static ones or infer_shape); it has no gradient unless the Op is
subclassed with one.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.graph.type import Type
from symgrad.tensor.constant import as_tensor_variable


def _as_type(t):
    """A Type from a Type or from a variable constructor such as T.dmatrix."""
    return t if isinstance(t, Type) else t().type


class FromFunctionOp(Op):
    """An Op whose perform calls `fn(*input_values)`; inputs and outputs have fixed types."""

    __props__ = ("fn", "itypes", "otypes")

    def __init__(self, fn: Callable, itypes: Sequence, otypes: Sequence,
                 infer_shape: Callable | None = None) -> None:
        self.fn = fn
        self.itypes = tuple(map(_as_type, itypes))
        self.otypes = tuple(map(_as_type, otypes))
        self._infer_shape = infer_shape
        self.__name__ = getattr(fn, "__name__", "FromFunctionOp")
        self.__doc__ = fn.__doc__

    def __str__(self) -> str:
        return f"FromFunctionOp{{{self.__name__}}}"

    def make_node(self, *inputs) -> Apply:
        if len(inputs) != len(self.itypes):
            raise TypeError(f"{self.__name__} takes {len(self.itypes)} inputs, got {len(inputs)}")
        inputs = [as_tensor_variable(x) for x in inputs]
        for i, (x, t) in enumerate(zip(inputs, self.itypes)):
            if x.type != t:
                raise TypeError(f"{self.__name__}: input {i} must be {t}, got {x.type}")
        return Apply(self, inputs, [t() for t in self.otypes])

    def perform(self, node, inputs, output_storage) -> None:
        results = self.fn(*inputs)
        if len(self.otypes) == 1:
            results = [results]
        if len(results) != len(self.otypes):
            raise ValueError(f"{self.__name__} returned {len(results)} values for "
                             f"{len(self.otypes)} outputs")
        for cell, value, t in zip(output_storage, results, self.otypes):
            cell[0] = t.filter(np.asarray(value))

    def R_op(self, inputs, eval_points):
        raise NotImplementedError(f"{self.__name__} is a Python function (as_op): symgrad "
                                  "cannot differentiate it")

    def infer_shape(self, fgraph, node, input_shapes):
        if self._infer_shape is None:
            raise NotImplementedError(f"{self.__name__} was made without infer_shape")
        return self._infer_shape(fgraph, node, input_shapes)


def as_op(itypes: Sequence, otypes: Sequence, infer_shape: Callable | None = None):
    """Decorator: the function becomes a FromFunctionOp with these input and output types.
    `infer_shape(fgraph, node, input_shapes) -> output shapes`, when given, lets shape
    rewrites see through the op."""
    itypes, otypes = list(itypes), list(otypes)
    if not itypes or not otypes:
        raise TypeError("as_op needs itypes and otypes, lists of tensor types")

    def make(fn: Callable) -> FromFunctionOp:
        return FromFunctionOp(fn, itypes, otypes, infer_shape)
    return make
