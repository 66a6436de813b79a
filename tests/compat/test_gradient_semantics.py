"""Theano's gradient semantics: integer inputs, verify_grad's rng, known_grads."""
import numpy as np

import symgrad as theano
import symgrad.tensor as T
from symgrad.gradient import grad, verify_grad


def _grad_func(X, W, b):
    cost = T.nnet.sigmoid(T.dot(X, W) + b).sum()
    return theano.function([X, W, b], grad(cost, X), on_unused_input="ignore")


def test_gradient_wrt_an_integer_input_equals_the_float_one():
    # an integer read by ops computing in floats differentiates as a float would
    W, b = T.dmatrix("W"), T.dvector("b")
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((5, 3)) * 127).astype("int32")
    w, bb = rng.standard_normal((3, 4)), rng.standard_normal(4)
    int_result = _grad_func(T.imatrix("X"), W, b)(x, w, bb)
    float_result = _grad_func(T.dmatrix("X"), W, b)(x.astype("float64"), w, bb)
    assert int_result.dtype == np.float64
    np.testing.assert_allclose(int_result, float_result)
    assert np.abs(int_result).sum() > 0


def test_gradient_through_a_cast_and_of_integer_only_paths():
    i, x = T.iscalar("i"), T.dscalar("x")
    g = theano.function([i, x], grad(T.cast(i, "float64") * x, i))
    assert g(2, 3.0) == 3.0
    # an integer-valued result carries no gradient back: zeros, as floats
    z = theano.function([i], grad(T.cast(i * 2, "float64"), i))(3)
    assert z == 0.0 and z.dtype.kind == "f"


def test_verify_grad_accepts_the_numpy_random_module():
    verify_grad(lambda a: T.exp(a) * 2, [np.array([0.5, -0.3])], rng=np.random)
