"""The numba kernel for AdvancedSubtensor (numpy's advanced indexing) against the Python VM:
integer and boolean arrays, alone and mixed with integers, slices and newaxis."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad.tensor as T
from symgrad.tensor.subtensor import AdvancedSubtensor
from tests.link.test_numba_extra_ops import ERRORS, agree, both_fail, compile_both


def test_one_integer_array_on_each_axis(rng):
    x, i = T.dtensor3("x"), T.lvector("i")
    outs = [x[i], x[:, i], x[:, :, i], x[..., i], x[i, 1:, ::-1]]
    fs = compile_both([x, i], outs)
    xv = rng.normal(size=(4, 4, 4))
    agree(fs, xv, np.array([0, 3, -1, 2, 2, -4]))
    agree(fs, xv.transpose(2, 0, 1)[::-1], np.array([1]))
    agree(fs, xv, np.zeros(0, dtype=np.int64))
    agree(fs, np.zeros((4, 4, 4), dtype=np.float64)[:, :, :], np.array([3, 3]))
    both_fail(fs, xv, np.array([0, 4]))
    both_fail(fs, xv, np.array([-5]))


def test_several_arrays_broadcast_adjacent_or_apart(rng):
    x = T.dtensor3("x")
    i, j, m = T.lvector("i"), T.lmatrix("j"), T.lmatrix("m")
    k = T.lscalar("k")
    outs = [x[i, i], x[j, i], x[:, j, i], x[j, :, i], x[i, 1:3, k], x[k, :, j],
            x[None, i, i], x[:, i, None, i], x[i, None, i], x[k, None, j, ::2],
            x[j, m], x[1:, j, m], x[i, :, k], x[k]]
    fs = compile_both([x, i, j, m, k], outs)
    xv = rng.normal(size=(3, 4, 5))
    agree(fs, xv, np.array([0, 2, -1]), np.array([[1], [0]]), np.array([[2, 0, 1]]), 1)
    agree(fs, xv[:, ::-1, 1:], np.array([2]), np.zeros((2, 0), dtype=np.int64),
          np.zeros((1, 0), dtype=np.int64), -3)
    both_fail(fs, xv, np.array([0, 1, 2]), np.array([[1, 0]]), np.array([[0]]), 0)
    both_fail(fs, xv, np.array([0]), np.array([[1]]), np.array([[0]]), 3)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "uint64"])
def test_index_dtypes(dtype, rng):
    x, i = T.dmatrix("x"), T.vector("i", dtype=dtype)
    fs = compile_both([x, i], [x[i], x[1:, i], x[i, i]])
    xv = rng.normal(size=(3, 3))
    signed = np.dtype(dtype).kind == "i"
    agree(fs, xv, np.array([2, 0, 1, 1] + ([-1, -3] if signed else []), dtype=dtype))
    both_fail(fs, xv, np.array([3], dtype=dtype))
    if signed:
        both_fail(fs, xv, np.array([-4], dtype=dtype))


def test_boolean_masks(rng):
    x, y = T.dtensor3("x"), T.dmatrix("y")
    m1, m2 = T.vector("m1", dtype="bool"), T.matrix("m2", dtype="bool")
    i = T.lvector("i")
    outs = [x[m1], x[:, m1], x[m2], x[:, m2], x[m2, i], x[i, m2], x[m1, ::2, i],
            x[..., m1], y[m2], y[m1, None]]
    fs = compile_both([x, y, m1, m2, i], outs)
    xv = rng.normal(size=(3, 3, 3))
    yv = rng.normal(size=(3, 3))
    mask = np.array([1, 0, 1], dtype=bool)
    agree(fs, xv, yv, mask, np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0]], dtype=bool),
          np.array([2]))
    agree(fs, xv, yv, np.zeros(3, dtype=bool), np.zeros((3, 3), dtype=bool),
          np.zeros(1, dtype=np.int64))
    agree(fs, xv.transpose(1, 2, 0), yv.T, mask, np.eye(3, dtype=bool)[::-1], np.array([-1]))
    both_fail(fs, xv, yv, mask, np.eye(3, dtype=bool), np.array([0, 1]))


def test_mask_of_the_wrong_length_is_an_error(rng):
    x, m = T.dvector("x"), T.vector("m", dtype="bool")
    fs = compile_both([x, m], [x[m]])
    agree(fs, np.arange(4.0), np.array([True, False, True, True]))
    # numpy refuses a mask whose shape differs from the axes it covers; the kernel does too
    # (the Python VM reads the mask's nonzero positions and so accepts a shorter mask)
    for mask in ([True, False], [True, False, True, True, False]):
        with pytest.raises(ERRORS, match="boolean index"):
            fs[1](np.arange(4.0), np.array(mask))


def test_integer_and_bool_arrays_of_other_dtypes_and_scalar_results(rng):
    x, i = T.imatrix("x"), T.lvector("i")
    k = T.lscalar("k")
    z = T.bmatrix("z")
    outs = [x[i, i], x[k, i], x[i][:, None], z[i, k]]
    fs = compile_both([x, i, k, z], outs)
    agree(fs, np.arange(12, dtype=np.int32).reshape(3, 4)[:, :3], np.array([0, 2]), 1,
          np.arange(9, dtype=np.int8).reshape(3, 3))
    # AdvancedSubtensors made directly: integer entries only (a 0-d result), a 0-d array
    op = AdvancedSubtensor(("i", "i"))
    fs = compile_both([x, k], [op(x, k, k), AdvancedSubtensor(("x", "i"))(x, k),
                               AdvancedSubtensor((("s", False, False, False), "a"))(x, k)])
    agree(fs, np.arange(12, dtype=np.int32).reshape(3, 4), -1)
    both_fail(fs, np.arange(12, dtype=np.int32).reshape(3, 4), 3)


def test_take(rng):
    x, i = T.dmatrix("x"), T.lvector("i")
    fs = compile_both([x, i], [T.take(x, i, axis=1), T.take(x, i), T.take(x, i, 0, "wrap")])
    agree(fs, rng.normal(size=(3, 4)), np.array([0, 2, 2, -1]))


def _random_key(rng, ndim: int, shape):
    """A random numpy index for an array of this shape (maybe one numpy refuses)."""
    key, dim = [], 0
    common = tuple(rng.integers(1, 3, size=rng.integers(1, 3)))
    while dim < ndim and rng.random() < 0.8:
        kind = rng.choice(["slice", "int", "array", "mask", "none"])
        if kind == "none":
            key.append(None)
            continue
        n = shape[dim]
        if kind == "slice":
            bounds = [None if rng.random() < 0.4 else int(rng.integers(-n - 1, n + 2))
                      for _ in range(2)]
            step = None if rng.random() < 0.5 else int(rng.choice([-2, -1, 1, 2, 3]))
            key.append(slice(*bounds, step))
        elif kind == "int":
            key.append(int(rng.integers(-n, n)))
        elif kind == "array":
            key.append(rng.integers(-n, n, size=common))
        else:
            r = int(min(rng.integers(1, 3), ndim - dim))
            mask = rng.random(size=shape[dim:dim + r]) < 0.5
            key.append(mask)
            dim += r - 1
        dim += 1
    return tuple(key)


def test_random_index_combinations_agree_with_the_vm(rng):
    x = T.dtensor4("x")
    xv = rng.normal(size=(3, 4, 2, 5))
    outs = []
    while len(outs) < 8:  # each is a kernel to compile
        key = _random_key(rng, 4, xv.shape)
        if not any(isinstance(k, np.ndarray) for k in key):
            continue
        try:
            xv[key]
        except IndexError:
            continue
        outs.append(x[key])
    fs = compile_both([x], outs)
    agree(fs, xv)
    agree(fs, rng.normal(size=(5, 4, 3, 2)).transpose(2, 1, 3, 0)[:, ::-1])


def test_increments_and_sets_through_integer_arrays():
    # the gradient of p[arange(n), labels], and inc/set through index vectors with repeats
    x, y, v = T.dmatrix("x"), T.ivector("y"), T.dvector("v")
    picked = T.log(x)[T.arange(y.shape[0]), y]
    outs = [T.grad(picked.sum(), x), T.inc_subtensor(x[y], v), T.set_subtensor(x[y, y], 5.0),
            T.inc_subtensor(x[y[:1], y], 1.5)]
    fs = compile_both([x, y, v], outs)
    xv = np.linspace(0.5, 2.0, 12).reshape(4, 3)
    agree(fs, xv, np.array([0, 2, 2, 1], dtype="int32"), np.arange(3.0))
    agree(fs, xv, np.array([-1, 0, -1, 2], dtype="int32"), np.arange(3.0))
    both_fail(fs, xv, np.array([0, 3, 1, 1], dtype="int32"), np.arange(3.0))
