"""Derivatives through scan, checked against finite differences and hand-written loops."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.gradient import verify_grad
from symgrad.scan.utils import until

PY = theano.Mode(linker="py", optimizer=None)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_grad_wrt_sequence_initial_state_and_non_sequence(rng):
    def rnn(x, W, h0):
        h, _ = theano.scan(lambda xt, hp, W: T.tanh(T.dot(W, hp) + xt),
                           sequences=x, outputs_info=h0, non_sequences=W)
        return h

    verify_grad(rnn, [rng.normal(size=(5, 3)), 0.5 * rng.normal(size=(3, 3)),
                      rng.normal(size=3)], mode=PY)


def test_grad_with_sequence_taps(rng):
    def f(x, w):
        out, _ = theano.scan(lambda a, b, c, w: a * c + T.sin(b) * w,
                             sequences={"input": x, "taps": [-2, 0, 1]}, non_sequences=w)
        return out

    verify_grad(f, [rng.normal(size=(7, 2)), rng.normal(size=2)], mode=PY)


def test_grad_with_output_taps(rng):
    def f(x, h0):
        h, _ = theano.scan(lambda xt, hm2, hm1: xt * hm2 + 0.5 * T.tanh(hm1),
                           sequences=x, outputs_info={"initial": h0, "taps": [-2, -1]})
        return h

    verify_grad(f, [rng.normal(size=(6, 2)), rng.normal(size=(2, 2))], mode=PY)


def test_grad_going_backwards_with_per_step_outputs(rng):
    def f(x, w):
        (h, y), _ = theano.scan(lambda xt, hp, w: (T.tanh(w * hp + xt), hp * xt),
                                sequences=x, outputs_info=[T.zeros_like(x[0]), None],
                                non_sequences=w, go_backwards=True)
        return h.sum() + (y ** 2).sum()

    verify_grad(f, [rng.normal(size=(4, 3)), rng.normal(size=3)], mode=PY)


def test_grad_of_a_free_variable_and_integer_sequence(rng):
    def f(x, w):
        out, _ = theano.scan(lambda i, xt: xt * w ** T.cast(i, "float64"),
                             sequences=[T.arange(x.shape[0]), x])
        return out

    verify_grad(f, [rng.normal(size=4), np.array(0.7)], mode=PY)


def test_grad_matches_a_hand_written_backward_pass(rng):
    x = T.dmatrix("x")
    W = T.dmatrix("W")
    h0 = T.dvector("h0")
    h, _ = theano.scan(lambda xt, hp: T.tanh(T.dot(hp, W) + xt), sequences=x, outputs_info=h0)
    cost = h[-1].sum()
    gW, gx, gh0 = T.grad(cost, [W, x, h0])
    f = theano.function([x, W, h0], [gW, gx, gh0], mode=PY)
    xv, wv, hv = rng.normal(size=(4, 3)), rng.normal(size=(3, 3)), rng.normal(size=3)
    hs = [hv]
    for t in range(4):
        hs.append(np.tanh(hs[-1].dot(wv) + xv[t]))
    g = np.ones(3)
    gw = np.zeros((3, 3))
    gx_np = np.zeros((4, 3))
    for t in reversed(range(4)):
        pre = g * (1 - hs[t + 1] ** 2)
        gx_np[t] = pre
        gw += np.outer(hs[t], pre)
        g = pre.dot(wv.T)
    got = f(xv, wv, hv)
    np.testing.assert_allclose(got[0], gw)
    np.testing.assert_allclose(got[1], gx_np)
    np.testing.assert_allclose(got[2], g)


def test_truncate_gradient_stops_after_that_many_steps():
    x = T.dvector("x")
    w = T.dscalar("w")
    h, _ = theano.scan(lambda xt, hp, w: hp * w + xt, sequences=x,
                       outputs_info=T.constant(0.0), non_sequences=w, truncate_gradient=2)
    f = theano.function([x, w], [T.grad(h[-1], w), T.grad(h[-1], x)], mode=PY)
    xv, wv = np.array([1.0, 2.0, 3.0, 4.0]), 0.5
    hs = [0.0]
    for v in xv:
        hs.append(hs[-1] * wv + v)
    gw, gx = f(xv, wv)
    # h4 = w h3 + x4 = w (w h2 + x3) + x4: two steps back, h2 is taken as a constant
    assert np.isclose(gw, hs[3] + wv * hs[2])
    np.testing.assert_allclose(gx, [0.0, 0.0, wv, 1.0])


def test_second_derivative_through_scan(rng):
    def grad_of_cost(x, w):
        h, _ = theano.scan(lambda xt, hp, w: T.tanh(w * hp + xt), sequences=x,
                           outputs_info=T.zeros_like(x[0]), non_sequences=w)
        return T.grad((h ** 2).sum(), w)

    verify_grad(grad_of_cost, [rng.normal(size=(4, 2)), rng.normal(size=2)], mode=PY)


def test_rop_equals_gradient_projection(rng):
    x, v = T.dvectors("x", "v")
    W = T.dmatrix("W")
    h, _ = theano.scan(lambda xt, hp, W: T.tanh(T.dot(W, hp) + xt),
                       sequences=T.reshape(x, (3, 2)), outputs_info=T.zeros(2),
                       non_sequences=W)
    out = h.sum()
    jv = theano.Rop(out, x, v)
    jw = theano.Rop(h, W, T.ones_like(W))
    f = theano.function([x, v, W], [jv, T.dot(T.grad(out, x), v), jw.sum(),
                                    T.grad(out, W).sum()], mode=PY)
    a, b, c, d = f(rng.normal(size=6), rng.normal(size=6), rng.normal(size=(2, 2)))
    assert np.isclose(a, b)
    assert np.isclose(c, d)


def test_gradient_of_until_loop_is_refused():
    x = T.dscalar("x")
    vals, _ = theano.scan(lambda p: (p * 2, until(p > 4)), outputs_info=x, n_steps=10)
    with pytest.raises(NotImplementedError, match="until"):
        T.grad(vals.sum(), x)


def test_grad_wrt_shared_variables_read_by_the_step(rng):
    W = theano.shared(rng.normal(size=(2, 2)), name="W")
    x = T.dmatrix("x")
    h, _ = theano.scan(lambda xt, hp: T.tanh(T.dot(hp, W) + xt), sequences=x,
                       outputs_info=T.zeros(2))
    cost = (h ** 2).sum()
    gW = T.grad(cost, W)
    f = theano.function([x], [cost, gW], mode=PY)
    xv = rng.normal(size=(3, 2))
    cost_value, grad_w = f(xv)
    assert np.isfinite(cost_value)
    eps = 1e-6
    numeric = np.zeros((2, 2))
    w0 = W.get_value()
    cost_fn = theano.function([x], cost, mode=PY)
    for idx in np.ndindex(2, 2):
        for sign in (1, -1):
            w = w0.copy()
            w[idx] += sign * eps
            W.set_value(w)
            numeric[idx] += sign * cost_fn(xv) / (2 * eps)
    W.set_value(w0)
    np.testing.assert_allclose(grad_w, numeric, rtol=1e-5, atol=1e-7)


def test_integer_outputs_beside_float_ones(rng):
    def f(x):
        (h, count), _ = theano.scan(lambda xt, hp, c: (T.sin(hp) + xt, c + 1), sequences=x,
                                    outputs_info=[T.zeros_like(x[0]), T.constant(0, "int64")])
        return h * T.cast(count[-1], "float64")

    verify_grad(f, [rng.normal(size=(3, 2))], mode=PY)


def test_gradient_needing_per_step_shared_values_is_refused():
    total = theano.shared(np.float64(1.0), name="total")
    x = T.dvector("x")
    out, _ = theano.scan(lambda xt: (total * xt, {total: total + xt}), sequences=x)
    with pytest.raises(NotImplementedError, match="shared variables"):
        T.grad(out.sum(), x)


def test_hessian_vector_product_through_scan(rng):
    x = T.dmatrix("x")
    w, v = T.dvectors("w", "v")
    h, _ = theano.scan(lambda xt, hp, w: T.tanh(w * hp + xt), sequences=x,
                       outputs_info=T.zeros_like(x[0]), non_sequences=w)
    g = T.grad((h ** 2).sum(), w)
    hv = theano.function([x, w, v], theano.Rop(g, w, v), mode=PY)
    grad_fn = theano.function([x, w], g, mode=PY)
    xv, wv, vv = rng.normal(size=(4, 2)), rng.normal(size=2), rng.normal(size=2)
    eps = 1e-6
    numeric = (grad_fn(xv, wv + eps * vv) - grad_fn(xv, wv - eps * vv)) / (2 * eps)
    np.testing.assert_allclose(hv(xv, wv, vv), numeric, rtol=1e-5, atol=1e-8)


def test_grad_with_both_kinds_of_taps_going_backwards():
    def f(x, h0):
        (h, y), _ = theano.scan(lambda a, b, hm2, hm1: (a * hm2 + T.sin(b * hm1), a + b),
                                sequences={"input": x, "taps": [-1, 1]},
                                outputs_info=[{"initial": h0, "taps": [-2, -1]}, None],
                                go_backwards=True)
        return h.sum() + (y * h).sum()

    verify_grad(f, [np.linspace(-1, 1, 7), np.array([0.3, -0.2])], mode=PY)


def test_grad_when_one_variable_is_sequence_and_non_sequence(rng):
    def f(x):
        out, _ = theano.scan(lambda a, b, c: a * b + c, sequences=[x, x], non_sequences=x)
        return out

    verify_grad(f, [rng.normal(size=3)], mode=PY)
