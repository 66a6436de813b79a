"""`blas_dot`: np.dot for kernels, without the copy numba makes of 'A'-layout operands.

numba types every array with a static layout (C, F or A = unknown) and its np.dot copies an
'A' operand to C before calling BLAS, even when the array is contiguous at run time (a
transposed input after a branch, a view built with as_strided). Here an 'A' operand is checked
at run time and, when contiguous, re-typed as C or F in place (no copy): for a 400x784 matrix
the copy cost 7x the product itself.
"""
from __future__ import annotations

import numpy as np
from numba import types
from numba.core.imputils import impl_ret_borrowed
from numba.extending import intrinsic, overload


def _retype(layout: str):
    @intrinsic
    def as_layout(typingctx, arr):
        """The same array typed with `layout`: only valid after checking its flags."""
        sig = arr.copy(layout=layout)(arr)

        def codegen(context, builder, signature, args):
            return impl_ret_borrowed(context, builder, signature.return_type, args[0])

        return sig, codegen

    return as_layout


_as_c = _retype("C")
_as_f = _retype("F")


def _dot_known(a, b):
    """np.dot once `a` has a static C/F layout (`b` may still be 'A')."""


def blas_dot(a, b):
    """np.dot(a, b) for float arrays, calling BLAS without copying contiguous operands."""


@overload(_dot_known)
def _dot_known_impl(a, b):
    if not isinstance(b, types.Array) or b.layout in "CF":
        return lambda a, b: np.dot(a, b)

    def impl(a, b):
        if b.flags.c_contiguous:
            return np.dot(a, _as_c(b))
        if b.flags.f_contiguous:
            return np.dot(a, _as_f(b))
        return np.dot(a, np.ascontiguousarray(b))
    return impl


@overload(blas_dot)
def _blas_dot_impl(a, b):
    if not isinstance(a, types.Array) or a.layout in "CF":
        return lambda a, b: _dot_known(a, b)

    def impl(a, b):
        if a.flags.c_contiguous:
            return _dot_known(_as_c(a), b)
        if a.flags.f_contiguous:
            return _dot_known(_as_f(a), b)
        return _dot_known(np.ascontiguousarray(a), b)
    return impl
