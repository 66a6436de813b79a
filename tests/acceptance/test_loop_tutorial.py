"""The tutorial pages on loops and conditions, and the scan examples of the derivatives page,
written as a Theano user writes them, with their documented results."""
import numpy as np

import symgrad as theano
import symgrad.tensor as T
from symgrad.ifelse import ifelse
from tests.helpers import CountCalls


def test_a_to_the_k_by_repeated_multiplication():
    k = T.iscalar("k")
    A = T.vector("A")
    result, updates = theano.scan(fn=lambda prior_result, A: prior_result * A,
                                  outputs_info=T.ones_like(A), non_sequences=A, n_steps=k)
    final_result = result[-1]
    power = theano.function(inputs=[A, k], outputs=final_result, updates=updates)
    np.testing.assert_array_equal(power(range(10), 2),
                                  [0., 1., 4., 9., 16., 25., 36., 49., 64., 81.])
    np.testing.assert_array_equal(power(range(10), 3), np.arange(10.) ** 3)


def test_polynomial_from_its_coefficients():
    coefficients = T.vector("coefficients")
    x = T.scalar("x")
    max_coefficients_supported = 10000
    components, _updates = theano.scan(
        fn=lambda coefficient, power, free_variable: coefficient * (free_variable ** power),
        outputs_info=None,
        sequences=[coefficients, T.arange(max_coefficients_supported)],
        non_sequences=x)
    polynomial = components.sum()
    calculate_polynomial = theano.function(inputs=[coefficients, x], outputs=polynomial)
    test_coefficients = np.asarray([1, 0, 2], dtype=np.float64)
    test_value = 3
    assert calculate_polynomial(test_coefficients, test_value) == 19.0
    assert 1.0 * (3 ** 0) + 0.0 * (3 ** 1) + 2.0 * (3 ** 2) == 19.0


def test_tanh_of_rows_dot_w_plus_b():
    X = T.matrix("X")
    W = T.matrix("W")
    b_sym = T.vector("b_sym")
    results, _updates = theano.scan(lambda v: T.tanh(T.dot(v, W) + b_sym), sequences=X)
    compute_elementwise = theano.function(inputs=[X, W, b_sym], outputs=results)
    x = np.eye(2, dtype=np.float64)
    w = np.ones((2, 2), dtype=np.float64)
    b = np.ones((2), dtype=np.float64)
    b[1] = 2
    np.testing.assert_allclose(compute_elementwise(x, w, b), np.tanh(x.dot(w) + b))
    np.testing.assert_allclose(compute_elementwise(x, w, b),
                               [[0.96402758, 0.99505475], [0.96402758, 0.99505475]])


def test_sum_of_tanh_rows_and_its_gradient():
    X = T.matrix("X")
    W = T.matrix("W")
    b_sym = T.vector("b_sym")
    rows, _ = theano.scan(lambda v: T.tanh(T.dot(v, W) + b_sym), sequences=X)
    total = rows.sum()
    f = theano.function([X, W, b_sym], [total, T.grad(total, W)])
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    value, gw = f(x, w, b)
    t = np.tanh(x.dot(w) + b)
    np.testing.assert_allclose(value, t.sum())
    np.testing.assert_allclose(gw, x.T.dot(1 - t ** 2))


def test_jacobian_via_scan():
    x = T.dvector("x")
    y = x ** 2
    J, updates = theano.scan(lambda i, y, x: T.grad(y[i], x),
                             sequences=T.arange(y.shape[0]), non_sequences=[y, x])
    f = theano.function([x], J, updates=updates)
    np.testing.assert_array_equal(f([4, 4]), [[8., 0.], [0., 8.]])


def test_hessian_via_scan():
    x = T.dvector("x")
    y = x ** 2
    cost = y.sum()
    gy = T.grad(cost, x)
    H, updates = theano.scan(lambda i, gy, x: T.grad(gy[i], x),
                             sequences=T.arange(gy.shape[0]), non_sequences=[gy, x])
    f = theano.function([x], H, updates=updates)
    np.testing.assert_array_equal(f([4, 4]), [[2., 0.], [0., 2.]])


def test_shared_variable_updated_by_each_step():
    k = theano.shared(0)
    n_sym = T.iscalar("n_sym")
    _results, updates = theano.scan(lambda: {k: (k + 1)}, n_steps=n_sym)
    accumulator = theano.function([n_sym], [], updates=updates, allow_input_downcast=True)
    assert k.get_value() == 0
    accumulator(5)
    assert k.get_value() == 5
    accumulator(3)
    assert k.get_value() == 8


def test_norms_of_rows_and_trace():
    X = T.matrix("X")
    results, _ = theano.scan(lambda x_i: T.sqrt((x_i ** 2).sum()), sequences=[X])
    compute_norm_lines = theano.function(inputs=[X], outputs=results)
    x = np.diag(np.arange(1, 6, dtype=np.float64), 1)
    np.testing.assert_array_equal(compute_norm_lines(x), [1., 2., 3., 4., 5., 0.])

    floatX = theano.config.floatX
    results, _ = theano.scan(lambda i, j, t_f: T.cast(X[i, j] + t_f, floatX),
                             sequences=[T.arange(X.shape[0]), T.arange(X.shape[1])],
                             outputs_info=np.asarray(0., dtype=floatX))
    compute_trace = theano.function([X], results[-1])
    x = np.eye(5, dtype=floatX)
    x[0] = np.arange(5, dtype=floatX)
    assert compute_trace(x) == 4.0


def test_recurrence_with_two_past_values():
    X = T.matrix("X")
    W = T.matrix("W")
    b_sym = T.vector("b_sym")
    U, V = T.matrix("U"), T.matrix("V")
    n_sym = T.iscalar("n_sym")
    results, _ = theano.scan(
        lambda x_tm2, x_tm1: T.dot(x_tm2, U) + T.dot(x_tm1, V) + T.tanh(T.dot(x_tm1, W) + b_sym),
        n_steps=n_sym, outputs_info=[{"initial": X, "taps": [-2, -1]}])
    f = theano.function([X, U, V, W, b_sym, n_sym], results)
    x = np.zeros((2, 2))
    x[1, 1] = 1
    w = 0.5 * np.ones((2, 2))
    u = 0.5 * (np.ones((2, 2)) - np.eye(2))
    v = 0.5 * np.ones((2, 2))
    b = np.ones(2)
    expected = np.zeros((12, 2))
    expected[0:2] = x
    for i in range(2, 12):
        expected[i] = (expected[i - 2].dot(u) + expected[i - 1].dot(v)
                       + np.tanh(expected[i - 1].dot(w) + b))
    np.testing.assert_allclose(f(x, u, v, w, b, 10), expected[2:])


def test_ifelse_computes_one_branch_and_switch_both():
    a, b = T.scalars("a", "b")
    x, y = T.matrices("x", "y")
    count_x, count_y = CountCalls(), CountCalls()
    mean_x, mean_y = count_x(T.mean(x)), count_y(T.mean(y))
    z_switch = T.switch(T.lt(a, b), mean_x, mean_y)
    z_lazy = ifelse(T.lt(a, b), mean_x, mean_y)
    f_switch = theano.function([a, b, x, y], z_switch, mode=theano.Mode(linker="vm"))
    f_lazyifelse = theano.function([a, b, x, y], z_lazy, mode=theano.Mode(linker="vm"))
    val1, val2 = 0., 1.
    big_mat1, big_mat2 = np.ones((100, 10)), np.zeros((100, 10))
    n_times = 10
    for _ in range(n_times):
        assert f_switch(val1, val2, big_mat1, big_mat2) == 1.0
    assert (count_x.calls, count_y.calls) == (n_times, n_times)
    for _ in range(n_times):
        assert f_lazyifelse(val1, val2, big_mat1, big_mat2) == 1.0
    assert (count_x.calls, count_y.calls) == (2 * n_times, n_times)
    assert f_lazyifelse(val2, val1, big_mat1, big_mat2) == 0.0
    assert (count_x.calls, count_y.calls) == (2 * n_times, n_times + 1)


def test_recurrence_reading_a_sequence_backwards():
    X = T.vector("X")
    W = T.matrix("W")
    U = T.matrix("U")
    Y = T.matrix("Y")
    V = T.matrix("V")
    P = T.matrix("P")
    results, _ = theano.scan(
        lambda y, p, x_tm1: T.tanh(T.dot(x_tm1, W) + T.dot(y, U) + T.dot(p, V)),
        sequences=[Y, P[::-1]], outputs_info=[X])
    compute_seq = theano.function(inputs=[X, W, Y, U, P, V], outputs=results)
    x = np.zeros((2), dtype=np.float64)
    x[1] = 1
    w = np.ones((2, 2), dtype=np.float64)
    y = np.ones((5, 2), dtype=np.float64)
    y[0, :] = -3
    u = np.ones((2, 2), dtype=np.float64)
    p = np.ones((5, 2), dtype=np.float64)
    p[0, :] = 3
    v = np.ones((2, 2), dtype=np.float64)
    x_res = np.zeros((5, 2), dtype=np.float64)
    x_res[0] = np.tanh(x.dot(w) + y[0].dot(u) + p[4].dot(v))
    for i in range(1, 5):
        x_res[i] = np.tanh(x_res[i - 1].dot(w) + y[i].dot(u) + p[4 - i].dot(v))
    np.testing.assert_allclose(compute_seq(x, w, y, u, p, v), x_res)
