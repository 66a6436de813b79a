"""vectormath's float32 exp, tanh and sigmoid (exp32, tanh32, sigmoid32) and its float64 log,
log1p and softplus: within their ulp bounds over sweeps of every binade, exact at the
specials, and what graphs compile to on numba. (The float64 exp, tanh, sigmoid, sin and cos:
tests/link/test_numba_linker.py.)"""
from __future__ import annotations

import numpy as np
import pytest
from numba import njit

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.link.numba import vectormath
from symgrad.link.numba.linker import GraphSource

NUMBA = Mode("numba", "fast_run")
PY = Mode("py", "fast_run")


def _elementwise(fn):
    """A jitted loop applying one vectormath function (an intrinsic, inlined in the loop)."""
    @njit
    def run(xs, out):
        for i in range(xs.size):
            out[i] = fn(xs[i])
    return run


FLOAT32 = [_elementwise(f) for f in (vectormath.exp32, vectormath.tanh32, vectormath.sigmoid32)]
FLOAT64 = [_elementwise(f) for f in (vectormath.log_fast, vectormath.log1p_fast,
                                     vectormath.softplus_fast)]


def _sweep() -> np.ndarray:
    """Every 997th float32 bit pattern from 0 to inf (all binades), every 331st one of [0, 12),
    both signs."""
    coarse = np.arange(0, 0x7F800001, 997, dtype=np.uint32)
    dense = np.arange(0, np.float32(12.0).view(np.uint32), 331, dtype=np.uint32)
    pos = np.concatenate([coarse, dense]).view(np.float32)
    return np.concatenate([pos, -pos])


def _exact(which, x64):
    with np.errstate(over="ignore"):
        if which == 0:
            return np.exp(x64)
        if which == 1:
            return np.tanh(x64)
        return np.where(x64 >= 0, 1 / (1 + np.exp(-x64)), np.exp(x64) / (1 + np.exp(x64)))


@pytest.mark.parametrize(("which", "bound"), [(0, 1.1), (1, 1.35), (2, 2.35)],
                         ids=["exp32", "tanh32", "sigmoid32"])
def test_within_the_ulp_bound_everywhere(which, bound):
    xs = _sweep()
    got = np.empty_like(xs)
    FLOAT32[which](xs, got)
    exact = _exact(which, xs.astype(np.float64))
    with np.errstate(over="ignore"):
        rounded = exact.astype(np.float32)
    normal = np.isfinite(rounded) & (rounded != 0)
    # error in units of the float32 spacing at the exact result (subnormals: of the subnormals)
    ulps = np.abs(got[normal] - exact[normal]) / np.spacing(np.abs(rounded[normal]))
    assert ulps.max() <= bound, (ulps.max(), xs[normal][np.argmax(ulps)])
    # where the rounded result is inf or 0, exactly that
    np.testing.assert_array_equal(got[~normal], rounded[~normal])


def test_specials():
    xs = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 88.72, 88.73, -103.9, -104.0, 1e-40,
                   -1e-40, 9.1, -9.1, 1e30, -1e30], dtype=np.float32)
    out = np.empty((3, xs.size), dtype=np.float32)
    for k in range(3):
        FLOAT32[k](xs, out[k])
    with np.errstate(over="ignore"):
        assert np.isnan(out[:, 0]).all()
        np.testing.assert_array_equal(out[0, 1:5], [np.inf, 0, 1, 1])
        # the largest finite results, and past them inf
        np.testing.assert_allclose(out[0, 5], np.exp(np.float64(xs[5])), rtol=1.2e-7)
        assert out[0, 6] == np.inf
        assert 0 < out[0, 7] < 1e-44 and out[0, 8] == 0
        np.testing.assert_array_equal(out[1, 1:], np.tanh(xs[1:].astype(np.float64)).astype(
            np.float32))
        assert np.signbit(out[1, 4])  # tanh(-0.0) = -0.0
        np.testing.assert_array_equal(out[2, 1:5], [1, 0, 0.5, 0.5])
        # a very negative x keeps its subnormal sigmoid (not 1/(1+inf) = 0)
        assert out[2, 7] > 0


def test_float32_graphs_use_them_and_agree_with_the_vm():
    x = T.fmatrix("x")
    outs = [T.exp(x), T.tanh(x + 1), T.nnet.sigmoid(x) * 2, T.grad(T.tanh(x).sum(), x)]
    f = theano.function([x], outs, mode=NUMBA)
    source = GraphSource(f.maker.fgraph)
    texts = "".join(source.kernels)
    assert "exp32(" in texts and "tanh32(" in texts and "sigmoid32(" in texts
    g = theano.function([x], outs, mode=PY)
    xv = np.random.default_rng(3).standard_normal((37, 29)).astype(np.float32) * 6
    for k, (got, want) in enumerate(zip(f(xv), g(xv))):
        assert got.dtype == np.float32
        # the gradient 1 - tanh(x)^2 cancels where tanh is near 1: an ulp of tanh there
        # (6e-8) is what the two may differ by, absolutely
        atol = 2e-7 if k == 3 else 0
        np.testing.assert_allclose(got, want, rtol=3e-7, atol=atol)


def test_float64_graphs_keep_the_float64_versions():
    x = T.dvector("x")
    f = theano.function([x], [T.exp(x), T.tanh(x), T.nnet.sigmoid(x)], mode=NUMBA)
    texts = "".join(GraphSource(f.maker.fgraph).kernels)
    assert "32(" not in texts and "exp(" in texts and "tanh(" in texts


def _sweep64(which) -> np.ndarray:
    rng = np.random.default_rng(11)
    every_binade = rng.integers(0, 0x7FF0000000000000, 400_000, dtype=np.int64).view(np.float64)
    near_one = np.linspace(0.5, 2.0, 100_001)
    if which == 0:
        return np.concatenate([every_binade, near_one])
    small = np.logspace(-20, -0.0001, 20_001)
    xs = np.concatenate([every_binade, -small, small, np.linspace(-0.9999, 3, 100_001)])
    if which == 2:
        xs = np.concatenate([xs[xs < 1e300], -every_binade, np.linspace(-800, 800, 100_001)])
    return xs


@pytest.mark.parametrize(("which", "reference", "bound"),
                         [(0, np.log, 1.0), (1, np.log1p, 1.0),
                          (2, lambda v: np.logaddexp(0.0, v), 2.0)],
                         ids=["log", "log1p", "softplus"])
def test_log_family_within_ulps_of_numpy(which, reference, bound):
    xs = _sweep64(which)
    got = np.empty_like(xs)
    FLOAT64[which](xs, got)
    want = reference(xs)
    finite = np.isfinite(want) & (want != 0)
    ulps = np.abs(got[finite] - want[finite]) / np.spacing(np.abs(want[finite]))
    assert ulps.max() <= bound, (ulps.max(), xs[finite][np.argmax(ulps)])
    np.testing.assert_array_equal(got[~finite], want[~finite])


def test_log_family_specials():
    xs = np.array([0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 5e-324, 1e-310, -1e-300, 1e-300,
                   1.7976931348623157e308, -2.0])
    out = np.empty((3, xs.size))
    for k in range(3):
        FLOAT64[k](xs, out[k])
    with np.errstate(all="ignore"):
        for k, f in enumerate([np.log, np.log1p, lambda v: np.logaddexp(0.0, v)]):
            np.testing.assert_array_equal(out[k], f(xs))
    assert np.signbit(out[1, 1])  # log1p(-0.0) = -0.0


def test_log_graphs_compile_to_the_inline_versions():
    x = T.dvector("x")
    f = theano.function([x], [T.log(x), T.log1p(x), T.nnet.softplus(x)], mode=NUMBA)
    texts = "".join(GraphSource(f.maker.fgraph).kernels)
    assert "log_fast(" in texts and "log1p_fast(" in texts and "softplus_fast(" in texts
    g = theano.function([x], [T.log(x), T.log1p(x), T.nnet.softplus(x)], mode=PY)
    xv = np.array([0.5, 3.0, 1e-12, 40.0, 800.0, -0.25, 0.0])
    with np.errstate(all="ignore"):
        for got, want in zip(f(xv), g(xv)):
            np.testing.assert_allclose(got, want, rtol=4.5e-16, atol=0)
