"""Scalar ops: each formula against numpy on edge values, the dtype rules, literal dtypes, and
the gradients Elemwise lifts from them."""
from __future__ import annotations

import math

import numpy as np
import pytest

import symgrad.scalar as S
import symgrad.tensor as T
from symgrad.config import config
from symgrad.gradient import verify_grad
from symgrad.scalar.type import literal_dtype, upcast, upgrade_to_float_dtype

EDGES = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1e-300, -1e-300, 30.0, -30.0, 700.0,
                  -745.0, np.inf, -np.inf, np.nan])

UNARY = [
    (S.exp, np.exp), (S.exp2, np.exp2), (S.expm1, np.expm1), (S.log, np.log),
    (S.log2, np.log2), (S.log10, np.log10), (S.log1p, np.log1p), (S.sqrt, np.sqrt),
    (S.sqr, np.square), (S.reciprocal, np.reciprocal), (S.sin, np.sin), (S.cos, np.cos),
    (S.tan, np.tan), (S.arcsin, np.arcsin), (S.arccos, np.arccos), (S.arctan, np.arctan),
    (S.sinh, np.sinh), (S.cosh, np.cosh), (S.tanh, np.tanh), (S.arcsinh, np.arcsinh),
    (S.arccosh, np.arccosh), (S.arctanh, np.arctanh), (S.neg, np.negative), (S.abs_, np.abs),
    (S.sgn, np.sign), (S.floor, np.floor), (S.ceil, np.ceil),
    (S.round_half_to_even, np.round), (S.erf, np.vectorize(math.erf)),
    (S.erfc, np.vectorize(math.erfc)),
]


def _same(got, want, what):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0, equal_nan=True, err_msg=what)
    # signed zeros and infinities keep their sign
    finite_zero = (want == 0) | np.isinf(want)
    assert np.array_equal(np.signbit(got[finite_zero]), np.signbit(want[finite_zero])), what


@pytest.mark.parametrize(("op", "ref"), UNARY, ids=[str(op) for op, _ in UNARY])
def test_unary_impl_matches_numpy_on_edge_values(op, ref):
    with np.errstate(all="ignore"):
        got = [op.impl(v) for v in EDGES]
        want = ref(EDGES)
    _same(got, want, str(op))


def test_sigmoid_and_softplus_are_accurate_at_both_tails():
    with np.errstate(all="ignore"):
        for v in EDGES[~np.isnan(EDGES)]:
            want = 1.0 / (1.0 + np.exp(-v))
            assert S.sigmoid.impl(v) == pytest.approx(want, rel=1e-15, abs=1e-300), v
        assert S.softplus.impl(-745.0) == pytest.approx(math.exp(-745.0))  # log1p(exp(x)) ~ e^x
        assert S.softplus.impl(800.0) == 800.0  # exp would overflow
        assert S.softplus.impl(0.0) == pytest.approx(math.log(2.0), rel=1e-15)
    assert S.round_half_away_from_zero.impl(2.5) == 3.0
    assert S.round_half_away_from_zero.impl(-2.5) == -3.0
    assert S.round_half_to_even.impl(2.5) == 2.0


BINARY = [
    (S.add, np.add), (S.mul, np.multiply), (S.sub, np.subtract), (S.true_div, np.true_divide),
    (S.maximum, np.maximum), (S.minimum, np.minimum), (S.pow, np.power),
    (S.arctan2, np.arctan2),
]


@pytest.mark.parametrize(("op", "ref"), BINARY, ids=[str(op) for op, _ in BINARY])
def test_binary_impl_matches_numpy_on_edge_values(op, ref):
    xs, ys = np.meshgrid(EDGES, EDGES[::3])
    with np.errstate(all="ignore"):
        got = [op.impl(a, b) for a, b in zip(xs.ravel(), ys.ravel())]
        want = ref(xs.ravel(), ys.ravel())
    _same(got, want, str(op))


def test_integer_division_and_mod_floor_like_python():
    for a in (-7, -1, 0, 5, 7):
        for b in (-3, 2, 3):
            assert S.int_div.impl(np.int64(a), np.int64(b)) == a // b
            assert S.mod.impl(np.int64(a), np.int64(b)) == a % b
    assert np.isnan(S.maximum.impl(np.nan, 1.0)) and np.isnan(S.minimum.impl(1.0, np.nan))


def test_comparisons_switch_clip_and_bitwise():
    assert [S.lt.impl(1, 2), S.ge.impl(1, 2), S.eq.impl(np.nan, np.nan), S.neq.impl(1, 2)] \
        == [True, False, False, True]
    assert S.switch.impl(True, 1.0, 2.0) == 1.0 and S.switch.impl(0, 1.0, 2.0) == 2.0
    assert S.clip.impl(5.0, 0.0, 3.0) == 3.0 and S.clip.impl(-1.0, 0.0, 3.0) == 0.0
    assert S.and_.impl(np.int8(6), np.int8(3)) == 2 and S.xor.impl(np.int8(6), np.int8(3)) == 5
    assert S.invert.impl(np.int8(0)) == -1 and S.invert.impl(np.bool_(True)) == np.False_


def _out_dtype(op, *dtypes):
    return op.make_node(*[S.ScalarType(d)() for d in dtypes]).outputs[0].type.dtype


def test_upcast_follows_numpy_without_value_based_casting():
    assert upcast("int8", "int16") == "int16"
    assert upcast("int8", "uint8") == "int16"
    assert upcast("int64", "uint64") == "float64"
    assert upcast("float32", "int64") == "float64"
    assert upcast("float32", "int16") == "float32"
    assert upcast("bool", "bool") == "bool"
    assert upcast("complex64", "float64") == "complex128"


def test_output_dtype_rules_of_the_ops():
    assert _out_dtype(S.add, "bool", "bool") == "int8"  # arithmetic never gives bool
    assert _out_dtype(S.mul, "int8", "float32") == "float32"
    assert _out_dtype(S.lt, "float64", "int8") == "bool"
    assert _out_dtype(S.true_div, "int32", "int64") == config.floatX
    assert _out_dtype(S.true_div, "float32", "int8") == "float32"
    # float functions of small ints are float32, of wide ints float64 (as Theano)
    assert [_out_dtype(S.exp, d) for d in ("bool", "int8", "uint16", "int32", "int64")] \
        == ["float32", "float32", "float32", "float64", "float64"]
    assert upgrade_to_float_dtype("float16") == "float16"
    assert _out_dtype(S.floor, "int32") == "int32" and _out_dtype(S.floor, "float32") == "float32"


def test_literal_constants_take_the_smallest_int_dtype():
    assert [literal_dtype(v) for v in (0, 127, 128, -129, 40000, 2**31, 2**62, 2**63)] == \
        ["int8", "int8", "int16", "int16", "int32", "int64", "int64", "uint64"]
    assert literal_dtype(True) == "bool" and literal_dtype(1.5) == "float64"
    x = T.dscalar("x")
    two = (x ** 2).owner.inputs[1]
    assert two.type.dtype == "int8" and (x ** 2).type.dtype == "float64"
    assert (T.bscalar("b") + 300).type.dtype == "int16"


def test_float_literal_follows_floatx():
    old = config.floatX
    try:
        config.floatX = "float32"
        assert literal_dtype(0.5) == "float32"
        assert (T.fscalar("f") * 0.5).type.dtype == "float32"
    finally:
        config.floatX = old
    assert literal_dtype(0.5) == "float64"


def _positive(rng, n=4):
    return rng.uniform(0.2, 2.0, size=n)


def _unit(rng, n=4):
    return rng.uniform(-0.8, 0.8, size=n)


def _any(rng, n=4):
    return rng.uniform(-2.0, 2.0, size=n)


GRADS = [
    (T.exp, _any), (T.exp2, _any), (T.expm1, _any), (T.log, _positive), (T.log2, _positive),
    (T.log10, _positive), (T.log1p, _positive), (T.sqrt, _positive), (T.sqr, _any),
    (T.reciprocal, _positive), (T.sin, _any), (T.cos, _any), (T.tan, _unit),
    (T.arcsin, _unit), (T.arccos, _unit), (T.arctan, _any), (T.sinh, _any), (T.cosh, _any),
    (T.tanh, _any), (T.arcsinh, _any), (lambda x: T.arccosh(x + 1.5), _positive),
    (T.arctanh, _unit), (T.sigmoid, _any), (T.softplus, _any), (T.erf, _any), (T.erfc, _any),
    (T.abs, _positive), (T.neg, _any),
]


@pytest.mark.parametrize(("fn", "domain"), GRADS, ids=range(len(GRADS)))
def test_unary_gradients_through_elemwise(fn, domain, rng):
    verify_grad(fn, [domain(rng)], rng=rng)


BINARY_GRADS = [T.add, T.mul, T.sub, T.true_div, T.pow, T.maximum, T.minimum, T.arctan2]


@pytest.mark.parametrize("fn", BINARY_GRADS, ids=range(len(BINARY_GRADS)))
def test_binary_gradients_through_elemwise(fn, rng):
    x = _positive(rng)
    y = x + rng.uniform(0.3, 1.0, size=4)  # max/min away from their kink
    verify_grad(fn, [x, y], rng=rng)
