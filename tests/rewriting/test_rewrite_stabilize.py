"""Numerical stabilisation: forms, and the numbers the unoptimised graph gets wrong."""
import warnings

import numpy as np
import pytest
import scipy.special as sps

import symgrad.tensor as T
from symgrad import pp
from tests.helpers import check_against_numpy
from tests.rewriting.rewrite_helpers import canonical_text, compiled

X = np.array([-3.0, -0.5, 0.0, 0.7, 4.0])


def _values(inputs, expr, *args):
    """(FAST_RUN result, unoptimised result), ignoring the unoptimised graph's overflow."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return compiled(inputs, expr)(*args), compiled(inputs, expr, None)(*args)


def test_log1p():
    x = T.dscalar("x")
    expr = T.log(1 + x)
    assert pp(expr) == "log((1 + x))"
    assert canonical_text([x], expr) == "log1p(x)"
    fast, slow = _values([x], expr, 1e-20)
    assert fast == 1e-20 and slow == 0.0
    v = T.dvector("v")
    check_against_numpy([v], T.log(1 + v), [np.abs(X)], np.log1p(np.abs(X)))
    check_against_numpy([v], T.log(1 - v), [np.abs(X) / 5], np.log1p(-np.abs(X) / 5))


def test_softplus_from_log_one_plus_exp():
    x = T.dscalar("x")
    expr = T.log(1 + T.exp(x))
    assert canonical_text([x], expr) == "softplus(x)"
    fast, slow = _values([x], expr, 1000.0)
    assert fast == 1000.0 and slow == np.inf
    v = T.dvector("v")
    check_against_numpy([v], T.log(1 + T.exp(v)), [X], np.logaddexp(0, X))


def test_expm1():
    x = T.dscalar("x")
    expr = T.exp(x) - 1
    assert canonical_text([x], expr) == "expm1(x)"
    fast, slow = _values([x], expr, 1e-20)
    assert fast == 1e-20 and slow == 0.0
    v, w = T.dvectors("v", "w")
    check_against_numpy([v, w], T.exp(v) - 1 + w, [X, X], np.expm1(X) + X)


def test_log_sigmoid():
    x = T.dscalar("x")
    expr = T.log(T.nnet.sigmoid(x))
    assert canonical_text([x], expr) == "-softplus(-x)"
    fast, slow = _values([x], expr, -1000.0)
    assert fast == -1000.0 and slow == -np.inf
    v = T.dvector("v")
    check_against_numpy([v], T.log(T.nnet.sigmoid(v)), [X], np.log(sps.expit(X)))


def test_log_one_minus_sigmoid():
    x = T.dscalar("x")
    expr = T.log(1 - T.nnet.sigmoid(x))
    assert canonical_text([x], expr) == "-softplus(x)"
    fast, slow = _values([x], expr, 1000.0)
    assert fast == -1000.0 and slow == -np.inf
    v = T.dvector("v")
    check_against_numpy([v], T.log(1 - T.nnet.sigmoid(v)), [X], np.log(1 - sps.expit(X)))


def test_gradient_of_log_sigmoid_at_minus_1000_is_one():
    x = T.dscalar("x")
    g = T.grad(T.log(T.nnet.sigmoid(x)), x)
    fast, slow = _values([x], g, -1000.0)
    assert fast == 1.0 and np.isnan(slow)
    v = T.dvector("v")
    gv = T.grad(T.sum(T.log(T.nnet.sigmoid(v))), v)
    assert compiled([v], gv)(np.array([-1000.0, 0.0, 1000.0])).tolist() == [1.0, 0.5, 0.0]
    check_against_numpy([v], gv, [X], 1 - sps.expit(X))


def test_sigmoid_is_recognised():
    x = T.dvector("x")
    expr = 1 / (1 + T.exp(-x))
    assert pp(expr) == "(1 / (1 + exp(-x)))"
    assert canonical_text([x], expr) == "sigmoid(x)"
    check_against_numpy([x], expr, [X], sps.expit(X))
    other = 1 / (1 + T.exp(x))
    assert canonical_text([x], other) == "sigmoid(-x)"
    check_against_numpy([x], other, [X], sps.expit(-X))


def test_logsumexp_is_guarded():
    m = T.dmatrix("m")
    expr = T.log(T.sum(T.exp(m), axis=1))
    f = compiled([m], expr)
    big = np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [0.0, np.log(3.0)]])
    np.testing.assert_allclose(f(big), [1000.0 + np.log(2), -1000.0 + np.log(2), np.log(4.0)])
    _, slow = _values([m], expr, big)
    assert np.isinf(slow[0])
    minus_inf = np.full((1, 2), -np.inf)
    with np.errstate(divide="ignore"):  # log(0) is the right answer here
        assert f(minus_inf).tolist() == [-np.inf]
    value = np.arange(6.0).reshape(3, 2) / 3
    check_against_numpy([m], expr, [value], np.log(np.exp(value).sum(axis=1)))
    v = T.dvector("v")
    whole = T.log(T.sum(T.exp(v)))
    assert compiled([v], whole)(np.array([1000.0, 1000.0])) == 1000.0 + np.log(2)


def test_sigmoid_of_a_sum():
    a, b = T.dvectors("a", "b")
    expr = 1 / (1 + T.exp(-a - b))
    assert canonical_text([a, b], expr) == "sigmoid((a + b))"
    check_against_numpy([a, b], expr, [X, X[::-1]], sps.expit(X + X[::-1]))


LOGITS = np.array([[0.0, 1000.0, 1.0], [0.1, 0.2, 0.3]])


def _np_log_softmax(v):
    shifted = v - v.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def test_log_softmax():
    x = T.dmatrix("x")
    expr = T.log(T.nnet.softmax(x))
    assert pp(expr) == "log(Softmax{axis=1}(x))"
    assert canonical_text([x], expr) == "LogSoftmax{axis=1}(x)"
    fast, slow = _values([x], expr, LOGITS)
    np.testing.assert_allclose(fast, _np_log_softmax(LOGITS))
    assert np.isinf(slow[0, 0])
    check_against_numpy([x], expr, [LOGITS[1:]], _np_log_softmax(LOGITS[1:]))


def test_gradient_of_log_softmax_where_softmax_underflows():
    x = T.dmatrix("x")
    w = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    g = T.grad(T.sum(T.log(T.nnet.softmax(x)) * w), x)
    fast, slow = _values([x], g, LOGITS)
    s = np.exp(_np_log_softmax(LOGITS))
    want = w - s * w.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(fast, want, atol=1e-12)
    assert np.isnan(slow[0]).all()
    g_row = T.grad(T.sum(T.log(T.nnet.softmax(x)) * w[1:]), x)
    check_against_numpy([x], g_row, [LOGITS[1:]], want[1:])


def test_crossentropy_gradient_of_softmax_needs_no_division():
    x = T.dmatrix("x")
    y = T.ivector("y")
    loss = T.nnet.categorical_crossentropy(T.nnet.softmax(x), y).mean()
    g = T.grad(loss, x)
    f = compiled([x, y], [loss, g])
    grad_nodes = [str(n.op) for n in f.maker.fgraph.apply_nodes if "Grad" in str(n.op)]
    # one-hots come from the cross-entropy gradient over ones: no division by s, no SoftmaxGrad
    assert grad_nodes and set(grad_nodes) == {"CrossentropyCategorical1HotGrad"}
    labels = np.array([0, 2], dtype="int32")
    s = np.exp(_np_log_softmax(LOGITS))
    want = (s - np.eye(3)[labels]) / 2
    fast, slow = _values([x, y], [loss, g], LOGITS, labels)
    np.testing.assert_allclose(fast[1], want, atol=1e-12)
    assert np.isnan(slow[1][0]).all()
    check_against_numpy([x, y], g, [LOGITS[1:], labels[1:]], want[1:] * 2)
    with pytest.raises(Exception, match="labels must lie in"):
        f(LOGITS, np.array([0, 3], dtype="int32"))


def test_crossentropy_gradient_alone_keeps_checking_labels():
    x = T.dmatrix("x")
    y = T.ivector("y")
    g = T.grad(T.nnet.categorical_crossentropy(T.nnet.softmax(x), y).sum(), x)
    f = compiled([x, y], g)
    with pytest.raises(Exception, match="labels must lie in"):
        f(LOGITS, np.array([0, 3], dtype="int32"))
    np.testing.assert_allclose(f(LOGITS[1:], np.array([2], dtype="int32")),
                               np.exp(_np_log_softmax(LOGITS[1:])) - [[0, 0, 1]])


def test_crossentropy_of_softmax_reads_log_softmax():
    x = T.dmatrix("x")
    y = T.ivector("y")
    loss = T.nnet.categorical_crossentropy(T.nnet.softmax(x), y)
    assert pp(loss) == "CrossentropyCategorical1Hot(Softmax{axis=1}(x), y)"
    f = compiled([x, y], loss)
    assert "LogSoftmax{axis=1}" in [str(n.op) for n in f.maker.fgraph.apply_nodes]
    masked = np.array([[0.0, 1000.0, 1.0], [0.1, -np.inf, 0.3]])  # a confident mistake; a mask
    labels = np.array([0, 2], dtype="int32")
    fast, slow = _values([x, y], loss, masked, labels)
    want = -_np_log_softmax(np.where(np.isinf(masked), -1e300, masked))[[0, 1], labels]
    np.testing.assert_allclose(fast, want)
    assert np.isinf(slow[0]) and np.isclose(slow[1], want[1])
    with pytest.raises(Exception, match="labels must lie in"):
        f(masked, np.array([0, 3], dtype="int32"))
    row = LOGITS[1:]
    check_against_numpy([x, y], loss, [row, labels[1:]], -_np_log_softmax(row)[:, 2])
