"""cumprod's gradient is exact where x has zeros (no division by x): verify_grad, an exact
reference, second derivatives and R_op; and LinearRecurrence, the op it is built from."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.errors import NodeRuntimeError
from symgrad.gradient import verify_grad
from symgrad.tensor.extra_ops import LinearRecurrence
from tests.helpers import check_infer_shape

PY = Mode("py", None, "py-noopt")
AXES = [None, 0, 1, 2]


def _with_zeros(rng, shape, positions):
    x = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    for p in positions:
        x[p] = 0.0
    return x


ONE_ZERO = [(0, 1, 2)]
SEVERAL_ZEROS = [(0, 0, 0), (0, 1, 2), (1, 2, 0), (1, 2, 3), (1, 0, 3)]


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("zeros", [ONE_ZERO, SEVERAL_ZEROS], ids=["one_zero", "several"])
def test_verify_grad_with_zeros(axis, zeros, rng):
    xv = _with_zeros(rng, (2, 3, 4), zeros)
    verify_grad(lambda a: T.cumprod(a, axis=axis), [xv], rng=rng)


def _exact_gradient(xv, wv, axis):
    """cumprod is affine in each entry separately, so the derivative of sum(w * cumprod(x))
    with respect to x_i is the cost at x_i = 1 minus the cost at x_i = 0: no rounding step."""
    def cost(v):
        return np.sum(wv * np.cumprod(v, axis=axis))
    out = np.empty_like(xv)
    for i in np.ndindex(xv.shape):
        hi, lo = xv.copy(), xv.copy()
        hi[i], lo[i] = 1.0, 0.0
        out[i] = cost(hi) - cost(lo)
    return out


@pytest.mark.parametrize("axis", AXES)
def test_gradient_matches_the_exact_one_at_zeros(axis, rng):
    x, w = T.dtensor3("x"), T.dtensor3("w") if axis is not None else T.dvector("w")
    g = T.grad(T.sum(w * T.cumprod(x, axis=axis)), x)
    f = theano.function([x, w], g, mode=PY)
    for zeros in ([], ONE_ZERO, SEVERAL_ZEROS, [(0, 0, 0), (0, 0, 1)]):
        xv = _with_zeros(rng, (2, 3, 4), zeros)
        wv = rng.normal(size=xv.shape if axis is not None else xv.size)
        got = f(xv, wv)
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, _exact_gradient(xv, wv, axis), rtol=1e-12, atol=1e-12)


def test_gradient_of_float32_vector_with_zeros(rng):
    x = T.fvector("x")
    g = T.grad(T.sum(T.cumprod(x)), x)
    xv = np.array([2.0, 0.0, 3.0, 0.0, 0.5], dtype=np.float32)
    got = theano.function([x], g, mode=PY)(xv)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _exact_gradient(xv.astype(float), np.ones(5), 0),
                               rtol=1e-6)


def test_gradient_on_empty_and_length_one_axes():
    x = T.dmatrix("x")
    g = T.grad(T.sum(T.cumprod(x, axis=1)), x)
    f = theano.function([x], g, mode=PY)
    assert f(np.zeros((3, 0))).shape == (3, 0)
    np.testing.assert_array_equal(f(np.zeros((2, 1))), np.ones((2, 1)))


@pytest.mark.parametrize("axis", [None, 1])
def test_second_derivatives_at_zeros(axis, rng):
    xv = _with_zeros(rng, (2, 3, 4), SEVERAL_ZEROS)
    wv = rng.normal(size=(2, 3, 4))

    def gradient(a):
        cost = T.sum(T.cumprod(a, axis=axis) * wv.reshape(-1 if axis is None else wv.shape))
        return T.grad(cost, a)

    verify_grad(gradient, [xv], rng=rng)
    x = T.dvector("x")
    h = T.hessian(T.sum(T.cumprod(x) * np.arange(1.0, 6.0)), x)
    hv = theano.function([x], h, mode=PY)(np.array([2.0, 0.0, 3.0, 0.0, 0.5]))
    assert np.all(np.isfinite(hv)) and np.abs(hv).sum() > 0


@pytest.mark.parametrize("axis", AXES)
def test_rop_at_zeros(axis, rng):
    x, v = T.dtensor3("x"), T.dtensor3("v")
    out = T.cumprod(x, axis=axis)
    f = theano.function([x, v], T.Rop(out, x, v), mode=PY)
    xv = _with_zeros(rng, (2, 3, 4), SEVERAL_ZEROS)
    vv = rng.normal(size=xv.shape)
    # a polynomial in the step: central differences are accurate
    eps = 1e-6
    fd = (np.cumprod(xv + eps * vv, axis=axis) - np.cumprod(xv - eps * vv, axis=axis)) / (2 * eps)
    got = f(xv, vv)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)


# --- LinearRecurrence --------------------------------------------------------------------
def _recurrence_reference(a, b, axis, reverse):
    a, y = np.moveaxis(a, axis, 0), np.moveaxis(np.array(b, dtype=float), axis, 0)
    n = y.shape[0]
    order = range(n - 2, -1, -1) if reverse else range(1, n)
    for i in order:
        j = i + 1 if reverse else i - 1
        y[i] = y[i] + a[i + 1 if reverse else i] * y[j]
    return np.moveaxis(y, 0, axis)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1])
def test_linear_recurrence_values_gradients_and_rop(axis, reverse, rng):
    a, b = T.dmatrices("a", "b")
    out = LinearRecurrence(axis, reverse)(a, b)
    av, bv = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    av[1, 1] = av[2, 0] = 0.0
    got = theano.function([a, b], out, mode=PY)(av, bv)
    np.testing.assert_allclose(got, _recurrence_reference(av, bv, axis, reverse), rtol=1e-13)
    check_infer_shape([a, b], out, [av, bv])
    verify_grad(lambda p, q: LinearRecurrence(axis, reverse)(p, q), [av, bv], rng=rng)
    da, db = T.dmatrices("da", "db")
    rop = theano.function([a, b, da, db], T.Rop(out, [a, b], [da, db]), mode=PY)
    dav, dbv = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    eps = 1e-6
    f = theano.function([a, b], out, mode=PY)
    fd = (f(av + eps * dav, bv + eps * dbv) - f(av - eps * dav, bv - eps * dbv)) / (2 * eps)
    np.testing.assert_allclose(rop(av, bv, dav, dbv), fd, rtol=1e-6, atol=1e-8)


def test_linear_recurrence_refuses_different_shapes():
    a, b = T.dvectors("a", "b")
    f = theano.function([a, b], LinearRecurrence(0)(a, b), mode=PY)
    with pytest.raises((NodeRuntimeError, ValueError), match="differ in shape"):
        f(np.ones(3), np.ones(4))
    with pytest.raises(ValueError):
        LinearRecurrence(1)(a, b)
