"""Indexing against numpy: basic and advanced reads, writes, gradients and inferred shapes."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symgrad as theano
import symgrad.tensor as T
from symgrad.gradient import verify_grad
from tests.helpers import check_against_numpy, check_infer_shape

E = Ellipsis
BASIC_KEYS = [
    0, -1, (1, 2), (slice(1, None),), (slice(None, None, -1),), (slice(-3, -1), 0),
    (slice(None), slice(None, None, 2), -2), (None, 1), (E, 0), (0, E), (E, None, 1),
    (slice(1, 2), None, slice(None), 3), (slice(5, 1),), (slice(0, 0), slice(None)),
    (-1, -1, -1), (E,), (slice(None, None, -2), None, slice(3, 0, -1)),
]
ADVANCED_KEYS = [
    [0, 0, 2], ([2, 0],), (slice(None), [1, 1, 3]), ([0, 2], [1, 3]), ([0, 2], slice(None), [1, 4]),
    (0, slice(None), [1, 4]), (slice(1, None), [[0, 1], [2, 3]]), ([[1], [2]], [0, 3]),
    (E, [4, 0]), (None, [1, 2]), ([1, 2], None, 0), (np.array([], dtype="int64"),),
    ([-1, -2], -1),
]


def _sample(rng, shape=(3, 4, 5)):
    return rng.standard_normal(shape)


def _check_type_matches(var, value):
    assert var.type.ndim == np.ndim(value)
    for flag, n in zip(var.type.broadcastable, np.shape(value)):
        assert not flag or n == 1, f"declared broadcastable axis has length {n}"


@pytest.mark.parametrize("key", BASIC_KEYS + ADVANCED_KEYS, ids=repr)
def test_constant_keys_match_numpy(key, rng):
    x = T.dtensor3("x")
    xv = _sample(rng)
    out = x[key]
    expected = xv[key]
    _check_type_matches(out, expected)
    check_against_numpy([x], out, [xv], expected)
    check_infer_shape([x], out, [xv])


@pytest.mark.parametrize("key", [k for k in BASIC_KEYS + ADVANCED_KEYS
                                 if np.zeros((3, 4, 5))[k].size], ids=repr)
def test_reading_gradients(key, rng):
    verify_grad(lambda a: a[key], [_sample(rng)], rng=rng)


def test_boolean_masks(rng):
    x = T.dmatrix("x")
    xv = rng.standard_normal((4, 3))
    check_against_numpy([x], x[x > 0], [xv], xv[xv > 0])
    check_against_numpy([x], x[:, xv[0] > 0], [xv], xv[:, xv[0] > 0])
    check_infer_shape([x], x[x > 0], [xv])
    check_infer_shape([x], x[None, 1:, xv[0] > 0], [xv])
    m = T.bvector("m")  # an integer vector is an index array, a bool vector a mask
    check_against_numpy([x], x[T.cast(x[:, 0] > 0, "bool")], [xv], xv[xv[:, 0] > 0])
    assert x[m].type.ndim == 2
    verify_grad(lambda a: a[xv > 0], [xv], rng=rng)
    verify_grad(lambda a: a[1:, np.array([True, False, True])], [xv], rng=rng)


def test_symbolic_scalar_indices(rng):
    x = T.dmatrix("x")
    i, j = T.lscalars("i", "j")
    k = T.iscalar("k")
    xv = rng.standard_normal((4, 3))
    f = theano.function([x, i, j, k], [x[i], x[i, j], x[-i], x[i:j], x[::j], x[:, i],
                                       x[[i, j, k]], x[k:, [j]]])
    want = [xv[2], xv[2, 1], xv[-2], xv[2:1], xv[::1], xv[:, 2], xv[[2, 1, 0]], xv[0:, [1]]]
    for got, expected in zip(f(xv, 2, 1, 0), want):
        np.testing.assert_array_equal(got, expected)
    shared = theano.shared(xv)
    np.testing.assert_array_equal(theano.function([i], shared[i, ::-1])(3), xv[3, ::-1])
    c = T.constant(np.arange(5))
    np.testing.assert_array_equal(theano.function([i], c[i:])(2), np.arange(2, 5))
    out = T.inc_subtensor(x[i], 1.0, set_instead_of_inc=True)
    np.testing.assert_array_equal(theano.function([x, i], out)(xv, 0)[0], np.ones(3))
    with pytest.raises(Exception, match="out of bounds|index"):
        f(xv, 7, 1, 0)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 6), start=st.one_of(st.none(), st.integers(-8, 8)),
       stop=st.one_of(st.none(), st.integers(-8, 8)),
       step=st.one_of(st.none(), st.integers(-3, 3).filter(bool)))
def test_symbolic_slices_and_their_length(n, start, stop, step):
    v = T.dvector("v")
    a, b, c = T.lscalars("a", "b", "c")
    key = slice(None if start is None else a, None if stop is None else b,
                None if step is None else c)
    out = v[key]
    values = [np.arange(n, dtype="float64"), start or 0, stop or 0, step or 1]
    f = theano.function([v, a, b, c], out, on_unused_input="ignore")
    want = values[0][slice(start, stop, step)]
    np.testing.assert_array_equal(f(*values), want)
    check_infer_shape([v, a, b, c], out, values)


def test_shape_entries_and_broadcastable_axes(rng):
    x = T.dmatrix("x")
    r = T.drow("r")
    xv, rv = rng.standard_normal((2, 5)), rng.standard_normal((1, 5))
    check_against_numpy([x], x.shape[0], [xv], 2)
    check_against_numpy([x], x.shape[-1], [xv], 5)
    check_against_numpy([x], x.shape[::-1], [xv], [5, 2])
    assert r[:, 1:].broadcastable == (True, False)
    assert r[0:1].broadcastable == (True, False)
    assert r[1:].broadcastable == (False, False)  # may be empty
    check_against_numpy([r], r[0], [rv], rv[0])
    check_against_numpy([r], r[:, 1:][:, None], [rv], rv[:, 1:][:, None])


def test_empty_lists_and_float32_literals(rng):
    x = T.fmatrix("x")
    xv = rng.standard_normal((3, 2)).astype("float32")
    check_against_numpy([x], x[[]], [xv], xv[[]])
    want = xv.copy()
    want[0] = 0.5
    out = T.set_subtensor(x[0], 0.5)  # a float64 literal that float32 holds exactly
    assert out.dtype == "float32"
    check_against_numpy([x], out, [xv], want)
    with pytest.raises(TypeError, match="lose precision"):
        T.set_subtensor(x[0], T.dscalar())


def test_index_errors():
    x = T.dmatrix("x")
    with pytest.raises(TypeError, match="set_subtensor"):
        x[0] = 1.0
    with pytest.raises(TypeError, match="shape"):
        len(x)
    with pytest.raises(IndexError):
        x[0, 0, 0]
    with pytest.raises(IndexError):
        x[np.zeros((2, 2, 2), dtype=bool)]
    with pytest.raises(IndexError):
        x[..., 0, ...]
    with pytest.raises(TypeError):
        x[T.dscalar()]
    with pytest.raises(TypeError):
        x[1.5]


@pytest.mark.parametrize("key", [(1,), (slice(1, None), 0), (E, None, -1), ([0, 2, 0],),
                                 (slice(None), [3, 1, 3]), ([0, 0], [1, 1]),
                                 (slice(None), np.array([True, False, True, True]))],
                         ids=repr)
def test_set_and_inc_subtensor(key, rng):
    x = T.dmatrix("x")
    xv = rng.standard_normal((3, 4))
    yv = rng.standard_normal(xv[key].shape)
    y = T.tensor("float64", shape=(None,) * yv.ndim, name="y")
    set_want = xv.copy()
    set_want[key] = yv
    inc_want = xv.copy()
    np.add.at(inc_want, key, yv)  # repeated positions accumulate
    check_against_numpy([x, y], T.set_subtensor(x[key], y), [xv, yv], set_want)
    check_against_numpy([x, y], T.inc_subtensor(x[key], y), [xv, yv], inc_want)
    check_infer_shape([x, y], T.inc_subtensor(x[key], y), [xv, yv])
    verify_grad(lambda a, b: T.inc_subtensor(a[key], b), [xv, yv], rng=rng)
    # with a repeated position the last write survives, and only it gets a gradient
    verify_grad(lambda a, b: T.set_subtensor(a[key], b), [xv, yv], rng=rng)


def test_writing_the_whole_array(rng):
    x = T.dmatrix("x")
    y = T.drow("y")
    xv, yv = rng.standard_normal((3, 2)), rng.standard_normal((1, 2))
    check_against_numpy([x, y], T.set_subtensor(x[:], y), [xv, yv], np.broadcast_to(yv, (3, 2)))
    check_against_numpy([x, y], T.inc_subtensor(x[...], y), [xv, yv], xv + yv)
    verify_grad(lambda a, b: T.set_subtensor(a[:], b), [xv, yv[0]], rng=rng)


def test_writes_broadcast_the_value(rng):
    x = T.dmatrix("x")
    s = T.dscalar("s")
    xv = rng.standard_normal((3, 4))
    want = xv.copy()
    want[:, 1:3] = 7.0
    check_against_numpy([x, s], T.set_subtensor(x[:, 1:3], s), [xv, 7.0], want)
    want = xv.copy()
    want[[0, 2]] += np.arange(4.0)
    row = T.dvector("row")
    check_against_numpy([x, row], T.inc_subtensor(x[[0, 2]], row), [xv, np.arange(4.0)], want)
    verify_grad(lambda a, b: T.inc_subtensor(a[[0, 2, 0]], b), [xv, np.arange(4.0)], rng=rng)
    verify_grad(lambda a, b: T.set_subtensor(a[1:, 2], b), [xv, np.array(3.0)], rng=rng)
    verify_grad(lambda a, b: T.set_subtensor(a[[2, 0, 2]], b), [xv, np.arange(4.0)], rng=rng)
    w = T.dmatrix("w")
    g = T.grad(T.sum(T.set_subtensor(x[[1, 1]], w) * 2), w)
    check_against_numpy([x, w], g, [xv, np.ones((2, 4))], [[0.0] * 4, [2.0] * 4])


def test_write_errors(rng):
    x = T.dmatrix("x")
    m = T.dmatrix("m")
    f = theano.function([x, m], T.inc_subtensor(x[[0, 1, 2]], m))
    with pytest.raises(Exception, match="not declared broadcastable"):
        f(rng.standard_normal((3, 4)), rng.standard_normal((1, 4)))
    r = T.drow("r")
    g = theano.function([x, r], T.inc_subtensor(x[[0, 1, 2]], r))
    np.testing.assert_allclose(g(np.zeros((3, 4)), np.ones((1, 4))), np.ones((3, 4)))
    with pytest.raises(TypeError, match="result of indexing"):
        T.set_subtensor(x, 1.0)
    with pytest.raises(TypeError, match="lose precision"):
        T.inc_subtensor(T.imatrix()[0], T.dvector())
    with pytest.raises(TypeError, match="cannot write"):
        T.set_subtensor(x[0], T.dmatrix())


def test_take(rng):
    x = T.dtensor3("x")
    xv = rng.standard_normal((3, 4, 5))
    idx = np.array([[0, 2], [1, 1]])
    for axis in (None, 0, 1, -1):
        check_against_numpy([x], T.take(x, idx, axis=axis), [xv], np.take(xv, idx, axis=axis))
    wild = np.array([-7, 9, 4])
    for mode in ("wrap", "clip"):
        check_against_numpy([x], x.take(wild, axis=2, mode=mode), [xv],
                            np.take(xv, wild, axis=2, mode=mode))
    check_against_numpy([x], T.take(x, 2, axis=1), [xv], np.take(xv, 2, axis=1))
    verify_grad(lambda a: T.take(a, idx, axis=1), [xv], rng=rng)


def test_integer_arrays_are_indexed_without_gradient(rng):
    i = T.imatrix("i")
    iv = rng.integers(0, 9, size=(3, 4)).astype("int32")
    check_against_numpy([i], i[1:, [0, 0]], [iv], iv[1:, [0, 0]])
    check_against_numpy([i], T.set_subtensor(i[0], 5), [iv],
                        np.concatenate([np.full((1, 4), 5), iv[1:]]).astype("int32"))


def test_rop_of_indexing(rng):
    x = T.dvector("x")
    v = T.dvector("v")
    xv, vv = rng.standard_normal(5), rng.standard_normal(5)
    for out in (x[1:4] * 2, x[[0, 0, 3]] ** 2, T.set_subtensor(x[2:], x[:3])):
        jv = T.Rop(out, x, v)
        got = theano.function([x, v], jv, on_unused_input="ignore")(xv, vv)
        f = theano.function([x], out)
        eps = 1e-6
        np.testing.assert_allclose(got, (f(xv + eps * vv) - f(xv - eps * vv)) / (2 * eps),
                                   rtol=1e-6, atol=1e-8)


def _draw_key(data, shape) -> tuple:
    key = []
    for n in shape:
        kind = data.draw(st.sampled_from(["int", "slice", "array", "none", "skip"]))
        if kind == "int":
            key.append(data.draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            key.append(slice(data.draw(st.integers(-5, 5)), data.draw(st.integers(-5, 5)),
                             data.draw(st.sampled_from([None, 1, 2, -1]))))
        elif kind == "array":
            key.append(np.array(data.draw(st.lists(st.integers(-n, n - 1), max_size=3)),
                                dtype="int64"))
        elif kind == "none":
            key.extend([None, slice(None)])
        else:
            key.append(slice(None))
    return tuple(key)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_random_mixed_keys_match_numpy(data):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3), label="shape")
    xv = np.arange(np.prod(shape), dtype="float64").reshape(shape)
    key = _draw_key(data, shape)
    x = T.tensor("float64", shape=(None,) * len(shape), name="x")
    try:
        expected = xv[key]
    except IndexError:  # numpy refuses some combinations (e.g. arrays that do not broadcast)
        return
    out = x[key]
    _check_type_matches(out, expected)
    got = theano.function([x], out)(xv)
    np.testing.assert_array_equal(got, expected)
    check_infer_shape([x], out, [xv])


def test_printed_forms():
    x = T.dmatrix("x")
    i = T.lscalar("i")
    assert theano.pp(x[1:3, i]) == "x[1:3, i]"
    assert theano.pp(x[::-1, None, -1]) == "x[::-1, None, -1]"
    assert theano.pp(x[..., i:]) == "x[:, i:]"
    assert theano.pp(T.set_subtensor(x[i], 0.0)) == "set_subtensor(x[i], 0.0)"
    assert theano.pp(T.inc_subtensor(x[:, 0], 1.0)) == "inc_subtensor(x[:, 0], 1.0)"
    assert theano.pp(x.shape[0]) == "shape(x)[0]"
    assert theano.pp(x.reshape((i, -1))) == "reshape(x, [i, -1])"
    assert theano.pp(T.concatenate([x, x], axis=1)) == "join(1, x, x)"


def test_functions_with_indexing_pickle(rng):
    import pickle

    x = T.dmatrix("x")
    i = T.lscalar("i")
    outs = [x[i:, [0, 0]], T.set_subtensor(x[x > 0], 0.0), T.inc_subtensor(x[:, i], 1.0)]
    f = theano.function([x, i], outs)
    g = pickle.loads(pickle.dumps(f))
    xv = rng.standard_normal((3, 2))
    for a, b in zip(f(xv, 1), g(xv, 1)):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_random_writes_match_numpy(data):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3), label="shape")
    xv = np.arange(np.prod(shape), dtype="float64").reshape(shape)
    key = _draw_key(data, shape)
    try:
        target = xv[key]
    except IndexError:
        return
    yv = np.random.default_rng(0).standard_normal(target.shape)
    x = T.tensor("float64", shape=(None,) * len(shape), name="x")
    y = T.tensor("float64", shape=(None,) * yv.ndim, name="y")
    set_want, inc_want = xv.copy(), xv.copy()
    set_want[key] = yv
    np.add.at(inc_want, key, yv)
    f = theano.function([x, y], [T.set_subtensor(x[key], y), T.inc_subtensor(x[key], y)])
    got_set, got_inc = f(xv, yv)
    np.testing.assert_array_equal(got_set, set_want)
    np.testing.assert_allclose(got_inc, inc_want)
