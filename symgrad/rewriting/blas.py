"""BLAS ops in place of dot (specialize): the compiled graph names the routine that runs.

dot(matrix, vector) becomes Gemv, dot(vector, matrix) a Gemv of the transposed matrix, and
dot(matrix, matrix) Dot22, when the operands and the result share a float32/float64 dtype.
Other products (integers, mixed dtypes, vector . vector) stay dot.
"""
from __future__ import annotations

import numpy as np

from symgrad.rewriting.db import register
from symgrad.rewriting.engine import node_rewriter
from symgrad.tensor.basic import alloc, constant
from symgrad.tensor.blas import BLAS_DTYPES, dot22, gemv_no_inplace
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
