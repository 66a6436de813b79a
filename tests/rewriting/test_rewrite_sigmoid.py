"""Sigmoid algebra in products: a hand-written logistic loss and its gradient stay finite."""
import warnings

import numpy as np

import symgrad.tensor as T
from symgrad import function, pp
from tests.helpers import check_against_numpy, modes
from tests.rewriting.rewrite_helpers import canonical_text, compiled

LOGITS = np.array([-1000.0, -745.0, -40.0, -30.0, -1.0, 0.0, 1e-3, 2.5, 30.0, 40.0, 710.0, 1000.0])
LABELS = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.3, 1.0, 0.0, 1.0, 1.0])


def _reference(z, y):
    """Loss per sample and d(mean loss)/dz in extended precision (exp(1000) fits a long double)."""
    zl, yl = z.astype(np.longdouble), y.astype(np.longdouble)
    loss = yl * np.log1p(np.exp(-zl)) + (1 - yl) * np.log1p(np.exp(zl))
    # p - y as (1 - y) * p - y * (1 - p): no cancellation where p is within 1e-13 of y
    grad = ((1 - yl) / (1 + np.exp(-zl)) - yl / (1 + np.exp(zl))) / len(z)
    return loss.astype(np.float64), grad.astype(np.float64)


def _hand_written_loss(z, y):
    p_1 = 1 / (1 + T.exp(-z))
    return -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)


def check_fast_run(inputs, outputs, values, expected, rtol=1e-12, atol=1e-300):
    """Like check_against_numpy, in the FAST_RUN modes only (python VM and numba): the
    unoptimised graphs give nan at these inputs, which is what the rewrites are for."""
    for mode in [m for m in modes() if m.optimizer == "fast_run"]:
        copies = [np.array(v, copy=True) for v in values]
        got_all = function(inputs, outputs, mode=mode)(*values)
        for v, c in zip(values, copies):
            np.testing.assert_array_equal(v, c, err_msg=f"{mode}: an input was modified")
        for out, got, want in zip(outputs, got_all, expected):
            assert np.asarray(got).dtype == out.type.dtype, mode
            assert np.shape(got) == np.shape(want), mode
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=str(mode))


def _quiet(f, *args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(*args)


def test_logistic_loss_and_gradient_at_large_logits():
    z, y = T.dvectors("z", "y")
    xent = _hand_written_loss(z, y)
    g = T.grad(xent.mean(), z)
    loss_ref, grad_ref = _reference(LOGITS, LABELS)
    fast = _quiet(compiled([z, y], [xent, g]), LOGITS, LABELS)
    slow = _quiet(compiled([z, y], [xent, g], None), LOGITS, LABELS)
    assert np.isnan(slow[1]).any()  # what the unoptimised graph computes
    assert np.isfinite(fast[0]).all() and np.isfinite(fast[1]).all()
    np.testing.assert_allclose(fast[0], loss_ref, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(fast[1], grad_ref, rtol=1e-12, atol=1e-300)
    check_fast_run([z, y], [xent, g], [LOGITS, LABELS], [loss_ref, grad_ref])
    moderate = slice(4, 8)  # where the unoptimised graph is accurate too
    check_against_numpy([z, y], [xent, g], [LOGITS[moderate], LABELS[moderate]],
                        list(_reference(LOGITS[moderate], LABELS[moderate])), rtol=1e-9)


def test_gradient_form_has_no_exp_and_no_division():
    z, y = T.dvectors("z", "y")
    g = T.grad(_hand_written_loss(z, y).mean(), z)
    text = canonical_text([z, y], g)
    assert text == ("(((1.0 / Shape_i{0}(y)) * (1.0 - y) * sigmoid(z)) + "
                    "((1.0 / Shape_i{0}(y)) * -1.0 * y * sigmoid(-z)))")


def test_logistic_regression_weights_gradient():
    """The example's graph: logits from a dot product and a bias, an L2 penalty."""
    x = T.dmatrix("x")
    y = T.dvector("y")
    w = T.dvector("w")
    b = T.dscalar("b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((50, 20)) * 100  # logits up to ~1000: p_1 rounds to 0 or 1
    wv = rng.standard_normal(20)
    yv = rng.integers(0, 2, 50).astype(np.float64)
    bv = np.float64(0.5)
    zl = (xv @ wv + bv).astype(np.longdouble)
    assert np.abs(zl).max() > 745  # exp(-z) overflows in float64 for some samples
    residual = (1 / (1 + np.exp(-zl)) - yv) / len(yv)
    want_gw = (xv.T.astype(np.longdouble) @ residual + 0.02 * wv).astype(np.float64)
    want_gb = residual.sum().astype(np.float64)
    want_cost = (yv * np.log1p(np.exp(-zl)) + (1 - yv) * np.log1p(np.exp(zl))).mean() \
        + 0.01 * (wv ** 2).sum()
    check_fast_run([x, y, w, b], [cost, gw, gb], [xv, yv, wv, bv],
                   [np.float64(want_cost), want_gw, want_gb], rtol=1e-10, atol=1e-12)


def test_float32_loss_and_gradient():
    z, y = T.fvectors("z", "y")
    xent = _hand_written_loss(z, y)
    g = T.grad(xent.sum(), z)
    z32, y32 = LOGITS.astype("float32"), LABELS.astype("float32")
    loss_ref, grad_ref = _reference(z32.astype(np.float64), y32.astype(np.float64))
    fast = _quiet(compiled([z, y], [xent, g]), z32, y32)
    assert fast[0].dtype == fast[1].dtype == np.float32
    assert np.isfinite(fast[0]).all() and np.isfinite(fast[1]).all()
    np.testing.assert_allclose(fast[0], loss_ref, rtol=1e-5, atol=1e-37)  # float32 underflow
    np.testing.assert_allclose(fast[1], grad_ref * len(z32), rtol=1e-5, atol=1e-30)


def test_exp_over_one_plus_exp():
    u, a = T.dvectors("u", "a")
    assert canonical_text([u], T.exp(u) / (1 + T.exp(u))) == "sigmoid(u)"
    assert canonical_text([u, a], a / (1 + T.exp(u))) == "(a * sigmoid(-u))"
    expr = a * T.exp(u) / ((1 + T.exp(u)) * (1 + T.exp(u)))
    # sigmoid(u) * sigmoid(-u), even in u, becomes one exp of -|u| and one division
    assert canonical_text([u, a], expr) == "((a * exp(-abs(u))) / sqr((1.0 + exp(-abs(u)))))"
    zl = np.longdouble(LOGITS)
    want = (zl / (1 + np.exp(-zl)) / (1 + np.exp(zl))).astype(np.float64)
    check_fast_run([u, a], [expr], [LOGITS, LOGITS], [want])


def test_one_minus_sigmoid():
    x = T.dvector("x")
    expr = 1 - T.nnet.sigmoid(x)
    assert pp(expr) == "(1 - sigmoid(x))"
    assert canonical_text([x], expr) == "sigmoid(-x)"
    fast = compiled([x], expr)(np.array([40.0]))
    np.testing.assert_allclose(fast, [1 / (1 + np.exp(40.0))], rtol=1e-14)
    assert 1 - 1 / (1 + np.exp(-40.0)) == 0.0  # what the graph as written gives
    want = (1 / (1 + np.exp(np.longdouble(LOGITS)))).astype(np.float64)
    check_fast_run([x], [expr], [LOGITS], [want])
    check_against_numpy([x], expr, [LOGITS[4:8]], want[4:8], rtol=1e-9)


def test_gradient_of_log_one_minus_hand_written_sigmoid():
    z = T.dvector("z")
    g = T.grad(T.log(1 - 1 / (1 + T.exp(-z))).sum(), z)
    assert canonical_text([z], g) == "-sigmoid(z)"
    want = -(1 / (1 + np.exp(-np.longdouble(LOGITS)))).astype(np.float64)
    check_fast_run([z], [g], [LOGITS], [want])


def test_sum_is_kept_when_a_term_does_not_divide_by_the_sigmoid():
    x, a, b = T.dvectors("x", "a", "b")
    s = T.nnet.sigmoid(x)
    expr = (a / s + b) * s
    assert "+" in canonical_text([x, a, b], expr)
    xv = np.array([-2.0, 0.0, 3.0])
    sv = 1 / (1 + np.exp(-xv))
    check_against_numpy([x, a, b], expr, [xv, xv + 1, xv - 1], ((xv + 1) / sv + xv - 1) * sv)


def test_shared_sum_is_not_distributed():
    """A sum used elsewhere too stays one node: distributing would compute it twice."""
    x, a, b = T.dvectors("x", "a", "b")
    s = T.nnet.sigmoid(x)
    total = a / s + b / (1 - s)
    expr = total * s * (1 - s)
    f = compiled([x, a, b], [expr, total])
    xv = np.array([-2.0, 0.0, 3.0])
    sv = 1 / (1 + np.exp(-xv))
    got = f(xv, xv + 1, xv - 1)
    want_total = (xv + 1) / sv + (xv - 1) / (1 - sv)
    np.testing.assert_allclose(got[0], want_total * sv * (1 - sv))
    np.testing.assert_allclose(got[1], want_total)


def test_broadcast_factor_keeps_the_shape():
    m = T.dmatrix("m")
    c = T.dscalar("c")
    expr = c * T.exp(m) / (1 + T.exp(m))
    mv = np.array([[-1000.0, 0.0], [3.0, 1000.0]])
    want = 2.0 / (1 + np.exp(-np.longdouble(mv)))
    check_fast_run([m, c], [expr], [mv, 2.0], [want.astype(np.float64)])
    assert canonical_text([m, c], expr) == "(c * sigmoid(m))"


def test_sum_squared_in_the_product_keeps_its_value():
    x, a, b = T.dvectors("x", "a", "b")
    s = T.nnet.sigmoid(x)
    total = a / s + b / (1 - s)
    expr = total * total * s * (1 - s)
    xv = np.array([-2.0, 0.0, 3.0])
    sv = 1 / (1 + np.exp(-xv))
    want_total = (xv + 1) / sv + (xv - 1) / (1 - sv)
    check_against_numpy([x, a, b], expr, [xv, xv + 1, xv - 1], want_total ** 2 * sv * (1 - sv))


def test_sigmoid_pair_of_the_logistic_gradient_is_one_exp_and_finite():
    # d/dx sum(1 / (1 + exp(-x))) = sigmoid(x) * sigmoid(-x): one stable exp, no overflow
    x = T.dmatrix("x")
    g = T.grad(T.sum(1 / (1 + T.exp(-x))), x)
    assert canonical_text([x], g) == "(exp(-abs(x)) / sqr((1.0 + exp(-abs(x)))))"
    xs = np.array([[0.0, 1.0, -1.0, -2.0], [30.0, -40.0, 1000.0, -1000.0]])
    xl = np.longdouble(xs)
    want = (np.exp(-xl) / (1 + np.exp(-xl)) ** 2).astype(np.float64)
    check_fast_run([x], [g], [xs], [want])
    for sigmoid_pair in (T.nnet.sigmoid(x) * T.nnet.sigmoid(-x),
                         T.nnet.sigmoid(-x) * 3.0 * T.nnet.sigmoid(x)):
        f = compiled([x], sigmoid_pair)
        assert sum(n.op.__class__.__name__ == "Elemwise" for n in f.maker.fgraph.toposort()) == 1
    check_against_numpy([x], T.nnet.sigmoid(-x) * T.nnet.sigmoid(x), [xs], want, rtol=1e-14)
