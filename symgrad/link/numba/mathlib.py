"""Scalar helpers that generated kernels call: NaN-propagating max/min and integer powers
(exp, tanh, sigmoid, log, log1p, softplus, sin and cos are in vectormath.py, emitted inline).
"""
from __future__ import annotations

from numba import njit

# the kernels' own flags, set explicitly: a helper without them takes its first caller's, and
# numba's cache would then keep whichever version compiled first
_jit = njit(cache=True, error_model="numpy", nogil=True, fastmath={"contract", "nsz"})


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
