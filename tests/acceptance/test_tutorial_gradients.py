"""The tutorial page "Derivatives in Theano", written as a Theano user writes it."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad import function, pp


def test_pp_of_the_gradient_before_optimisation():
    x = T.dscalar("x")
    y = x ** 2
    gy = T.grad(y, x)
    assert pp(gy) == "((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))"


def test_gradient_values():
    x = T.dscalar("x")
    f = function([x], T.grad(x ** 2, x))
    out = f(4)
    assert isinstance(out, np.ndarray) and out.shape == () and out.dtype == np.float64
    assert out == 8.0
    assert np.isclose(f(94.2), 188.4, rtol=0, atol=1e-12)


def test_dlogistic():
    x = T.dmatrix("x")
    s = T.sum(1 / (1 + T.exp(-x)))
    gs = T.grad(s, x)
    dlogistic = function([x], gs)
    np.testing.assert_allclose(dlogistic([[0, 1], [-1, -2]]),
                               [[0.25, 0.19661193], [0.19661193, 0.10499359]], atol=1e-8)


def test_grad_wrt_list_keeps_order():
    a, b = T.dscalars("a", "b")
    ga, gb = T.grad(a * b + a ** 3, [a, b])
    assert function([a, b], [ga, gb])(2.0, 5.0) == [17.0, 2.0]


def test_non_scalar_cost_is_an_error():
    v = T.dvector("v")
    with pytest.raises(TypeError, match="scalar"):
        T.grad(v ** 2, v)


def test_adding_two_scalars():
    x = T.dscalar("x")
    y = T.dscalar("y")
    z = x + y
    f = function([x, y], z)
    assert f(2, 3) == 5.0
    assert np.allclose(f(16.3, 12.1), 28.4)
    assert type(x) is T.TensorVariable
    # the tutorial: T.dscalar is the type itself, not a class
    assert x.type is T.dscalar
    assert repr(T.dscalar) == "TensorType(float64, scalar)"
    assert pp(z) == "(x + y)"
    assert np.allclose(z.eval({x: 16.3, y: 12.1}), 28.4)


def test_adding_two_matrices():
    x = T.dmatrix("x")
    y = T.dmatrix("y")
    f = function([x, y], x + y)
    np.testing.assert_array_equal(f([[1, 2], [3, 4]], [[10, 20], [30, 40]]),
                                  np.array([[11.0, 22.0], [33.0, 44.0]]))
    np.testing.assert_array_equal(f(np.array([[1, 2], [3, 4]]), np.array([[10, 20], [30, 40]])),
                                  np.array([[11.0, 22.0], [33.0, 44.0]]))


def test_logistic_function():
    x = T.dmatrix("x")
    s = 1 / (1 + T.exp(-x))
    logistic = theano.function([x], s)
    np.testing.assert_allclose(logistic([[0, 1], [-1, -2]]),
                               [[0.5, 0.73105858], [0.26894142, 0.11920292]], atol=1e-8)
    s2 = (1 + T.tanh(x / 2)) / 2
    logistic2 = theano.function([x], s2)
    np.testing.assert_allclose(logistic2([[0, 1], [-1, -2]]),
                               [[0.5, 0.73105858], [0.26894142, 0.11920292]], atol=1e-8)


def test_several_outputs():
    a, b = T.dmatrices("a", "b")
    diff = a - b
    abs_diff = abs(diff)
    diff_squared = diff ** 2
    f = theano.function([a, b], [diff, abs_diff, diff_squared])
    out = f([[1, 1], [1, 1]], [[0, 1], [2, 3]])
    np.testing.assert_array_equal(out[0], [[1, 0], [-1, -2]])
    np.testing.assert_array_equal(out[1], [[1, 0], [1, 2]])
    np.testing.assert_array_equal(out[2], [[1, 0], [1, 4]])
