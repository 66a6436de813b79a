"""Theano's linear-algebra functions that are compositions of other ops: diagonals
(alloc_diag, extract_diag), matrix_power, kron, and the tensor inverse and solve.
`symgrad.tensor.nlinalg` and `symgrad.tensor.slinalg` re-export them under Theano's paths."""
from __future__ import annotations

from symgrad.tensor.basic import as_tensor_variable
from symgrad.tensor.extra_ops import diag, diagonal
from symgrad.tensor.math import dot, prod
from symgrad.tensor.nlinalg import identity_like, matrix_inverse
from symgrad.tensor.shape import reshape
from symgrad.tensor.slinalg import solve

__all__ = ["alloc_diag", "diag", "extract_diag", "kron", "matrix_power", "tensorinv",
           "tensorsolve"]


def alloc_diag(v):
    """A square matrix with the vector `v` on its diagonal."""
    v = as_tensor_variable(v)
    if v.ndim != 1:
        raise TypeError(f"alloc_diag takes a vector, got {v.type}")
    return diag(v)


def extract_diag(m):
    """The main diagonal of the matrix `m`, a vector."""
    m = as_tensor_variable(m)
    if m.ndim != 2:
        raise TypeError(f"extract_diag takes a matrix, got {m.type}")
    return diagonal(m)


def matrix_power(M, n: int):
    """M multiplied by itself n times (n a Python int; 0 gives the identity, a negative n
    powers the inverse), by repeated squaring."""
    M = as_tensor_variable(M)
    if M.ndim != 2:
        raise TypeError(f"matrix_power takes a square matrix, got {M.type}")
    if int(n) != n:
        raise TypeError(f"matrix_power: n must be an integer, got {n!r}")
    n = int(n)
    if n == 0:
        return identity_like(M)
    if n < 0:
        M, n = matrix_inverse(M), -n
    result, square = None, M
    while n:
        if n & 1:
            result = square if result is None else dot(result, square)
        n >>= 1
        if n:
            square = dot(square, square)
    return result


def kron(a, b):
    """The Kronecker product (numpy's kron): the block array [a[i, j] * b]; the operand with
    fewer dimensions is read with leading length-1 axes."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim == 0 or b.ndim == 0:
        raise TypeError("kron takes arrays with at least one dimension; use * for scalars")
    nd = max(a.ndim, b.ndim)
    a = a.dimshuffle(*(["x"] * (nd - a.ndim) + list(range(a.ndim))))
    b = b.dimshuffle(*(["x"] * (nd - b.ndim) + list(range(b.ndim))))
    # a's axis k next to b's axis k, then each pair merged into one axis
    wide_a = a.dimshuffle(*[p for k in range(nd) for p in (k, "x")])
    wide_b = b.dimshuffle(*[p for k in range(nd) for p in ("x", k)])
    product = wide_a * wide_b
    return reshape(product, [a.shape[k] * b.shape[k] for k in range(nd)], ndim=nd)


def tensorinv(a, ind: int = 2):
    """The inverse of `a` read as a matrix whose rows are its first `ind` axes (numpy's
    tensorinv): tensordot(tensorinv(a, ind), a, ind) is the identity on a.shape[ind:]."""
    a = as_tensor_variable(a)
    if not 0 < ind < a.ndim:
        raise ValueError(f"tensorinv: ind must be between 1 and {a.ndim - 1}, got {ind}")
    rows = [a.shape[k] for k in range(ind)]
    cols = [a.shape[k] for k in range(ind, a.ndim)]
    inverse = matrix_inverse(reshape(a, [prod(rows), prod(cols)], ndim=2))
    return reshape(inverse, cols + rows, ndim=a.ndim)


def tensorsolve(a, b, axes=None):
    """x with tensordot(a, x, x.ndim) == b (numpy's tensorsolve); `axes` are axes of `a`
    moved to the end first."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if axes is not None:
        order = [k for k in range(a.ndim) if k not in [ax % a.ndim for ax in axes]]
        a = a.dimshuffle(*(order + [ax % a.ndim for ax in axes]))
    if not 0 < b.ndim < a.ndim:
        raise ValueError(f"tensorsolve: b must have fewer dimensions than a ({a.ndim}), got "
                         f"{b.ndim}")
    x_shape = [a.shape[k] for k in range(b.ndim, a.ndim)]
    rows = prod([a.shape[k] for k in range(b.ndim)])
    x = solve(reshape(a, [rows, prod(x_shape)], ndim=2), reshape(b, [rows], ndim=1))
    return reshape(x, x_shape, ndim=a.ndim - b.ndim)


