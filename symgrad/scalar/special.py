"""Special functions: NaN/Inf tests, the gamma family, inverse and scaled error functions,
Bessel functions and the chi-squared survival function, computed with scipy.special.

Gradients follow Theano's definitions. Inputs whose gradient is undefined (the order of jv and
iv) are listed in `undefined_gradients`, which the gradient turns into an undefined gradient;
ops with no gradient at all (tri_gamma, chi2sf) raise NotImplementedError from L_op.
"""
from __future__ import annotations

import numpy as np
import scipy.special as sps

from symgrad.scalar.basic import (
    BinaryScalarOp,
    FloatUnaryOp,
    UnaryScalarOp,
    const_like,
    discrete_dtypes,
    zero_grad_of,
)
from symgrad.scalar.math import exp, sqr
from symgrad.scalar.type import upcast, upgrade_to_float_dtype


def _float_input(x) -> bool:
    return x.type.dtype not in discrete_dtypes


class IsNan(UnaryScalarOp):
    ufunc = np.isnan

    def output_dtypes(self, dtype):
        return ["bool"]

    def impl(self, x):
        return np.isnan(x)

    def L_op(self, inputs, outputs, gout):
        return [zero_grad_of(inputs[0])]  # piecewise constant, as comparisons


class IsInf(IsNan):
    ufunc = np.isinf

    def impl(self, x):
        return np.isinf(x)


class _Float64UnaryOp(FloatUnaryOp):
    """Computed in float64 and rounded to the output dtype, as the numba kernels do (scipy's
    float32 loops are less accurate and would differ from them in the last bits)."""

    def impl(self, x):
        x = np.asarray(x)
        dtype = upgrade_to_float_dtype(x.dtype.name)
        return np.asarray(type(self).ufunc(x.astype(np.float64)), dtype=dtype)


class Gamma(_Float64UnaryOp):
    ufunc = sps.gamma

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] * outputs[0] * psi(x)] if _float_input(x) else [None]


class GammaLn(_Float64UnaryOp):
    """log|gamma(x)|."""

    ufunc = sps.gammaln

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] * psi(x)] if _float_input(x) else [None]


class Psi(_Float64UnaryOp):
    """The digamma function, d/dx log gamma(x)."""

    ufunc = sps.psi

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] * tri_gamma(x)] if _float_input(x) else [None]


class TriGamma(_Float64UnaryOp):
    """polygamma(1, x), the derivative of psi; it has no gradient of its own, as in Theano."""

    @property
    def name(self) -> str:
        return "tri_gamma"

    @staticmethod
    def ufunc(x):
        return sps.polygamma(1, x)

    def L_op(self, inputs, outputs, gout):
        raise NotImplementedError("tri_gamma has no gradient")


class Erfinv(_Float64UnaryOp):
    ufunc = sps.erfinv

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        k = const_like(np.sqrt(np.pi) / 2.0, x)
        return [gout[0] * k * exp(sqr(outputs[0]))] if _float_input(x) else [None]


class Erfcinv(_Float64UnaryOp):
    ufunc = sps.erfcinv

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        k = const_like(-np.sqrt(np.pi) / 2.0, x)
        return [gout[0] * k * exp(sqr(outputs[0]))] if _float_input(x) else [None]


class Erfcx(_Float64UnaryOp):
    """exp(x**2) * erfc(x), which stays finite where erfc underflows."""

    ufunc = sps.erfcx

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        if not _float_input(x):
            return [None]
        return [gout[0] * (const_like(-2.0 / np.sqrt(np.pi), x)
                           + const_like(2.0, x) * x * outputs[0])]


class J0(_Float64UnaryOp):
    ufunc = sps.j0

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [-gout[0] * j1(x)] if _float_input(x) else [None]


class J1(_Float64UnaryOp):
    ufunc = sps.j1

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        if not _float_input(x):
            return [None]
        return [gout[0] * (j0(x) - jv(const_like(2.0, x), x)) * const_like(0.5, x)]


class I0(_Float64UnaryOp):
    ufunc = sps.i0

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] * i1(x)] if _float_input(x) else [None]


class I1(_Float64UnaryOp):
    ufunc = sps.i1

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        if not _float_input(x):
            return [None]
        return [gout[0] * (i0(x) + iv(const_like(2.0, x), x)) * const_like(0.5, x)]


class _FloatBinaryOp(BinaryScalarOp):
    """A real function of two arguments, computed in float64 and rounded to the upcast float
    dtype."""

    ufunc = None

    def output_dtypes(self, a, b):
        return [upgrade_to_float_dtype(upcast(a, b))]

    def impl(self, a, b):
        # float64 here; perform rounds to the output dtype
        return type(self).ufunc(np.asarray(a, np.float64), np.asarray(b, np.float64))


class Jv(_FloatBinaryOp):
    """The Bessel function of the first kind of real order v: jv(v, x)."""

    ufunc = sps.jv
    undefined_gradients = {0: "the derivative with respect to the order v is not defined"}

    def L_op(self, inputs, outputs, gout):
        v, x = inputs
        if not _float_input(x):
            return [None, None]
        one, half = const_like(1.0, x), const_like(0.5, x)
        return [None, gout[0] * (jv(v - one, x) - jv(v + one, x)) * half]


class Iv(_FloatBinaryOp):
    """The modified Bessel function of the first kind of real order v: iv(v, x)."""

    ufunc = sps.iv
    undefined_gradients = {0: "the derivative with respect to the order v is not defined"}

    def L_op(self, inputs, outputs, gout):
        v, x = inputs
        if not _float_input(x):
            return [None, None]
        one, half = const_like(1.0, x), const_like(0.5, x)
        return [None, gout[0] * (iv(v - one, x) + iv(v + one, x)) * half]


class Chi2SF(_FloatBinaryOp):
    """The chi-squared survival function chi2sf(x, k) = P(X > x) with k degrees of freedom
    (scipy.stats.chi2.sf: 1 for negative x). No gradient, as in Theano."""

    @staticmethod
    def ufunc(x, k):
        return np.where(x < 0, np.ones_like(x), sps.chdtrc(k, x))

    def L_op(self, inputs, outputs, gout):
        raise NotImplementedError("chi2sf has no gradient")


isnan, isinf = IsNan(), IsInf()
gamma, gammaln, psi, tri_gamma = Gamma(), GammaLn(), Psi(), TriGamma()
erfinv, erfcinv, erfcx = Erfinv(), Erfcinv(), Erfcx()
j0, j1, i0, i1, jv, iv = J0(), J1(), I0(), I1(), Jv(), Iv()
chi2sf = Chi2SF()
