"""zero_grad, consider_constant, disconnected_grad, grad_clip, grad_scale, undefined_grad."""
import numpy as np
import pytest

import symgrad.tensor as T
from symgrad import function
from symgrad.errors import DisconnectedInputError, NullGradientError
from symgrad.gradient import (
    Rop,
    consider_constant,
    disconnected_grad,
    grad,
    grad_clip,
    grad_scale,
    undefined_grad,
    zero_grad,
)
from tests.helpers import check_against_numpy

XV = np.array([-2.0, 0.5, 3.0])


@pytest.mark.parametrize("marker", [zero_grad, consider_constant, disconnected_grad,
                                    undefined_grad, lambda x: grad_clip(x, -1, 1),
                                    lambda x: grad_scale(x, 3.0)])
def test_forward_values_are_the_identity(marker):
    x = T.dvector("x")
    out = marker(x)
    assert out.type == x.type
    check_against_numpy([x], out * 2.0, [XV], XV * 2)


def test_zero_grad_gives_zero_and_stays_connected():
    x = T.dvector("x")
    g = grad(T.sum(zero_grad(x) * x), x)  # only the second factor's path counts
    check_against_numpy([x], g, [XV], XV)
    g = grad(T.sum(zero_grad(x ** 2)), x)  # no error: the path exists, its gradient is zero
    check_against_numpy([x], g, [XV], np.zeros(3))
    u = T.dvector("u")
    r = Rop(zero_grad(x) * 2.0, x, u)
    out = function([x, u], r, on_unused_input="ignore")(XV, np.ones(3))
    np.testing.assert_array_equal(out, np.zeros(3))


def test_consider_constant_function_is_a_zero_gradient():
    x = T.dvector("x")
    g = grad(T.sum(consider_constant(T.exp(x)) * x), x)
    check_against_numpy([x], g, [XV], np.exp(XV))


def test_disconnected_grad_cuts_the_path():
    x = T.dvector("x")
    g = grad(T.sum(disconnected_grad(x) * x), x)
    check_against_numpy([x], g, [XV], XV)
    with pytest.raises(DisconnectedInputError, match="x"):
        grad(T.sum(disconnected_grad(x) ** 2), x)
    u = T.dvector("u")
    with pytest.raises(DisconnectedInputError):
        Rop(disconnected_grad(x) * 2.0, x, u)


def test_grad_clip_clips_the_gradient():
    x = T.dvector("x")
    g = grad(T.sum(grad_clip(x, -1.0, 1.0) * np.array([5.0, 0.3, -4.0])), x)
    check_against_numpy([x], g, [XV], [1.0, 0.3, -1.0])
    with pytest.raises(ValueError, match="lower <= upper"):
        grad_clip(x, 1.0, -1.0)


def test_grad_scale_scales_the_gradient():
    x = T.dvector("x")
    g = grad(T.sum(grad_scale(x, 2.0) ** 2), x)
    check_against_numpy([x], g, [XV], 2.0 * 2 * XV)
    g = grad(T.sum(grad_scale(x, -0.5) * 4.0), x)
    check_against_numpy([x], g, [XV], np.full(3, -2.0))


def test_grad_scale_keeps_float32():
    x = T.fvector("x")
    assert grad(T.sum(grad_scale(x, 3.0)), x).type.dtype == "float32"
    assert grad(T.sum(grad_clip(x, -1, 1)), x).type.dtype == "float32"


def test_undefined_grad_in_rop_raises():
    x, u = T.dvector("x"), T.dvector("u")
    with pytest.raises(NullGradientError, match="UndefinedGrad"):
        Rop(undefined_grad(x) * 2.0, x, u)


def test_second_derivative_through_markers():
    x = T.dscalar("x")
    g = grad(grad_scale(x, 2.0) ** 3, x)  # 2 * 3x^2
    g2 = grad(g, x)  # 12x: the marker is part of the first gradient's forward graph
    assert np.isclose(function([x], g2)(1.5), 12 * 1.5 * 2.0)
