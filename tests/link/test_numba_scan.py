"""Scan under the numba linker against the Python VM: the tutorial loops, every kind of input
and output, gradients (truncated too), `until`, shared updates, nesting and error cases."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.errors import NodeRuntimeError
from symgrad.link.numba.dispatch import has_kernel
from symgrad.scan import Scan
from symgrad.scan.utils import until
from tests.helpers import assert_same_results
from tests.link import scan_cases

NUMBA = Mode("numba", None, "numba-noopt")
NUMBA_OPT = Mode("numba", "fast_run", "numba-fast_run")
PY = Mode("py", None, "py-noopt")


def _on_numba(f) -> None:
    runner = f.maker.runner
    assert not hasattr(runner, "numba_gaps"), f"ran on the VM: {runner.numba_gaps}"
    assert "k_scan_" in runner.source


def _both(inputs, outputs, values, mode=NUMBA, rtol=1e-12, atol=1e-14):
    """Numba and the VM on the same graph: equal values, dtypes and shapes; inputs untouched."""
    f_nb = theano.function(inputs, outputs, mode=mode, on_unused_input="ignore")
    f_py = theano.function(inputs, outputs, mode=PY, on_unused_input="ignore")
    _on_numba(f_nb)
    assert_same_results(f_nb, f_py, values, rtol=rtol, atol=atol)
    return f_nb, f_py


def test_power_polynomial_and_cumulative_sum(rng):
    f, f_py = _both(*scan_cases.power_polynomial_and_cumulative_sum(rng))
    # other shapes through the same compiled function, a non-contiguous vector among them
    scan_cases.assert_agree(f, f_py, (
        [rng.normal(size=(5, 2))[:, 0], 1, np.ones(12), -0.5, np.zeros(1)],
        [np.zeros(0), 2, np.ones(1), 2.0, rng.normal(size=3)[::-1]]))


def test_fibonacci_mit_sot_integer_and_float32():
    f, _ = _both(*scan_cases.fibonacci_mit_sot_integer_and_float32())
    np.testing.assert_array_equal(f([0, 1], [1, 2, 3])[0], scan_cases.FIBONACCI_FROM_0_1)


def test_sequence_taps_going_backwards_and_per_step_outputs(rng):
    _both(*scan_cases.sequence_taps_going_backwards_and_per_step_outputs(rng))


def test_rnn_gradient_through_scan_and_truncated(rng):
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
    _both([x, W, U, b, h0], outs, values, rtol=1e-10)
    # with the outer graph rewritten (keep-last rows, hoisting) as FAST_RUN does
    _both([x, W, U, b, h0], outs, values, mode=NUMBA_OPT, rtol=1e-10)


def test_outputs_read_only_at_the_last_step_keep_a_ring_of_rows():
    x0 = T.dvector("x0")
    fib, _ = theano.scan(lambda a, b: a * 0.5 + b, outputs_info={"initial": x0, "taps": [-2, -1]},
                         n_steps=7)
    power, _ = theano.scan(lambda p: p * 1.5, outputs_info=x0, n_steps=7)
    f, _ = _both([x0], [fib[-1], power[-1]], [np.array([1.0, 2.0])], mode=NUMBA_OPT)
    source = f.maker.runner.source
    assert "rows0 = 2 + 1" in source and "rows0 = 1 + 1" in source  # lookback + 1 rows


def test_until_stops_after_the_step_meeting_the_condition():
    x = T.dscalar("x")
    vals, _ = theano.scan(lambda p: (p * 2, until(p * 2 > 40)), outputs_info=x, n_steps=100)
    per_step, _ = theano.scan(lambda p: (p + 1, p * 3, until(p > 5)),
                              outputs_info=[x, None], n_steps=10)
    f, _ = _both([x], [vals, *per_step], [np.array(3.0)])
    np.testing.assert_array_equal(f(3.0)[0], [6, 12, 24, 48])
    f(100.0)  # stops after the first step
    np.testing.assert_array_equal(f(100.0)[0], [200.0])


def test_shared_variable_updated_by_the_step():
    total = theano.shared(np.float64(1.0), name="total")
    vec = theano.shared(np.array([1.0, 2.0]), name="vec")
    x = T.dvector("x")
    out, updates = theano.scan(lambda xt: (total * xt + vec, {total: total + xt, vec: vec * xt}),
                               sequences=x)
    results = {}
    for mode in (PY, NUMBA):
        total.set_value(np.float64(1.0))
        vec.set_value(np.array([1.0, 2.0]))
        f = theano.function([x], out, updates=updates, mode=mode)
        if mode is NUMBA:
            _on_numba(f)
        first = f(np.array([1.0, 2.0, 3.0]))
        results[mode.name] = (first, total.get_value(), vec.get_value(), f(np.array([0.5])),
                              total.get_value(), vec.get_value())
    for got, want in zip(results["numba-noopt"], results["py-noopt"]):
        np.testing.assert_array_equal(got, want)
        assert np.asarray(got).dtype == np.asarray(want).dtype


def test_scan_inside_scan_and_matrix_rows(rng):
    m = T.dmatrix("m")

    def row_step(row, acc):
        total, _ = theano.scan(lambda v, a: a + v, sequences=row,
                               outputs_info=T.constant(0.0))
        return acc + total[-1] * row

    acc, _ = theano.scan(row_step, sequences=m, outputs_info=T.zeros_like(m[0]))
    _both([m], [acc], [rng.normal(size=(4, 3))])


def test_step_array_constants_and_integer_counts():
    x = T.lvector("x")
    weights = T.constant(np.array([[1.5, -2.0], [0.25, 3.0]]))
    out, _ = theano.scan(lambda xt, h: T.dot(h, weights) + xt, sequences=x,
                         outputs_info=T.constant(np.array([1.0, 0.0])))
    count, _ = theano.scan(lambda xt, c: c + xt * 2, sequences=x,
                           outputs_info=T.constant(np.int64(0)))
    _both([x], [out, count], [np.array([1, -2, 3])])


def test_zero_steps_and_errors_match_the_vm():
    x, n = T.dvector("x"), T.lscalar("n")
    h, _ = theano.scan(lambda p: p * 2, outputs_info=x, n_steps=n)
    seq, _ = theano.scan(lambda xt: xt ** 2, sequences=x, n_steps=n)
    f_h = theano.function([x, n], h, mode=NUMBA)
    f_seq = theano.function([x, n], seq, mode=NUMBA)
    for f in (f_h, f_seq):
        _on_numba(f)
    assert f_h(np.ones(2), 0).shape == (0, 2)
    with pytest.raises(NodeRuntimeError, match="negative"):
        f_h(np.ones(2), -1)
    with pytest.raises(NodeRuntimeError, match="too short"):
        f_seq(np.ones(2), 5)
    with pytest.raises(NodeRuntimeError, match="0 steps"):
        f_seq(np.ones(2), 0)
    grow, _ = theano.scan(lambda p: T.concatenate([p, p]), outputs_info=x, n_steps=2)
    f_grow = theano.function([x], grow, mode=NUMBA)
    _on_numba(f_grow)
    with pytest.raises(NodeRuntimeError, match="shape"):
        f_grow(np.ones(2))


def test_results_do_not_alias_inputs():
    n = T.lscalar("n")
    # zero steps: the carried state is the input itself
    state = theano.shared(np.ones(3), name="state")
    out, updates = theano.scan(lambda p: (p + 1, {state: state * p}),
                               outputs_info=T.constant(0.0), n_steps=n)
    f = theano.function([n], [out, updates[state]], mode=NUMBA)
    _on_numba(f)
    value = state.get_value(borrow=True)
    _, new_state = f(0)
    new_state[...] = 7.0
    assert np.all(value == 1.0)


def test_random_generator_state_keeps_the_vm():
    trng = T.shared_randomstreams.RandomStreams(1234)
    x = T.dvector("x")
    out, updates = theano.scan(lambda xt: xt + trng.uniform(size=()), sequences=x)
    node = out.owner
    while not isinstance(node.op, Scan):
        node = node.inputs[0].owner
    assert not has_kernel(node.op)  # a generator is not a tensor the loop can carry
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        f = theano.function([x], out, updates=updates, mode=NUMBA)
    assert f.maker.runner.numba_gaps == ["Scan"]
    assert f(np.zeros(3)).shape == (3,)
