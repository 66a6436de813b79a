"""Special functions for generated kernels: scipy's compiled special functions called from
nopython code, so a kernel gives the same float64 values as the ops' scipy `perform`.

scipy.special.cython_special exports C entry points (listed in its `__pyx_capi__`; fused ones
are named `__pyx_fuse_<k><name>`, where the double version is the one taken here). Each takes
a trailing `skip_dispatch` flag. scipy has no trigamma entry point, so `tri_gamma` is written
here: recurrence up to x >= 12, then the asymptotic series, with reflection for negative x.
Generated modules import this one as `spf` only when they call it.
"""
from __future__ import annotations

import math

import llvmlite.binding as llvm
import numpy as np
from numba import njit, types
from numba.extending import get_cython_function_address

_jit = njit(cache=True, error_model="numpy", nogil=True, fastmath={"contract", "nsz"})

_double = types.float64


def _scipy(name: str, nargs: int):
    """scipy's function `name` as an external symbol: code calling it by name caches on disk
    (a ctypes pointer would be a dynamic global, which numba's cache refuses)."""
    symbol = f"symgrad_scipy_{name}"
    llvm.add_symbol(symbol, get_cython_function_address("scipy.special.cython_special", name))
    return types.ExternalFunction(symbol, _double(*([_double] * nargs), types.intc))


_gamma = _scipy("__pyx_fuse_1gamma", 1)
_gammaln = _scipy("gammaln", 1)
_psi = _scipy("__pyx_fuse_1psi", 1)
_erfinv = _scipy("__pyx_fuse_0erfinv", 1)
_erfcinv = _scipy("erfcinv", 1)
_erfcx = _scipy("__pyx_fuse_1erfcx", 1)
_j0 = _scipy("j0", 1)
_j1 = _scipy("j1", 1)
_i0 = _scipy("i0", 1)
_i1 = _scipy("i1", 1)
_jv = _scipy("__pyx_fuse_1jv", 2)
_iv = _scipy("__pyx_fuse_1iv", 2)
_chdtrc = _scipy("chdtrc", 2)


@_jit
def gamma(x):
    return _gamma(x, 0)


@_jit
def gammaln(x):
    return _gammaln(x, 0)


@_jit
def psi(x):
    return _psi(x, 0)


@_jit
def erfinv(x):
    return _erfinv(x, 0)


@_jit
def erfcinv(x):
    return _erfcinv(x, 0)


@_jit
def erfcx(x):
    return _erfcx(x, 0)


@_jit
def j0(x):
    return _j0(x, 0)


@_jit
def j1(x):
    return _j1(x, 0)


@_jit
def i0(x):
    return _i0(x, 0)


@_jit
def i1(x):
    return _i1(x, 0)


@_jit
def jv(v, x):
    return _jv(v, x, 0)


@_jit
def iv(v, x):
    return _iv(v, x, 0)


@_jit
def chi2sf(x, k):
    # scipy.stats' survival function: every sample exceeds a negative x
    return 1.0 if x < 0 else _chdtrc(k, x, 0)


@_jit
def _trigamma_positive(x):
    acc = 0.0
    while x < 12.0:  # psi'(x) = psi'(x + 1) + 1 / x**2
        acc += 1.0 / (x * x)
        x += 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    # psi'(x) ~ 1/x + 1/(2x^2) + sum B_2k / x^(2k+1)
    series = inv2 * (1.0 / 6 - inv2 * (1.0 / 30 - inv2 * (1.0 / 42 - inv2 * (
        1.0 / 30 - inv2 * (5.0 / 66 - inv2 * (691.0 / 2730 - inv2 * (7.0 / 6)))))))
    return acc + inv + 0.5 * inv2 + inv * series


@_jit
def tri_gamma(x):
    if x != x:
        return x
    if x == math.inf:
        return 0.0
    # np.floor stays a float (numba's math.floor converts to int64, undefined for inf)
    if x <= 0.0 and x == np.floor(x):
        return math.inf  # the poles at 0, -1, -2 ... (and -inf), as scipy answers
    if x < 0.0:
        # reflection: psi'(1 - x) + psi'(x) = pi^2 / sin^2(pi x)
        s = math.sin(math.pi * x)
        return math.pi * math.pi / (s * s) - _trigamma_positive(1.0 - x)
    return _trigamma_positive(x)
