"""BLAS ops in place of dot (specialize): the compiled graph names the routine that runs.

dot(matrix, vector) becomes Gemv, dot(vector, matrix) a Gemv of the transposed matrix, and
dot(matrix, matrix) Dot22, when the operands and the result share a float32/float64 dtype.
Other products (integers, mixed dtypes, vector . vector) stay dot. A gemv then takes in the
vector it is added to, scaled or not (beta * y + alpha * dot(A, x)), as Theano's does.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Constant
from symgrad.rewriting.db import register
from symgrad.rewriting.engine import constant_of, node_rewriter
from symgrad.scalar import basic as sb
from symgrad.tensor.basic import alloc, constant
from symgrad.tensor.blas import BLAS_DTYPES, Gemv, beta_is_zero, dot22, gemv_no_inplace
from symgrad.tensor.elemwise import Elemwise
from symgrad.tensor.math import Dot
from symgrad.tensor.shape import shape_i


def _scalar(value: float, dtype: str):
    return constant(np.asarray(value, dtype=dtype))


@register("specialize")
@node_rewriter([Dot])
def local_dot_to_blas(fgraph, node):
    """dot(A, x) -> Gemv{no_inplace}(alloc(0, rows), 1, A, x, 0); dot(A, B) -> Dot22(A, B)"""
    if type(node.op) is not Dot:  # Dot22 is a Dot too
        return None
    x, y = node.inputs
    dtype = node.outputs[0].type.dtype
    if dtype not in BLAS_DTYPES or x.type.dtype != dtype or y.type.dtype != dtype:
        return None
    shapes = (x.type.ndim, y.type.ndim)
    if shapes == (2, 2):
        return [dot22(x, y)]
    if shapes == (1, 1):
        return None
    matrix, vector = (x, y) if shapes == (2, 1) else (y.T, x)
    zero, one = _scalar(0.0, dtype), _scalar(1.0, dtype)
    rows = alloc(zero, shape_i(matrix, 0))  # never read: beta is 0
    out = gemv_no_inplace(rows, one, matrix, vector, zero)
    if out.type != node.outputs[0].type:
        return None
    return [out]


def _scaled(var):
    """(c, v) when var is c * v with c a constant number (seen through broadcasting), else
    (None, var)."""
    node = var.owner
    if node is None or not isinstance(node.op, Elemwise) or len(node.inputs) != 2 \
            or not isinstance(node.op.scalar_op, sb.Mul):
        return None, var
    for k in (0, 1):
        const = constant_of(node.inputs[k])
        if const is not None and np.size(const.data) == 1:
            return np.asarray(const.data).reshape(()), node.inputs[1 - k]
    return None, var


def _plain_gemv(fgraph, var):
    """The Gemv node computing var when it stands for a plain scaled dot (beta 0, constant
    alpha) and nothing else reads it, so it can take in a y."""
    node = var.owner
    if node is None or not isinstance(node.op, Gemv) or not beta_is_zero(node.inputs[4]) \
            or not isinstance(node.inputs[1], Constant) or len(fgraph.clients[var]) != 1:
        return None
    return node


@register("specialize")
@node_rewriter([sb.Add, sb.Sub])
def local_gemv_take_y(fgraph, node):
    """b * y + a * dot(A, x) -> Gemv{no_inplace}(y, a, A, x, b) (also y - a * dot(A, x))"""
    out = node.outputs[0]
    if len(node.inputs) != 2 or out.type.ndim != 1 or out.type.dtype not in BLAS_DTYPES:
        return None
    dtype = out.type.dtype
    subtract = isinstance(node.op.scalar_op, sb.Sub)
    for k in ((1,) if subtract else (0, 1)):  # which input is the product
        scale, product = _scaled(node.inputs[k])
        gemv = _plain_gemv(fgraph, product)
        if gemv is None:
            continue
        beta, y = _scaled(node.inputs[1 - k])
        if y.type != out.type:  # y must be a whole vector, not a broadcast number
            continue
        alpha = gemv.inputs[1].data * (1 if scale is None else scale) * (-1 if subtract else 1)
        beta = 1 if beta is None else beta
        _, _, A, x, _ = gemv.inputs
        return [gemv_no_inplace(y, _scalar(alpha, dtype), A, x, _scalar(beta, dtype))]
    return None
