"""Symbolic shapes: `x.shape`, one dimension's length, and helpers built on them."""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.type import TensorType


class Shape(Op):
    """x.shape as an int64 vector."""

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType("int64", (x.type.ndim == 1,))()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = np.asarray(inputs[0].shape, dtype="int64")

    def infer_shape(self, fgraph, node, shapes):
        return [(len(shapes[0]),)]

    def L_op(self, inputs, outputs, output_grads):
        return [None]

    def R_op(self, inputs, eval_points):
        return [None]

    def connection_pattern(self, node):
        return [[False]]


class ShapeI(Op):
    """The length of one dimension of x, an int64 scalar."""

    __props__ = ("i",)

    def __init__(self, i: int) -> None:
        self.i = int(i)

    def __str__(self) -> str:
        return f"Shape_i{{{self.i}}}"

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        if not 0 <= self.i < x.type.ndim:
            raise ValueError(f"{x} has {x.type.ndim} dims, no dimension {self.i}")
        return Apply(self, [x], [TensorType("int64", ())()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = np.asarray(inputs[0].shape[self.i], dtype="int64")

    def infer_shape(self, fgraph, node, shapes):
        return [()]

    def L_op(self, inputs, outputs, output_grads):
        return [None]

    def R_op(self, inputs, eval_points):
        return [None]

    def connection_pattern(self, node):
        return [[False]]


shape = Shape()


def shape_i(x, i: int):
    """Length of dimension i of x; a constant when x's type says it is 1."""
    x = as_tensor_variable(x)
    if x.type.broadcastable[i]:
        return as_tensor_variable(np.int64(1))
    return ShapeI(i)(x)
