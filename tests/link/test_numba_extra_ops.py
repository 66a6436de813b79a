"""Numba kernels for CumOp, Repeat, Split, Nonzero, SearchSorted, Sort, ArgSort and Matmul,
each against the Python VM on the same graph (values, dtype, shape, inputs untouched)."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.errors import NodeRuntimeError
from symgrad.tensor.basic import Split
from symgrad.tensor.extra_ops import CumOp, LinearRecurrence, Repeat, SearchSorted
from symgrad.tensor.products import Matmul
from symgrad.tensor.sort import ArgSort, Sort
from symgrad.tensor.type import TensorType

NUMBA = Mode("numba", None, "numba-noopt")
PY = Mode("py", None, "py-noopt")
ERRORS = (NodeRuntimeError, ValueError, IndexError)


def compile_both(inputs, outputs):
    """The graph on the Python VM and under numba (which must really be numba)."""
    f_py = theano.function(inputs, outputs, mode=PY, on_unused_input="ignore")
    f_nb = theano.function(inputs, outputs, mode=NUMBA, on_unused_input="ignore")
    assert hasattr(f_nb.maker.runner, "source"), "the graph fell back to the Python VM"
    return f_py, f_nb


def agree(fs, *values, rtol=0.0):
    """Both runs give the same values (exactly unless rtol), dtypes and shapes; the input
    arrays stay as they were."""
    f_py, f_nb = fs
    copies = [np.array(v, copy=True) for v in values]
    got, want = f_nb(*values), f_py(*values)
    for v, c in zip(values, copies):
        np.testing.assert_array_equal(v, c, err_msg="an input was modified")
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
        if rtol:
            np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol)
        else:
            np.testing.assert_array_equal(g, w)
    return got


def both_fail(fs, *values):
    for f in fs:
        with pytest.raises(ERRORS):
            f(*values)


def tensor(dtype, ndim, name="x"):
    return TensorType(dtype, (False,) * ndim)(name)


# --- CumOp --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32", "int8", "uint16", "bool", "complex128"])
def test_cumsum_cumprod_every_axis_and_flattened(dtype, rng):
    x = tensor(dtype, 3)
    outs = [CumOp(axis, mode)(x) for mode in ("add", "mul") for axis in (None, 0, 1, 2)]
    fs = compile_both([x], outs)
    for shape in [(2, 3, 4), (1, 5, 1), (0, 3, 2), (3, 0, 2)]:
        v = (rng.normal(size=shape) * 3).astype(dtype) if dtype != "bool" else \
            rng.normal(size=shape) > 0
        if dtype == "complex128":
            v = v + 1j * rng.normal(size=shape)
        # complex products may round differently (fused multiply-add); the rest is exact
        tol = 1e-12 if dtype.startswith("complex") else 0.0
        agree(fs, v, rtol=tol)
        agree(fs, np.swapaxes(np.asarray(v), 0, 2).copy().swapaxes(0, 2)[:, ::-1], rtol=tol)


def test_cumop_on_vectors_scalars_and_special_values():
    v, s = T.dvector("v"), T.dscalar("s")
    fs = compile_both([v, s], [T.cumsum(v), T.cumprod(v), T.cumsum(s), T.cumprod(s, axis=None),
                               T.cumsum(v, axis=-1)])
    agree(fs, np.array([1.0, np.nan, 2.0, np.inf, -np.inf]), 3.5)
    agree(fs, np.zeros(0), -0.0)
    agree(fs, np.array([1e308, 1e308, -1e308]), 2.0)


def test_cumsum_of_integers_wraps_like_numpy():
    i = tensor("int64", 1, "i")
    fs = compile_both([i], [T.cumsum(i), T.cumprod(i)])
    agree(fs, np.array([2 ** 62, 2 ** 62, 2 ** 62, 3], dtype=np.int64))


# --- Repeat and Split -------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_repeat_by_scalar_and_by_vector(axis, rng):
    x, k, r = T.dtensor3("x"), T.lscalar("k"), T.lvector("r")
    fs = compile_both([x, k, r], [Repeat(axis)(x, k), Repeat(axis)(x, r)])
    xv = rng.normal(size=(2, 3, 4))
    n = xv.shape[axis]
    agree(fs, xv, 3, rng.integers(0, 4, size=n))
    agree(fs, xv, 0, np.zeros(n, dtype=np.int64))
    agree(fs, xv, 1, np.array([2]))  # one count for every entry, as numpy allows
    agree(fs, xv.transpose(2, 1, 0).copy().transpose(2, 1, 0)[::-1], 2, np.arange(n))
    empty = np.zeros((0, 3, 4)).swapaxes(0, axis)
    agree(fs, empty, 2, np.zeros(0, dtype=np.int64))
    both_fail(fs, xv, -1, np.ones(n, dtype=np.int64))
    both_fail(fs, xv, 1, -np.ones(n, dtype=np.int64))
    both_fail(fs, xv, 1, np.ones(n + 1, dtype=np.int64))


def test_repeat_function_flattens_and_keeps_integer_dtypes():
    x = T.imatrix("x")
    fs = compile_both([x], [T.repeat(x, 2), T.repeat(x, [1, 0, 2], axis=-1)])
    agree(fs, np.arange(6, dtype=np.int32).reshape(2, 3))


@pytest.mark.parametrize("axis", [0, 1])
def test_split_into_pieces(axis, rng):
    x, s = T.dmatrix("x"), T.lvector("s")
    pieces = Split(3, axis)(x, s)
    whole = Split(1, axis)(x, s[:1])  # one piece: the kernel returns an array, not a tuple
    fs = compile_both([x, s], pieces + [whole, pieces[1] * 2.0])
    xv = rng.normal(size=(5, 6))
    n = xv.shape[axis]
    agree(fs, xv, np.array([n, 0, 0]))
    agree(fs, xv[::-1, ::-1], np.array([n, 0, 0]))
    fs = compile_both([x, s], pieces + [pieces[1] * 2.0])
    agree(fs, xv, np.array([1, n - 3, 2]))
    strided = np.asfortranarray(rng.normal(size=(10, 12)))[::2, ::2][:5, :6]
    agree(fs, strided, np.array([0, 2, n - 2]))
    agree(fs, np.zeros((0, 6)) if axis == 0 else np.zeros((5, 0)), np.array([0, 0, 0]))
    both_fail(fs, xv, np.array([1, 1, n]))
    both_fail(fs, xv, np.array([n + 1, -1, 0]))
    both_fail(fs, xv, np.array([n, 0]))


def test_split_results_are_not_views_of_the_input(rng):
    x, s = T.dvector("x"), T.lvector("s")
    f = theano.function([x, s], Split(2, 0)(x, s), mode=NUMBA)
    xv = rng.normal(size=5)
    a, b = f(xv, np.array([2, 3]))
    a[...] = 0
    b[...] = 0
    assert np.all(xv != 0)


# --- Nonzero and SearchSorted -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "int16", "bool", "complex64"])
def test_nonzero_of_vectors_and_matrices(dtype, rng):
    v, m = tensor(dtype, 1, "v"), tensor(dtype, 3, "m")
    fs = compile_both([v, m], [*T.nonzero(v), *T.nonzero(m), T.flatnonzero(m)])
    mv = (rng.integers(0, 3, size=(3, 4, 2)) * rng.integers(0, 2, size=(3, 4, 2))).astype(dtype)
    agree(fs, mv[0, :, 0], mv)
    agree(fs, np.zeros(0, dtype=dtype), mv.transpose(2, 0, 1)[::-1])
    agree(fs, np.ones(3, dtype=dtype), np.zeros((2, 0, 3), dtype=dtype))
    f = compile_both([v], list(T.nonzero(v)))
    special = np.array([0.0, -0.0, np.nan, np.inf]).astype("float64")
    if dtype == "float64":
        agree(f, special)


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_with_and_without_sorter(side, rng):
    x, v, s = T.dvector("x"), T.dmatrix("v"), T.dscalar("s")
    shuffled, sorter = T.dvector("shuffled"), T.lvector("sorter")
    outs = [T.searchsorted(x, v, side), T.searchsorted(x, s, side),
            SearchSorted(side)(shuffled, v, sorter)]
    fs = compile_both([x, v, s, shuffled, sorter], outs)
    xv = np.sort(np.round(rng.normal(size=9), 1))
    xv[3] = xv[4]  # ties: left and right differ
    vv = np.round(rng.normal(size=(3, 4)), 1)
    vv[0, :3] = [xv[4], np.nan, -np.inf]
    order = rng.permutation(9)
    agree(fs, xv, vv, xv[4], xv[order], np.argsort(xv[order], kind="stable"))
    with_nan = np.append(xv, [np.nan, np.nan])
    agree(fs, with_nan, vv.T, np.nan, with_nan[::-1], np.arange(11)[::-1].copy())
    agree(fs, np.zeros(0), np.zeros((2, 0)), 1.0, np.zeros(0), np.zeros(0, dtype=np.int64))
    both_fail(fs, xv, vv, 0.0, xv, np.arange(8))
    both_fail(fs, xv, vv, 0.0, xv, np.arange(9) + 1)


def test_searchsorted_mixed_dtypes_compare_in_the_common_dtype():
    x, v = tensor("int64", 1, "x"), tensor("float32", 1, "v")
    u, w = tensor("uint8", 1, "u"), tensor("int8", 1, "w")
    fs = compile_both([x, v, u, w], [T.searchsorted(x, v), T.searchsorted(u, w, "right"),
                                     T.searchsorted(w, u)])
    agree(fs, np.array([-3, 0, 2, 2, 7]), np.array([2.0, 2.5, -10, np.nan], dtype=np.float32),
          np.array([0, 5, 200, 255], dtype=np.uint8), np.array([-1, 5, 127, 0], dtype=np.int8))


# --- Sort and ArgSort ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["quicksort", "mergesort", "heapsort", "stable"])
def test_sort_and_argsort_every_axis(kind, rng):
    x = T.dtensor3("x")
    outs = [op(axis, kind)(x) for op in (Sort, ArgSort) for axis in range(3)]
    outs += [T.sort(x, axis=None, kind=kind), T.argsort(x, axis=None, kind=kind)]
    fs = compile_both([x], outs)
    # distinct values: every kind gives the same positions
    agree(fs, rng.permutation(60).reshape(3, 4, 5) + 0.5)
    agree(fs, rng.permutation(60).reshape(5, 4, 3).transpose(2, 1, 0)[:, ::-1])
    agree(fs, np.zeros((2, 0, 3)))
    if kind in ("mergesort", "stable"):  # ties, NaN and infinities in numpy's stable order
        v = rng.integers(0, 3, size=(3, 4, 5)).astype(float)
        v[0, 0, :3] = [np.nan, -np.inf, np.nan]
        v[1, 2, 2:] = [np.inf, -0.0, 0.0]
        agree(fs, v)


@pytest.mark.parametrize("dtype", ["int8", "uint32", "bool", "float32", "complex128"])
def test_sort_of_other_dtypes(dtype, rng):
    x = tensor(dtype, 2)
    # values sorted by any kind agree; positions of ties only for the stable kinds
    fs = compile_both([x], [T.sort(x, 0, "stable"), T.argsort(x, -1, "stable"),
                            T.argsort(x, 0, "mergesort"), T.sort(x, 1, "quicksort"),
                            T.sort(x, 0, "heapsort")])
    v = rng.integers(0, 4, size=(6, 7)).astype(dtype)
    if dtype == "complex128":
        v = v + 1j * rng.integers(0, 2, size=v.shape)
        v[0, :4] = [complex(np.nan, 0), complex(0, np.nan), complex(np.nan, np.nan), 1]
    if dtype == "float32":
        v[0, :3] = [np.nan, -np.inf, np.nan]
    agree(fs, v)


# --- Matmul ---------------------------------------------------------------------------------
def _batch(dtype, bcast):
    return TensorType(dtype, bcast)()


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128"])
def test_matmul_batches_broadcast_and_numpy_vector_rules(dtype, rng):
    a, b = T.tensor3("a", dtype=dtype), T.tensor3("b", dtype=dtype)
    row = _batch(dtype, (True, False, False))
    v = T.vector("v", dtype=dtype)
    outs = [Matmul()(a, b), Matmul()(row, b), T.matmul(v, b), T.matmul(a, v), T.matmul(b, a)]
    fs = compile_both([a, b, row, v], outs)
    tol = 1e-5 if dtype == "float32" else 1e-12

    def val(*shape):
        out = rng.normal(size=shape)
        return (out + 1j * rng.normal(size=shape) if dtype.startswith("complex") else out) \
            .astype(dtype)

    agree(fs, val(2, 3, 4), val(2, 4, 3), val(1, 3, 4), val(4), rtol=tol)
    agree(fs, val(2, 4, 3).transpose(0, 2, 1), val(2, 3, 4)[:, ::-1, :].transpose(0, 2, 1),
          val(1, 4, 3).transpose(0, 2, 1), val(8)[::2], rtol=tol)
    agree(fs, val(2, 0, 3), val(2, 3, 0), val(1, 0, 3), val(3), rtol=tol)
    agree(fs, val(2, 3, 0), val(2, 0, 3), val(1, 3, 0), val(0), rtol=tol)
    both_fail(fs, val(2, 3, 4), val(3, 4, 3), val(1, 3, 4), val(4))
    both_fail(fs, val(2, 3, 4), val(2, 5, 3), val(1, 3, 4), val(4))


def test_matmul_batch_axis_stretches_only_where_declared(rng):
    a = _batch("float64", (False, True, False, False))
    b = _batch("float64", (True, False, False, False))
    fs = compile_both([a, b], [Matmul()(a, b)])
    agree(fs, rng.normal(size=(3, 1, 2, 4)), rng.normal(size=(1, 5, 4, 2)), rtol=1e-12)
    agree(fs, rng.normal(size=(0, 1, 2, 4)), rng.normal(size=(1, 5, 4, 2)), rtol=1e-12)
    a, b = T.dtensor3("a"), T.dtensor3("b")
    both_fail(compile_both([a, b], [Matmul()(a, b)]), np.zeros((1, 2, 3)), np.zeros((4, 3, 2)))


@pytest.mark.parametrize("dtypes", [("int64", "int64"), ("int8", "int8"), ("uint8", "uint8"),
                                    ("bool", "bool"), ("int32", "float32"),
                                    ("uint64", "int64"), ("int16", "uint16")])
def test_matmul_integer_bool_and_mixed_dtypes(dtypes, rng):
    a, b = tensor(dtypes[0], 3, "a"), tensor(dtypes[1], 3, "b")
    fs = compile_both([a, b], [Matmul()(a, b)])
    av = rng.integers(0, 100, size=(2, 3, 5)).astype(dtypes[0])
    bv = rng.integers(0, 100, size=(2, 5, 4)).astype(dtypes[1])
    agree(fs, av, bv, rtol=1e-6 if "float32" in dtypes else 0.0)
    agree(fs, av[:, :, :0], bv[:, :0])


# --- LinearRecurrence (cumprod's gradient) ------------------------------------------------
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float32"),
                                    ("float32", "float64")])
def test_linear_recurrence_both_directions_every_axis(dtypes, rng):
    a, b = tensor(dtypes[0], 3, "a"), tensor(dtypes[1], 3, "b")
    outs = [LinearRecurrence(axis, reverse)(a, b) for axis in range(3) for reverse in (0, 1)]
    fs = compile_both([a, b], outs)
    tol = 1e-5 if "float32" in dtypes else 1e-13  # a fused multiply-add may round once less
    for shape in [(2, 3, 4), (1, 1, 5), (0, 2, 3), (3, 0, 1)]:
        av, bv = rng.normal(size=shape).astype(dtypes[0]), rng.normal(size=shape)
        if av.size:
            av.reshape(-1)[::3] = 0.0
        agree(fs, av, bv.astype(dtypes[1]), rtol=tol)
    agree(fs, av.transpose(2, 1, 0).copy().transpose(2, 1, 0)[::-1],
          bv.astype(dtypes[1])[:, ::-1], rtol=tol)
    both_fail(fs, np.ones((2, 3, 4), dtypes[0]), np.ones((2, 3, 5), dtypes[1]))


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_cumprod_gradient_with_zeros_under_numba(axis, rng):
    x = T.dmatrix("x")
    cost = T.sum(T.cumprod(x, axis=axis) * np.arange(1.0, 13.0).reshape(
        (3, 4) if axis is not None else (12,)))
    fs = compile_both([x], [T.grad(cost, x)])
    xv = rng.normal(size=(3, 4))
    xv[0, 1] = xv[2, 2] = xv[2, 3] = 0.0
    got = agree(fs, xv, rtol=1e-13)
    assert np.all(np.isfinite(got[0]))
