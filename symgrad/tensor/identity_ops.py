"""Theano's ViewOp and DeepCopyOp (`theano.compile.ops`): x itself, as a view of x or as a
copy. symgrad's linkers decide aliasing and copies themselves, so both stand for the graph
`x` (`inline_graph`): the rewriter and the compiled backends drop them, and only the
Python VM without rewrites runs their perform."""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.tensor.constant import as_tensor_variable

__all__ = ["DeepCopyOp", "ViewOp", "deep_copy_op", "view_op"]


class _Identity(Op):
    is_inline = True  # removed by the rewriter's inlining pass

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def inline_graph(self, inputs) -> list:
        return [inputs[0]]

    def infer_shape(self, fgraph, node, input_shapes):
        return [input_shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        return [output_grads[0]]

    def R_op(self, inputs, eval_points):
        return [eval_points[0]]


class ViewOp(_Identity):
    """x, returned as the same array (a view)."""

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = inputs[0]


class DeepCopyOp(_Identity):
    """x, returned as a copy."""

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = np.array(inputs[0], copy=True)


view_op, deep_copy_op = ViewOp(), DeepCopyOp()
