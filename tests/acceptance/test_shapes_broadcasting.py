"""Theano's tutorial pages on shape information and broadcasting, written as a user writes them."""
import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T


def test_shape_info_of_an_expression():
    x = T.matrix("x")
    f = theano.function([x], (x ** 2).shape)
    out = f(np.zeros((3, 4), dtype=x.dtype))
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [3, 4])
    np.testing.assert_array_equal(f(np.zeros((0, 7), dtype=x.dtype)), [0, 7])
    text = theano.printing.debugprint(f, file="str")
    assert "x" in text  # the printed graph's exact form depends on the shape rewrites


def test_shape_of_a_join():
    x = T.matrix("x")
    y = T.matrix("y")
    z = T.join(0, x, y)
    xv = np.random.rand(5, 4).astype(x.dtype)
    yv = np.random.rand(3, 4).astype(y.dtype)
    f = theano.function([x, y], z.shape)
    np.testing.assert_array_equal(f(xv, yv), [8, 4])
    g = theano.function([x, y], z)  # do not take the shape
    with pytest.raises(Exception, match="dimension|match|size"):
        g(xv, np.random.rand(3, 3).astype(y.dtype))


def test_specifying_an_exact_shape():
    x = T.matrix()
    x_specify_shape = T.specify_shape(x, (2, 2))
    f = theano.function([x], (x_specify_shape ** 2).shape)
    np.testing.assert_array_equal(f(np.ones((2, 2), dtype=x.dtype)), [2, 2])
    with pytest.raises(Exception, match="specify_shape"):
        f(np.ones((3, 2), dtype=x.dtype))


def test_shape_entries_and_reshape():
    x = T.matrix("x")
    n_rows = x.shape[0]
    f = theano.function([x], [n_rows, x.reshape((n_rows * x.shape[1],)), x.flatten(),
                              x.T.shape])
    xv = np.arange(6, dtype=x.dtype).reshape(2, 3)
    rows, flat, flat2, tshape = f(xv)
    assert rows == 2
    np.testing.assert_array_equal(flat, np.arange(6))
    np.testing.assert_array_equal(flat2, np.arange(6))
    np.testing.assert_array_equal(tshape, [3, 2])


def test_row_broadcasts_over_a_matrix():
    r = T.row()
    assert r.broadcastable == (True, False)
    mtr = T.matrix()
    assert mtr.broadcastable == (False, False)
    f_row = theano.function([r, mtr], [r + mtr])
    R = np.arange(3).reshape(1, 3).astype(theano.config.floatX)
    M = np.arange(9).reshape(3, 3).astype(theano.config.floatX)
    (out,) = f_row(R, M)
    np.testing.assert_array_equal(out, [[0, 2, 4], [3, 5, 7], [6, 8, 10]])


def test_col_broadcasts_over_a_matrix():
    c = T.col()
    assert c.broadcastable == (False, True)
    mtr = T.matrix()
    f_col = theano.function([c, mtr], [c + mtr])
    C = np.arange(3).reshape(3, 1).astype(theano.config.floatX)
    M = np.arange(9).reshape(3, 3).astype(theano.config.floatX)
    (out,) = f_col(C, M)
    np.testing.assert_array_equal(out, [[0, 1, 2], [4, 5, 6], [8, 9, 10]])


def test_broadcasting_needs_declared_axes():
    m1, m2 = T.matrix(), T.matrix()
    f = theano.function([m1, m2], m1 + m2)
    with pytest.raises(Exception, match="broadcastable"):
        f(np.ones((1, 3), dtype=m1.dtype), np.ones((3, 3), dtype=m2.dtype))
    g = theano.function([m1, m2], T.addbroadcast(m1, 0) + m2)
    np.testing.assert_array_equal(g(np.ones((1, 3), dtype=m1.dtype), np.ones((3, 3), m2.dtype)),
                                  np.full((3, 3), 2.0))


def test_dimshuffle_and_padding_examples():
    x = T.matrix("x")
    xv = np.arange(6, dtype=x.dtype).reshape(2, 3)
    f = theano.function([x], [x.dimshuffle("x", 0, 1), x.dimshuffle(1, "x", 0),
                              T.shape_padleft(x), T.shape_padright(x), x[:, None, :]])
    shapes = [o.shape for o in f(xv)]
    assert shapes == [(1, 2, 3), (3, 1, 2), (1, 2, 3), (2, 3, 1), (2, 1, 3)]
    v = T.vector("v")
    outer = v.dimshuffle(0, "x") * v.dimshuffle("x", 0)
    np.testing.assert_array_equal(theano.function([v], outer)(np.arange(3, dtype=v.dtype)),
                                  np.outer(np.arange(3), np.arange(3)))


def test_indexing_like_numpy():
    x = T.tensor3("x")
    xv = np.arange(24, dtype=x.dtype).reshape(2, 3, 4)
    i = T.iscalar("i")
    f = theano.function([x, i], [x[i], x[-1, ::2], x[..., i], x[:, [0, 2]], x[x > 20],
                                 x[None, 0, 1:, -2]])
    got = f(xv, 1)
    want = [xv[1], xv[-1, ::2], xv[..., 1], xv[:, [0, 2]], xv[xv > 20], xv[None, 0, 1:, -2]]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_building_arrays_from_pieces():
    a, b = T.vectors("a", "b")
    av, bv = np.array([1, 2], dtype=a.dtype), np.array([3, 4], dtype=b.dtype)
    f = theano.function([a, b], [T.stack([a, b]), T.concatenate([a, b]), T.stack([a, b], axis=1),
                                 T.arange(a.shape[0]), T.zeros_like(a), T.ones((2, 2))])
    stacked, joined, pairs, idx, zeros, ones = f(av, bv)
    np.testing.assert_array_equal(stacked, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(joined, [1, 2, 3, 4])
    np.testing.assert_array_equal(pairs, [[1, 3], [2, 4]])
    np.testing.assert_array_equal(idx, [0, 1])
    np.testing.assert_array_equal(zeros, [0, 0])
    np.testing.assert_array_equal(ones, np.ones((2, 2)))


def test_updating_part_of_an_array_with_its_gradient():
    x = T.vector("x")
    y = T.set_subtensor(x[1:], x[:-1] * 2)
    z = T.inc_subtensor(x[[0, 0, 2]], 1.0)
    g = T.grad(T.sum(y ** 2), x)
    f = theano.function([x], [y, z, g])
    xv = np.array([1.0, 2.0, 3.0], dtype=x.dtype)
    y_v, z_v, g_v = f(xv)
    np.testing.assert_array_equal(y_v, [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(z_v, [3.0, 2.0, 4.0])  # the repeated index adds twice
    np.testing.assert_allclose(g_v, [2 * 1 + 8 * 1, 8 * 2, 0.0])
