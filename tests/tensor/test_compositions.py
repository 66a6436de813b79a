"""Theano's functions that are compositions of other ops: batch normalisation, selu and the
softmax family extras, the linear-algebra compositions, topk; values against numpy and
gradients checked numerically."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile import Mode
from symgrad.gradient import verify_grad
from symgrad.tensor.nnet import bn
from tests.helpers import modes

PY = Mode(linker="py")


@pytest.mark.parametrize("axes, stat_axes", [("per-activation", (0,)), ("spatial", (0, 2, 3)),
                                             ((0, 3), (0, 3))])
def test_batch_normalization_train_matches_numpy(rng, axes, stat_axes):
    x = T.dtensor4("x")
    kept = [k for k in range(4) if k not in stat_axes]
    shape = (5, 3, 2, 4)
    pshape = tuple(shape[k] for k in kept)
    gamma, beta = T.tensor("float64", shape=(None,) * len(kept)), T.tensor(
        "float64", shape=(None,) * len(kept))
    rm, rv = theano.shared(np.zeros(pshape)), theano.shared(np.ones(pshape))
    out, mean, invstd, new_mean, new_var = bn.batch_normalization_train(
        x, gamma, beta, axes, 1e-3, 0.25, rm, rv)
    f = theano.function([x, gamma, beta], [out, mean, invstd],
                        updates=[(rm, new_mean), (rv, new_var)], mode=PY)
    xv = rng.normal(size=shape)
    g, b = rng.normal(size=pshape), rng.normal(size=pshape)
    got_out, got_mean, got_invstd = f(xv, g, b)
    mu = xv.mean(axis=stat_axes, keepdims=True)
    var = xv.var(axis=stat_axes, keepdims=True)

    def wide(p):
        return np.expand_dims(p, stat_axes)

    np.testing.assert_allclose(got_out, (xv - mu) / np.sqrt(var + 1e-3) * wide(g) + wide(b),
                               rtol=1e-10)
    np.testing.assert_allclose(got_mean, mu)
    np.testing.assert_allclose(got_invstd, 1 / np.sqrt(var + 1e-3))
    np.testing.assert_allclose(rm.get_value(), 0.25 * mu.squeeze(axis=stat_axes))
    unbiased = xv.var(axis=stat_axes, ddof=1)
    np.testing.assert_allclose(rv.get_value(), 0.75 + 0.25 * unbiased)


def test_batch_normalization_test_and_plain_and_their_gradients(rng):
    xv = rng.normal(size=(6, 3))
    g, b = rng.normal(size=(1, 3)), rng.normal(size=(1, 3))
    m, v = rng.normal(size=(1, 3)), rng.uniform(0.5, 2, size=(1, 3))
    x = T.dmatrix("x")
    out = bn.batch_normalization_test(x, g, b, m, v, epsilon=1e-2)
    np.testing.assert_allclose(theano.function([x], out, mode=PY)(xv),
                               (xv - m) * g / np.sqrt(v + 1e-2) + b)
    plain = bn.batch_normalization(x, g, b, m, np.sqrt(v))
    np.testing.assert_allclose(theano.function([x], plain, mode=PY)(xv),
                               (xv - m) * (g / np.sqrt(v)) + b)
    verify_grad(lambda x, g: bn.batch_normalization_train(x, g, b)[0], [xv, g[0]], rng=rng)
    with pytest.raises(TypeError, match="gamma has 3 dimensions"):
        bn.batch_normalization_train(x, T.dtensor3("g"), b)
    with pytest.raises(ValueError, match="both"):
        bn.batch_normalization_train(x, g, b, running_mean=m)


def test_selu_softmax_graph_and_crossentropy_softmax_1hot(rng):
    x = T.dmatrix("x")
    y = T.lvector("y")
    xv, yv = rng.normal(size=(4, 5)) * 3, np.array([0, 4, 2, 2])
    nll, sm = T.nnet.crossentropy_softmax_1hot(x, y)
    f = theano.function([x, y], [T.nnet.selu(x), T.nnet.softmax_graph(x), nll, sm], mode=PY)
    got_selu, got_graph, got_nll, got_sm = f(xv, yv)
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    np.testing.assert_allclose(got_selu, scale * np.where(xv > 0, xv, alpha * np.expm1(xv)))
    want_sm = np.exp(xv - xv.max(1, keepdims=True))
    want_sm /= want_sm.sum(1, keepdims=True)
    np.testing.assert_allclose(got_graph, want_sm)
    np.testing.assert_allclose(got_sm, want_sm)
    np.testing.assert_allclose(got_nll, -np.log(want_sm[np.arange(4), yv]))
    verify_grad(T.nnet.selu, [xv + 0.1], rng=rng)
    verify_grad(T.nnet.softmax_graph, [xv], rng=rng)
    verify_grad(lambda a: T.nnet.crossentropy_softmax_1hot(a, yv)[0], [xv], rng=rng)
    assert str(T.nnet.scalar_sigmoid) == "sigmoid"


def test_linear_algebra_compositions_match_numpy(rng):
    from symgrad.tensor import nlinalg, slinalg

    a, b = T.dmatrix("a"), T.dmatrix("b")
    v = T.dvector("v")
    av, bv, vv = rng.normal(size=(3, 3)), rng.normal(size=(2, 4)), rng.normal(size=3)
    f = theano.function([a, b, v], [
        slinalg.kron(a, b), slinalg.kron(v, b), slinalg.kron(v, v), nlinalg.matrix_power(a, 5),
        nlinalg.matrix_power(a, -2), nlinalg.matrix_power(a, 0), nlinalg.alloc_diag(v),
        nlinalg.extract_diag(a), nlinalg.diag(v)], mode=PY)
    want = [np.kron(av, bv), np.kron(vv, bv), np.kron(vv, vv), np.linalg.matrix_power(av, 5),
            np.linalg.matrix_power(av, -2), np.eye(3), np.diag(vv), np.diag(av), np.diag(vv)]
    for got, w in zip(f(av, bv, vv), want):
        np.testing.assert_allclose(got, w, rtol=1e-9, atol=1e-12)
    t = T.dtensor4("t")
    tv = rng.normal(size=(4, 6, 8, 3))
    np.testing.assert_allclose(theano.function([t], nlinalg.tensorinv(t, 2), mode=PY)(tv),
                               np.linalg.tensorinv(tv, 2), rtol=1e-9)
    rhs = rng.normal(size=(4, 6))
    np.testing.assert_allclose(theano.function([t, a], nlinalg.tensorsolve(t, a), mode=PY)(
        tv, rhs), np.linalg.tensorsolve(tv, rhs), rtol=1e-8)
    moved = np.moveaxis(tv, (2, 3), (0, 1)).copy()  # (8, 3, 4, 6): axes=(0, 1) move back
    solved = theano.function([t, a], nlinalg.tensorsolve(t, a, axes=(0, 1)), mode=PY)
    np.testing.assert_allclose(solved(moved, rhs),
                               np.linalg.tensorsolve(moved, rhs, axes=(0, 1)), rtol=1e-8)
    with pytest.raises(TypeError, match="integer"):
        nlinalg.matrix_power(a, 1.5)


def test_linear_algebra_composition_gradients(rng):
    from symgrad.tensor import nlinalg, slinalg

    av, bv = rng.normal(size=(3, 3)), rng.normal(size=(2, 2))
    verify_grad(lambda a, b: slinalg.kron(a, b), [av, bv], rng=rng)
    verify_grad(lambda a: nlinalg.matrix_power(a, 3), [av], rng=rng)
    verify_grad(lambda a: nlinalg.matrix_power(a + 3 * np.eye(3), -1), [av], rng=rng)
    verify_grad(lambda a: nlinalg.tensorinv(a.reshape((3, 3, 1)) + np.eye(3)[:, :, None] * 3,
                                            1), [av], rng=rng)


@pytest.mark.parametrize("mode", modes())
def test_topk_matches_numpy_in_every_backend(rng, mode):
    x = T.dmatrix("x")
    xv = rng.integers(0, 5, size=(4, 7)).astype(float)  # many ties
    f = theano.function([x], [*T.topk_and_argtopk(x, 3), *T.topk_and_argtopk(x, -2, axis=0)],
                        mode=mode)
    top, where, bottom, bottom_at = f(xv)
    order = np.argsort(-xv, axis=1, kind="stable")[:, :3]
    np.testing.assert_array_equal(where, order)
    np.testing.assert_array_equal(top, np.take_along_axis(xv, order, 1))
    low = np.argsort(xv, axis=0, kind="stable")[:2]
    np.testing.assert_array_equal(bottom_at, low)
    np.testing.assert_array_equal(bottom, np.take_along_axis(xv, low, 0))
    assert where.dtype == np.int64
    with pytest.raises(ValueError, match="kth"):
        T.topk(x, 0)


def test_topk_gradient_goes_to_the_chosen_entries(rng):
    xv = rng.permutation(12).reshape(3, 4).astype(float)
    verify_grad(lambda x: T.topk(x, 2) * np.array([1.0, 2.0]), [xv], rng=rng)


def test_hash_from_ndarray_reads_values_shape_and_dtype():
    from symgrad.tensor.utils import hash_from_ndarray

    a = np.arange(12.0).reshape(3, 4)
    assert hash_from_ndarray(a) == hash_from_ndarray(np.asfortranarray(a))
    assert hash_from_ndarray(a) != hash_from_ndarray(a.reshape(4, 3))
    assert hash_from_ndarray(a) != hash_from_ndarray(a.astype("float32"))
    assert hash_from_ndarray(a) != hash_from_ndarray(a + 1)
