"""Kernels shared between graphs (one module per kernel), and the C-contiguous views
DimShuffle's kernel makes so that loops over a broadcast operand vectorise."""
from __future__ import annotations

import numpy as np
import pytest
from numba import njit

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile.mode import Mode
from symgrad.link.numba import cache
from symgrad.link.numba.arrayviews import strided_view

NUMBA = Mode("numba", None, "numba-noopt")


def _kernel_dispatchers(f) -> dict:
    module = f._runner.module
    return {name: getattr(module, name) for name in vars(module) if name.startswith("k_")}


def test_two_graphs_share_one_compiled_kernel():
    x = T.dmatrix("x")
    y = T.dmatrix("y")
    f = theano.function([x], T.exp(x) * 2.0, mode=NUMBA)
    g = theano.function([x, y], [T.exp(x) * 2.0, T.tanh(y)], mode=NUMBA)
    v = np.arange(6.0).reshape(2, 3) / 10
    np.testing.assert_allclose(f(v), np.exp(v) * 2.0)
    got = g(v, v)
    np.testing.assert_allclose(got[0], np.exp(v) * 2.0)
    np.testing.assert_allclose(got[1], np.tanh(v))
    mine, theirs = _kernel_dispatchers(f), _kernel_dispatchers(g)
    common = set(mine) & set(theirs)
    assert common, (mine, theirs)
    for name in common:  # the same dispatcher object: compiled once for both graphs
        assert mine[name] is theirs[name]
        assert mine[name].__module__.startswith("symgrad_numba_k_")
    assert len(theirs) == len(mine) + 1


def test_a_shared_kernel_module_is_written_by_content():
    x = T.dvector("x")
    f = theano.function([x], T.sin(x) + 1.0, mode=NUMBA)
    np.testing.assert_allclose(f(np.ones(3)), np.sin(1.0) + 1.0)
    for kernel in _kernel_dispatchers(f).values():
        path = kernel.py_func.__code__.co_filename
        with open(path, encoding="utf-8") as file:
            text = file.read()
        assert cache.module_name(text, "k") == kernel.__module__


@njit
def _in_order(a):
    return strided_view(a, (1, a.shape[0]), (0, a.strides[0]), True)


@njit
def _not_in_order(a):
    return strided_view(a, (1, a.shape[0]), (0, a.strides[0]), False)


@njit
def _row_view(a):
    return strided_view(a, (a.shape[0], 1, a.shape[1]), (a.strides[0], 0, a.strides[1]), True)


def _layouts(dispatcher) -> dict:
    return {sig.args[0].layout: dispatcher.overloads[tuple(sig.args)].signature.return_type.layout
            for sig in dispatcher.nopython_signatures}


def test_strided_view_is_typed_contiguous_only_for_a_contiguous_input_in_order():
    b = np.arange(5.0)
    for view in (_in_order, _not_in_order):
        np.testing.assert_array_equal(view(b), b[None, :])
        np.testing.assert_array_equal(view(b[::2]), b[::2][None, :])
    assert _layouts(_in_order) == {"C": "C", "A": "A"}
    assert _layouts(_not_in_order) == {"C": "A", "A": "A"}
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(_row_view(m), m[:, None, :])
    np.testing.assert_array_equal(_row_view(m.T), m.T[:, None, :])
    assert _layouts(_row_view) == {"C": "C", "F": "A"}


@pytest.mark.parametrize("order", ["C", "F", "strided"])
def test_bias_broadcast_over_rows_matches_numpy_for_every_layout(order):
    h = T.fmatrix("h")
    b = T.fvector("b")
    f = theano.function([h, b], [T.tanh(h + b), T.exp(b.dimshuffle("x", 0) * h),
                                 b.dimshuffle(0, "x") * h[0]], mode=NUMBA)
    rng = np.random.default_rng(3)
    hv = rng.standard_normal((4, 6)).astype(np.float32)
    bv = rng.standard_normal(12).astype(np.float32)
    if order == "F":
        hv = np.asfortranarray(hv)
    bv = bv[::2] if order == "strided" else bv[:6].copy()
    got = f(hv, bv)
    np.testing.assert_allclose(got[0], np.tanh(hv + bv), rtol=2e-6)
    np.testing.assert_allclose(got[1], np.exp(bv[None, :] * hv), rtol=2e-6)
    np.testing.assert_allclose(got[2], bv[:, None] * hv[0], rtol=2e-6)
