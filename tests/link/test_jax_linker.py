"""The JAX linker agrees with the Python VM, keeps shared values on the device, and runs
data-parallel over several devices."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.scalar import math as sm
from symgrad.scalar.composite import Composite
from symgrad.scalar.type import ScalarType
from symgrad.tensor.elemwise import Elemwise
from tests.helpers import assert_same_results

pytest.importorskip("jax")

from symgrad.link.jax import ops_without_jax

JAX = Mode("jax", None, "jax-noopt")
JAX_OPT = Mode("jax", "fast_run", "jax-fast_run")
PY = Mode("py", None, "py-noopt")

# Op classes without a JAX implementation, each with the reason (none left: Scan, as_op and
# the MRG31k3p ops have theirs, in scan.py, callbacks.py and mrg.py)
KNOWN_GAPS: set[str] = set()


def test_ops_without_jax_are_exactly_the_known_gaps():
    missing = set(ops_without_jax())
    assert missing - KNOWN_GAPS == set(), "new ops need a JAX implementation"
    assert KNOWN_GAPS - missing == set(), "implementations were added: update KNOWN_GAPS"


def _both(inputs, outputs, values, rtol=1e-12, atol=0.0, mode=JAX):
    f_jax = theano.function(inputs, outputs, mode=mode, on_unused_input="ignore")
    f_py = theano.function(inputs, outputs, mode=PY, on_unused_input="ignore")
    return f_jax, assert_same_results(f_jax, f_py, values, rtol=rtol, atol=atol)


def test_fused_composite_with_two_outputs_and_broadcasting(rng):
    ins = [ScalarType("float64")() for _ in range(3)]
    a, b, c = ins
    comp = Composite(ins, [sm.exp(-a) * b + c, sm.tanh(a * b) - sm.log1p(sm.sqr(c))])
    x, row, s = T.dmatrix("x"), T.drow("row"), T.dscalar("s")
    outs = Elemwise(comp)(x, row, s.dimshuffle("x", "x"))
    _both([x, row, s], outs, [rng.normal(size=(5, 7)), rng.normal(size=(1, 7)), 0.3])


def test_integer_and_bool_elementwise_semantics_match_numpy(rng):
    i8, b = T.bvector("i8"), T.vector("b", dtype="bool")
    outs = [i8 * i8 + 100, i8 // 3, i8 % 5, -i8, abs(i8), T.sgn(i8), i8 > 2, ~b, b & (i8 > 0),
            T.maximum(i8, 3), T.cast(i8, "float32") / 7, i8 ** 2]
    iv = rng.integers(-100, 100, size=9).astype("int8")
    bv = rng.integers(0, 2, size=9).astype(bool)
    # integers are exact; XLA's float32 division may differ from numpy's by an ulp
    _both([i8, b], outs, [iv, bv], rtol=1e-6)


def test_nan_inf_and_special_values_follow_numpy():
    x = T.dvector("x")
    outs = [T.maximum(x, 0.0), T.minimum(x, 0.0), T.exp(x), T.tanh(x), T.sigmoid(x),
            T.softplus(x), T.max(x), T.min(x), T.round(x), T.floor(x), x / 0.0]
    # XLA flushes subnormal results to zero, so no output here is subnormal
    xv = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-300, 700.0, -700.0, 2.5, -2.5])
    _both([x], outs, [xv], rtol=1e-14)


@pytest.mark.parametrize("axis", [None, 0, (0, 2), (1, 2)])
def test_reductions_over_axes(axis, rng):
    x, i = T.dtensor3("x"), T.itensor3("i")
    outs = [T.sum(x, axis=axis), T.prod(x, axis=axis), T.max(x, axis=axis),
            T.min(x, axis=axis), T.sum(i, axis=axis), T.any(i > 2, axis=axis),
            T.all(i > -9, axis=axis)]
    iv = rng.integers(-9, 9, size=(3, 4, 5)).astype("int32")
    _both([x, i], outs, [rng.normal(size=(3, 4, 5)), iv])


@pytest.mark.parametrize("mode", [JAX, JAX_OPT])
def test_mlp_loss_gradients_softmax_and_xent_agree(mode, rng):
    x, w, y, b = T.dmatrix("x"), T.dmatrix("w"), T.lvector("y"), T.dvector("b")
    h = T.tanh(T.dot(x, w) + b)
    p = T.nnet.softmax(h)
    loss = T.nnet.categorical_crossentropy(p, y).mean() + (w ** 2).sum() * 0.01
    outs = [loss, *T.grad(loss, [w, b]), T.argmax(p, axis=1), h.T, T.dot(h[0], w.T), p.shape]
    values = [rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), np.array([0, 2, 1, 1, 0, 2]),
              rng.normal(size=3)]
    _both([x, w, y, b], outs, values, rtol=1e-10, mode=mode)


def test_indexing_reshape_join_alloc_with_shapes_from_an_input(rng):
    x, k = T.dmatrix("x"), T.lscalar("k")
    outs = [x[1], x[k, 1:], x[::-1, k], x[:, None, 1], T.set_subtensor(x[1:, :2], 5.0),
            T.inc_subtensor(x[k], x[0]), x.reshape((2, -1)), T.join(0, x, x[:1]),
            T.alloc(x[0, 0], 2, 3), T.arange(k), T.eye(k, 3, 1), x[:k], x[[0, 2, 0]],
            T.inc_subtensor(x[[0, 0]], 1.0)]
    f, _ = _both([x, k], outs, [rng.normal(size=(3, 4)), 2])
    _both([x, k], outs, [rng.normal(size=(3, 4)), 1])  # a new shape value compiles again
    assert len(f.maker.runner._compiled) == 1


def test_extra_ops_and_sorting(rng):
    x, v = T.dmatrix("x"), T.dvector("v")
    outs = [T.cumsum(x, axis=1), T.cumprod(x, axis=0), T.sort(v), T.argsort(v),
            T.repeat(v, 2), T.extra_ops.searchsorted(T.sort(v), v)]
    _both([x, v], outs, [rng.normal(size=(3, 4)), rng.normal(size=6)], rtol=1e-12)


def test_linear_recurrence_both_directions(rng):
    from symgrad.tensor.extra_ops import LinearRecurrence

    a, b = T.dmatrix("a"), T.dmatrix("b")
    outs = [LinearRecurrence(1)(a, b), LinearRecurrence(0, reverse=True)(a, b)]
    _both([a, b], outs, [rng.normal(size=(5, 6)), rng.normal(size=(5, 6))], rtol=1e-10)


def test_linear_algebra(rng):
    a, b = T.dmatrix("a"), T.dmatrix("b")
    spd = T.dot(a, a.T) + 4 * T.eye(4)
    nl, sl = T.nlinalg, T.slinalg
    w, vecs = nl.eigh(spd)
    outs = [nl.matrix_inverse(spd), nl.det(spd), nl.trace(a), w, vecs, sl.cholesky(spd),
            sl.solve(spd, b), T.grad(nl.det(spd), a), T.grad(sl.cholesky(spd).sum(), a),
            T.grad((vecs ** 3).sum() + w.sum(), a)]
    _both([a, b], outs, [rng.normal(size=(4, 4)), rng.normal(size=(4, 2))], rtol=1e-8,
          atol=1e-10)


def test_conv_and_pool_with_their_gradients(rng):
    x, w = T.dtensor4("x"), T.dtensor4("w")
    y = T.nnet.conv2d(x, w, border_mode="half", subsample=(2, 1))
    pooled = T.signal.pool.pool_2d(y, ws=(2, 2), ignore_border=True, mode="max")
    avg = T.signal.pool.pool_2d(y, ws=(2, 2), ignore_border=False, mode="average_exc_pad")
    cost = (pooled ** 2).sum() + avg.sum()
    outs = [y, pooled, avg, *T.grad(cost, [x, w])]
    _both([x, w], outs, [rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 3))],
          rtol=1e-9, atol=1e-12)


def test_ifelse_picks_the_branch_at_run_time(rng):
    from symgrad.ifelse import ifelse

    c, x = T.dscalar("c"), T.dvector("x")
    out = ifelse(T.gt(c, 0), T.exp(x), x * 2)
    f = theano.function([c, x], out, mode=JAX)
    xv = rng.normal(size=4)
    np.testing.assert_allclose(f(1.0, xv), np.exp(xv), rtol=1e-14)
    np.testing.assert_allclose(f(-1.0, xv), xv * 2, rtol=1e-14)


def test_as_op_runs_as_a_host_callback_with_shapes_from_infer_shape(rng):
    from symgrad.compile.ops import as_op

    calls = []

    def stats(fgraph, node, shapes):
        return [(), (shapes[0][0],)]

    @as_op(itypes=[T.dmatrix], otypes=[T.dscalar, T.dvector], infer_shape=stats)
    def total_and_row_norms(m):
        calls.append(m.shape)
        return m.sum(), np.sqrt((m ** 2).sum(axis=1))

    @as_op(itypes=[T.dvector], otypes=[T.dscalar])  # a 0-d result needs no infer_shape
    def largest(v):
        return v.max()

    x = T.dmatrix("x")
    total, norms = total_and_row_norms(T.exp(x))
    outs = [total * 2, norms + x[:, 0], largest(norms)]
    f, _ = _both([x], outs, [rng.normal(size=(4, 3))])
    f(rng.normal(size=(6, 3)))  # another shape compiles again
    assert calls[-1] == (6, 3) and len(calls) == 3  # once per call, at run time


def test_as_op_without_result_shapes_is_refused_when_linking():
    from symgrad.compile.ops import as_op

    @as_op(itypes=[T.dmatrix], otypes=[T.dvector])
    def row_norms(m):
        return np.sqrt((m ** 2).sum(axis=1))

    x = T.dmatrix("x")
    with pytest.raises(NotImplementedError, match=r"row_norms.*no infer_shape"):
        theano.function([x], row_norms(x), mode=JAX)


def test_print_prints_at_every_call_in_graph_order(capsys):
    from symgrad.printing import Print

    x = T.dvector("x")
    y = Print("x is", attrs=("shape", "sum"))(x) * 2
    z = Print("its shape")(x.shape)  # known when tracing, still printed at each call
    printed = {}
    for mode in (PY, JAX):
        f = theano.function([x], [y, z], mode=mode)
        capsys.readouterr()
        for _ in range(2):
            got = f(np.arange(3.0))
            np.testing.assert_allclose(got[0], [0.0, 2.0, 4.0])
            np.testing.assert_array_equal(got[1], [3])
        printed[mode.name] = capsys.readouterr().out.strip().splitlines()
    assert printed["jax-noopt"] == printed["py-noopt"]
    assert sorted(printed["py-noopt"]) == sorted(
        ["x is shape = (3,) sum = 3.0", "its shape __str__ = [3]"] * 2)


def test_random_draws_are_reproducible_per_seed_and_advance():
    from symgrad.tensor.random.utils import RandomStream

    def draws(seed):
        srng = RandomStream(seed)
        u = srng.uniform(-1.0, 2.0, size=(2000,))
        n = srng.normal(3.0, 0.5, size=(2000,))
        f = theano.function([], [u, n], mode=JAX)
        return f(), f()

    (u1, n1), (u2, _) = draws(7)
    (v1, m1), _ = draws(7)
    np.testing.assert_array_equal(u1, v1)  # the same seed gives the same numbers
    np.testing.assert_array_equal(n1, m1)
    assert not np.array_equal(u1, u2)  # the key advances between calls
    assert u1.dtype == np.float64 and -1 <= u1.min() and u1.max() < 2
    assert abs(u1.mean() - 0.5) < 0.1 and abs(n1.mean() - 3.0) < 0.05
    assert abs(n1.std() - 0.5) < 0.05


def test_shared_values_stay_on_device_and_get_value_returns_numpy(rng):
    import jax

    w = theano.shared(rng.normal(size=(4, 3)), name="w")
    x = T.dmatrix("x")
    cost = (T.dot(x, w) ** 2).sum()
    step = theano.function([x], cost, updates=[(w, w - 0.01 * T.grad(cost, w))], mode=JAX)
    reference = theano.shared(w.get_value(), name="w_ref")
    cost_r = (T.dot(x, reference) ** 2).sum()
    step_r = theano.function([x], cost_r, mode=PY,
                             updates=[(reference, reference - 0.01 * T.grad(cost_r, reference))])
    xv = rng.normal(size=(5, 4))
    for _ in range(3):
        got, want = step(xv), step_r(xv)
        assert type(got) is np.ndarray
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert isinstance(w.container[0], jax.Array)  # kept on the device between calls
    value = w.get_value()
    assert type(value) is np.ndarray and value.flags.writeable
    np.testing.assert_allclose(value, reference.get_value(), rtol=1e-12)
    # another linker reading the same variable gets numpy
    np.testing.assert_allclose(theano.function([], w * 1.0, mode=PY)(), value)


def test_without_jax_the_mode_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)  # `import jax` now raises ImportError
    x = T.dscalar("x")
    with pytest.raises(ImportError, match=r"pip install symgrad\[jax\]"):
        theano.function([x], x * 2, mode="JAX")


DATA_PARALLEL_SCRIPT = textwrap.dedent("""
    import jax
    import numpy as np
    import symgrad as theano
    import symgrad.tensor as T
    from symgrad.compile.mode import Mode

    assert len(jax.devices()) == 4, jax.devices()
    rng = np.random.default_rng(0)
    xv, yv = rng.normal(size=(32, 5)), rng.integers(0, 3, size=32)
    w1v, w2v = rng.normal(size=(5, 8)) * 0.3, rng.normal(size=(8, 3)) * 0.3

    def train(mode):
        x, y = T.dmatrix("x"), T.lvector("y")
        w1, w2 = theano.shared(w1v.copy()), theano.shared(w2v.copy())
        p = T.nnet.softmax(T.dot(T.tanh(T.dot(x, w1)), w2))
        loss = T.nnet.categorical_crossentropy(p, y).mean()
        g1, g2 = T.grad(loss, [w1, w2])
        step = theano.function([x, y], loss, mode=mode,
                               updates=[(w1, w1 - 0.5 * g1), (w2, w2 - 0.5 * g2)])
        losses = [float(step(xv, yv)) for _ in range(5)]
        return losses, w1.get_value(), w2.get_value(), step

    one = train(Mode("jax"))
    many = train(Mode("jax", sharding="data"))
    np.testing.assert_allclose(one[0], many[0], rtol=1e-10)
    np.testing.assert_allclose(one[1], many[1], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(one[2], many[2], rtol=1e-10, atol=1e-13)
    fn = next(iter(many[3].maker.runner._compiled.values()))
    print("devices", len(jax.devices()), "sharded", fn.lower(xv, yv, many[1], many[2])
          .compile().input_shardings[0][0])
""")


def test_data_parallel_sgd_over_four_devices_matches_one_device():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4",
               JAX_PLATFORMS="cpu")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-c", DATA_PARALLEL_SCRIPT], check=False, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "devices 4" in done.stdout and "data" in done.stdout, done.stdout
