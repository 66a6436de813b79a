"""Every elementwise op against numpy (values, dtypes, broadcasting) and finite differences."""
import numpy as np
import pytest
import scipy.special as sps

import symgrad.tensor as T
from symgrad.gradient import verify_grad
from tests.helpers import check_against_numpy

# name -> (symgrad function, numpy function, sampler of valid inputs)
UNARY = {
    "neg": (T.neg, np.negative, lambda r, s: r.normal(size=s)),
    "abs": (T.abs, np.abs, lambda r, s: r.normal(size=s) + 0.1),
    "exp": (T.exp, np.exp, lambda r, s: r.normal(size=s)),
    "exp2": (T.exp2, np.exp2, lambda r, s: r.normal(size=s)),
    "expm1": (T.expm1, np.expm1, lambda r, s: r.normal(size=s)),
    "log": (T.log, np.log, lambda r, s: r.uniform(0.1, 3, size=s)),
    "log2": (T.log2, np.log2, lambda r, s: r.uniform(0.1, 3, size=s)),
    "log10": (T.log10, np.log10, lambda r, s: r.uniform(0.1, 3, size=s)),
    "log1p": (T.log1p, np.log1p, lambda r, s: r.uniform(-0.5, 3, size=s)),
    "sqrt": (T.sqrt, np.sqrt, lambda r, s: r.uniform(0.1, 3, size=s)),
    "sqr": (T.sqr, np.square, lambda r, s: r.normal(size=s)),
    "reciprocal": (T.reciprocal, np.reciprocal, lambda r, s: r.uniform(0.5, 3, size=s)),
    "sin": (T.sin, np.sin, lambda r, s: r.normal(size=s)),
    "cos": (T.cos, np.cos, lambda r, s: r.normal(size=s)),
    "tan": (T.tan, np.tan, lambda r, s: r.uniform(-1, 1, size=s)),
    "arcsin": (T.arcsin, np.arcsin, lambda r, s: r.uniform(-0.9, 0.9, size=s)),
    "arccos": (T.arccos, np.arccos, lambda r, s: r.uniform(-0.9, 0.9, size=s)),
    "arctan": (T.arctan, np.arctan, lambda r, s: r.normal(size=s)),
    "sinh": (T.sinh, np.sinh, lambda r, s: r.normal(size=s)),
    "cosh": (T.cosh, np.cosh, lambda r, s: r.normal(size=s)),
    "tanh": (T.tanh, np.tanh, lambda r, s: r.normal(size=s)),
    "arcsinh": (T.arcsinh, np.arcsinh, lambda r, s: r.normal(size=s)),
    "arccosh": (T.arccosh, np.arccosh, lambda r, s: r.uniform(1.2, 3, size=s)),
    "arctanh": (T.arctanh, np.arctanh, lambda r, s: r.uniform(-0.9, 0.9, size=s)),
    "sigmoid": (T.sigmoid, sps.expit, lambda r, s: r.normal(size=s) * 3),
    "softplus": (T.softplus, lambda x: np.logaddexp(0, x), lambda r, s: r.normal(size=s) * 3),
    "erf": (T.erf, sps.erf, lambda r, s: r.normal(size=s)),
    "erfc": (T.erfc, sps.erfc, lambda r, s: r.normal(size=s)),
}
# piecewise constant: values only (their gradient is zero, checked separately)
STEP = {
    "floor": (T.floor, np.floor), "ceil": (T.ceil, np.ceil), "round": (T.round, np.round),
    "sgn": (T.sgn, np.sign),
}
BINARY = {
    "add": (T.add, np.add), "sub": (T.sub, np.subtract), "mul": (T.mul, np.multiply),
    "true_div": (T.true_div, np.true_divide), "pow": (T.pow, np.power),
    "maximum": (T.maximum, np.maximum), "minimum": (T.minimum, np.minimum),
    "arctan2": (T.arctan2, np.arctan2),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values(name, rng):
    fn, ref, sample = UNARY[name]
    x = T.dmatrix("x")
    xv = sample(rng, (3, 4))
    check_against_numpy([x], fn(x), [xv], ref(xv))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradient(name, rng):
    fn, _, sample = UNARY[name]
    verify_grad(fn, [sample(rng, (2, 3))], rng=rng)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float32_stays_float32(name):
    fn = UNARY[name][0]
    x = T.fvector("x")
    assert fn(x).dtype == "float32"
    assert T.grad(fn(x).sum(), x).dtype == "float32"


@pytest.mark.parametrize("name", sorted(STEP))
def test_piecewise_constant_values_and_zero_gradient(name, rng):
    fn, ref = STEP[name]
    x = T.dvector("x")
    xv = np.array([-2.5, -1.5, -0.4, 0.0, 0.5, 1.5, 2.7])
    check_against_numpy([x], fn(x), [xv], ref(xv))
    g = T.grad(fn(x).sum(), x)
    check_against_numpy([x], g, [xv], np.zeros_like(xv))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_with_broadcasting(name, rng):
    fn, ref = BINARY[name]
    x = T.dmatrix("x")
    y = T.drow("y")
    xv = rng.uniform(0.5, 2, size=(3, 4))
    yv = rng.uniform(0.5, 2, size=(1, 4))
    check_against_numpy([x, y], fn(x, y), [xv, yv], ref(xv, yv))
    v = T.dvector("v")  # a vector against a matrix pads on the left, as numpy does
    vv = rng.uniform(0.5, 2, size=4)
    check_against_numpy([x, v], fn(x, v), [xv, vv], ref(xv, vv))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradient_with_broadcasting(name, rng):
    fn = BINARY[name][0]
    verify_grad(lambda a, b: fn(a, b.dimshuffle("x", 0)),
                [rng.uniform(0.5, 2, size=(3, 4)), rng.uniform(0.5, 2, size=4)], rng=rng)


def test_nary_add_and_mul(rng):
    a, b, c = T.dvectors("a", "b", "c")
    vals = [rng.normal(size=3) for _ in range(3)]
    check_against_numpy([a, b, c], T.add(a, b, c), vals, vals[0] + vals[1] + vals[2])
    check_against_numpy([a, b, c], T.mul(a, b, c), vals, vals[0] * vals[1] * vals[2])
    verify_grad(lambda a, b, c: T.mul(a, b, c), vals, rng=rng)


@pytest.mark.parametrize("dtypes,expected", [
    (("int8", "int8"), "int8"), (("int8", "int32"), "int32"), (("int32", "float32"), "float64"),
    (("int8", "float32"), "float32"), (("int64", "float64"), "float64"),
    (("float32", "float64"), "float64"), (("uint8", "int8"), "int16"),
])
def test_upcasting_follows_numpy(dtypes, expected, rng):
    x = T.TensorType(dtypes[0], (False,))("x")
    y = T.TensorType(dtypes[1], (False,))("y")
    z = x + y
    assert z.dtype == expected
    xv = np.arange(1, 4).astype(dtypes[0])
    yv = np.arange(4, 7).astype(dtypes[1])
    check_against_numpy([x, y], z, [xv, yv], xv + yv)


def test_literal_dtypes():
    x = T.fvector("x")
    assert (x * 2).dtype == "float32"  # int8 literal keeps float32
    assert (x * 2.5).dtype == "float64"  # a float literal is float64, as Theano
    assert (T.bvector() + 1000).dtype == "int16"
    assert T.constant(2).dtype == "int8"
    assert T.constant(300).dtype == "int16"
    assert T.constant(2.0).dtype == "float64"
    assert T.constant(True).dtype == "bool"


def test_true_div_of_ints_is_float_and_int_div_floors(rng):
    a, b = T.ivectors("a", "b")
    av, bv = np.array([7, -7, 3], "int32"), np.array([2, 2, 5], "int32")
    assert (a / b).dtype == "float64"
    check_against_numpy([a, b], a / b, [av, bv], av / bv)
    check_against_numpy([a, b], a // b, [av, bv], av // bv)
    check_against_numpy([a, b], a % b, [av, bv], av % bv)


def test_comparisons_and_logic(rng):
    x, y = T.dvectors("x", "y")
    xv, yv = np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])
    for sym, ref in [(x < y, xv < yv), (x <= y, xv <= yv), (x > y, xv > yv),
                     (x >= y, xv >= yv), (T.eq(x, y), xv == yv), (T.neq(x, y), xv != yv)]:
        assert sym.dtype == "bool"
        check_against_numpy([x, y], sym, [xv, yv], ref)
    i, j = T.ivectors("i", "j")
    iv, jv = np.array([1, 2, 12], "int32"), np.array([3, 6, 10], "int32")
    for sym, ref in [(i & j, iv & jv), (i | j, iv | jv), (i ^ j, iv ^ jv), (~i, ~iv)]:
        check_against_numpy([i, j], sym, [iv, jv], ref)
    with pytest.raises(TypeError, match="integer or boolean"):
        x & y


def test_switch_and_clip(rng):
    c = T.bvector("c")
    x, y = T.dvectors("x", "y")
    cv = np.array([1, 0, 1], "int8")
    xv, yv = rng.normal(size=3), rng.normal(size=3)
    check_against_numpy([c, x, y], T.switch(c, x, y), [cv, xv, yv], np.where(cv, xv, yv))
    check_against_numpy([x], T.clip(x, -0.5, 0.5), [xv], np.clip(xv, -0.5, 0.5))
    verify_grad(lambda a, b: T.switch(T.gt(a, 0), a * b, b), [xv, yv], rng=rng)
    verify_grad(lambda a: T.clip(a, -0.5, 0.5), [np.array([-1.0, 0.2, 0.9, -0.3])], rng=rng)


def test_fill_ones_zeros_alloc_cast(rng):
    x = T.dmatrix("x")
    xv = rng.normal(size=(2, 3))
    check_against_numpy([x], T.fill(x, 3.0), [xv], np.full((2, 3), 3.0))
    check_against_numpy([x], T.ones_like(x), [xv], np.ones((2, 3)))
    check_against_numpy([x], T.zeros_like(x), [xv], np.zeros((2, 3)))
    check_against_numpy([x], T.cast(x, "int32"), [xv], xv.astype("int32"))
    check_against_numpy([x], x.astype("float32"), [xv], xv.astype("float32"))
    n = T.lscalar("n")
    check_against_numpy([x, n], T.alloc(x[0] if False else T.constant(1.5), n, 3),
                        [xv, np.int64(4)], np.full((4, 3), 1.5))
    v = T.dvector("v")
    check_against_numpy([v, n], T.alloc(v, n, 3), [np.arange(3.0), np.int64(2)],
                        np.tile(np.arange(3.0), (2, 1)))
    verify_grad(lambda v: T.alloc(v, 2, 3), [np.arange(3.0)], rng=rng)
    # rounding to float32 inside the function needs a step far above float32 resolution
    verify_grad(lambda a: T.cast(a, "float32") * 2, [xv], rng=rng, eps=1e-2, abs_tol=1e-3,
                rel_tol=1e-3)


def test_second_derivatives(rng):
    x = T.dscalar("x")
    for fn, d2 in [(T.exp, np.exp), (T.sin, lambda v: -np.sin(v)), (T.tanh,
                   lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)),
                   (lambda v: v ** 3, lambda v: 6 * v), (T.log, lambda v: -1 / v ** 2),
                   (T.sigmoid, lambda v: sps.expit(v) * (1 - sps.expit(v)) * (1 - 2 * sps.expit(v)))]:
        g2 = T.grad(T.grad(fn(x), x), x)
        check_against_numpy([x], g2, [np.float64(0.7)], d2(0.7), rtol=1e-6)


def test_float_functions_of_small_ints_compute_at_float32_precision():
    b = T.bvector("b")
    bv = np.array([1, 3, 7], dtype="int8")
    assert T.exp(b).dtype == "float32"
    check_against_numpy([b], T.exp(b), [bv], np.exp(bv.astype("float32")), rtol=1e-7)
