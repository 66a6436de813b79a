"""Matrix and vector products for kernels, straight to BLAS: `matmat`, `matvec`, `vecmat`,
`vecvec` (np.dot for 2-d @ 2-d, 2-d @ 1-d, 1-d @ 2-d and 1-d @ 1-d).

numba's own np.dot costs over a second of compile time per operand layout (it is a large
generic overload) and copies any operand typed with the unknown 'A' layout, even a contiguous
one. Here the BLAS wrappers numba ships (`numba_xxgemm`, `numba_xxgemv`, `numba_xxdot` in its
helper library, the ones np.dot ends in) are called directly on data pointers: the layout is
read from the flags at run time, so a contiguous operand is never copied whatever its static
type, and each product compiles in a fraction of the time.

Operands must be float32 or float64 of one dtype (the Dot kernel casts first).
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic
from numba.np.linalg import ensure_blas

_jit = njit(cache=True, error_model="numpy", nogil=True, fastmath=False)  # copies and checks only

_CHAR = ir.IntType(8)
_VOIDP = ir.IntType(8).as_pointer()
_KINDS = {types.float32: "s", types.float64: "d"}


def _blas_call(context, builder, name, arg_types, args):
    fnty = ir.FunctionType(ir.IntType(32), arg_types)
    fn = cgutils.get_or_insert_function(builder.module, fnty, name)
    status = builder.call(fn, args)
    return builder.sext(status, ir.IntType(64))


def _data(context, builder, ty, value):
    return builder.bitcast(context.make_array(ty)(context, builder, value).data, _VOIDP)


def _slot(context, builder, dtype, value):
    const = context.get_constant_generic(builder, dtype, value)
    return builder.bitcast(cgutils.alloca_once_value(builder, const), _VOIDP)


def _char(builder, value):
    return builder.trunc(value, _CHAR)


@intrinsic
def _gemm(typingctx, transa, transb, m, n, k, a, lda, b, ldb, c, ldc):
    """Column-major C(m,n) = op(A)(m,k) @ op(B)(k,n) into `c`; 0 when BLAS succeeded."""
    ensure_blas()
    dtype = c.dtype
    sig = types.int64(transa, transb, m, n, k, a, lda, b, ldb, c, ldc)

    def codegen(context, builder, signature, args):
        ta, tb, m_, n_, k_, a_, lda_, b_, ldb_, c_, ldc_ = args
        tys = signature.args
        intp = context.get_value_type(types.intp)
        return _blas_call(context, builder, "numba_xxgemm",
                          [_CHAR, _CHAR, _CHAR, intp, intp, intp, _VOIDP, _VOIDP, intp,
                           _VOIDP, intp, _VOIDP, _VOIDP, intp],
                          [ir.Constant(_CHAR, ord(_KINDS[dtype])), _char(builder, ta),
                           _char(builder, tb), m_, n_, k_, _slot(context, builder, dtype, 1.0),
                           _data(context, builder, tys[5], a_), lda_,
                           _data(context, builder, tys[7], b_), ldb_,
                           _slot(context, builder, dtype, 0.0),
                           _data(context, builder, tys[9], c_), ldc_])

    return sig, codegen


@intrinsic
def _gemv(typingctx, trans, m, n, a, lda, x, y):
    """y = op(A) @ x for a column-major A(m,n); x and y contiguous; 0 when BLAS succeeded."""
    ensure_blas()
    dtype = y.dtype
    sig = types.int64(trans, m, n, a, lda, x, y)

    def codegen(context, builder, signature, args):
        t_, m_, n_, a_, lda_, x_, y_ = args
        tys = signature.args
        intp = context.get_value_type(types.intp)
        return _blas_call(context, builder, "numba_xxgemv",
                          [_CHAR, _CHAR, intp, intp, _VOIDP, _VOIDP, intp, _VOIDP, _VOIDP,
                           _VOIDP],
                          [ir.Constant(_CHAR, ord(_KINDS[dtype])), _char(builder, t_), m_, n_,
                           _slot(context, builder, dtype, 1.0),
                           _data(context, builder, tys[3], a_), lda_,
                           _data(context, builder, tys[5], x_),
                           _slot(context, builder, dtype, 0.0),
                           _data(context, builder, tys[6], y_)])

    return sig, codegen


@intrinsic
def _dot(typingctx, n, x, y, out):
    """out[0] = x . y for contiguous vectors; 0 when BLAS succeeded."""
    ensure_blas()
    dtype = out.dtype
    sig = types.int64(n, x, y, out)

    def codegen(context, builder, signature, args):
        n_, x_, y_, out_ = args
        tys = signature.args
        intp = context.get_value_type(types.intp)
        return _blas_call(context, builder, "numba_xxdot",
                          [_CHAR, _CHAR, intp, _VOIDP, _VOIDP, _VOIDP],
                          [ir.Constant(_CHAR, ord(_KINDS[dtype])), ir.Constant(_CHAR, 0), n_,
                           _data(context, builder, tys[1], x_),
                           _data(context, builder, tys[2], y_),
                           _data(context, builder, tys[3], out_)])

    return sig, codegen


_N, _T = ord("n"), ord("t")


@_jit
def _contiguous_matrix(a):
    """`a` itself when C- or F-contiguous, else a C-contiguous copy (a plain loop compiles
    much faster than np.ascontiguousarray)."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return a
    out = np.empty(a.shape, dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[i, j] = a[i, j]
    return out


@_jit
def _contiguous_vector(v):
    if v.flags.c_contiguous:
        return v
    out = np.empty(v.shape, dtype=v.dtype)
    for i in range(v.shape[0]):
        out[i] = v[i]
    return out


@_jit
def _status(code):
    if code != 0:
        raise RuntimeError("BLAS returned an error")


@_jit
def matmat(a, b):
    m, k = a.shape
    n = b.shape[1]
    out = np.empty((m, n), dtype=a.dtype)
    if m == 0 or n == 0:
        return out
    if k == 0:
        out[...] = 0
        return out
    a = _contiguous_matrix(a)
    b = _contiguous_matrix(b)
    # BLAS is column-major: the C-ordered out (m,n) is out^T (n,m) there, = b^T @ a^T
    tb, ldb = (_N, n) if b.flags.c_contiguous else (_T, k)
    ta, lda = (_N, k) if a.flags.c_contiguous else (_T, m)
    _status(_gemm(tb, ta, n, m, k, b, ldb, a, lda, out, n))
    return out


@_jit
def matvec(a, x):
    """a (m,k) @ x (k,)"""
    m, k = a.shape
    out = np.empty(m, dtype=a.dtype)
    if m == 0:
        return out
    if k == 0:
        out[:] = 0
        return out
    a = _contiguous_matrix(a)
    x = _contiguous_vector(x)
    if a.flags.c_contiguous:  # column-major (k,m) with leading dimension k: transpose it
        _status(_gemv(_T, k, m, a, k, x, out))
    else:
        _status(_gemv(_N, m, k, a, m, x, out))
    return out


@_jit
def vecmat(x, b):
    """x (k,) @ b (k,n) = b^T @ x"""
    k, n = b.shape
    out = np.empty(n, dtype=b.dtype)
    if n == 0:
        return out
    if k == 0:
        out[:] = 0
        return out
    b = _contiguous_matrix(b)
    x = _contiguous_vector(x)
    if b.flags.c_contiguous:  # column-major (n,k) with leading dimension n
        _status(_gemv(_N, n, k, b, n, x, out))
    else:
        _status(_gemv(_T, k, n, b, k, x, out))
    return out


@_jit
def vecvec(x, y):
    out = np.zeros(1, dtype=x.dtype)
    if x.shape[0] > 0:
        _status(_dot(x.shape[0], _contiguous_vector(x), _contiguous_vector(y), out))
    return out[0]
