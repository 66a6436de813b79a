"""verify_grad and numeric_grad: agreement, dtype-aware tolerances, and the failure message."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.gradient import GradientCheckError, numeric_grad, verify_grad
from symgrad.graph.basic import Apply
from symgrad.graph.op import Op


class ScaledWrongly(Op):
    """y = 3x, whose declared gradient is 3.3 (wrong by 10%)."""

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * 3

    def L_op(self, inputs, outputs, output_grads):
        return [output_grads[0] * 3.3]


def test_passes_for_correct_gradients(rng):
    verify_grad(lambda a, b: T.tanh(T.dot(a, b)), [rng.normal(size=(2, 3)),
                                                   rng.normal(size=3)], rng=rng)
    verify_grad(lambda a: T.sum(T.exp(a)), [rng.normal(size=4)])  # rng defaults
    verify_grad(lambda a: a * 2, [np.array([1, 2, 3])],  # integer points become float64
                rng=np.random.RandomState(0))


def test_is_public_in_both_namespaces():
    assert theano.gradient.verify_grad is verify_grad and T.verify_grad is verify_grad
    assert T.numeric_grad is numeric_grad


def test_failure_message_shows_where_gradients_differ(rng):
    with pytest.raises(GradientCheckError) as info:
        verify_grad(lambda a: ScaledWrongly()(a), [np.array([[1.0, 2.0], [3.0, 4.0]])], rng=rng)
    err = info.value
    text = str(err)
    assert "gradient with respect to input 0 differs from finite differences" in text
    assert "at index (" in text and "analytic" in text and "numeric" in text
    assert "analytic gradient:" in text and "numeric gradient:" in text
    assert err.arg == 0 and len(err.index) == 2
    assert err.abs_err > err.abs_tol and err.rel_err > err.rel_tol
    assert isinstance(err, AssertionError)


def test_tolerances_can_be_loosened_and_tightened(rng):
    pt = [np.array([1.0, -2.0])]
    verify_grad(lambda a: ScaledWrongly()(a), pt, rng=rng, abs_tol=10.0, rel_tol=10.0)
    with pytest.raises(GradientCheckError):
        verify_grad(lambda a: T.sin(a), pt, rng=rng, eps=1e-2, abs_tol=1e-9, rel_tol=1e-9)


def test_float32_uses_float32_defaults(rng):
    # float32 rounding would fail the float64 tolerances with the float64 step
    verify_grad(lambda a: T.exp(a) * T.sum(a ** 2), [rng.normal(size=5).astype("float32")],
                rng=rng)
    verify_grad(lambda a: T.cast(a, "float32") * T.tanh(a), [rng.normal(size=3)], rng=rng)


def test_argument_checks():
    with pytest.raises(TypeError, match="pt must be a list"):
        verify_grad(lambda a: a * 2, np.ones(2))
    with pytest.raises(TypeError, match="rng must be a numpy Generator or RandomState"):
        verify_grad(lambda a: a * 2, [np.ones(2)], rng=3)
    with pytest.raises(TypeError, match="float tensor"):
        verify_grad(lambda a: T.gt(a, 0), [np.ones(2)])


def test_numeric_grad_values_and_max_err():
    def f(a, b):
        return float(np.sum(a ** 2) * b)

    pt = [np.array([1.0, -2.0, 0.5]), np.array(3.0)]
    num = numeric_grad(f, pt)
    a_grad, b_grad = num.gf
    np.testing.assert_allclose(a_grad, 2 * pt[0] * 3.0, rtol=1e-6)
    np.testing.assert_allclose(b_grad, np.sum(pt[0] ** 2), rtol=1e-6)
    assert num[0] is a_grad and next(iter(num)) is a_grad and len(num) == 2
    assert num.max_err([2 * pt[0] * 3.0, np.sum(pt[0] ** 2)], 1e-4, 1e-4)[0] is None
    arg, pos, abs_err, rel_err = num.max_err([2 * pt[0] * 3.0 + [0, 1, 0], 5.25], 1e-4, 1e-4)
    assert (arg, pos) == (0, 1) and np.isclose(abs_err, 1.0, rtol=1e-5)
    assert np.isclose(rel_err, 1.0 / (11.0 + 12.0), rtol=1e-5)  # |a - n| / (|a| + |n|)
    # the point is left as it was
    np.testing.assert_array_equal(pt[0], [1.0, -2.0, 0.5])


def test_numeric_grad_of_a_single_array_and_float32_step():
    num = numeric_grad(lambda a: float(np.sum(np.sin(a))), np.array([0.1, 0.2], "float32"))
    assert num.eps == 3e-4
    np.testing.assert_allclose(num.gf, np.cos([0.1, 0.2]), rtol=1e-2)


def test_theano_spelling_of_the_error_class(rng):
    assert verify_grad.E_grad is GradientCheckError
    with pytest.raises(verify_grad.E_grad):
        verify_grad(lambda a: ScaledWrongly()(a), [np.ones(2)], rng=rng)
