"""Sorting: sort (differentiable: the gradient goes back to where each value came from) and
argsort (integer, no gradient)."""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.scalar.type import discrete_dtypes
from symgrad.tensor.basic import arange, as_tensor_variable, zeros_like
from symgrad.tensor.elemwise import DimShuffle
from symgrad.tensor.shape import flatten, shape_i
from symgrad.tensor.subtensor import getitem, inc_subtensor
from symgrad.tensor.type import TensorType

_KINDS = ("quicksort", "mergesort", "heapsort", "stable")


class _SortBase(Op):
    __props__ = ("axis", "kind")

    def __init__(self, axis: int, kind: str = "quicksort") -> None:
        if kind not in _KINDS:
            raise ValueError(f"sort kind must be one of {_KINDS}, got {kind!r}")
        self.axis = int(axis)
        self.kind = kind

    def __str__(self) -> str:
        return f"{type(self).__name__}{{axis={self.axis}}}"

    def _check(self, x):
        x = as_tensor_variable(x)
        if not 0 <= self.axis < x.type.ndim:
            raise ValueError(f"{self}: {x} has no axis {self.axis}")
        return x

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]


def _positions(x, order, axis: int) -> tuple:
    """An advanced index that reads x in `order` along `axis`: aranges elsewhere, each
    broadcast along its own axis, so x[key] is np.take_along_axis(x, order, axis)."""
    key = []
    for a in range(x.type.ndim):
        if a == axis:
            key.append(order)
        else:
            pattern = ["x"] * x.type.ndim
            pattern[a] = 0
            key.append(DimShuffle(1, pattern)(arange(shape_i(x, a))))
    return tuple(key)


class Sort(_SortBase):
    """x sorted along `axis`. Its gradient follows the stable order whatever `kind` is: among
    equal values, the first in x receives the gradient of the first sorted position (as JAX)."""

    def make_node(self, x) -> Apply:
        x = self._check(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = np.sort(inputs[0], axis=self.axis, kind=self.kind)

    def L_op(self, inputs, outputs, output_grads):
        (x,) = inputs
        if x.type.dtype in discrete_dtypes:
            return [None]
        key = _positions(x, ArgSort(self.axis, "stable")(x), self.axis)
        return [inc_subtensor(getitem(zeros_like(x), key), output_grads[0])]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        (x,) = inputs
        return [getitem(eval_points[0], _positions(x, ArgSort(self.axis, "stable")(x),
                                                   self.axis))]


class ArgSort(_SortBase):
    """The int64 positions that sort x along `axis`."""

    def make_node(self, x) -> Apply:
        x = self._check(x)
        return Apply(self, [x], [TensorType("int64", x.type.broadcastable)()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = np.argsort(inputs[0], axis=self.axis, kind=self.kind).astype(
            "int64")

    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, output_grads):
        return [None]

    def R_op(self, inputs, eval_points):
        return [None]


def _prepare(a, axis):
    a = as_tensor_variable(a)
    if axis is None:
        return flatten(a), 0
    if not -a.type.ndim <= axis < a.type.ndim:
        raise ValueError(f"sort: axis {axis} is out of range for {a} ({a.type.ndim} dims)")
    return a, axis + a.type.ndim if axis < 0 else axis


def sort(a, axis: int | None = -1, kind: str = "quicksort", order=None):
    """a sorted along `axis` (the flattened array when None); differentiable."""
    if order is not None:
        raise ValueError("sort: `order` applies to structured arrays, which symgrad lacks")
    a, axis = _prepare(a, axis)
    return Sort(axis, kind)(a)


def argsort(a, axis: int | None = -1, kind: str = "quicksort", order=None):
    """The int64 positions that sort a along `axis` (the flattened array when None)."""
    if order is not None:
        raise ValueError("argsort: `order` applies to structured arrays, which symgrad lacks")
    a, axis = _prepare(a, axis)
    return ArgSort(axis, kind)(a)


__all__ = ["ArgSort", "Sort", "argsort", "sort"]
