"""The numba linker against the Python VM and numpy on the same graphs, its kernel table's
coverage, its disk cache, and the tiered FAST_RUN runner."""
from __future__ import annotations

import os
import re
import threading

import numba
import numpy as np
import pytest
import scipy.special as sps

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.config import config
from symgrad.errors import NodeRuntimeError
from symgrad.gradient import disconnected_grad, grad_clip, grad_scale, zero_grad
from symgrad.link.numba import cache, ops_without_kernel, vectormath, wait_idle
from symgrad.scalar import math as sm
from symgrad.scalar.composite import Composite
from symgrad.scalar.type import ScalarType
from symgrad.tensor.elemwise import Elemwise

NUMBA = Mode("numba", None, "numba-noopt")
PY = Mode("py", None, "py-noopt")

# Op classes still without a numba kernel (graphs holding them would run on the Python VM with
# a warning): as_op's FromFunctionOp, which calls an arbitrary Python function. Some instances
# still run there by design (see has_kernel's checks).
KNOWN_GAPS: set[str] = {"symgrad.tensor.from_function.FromFunctionOp"}


def test_ops_without_numba_kernel_are_exactly_the_known_gaps():
    missing = set(ops_without_kernel())
    assert missing - KNOWN_GAPS == set(), "new ops need a numba kernel (or a line in KNOWN_GAPS)"
    assert KNOWN_GAPS - missing == set(), "kernels were added: remove them from KNOWN_GAPS"


def _both(inputs, outputs, values, rtol=1e-12, atol=0.0):
    """Run on both linkers; every output must agree in value, dtype and shape."""
    f_py = theano.function(inputs, outputs, mode=PY, on_unused_input="ignore")
    f_nb = theano.function(inputs, outputs, mode=NUMBA, on_unused_input="ignore")
    copies = [np.array(v, copy=True) for v in values]
    got, want = f_nb(*values), f_py(*values)
    for v, c in zip(values, copies):
        np.testing.assert_array_equal(v, c)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
        # fused loops may contract a*b+c into one rounding: float32 agrees to a few ulps
        tol = max(rtol, 1e-6) if g.dtype == np.float32 else rtol
        np.testing.assert_allclose(g, w, rtol=tol, atol=atol)
    return f_nb, got


def _composite(n_inputs, build, dtype="float64"):
    ins = [ScalarType(dtype)() for _ in range(n_inputs)]
    outs = build(*ins)
    return Composite(ins, outs if isinstance(outs, list) else [outs])


def test_fused_composite_loops_contiguous_broadcast_and_strided(rng):
    # one Composite with two outputs over a matrix, a broadcast row and a scalar
    comp = _composite(3, lambda a, b, c: [
        sm.exp(-a) * b + c, sm.tanh(a * b) - sm.log1p(sm.sqr(c))])
    x, row, s = T.dmatrix("x"), T.drow("row"), T.dscalar("s")
    outs = Elemwise(comp)(x, row, s.dimshuffle("x", "x"))
    xv, rv = rng.normal(size=(5, 7)), rng.normal(size=(1, 7))
    f, _ = _both([x, row, s], outs, [xv, rv, 0.3])
    # a transposed (non-contiguous) input takes the nested-loop path and still agrees
    got = f(xv.T.copy().T, rv, 0.3)
    want = theano.function([x, row, s], outs, mode=PY)(xv, rv, 0.3)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_integer_and_bool_elementwise_semantics_match_numpy(rng):
    i8, b = T.bvector("i8"), T.vector("b", dtype="bool")
    outs = [i8 * i8 + 100, i8 // 3, i8 % 5, -i8, abs(i8), T.sgn(i8), i8 > 2, ~b, b & (i8 > 0),
            T.maximum(i8, 3), T.cast(i8, "float32") / 7, i8 ** 2]
    iv = rng.integers(-100, 100, size=9).astype("int8")
    bv = rng.integers(0, 2, size=9).astype(bool)
    _both([i8, b], outs, [iv, bv])


def test_nan_inf_and_special_values_follow_numpy():
    x = T.dvector("x")
    outs = [T.maximum(x, 0.0), T.minimum(x, 0.0), T.exp(x), T.tanh(x), T.sigmoid(x),
            T.softplus(x), T.max(x), T.min(x), T.round(x), T.floor(x), x / 0.0]
    xv = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-310, 710.0, -746.0, 2.5, -2.5])
    _both([x], outs, [xv], rtol=1e-14, atol=0.0)


@pytest.mark.parametrize("axis", [None, 0, 1, 2, (0, 2), (1, 2), (0, 1)])
def test_reductions_over_every_axis(axis, rng):
    x = T.dtensor3("x")
    i = T.itensor3("i")
    outs = [T.sum(x, axis=axis), T.prod(x, axis=axis), T.max(x, axis=axis),
            T.min(x, axis=axis), T.sum(i, axis=axis), T.any(i > 2, axis=axis),
            T.all(i > -9, axis=axis)]
    xv = rng.normal(size=(3, 4, 5))
    iv = rng.integers(-9, 9, size=(3, 4, 5)).astype("int32")
    _both([x, i], outs, [xv, iv], rtol=1e-12)


def test_dot_dimshuffle_softmax_xent_and_gradients_agree(rng):
    x, w, y = T.dmatrix("x"), T.dmatrix("w"), T.lvector("y")
    b = T.dvector("b")
    h = T.tanh(T.dot(x, w) + b)
    p = T.nnet.softmax(h)
    loss = T.nnet.categorical_crossentropy(p, y).mean() + (w ** 2).sum() * 0.01
    grads = T.grad(loss, [w, b])
    outs = [loss, *grads, T.argmax(p, axis=1), h.T, T.dot(h[0], w.T), p.shape]
    xv, wv = rng.normal(size=(6, 4)), rng.normal(size=(4, 3))
    _both([x, w, y, b], outs, [xv, wv, np.array([0, 2, 1, 1, 0, 2]), rng.normal(size=3)])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_dot_of_transposed_strided_and_broadcast_operands(dtype, rng):
    # each operand layout BLAS sees: C, Fortran (a transpose), strided (a step slice), a
    # broadcast row built as a view, and a transpose chosen at run time inside the graph
    x, v = T.matrix("x", dtype=dtype), T.vector("v", dtype=dtype)
    row = v.dimshuffle("x", 0)
    outs = [T.dot(x, x.T), T.dot(x.T, x), T.dot(x[::2], x.T[:, ::2]), T.dot(x.T, v[:5]),
            T.dot(row, x.T), T.dot(x[:, ::2].T, v[:5]), T.dot(v[::2], x.T[::2])]
    xv = rng.normal(size=(5, 6)).astype(dtype)
    _both([x, v], outs, [xv, rng.normal(size=6).astype(dtype)], rtol=1e-12)


def test_indexing_reshape_join_and_alloc(rng):
    x, k = T.dmatrix("x"), T.lscalar("k")
    outs = [x[1], x[k, 1:], x[::-1, k], x[:, None, 1], T.set_subtensor(x[1:, :2], 5.0),
            T.inc_subtensor(x[k], x[0]), x.reshape((2, -1)), T.join(0, x, x[:1]),
            T.alloc(x[0, 0], 2, 3), T.arange(k), T.eye(k, 3, 1)]
    _both([x, k], outs, [rng.normal(size=(3, 4)), 2])
    f = theano.function([x, k], x[k], mode=NUMBA)
    with pytest.raises((NodeRuntimeError, IndexError)):
        f(np.zeros((3, 4)), 7)


def test_results_never_alias_inputs_or_each_other(rng):
    x = T.dmatrix("x")
    f = theano.function([x], [x, x.T, x * 2, x * 2], mode=NUMBA)
    xv = rng.normal(size=(2, 3))
    a, t, m1, m2 = f(xv)
    a[...] = 0
    t[...] = 0
    m1[...] = 0
    assert np.all(xv != 0) and np.all(m2 != 0)


def test_shape_mismatch_is_an_error_not_a_stretch():
    x, y = T.dmatrix("x"), T.dmatrix("y")
    f = theano.function([x, y], x + y, mode=NUMBA)
    with pytest.raises(NodeRuntimeError, match="not be stretched|shapes do not match"):
        f(np.zeros((2, 3)), np.zeros((1, 3)))


@numba.njit(error_model="numpy")
def _apply_all(xs, out):
    for i in range(xs.size):
        x = xs[i]
        out[0, i] = vectormath.exp(x)
        out[1, i] = vectormath.tanh(x)
        out[2, i] = vectormath.sigmoid(x)
        out[3, i] = vectormath.sin_fast(x)
        out[4, i] = vectormath.cos_fast(x)


def test_vectorisable_exp_tanh_sigmoid_sin_cos_are_accurate():
    xs = np.concatenate([np.linspace(-708, 709, 20001), np.linspace(-7, 7, 20001),
                         np.array([1e-300, -1e-300, 0.0625, -0.0625, 0.0, 1e5, -1e5])])
    out = np.empty((5, xs.size))
    _apply_all(xs, out)
    np.testing.assert_allclose(out[0], np.exp(xs), rtol=4e-16, atol=0)
    for got, want in ((out[1], np.tanh(xs)), (out[2], sps.expit(xs)), (out[3], np.sin(xs)),
                      (out[4], np.cos(xs))):
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=2.3e-16)
    # subnormal results keep fewer bits, as numpy's do; past the limits: inf, 0 and NaN
    edge = np.concatenate([np.linspace(-745, -709, 101), np.linspace(709.7, 710.5, 9),
                           np.linspace(-746.5, -745.0, 16), [709.782712893384, 7.09782712893384e2
                           + 1e-13, -745.1332191019411, -745.1332191019412, 800.0, -800.0,
                           np.inf, -np.inf, np.nan, 2e5]])
    out = np.empty((5, edge.size))
    _apply_all(edge, out)
    np.testing.assert_allclose(out[0, :-1], np.exp(edge[:-1]), rtol=0, atol=1e-323)
    assert np.isnan(out[3, -1]) and np.isnan(out[4, -1])  # the kernel then recomputes exactly


def test_trig_beyond_the_fast_range_is_recomputed_exactly():
    x = T.dvector("x")
    _both([x], [T.sin(x) * T.cos(x * 2)], [np.array([0.5, 3e5, -1e7, 2.0, 1e12])])


def test_disk_cache_reuses_and_rebuilds_corrupt_entries(tmp_path):
    x = T.dvector("x")
    with config.change_flags(compiledir=str(tmp_path)):
        f = theano.function([x], T.exp(x) * 3.0, mode=NUMBA)
        source = f.maker.runner.source
        path = os.path.join(cache.cache_dir(), f"g_{cache.source_key(source)}.py")
        with open(path) as fh:
            assert fh.read() == source
        np.testing.assert_allclose(f(np.arange(3.0)), np.exp(np.arange(3.0)) * 3.0)
        # a torn or foreign file under the key is never run: it is written again
        with open(path, "w") as fh:
            fh.write("raise SystemExit('not ours')\n")
        cache._loaded.clear()
        g = theano.function([x], T.exp(x) * 3.0, mode=NUMBA)
        with open(path) as fh:
            assert fh.read() == source
        np.testing.assert_allclose(g(np.arange(3.0)), np.exp(np.arange(3.0)) * 3.0)
        assert not [n for n in os.listdir(cache.cache_dir()) if n.startswith(".tmp-")]


def test_fast_run_starts_on_the_vm_then_moves_to_numba(rng):
    x = T.dvector("x")
    with theano.config.change_flags(linker="auto"):  # the default outside the test suite
        f = theano.function([x], T.sum(T.exp(x) * x))
    runner = f.maker.runner
    assert type(runner).__name__ == "TieredRunner" and not runner.on_numba
    xv = rng.normal(size=50)
    first = f(xv)
    wait_idle()
    assert runner.on_numba and runner.compile_error is None
    np.testing.assert_allclose(f(xv), first, rtol=1e-12)
    f.trust_input = True
    np.testing.assert_allclose(f(xv), first, rtol=1e-12)


def test_one_function_called_from_several_threads(rng):
    x = T.dmatrix("x")
    f = theano.function([x], T.tanh(x) * 2 + 1, mode=NUMBA)
    inputs = [rng.normal(size=(50, 40)) for _ in range(8)]
    results = [None] * 8

    def work(k):
        for _ in range(20):
            results[k] = f(inputs[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for v, r in zip(inputs, results):
        np.testing.assert_allclose(r, np.tanh(v) * 2 + 1, rtol=1e-14, atol=1e-15)


PRODUCTION_LEVEL_CHECKS = ("accurate or trig or fused_composite or integer_and_bool or nan_inf "
                           "or reductions_over or dot_")


@pytest.mark.skipif(os.environ.get("NUMBA_OPT") == "3", reason="this process is already at -O3")
def test_kernels_agree_at_the_production_optimisation_level():
    # the suite compiles at -O0 (tests/conftest.py); vectorised loops, fused multiply-adds and
    # the inline exp/tanh/sin/cos are rechecked here as users get them, at -O3
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_OPT="3")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider",
         __file__, "-k", PRODUCTION_LEVEL_CHECKS], env=env, capture_output=True, text=True,
        timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    passed = re.search(r"(\d+) passed", done.stdout)
    assert passed and int(passed.group(1)) >= 10, done.stdout[-2000:]


def test_gradient_markers_run_as_the_identity_in_unoptimised_graphs():
    x = T.dvector("x")
    outs = [zero_grad(x) * 2, grad_clip(x, -1, 1) + 1, disconnected_grad(x), grad_scale(x, 3.0)]
    values = [np.array([1.0, -2.0])]
    f_nb, got = _both([x], outs, values)
    assert not hasattr(f_nb.maker.runner, "numba_gaps")  # ran the generated graph, not the VM
    got[2][0] = 99.0  # an identity's output is a copy, never the caller's array
    assert values[0][0] == 1.0
