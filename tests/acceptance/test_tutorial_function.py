"""The tutorial page "More Examples" (shared variables, givens, copying functions, default
values, random numbers), written as a Theano user writes it, with the documented results."""
import numpy as np

import symgrad as theano
import symgrad.tensor as T
from symgrad import In, function, shared
from symgrad.tensor.shared_randomstreams import RandomStreams


def test_accumulator_returns_old_values_and_updates_state():
    state = shared(0)
    inc = T.iscalar("inc")
    accumulator = function([inc], state, updates=[(state, state + inc)])
    assert state.get_value() == 0 and state.get_value().dtype == np.int64
    assert accumulator(1) == 0
    assert state.get_value() == 1
    assert accumulator(300) == 1
    assert state.get_value() == 301
    state.set_value(-1)
    assert accumulator(3) == -1
    assert state.get_value() == 2
    decrementor = function([inc], state, updates=[(state, state - inc)])
    assert decrementor(2) == 2
    assert state.get_value() == 0


def test_givens_skips_the_shared_value():
    state = shared(0)
    inc = T.iscalar("inc")
    accumulator = function([inc], state, updates=[(state, state + inc)])
    accumulator(300)
    state.set_value(0)
    fn_of_state = state * 2 + inc
    foo = T.scalar(dtype=state.dtype)
    skip_shared = function([inc, foo], fn_of_state, givens=[(state, foo)])
    assert skip_shared(1, 3) == 7
    assert state.get_value() == 0


def test_copying_functions():
    state = theano.shared(0)
    inc = T.iscalar("inc")
    accumulator = theano.function([inc], state, updates=[(state, state + inc)],
                                  on_unused_input="ignore")
    assert accumulator(10) == 0
    assert state.get_value() == 10
    new_state = theano.shared(0)
    new_accumulator = accumulator.copy(swap={state: new_state})
    assert new_accumulator(100) == 0
    assert new_state.get_value() == 100
    assert state.get_value() == 10
    null_accumulator = accumulator.copy(delete_updates=True)
    assert null_accumulator(9000) == 10
    assert state.get_value() == 10


def test_default_values_and_keyword_calls():
    x, y = T.dscalars("x", "y")
    z = x + y
    f = function([x, In(y, value=1)], z)
    assert f(33) == 34.0
    assert f(33, 2) == 35.0

    x, y, w = T.dscalars("x", "y", "w")
    z = (x + y) * w
    f = function([x, In(y, value=1), In(w, value=2, name="w_by_name")], z)
    assert f(33) == 68.0
    assert f(33, 2) == 70.0
    assert f(33, 0, 1) == 33.0
    assert f(33, w_by_name=1) == 34.0
    assert f(33, w_by_name=1, y=0) == 33.0


def test_random_streams():
    srng = RandomStreams(seed=234)
    rv_u = srng.uniform((2, 2))
    rv_n = srng.normal((2, 2))
    f = function([], rv_u)
    g = function([], rv_n, no_default_updates=True)  # rv_n.rng is not updated
    nearly_zeros = function([], rv_u + rv_u - 2 * rv_u)

    f_val0, f_val1 = f(), f()
    assert f_val0.shape == (2, 2) and not np.array_equal(f_val0, f_val1)
    g_val0, g_val1 = g(), g()
    np.testing.assert_array_equal(g_val0, g_val1)
    np.testing.assert_allclose(nearly_zeros(), np.zeros((2, 2)), atol=1e-12)

    # the same seed gives the same numbers
    again = RandomStreams(seed=234)
    np.testing.assert_array_equal(function([], again.uniform((2, 2)))(), f_val0)

    # seeding one stream through its shared RandomState, then all of them
    rng_val = rv_u.rng.get_value(borrow=True)
    rng_val.seed(89234)
    rv_u.rng.set_value(rng_val, borrow=True)
    srng.seed(902340)

    # sharing random state between functions: restore it and draw again
    state_after_v0 = rv_u.rng.get_value().get_state()
    nearly_zeros()  # this advances rv_u's state
    v1 = f()
    rng = rv_u.rng.get_value(borrow=True)
    rng.set_state(state_after_v0)
    rv_u.rng.set_value(rng, borrow=True)
    v2 = f()  # v2 != v1
    v3 = f()  # v3 == v1
    assert not np.array_equal(v1, v2)
    np.testing.assert_array_equal(v3, v1)


def test_random_streams_follow_theanos_seeding_rule():
    srng = RandomStreams(seed=234)
    rv_u = srng.uniform((2, 2))
    rv_n = srng.normal((2, 2))
    seeds = np.random.RandomState(234)
    expected_u = np.random.RandomState(seeds.randint(2 ** 30)).uniform(0.0, 1.0, (2, 2))
    expected_n = np.random.RandomState(seeds.randint(2 ** 30)).normal(0.0, 1.0, (2, 2))
    np.testing.assert_array_equal(function([], rv_u)(), expected_u)
    np.testing.assert_array_equal(function([], rv_n)(), expected_n)
    srng.seed(234)
    np.testing.assert_array_equal(function([], rv_u)(), expected_u)


def test_logistic_regression_short_run():
    rng = np.random.default_rng(0)
    n, feats = 40, 20
    data = (rng.standard_normal((n, feats)), rng.integers(0, 2, n))
    x = T.dmatrix("x")
    y = T.dvector("y")
    w = theano.shared(rng.standard_normal(feats), name="w")
    b = theano.shared(0.0, name="b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
    prediction = p_1 > 0.5
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    train = theano.function([x, y], [prediction, xent],
                            updates=((w, w - 0.1 * gw), (b, b - 0.1 * gb)))
    predict = theano.function([x], prediction)
    # the same steps written by hand in numpy
    w_ref, b_ref = w.get_value(), float(b.get_value())
    for _ in range(50):
        pred, err = train(*data)
        p = 1 / (1 + np.exp(-data[0] @ w_ref - b_ref))
        w_ref, b_ref = (w_ref - 0.1 * (data[0].T @ (p - data[1]) / n + 0.02 * w_ref),
                        b_ref - 0.1 * np.mean(p - data[1]))
    np.testing.assert_allclose(w.get_value(), w_ref, rtol=1e-10)
    np.testing.assert_allclose(b.get_value(), b_ref, rtol=1e-10)
    assert pred.dtype == bool and err.shape == (n,)
    expected = 1 / (1 + np.exp(-data[0] @ w_ref - b_ref)) > 0.5
    np.testing.assert_array_equal(predict(data[0]), expected)
