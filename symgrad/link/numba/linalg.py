"""Kernels for nlinalg and slinalg: numba's LAPACK bindings where they exist, loops elsewhere.

numba's eigh, eigvalsh and cholesky read the lower triangle, so the upper-triangle variants
pass the transpose. Triangular solves are substitution loops; a symmetric solve mirrors the
triangle it reads and solves the full matrix. qr's 'complete' mode is a Householder
factorisation with LAPACK's sign conventions, as numba binds only the reduced one.
"""
from __future__ import annotations

from symgrad.link.numba.dispatch import KERNEL_NAME, numba_kernel
from symgrad.tensor.basic import Eye
from symgrad.tensor.nlinalg import (
    SVD,
    Det,
    Eig,
    Eigh,
    EighGrad,
    EyeLike,
    MatrixInverse,
    MatrixPinv,
    QRFull,
    Trace,
    Tri,
)
from symgrad.tensor.slinalg import Cholesky, CholeskyGrad, Eigvalsh, Solve


def _def(args: str, lines) -> str:
    return "\n".join([f"def {KERNEL_NAME}({args}):"] + ["    " + line for line in lines]) + "\n"


def _square(name: str, what: str) -> list[str]:
    return [f"if {name}.shape[0] != {name}.shape[1]:",
            f"    raise ValueError('{what} needs a square matrix')"]


def _float_copy(name: str, dtype: str) -> str:
    return f"np.ascontiguousarray({name}).astype(np.{dtype})"


def _mirror(name: str, lower: bool) -> list[str]:
    """Lines making `sym`, the symmetric matrix built from one triangle of `name`."""
    return [f"sym = np.empty({name}.shape, dtype={name}.dtype)",
            f"for i in range({name}.shape[0]):",
            f"    for j in range({name}.shape[1]):",
            f"        sym[i, j] = {name}[i, j] if (i >= j) == {lower} else {name}[j, i]"]


def _triangular_solve(a: str, b: str, lower: bool, out: str) -> list[str]:
    """Lines solving a @ out = b (b 2-d) by substitution over one triangle of a."""
    order = "range(n)" if lower else "range(n - 1, -1, -1)"
    inner = "range(i)" if lower else "range(i + 1, n)"
    return [f"n = {a}.shape[0]", f"{out} = {b}.copy()",
            f"for col in range({b}.shape[1]):",
            f"    for i in {order}:",
            f"        acc = {out}[i, col]",
            f"        for k in {inner}:",
            f"            acc -= {a}[i, k] * {out}[k, col]",
            f"        {out}[i, col] = acc / {a}[i, i]"]


@numba_kernel.register(Tri)
def _tri_kernel(op, node) -> str:
    fn = "tril" if op.lower else "triu"
    return _def("i0", [f"return np.{fn}(np.ascontiguousarray(i0), {op.k})"])


@numba_kernel.register(MatrixInverse)
def _inverse_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    return _def("i0", _square("i0", "matrix_inverse")
                + [f"return np.linalg.inv({_float_copy('i0', dtype)})"])


@numba_kernel.register(MatrixPinv)
def _pinv_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    return _def("i0", [f"return np.linalg.pinv({_float_copy('i0', dtype)})"])


@numba_kernel.register(Det)
def _det_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    return _def("i0", _square("i0", "det")
                + [f"return np.{dtype}(np.linalg.det({_float_copy('i0', dtype)}))"])


# the same convention as nlinalg.fix_eigenvector_phases: the largest entry real, positive
_FIX_PHASES = [
    "for j in range(v.shape[1]):",
    "    best = 0",
    "    for i in range(v.shape[0]):",
    "        if np.abs(v[i, j]) > np.abs(v[best, j]):",
    "            best = i",
    "    if v.shape[0] > 0 and v[best, j] != 0:",
    "        factor = np.abs(v[best, j]) / v[best, j]",
    "        for i in range(v.shape[0]):",
    "            v[i, j] = v[i, j] * factor",
]


@numba_kernel.register(Eigh)
def _eigh_kernel(op, node) -> str:
    dtype = node.outputs[1].type.dtype
    source = "i0" if op.UPLO == "L" else "i0.T"
    return _def("i0", _square("i0", "eigh") + [
        f"w, v = np.linalg.eigh({_float_copy(source, dtype)})"] + _FIX_PHASES + [
        "return w, v"])


@numba_kernel.register(EighGrad)
def _eigh_grad_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    fold = ("g[i, j] + g[j, i] if i > j else (g[i, i] if i == j else 0.0)" if op.UPLO == "L"
            else "g[i, j] + g[j, i] if i < j else (g[i, i] if i == j else 0.0)")
    return _def("i_w, i_v, i_gw, i_gv", [
        f"v = {_float_copy('i_v', dtype)}", f"gv = {_float_copy('i_gv', dtype)}",
        "n = v.shape[0]", "inner = np.dot(v.T, gv)",
        "for i in range(n):", "    for j in range(n):",
        "        if i == j:", "            inner[i, j] = i_gw[i]",
        "        else:", "            inner[i, j] = inner[i, j] / (i_w[j] - i_w[i])",
        "g = np.dot(np.dot(v, inner), v.T)",
        f"out = np.empty((n, n), dtype=np.{dtype})",
        "for i in range(n):", "    for j in range(n):", f"        out[i, j] = {fold}",
        "return out"])


@numba_kernel.register(Eig)
def _eig_kernel(op, node) -> str:
    cdtype = node.outputs[0].type.dtype
    real = "float32" if cdtype == "complex64" else "float64"
    # the real driver, as numpy uses, when the spectrum is real; numba's real eig refuses a
    # complex spectrum, which then goes through the complex driver (its eigenvalue order may
    # differ from numpy's there)
    return _def("i0", _square("i0", "eig") + [
        f"a = {_float_copy('i0', real)}",
        "try:",
        "    wr, vr = np.linalg.eig(a)",
        f"    w = wr.astype(np.{cdtype})",
        f"    v = vr.astype(np.{cdtype})",
        "except Exception:",
        f"    w, v = np.linalg.eig(a.astype(np.{cdtype}))"] + _FIX_PHASES + ["return w, v"])


@numba_kernel.register(QRFull)
def _qr_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    if op.mode == "reduced":
        return _def("i0", [f"return np.linalg.qr({_float_copy('i0', dtype)})"])
    if op.mode == "r":
        return _def("i0", [f"return np.linalg.qr({_float_copy('i0', dtype)})[1]"])
    # complete: Householder reflections H_k = I - tau v v^T, applied to the identity for q
    return _def("i0", [
        f"r = {_float_copy('i0', dtype)}", "m, n = r.shape", "k_max = min(m - 1, n)",
        f"q = np.eye(m, dtype=np.{dtype})",
        "for k in range(k_max):",
        "    alpha = r[k, k]", "    xnorm = 0.0",
        "    for i in range(k + 1, m):", "        xnorm += r[i, k] * r[i, k]",
        "    xnorm = np.sqrt(xnorm)",
        "    if xnorm == 0.0:", "        continue",
        "    beta = -np.copysign(np.hypot(alpha, xnorm), alpha)",
        "    tau = (beta - alpha) / beta",
        f"    v = np.zeros(m, dtype=np.{dtype})", "    v[k] = 1.0",
        "    for i in range(k + 1, m):", "        v[i] = r[i, k] / (alpha - beta)",
        "    for j in range(k, n):", "        s = 0.0",
        "        for i in range(k, m):", "            s += v[i] * r[i, j]",
        "        for i in range(k, m):", "            r[i, j] -= tau * v[i] * s",
        "    for j in range(m):", "        s = 0.0",
        "        for i in range(k, m):", "            s += q[j, i] * v[i]",
        "        for i in range(k, m):", "            q[j, i] -= tau * s * v[i]",
        "    for i in range(k + 1, m):", "        r[i, k] = 0.0",
        "return q, r"])


@numba_kernel.register(SVD)
def _svd_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    full = "True" if op.full_matrices else "False"
    call = f"np.linalg.svd({_float_copy('i0', dtype)}, full_matrices={full})"
    if op.compute_uv:
        return _def("i0", [f"return {call}"])
    return _def("i0", [f"return {call}[1]"])


@numba_kernel.register(Eye)
def _eye_kernel(op, node) -> str:
    # the forward modes of eigh and cholesky build identity matrices with T.eye
    dtype = node.outputs[0].type.dtype
    np_dtype = "np.bool_" if dtype == "bool" else f"np.{dtype}"
    return _def("n, m, k", [f"out = np.zeros((n, m), dtype={np_dtype})",
                            "for i in range(n):", "    if 0 <= i + k < m:",
                            "        out[i, i + k] = 1", "return out"])


@numba_kernel.register(EyeLike)
def _eye_like_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    return _def("i0", [f"return np.eye(i0.shape[0], i0.shape[1], dtype=np.{dtype})"])


@numba_kernel.register(Trace)
def _trace_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    return _def("i0", [f"acc = np.{dtype}(0)", "for i in range(min(i0.shape[0], i0.shape[1])):",
                       f"    acc += np.{dtype}(i0[i, i])", "return acc"])


@numba_kernel.register(Cholesky)
def _cholesky_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    if op.lower:
        return _def("i0", _square("i0", "cholesky")
                    + [f"return np.linalg.cholesky({_float_copy('i0', dtype)})"])
    return _def("i0", _square("i0", "cholesky") + [
        f"return np.ascontiguousarray(np.linalg.cholesky({_float_copy('i0.T', dtype)}).T)"])


@numba_kernel.register(CholeskyGrad)
def _cholesky_grad_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    low, g_low = ("i0", "i1") if op.lower else ("i0.T", "i1.T")
    fold = ("full[i, j] + full[j, i] if i > j else (full[i, i] if i == j else 0.0)"
            if op.lower else
            "full[i, j] + full[j, i] if i < j else (full[i, i] if i == j else 0.0)")
    # full = L^-T phi L^-1, as two solves with the upper-triangular L^T
    return _def("i0, i1", [
        f"low = {_float_copy(low, dtype)}", f"g = {_float_copy(g_low, dtype)}",
        "phi = np.tril(np.dot(low.T, g))", "for i in range(phi.shape[0]):",
        "    phi[i, i] *= 0.5", "up = np.ascontiguousarray(low.T)"]
        + _triangular_solve("up", "phi", False, "left")
        + ["left_t = np.ascontiguousarray(left.T)"]
        + _triangular_solve("up", "left_t", False, "right")
        + ["full = right.T", f"out = np.empty(full.shape, dtype=np.{dtype})",
           "for i in range(full.shape[0]):", "    for j in range(full.shape[1]):",
           f"        out[i, j] = {fold}", "return out"])


@numba_kernel.register(Solve)
def _solve_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    vector = node.inputs[1].type.ndim == 1
    lines = _square("i0", "solve") + [
        "if i0.shape[0] != i1.shape[0]:",
        "    raise ValueError('solve: a and b differ in their number of rows')",
        f"a = {_float_copy('i0', dtype)}",
        f"b = {_float_copy('i1.reshape((i1.shape[0], 1))' if vector else 'i1', dtype)}"]
    if op.triangular:
        lines += _triangular_solve("a", "b", op.lower, "x")
    elif op.assume_a in ("sym", "pos"):
        lines += _mirror("a", op.lower) + ["x = np.linalg.solve(sym, b)"]
    else:
        lines += ["x = np.linalg.solve(a, b)"]
    lines.append("return x[:, 0].copy()" if vector else "return x")
    return _def("i0, i1", lines)


@numba_kernel.register(Eigvalsh)
def _eigvalsh_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    a = "i0" if op.lower else "i0.T"
    if len(node.inputs) == 1:
        return _def("i0", _square("i0", "eigvalsh")
                    + [f"return np.linalg.eigvalsh({_float_copy(a, dtype)})"])
    b = "i1" if op.lower else "i1.T"
    # a v = w b v with b = L L^T: the eigenvalues of L^-1 a L^-T
    return _def("i0, i1", _square("i0", "eigvalsh") + [
        f"low = np.linalg.cholesky({_float_copy(b, dtype)})",
        f"amat = {_float_copy(a, dtype)}"] + _mirror("amat", True)
        + _triangular_solve("low", "sym", True, "left")
        + ["left_t = np.ascontiguousarray(left.T)"]
        + _triangular_solve("low", "left_t", True, "inner")
        + ["return np.linalg.eigvalsh(np.ascontiguousarray(inner))"])
