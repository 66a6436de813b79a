"""Elementwise ops, DimShuffle and reductions in jax.numpy.

A scalar op becomes a jax.numpy function of whole arrays (`scalar_function`); an Elemwise
applies it (jax broadcasts as numpy does) and a Composite evaluates its inner scalar graph the
same way, so XLA fuses what our fusion pass fused and more. Integers are converted to the
output's float dtype before float arithmetic, as numpy (and our perform) does. Special
functions work in float64 as their perform does; those jax.scipy.special lacks (j0, j1, jv,
iv, chi2sf) run scipy on the host through jax.pure_callback.
"""
from __future__ import annotations

from functools import singledispatch

import jax
import jax.numpy as jnp
import numpy as np

from symgrad.link.jax.dispatch import jax_funcify
from symgrad.scalar import basic as sb
from symgrad.scalar import math as sm
from symgrad.scalar import special as ss
from symgrad.scalar.composite import Composite
from symgrad.scalar.type import discrete_dtypes
from symgrad.tensor.elemwise import CAReduce, DimShuffle, Elemwise


@singledispatch
def scalar_function(op, out_dtypes: list[str]):
    """f(*arrays) computing the scalar op elementwise; registered per scalar op class."""
    ufunc = getattr(type(op), "ufunc", None)
    if ufunc is not None and isinstance(op, sb.FloatUnaryOp):
        fn = _jnp_ufunc(ufunc.__name__)
        return _to_float(fn, out_dtypes[0])
    if ufunc is not None:  # comparisons and bitwise ops
        return _jnp_ufunc(ufunc.__name__)
    raise NotImplementedError(f"no JAX function for scalar op {type(op).__name__}")


def _jnp_ufunc(name: str):
    special = {"expit": jax.nn.sigmoid, "erf": jax.scipy.special.erf,
               "erfc": jax.scipy.special.erfc}
    return special.get(name) or getattr(jnp, name)


def _to_float(fn, dtype: str):
    def apply(*xs):
        return fn(*[_cast_discrete(x, dtype) for x in xs])
    return apply


def _cast_discrete(x, dtype: str):
    x = jnp.asarray(x)
    return x.astype(dtype) if x.dtype.name in discrete_dtypes else x


def _register(cls, make):
    scalar_function.register(cls)(lambda op, out_dtypes: make(out_dtypes[0]))


def _variadic(binary):
    def apply(*xs):
        out = xs[0]
        for x in xs[1:]:
            out = binary(out, x)
        return out
    return apply


_register(sb.Add, lambda d: _variadic(jnp.add))
_register(sb.Mul, lambda d: _variadic(jnp.multiply))
_register(sb.Sub, lambda d: jnp.subtract)
_register(sb.Neg, lambda d: jnp.negative)
_register(sb.Mod, lambda d: jnp.mod)
_register(sb.IntDiv, lambda d: jnp.floor_divide)
_register(sb.Abs, lambda d: jnp.abs)
_register(sb.Sgn, lambda d: jnp.sign)
_register(sb.Maximum, lambda d: jnp.maximum)
_register(sb.Minimum, lambda d: jnp.minimum)
_register(sb.Second, lambda d: lambda a, b: jnp.broadcast_to(b, jnp.broadcast_shapes(
    jnp.shape(a), jnp.shape(b))))
_register(sb.Identity, lambda d: lambda x: x)
_register(sb.Switch, lambda d: jnp.where)
_register(sb.Clip, lambda d: lambda x, lo, hi: jnp.minimum(jnp.maximum(x, lo), hi))
_register(sb.Cast, lambda d: lambda x: jnp.asarray(x).astype(d))
_register(sb.TrueDiv, lambda d: _to_float(jnp.true_divide, d))
_register(sm.Pow, lambda d: jnp.power if d in discrete_dtypes else _to_float(jnp.power, d))
_register(sm.Sqr, lambda d: lambda x: x * x)
_register(sm.Reciprocal, lambda d: _to_float(jnp.reciprocal, d))
_register(sm.Softplus, lambda d: _to_float(lambda x: jnp.logaddexp(0.0, x), d))
_register(sm.ArcTan2, lambda d: _to_float(jnp.arctan2, d))
_register(sm.RoundHalfToEven, lambda d: _to_float(jnp.round, d))
_register(sm.RoundHalfAwayFromZero, lambda d: _to_float(
    lambda x: jnp.where(x >= 0, jnp.floor(x + 0.5), jnp.ceil(x - 0.5)), d))

_register(ss.IsNan, lambda d: jnp.isnan)
_register(ss.IsInf, lambda d: jnp.isinf)

_jss = jax.scipy.special


def _psi(x):
    # scipy's values at the pole at zero: -inf from the right, +inf from the left
    return jnp.where(x == 0, -jnp.copysign(jnp.inf, x), _jss.digamma(x))


_SPECIAL = {
    ss.Gamma: _jss.gamma,
    ss.GammaLn: lambda x: jnp.where(x == -jnp.inf, -jnp.inf, _jss.gammaln(x)),
    ss.Psi: _psi,
    ss.TriGamma: lambda x: jnp.where(x == jnp.inf, 0.0, _jss.polygamma(1, x)),
    ss.Erfinv: _jss.erfinv,
    # erfc(y) = 2 ndtr(-sqrt(2) y), so erfcinv(z) = -ndtri(z / 2) / sqrt(2)
    ss.Erfcinv: lambda x: -_jss.ndtri(x / 2) / np.sqrt(2.0),
    ss.Erfcx: _jss.erfcx, ss.I0: _jss.i0, ss.I1: _jss.i1,
}


def _in_float64(fn):
    """fn computed in float64, as perform computes it (the Elemwise rounds the result)."""
    return lambda x: fn(jnp.asarray(x).astype("float64"))


for _cls, _fn in _SPECIAL.items():
    _register(_cls, lambda d, fn=_fn: _in_float64(fn))


def _scipy_callback(ufunc, dtype: str):
    """A scipy ufunc jax has no version of, run on the host: float64 in, `dtype` out."""
    def apply(*xs):
        xs = [_cast_discrete(x, dtype) for x in xs]
        shape = jnp.broadcast_shapes(*[jnp.shape(x) for x in xs])
        result = jax.ShapeDtypeStruct(shape, np.dtype(dtype))

        def host(*arrays):
            out = ufunc(*[np.asarray(a, np.float64) for a in arrays])
            return np.broadcast_to(np.asarray(out, dtype=dtype), shape)
        return jax.pure_callback(host, result, *xs, vmap_method="expand_dims")
    return apply


for _cls in (ss.J0, ss.J1, ss.Jv, ss.Iv, ss.Chi2SF):
    _register(_cls, lambda d, cls=_cls: _scipy_callback(cls.ufunc, d))


@scalar_function.register(sb.Invert)
def _invert(op, out_dtypes):
    return lambda x: jnp.logical_not(x) if jnp.asarray(x).dtype == bool else jnp.invert(x)


def _composite(op: Composite, out_dtypes):
    steps = [(node, _scalar_fn(node)) for node in op.nodes]

    def apply(*xs):
        env = dict(zip(op.inputs, xs))
        for node, fn in steps:
            args = [env[v] if v in env else np.asarray(v.data, dtype=v.type.dtype)
                    for v in node.inputs]
            results = fn(*args)
            if not isinstance(node.op, Composite):
                results = [results]
            for var, r in zip(node.outputs, results):
                env[var] = jnp.asarray(r).astype(var.type.dtype)
        return [env[o] if o in env else np.asarray(o.data, dtype=o.type.dtype)
                for o in op.outputs]
    return apply


def _scalar_fn(node):
    return scalar_callable(node.op, [o.type.dtype for o in node.outputs])


def scalar_callable(op, out_dtypes: list[str]):
    """The array function of any scalar op, Composite included."""
    if isinstance(op, Composite):
        return _composite(op, out_dtypes)
    return scalar_function(op, out_dtypes)


@jax_funcify.register(Elemwise)
def _elemwise(op, node):
    out_dtypes = [o.type.dtype for o in node.outputs]
    fn = scalar_callable(op.scalar_op, out_dtypes)
    shape_of = jnp.broadcast_shapes
    multi = len(node.outputs) > 1
    listed = multi or isinstance(op.scalar_op, Composite)  # a Composite returns a list

    def elemwise(*xs):
        shape = shape_of(*[jnp.shape(x) for x in xs])
        results = fn(*xs)
        if not listed:
            results = [results]
        # an output that does not depend on every input still has the broadcast shape
        outs = [jnp.broadcast_to(jnp.asarray(r).astype(d), shape)
                for r, d in zip(results, out_dtypes)]
        return outs if multi else outs[0]
    return elemwise


@jax_funcify.register(DimShuffle)
def _dimshuffle(op, node):
    perm = tuple(op.shuffle) + tuple(op.drop)
    order = op.new_order
    n_kept = len(op.shuffle)

    def dimshuffle(x):
        res = jnp.transpose(x, perm) if perm != tuple(range(len(perm))) else x
        kept = iter(res.shape[:n_kept])
        return jnp.reshape(res, tuple(1 if d == "x" else next(kept) for d in order))
    return dimshuffle


_REDUCERS = {sb.Add: jnp.sum, sb.Mul: jnp.prod, sb.Maximum: jnp.max, sb.Minimum: jnp.min,
             sb.AND: jnp.all, sb.OR: jnp.any}


@jax_funcify.register(CAReduce)
def _careduce(op, node):
    reducer = _REDUCERS[type(op.scalar_op)]
    axis = tuple(op.axis)
    dtype = node.outputs[0].type.dtype
    if reducer in (jnp.sum, jnp.prod):
        return lambda x: reducer(x, axis=axis, dtype=dtype)
    return lambda x: reducer(x, axis=axis).astype(dtype)
