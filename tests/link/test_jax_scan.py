"""Scan under the JAX linker (lax.scan, lax.while_loop for until) against the Python VM:
every kind of input and output, gradients, shared updates, random keys, nesting, errors."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.scan.utils import until
from tests.helpers import assert_same_results
from tests.link import scan_cases

pytest.importorskip("jax")

JAX = Mode("jax", None, "jax-noopt")
JAX_OPT = Mode("jax", "fast_run", "jax-fast_run")
PY = Mode("py", None, "py-noopt")


def _both(inputs, outputs, values, mode=JAX, rtol=1e-12, atol=1e-14, updates=None):
    f_jax = theano.function(inputs, outputs, mode=mode, on_unused_input="ignore")
    f_py = theano.function(inputs, outputs, mode=PY, on_unused_input="ignore")
    assert_same_results(f_jax, f_py, values, rtol=rtol, atol=atol)
    return f_jax, f_py


def test_power_polynomial_and_cumulative_sum(rng):
    f, f_py = _both(*scan_cases.power_polynomial_and_cumulative_sum(rng))
    # other shapes and step counts compile again and still agree
    scan_cases.assert_agree(f, f_py, (
        [rng.normal(size=2), 1, np.ones(12), -0.5, np.zeros(1)],
        [np.zeros(0), 2, np.ones(1), 2.0, rng.normal(size=3)[::-1]]))


def test_fibonacci_mit_sot_integer_and_float32():
    f, _ = _both(*scan_cases.fibonacci_mit_sot_integer_and_float32())
    np.testing.assert_array_equal(f([0, 1], [1, 2, 3])[0], scan_cases.FIBONACCI_FROM_0_1)


def test_sequence_taps_going_backwards_and_per_step_outputs(rng):
    _both(*scan_cases.sequence_taps_going_backwards_and_per_step_outputs(rng))


@pytest.mark.parametrize("mode", [JAX, JAX_OPT])
def test_rnn_gradient_through_scan_and_truncated(mode, rng):
    x, W, U = T.dmatrix("x"), T.dmatrix("W"), T.dmatrix("U")
    b, h0 = T.dvector("b"), T.dvector("h0")
    outs = []
    for truncate in (-1, 2):
        h, _ = theano.scan(lambda xt, hp, W, U, b: T.tanh(T.dot(xt, W) + T.dot(hp, U) + b),
                           sequences=x, outputs_info=h0, non_sequences=[W, U, b],
                           truncate_gradient=truncate)
        cost = (h ** 2).sum() + h[-1].sum()
        outs += [cost, *T.grad(cost, [x, W, U, b, h0])]
    values = [rng.normal(size=(6, 2)), rng.normal(size=(2, 3)), 0.5 * rng.normal(size=(3, 3)),
              rng.normal(size=3), rng.normal(size=3)]
    # with FAST_RUN the outer graph is rewritten too (keep-last rows, hoisting)
    _both([x, W, U, b, h0], outs, values, mode=mode, rtol=1e-10)


def test_gradients_with_taps_backwards_a_second_derivative_and_rop(rng):
    from symgrad.gradient import Rop

    x, h0, v = T.dvector("x"), T.dvector("h0"), T.dvector("v")
    (h, y), _ = theano.scan(lambda a, b, hm2, hm1: (a * hm2 + T.sin(b * hm1), a + b),
                            sequences={"input": x, "taps": [-1, 1]},
                            outputs_info=[{"initial": h0, "taps": [-2, -1]}, None],
                            go_backwards=True)
    cost = h.sum() + (y * h).sum()
    w = T.dscalar("w")
    p, _ = theano.scan(lambda prior, w: T.sin(prior * w), outputs_info=w, n_steps=4,
                       non_sequences=w)
    second = T.grad(T.grad(p[-1], w), w)
    tangent = Rop(h, h0, v)  # forward mode: one scan carrying values and tangents
    _both([x, h0, w, v], [h, y, *T.grad(cost, [x, h0]), second, tangent],
          [np.linspace(-1, 1, 7), np.array([0.3, -0.2]), 0.7, np.array([1.0, -2.0])],
          rtol=1e-10)


def test_outputs_read_only_at_the_last_step():
    x0 = T.dvector("x0")
    fib, _ = theano.scan(lambda a, b: a * 0.5 + b, outputs_info={"initial": x0, "taps": [-2, -1]},
                         n_steps=7)
    power, _ = theano.scan(lambda p: p * 1.5, outputs_info=x0, n_steps=7)
    f, _ = _both([x0], [fib[-1], power[-1]], [np.array([1.0, 2.0])], mode=JAX_OPT)
    scans = [n.op for n in f.maker.fgraph.toposort() if type(n.op).__name__ == "Scan"]
    assert scans and all(op.info.rec_keep_last == (True,) for op in scans)


@pytest.mark.parametrize("mode", [JAX, JAX_OPT])
def test_until_runs_a_while_loop_and_stops_after_the_step_meeting_the_condition(mode):
    x = T.dscalar("x")
    vals, _ = theano.scan(lambda p: (p * 2, until(p * 2 > 40)), outputs_info=x, n_steps=100)
    per_step, _ = theano.scan(lambda p: (p + 1, p * 3, until(p > 5)),
                              outputs_info=[x, None], n_steps=10)
    last, _ = theano.scan(lambda p: (p + 2, until(p > 3)), outputs_info=x, n_steps=10)
    f, _ = _both([x], [vals, *per_step], [np.array(3.0)], mode=mode)
    np.testing.assert_array_equal(f(3.0)[0], [6, 12, 24, 48])
    np.testing.assert_array_equal(f(100.0)[0], [200.0])  # stops after the first step
    assert f(-1e9)[0].shape == (100,)  # never met: all the steps
    _both([x], [last[-1]], [np.array(0.0)], mode=JAX_OPT)  # a kept-last row has one row
    jaxpr = str(f.maker.runner._compiled.popitem()[1].lower(3.0).as_text())
    assert "while" in jaxpr


def test_until_outputs_read_by_other_nodes_are_refused_when_linking():
    x = T.dscalar("x")
    vals, _ = theano.scan(lambda p: (p * 2, until(p > 40)), outputs_info=x, n_steps=100)
    with pytest.raises(NotImplementedError, match="as many rows as the loop ran steps"):
        theano.function([x], vals.sum(), mode=JAX)
    assert theano.function([x], vals.sum(), mode=PY)(3.0) == 6 + 12 + 24 + 48 + 96


def test_as_op_and_print_inside_a_step_run_at_every_step(capsys):
    from symgrad.compile.ops import as_op
    from symgrad.printing import Print

    @as_op(itypes=[T.dvector], otypes=[T.dvector], infer_shape=lambda f, n, s: [s[0]])
    def doubled(v):
        return v * 2

    x = T.dmatrix("x")
    out, _ = theano.scan(lambda r: Print("row")(doubled(r)).sum(), sequences=x)
    printed = {}
    for mode in (PY, JAX):
        f = theano.function([x], out, mode=mode)
        capsys.readouterr()
        np.testing.assert_array_equal(f(np.arange(6.0).reshape(3, 2)), [2.0, 10.0, 18.0])
        printed[mode.name] = capsys.readouterr().out
    assert printed["jax-noopt"] == printed["py-noopt"] and printed["py-noopt"].count("row") == 3


def test_shared_variables_updated_by_the_step():
    total = theano.shared(np.float64(1.0), name="total")
    vec = theano.shared(np.array([1.0, 2.0]), name="vec")
    x = T.dvector("x")
    out, updates = theano.scan(lambda xt: (total * xt + vec, {total: total + xt, vec: vec * xt}),
                               sequences=x)
    results = {}
    for mode in (PY, JAX):
        total.set_value(np.float64(1.0))
        vec.set_value(np.array([1.0, 2.0]))
        f = theano.function([x], out, updates=updates, mode=mode)
        first = f(np.array([1.0, 2.0, 3.0]))
        results[mode.name] = (first, total.get_value(), vec.get_value(), f(np.array([0.5])),
                              total.get_value(), vec.get_value())
    for got, want in zip(results["jax-noopt"], results["py-noopt"]):
        np.testing.assert_array_equal(got, want)
        assert np.asarray(got).dtype == np.asarray(want).dtype


def test_random_keys_are_carried_through_the_steps():
    trng = T.shared_randomstreams.RandomStreams(1234)
    x = T.dvector("x")
    out, updates = theano.scan(lambda xt: xt + trng.uniform(size=()), sequences=x)
    f = theano.function([x], out, updates=updates, mode=JAX)
    first, second = f(np.zeros(50)), f(np.zeros(50))
    assert first.shape == (50,) and 0 <= first.min() and first.max() < 1
    assert len(np.unique(first)) == 50  # each step draws a new number
    assert not np.array_equal(first, second)  # and the key advances between calls


def test_scan_inside_scan_and_matrix_rows(rng):
    m = T.dmatrix("m")

    def row_step(row, acc):
        total, _ = theano.scan(lambda v, a: a + v, sequences=row,
                               outputs_info=T.constant(0.0))
        return acc + total[-1] * row

    acc, _ = theano.scan(row_step, sequences=m, outputs_info=T.zeros_like(m[0]))
    _both([m], [acc, T.grad(acc.sum(), m)], [rng.normal(size=(4, 3))])
    _both([m], [acc, T.grad(acc.sum(), m)], [rng.normal(size=(4, 3))], mode=JAX_OPT)


def test_step_array_constants_integer_counts_and_shapes_from_non_sequences():
    x, k = T.lvector("x"), T.lscalar("k")
    weights = T.constant(np.array([[1.5, -2.0], [0.25, 3.0]]))
    out, _ = theano.scan(lambda xt, h: T.dot(h, weights) + xt, sequences=x,
                         outputs_info=T.constant(np.array([1.0, 0.0])))
    count, _ = theano.scan(lambda xt, c: c + xt * 2, sequences=x,
                           outputs_info=T.constant(np.int64(0)))
    # a non-sequence deciding a shape inside the step must be known when compiling
    grown, _ = theano.scan(lambda xt, k: T.alloc(T.cast(xt, "float64"), k), sequences=x,
                           non_sequences=k)
    f, _ = _both([x, k], [out, count, grown], [np.array([1, -2, 3]), 4])
    assert f(np.array([1, 2]), 2)[2].shape == (2, 2)


def test_a_shape_that_changes_per_step_is_refused_when_linking():
    x = T.lvector("x")
    out, _ = theano.scan(lambda xt: T.alloc(1.0, xt).sum(), sequences=x)
    with pytest.raises(NotImplementedError, match="depends on a sequence row"):
        theano.function([x], out, mode=JAX)


def test_zero_steps_and_errors_match_the_vm():
    x, n = T.dvector("x"), T.lscalar("n")
    h, _ = theano.scan(lambda p: p * 2, outputs_info=x, n_steps=n)
    seq, _ = theano.scan(lambda xt: xt ** 2, sequences=x, n_steps=n)
    f_h = theano.function([x, n], h, mode=JAX)
    f_seq = theano.function([x, n], seq, mode=JAX)
    assert f_h(np.ones(2), 0).shape == (0, 2)
    with pytest.raises(ValueError, match="negative"):
        f_h(np.ones(2), -1)
    with pytest.raises(ValueError, match="too short"):
        f_seq(np.ones(2), 5)
    with pytest.raises(ValueError, match="0 steps"):
        f_seq(np.ones(2), 0)
    grow, _ = theano.scan(lambda p: T.concatenate([p, p]), outputs_info=x, n_steps=2)
    with pytest.raises(ValueError, match="keeps one shape"):
        theano.function([x], grow, mode=JAX)(np.ones(2))


def test_results_do_not_alias_inputs():
    n = T.lscalar("n")
    state = theano.shared(np.ones(3), name="state")
    out, updates = theano.scan(lambda p: (p + 1, {state: state * p}),
                               outputs_info=T.constant(0.0), n_steps=n)
    f = theano.function([n], [out, updates[state]], mode=JAX)
    value = state.get_value(borrow=True)
    _, new_state = f(0)  # zero steps: the carried state is the input itself
    new_state[...] = 7.0
    assert np.all(np.asarray(value) == 1.0)
