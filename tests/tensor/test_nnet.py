"""T.nnet activations, softmax family and cross-entropies against numpy and finite differences."""
import numpy as np
import pytest
import scipy.special as sps

import symgrad.tensor as T
from symgrad import function, grad
from symgrad.gradient import Rop, verify_grad
from tests.helpers import check_against_numpy

nnet = T.nnet
EDGE_SHAPES = [(1, 1), (1, 5), (4, 1), (3, 4), (0, 3)]


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(x, axis=-1):
    return x - sps.logsumexp(x, axis=axis, keepdims=True)


# --- activations ------------------------------------------------------------------------
ACTIVATIONS = {
    "sigmoid": (nnet.sigmoid, sps.expit),
    "softplus": (nnet.softplus, lambda v: np.logaddexp(0, v)),
    "softsign": (nnet.softsign, lambda v: v / (1 + np.abs(v))),
    "hard_sigmoid": (nnet.hard_sigmoid, lambda v: np.clip(0.2 * v + 0.5, 0, 1)),
    "relu": (nnet.relu, lambda v: np.maximum(v, 0)),
    "leaky_relu": (lambda v: nnet.relu(v, 0.1), lambda v: np.where(v > 0, v, 0.1 * v)),
    "elu": (nnet.elu, lambda v: np.where(v > 0, v, np.expm1(np.minimum(v, 0)))),
    "elu_alpha": (lambda v: nnet.elu(v, 0.5),
                  lambda v: np.where(v > 0, v, 0.5 * np.expm1(np.minimum(v, 0)))),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape", EDGE_SHAPES)
def test_activation_values(name, shape, rng):
    fn, ref = ACTIVATIONS[name]
    x = T.dmatrix("x")
    xv = rng.normal(size=shape) * 4
    check_against_numpy([x], fn(x), [xv], ref(xv))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradients(name, rng):
    fn, _ = ACTIVATIONS[name]
    xv = rng.normal(size=(3, 4)) * 3
    xv[np.abs(xv) < 0.05] += 0.2  # keep finite differences away from kinks
    xv[np.abs(np.abs(xv) - 2.5) < 0.05] += 0.2  # hard_sigmoid's corners at +-2.5
    verify_grad(fn, [xv], rng=rng)


def test_activations_keep_float32():
    x = T.fmatrix("x")
    for name, (fn, _) in ACTIVATIONS.items():
        assert fn(x).type.dtype == "float32", name
    assert nnet.ultra_fast_sigmoid(x).type.dtype == "float32"
    assert nnet.softmax(x).type.dtype == "float32"


def test_ultra_fast_sigmoid_is_close_to_sigmoid(rng):
    x = T.dvector("x")
    xv = np.concatenate([np.linspace(-12, 12, 2001), [-1e4, 1e4]])
    u = xv / 2
    pade = np.clip(u * (27 + u * u) / (27 + 9 * u * u), -1, 1)
    check_against_numpy([x], nnet.ultra_fast_sigmoid(x), [xv], 0.5 + 0.5 * pade)
    got = function([x], nnet.ultra_fast_sigmoid(x))(xv)
    assert np.max(np.abs(got - sps.expit(xv))) < 0.025
    assert got[0] == 0.0 and got[-1] == 1.0


def test_ultra_fast_sigmoid_gradient(rng):
    xv = rng.uniform(-5, 5, size=(4, 3))
    xv[np.abs(np.abs(xv) - 6) < 0.1] = 1.0
    verify_grad(nnet.ultra_fast_sigmoid, [xv], rng=rng)


def test_relu_with_tensor_alpha_differentiates_alpha(rng):
    verify_grad(lambda x, a: nnet.relu(x, a), [rng.normal(size=(3, 4)) + 0.1,
                                             rng.uniform(0.1, 0.3, size=(3, 4))], rng=rng)


def test_elu_gradient_is_finite_for_large_inputs():
    x = T.dvector("x")
    g = function([x], grad(nnet.elu(x).sum(), x))(np.array([800.0, -800.0, 1.0]))
    np.testing.assert_allclose(g, [1.0, 0.0, 1.0])


def test_activations_of_integers_are_float():
    x = T.imatrix("x")
    assert nnet.relu(x).type.dtype == "float64"
    assert nnet.softmax(x).type.dtype == "float64"


# --- softmax family ------------------------------------------------------------------------
@pytest.mark.parametrize("shape", EDGE_SHAPES)
def test_softmax_matches_numpy(shape, rng):
    x = T.dmatrix("x")
    xv = rng.normal(size=shape) * 3
    check_against_numpy([x], nnet.softmax(x), [xv], np_softmax(xv))
    check_against_numpy([x], nnet.log_softmax(x), [xv], np_log_softmax(xv))


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_softmax_along_any_axis(axis, rng):
    x = T.dtensor3("x")
    xv = rng.normal(size=(2, 3, 4))
    check_against_numpy([x], nnet.softmax(x, axis=axis), [xv], np_softmax(xv, axis))
    check_against_numpy([x], nnet.log_softmax(x, axis=axis), [xv], np_log_softmax(xv, axis))


def test_softmax_of_vector(rng):
    x = T.dvector("x")
    xv = rng.normal(size=6)
    check_against_numpy([x], nnet.softmax(x), [xv], np_softmax(xv))


def test_softmax_is_stable_for_huge_inputs():
    x = T.dmatrix("x")
    xv = np.array([[1000.0, 0.0, -1000.0], [-1e308, -1e308, 0.0]])
    check_against_numpy([x], nnet.softmax(x), [xv], [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    check_against_numpy([x], nnet.log_softmax(x), [xv[:1]], [[0.0, -1000.0, -2000.0]])


def test_softmax_ops_compare_by_normalised_axis():
    x = T.dmatrix("x")
    assert nnet.softmax(x, axis=-1).owner.op == nnet.softmax(x, axis=1).owner.op
    assert nnet.softmax(x, 0).owner.op != nnet.softmax(x, 1).owner.op
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        nnet.softmax(x, axis=2)
    with pytest.raises(TypeError, match="at least a vector"):
        nnet.softmax(T.dscalar("s"))


@pytest.mark.parametrize("axis", [0, 1])
def test_softmax_gradients(axis, rng):
    xv = rng.normal(size=(3, 4))
    verify_grad(lambda x: nnet.softmax(x, axis), [xv], rng=rng)
    verify_grad(lambda x: nnet.log_softmax(x, axis), [xv], rng=rng)


def test_softmax_gradient_is_one_softmax_grad_op():
    x = T.dmatrix("x")
    g = grad((nnet.softmax(x) * np.arange(4.0)).sum(), x)
    assert isinstance(g.owner.op, nnet.SoftmaxGrad)


def test_softmax_grad_gradients(rng):
    dy, s = rng.normal(size=(3, 4)), np_softmax(rng.normal(size=(3, 4)))
    verify_grad(lambda a, b: nnet.softmax_grad(a, b), [dy, s], rng=rng)
    x = T.dmatrix("x")
    check_against_numpy([x], nnet.softmax_grad(x, nnet.softmax(x)), [dy],
                        np_softmax(dy) * (dy - (dy * np_softmax(dy)).sum(1, keepdims=True)))


def test_softmax_second_derivative(rng):
    verify_grad(lambda x: grad((nnet.softmax(x) ** 2).sum(), x), [rng.normal(size=(2, 3))],
                rng=rng)
    verify_grad(lambda x: grad((nnet.log_softmax(x) ** 2).sum(), x), [rng.normal(size=(2, 3))],
                rng=rng)


def _jacobian_vector(f, xv, vv):
    eps = 1e-6
    return (f(xv + eps * vv) - f(xv - eps * vv)) / (2 * eps)


@pytest.mark.parametrize("which", ["softmax", "log_softmax", "softmax_grad"])
def test_softmax_rop(which, rng):
    x, v = T.dmatrix("x"), T.dmatrix("v")
    dy = rng.normal(size=(3, 4))
    build = {"softmax": nnet.softmax, "log_softmax": nnet.log_softmax,
             "softmax_grad": lambda a: nnet.softmax_grad(T.constant(dy), nnet.softmax(a))}[which]
    out = build(x)
    f = function([x], out)
    jv = function([x, v], Rop(out, x, v))
    xv, vv = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(jv(xv, vv), _jacobian_vector(f, xv, vv), rtol=1e-5, atol=1e-8)


def test_softmax_with_bias(rng):
    x, b = T.dmatrix("x"), T.dvector("b")
    xv, bv = rng.normal(size=(3, 4)), rng.normal(size=4)
    check_against_numpy([x, b], nnet.softmax_with_bias(x, b), [xv, bv], np_softmax(xv + bv))


# --- cross-entropies ----------------------------------------------------------------------
@pytest.mark.parametrize("n_rows", [0, 1, 5])
def test_categorical_crossentropy_integer_labels(n_rows, rng):
    p, y = T.dmatrix("p"), T.ivector("y")
    pv = np_softmax(rng.normal(size=(n_rows, 4)))
    yv = rng.integers(0, 4, size=n_rows).astype("int32")
    expected = -np.log(pv[np.arange(n_rows), yv])
    check_against_numpy([p, y], nnet.categorical_crossentropy(p, y), [pv, yv], expected)


def test_categorical_crossentropy_one_hot(rng):
    p, t = T.dmatrix("p"), T.dmatrix("t")
    pv = np_softmax(rng.normal(size=(5, 3)))
    tv = np.eye(3)[rng.integers(0, 3, size=5)]
    check_against_numpy([p, t], nnet.categorical_crossentropy(p, t), [pv, tv],
                        -(tv * np.log(pv)).sum(axis=1))


def test_categorical_crossentropy_gradients(rng):
    pv = np_softmax(rng.normal(size=(4, 3)))
    yv = np.array([0, 2, 1, 2], dtype="int32")
    y = T.constant(yv)
    verify_grad(lambda p: nnet.categorical_crossentropy(p, y), [pv], rng=rng)
    verify_grad(lambda p, t: nnet.categorical_crossentropy(p, t), [pv, np.eye(3)[yv]], rng=rng)
    verify_grad(lambda x: nnet.categorical_crossentropy(nnet.softmax(x), y),
                [rng.normal(size=(4, 3))], rng=rng)
    verify_grad(lambda p: grad((nnet.categorical_crossentropy(p, y) ** 2).sum(), p), [pv],
                rng=rng)


def test_crossentropy_1hot_rop(rng):
    p, v = T.dmatrix("p"), T.dmatrix("v")
    yv = np.array([1, 0, 2], dtype="int32")
    out = nnet.categorical_crossentropy(p, T.constant(yv))
    f = function([p], out)
    pv, vv = np_softmax(rng.normal(size=(3, 3))), rng.normal(size=(3, 3))
    got = function([p, v], Rop(out, p, v))(pv, vv)
    np.testing.assert_allclose(got, _jacobian_vector(f, pv, vv), rtol=1e-5)


def test_crossentropy_labels_are_checked(rng):
    p, y = T.dmatrix("p"), T.ivector("y")
    f = function([p, y], nnet.categorical_crossentropy(p, y))
    with pytest.raises(Exception, match=r"labels must lie in \[0, 3\)"):
        f(np.full((2, 3), 1 / 3), np.array([0, 3], dtype="int32"))
    with pytest.raises(Exception, match="2 rows of probabilities but 1 labels"):
        f(np.full((2, 3), 1 / 3), np.array([0], dtype="int32"))
    with pytest.raises(TypeError, match="integer vector"):
        nnet.categorical_crossentropy(p, T.fvector("y"))
    with pytest.raises(TypeError, match="rank of coding_dist"):
        nnet.categorical_crossentropy(p, T.dtensor3("t"))


def test_crossentropy_has_no_gradient_wrt_labels():
    p, y = T.dmatrix("p"), T.ivector("y")
    out = nnet.categorical_crossentropy(p, y).sum()
    assert out.owner.inputs[0].owner.op.connection_pattern(None) == [[True], [False]]
    gy = grad(out, y, disconnected_inputs="ignore")
    yv = np.array([0, 1], dtype="int32")
    np.testing.assert_array_equal(function([p, y], gy, on_unused_input="ignore")(
        np.full((2, 2), 0.5), yv), [0.0, 0.0])


@pytest.mark.parametrize("shape", [(1,), (6,), (2, 3)])
def test_binary_crossentropies(shape, rng):
    o, t = T.tensor("float64", ndim=len(shape)), T.tensor("float64", ndim=len(shape))
    ov = rng.uniform(0.05, 0.95, size=shape)
    tv = rng.uniform(0, 1, size=shape)
    expected = -(tv * np.log(ov) + (1 - tv) * np.log(1 - ov))
    check_against_numpy([o, t], nnet.binary_crossentropy(o, t), [ov, tv], expected)
    logits = sps.logit(ov)
    check_against_numpy([o, t], nnet.sigmoid_binary_crossentropy(o, t), [logits, tv], expected)
    verify_grad(nnet.binary_crossentropy, [ov, tv], rng=rng)
    verify_grad(nnet.sigmoid_binary_crossentropy, [logits, tv], rng=rng)


def test_sigmoid_binary_crossentropy_is_stable():
    o, t = T.dvector("o"), T.dvector("t")
    out = nnet.sigmoid_binary_crossentropy(o, t)
    f = function([o, t], [out, grad(out.sum(), o)])
    value, g = f(np.array([800.0, -800.0]), np.array([0.0, 1.0]))
    np.testing.assert_allclose(value, [800.0, 800.0])
    np.testing.assert_allclose(g, [1.0, -1.0])


def test_mlp_style_loss_in_float32(rng):
    x, y = T.fmatrix("x"), T.ivector("y")
    w = T.fmatrix("w")
    loss = nnet.categorical_crossentropy(nnet.softmax(T.dot(x, w)), y).mean()
    gw = grad(loss, w)
    assert loss.type.dtype == "float32" and gw.type.dtype == "float32"
    xv = rng.normal(size=(5, 3)).astype("float32")
    wv = rng.normal(size=(3, 4)).astype("float32")
    yv = rng.integers(0, 4, size=5).astype("int32")
    p = np_softmax(xv.astype("float64") @ wv)
    expected = xv.T.astype("float64") @ (p - np.eye(4)[yv]) / 5
    check_against_numpy([x, y, w], gw, [xv, yv, wv], expected, rtol=1e-4, atol=1e-5)


def test_crossentropy_1hot_grad_rop(rng):
    g, p, eg, ep = T.dvector("g"), T.dmatrix("p"), T.dvector("eg"), T.dmatrix("ep")
    labels = T.constant(np.array([2, 0, 1], dtype="int32"))
    out = nnet.CrossentropyCategorical1HotGrad()(g, p, labels)
    gv, pv = rng.normal(size=3), np_softmax(rng.normal(size=(3, 3)))
    egv, epv = rng.normal(size=3), rng.normal(size=(3, 3))
    got = function([g, p, eg, ep], Rop(out, [g, p], [eg, ep]))(gv, pv, egv, epv)
    f = function([g, p], out)
    eps = 1e-6
    expected = (f(gv + eps * egv, pv + eps * epv) - f(gv - eps * egv, pv - eps * epv)) / (2 * eps)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-8)
