"""Linear algebra through numpy.linalg: inverse, pseudo-inverse, determinant, eigh, qr, svd,
trace, norm.

Each op works on one matrix. Gradients are graphs of these same ops where a closed form exists
(inverse, det, eigh, trace); qr and svd say plainly that they have none. `tril`/`triu` live here
because gradients of routines that read one triangle (eigh, cholesky, triangular solves) mask
with them.
"""
from __future__ import annotations

import numpy as np

from symgrad.errors import NullGradientError
from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.scalar.type import discrete_dtypes, float_dtypes, upgrade_to_float_dtype
from symgrad.tensor.basic import as_tensor_variable, cast, constant, identity_like
from symgrad.tensor.math import abs_, dot, minimum, neq, sqrt
from symgrad.tensor.math import max as tmax
from symgrad.tensor.math import min as tmin
from symgrad.tensor.math import sum as tsum
from symgrad.tensor.type import TensorType


def as_float_matrix(x, what: str, square: bool = False):
    """x as a float matrix (integers promoted), or a TypeError naming `what` needed."""
    x = as_tensor_variable(x)
    if x.type.ndim != 2:
        raise TypeError(f"{what} needs a matrix, got {x} ({x.type})")
    if x.type.dtype not in float_dtypes and x.type.dtype not in discrete_dtypes:
        raise TypeError(f"{what} needs a real matrix, got {x} ({x.type})")
    dtype = upgrade_to_float_dtype(x.type.dtype)
    return x if dtype == x.type.dtype else cast(x, dtype)


def check_square(a: np.ndarray, what: str) -> None:
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{what} needs a square matrix, got shape {a.shape}")


def no_gradient(op: Op, why: str = ""):
    """Raise the error every op without a gradient gives, at the time grad asks for it."""
    raise NullGradientError(f"{op} has no gradient in symgrad{why}; take the gradient through "
                            "another formulation, or mark the input with disconnected_grad")


class Tri(Op):
    """The lower (tril) or upper (triu) triangle of a matrix from diagonal `k`; zeros elsewhere."""

    __props__ = ("lower", "k")

    def __init__(self, lower: bool, k: int = 0) -> None:
        self.lower = bool(lower)
        self.k = int(k)

    def __str__(self) -> str:
        return f"{'tril' if self.lower else 'triu'}{{k={self.k}}}"

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        if x.type.ndim != 2:
            raise TypeError(f"{self} needs a matrix, got {x} ({x.type})")
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        fn = np.tril if self.lower else np.triu
        output_storage[0][0] = fn(inputs[0], self.k)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        return [self(output_grads[0])]  # a mask is its own adjoint

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]


def tril(x, k: int = 0):
    return Tri(True, k)(x)


def triu(x, k: int = 0):
    return Tri(False, k)(x)


def symmetric_tangent(d, lower: bool):
    """The change of the symmetric matrix a routine sees when it reads one triangle of x and x
    moves by d: that triangle, mirrored."""
    if lower:
        return tril(d) + tril(d, -1).T
    return triu(d) + triu(d, 1).T


def symmetric_read_gradient(g, lower: bool):
    """Gradient wrt a matrix of which a routine reads only one triangle as a symmetric matrix:
    entry (i, j) of the read triangle stands for both (i, j) and (j, i)."""
    if lower:
        return tril(g) + triu(g, 1).T
    return triu(g) + tril(g, -1).T


class MatrixInverse(Op):
    """inv(x) for a square matrix."""

    def make_node(self, x) -> Apply:
        x = as_float_matrix(x, "matrix_inverse")
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        check_square(inputs[0], "matrix_inverse")
        out = np.linalg.inv(inputs[0])
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        inv_t = outputs[0].T
        return [-dot(dot(inv_t, output_grads[0]), inv_t)]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        inv = self(inputs[0])
        return [-dot(dot(inv, eval_points[0]), inv)]


matrix_inverse = MatrixInverse()


class MatrixPinv(Op):
    """The Moore-Penrose pseudo-inverse of an m x n matrix (n x m), through the SVD."""

    def make_node(self, x) -> Apply:
        x = as_float_matrix(x, "pinv")
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        out = np.linalg.pinv(inputs[0])
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        rows, cols = shapes[0]
        return [(cols, rows)]

    # The derivative (Golub and Pereyra), valid where the rank does not change:
    # dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X, for X = pinv(A).
    def L_op(self, inputs, outputs, output_grads):
        (a,), (x,), (g,) = inputs, outputs, output_grads
        i_minus_ax = identity_like(dot(a, x)) - dot(a, x)  # m x m
        i_minus_xa = identity_like(dot(x, a)) - dot(x, a)  # n x n
        return [-dot(dot(x.T, g), x.T) + dot(dot(i_minus_ax, g.T), dot(x, x.T))
                + dot(dot(dot(x.T, x), g.T), i_minus_xa)]

    def R_op(self, inputs, eval_points):
        (a,), (d,) = inputs, eval_points
        if d is None:
            return [None]
        x = self(a)
        i_minus_ax = identity_like(dot(a, x)) - dot(a, x)
        i_minus_xa = identity_like(dot(x, a)) - dot(x, a)
        return [-dot(dot(x, d), x) + dot(dot(x, x.T), dot(d.T, i_minus_ax))
                + dot(dot(i_minus_xa, d.T), dot(x.T, x))]


pinv = MatrixPinv()


class Det(Op):
    """The determinant of a square matrix, a scalar."""

    def make_node(self, x) -> Apply:
        x = as_float_matrix(x, "det")
        return Apply(self, [x], [TensorType(x.type.dtype, ())()])

    def perform(self, node, inputs, output_storage) -> None:
        check_square(inputs[0], "det")
        output_storage[0][0] = np.asarray(np.linalg.det(inputs[0]),
                                          dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [()]

    def L_op(self, inputs, outputs, output_grads):
        (x,), (d,), (gz,) = inputs, outputs, output_grads
        return [(gz * d) * matrix_inverse(x).T]

    def R_op(self, inputs, eval_points):
        (x,), (v,) = inputs, eval_points
        if v is None:
            return [None]
        return [self(x) * tsum(matrix_inverse(x).T * v)]


det = Det()


def fix_eigenvector_phases(v: np.ndarray) -> np.ndarray:
    """Scale each column so that its entry of largest magnitude (the first such) is real and
    positive. Eigenvectors are defined up to such a factor and LAPACK drivers pick it
    differently, so the ops fix it to give the same vectors on every backend."""
    for j in range(v.shape[1]):
        col = v[:, j]
        if col.size:
            pivot = col[np.argmax(np.abs(col))]
            if pivot != 0:
                v[:, j] = col * (np.abs(pivot) / pivot)
    return v


class Eigh(Op):
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, reading only
    the `UPLO` ('L' or 'U') triangle, as numpy.linalg.eigh; each eigenvector's largest entry
    is made positive (see fix_eigenvector_phases)."""

    __props__ = ("UPLO",)

    def __init__(self, UPLO: str = "L") -> None:
        if UPLO not in ("L", "U"):
            raise ValueError(f"UPLO must be 'L' or 'U', got {UPLO!r}")
        self.UPLO = UPLO

    def make_node(self, x) -> Apply:
        x = as_float_matrix(x, "eigh")
        return Apply(self, [x], [TensorType(x.type.dtype, (False,))(), x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        check_square(inputs[0], "eigh")
        w, v = np.linalg.eigh(inputs[0], self.UPLO)
        v = fix_eigenvector_phases(np.array(v))
        output_storage[0][0] = np.asarray(w, dtype=node.outputs[0].type.dtype)
        output_storage[1][0] = np.asarray(v, dtype=node.outputs[1].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0][:1], shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        w, v = outputs
        gw, gv = output_grads
        return [EighGrad(self.UPLO)(w, v, gw, gv)]

    def R_op(self, inputs, eval_points):
        """For distinct eigenvalues, with M = V^T dA V: dw = diag(M) and dV = V (F * M),
        F[i, j] = 1 / (w[j] - w[i]) off the diagonal and 0 on it."""
        (x,), (dx,) = inputs, eval_points
        if dx is None:
            return [None, None]
        w, v = self(x)
        d_sym = symmetric_tangent(dx, self.UPLO == "L")
        m = dot(v.T, dot(d_sym, v))
        ident = identity_like(x)
        gaps = w.dimshuffle("x", 0) - w.dimshuffle(0, "x") + ident  # no zero on the diagonal
        f = (1 - ident) / gaps
        return [tsum(m * ident, axis=0), dot(v, f * m)]


class EighGrad(Op):
    """Gradient of Eigh for distinct eigenvalues: with F[i, j] = 1 / (w[j] - w[i]) off the
    diagonal, the gradient wrt the symmetric matrix is V (diag(gw) + F * (V^T gV)) V^T, then
    folded onto the triangle eigh reads."""

    r_op_from_l_op = True  # forward mode: its L_op, transposed

    __props__ = ("UPLO",)

    def __init__(self, UPLO: str = "L") -> None:
        self.UPLO = UPLO

    def make_node(self, w, v, gw, gv) -> Apply:
        w, v, gw, gv = (as_tensor_variable(a) for a in (w, v, gw, gv))
        return Apply(self, [w, v, gw, gv], [v.type()])

    def perform(self, node, inputs, output_storage) -> None:
        w, v, gw, gv = inputs
        gaps = w[np.newaxis, :] - w[:, np.newaxis]
        np.fill_diagonal(gaps, np.inf)  # the diagonal of F is zero
        inner = np.diag(gw) + (v.T @ gv) / gaps
        g = v @ inner @ v.T
        folded = np.tril(g) + np.triu(g, 1).T if self.UPLO == "L" else \
            np.triu(g) + np.tril(g, -1).T
        output_storage[0][0] = np.asarray(folded, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[1]]

    def L_op(self, inputs, outputs, output_grads):
        no_gradient(self, " (the second derivative of eigh is not implemented)")


def eigh(a, UPLO: str = "L"):
    """(w, v): eigenvalues ascending, eigenvectors as columns, of the symmetric matrix a."""
    return Eigh(UPLO)(a)


class Eig(Op):
    """Eigenvalues and right eigenvectors of a general square matrix, as complex arrays; each
    eigenvector's largest entry is made real and positive (see fix_eigenvector_phases)."""

    r_op_from_l_op = True  # forward mode: its L_op, transposed

    def make_node(self, x) -> Apply:
        x = as_float_matrix(x, "eig")
        cdtype = "complex64" if x.type.dtype == "float32" else "complex128"
        outputs = [TensorType(cdtype, (False,))(), TensorType(cdtype, (False, False))()]
        return Apply(self, [x], outputs)

    def perform(self, node, inputs, output_storage) -> None:
        check_square(inputs[0], "eig")
        w, v = np.linalg.eig(inputs[0])
        v = fix_eigenvector_phases(np.array(v, dtype=node.outputs[1].type.dtype))
        output_storage[0][0] = np.asarray(w, dtype=node.outputs[0].type.dtype)
        output_storage[1][0] = np.asarray(v, dtype=node.outputs[1].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0][:1], shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        no_gradient(self, " (use eigh for symmetric matrices)")


eig = Eig()


class QRFull(Op):
    """QR decomposition as numpy.linalg.qr: mode 'reduced' or 'complete' gives (q, r), 'r' gives
    r alone."""

    r_op_from_l_op = True  # forward mode: its L_op, transposed

    __props__ = ("mode",)

    def __init__(self, mode: str = "reduced") -> None:
        if mode not in ("reduced", "complete", "r"):
            raise ValueError(f"qr mode must be 'reduced', 'complete' or 'r', got {mode!r}")
        self.mode = mode

    def make_node(self, x) -> Apply:
        x = as_float_matrix(x, "qr")
        outs = [x.type()] if self.mode == "r" else [x.type(), x.type()]
        return Apply(self, [x], outs)

    def perform(self, node, inputs, output_storage) -> None:
        res = np.linalg.qr(inputs[0], self.mode)
        res = (res,) if self.mode == "r" else tuple(res)
        for cell, value, out in zip(output_storage, res, node.outputs):
            cell[0] = np.asarray(value, dtype=out.type.dtype)

    def L_op(self, inputs, outputs, output_grads):
        no_gradient(self)


def qr(a, mode: str = "reduced"):
    """(q, r) with a = q r, or r alone for mode='r'."""
    return QRFull(mode)(a)


class SVD(Op):
    """Singular value decomposition as numpy.linalg.svd: (u, s, vt), or s alone when
    compute_uv is False."""

    r_op_from_l_op = True  # forward mode: its L_op, transposed

    __props__ = ("full_matrices", "compute_uv")

    def __init__(self, full_matrices: bool = True, compute_uv: bool = True) -> None:
        self.full_matrices = bool(full_matrices)
        self.compute_uv = bool(compute_uv)

    def make_node(self, x) -> Apply:
        x = as_float_matrix(x, "svd")
        s = TensorType(x.type.dtype, (False,))()
        return Apply(self, [x], [x.type(), s, x.type()] if self.compute_uv else [s])

    def perform(self, node, inputs, output_storage) -> None:
        res = np.linalg.svd(inputs[0], self.full_matrices, self.compute_uv)
        res = tuple(res) if self.compute_uv else (res,)
        for cell, value, out in zip(output_storage, res, node.outputs):
            cell[0] = np.asarray(value, dtype=out.type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        m, n = shapes[0]
        k = minimum(m, n)
        if not self.compute_uv:
            return [(k,)]
        return [(m, m), (k,), (n, n)] if self.full_matrices else [(m, k), (k,), (k, n)]

    def L_op(self, inputs, outputs, output_grads):
        no_gradient(self)


def svd(a, full_matrices: bool = True, compute_uv: bool = True):
    """(u, s, vt) with a = u diag(s) vt, or s alone when compute_uv is False."""
    return SVD(full_matrices, compute_uv)(a)


class EyeLike(Op):
    """An identity matrix with x's shape and dtype; a constant with respect to x."""

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        x = inputs[0]
        output_storage[0][0] = np.eye(*x.shape, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, output_grads):
        return [None]

    def R_op(self, inputs, eval_points):
        return [None]


class Trace(Op):
    """The sum of the diagonal of a matrix (square or not)."""

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        if x.type.ndim != 2:
            raise TypeError(f"trace needs a matrix, got {x} ({x.type})")
        dtype = x.type.dtype if x.type.dtype not in discrete_dtypes else "int64"
        return Apply(self, [x], [TensorType(dtype, ())()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = np.asarray(np.trace(inputs[0]), dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [()]

    def L_op(self, inputs, outputs, output_grads):
        (x,), (gz,) = inputs, output_grads
        if x.type.dtype in discrete_dtypes:
            return [None]
        return [gz * EyeLike()(x)]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]


trace = Trace()


def matrix_dot(*args):
    """dot(dot(a, b), c) ... for any number of matrices."""
    out = as_tensor_variable(args[0])
    for a in args[1:]:
        out = dot(out, a)
    return out


def norm(x, ord=None):
    """Vector or matrix norm as numpy.linalg.norm(x, ord) for 1-d and 2-d x. The 2-norm and the
    nuclear norm of a matrix go through svd and so have no gradient."""
    x = as_tensor_variable(x)
    if x.type.ndim == 1:
        if ord is None or ord == 2:
            return sqrt(tsum(x * x))
        if ord == np.inf or ord == "inf":
            return tmax(abs_(x))
        if ord == -np.inf or ord == "-inf":
            return tmin(abs_(x))
        if ord == 0:
            return tsum(cast(neq(x, 0), upgrade_to_float_dtype(x.type.dtype)))
        if isinstance(ord, (int, float)):
            p = constant(float(ord), dtype=upgrade_to_float_dtype(x.type.dtype))
            return tsum(abs_(x) ** p) ** (constant(1.0, dtype=p.type.dtype) / p)
        raise ValueError(f"invalid norm order {ord!r} for a vector")
    if x.type.ndim == 2:
        if ord is None or ord == "fro":
            return sqrt(tsum(x * x))
        if ord in (np.inf, "inf", -np.inf, "-inf", 1, -1):
            axis = 1 if ord in (np.inf, "inf", -np.inf, "-inf") else 0
            sums = tsum(abs_(x), axis=axis)
            return tmax(sums) if ord in (np.inf, "inf", 1) else tmin(sums)
        if ord in (2, -2, "nuc"):
            s = svd(x, compute_uv=False)
            return {2: tmax, -2: tmin, "nuc": tsum}[ord](s)
        raise ValueError(f"invalid norm order {ord!r} for a matrix")
    raise TypeError(f"norm takes a vector or a matrix, got {x} ({x.type})")


__all__ = [
    "SVD",
    "Det",
    "Eig",
    "Eigh",
    "EighGrad",
    "EyeLike",
    "MatrixInverse",
    "MatrixPinv",
    "QRFull",
    "Trace",
    "Tri",
    "det",
    "eig",
    "eigh",
    "matrix_dot",
    "matrix_inverse",
    "norm",
    "pinv",
    "qr",
    "svd",
    "trace",
    "tril",
    "triu",
]
