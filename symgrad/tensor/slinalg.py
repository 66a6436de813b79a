"""Linear algebra through scipy.linalg: Cholesky factorisation and linear solves.

Routines that read only one triangle of a matrix get gradients that land on that triangle, so
finite differences of the very same call agree with them.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.scalar.type import upcast
from symgrad.tensor.basic import as_tensor_variable, cast, identity_like
from symgrad.tensor.math import dot, outer
from symgrad.tensor.nlinalg import (
    as_float_matrix,
    check_square,
    no_gradient,
    symmetric_read_gradient,
    symmetric_tangent,
    tril,
    triu,
)
from symgrad.tensor.type import TensorType


class Cholesky(Op):
    """The Cholesky factor of a symmetric positive-definite matrix: lower L with x = L L^T, or
    upper U with x = U^T U. Only that triangle of x is read."""

    __props__ = ("lower",)

    def __init__(self, lower: bool = True) -> None:
        self.lower = bool(lower)

    def make_node(self, x) -> Apply:
        x = as_float_matrix(x, "cholesky")
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        check_square(inputs[0], "cholesky")
        try:
            out = scipy.linalg.cholesky(inputs[0], lower=self.lower)
        except np.linalg.LinAlgError as exc:
            raise np.linalg.LinAlgError(f"cholesky: the matrix is not positive definite ({exc})"
                                        ) from None
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        return [CholeskyGrad(self.lower)(outputs[0], output_grads[0])]

    def R_op(self, inputs, eval_points):
        """dL = L Phi(L^-1 dA L^-T), Phi taking the lower triangle with the diagonal halved."""
        (x,), (dx,) = inputs, eval_points
        if dx is None:
            return [None]
        low = self(x) if self.lower else self(x).T
        d_sym = symmetric_tangent(dx, self.lower)
        # L^-1 dA L^-T, as two triangular solves (dA is symmetric)
        inner = solve_triangular(low, solve_triangular(low, d_sym, lower=True).T, lower=True)
        phi = tril(inner) - 0.5 * inner * identity_like(x)
        d_low = dot(low, phi)
        return [d_low if self.lower else d_low.T]


class CholeskyGrad(Op):
    """Gradient of Cholesky. With L the lower factor, L_bar its gradient and Phi(X) the lower
    triangle of X with the diagonal halved, the gradient wrt the symmetric matrix is
    L^-T Phi(L^T L_bar) L^-1; it is then folded onto the triangle Cholesky reads."""

    r_op_from_l_op = True  # forward mode: its L_op, transposed

    __props__ = ("lower",)

    def __init__(self, lower: bool = True) -> None:
        self.lower = bool(lower)

    def make_node(self, factor, g_factor) -> Apply:
        factor, g_factor = as_tensor_variable(factor), as_tensor_variable(g_factor)
        return Apply(self, [factor, g_factor], [factor.type()])

    def perform(self, node, inputs, output_storage) -> None:
        factor, g = inputs
        low, g_low = (factor, g) if self.lower else (factor.T, g.T)
        phi = np.tril(low.T @ g_low)
        phi[np.diag_indices_from(phi)] *= 0.5
        left = scipy.linalg.solve_triangular(low, phi, trans="T", lower=True)
        full = scipy.linalg.solve_triangular(low, left.T, trans="T", lower=True).T
        folded = np.tril(full) + np.triu(full, 1).T if self.lower else \
            np.triu(full) + np.tril(full, -1).T
        output_storage[0][0] = np.asarray(folded, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        no_gradient(self, " (the second derivative of cholesky is not implemented)")


def cholesky(x, lower: bool = True):
    return Cholesky(lower)(x)


_STRUCTURES = ("gen", "sym", "pos", "lower_triangular", "upper_triangular")
_THEANO_NAMES = {"general": "gen", "symmetric": "sym"}


class Solve(Op):
    """x with a x = b, for b a vector or a matrix of right-hand sides.

    `assume_a` says what a is: 'gen' (general), 'sym' or 'pos' (symmetric, positive definite;
    only the `lower` or upper triangle is read), 'lower_triangular' or 'upper_triangular'.
    """

    __props__ = ("assume_a", "lower")

    def __init__(self, assume_a: str = "gen", lower: bool = False) -> None:
        assume_a = _THEANO_NAMES.get(assume_a, assume_a)
        if assume_a not in _STRUCTURES:
            raise ValueError(f"assume_a must be one of {_STRUCTURES}, got {assume_a!r}")
        if assume_a.endswith("_triangular"):
            lower = assume_a == "lower_triangular"
        self.assume_a = assume_a
        self.lower = bool(lower)

    def __str__(self) -> str:
        return f"Solve{{{self.assume_a}, lower={self.lower}}}"

    @property
    def triangular(self) -> bool:
        return self.assume_a.endswith("_triangular")

    def make_node(self, a, b) -> Apply:
        a = as_float_matrix(a, "solve")
        b = as_tensor_variable(b)
        if b.type.ndim not in (1, 2):
            raise TypeError(f"solve: b must be a vector or a matrix, got {b} ({b.type})")
        dtype = upcast(a.type.dtype, b.type.dtype)
        if dtype != a.type.dtype:
            a = cast(a, dtype)
        if dtype != b.type.dtype:
            b = cast(b, dtype)
        return Apply(self, [a, b], [TensorType(dtype, (False,) * b.type.ndim)()])

    def perform(self, node, inputs, output_storage) -> None:
        a, b = inputs
        check_square(a, "solve")
        if a.shape[0] != b.shape[0]:
            raise ValueError(f"solve: a has {a.shape[0]} rows but b has {b.shape[0]}")
        if self.triangular:
            x = scipy.linalg.solve_triangular(a, b, lower=self.lower)
        else:
            x = scipy.linalg.solve(a, b, assume_a=self.assume_a, lower=self.lower)
        output_storage[0][0] = np.asarray(x, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[1]]

    def _read_part(self, m):
        """The part of a perturbation (or gradient) of `a` that this solve actually uses."""
        if self.triangular:
            return tril(m) if self.lower else triu(m)
        if self.assume_a in ("sym", "pos"):
            return symmetric_read_gradient(m, self.lower)
        return m

    def _transposed_solve(self, a, rhs):
        """Solve a^T y = rhs with the matrix this op reads."""
        if self.triangular:
            return Solve("upper_triangular" if self.lower else "lower_triangular")(a.T, rhs)
        if self.assume_a in ("sym", "pos"):
            return self(a, rhs)  # the matrix read is symmetric
        return self(a.T, rhs)

    def L_op(self, inputs, outputs, output_grads):
        a, b = inputs
        (x,), (gx,) = outputs, output_grads
        gb = self._transposed_solve(a, gx)
        ga = -(outer(gb, x) if b.type.ndim == 1 else dot(gb, x.T))
        return [self._read_part(ga), gb]

    def R_op(self, inputs, eval_points):
        a, b = inputs
        ea, eb = eval_points
        rhs = None
        if ea is not None:
            read = ea
            if self.triangular:
                read = tril(ea) if self.lower else triu(ea)
            elif self.assume_a in ("sym", "pos"):
                part = tril(ea) if self.lower else triu(ea)
                read = part + (tril(ea, -1) if self.lower else triu(ea, 1)).T
            rhs = -dot(read, self(a, b))
        if eb is not None:
            rhs = eb if rhs is None else rhs + eb
        return [None if rhs is None else self(a, rhs)]


def solve(a, b, assume_a: str = "gen", lower: bool = False):
    """x with a x = b (scipy.linalg.solve)."""
    return Solve(assume_a, lower)(a, b)


def solve_triangular(a, b, lower: bool = False):
    """x with a x = b for a triangular a; only that triangle of a is read."""
    return Solve("lower_triangular" if lower else "upper_triangular")(a, b)


def solve_lower_triangular(a, b):
    return solve_triangular(a, b, lower=True)


def solve_upper_triangular(a, b):
    return solve_triangular(a, b, lower=False)


def solve_symmetric(a, b):
    return solve(a, b, assume_a="sym")


class Eigvalsh(Op):
    """Eigenvalues of a symmetric matrix a, or of the generalised problem a v = w b v."""

    r_op_from_l_op = True  # forward mode: its L_op, transposed

    __props__ = ("lower",)

    def __init__(self, lower: bool = True) -> None:
        self.lower = bool(lower)

    def make_node(self, a, b=None) -> Apply:
        a = as_float_matrix(a, "eigvalsh")
        inputs = [a] if b is None else [a, as_float_matrix(b, "eigvalsh")]
        return Apply(self, inputs, [TensorType(a.type.dtype, (False,))()])

    def perform(self, node, inputs, output_storage) -> None:
        check_square(inputs[0], "eigvalsh")
        w = scipy.linalg.eigh(*inputs, lower=self.lower, eigvals_only=True)
        output_storage[0][0] = np.asarray(w, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0][:1]]

    def L_op(self, inputs, outputs, output_grads):
        no_gradient(self, " (use nlinalg.eigh, whose eigenvalues are differentiable)")


def eigvalsh(a, b=None, lower: bool = True):
    return Eigvalsh(lower)(a) if b is None else Eigvalsh(lower)(a, b)


__all__ = [
    "Cholesky", "CholeskyGrad", "Eigvalsh", "Solve", "cholesky", "eigvalsh", "solve",
    "solve_lower_triangular", "solve_symmetric", "solve_triangular", "solve_upper_triangular",
]
