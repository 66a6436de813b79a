"""BLAS-shaped products, the ops the specialize phase puts in place of `dot` so that a compiled
graph shows which BLAS routine runs, as Theano's do: `Gemv{no_inplace}` (y <- beta*y +
alpha * A @ x) and `Dot22` (matrix @ matrix).

Both take float32 or float64 operands of one dtype. symgrad writes every result to fresh memory,
hence `no_inplace`. When beta is 0, y is not read (as in BLAS), so a Gemv standing for a plain
dot takes an `alloc` of zeros that it never reads.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply, Constant
from symgrad.graph.op import Op
from symgrad.tensor.basic import as_tensor_variable
from symgrad.tensor.math import Dot, add, dot, mul, outer
from symgrad.tensor.math import sum as tsum

BLAS_DTYPES = ("float32", "float64")


class Dot22(Dot):
    """dot of two matrices of one float dtype: BLAS gemm with alpha 1 and beta 0."""

    def __str__(self) -> str:
        return "Dot22"

    def make_node(self, x, y) -> Apply:
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if x.type.ndim != 2 or y.type.ndim != 2 or x.type.dtype != y.type.dtype \
                or x.type.dtype not in BLAS_DTYPES:
            raise TypeError(f"Dot22 takes two float32 or float64 matrices of one dtype, got "
                            f"{x.type} and {y.type}")
        return super().make_node(x, y)


def beta_is_zero(var) -> bool:
    """Whether a Gemv's beta is the constant 0 (so y is never read)."""
    return isinstance(var, Constant) and not np.any(var.data)


class Gemv(Op):
    """gemv(y, alpha, A, x, beta) = beta * y + alpha * dot(A, x); y is not read when beta is 0."""

    def __str__(self) -> str:
        return "Gemv{no_inplace}"

    def make_node(self, y, alpha, A, x, beta) -> Apply:
        y, alpha, A, x, beta = map(as_tensor_variable, (y, alpha, A, x, beta))
        dtype = y.type.dtype
        ndims = (y.type.ndim, alpha.type.ndim, A.type.ndim, x.type.ndim, beta.type.ndim)
        if ndims != (1, 0, 2, 1, 0) or dtype not in BLAS_DTYPES or any(
                v.type.dtype != dtype for v in (alpha, A, x, beta)):
            raise TypeError("Gemv takes (vector y, scalar alpha, matrix A, vector x, scalar "
                            "beta) of one float32 or float64 dtype, got "
                            f"{[str(v.type) for v in (y, alpha, A, x, beta)]}")
        return Apply(self, [y, alpha, A, x, beta], [y.type()])

    def perform(self, node, inputs, output_storage) -> None:
        y, alpha, A, x, beta = inputs
        if A.shape[1] != x.shape[0] or (A.shape[0] != y.shape[0]):
            raise ValueError(f"gemv: shapes A {A.shape}, x {x.shape} and y {y.shape} are not "
                             "aligned")
        out = alpha * np.dot(A, x)
        if beta != 0:
            out = out + beta * y
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        y, alpha, A, x, beta = inputs
        (gz,) = output_grads
        ax = dot(A, x)
        return [mul(beta, gz), tsum(mul(gz, ax)), mul(alpha, outer(gz, x)),
                mul(alpha, dot(A.T, gz)), tsum(mul(gz, y))]

    def R_op(self, inputs, eval_points):
        y, alpha, A, x, beta = inputs
        ey, ealpha, eA, ex, ebeta = eval_points
        terms = []
        if ey is not None:
            terms.append(mul(beta, ey))
        if ebeta is not None:
            terms.append(mul(ebeta, y))
        if ealpha is not None:
            terms.append(mul(ealpha, dot(A, x)))
        if eA is not None:
            terms.append(mul(alpha, dot(eA, x)))
        if ex is not None:
            terms.append(mul(alpha, dot(A, ex)))
        if not terms:
            return [None]
        return [terms[0] if len(terms) == 1 else add(*terms)]


dot22 = Dot22()
gemv_no_inplace = Gemv()
