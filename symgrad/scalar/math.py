"""Scalar functions: powers, exponentials, logarithms, trigonometry, sigmoid, softplus, erf."""
from __future__ import annotations

import numpy as np
import scipy.special as sps

from symgrad.scalar.basic import (
    BinaryScalarOp,
    FloatUnaryOp,
    ScalarVariable,
    as_scalar,
    const_like,
    discrete_dtypes,
    zero_grad_of,
)


def _float_input(x) -> bool:
    return x.type.dtype not in discrete_dtypes


class Pow(BinaryScalarOp):
    symbol = "**"

    def impl(self, x, y):
        return np.power(x, y)

    def L_op(self, inputs, outputs, gout):
        (gz,) = gout
        x, y = inputs
        if not _float_input(x) and not _float_input(y):
            return [None, None]
        # built as ((gz * y) * (x ** (y - 1))) with no folding: the tutorial prints exactly this
        gx = gz * y * x ** (y - 1) if _float_input(x) else None
        gy = gz * log(x) * x ** y if _float_input(y) else None
        return [gx, gy]


class Exp(FloatUnaryOp):
    ufunc = np.exp

    def L_op(self, inputs, outputs, gout):
        return [gout[0] * exp(inputs[0])] if _float_input(inputs[0]) else [None]


class Exp2(FloatUnaryOp):
    ufunc = np.exp2

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] * exp2(x) * const_like(np.log(2.0), x)] if _float_input(x) else [None]


class Expm1(FloatUnaryOp):
    ufunc = np.expm1

    def L_op(self, inputs, outputs, gout):
        return [gout[0] * exp(inputs[0])] if _float_input(inputs[0]) else [None]


class Log(FloatUnaryOp):
    ufunc = np.log

    def L_op(self, inputs, outputs, gout):
        return [gout[0] / inputs[0]] if _float_input(inputs[0]) else [None]


class Log2(FloatUnaryOp):
    ufunc = np.log2

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] / (x * const_like(np.log(2.0), x))] if _float_input(x) else [None]


class Log10(FloatUnaryOp):
    ufunc = np.log10

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] / (x * const_like(np.log(10.0), x))] if _float_input(x) else [None]


class Log1p(FloatUnaryOp):
    ufunc = np.log1p

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] / (const_like(1.0, x) + x)] if _float_input(x) else [None]


class Sqrt(FloatUnaryOp):
    ufunc = np.sqrt

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [(gout[0] * const_like(0.5, x)) / sqrt(x)] if _float_input(x) else [None]


class Sqr(FloatUnaryOp):
    def output_dtypes(self, dtype):
        return ["int8" if dtype == "bool" else dtype]

    def impl(self, x):
        return np.multiply(x, x)

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] * x * const_like(2.0, x)] if _float_input(x) else [None]


class Reciprocal(FloatUnaryOp):
    ufunc = np.reciprocal

    def impl(self, x):
        return np.true_divide(1.0, x)

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [-gout[0] / (x * x)] if _float_input(x) else [None]


class Sin(FloatUnaryOp):
    ufunc = np.sin

    def L_op(self, inputs, outputs, gout):
        return [gout[0] * cos(inputs[0])] if _float_input(inputs[0]) else [None]


class Cos(FloatUnaryOp):
    ufunc = np.cos

    def L_op(self, inputs, outputs, gout):
        return [-gout[0] * sin(inputs[0])] if _float_input(inputs[0]) else [None]


class Tan(FloatUnaryOp):
    ufunc = np.tan

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] / sqr(cos(x))] if _float_input(x) else [None]


class ArcSin(FloatUnaryOp):
    ufunc = np.arcsin

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] / sqrt(const_like(1.0, x) - sqr(x))] if _float_input(x) else [None]


class ArcCos(FloatUnaryOp):
    ufunc = np.arccos

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [-gout[0] / sqrt(const_like(1.0, x) - sqr(x))] if _float_input(x) else [None]


class ArcTan(FloatUnaryOp):
    ufunc = np.arctan

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] / (const_like(1.0, x) + sqr(x))] if _float_input(x) else [None]


class Sinh(FloatUnaryOp):
    ufunc = np.sinh

    def L_op(self, inputs, outputs, gout):
        return [gout[0] * cosh(inputs[0])] if _float_input(inputs[0]) else [None]


class Cosh(FloatUnaryOp):
    ufunc = np.cosh

    def L_op(self, inputs, outputs, gout):
        return [gout[0] * sinh(inputs[0])] if _float_input(inputs[0]) else [None]


class Tanh(FloatUnaryOp):
    ufunc = np.tanh

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        (y,) = outputs
        return [gout[0] * (const_like(1.0, x) - sqr(y))] if _float_input(x) else [None]


class ArcSinh(FloatUnaryOp):
    ufunc = np.arcsinh

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] / sqrt(sqr(x) + const_like(1.0, x))] if _float_input(x) else [None]


class ArcCosh(FloatUnaryOp):
    ufunc = np.arccosh

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] / sqrt(sqr(x) - const_like(1.0, x))] if _float_input(x) else [None]


class ArcTanh(FloatUnaryOp):
    ufunc = np.arctanh

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] / (const_like(1.0, x) - sqr(x))] if _float_input(x) else [None]


class Sigmoid(FloatUnaryOp):
    """1 / (1 + exp(-x)), computed without overflow for large |x|."""

    ufunc = sps.expit

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        (y,) = outputs
        return [gout[0] * y * (const_like(1.0, x) - y)] if _float_input(x) else [None]


class Softplus(FloatUnaryOp):
    """log(1 + exp(x)), accurate for large and very negative x."""

    def impl(self, x):
        return np.logaddexp(0.0, x).astype(np.result_type(x, np.float32))

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        return [gout[0] * sigmoid(x)] if _float_input(x) else [None]


class Erf(FloatUnaryOp):
    ufunc = sps.erf

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        k = const_like(2.0 / np.sqrt(np.pi), x)
        return [gout[0] * k * exp(-sqr(x))] if _float_input(x) else [None]


class Erfc(FloatUnaryOp):
    ufunc = sps.erfc

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        k = const_like(-2.0 / np.sqrt(np.pi), x)
        return [gout[0] * k * exp(-sqr(x))] if _float_input(x) else [None]


class Ceil(FloatUnaryOp):
    ufunc = np.ceil

    def output_dtypes(self, dtype):
        return [dtype if dtype in discrete_dtypes and dtype != "bool" else
                FloatUnaryOp.output_dtypes(self, dtype)[0]]

    def L_op(self, inputs, outputs, gout):
        return [zero_grad_of(inputs[0])]


class RoundHalfToEven(Ceil):
    ufunc = np.round

    @property
    def name(self) -> str:
        return "round_half_to_even"


class RoundHalfAwayFromZero(Ceil):
    @property
    def name(self) -> str:
        return "round_half_away_from_zero"

    def impl(self, x):
        return np.where(np.asarray(x) >= 0, np.floor(np.add(x, 0.5)), np.ceil(np.subtract(x, 0.5)))


class ArcTan2(BinaryScalarOp):
    def output_dtypes(self, a, b):
        return [FloatUnaryOp.output_dtypes(self, BinaryScalarOp.output_dtypes(self, a, b)[0])[0]]

    def impl(self, y, x):
        return np.arctan2(y, x)

    def L_op(self, inputs, outputs, gout):
        (gz,) = gout
        y, x = inputs
        den = sqr(x) + sqr(y)
        return [gz * x / den if _float_input(y) else None,
                -gz * y / den if _float_input(x) else None]


pow = Pow()
exp, exp2, expm1, log, log2, log10, log1p = Exp(), Exp2(), Expm1(), Log(), Log2(), Log10(), Log1p()
sqrt, sqr, reciprocal = Sqrt(), Sqr(), Reciprocal()
sin, cos, tan, arcsin, arccos, arctan = Sin(), Cos(), Tan(), ArcSin(), ArcCos(), ArcTan()
sinh, cosh, tanh, arcsinh, arccosh, arctanh = Sinh(), Cosh(), Tanh(), ArcSinh(), ArcCosh(), ArcTanh()
sigmoid, softplus, erf, erfc = Sigmoid(), Softplus(), Erf(), Erfc()
ceil, round_half_to_even, round_half_away_from_zero = Ceil(), RoundHalfToEven(), RoundHalfAwayFromZero()
arctan2 = ArcTan2()

# bound here rather than in basic.py because Pow's gradient needs log
ScalarVariable.__pow__ = lambda self, o: pow(self, as_scalar(o))
ScalarVariable.__rpow__ = lambda self, o: pow(as_scalar(o), self)
