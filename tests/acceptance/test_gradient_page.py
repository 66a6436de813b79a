"""The tutorial's gradient page past T.grad: Jacobians, Hessians, R- and L-operators, written as
a Theano user writes them, with the documented results."""
import numpy as np

import symgrad as theano
import symgrad.tensor as T


def test_jacobian_of_x_squared():
    x = T.dvector("x")
    y = x ** 2
    J = theano.gradient.jacobian(y, x)
    f = theano.function([x], J)
    np.testing.assert_array_equal(f([4, 4]), [[8, 0], [0, 8]])


def test_jacobian_is_also_in_T():
    x = T.dvector("x")
    f = theano.function([x], T.jacobian(x ** 2, x))
    np.testing.assert_array_equal(f([4, 4]), [[8, 0], [0, 8]])


def test_hessian_of_sum_of_squares():
    x = T.dvector("x")
    y = x ** 2
    cost = y.sum()
    H = theano.gradient.hessian(cost, x)
    f = theano.function([x], H)
    np.testing.assert_array_equal(f([4, 4]), [[2, 0], [0, 2]])


def test_r_operator():
    W = T.dmatrix("W")
    V = T.dmatrix("V")
    x = T.dvector("x")
    y = T.dot(x, W)
    JV = T.Rop(y, W, V)
    f = theano.function([W, V, x], JV)
    np.testing.assert_array_equal(f([[1, 1], [1, 1]], [[2, 2], [2, 2]], [0, 1]), [2, 2])


def test_l_operator():
    W = T.dmatrix("W")
    v = T.dvector("v")
    x = T.dvector("x")
    y = T.dot(x, W)
    VJ = T.Lop(y, W, v)
    f = theano.function([v, x], VJ)
    np.testing.assert_array_equal(f([2, 2], [0, 1]), [[0, 0], [2, 2]])


def test_hessian_times_vector_through_grad_of_grad():
    x = T.dvector("x")
    v = T.dvector("v")
    y = T.sum(x ** 2)
    gy = T.grad(y, x)
    vH = T.grad(T.sum(gy * v), x)
    f = theano.function([x, v], vH)
    np.testing.assert_array_equal(f([4, 4], [2, 2]), [4, 4])


def test_hessian_times_vector_through_rop():
    x = T.dvector("x")
    v = T.dvector("v")
    y = T.sum(x ** 2)
    gy = T.grad(y, x)
    Hv = T.Rop(gy, x, v)
    f = theano.function([x, v], Hv)
    np.testing.assert_array_equal(f([4, 4], [2, 2]), [4, 4])


def test_gradient_module_names():
    for name in ["grad", "Lop", "Rop", "jacobian", "hessian", "verify_grad", "numeric_grad",
                 "zero_grad", "disconnected_grad", "grad_clip", "grad_scale", "undefined_grad",
                 "consider_constant", "jvp", "vjp", "hessian_vector_product", "subgraph_grad",
                 "format_as", "grad_undefined", "grad_not_implemented"]:
        assert callable(getattr(theano.gradient, name)), name
