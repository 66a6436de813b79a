"""Gradients at ties: the output gradient is split equally among tied arguments (as JAX), so the
input gradients sum to the output gradient. Checked on every backend at exact ties, and with
verify_grad away from them."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad.tensor as T
from symgrad.gradient import Rop, grad, verify_grad
from symgrad.tensor.nnet import relu
from symgrad.tensor.signal.pool import max_pool_2d_same_size, pool_2d
from tests.helpers import check_against_numpy

TIED = np.array([[1.0, 2.0, 2.0], [3.0, 3.0, 1.0]])


def test_maximum_of_a_variable_with_itself_splits():
    b = T.dmatrix("b")
    for op in (T.maximum, T.minimum):
        check_against_numpy([b], grad(T.sum(op(b, b)), b), [TIED], np.ones_like(TIED))


def test_maximum_minimum_split_at_elementwise_ties():
    x, y = T.dvector("x"), T.dvector("y")
    xv, yv = np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0])
    cost = T.sum(T.maximum(x, y))
    check_against_numpy([x, y], grad(cost, [x, y]), [xv, yv],
                        [[0.5, 0.0, 1.0], [0.5, 1.0, 0.0]])
    cost = T.sum(T.minimum(x, y))
    check_against_numpy([x, y], grad(cost, [x, y]), [xv, yv],
                        [[0.5, 1.0, 0.0], [0.5, 0.0, 1.0]])


def test_maximum_with_an_integer_argument_at_a_tie():
    x, k = T.dvector("x"), T.lvector("k")
    check_against_numpy([x, k], grad(T.sum(T.maximum(x, k)), x),
                        [np.array([1.0, 2.0, 0.0]), np.array([1, 0, 4])], [0.5, 1.0, 0.0])


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_max_min_reductions_split_among_tied_positions(axis):
    x = T.dmatrix("x")
    v = np.array([[1.0, 3.0, 3.0], [3.0, -1.0, 3.0]])
    for red, np_red in ((T.max, np.max), (T.min, np.min)):
        g = grad(T.sum(red(x, axis=axis)), x)
        hit = v == np_red(v, axis=axis, keepdims=True)
        want = hit / hit.sum(axis=axis, keepdims=True)
        check_against_numpy([x], g, [v], want)
        # each reduced line's gradients sum to its output gradient (1)
        np.testing.assert_allclose(want.sum(axis=axis), 1.0)


def test_max_reduction_float32_keeps_its_dtype():
    x = T.fmatrix("x")
    v = np.array([[2.0, 2.0, 1.0]], dtype="float32")
    check_against_numpy([x], grad(T.max(x), x), [v], np.array([[0.5, 0.5, 0.0]], "float32"))


def test_max_of_a_line_with_nan_has_no_nan_gradient():
    x = T.dvector("x")
    check_against_numpy([x], grad(T.max(x), x), [np.array([1.0, np.nan])], [0.0, 0.0])


def test_clip_at_the_bounds_follows_min_of_max():
    x, lo, hi = T.dvector("x"), T.dscalar("lo"), T.dscalar("hi")
    xv = np.array([0.0, 1.0, 1.5, 2.0, 3.0])
    g = grad(T.sum(T.clip(x, lo, hi)), [x, lo, hi])
    # x == lo and x == hi share with the bound; lo takes x < lo, hi takes x > hi
    check_against_numpy([x, lo, hi], g, [xv, 1.0, 2.0],
                        [[0.0, 0.5, 1.0, 0.5, 0.0], 1.5, 1.5])
    # lo == hi == x: the max splits first (x, lo: 1/4 each), then the min with hi (1/2)
    check_against_numpy([x, lo, hi], g, [np.array([1.0]), 1.0, 1.0], [[0.25], 0.25, 0.5])


def test_relu_and_abs_at_zero_have_zero_gradient():
    x = T.dvector("x")
    xv = np.array([-1.0, 0.0, 2.0])
    check_against_numpy([x], grad(T.sum(relu(x)), x), [xv], [0.0, 0.0, 1.0])
    check_against_numpy([x], grad(T.sum(relu(x, alpha=0.1)), x), [xv], [0.1, 0.1, 1.0])
    check_against_numpy([x], grad(T.sum(T.abs(x)), x), [xv], [-1.0, 0.0, 1.0])


@pytest.mark.parametrize("kind", ["quicksort", "mergesort", "heapsort", "stable"])
def test_sort_gradient_follows_the_stable_order_at_ties(kind):
    x = T.dvector("x")
    weights = np.arange(1.0, 7.0)
    v = np.array([3.0, 1.0, 3.0, 3.0, 1.0, 2.0])
    g = grad(T.sum(T.sort(x, kind=kind) * weights), x)
    want = np.empty(6)
    want[np.argsort(v, kind="stable")] = weights
    check_against_numpy([x], g, [v], want)


def test_max_pool_gradient_splits_among_tied_maxima():
    x = T.dmatrix("x")
    v = np.array([[1.0, 4.0, 2.0, 2.0],
                  [4.0, 0.0, 2.0, 2.0],
                  [5.0, 0.0, 1.0, 1.0]])
    g = grad(T.sum(pool_2d(x, (2, 2), ignore_border=False)), x)
    want = np.array([[0.0, 0.5, 0.25, 0.25],
                     [0.5, 0.0, 0.25, 0.25],
                     [1.0, 0.0, 0.5, 0.5]])
    check_against_numpy([x], g, [v], want)
    # overlapping windows: each window's share adds up where windows meet
    g = grad(T.sum(pool_2d(x, (2, 2), ignore_border=True, stride=(1, 1))), x)
    want = _numpy_split_pool_grad(v, (2, 2), (1, 1))
    check_against_numpy([x], g, [v], want)


def _numpy_split_pool_grad(v, ws, stride):
    out = np.zeros_like(v)
    for r in range(0, v.shape[0] - ws[0] + 1, stride[0]):
        for c in range(0, v.shape[1] - ws[1] + 1, stride[1]):
            win = v[r:r + ws[0], c:c + ws[1]]
            hit = win == win.max()
            out[r:r + ws[0], c:c + ws[1]] += hit / hit.sum()
    return out


def test_max_pool_rop_is_the_adjoint_at_ties():
    x, u = T.dmatrix("x"), T.dmatrix("u")
    v = np.array([[2.0, 2.0], [2.0, 1.0]])
    out = pool_2d(x, (2, 2), ignore_border=True)
    uv = np.array([[1.0, 2.0], [3.0, 4.0]])
    check_against_numpy([x, u], Rop(out, x, u), [v, uv], [[(1.0 + 2.0 + 3.0) / 3]])


def test_max_pool_same_size_keeps_every_tied_maximum():
    x = T.dmatrix("x")
    v = np.array([[2.0, 2.0, 0.0, 5.0], [1.0, 2.0, 1.0, 3.0]])
    check_against_numpy([x], max_pool_2d_same_size(x, (2, 2)), [v],
                        [[2.0, 2.0, 0.0, 5.0], [0.0, 2.0, 0.0, 0.0]])


def test_gradients_away_from_ties(rng):
    v = rng.permutation(12).reshape(3, 4) * 0.37 + 0.1  # distinct values, none at a bound
    w = v[::-1].copy() + 0.05
    verify_grad(lambda a, b: T.maximum(a, b), [v, w], rng=rng)
    verify_grad(lambda a, b: T.minimum(a, b), [v, w], rng=rng)
    verify_grad(lambda a: T.max(a, axis=1), [v], rng=rng)
    verify_grad(lambda a: T.min(a, axis=0), [v], rng=rng)
    verify_grad(lambda a: T.clip(a, 1.02, 3.03), [v], rng=rng)
    verify_grad(lambda a: relu(a - 2.0), [v], rng=rng)
    verify_grad(lambda a: T.abs(a - 2.0), [v], rng=rng)
    verify_grad(lambda a: T.sort(a, axis=1), [v], rng=rng)
    verify_grad(lambda a: pool_2d(a, (2, 2), ignore_border=True, stride=(1, 1)), [v], rng=rng)
