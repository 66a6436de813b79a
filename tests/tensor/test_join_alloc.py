"""Joining, splitting, stacking, and arrays made from shapes (zeros, ones, arange, eye, tri)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad as theano
import symgrad.tensor as T
from symgrad.gradient import verify_grad
from tests.helpers import check_against_numpy, check_infer_shape


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_join(axis, rng):
    a, b = T.dmatrices("a", "b")
    c = T.fmatrix("c")
    av = rng.standard_normal((2, 3))
    bv = rng.standard_normal((2, 3))
    cv = rng.standard_normal((2, 3)).astype("float32")
    want = np.concatenate([av, bv, cv], axis=axis)
    out = T.concatenate([a, b, c], axis=axis)
    assert out.dtype == "float64"
    check_against_numpy([a, b, c], out, [av, bv, cv], want)
    check_against_numpy([a, b, c], T.join(axis, a, b, c), [av, bv, cv], want)
    check_infer_shape([a, b, c], out, [av, bv, cv])
    verify_grad(lambda x, y: T.concatenate([x, y, x], axis=axis), [av, bv], rng=rng)


def test_join_edge_shapes(rng):
    a, b = T.dmatrices("a", "b")
    r = T.drow("r")
    av, ev, rv = rng.standard_normal((2, 3)), np.zeros((0, 3)), rng.standard_normal((1, 3))
    check_against_numpy([a, b], T.concatenate([a, b]), [av, ev], np.concatenate([av, ev]))
    out = T.concatenate([r, r], axis=1)
    assert out.broadcastable == (True, False)
    check_against_numpy([r], out, [rv], np.concatenate([rv, rv], axis=1))
    verify_grad(lambda x, y: T.concatenate([x, T.addbroadcast(y, 0)]), [av, rv], rng=rng)
    assert T.concatenate([a]) is a
    with pytest.raises(TypeError, match="same number of dimensions"):
        T.concatenate([a, T.dvector()])
    with pytest.raises(Exception, match="dimension|match"):
        theano.function([a, b], T.concatenate([a, b]))(av, rng.standard_normal((2, 4)))


def test_split(rng):
    x = T.dmatrix("x")
    sizes = T.lvector("sizes")
    xv = rng.standard_normal((6, 2))
    parts = T.split(x, sizes, 3, axis=0)
    f = theano.function([x, sizes], parts)
    for got, want in zip(f(xv, [1, 0, 5]), np.split(xv, [1, 1])):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(Exception, match="add up"):
        f(xv, [1, 1, 1])
    for part in parts:
        check_infer_shape([x, sizes], part, [xv, np.array([2, 3, 1])])
    a, b = T.split(x, [1, 1], 2, axis=1)
    check_against_numpy([x], a * 2 + b, [xv], xv[:, :1] * 2 + xv[:, 1:])
    verify_grad(lambda v: T.split(v, [4, 2], 2, axis=0)[0] * 3, [xv], rng=rng)
    verify_grad(lambda v: T.concatenate(T.split(v, [1, 1], 2, axis=1)[::-1], axis=1),
                [xv], rng=rng)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(axis, rng):
    a, b = T.dmatrices("a", "b")
    av, bv = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    out = T.stack([a, b, a], axis=axis)
    check_against_numpy([a, b], out, [av, bv], np.stack([av, bv, av], axis=axis))
    verify_grad(lambda x, y: T.stack([x, y], axis=axis), [av, bv], rng=rng)


def test_stack_of_scalars_and_lists(rng):
    s, t = T.dscalars("s", "t")
    i = T.iscalar("i")
    out = T.stack([s, t, i])
    assert out.dtype == "float64" and out.ndim == 1
    check_against_numpy([s, t, i], out, [1.5, 2.0, 3], [1.5, 2.0, 3.0])
    check_against_numpy([s, t], T.stack(s, t), [1.0, 2.0], [1.0, 2.0])
    verify_grad(lambda x, y: T.stack([x, y, x]) ** 2, [np.array(1.5), np.array(-2.0)], rng=rng)
    # a nested list of variables becomes a tensor through stack
    m = T.as_tensor_variable([[s, t], [t, s]])
    check_against_numpy([s, t], m, [1.0, 2.0], [[1.0, 2.0], [2.0, 1.0]])
    x = T.dmatrix("x")
    check_against_numpy([x], T.as_tensor_variable([x.shape[1], x.shape[0]]),
                        [np.zeros((2, 5))], [5, 2])
    assert T.get_vector_length(T.stack([s, t])) == 2
    assert T.get_vector_length(x.shape) == 2
    assert T.get_vector_length(T.concatenate([x.shape, x.shape])) == 4
    assert T.get_vector_length(x.shape * 2) == 2
    assert T.get_vector_length(T.as_tensor_variable([3]) * x.shape) == 2
    assert T.get_vector_length(x.shape[1:]) == 1
    assert T.get_vector_length(x.shape[::-1]) == 2
    check_against_numpy([x], T.zeros(x.shape[1:]), [np.ones((2, 5))], np.zeros(5))
    flat_rest = x.reshape(T.concatenate([x.shape[:1], [-1]]))
    assert flat_rest.ndim == 2
    check_against_numpy([x], flat_rest, [np.ones((2, 5))], np.ones((2, 5)))


@pytest.mark.parametrize("shape", [(2, 3), (0, 4), (1,), ()], ids=str)
def test_zeros_ones_full(shape):
    for fn, ref in ((T.zeros, np.zeros), (T.ones, np.ones)):
        out = fn(shape, dtype="int32")
        assert out.broadcastable == tuple(n == 1 for n in shape)
        check_against_numpy([], out, [], ref(shape, dtype="int32"))
    check_against_numpy([], T.full(shape, 2.5), [], np.full(shape, 2.5))


def test_shape_arrays_from_symbolic_shapes(rng):
    x = T.dtensor3("x")
    n = T.lscalar("n")
    xv = rng.standard_normal((2, 1, 3))
    check_against_numpy([x], T.zeros(x.shape), [xv], np.zeros_like(xv))
    check_against_numpy([x, n], T.ones((n, x.shape[2])), [xv, 4], np.ones((4, 3)))
    check_against_numpy([n], T.zeros(n), [3], np.zeros(3))
    check_against_numpy([x], T.alloc(2.0, x.shape[0], 4), [xv], np.full((2, 4), 2.0))


@settings(max_examples=40, deadline=None)
@given(start=st.integers(-6, 6), stop=st.integers(-6, 6), step=st.integers(-3, 3).filter(bool))
def test_arange_matches_numpy(start, stop, step):
    a, b, c = T.lscalars("a", "b", "c")
    out = T.arange(a, b, c)
    assert out.dtype == "int64"
    check_against_numpy([a, b, c], out, [start, stop, step], np.arange(start, stop, step))
    check_infer_shape([a, b, c], out, [start, stop, step])


def test_arange_dtypes_and_floats():
    assert T.arange(5).dtype == "int64"
    assert T.arange(T.iscalar()).dtype == "int64"
    assert T.arange(T.dscalar(), 3).dtype == "float64"
    assert T.arange(T.fscalar(), T.iscalar()).dtype == "float64"  # int32 needs float64
    assert T.arange(T.fscalar(), 3).dtype == "float32"
    assert T.arange(5, dtype="int32").dtype == "int32"
    check_against_numpy([], T.arange(0.5, 2.0, 0.25), [], np.arange(0.5, 2.0, 0.25))
    s = T.dscalar("s")
    check_against_numpy([s], T.arange(s), [2.5], np.arange(2.5))
    check_infer_shape([s], T.arange(0.0, s, 0.5), [1.7])
    with pytest.raises(Exception, match="step"):
        theano.function([s], T.arange(0.0, 1.0, s))(0.0)


@pytest.mark.parametrize("k", [-2, 0, 1, 3])
def test_eye_tri_tril_triu(k, rng):
    n, m = T.lscalars("n", "m")
    check_against_numpy([n, m], T.eye(n, m, k), [3, 4], np.eye(3, 4, k))
    check_against_numpy([n], T.eye(n, k=k), [3], np.eye(3, k=k))
    check_against_numpy([n, m], T.tri(n, m, k, dtype="int8"), [3, 4], np.tri(3, 4, k, "int8"))
    x = T.dtensor3("x")
    xv = rng.standard_normal((2, 3, 4))
    xv[0, 2, 0] = np.inf  # masked positions give 0 even for inf, as in numpy
    check_against_numpy([x], T.tril(x, k), [xv], np.tril(xv, k))
    check_against_numpy([x], T.triu(x, k), [xv], np.triu(xv, k))
    xv[0, 2, 0] = 1.0
    verify_grad(lambda a: T.tril(a, k) + T.triu(a, k) * 2, [xv], rng=rng)
    y = T.dmatrix("y")
    check_against_numpy([y], T.identity_like(y), [np.zeros((2, 3))], np.eye(2, 3))


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(0, 3), min_size=1, max_size=3), data=st.data())
def test_join_and_stack_random_shapes(shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    lengths = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3), label="lengths")
    values = []
    for n in lengths:
        s = list(shape)
        s[axis] = n
        values.append(np.random.default_rng(n).standard_normal(s))
    xs = [T.tensor("float64", shape=(None,) * len(shape)) for _ in values]
    check_against_numpy(xs, T.concatenate(xs, axis=axis), values,
                        np.concatenate(values, axis=axis))
    same = [np.full(shape, float(k)) for k in range(len(lengths))]
    stack_axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="stack_axis")
    check_against_numpy(xs, T.stack(xs, axis=stack_axis), same, np.stack(same, axis=stack_axis))


def test_horizontal_vertical_stack_and_swapaxes(rng):
    a, b = T.dmatrices("a", "b")
    av, bv = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    check_against_numpy([a, b], T.horizontal_stack(a, b), [av, bv], np.hstack([av, bv]))
    check_against_numpy([a, b], T.vertical_stack(a, b, a), [av, bv], np.vstack([av, bv, av]))
    with pytest.raises(TypeError, match="matrices"):
        T.vertical_stack(a, T.dvector())
    x = T.dtensor3("x")
    xv = rng.standard_normal((2, 3, 4))
    check_against_numpy([x], T.swapaxes(x, 0, -1), [xv], np.swapaxes(xv, 0, -1))
    check_against_numpy([x], x.swapaxes(1, 2), [xv], np.swapaxes(xv, 1, 2))


def test_mgrid_and_ogrid():
    n = T.lscalar("n")
    dense = T.mgrid[0:3, 1:n:2]
    sparse = T.ogrid[0:3, 1:n:2]
    f = theano.function([n], dense + sparse)
    got = f(6)
    for g, want in zip(got, list(np.mgrid[0:3, 1:6:2]) + list(np.ogrid[0:3, 1:6:2])):
        np.testing.assert_array_equal(g, want)
    assert [v.broadcastable for v in sparse] == [(False, True), (True, False)]
    with pytest.raises(TypeError, match="stop"):
        T.mgrid[0:]
