"""exp, log, tanh, sigmoid, softplus, sin and cos emitted straight into the calling kernel's IR.

numba compiles a jitted helper as a separate function that LLVM sees only as a call while it
vectorises the caller's loop, and libm's functions are scalar calls too; so these are numba
intrinsics: their arithmetic lands inline in the loop, which then vectorises. Each uses
selects instead of branches. `exp`, `tanh`, `sigmoid`, `sin_fast`, `cos_fast`, `log_fast`,
`log1p_fast` and `softplus_fast` take and return float64 and are within about an ulp of
numpy (softplus two); `exp32`, `tanh32` and `sigmoid32` work in float32 throughout (twice
the lanes of float64, and a cheaper division), within 1.1, 1.35 and 2.35 float32 ulps of
the exact result (tests/link/test_numba_vectormath.py and test_numba_linker.py).
"""
from __future__ import annotations

import math

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

_F64 = ir.DoubleType()
_F32 = ir.FloatType()
_I64 = ir.IntType(64)
_I32 = ir.IntType(32)


class _Emitter:
    """Small arithmetic helpers over an IRBuilder, so the formulas read as formulas; `ty` is
    the float type they compute in (constants are rounded to it)."""

    def __init__(self, builder, ty=_F64) -> None:
        self.b = builder
        self.ty = ty

    def c(self, value: float):
        return ir.Constant(self.ty, value)

    def add(self, x, y):
        return self.b.fadd(x, y)

    def sub(self, x, y):
        return self.b.fsub(x, y)

    def mul(self, x, y):
        return self.b.fmul(x, y)

    def div(self, x, y):
        return self.b.fdiv(x, y)

    def where(self, cond, x, y):
        return self.b.select(cond, x, y)

    def lt(self, x, y):
        return self.b.fcmp_ordered("<", x, y)

    def gt(self, x, y):
        return self.b.fcmp_ordered(">", x, y)

    def is_nan(self, x):
        return self.b.fcmp_unordered("uno", x, x)

    def floor(self, x):
        return self.b.call(self.b.module.declare_intrinsic("llvm.floor", [self.ty]), [x])

    def fabs(self, x):
        return self.b.call(self.b.module.declare_intrinsic("llvm.fabs", [self.ty]), [x])

    def copysign(self, x, y):
        t = self.ty
        fn = self.b.module.declare_intrinsic("llvm.copysign", [t], ir.FunctionType(t, [t, t]))
        return self.b.call(fn, [x, y])

    def muladd(self, x, y, z):
        """x*y + z, fused into one FMA where the CPU has it (one rounding instead of two)."""
        t = self.ty
        fn = self.b.module.declare_intrinsic("llvm.fmuladd", [t], ir.FunctionType(t, [t, t, t]))
        return self.b.call(fn, [x, y, z])

    def horner(self, coefficients, z):
        acc = self.c(coefficients[0])
        for k in coefficients[1:]:
            acc = self.muladd(acc, z, self.c(k))
        return acc

    def pow2(self, n_int):
        """2**n for an integer n (int64 for float64, int32 for float32) in the normal exponent
        range, from its bits."""
        if self.ty == _F32:
            bits = self.b.shl(self.b.add(n_int, ir.Constant(_I32, 127)), ir.Constant(_I32, 23))
            return self.b.bitcast(bits, _F32)
        bits = self.b.shl(self.b.add(n_int, ir.Constant(_I64, 1023)), ir.Constant(_I64, 52))
        return self.b.bitcast(bits, _F64)


# exp(r) = 1 + r + r^2 q(r) on |r| <= ln2/2, q interpolating (exp(r) - 1 - r)/r^2 at ten
# Chebyshev points (fitted in extended precision; max relative error 1.4e-16), highest first
_EXP_Q = [2.5099096341676957e-08, 2.76200700707688e-07, 2.755727217840152e-06,
          2.480152133478574e-05, 0.0001984126985935751, 0.0013888888917189075,
          0.008333333333331519, 0.04166666666662417, 0.16666666666666666, 0.5000000000000001]


# ln 2 in two parts; the first has trailing zero bits, so n * _LN2_HI is exact (exp, log)
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10


def emit_exp(e: _Emitter, x):
    # x = n*ln2 + r, |r| <= ln2/2, with ln2 in two parts (the first has trailing zero bits so
    # n*hi is exact); 2**n is built in two halves so subnormal results come out right, and the
    # clamps make the two halves overflow to inf above ~709.78 and underflow to 0 below -745.13
    lo = e.where(e.lt(x, e.c(-746.0)), e.c(-746.0), x)
    xc = e.where(e.gt(lo, e.c(710.0)), e.c(710.0), lo)
    n = e.floor(e.muladd(xc, e.c(1.4426950408889634), e.c(0.5)))
    r = e.sub(e.sub(xc, e.mul(n, e.c(_LN2_HI))), e.mul(n, e.c(_LN2_LO)))
    p = e.add(e.c(1.0), e.muladd(e.mul(r, r), e.horner(_EXP_Q, r), r))
    ni = e.b.fptosi(n, _I64)
    half = e.b.ashr(ni, ir.Constant(_I64, 1))
    y = e.mul(e.mul(p, e.pow2(half)), e.pow2(e.b.sub(ni, half)))
    return e.where(e.is_nan(x), e.add(x, x), y)


# tanh near 0: x * (1 - x^2/3 + 2x^4/15 - 17x^6/315 + 62x^8/2835 - 1382x^10/155925)
_TANH_POLY = [-1382 / 155925, 62 / 2835, -17 / 315, 2 / 15, -1 / 3, 1.0]


def emit_tanh(e: _Emitter, x):
    ax = e.fabs(x)
    em = emit_exp(e, e.mul(e.c(-2.0), ax))
    t = e.div(e.sub(e.c(1.0), em), e.add(e.c(1.0), em))
    t = e.where(e.lt(x, e.c(0.0)), e.sub(e.c(0.0), t), t)
    small = e.mul(x, e.horner(_TANH_POLY, e.mul(x, x)))
    y = e.where(e.lt(ax, e.c(0.0625)), small, t)
    return e.where(e.is_nan(x), x, y)


def emit_sigmoid(e: _Emitter, x):
    return e.div(e.c(1.0), e.add(e.c(1.0), emit_exp(e, e.sub(e.c(0.0), x))))


# log(1+f) = 2 atanh(s), s = f/(2+f), = 2s + s z Q(z) with z = s^2 <= 0.0295 (m in
# [sqrt(1/2), sqrt(2))); Q fitted as _EXP_Q was (relative error 4.6e-16), highest first
_LOG_Q = [0.1461722905535695, 0.15331653808341117, 0.18182891335802956, 0.22222211101585754,
          0.28571428626200895, 0.39999999999898944, 0.666666666666667]


def emit_log(e: _Emitter, x):
    # x = m 2^k from the bits (subnormals scaled into the normal range first); then
    # log(1+f) = f - (f^2/2 - s (f^2/2 + R)), which keeps the large term f exact
    b = e.b
    tiny = e.lt(x, e.c(2.2250738585072014e-308))
    xs = e.where(tiny, e.mul(x, e.c(2.0 ** 54)), x)
    bits = b.bitcast(xs, _I64)
    k = b.sub(b.lshr(bits, ir.Constant(_I64, 52)), ir.Constant(_I64, 1023))
    k = b.select(tiny, b.sub(k, ir.Constant(_I64, 54)), k)
    m = b.bitcast(b.or_(b.and_(bits, ir.Constant(_I64, (1 << 52) - 1)),
                        ir.Constant(_I64, 1023 << 52)), _F64)
    big = e.gt(m, e.c(1.4142135623730951))
    m = e.where(big, e.mul(m, e.c(0.5)), m)
    k = b.select(big, b.add(k, ir.Constant(_I64, 1)), k)
    kf = b.sitofp(k, _F64)
    f = e.sub(m, e.c(1.0))
    s = e.div(f, e.add(e.c(2.0), f))
    z = e.mul(s, s)
    r = e.mul(z, e.horner(_LOG_Q, z))
    hfsq = e.mul(e.c(0.5), e.mul(f, f))
    y = e.add(e.mul(kf, e.c(_LN2_HI)),
              e.sub(f, e.sub(hfsq, e.add(e.mul(s, e.add(hfsq, r)), e.mul(kf, e.c(_LN2_LO))))))
    y = e.where(e.gt(x, e.c(1.7976931348623157e308)), x, y)  # inf
    y = e.where(e.b.fcmp_ordered("==", x, e.c(0.0)), e.c(-math.inf), y)
    y = e.where(e.lt(x, e.c(0.0)), e.c(math.nan), y)
    return e.where(e.is_nan(x), x, y)


def emit_log1p(e: _Emitter, x):
    # log(u) for u = 1 + x, corrected by the rounding of that sum: (x - (u - 1)) / u
    u = e.add(e.c(1.0), x)
    corrected = e.add(emit_log(e, u), e.div(e.sub(x, e.sub(u, e.c(1.0))), u))
    plain = e.b.or_(e.b.fcmp_ordered("==", u, e.c(0.0)), e.gt(u, e.c(1.7976931348623157e308)))
    y = e.where(plain, emit_log(e, u), corrected)
    # 1 + x == 1: log1p(x) is x to within its rounding (and keeps -0.0)
    y = e.where(e.b.fcmp_ordered("==", u, e.c(1.0)), x, y)
    return e.where(e.is_nan(x), x, y)


def emit_softplus(e: _Emitter, x):
    # log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow, and exact 0 for x < -745
    t = emit_exp(e, e.sub(e.c(0.0), e.fabs(x)))
    y = e.add(e.where(e.gt(x, e.c(0.0)), x, e.c(0.0)), emit_log1p(e, t))
    return e.where(e.is_nan(x), x, y)


# float32: exp(r) = 1 + r + r^2 q(r) on |r| <= ln2/2, q a least-squares fit (in extended
# precision, at 400 Chebyshev points) of (exp(r) - 1 - r)/r^2, highest first
_EXP32_Q = [0.0013933643931522965, 0.008363175205886364, 0.04166646674275398,
            0.16666576266288757, 0.5]
# tanh(x) = x + x z q(z), z = x^2, for |x| < 0.625 (fitted the same way)
_TANH32_LIMIT = 0.625
_TANH32_Q = [0.0022958412300795317, -0.008346980437636375, 0.021769961342215538,
             -0.05395940691232681, 0.13333304226398468, -0.3333333432674408]


def emit_exp32(e: _Emitter, x):
    # as emit_exp, in float32: ln2's first part has 9 significant bits, so n*hi is exact for
    # every |n| <= 150; the clamps give inf above ~88.72 and 0 below ~-103.97
    lo = e.where(e.lt(x, e.c(-104.0)), e.c(-104.0), x)
    xc = e.where(e.gt(lo, e.c(89.0)), e.c(89.0), lo)
    n = e.floor(e.muladd(xc, e.c(1.4426950408889634), e.c(0.5)))
    r = e.sub(e.sub(xc, e.mul(n, e.c(0.693359375))), e.mul(n, e.c(-2.12194440054690583e-4)))
    p = e.add(e.c(1.0), e.muladd(e.mul(r, r), e.horner(_EXP32_Q, r), r))
    ni = e.b.fptosi(n, _I32)
    half = e.b.ashr(ni, ir.Constant(_I32, 1))
    y = e.mul(e.mul(p, e.pow2(half)), e.pow2(e.b.sub(ni, half)))
    return e.where(e.is_nan(x), e.add(x, x), y)


def emit_tanh32(e: _Emitter, x):
    # 1 - 2/(exp(2|x|) + 1) away from 0 (exp's overflow to inf gives exactly 1), the
    # polynomial near 0, where that difference would cancel
    ax = e.fabs(x)
    big = e.sub(e.c(1.0), e.div(e.c(2.0), e.add(emit_exp32(e, e.add(ax, ax)), e.c(1.0))))
    big = e.where(e.lt(x, e.c(0.0)), e.sub(e.c(0.0), big), big)
    z = e.mul(x, x)
    # (the sign copied back: -0.0 + (+0.0) would lose tanh(-0.0) = -0.0)
    small = e.copysign(e.muladd(e.mul(x, z), e.horner(_TANH32_Q, z), x), x)
    y = e.where(e.lt(ax, e.c(_TANH32_LIMIT)), small, big)
    return e.where(e.is_nan(x), x, y)


def emit_sigmoid32(e: _Emitter, x):
    # from exp(-|x|), which never overflows: 1/(1+t) for x >= 0, t/(1+t) below, so a very
    # negative x keeps its tiny (subnormal) result instead of 1/inf = 0
    t = emit_exp32(e, e.sub(e.c(0.0), e.fabs(x)))
    one_t = e.add(e.c(1.0), t)
    y = e.where(e.lt(x, e.c(0.0)), e.div(t, one_t), e.div(e.c(1.0), one_t))
    return e.where(e.is_nan(x), x, y)


_SIN_POLY = [(-1) ** (k // 2 % 2 + 1) / math.factorial(k) for k in range(17, 2, -2)]
_COS_POLY = [(-1) ** (k // 2 % 2 + 1) / math.factorial(k) for k in range(18, 1, -2)]
# beyond this the two-part reduction by pi/2 loses bits: answer NaN, and the kernel recomputes
# its loop with libm's sin/cos when it sees one (elemwise.py)
TRIG_LIMIT = 1.0e5


def _sin_cos(e: _Emitter, x, want_cos: bool):
    n = e.floor(e.add(e.mul(x, e.c(0.6366197723675814)), e.c(0.5)))
    y = e.sub(e.sub(x, e.mul(n, e.c(1.57079632673412561417e+00))),
              e.mul(n, e.c(6.07710050650619224932e-11)))
    z = e.mul(y, y)
    s = e.sub(y, e.mul(e.mul(y, z), e.horner(_SIN_POLY, z)))
    c = e.sub(e.c(1.0), e.mul(z, e.horner(_COS_POLY, z)))
    q = e.b.and_(e.b.fptosi(n, _I64), ir.Constant(_I64, 3))
    if want_cos:
        q = e.b.and_(e.b.add(q, ir.Constant(_I64, 1)), ir.Constant(_I64, 3))
    odd = e.b.icmp_signed("!=", e.b.and_(q, ir.Constant(_I64, 1)), ir.Constant(_I64, 0))
    neg = e.b.icmp_signed("!=", e.b.and_(q, ir.Constant(_I64, 2)), ir.Constant(_I64, 0))
    v = e.where(odd, c, s)
    v = e.where(neg, e.sub(e.c(0.0), v), v)
    return e.where(e.gt(e.fabs(x), e.c(TRIG_LIMIT)), e.c(math.nan), v)


def _unary_intrinsic(emit, float32: bool = False):
    ty, nb_type = (_F32, types.float32) if float32 else (_F64, types.float64)

    def typer(typingctx, x):
        def codegen(context, builder, signature, args):
            return emit(_Emitter(builder, ty), args[0])
        return nb_type(nb_type), codegen
    typer.__name__ = emit.__name__.replace("emit_", "")
    return intrinsic(typer)


exp = _unary_intrinsic(emit_exp)
tanh = _unary_intrinsic(emit_tanh)
sigmoid = _unary_intrinsic(emit_sigmoid)
sin_fast = _unary_intrinsic(lambda e, x: _sin_cos(e, x, False))
cos_fast = _unary_intrinsic(lambda e, x: _sin_cos(e, x, True))
log_fast = _unary_intrinsic(emit_log)
log1p_fast = _unary_intrinsic(emit_log1p)
softplus_fast = _unary_intrinsic(emit_softplus)
exp32 = _unary_intrinsic(emit_exp32, float32=True)
tanh32 = _unary_intrinsic(emit_tanh32, float32=True)
sigmoid32 = _unary_intrinsic(emit_sigmoid32, float32=True)
