"""cumsum, cumprod, diff, repeat, tile, roll, diag/diagonal, sort/argsort, argmax gradients."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad as theano
import symgrad.tensor as T
from symgrad.gradient import verify_grad
from tests.helpers import check_against_numpy, check_infer_shape


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative_ops(name, axis, rng):
    fn, ref = getattr(T.extra_ops, name), getattr(np, name)
    x = T.dtensor3("x")
    xv = rng.uniform(0.5, 1.5, size=(2, 3, 4))
    out = fn(x, axis=axis)
    check_against_numpy([x], out, [xv], ref(xv, axis=axis))
    check_infer_shape([x], out, [xv])
    verify_grad(lambda a: fn(a, axis=axis), [xv], rng=rng)
    empty = np.zeros((0, 3, 1))
    check_against_numpy([x], out, [empty], ref(empty, axis=axis))


def test_cumulative_dtypes_and_rop(rng):
    i = T.ivector("i")
    b = T.tensor("bool", shape=(None,), name="b")
    iv = np.array([1, 2, 3], "int32")
    assert T.cumsum(i).dtype == np.cumsum(iv).dtype == "int64"
    check_against_numpy([i], T.cumsum(i), [iv], np.cumsum(iv))
    check_against_numpy([i], T.cumprod(i), [iv], np.cumprod(iv))
    check_against_numpy([b], T.cumsum(b), [np.array([True, False, True])], [1, 1, 2])
    f = T.fvector("f")
    assert T.cumsum(f).dtype == "float32"
    x, v = T.dvectors("x", "v")
    xv, vv = rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)
    for out in (T.cumsum(x) ** 2, T.cumprod(x)):
        got = theano.function([x, v], T.Rop(out, x, v))(xv, vv)
        f = theano.function([x], out)
        eps = 1e-6
        np.testing.assert_allclose(got, (f(xv + eps * vv) - f(xv - eps * vv)) / (2 * eps),
                                   rtol=1e-6)


@pytest.mark.parametrize("n,axis", [(1, -1), (2, 0), (3, 1), (0, 1)])
def test_diff(n, axis, rng):
    x = T.dmatrix("x")
    xv = rng.standard_normal((4, 5))
    check_against_numpy([x], T.extra_ops.diff(x, n, axis), [xv], np.diff(xv, n, axis))
    verify_grad(lambda a: T.diff(a, n, axis), [xv], rng=rng)


@pytest.mark.parametrize("repeats,axis", [(2, None), (3, 0), (2, 1), (0, 1),
                                          (np.array([1, 0, 3]), 0), (np.array([2, 1]), 1),
                                          (np.array([1, 2, 0, 1, 1, 0]), None)], ids=str)
def test_repeat(repeats, axis, rng):
    x = T.dmatrix("x")
    xv = rng.standard_normal((3, 2))
    out = T.repeat(x, repeats, axis=axis)
    check_against_numpy([x], out, [xv], np.repeat(xv, repeats, axis=axis))
    check_infer_shape([x], out, [xv])
    verify_grad(lambda a: T.extra_ops.repeat(a, repeats, axis=axis), [xv], rng=rng)


def test_repeat_symbolic_counts(rng):
    x = T.dvector("x")
    r = T.lscalar("r")
    rs = T.lvector("rs")
    xv = rng.standard_normal(3)
    check_against_numpy([x, r], T.repeat(x, r), [xv, 2], np.repeat(xv, 2))
    check_against_numpy([x, rs], T.repeat(x, rs), [xv, np.array([0, 2, 1])],
                        np.repeat(xv, [0, 2, 1]))
    g = T.grad(T.sum(T.repeat(x, rs) ** 2), x)
    check_against_numpy([x, rs], g, [xv, np.array([0, 2, 1])], 2 * xv * [0, 2, 1])


@pytest.mark.parametrize("shape,reps", [((2, 3), (2, 1)), ((2, 3), 3), ((3,), (2, 2)),
                                        ((2, 1, 3), (1, 2, 1, 2)), ((0, 2), (2, 2)),
                                        ((2, 3), (0, 1))], ids=str)
def test_tile(shape, reps, rng):
    xv = rng.standard_normal(shape)
    x = T.tensor("float64", shape=(None,) * len(shape), name="x")
    check_against_numpy([x], T.tile(x, reps), [xv], np.tile(xv, reps))
    if xv.size:
        verify_grad(lambda a: T.tile(a, reps), [xv], rng=rng)


def test_tile_symbolic_reps(rng):
    x = T.dmatrix("x")
    r = T.lscalar("r")
    xv = rng.standard_normal((2, 3))
    check_against_numpy([x, r], T.tile(x, (r, 2)), [xv, 3], np.tile(xv, (3, 2)))


@pytest.mark.parametrize("shift,axis", [(1, None), (-2, 0), (7, 1), (0, 1), (3, -1),
                                        ((1, 2), (0, 1))], ids=str)
def test_roll(shift, axis, rng):
    x = T.dmatrix("x")
    xv = rng.standard_normal((3, 4))
    check_against_numpy([x], T.roll(x, shift, axis), [xv], np.roll(xv, shift, axis))
    verify_grad(lambda a: T.roll(a, shift, axis), [xv], rng=rng)
    s = T.lscalar("s")
    if isinstance(shift, int) and axis is not None:
        check_against_numpy([x, s], T.roll(x, s, axis), [xv, shift], np.roll(xv, shift, axis))
    empty = np.zeros((0, 4))
    check_against_numpy([x], T.roll(x, shift, axis), [empty], np.roll(empty, shift, axis))


@pytest.mark.parametrize("offset,axis1,axis2", [(0, 0, 1), (1, 0, 1), (-1, 0, 1), (5, 0, 1),
                                                (0, 1, 2), (1, 0, 2), (-1, 2, 0), (0, 2, 1)])
def test_diagonal(offset, axis1, axis2, rng):
    x = T.dtensor3("x")
    xv = rng.standard_normal((3, 4, 2))
    out = T.diagonal(x, offset, axis1, axis2)
    check_against_numpy([x], out, [xv], np.diagonal(xv, offset, axis1, axis2))
    if np.diagonal(xv, offset, axis1, axis2).size:
        verify_grad(lambda a: T.diagonal(a, offset, axis1, axis2), [xv], rng=rng)


@pytest.mark.parametrize("k", [0, 2, -1])
def test_diag(k, rng):
    v, m = T.dvector("v"), T.dmatrix("m")
    vv, mv = rng.standard_normal(3), rng.standard_normal((3, 4))
    check_against_numpy([v], T.diag(v, k), [vv], np.diag(vv, k))
    check_against_numpy([m], T.diag(m, k), [mv], np.diag(mv, k))
    check_against_numpy([v], T.diag(v, k), [np.zeros(0)], np.diag(np.zeros(0), k))
    verify_grad(lambda a: T.diag(a, k), [vv], rng=rng)
    verify_grad(lambda a: T.diag(a, k), [mv], rng=rng)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_sort_and_argsort(axis, rng):
    x = T.dmatrix("x")
    xv = rng.standard_normal((3, 4))
    check_against_numpy([x], T.sort(x, axis), [xv], np.sort(xv, axis))
    check_against_numpy([x], T.argsort(x, axis), [xv], np.argsort(xv, axis))
    check_against_numpy([x], x[T.argsort(x[:, 0])], [xv], xv[np.argsort(xv[:, 0])])
    check_infer_shape([x], T.sort(x, 0), [xv])
    verify_grad(lambda a: T.sort(a, axis) * np.arange(1.0, 13.0).reshape(
        (12,) if axis is None else (3, 4)), [xv], rng=rng)
    no_grad = T.grad(T.sum(T.argsort(x) * 1.0), x, disconnected_inputs="ignore")
    check_against_numpy([x], no_grad, [xv], np.zeros_like(xv))


def test_sort_rop(rng):
    x, v = T.dvectors("x", "v")
    xv, vv = rng.standard_normal(5), rng.standard_normal(5)
    got = theano.function([x, v], T.Rop(T.sort(x), x, v))(xv, vv)
    np.testing.assert_allclose(got, vv[np.argsort(xv)])


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.integers(-3, 3), min_size=1, max_size=8))
def test_sorting_integers_with_ties(values):
    i = T.lvector("i")
    iv = np.array(values, dtype="int64")
    got = theano.function([i], [T.sort(i), T.argsort(i, kind="stable")])(iv)
    np.testing.assert_array_equal(got[0], np.sort(iv))
    np.testing.assert_array_equal(got[1], np.argsort(iv, kind="stable"))


def test_argmax_argmin_and_max_gradient(rng):
    x = T.dmatrix("x")
    xv = rng.standard_normal((3, 4))
    for axis in (None, 0, 1):
        check_against_numpy([x], T.argmax(x, axis=axis), [xv], np.argmax(xv, axis=axis))
        check_against_numpy([x], T.argmin(x, axis=axis), [xv], np.argmin(xv, axis=axis))
    # the gradient of max goes to the position of the maximum (split equally when tied)
    g = T.grad(T.sum(T.max(x, axis=1)), x)
    want = (xv == xv.max(axis=1, keepdims=True)).astype("float64")
    check_against_numpy([x], g, [xv], want)
    tied = np.array([[1.0, 3.0, 3.0], [0.0, -1.0, 2.0]])
    check_against_numpy([x], g, [tied], [[0, 0.5, 0.5], [0, 0, 1]])
    verify_grad(lambda a: T.max(a, axis=0), [xv], rng=rng)


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(0, 3), min_size=1, max_size=3), data=st.data())
def test_repeat_tile_roll_random_shapes(shape, data):
    xv = np.arange(int(np.prod(shape)), dtype="float64").reshape(shape)
    x = T.tensor("float64", shape=(None,) * len(shape), name="x")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    counts = data.draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=shape[
        axis], max_size=shape[axis])), label="counts")
    reps = data.draw(st.lists(st.integers(0, 2), min_size=1, max_size=4), label="reps")
    shift = data.draw(st.integers(-5, 5), label="shift")
    f = theano.function([x], [T.repeat(x, np.asarray(counts, dtype="int64"), axis=axis),
                              T.tile(x, reps), T.roll(x, shift, axis), T.roll(x, shift)])
    want = [np.repeat(xv, counts, axis=axis), np.tile(xv, reps), np.roll(xv, shift, axis),
            np.roll(xv, shift)]
    for got, expected in zip(f(xv), want):
        np.testing.assert_array_equal(got, expected)


def test_nonzero_family(rng):
    x = T.dmatrix("x")
    xv = rng.integers(-1, 2, size=(3, 4)).astype("float64")
    f = theano.function([x], list(T.nonzero(x)) + [T.nonzero(x, return_matrix=True),
                                                     T.flatnonzero(x), T.nonzero_values(x)])
    rows, cols, matrix, flat, values = f(xv)
    np.testing.assert_array_equal(rows, np.nonzero(xv)[0])
    np.testing.assert_array_equal(cols, np.nonzero(xv)[1])
    np.testing.assert_array_equal(matrix, np.stack(np.nonzero(xv)))
    np.testing.assert_array_equal(flat, np.flatnonzero(xv))
    np.testing.assert_array_equal(values, xv[xv != 0])
    check_infer_shape([x], T.nonzero(x)[1], [xv])
    check_against_numpy([x], T.flatnonzero(x), [np.zeros((0, 2))], np.zeros(0, dtype="int64"))
    xv[xv == 0] = 0.5  # finite differences must not turn entries into zeros
    verify_grad(T.nonzero_values, [xv], rng=rng)


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(side, rng):
    x, v = T.dvector("x"), T.dmatrix("v")
    xv = np.array([1.0, 2.0, 2.0, 5.0])
    vv = np.array([[0.0, 2.0], [2.5, 9.0]])
    check_against_numpy([x, v], T.searchsorted(x, v, side), [xv, vv],
                        np.searchsorted(xv, vv, side))
    order = np.array([3, 0, 2, 1])
    unsorted = xv[np.argsort(order)]
    check_against_numpy([x, v], T.extra_ops.searchsorted(x, v, side, sorter=np.argsort(unsorted)),
                        [unsorted, vv], np.searchsorted(unsorted, vv, side,
                                                        sorter=np.argsort(unsorted)))


def test_bincount(rng):
    i = T.lvector("i")
    w = T.dvector("w")
    iv, wv = np.array([0, 3, 3, 1]), rng.standard_normal(4)
    check_against_numpy([i], T.bincount(i), [iv], np.bincount(iv))
    check_against_numpy([i], T.bincount(i, minlength=6), [iv], np.bincount(iv, minlength=6))
    check_against_numpy([i, w], T.bincount(i, w), [iv, wv], np.bincount(iv, wv))
    empty = np.zeros(0, dtype="int64")
    check_against_numpy([i], T.bincount(i, minlength=2), [empty], np.bincount(empty, minlength=2))
    verify_grad(lambda weights: T.bincount(iv, weights), [wv], rng=rng)


def test_to_one_hot_and_fill_diagonal(rng):
    y = T.ivector("y")
    yv = np.array([2, 0, 1], dtype="int32")
    out = T.extra_ops.to_one_hot(y, 4)
    assert out.dtype == theano.config.floatX
    check_against_numpy([y], out, [yv], np.eye(4, dtype=out.dtype)[yv])
    x = T.dmatrix("x")
    xv = rng.standard_normal((3, 5))
    for offset in (0, 2, -1, 7):
        want = xv.copy()
        rows = np.arange(max(0, min(3 + min(offset, 0), 5 - max(offset, 0))))
        want[rows + max(-offset, 0), rows + max(offset, 0)] = 4.0
        check_against_numpy([x], T.fill_diagonal_offset(x, 4.0, offset), [xv], want)
    want = xv.copy()
    np.fill_diagonal(want, -1.0)
    check_against_numpy([x], T.fill_diagonal(x, -1.0), [xv], want)
    cube = T.dtensor3("cube")
    cv = rng.standard_normal((2, 2, 2))
    want = cv.copy()
    np.fill_diagonal(want, 0.0)
    check_against_numpy([cube], T.fill_diagonal(cube, 0.0), [cv], want)
    verify_grad(lambda a, v: T.fill_diagonal(a, v), [xv, np.array(2.0)], rng=rng)
