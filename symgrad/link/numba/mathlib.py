"""Scalar helpers that generated kernels call: NaN-propagating max/min, integer powers and
softplus (exp, tanh, sigmoid, sin and cos are in vectormath.py, emitted inline).

`_exp_f64` is the same exp as vectormath's, as a plain jitted function for softplus.
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

# the kernels' own flags, set explicitly: a helper without them takes its first caller's, and
# numba's cache would then keep whichever version compiled first
_jit = njit(cache=True, error_model="numpy", nogil=True, fastmath={"contract", "nsz"})


@intrinsic
def _int64_bits_as_float64(typingctx, bits):
    """Reinterpret an int64's bits as a float64 (no conversion)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@_jit
def max_nan(a, b):
    return a if (a >= b or a != a) else b  # noqa: PLR0124 (a NaN test numba compiles)


@_jit
def min_nan(a, b):
    return a if (a <= b or a != a) else b  # noqa: PLR0124 (a NaN test numba compiles)


@_jit
def int_pow(base, exponent):
    """numpy's integer power: repeated squaring with wrap-around; negative exponents give 0
    except for bases 1 and -1 (numpy raises there; a kernel cannot, so it picks the limit)."""
    if exponent < 0:
        if base == 1:
            return base
        if base == -1:
            return base if exponent % 2 else -base
        return base * 0
    result = base * 0 + 1
    while exponent:
        if exponent & 1:
            result = result * base
        base = base * base
        exponent >>= 1
    return result


_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_EXP_MAX = 709.782712893384
_EXP_MIN = -745.1332191019412


@_jit
def _exp_f64(x):
    # x = n*ln2 + r, |r| <= ln2/2 (two-part ln2, in this order: never reassociate); exp(r) by
    # its Taylor series to degree 13; 2**n from exponent bits in two halves (subnormals)
    xc = min(max(x, -746.0), 710.0)
    n = np.floor(xc * _LOG2E + 0.5)
    r = (xc - n * _LN2_HI) - n * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    ni = np.int64(n)
    half = ni >> 1
    scale_a = _int64_bits_as_float64((half + 1023) << 52)
    scale_b = _int64_bits_as_float64((ni - half + 1023) << 52)
    y = p * scale_a * scale_b
    y = np.inf if x > _EXP_MAX else y
    y = 0.0 if x < _EXP_MIN else y
    return x + x if x != x else y  # noqa: PLR0124


@_jit
def softplus(x):
    """log(1 + exp(x)) without overflow: x + log1p(exp(-x)) for positive x."""
    xd = np.float64(x)
    y = xd + np.log1p(_exp_f64(-xd)) if xd > 0 else np.log1p(_exp_f64(xd))
    return y

