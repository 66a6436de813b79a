"""Special functions (isnan, gamma family, inverse/scaled erf, Bessel, chi2sf) and pinv: values
against scipy and numpy in every mode, gradients against finite differences, the inputs with
undefined gradients, and the numba and JAX backends against the Python VM."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import scipy.special as sps
import scipy.stats

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.errors import NullGradientError
from symgrad.gradient import Rop, verify_grad
from tests.helpers import assert_same_results, check_against_numpy, check_infer_shape

PY = Mode("py", None, "py-noopt")

UNARY = {  # name: (tensor function, reference on float64 arrays)
    "gamma": (T.gamma, sps.gamma), "gammaln": (T.gammaln, sps.gammaln), "psi": (T.psi, sps.psi),
    "tri_gamma": (T.tri_gamma, lambda x: sps.polygamma(1, x)),
    "erfinv": (T.erfinv, sps.erfinv), "erfcinv": (T.erfcinv, sps.erfcinv),
    "erfcx": (T.erfcx, sps.erfcx), "j0": (T.j0, sps.j0), "j1": (T.j1, sps.j1),
    "i0": (T.i0, sps.i0), "i1": (T.i1, sps.i1),
}
# zeros, poles, the ends of erfinv's and erfcinv's domains and beyond, infinities and NaN
EDGES = np.array([0.0, -0.0, -1.0, -2.5, 1.0, 2.0, -2.0, 0.5, 1e-8, 30.0, 171.0, 200.0,
                  np.inf, -np.inf, np.nan])
# float32 results are the float64 values rounded, so they agree to float32 precision; float64
# leaves room for jax's own gamma (1e-13 apart from scipy's near overflow)
TOLERANCE = {"float64": (1e-12, 0.0), "float32": (2e-6, 1e-30)}


def _expected(ref, values, dtype):
    with np.errstate(all="ignore"):
        return np.asarray(ref(values.astype(np.float64)), dtype=dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_unary_values_match_scipy_on_edge_values(dtype):
    x = T.vector("x", dtype=dtype)
    values = EDGES.astype(dtype)
    outs = [fn(x) for fn, _ in UNARY.values()]
    expected = [_expected(ref, values, dtype) for _, ref in UNARY.values()]
    rtol, atol = TOLERANCE[dtype]
    for out in outs:
        assert out.type.dtype == dtype
    check_against_numpy([x], outs, [values], expected, rtol=rtol, atol=atol)


def test_edge_values_are_the_ones_scipy_gives():
    x = T.dvector("x")
    g = theano.function([x], [T.gamma(x), T.psi(x), T.erfinv(x), T.erfcinv(x), T.erfcx(x)])
    gam, psi, erfinv, erfcinv, erfcx = g(np.array([0.0, -1.0, 1.0, 2.0, -np.inf]))
    assert gam[0] == np.inf and np.isnan(gam[1])  # a pole from the right, an integer pole
    assert psi[0] == -np.inf
    assert erfinv[2] == np.inf and np.isnan(erfinv[3])  # erfinv(1) = inf, 2 is outside
    assert erfcinv[0] == np.inf and erfcinv[3] == -np.inf
    assert erfcx[4] == np.inf and np.isfinite(erfcx[3])


def test_erfcx_stays_finite_where_exp_times_erfc_overflows():
    x = T.dvector("x")
    f = theano.function([x], T.erfcx(x))
    big = np.array([30.0, 1e3, 1e10])
    np.testing.assert_allclose(f(big), 1.0 / (np.sqrt(np.pi) * big), rtol=1e-3)
    with np.errstate(all="ignore"):
        assert not np.isfinite(np.exp(big ** 2) * sps.erfc(big)).any()


@pytest.mark.parametrize("dtype, out_dtype", [("int8", "float32"), ("int32", "float64"),
                                              ("int64", "float64"), ("uint8", "float32")])
def test_integer_inputs_are_promoted_to_float(dtype, out_dtype):
    x = T.vector("x", dtype=dtype)
    values = np.array([0, 1, 2, 5], dtype=dtype)
    outs = [fn(x) for fn, _ in UNARY.values()]
    for out in outs:
        assert out.type.dtype == out_dtype
    expected = [_expected(ref, values, out_dtype) for _, ref in UNARY.values()]
    rtol, atol = TOLERANCE[out_dtype]
    check_against_numpy([x], outs, [values], expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int16", "bool"])
def test_isnan_and_isinf_are_boolean(dtype):
    x = T.vector("x", dtype=dtype)
    values = (EDGES if dtype[0] == "f" else np.array([0, 1, 1, 0])).astype(dtype)
    outs = [T.isnan(x), T.isinf(x)]
    assert [o.type.dtype for o in outs] == ["bool", "bool"]
    check_against_numpy([x], outs, [values], [np.isnan(values), np.isinf(values)])


def test_isnan_and_isinf_have_zero_gradient():
    x = T.dvector("x")
    cost = T.sum(T.switch(T.isnan(x) | T.isinf(x), 0.0, x * 3.0))
    g = theano.function([x], T.grad(cost, x))
    np.testing.assert_array_equal(g(np.array([1.0, np.nan, np.inf])), [3.0, 0.0, 0.0])
    for fn in (T.isnan, T.isinf):
        got = theano.function([x], T.grad(T.sum(T.cast(fn(x), "float64")), x,
                                          disconnected_inputs="ignore"))
        np.testing.assert_array_equal(got(np.array([1.0, np.nan])), [0.0, 0.0])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_binary_values_match_scipy(dtype):
    v, x = T.vector("v", dtype=dtype), T.vector("x", dtype=dtype)
    orders = np.array([0.0, 1.0, 2.5, -1.5, 3.0, 0.5, 2.0, 1.0], dtype=dtype)
    points = np.array([0.7, -2.0, 3.3, 1.2, 0.0, np.inf, -0.4, np.nan], dtype=dtype)
    outs = [T.jv(v, x), T.iv(v, x)]
    expected = [_expected(lambda p: sps.jv(orders.astype(np.float64), p), points, dtype),
                _expected(lambda p: sps.iv(orders.astype(np.float64), p), points, dtype)]
    rtol, atol = TOLERANCE[dtype]
    check_against_numpy([v, x], outs, [orders, points], expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_chi2sf_is_scipy_stats_survival_function(dtype):
    x, k = T.vector("x", dtype=dtype), T.vector("k", dtype=dtype)
    points = np.array([-1.0, 0.0, 0.5, 2.0, 7.0, 40.0, np.inf, np.nan], dtype=dtype)
    dof = np.array([3.0, 1.0, 2.0, 4.5, 3.0, 10.0, 2.0, 1.0], dtype=dtype)
    expected = scipy.stats.chi2.sf(points.astype(np.float64), dof.astype(np.float64))
    rtol, atol = TOLERANCE[dtype]
    check_against_numpy([x, k], T.chi2sf(x, k), [points, dof], expected.astype(dtype),
                        rtol=rtol, atol=max(atol, 1e-15))


def test_bessel_order_may_be_an_integer_constant():
    x = T.ivector("x")
    out = T.jv(2, x)
    assert out.type.dtype == "float64"
    check_against_numpy([x], out, [np.array([0, 1, 5], "int32")], sps.jv(2, [0.0, 1.0, 5.0]))


def _positive(rng):
    return rng.uniform(0.3, 4.0, size=5)


def _normal(rng):
    return rng.uniform(-3.0, 3.0, size=5)


def _negative_non_integer(rng):
    return rng.integers(-4, 0, size=5) + rng.uniform(0.2, 0.8, size=5)


GRADS = {
    "gamma": (T.gamma, _positive), "gamma_negative": (T.gamma, _negative_non_integer),
    "gammaln": (T.gammaln, _positive), "gammaln_negative": (T.gammaln, _negative_non_integer),
    "psi": (T.psi, _positive), "psi_negative": (T.psi, _negative_non_integer),
    "erfinv": (T.erfinv, lambda r: r.uniform(-0.9, 0.9, size=5)),
    "erfcinv": (T.erfcinv, lambda r: r.uniform(0.1, 1.9, size=5)),
    "erfcx": (T.erfcx, _normal), "j0": (T.j0, _normal), "j1": (T.j1, _normal),
    "i0": (T.i0, _normal), "i1": (T.i1, _normal),
    "jv": (lambda x: T.jv(2.5, x), _positive), "jv_int": (lambda x: T.jv(3, x), _normal),
    "iv": (lambda x: T.iv(1.5, x), _positive), "iv_negative_order": (lambda x: T.iv(-0.5, x),
                                                                     _positive),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients_match_finite_differences(name, rng):
    fn, domain = GRADS[name]
    verify_grad(fn, [domain(rng)], rng=rng)


def test_bessel_gradient_wrt_x_with_a_symbolic_order(rng):
    verify_grad(lambda x: T.jv(T.constant(1.25), x) + T.iv(T.constant(0.75), x),
                [_positive(rng)], rng=rng)
    v, x = T.dscalar("v"), T.dvector("x")
    g = theano.function([v, x], T.grad(T.sum(T.jv(v, x)), x))
    pts = np.array([0.5, 1.5])
    np.testing.assert_allclose(g(2.0, pts), (sps.jv(1.0, pts) - sps.jv(3.0, pts)) / 2, rtol=1e-13)


def test_psi_gradient_is_trigamma():
    x = T.dvector("x")
    g = theano.function([x], T.grad(T.sum(T.psi(x)), x))
    pts = np.array([0.25, 1.0, 3.5, -1.5])
    np.testing.assert_allclose(g(pts), sps.polygamma(1, pts), rtol=1e-13)


@pytest.mark.parametrize("fn", [T.jv, T.iv])
def test_gradient_wrt_the_bessel_order_is_undefined(fn):
    v, x = T.dscalar("v"), T.dvector("x")
    with pytest.raises(NullGradientError, match="order"):
        T.grad(T.sum(fn(v, x)), v)
    g = T.grad(T.sum(fn(v, x)), [v, x], null_gradients="return")[0]
    assert "NullType" in str(g.type)
    with pytest.raises(NullGradientError, match="order"):
        Rop(fn(v, x), v, T.dscalar("dv"))
    # the order held still, forward mode wrt x is defined
    tangent = theano.function([v, x], Rop(fn(v, x), x, T.ones_like(x)))(2.0, np.array([1.5]))
    step = 1e-6
    numeric = (sps.jv if fn is T.jv else sps.iv)(2.0, np.array([1.5 + step, 1.5 - step]))
    np.testing.assert_allclose(tangent, (numeric[0] - numeric[1]) / (2 * step), rtol=1e-6)


@pytest.mark.parametrize("build", [lambda x, k: T.chi2sf(x, k), lambda x, k: T.tri_gamma(x)])
def test_ops_without_gradient_say_so(build):
    x, k = T.dvector("x"), T.dvector("k")
    with pytest.raises(NullGradientError, match="no gradient"):
        T.grad(T.sum(build(x, k)), x)
    with pytest.raises(NullGradientError, match="no forward mode"):
        Rop(build(x, k), x, T.dvector("u"))


def test_rop_of_the_special_functions_matches_the_gradient(rng):
    x, u = T.dvector("x"), T.dvector("u")
    out = T.gamma(x) + T.erfcx(x) * T.j1(x) + T.jv(1.5, x)
    f = theano.function([x, u], Rop(out, x, u))
    g = theano.function([x], T.grad(T.sum(out), x))
    pts, direction = _positive(rng), np.ones(5)
    np.testing.assert_allclose(f(pts, direction), g(pts), rtol=1e-12)


def test_printing_names():
    x = T.dvector("x")
    assert theano.pp(T.tri_gamma(x)) == "tri_gamma(x)"
    assert theano.pp(T.jv(T.dscalar("v"), x)).startswith("jv(")


# --- pinv -----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 2), (2, 4), (3, 3)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pinv_values_match_numpy(shape, dtype, rng):
    a = T.matrix("a", dtype=dtype)
    value = rng.normal(size=shape).astype(dtype)
    out = T.nlinalg.pinv(a)
    assert out.type.dtype == dtype
    rtol = 1e-10 if dtype == "float64" else 1e-4
    check_against_numpy([a], out, [value], np.linalg.pinv(value).astype(dtype), rtol=rtol,
                        atol=rtol)
    check_infer_shape([a], out, [value])


def test_pinv_of_a_rank_deficient_matrix_and_of_integers():
    a = T.dmatrix("a")
    value = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])  # rank 1
    check_against_numpy([a], T.nlinalg.pinv(a), [value], np.linalg.pinv(value), rtol=1e-10,
                        atol=1e-12)
    ia = T.imatrix("ia")
    ints = np.array([[1, 2], [3, 4], [5, 7]], "int32")
    out = T.nlinalg.pinv(ia)
    assert out.type.dtype == "float64"
    check_against_numpy([ia], out, [ints], np.linalg.pinv(ints.astype(float)), rtol=1e-10)


@pytest.mark.parametrize("shape", [(3, 2), (2, 4), (3, 3)])
def test_pinv_gradient_and_rop(shape, rng):
    verify_grad(T.nlinalg.pinv, [rng.normal(size=shape)], rng=rng)
    a, d = T.dmatrix("a"), T.dmatrix("d")
    value, direction = rng.normal(size=shape), rng.normal(size=shape)
    f = theano.function([a, d], Rop(T.nlinalg.pinv(a), a, d))
    eps = 1e-6
    numeric = (np.linalg.pinv(value + eps * direction)
               - np.linalg.pinv(value - eps * direction)) / (2 * eps)
    np.testing.assert_allclose(f(value, direction), numeric, rtol=1e-5, atol=1e-7)


# --- backends against the Python VM -----------------------------------------------------------
def _all_functions_graph(dtype):
    x, v = T.vector("x", dtype=dtype), T.vector("v", dtype=dtype)
    a = T.matrix("a", dtype=dtype)
    outs = [fn(x) for fn, _ in UNARY.values()] + [
        T.isnan(x), T.isinf(x), T.jv(v, x), T.iv(v, x), T.chi2sf(x, v), T.nlinalg.pinv(a),
        T.grad(T.sum(T.gamma(x) + T.j1(x) + T.jv(v, x) + T.erfinv(x * 0.1)), x)]
    return [x, v, a], outs


def _backend_values(dtype, rng):
    x = np.array([0.3, 1.7, 4.2, 0.9, 2.5, 0.05], dtype=dtype)
    v = np.array([0.0, 1.0, 2.5, 1.5, 3.0, 2.0], dtype=dtype)
    return [x, v, rng.normal(size=(3, 2)).astype(dtype)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_numba_agrees_with_the_python_vm(dtype, rng):
    inputs, outs = _all_functions_graph(dtype)
    f_nb = theano.function(inputs, outs, mode=Mode("numba", "fast_run", "numba-fast_run"))
    f_py = theano.function(inputs, outs, mode=PY)
    rtol = 1e-12 if dtype == "float64" else 1e-5
    assert_same_results(f_nb, f_py, _backend_values(dtype, rng), rtol=rtol, atol=rtol)


def test_numba_trigamma_matches_scipy_on_a_wide_range():
    x = T.dvector("x")
    f = theano.function([x], T.tri_gamma(x), mode=Mode("numba", "fast_run", "numba-fast_run"))
    pts = np.concatenate([np.linspace(-7.9, -0.1, 41), np.geomspace(1e-6, 1e6, 61),
                          [0.0, -3.0, np.inf, -np.inf, np.nan]])
    pts = pts[(np.abs(pts - np.round(pts)) > 1e-3) | (pts == np.round(pts)) | ~np.isfinite(pts)]
    np.testing.assert_allclose(f(pts), sps.polygamma(1, pts), rtol=1e-12)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_jax_agrees_with_the_python_vm(dtype, rng):
    inputs, outs = _all_functions_graph(dtype)
    f_jax = theano.function(inputs, outs, mode=Mode("jax", None, "jax-noopt"))
    f_py = theano.function(inputs, outs, mode=PY)
    rtol = 1e-10 if dtype == "float64" else 2e-4
    assert_same_results(f_jax, f_py, _backend_values(dtype, rng), rtol=rtol, atol=rtol)
