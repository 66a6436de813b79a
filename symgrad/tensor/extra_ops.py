"""Array utilities beyond elementwise math: cumulative sums and products, diff, repeat, tile,
roll, diagonals, and positions and counts (nonzero, searchsorted, bincount, to_one_hot). Most
are built from indexing, reshape and alloc, so their gradients follow from those ops;
cumsum/cumprod and repeat have their own."""
from __future__ import annotations

import numpy as np

from symgrad.config import config
from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.scalar.type import discrete_dtypes, upcast
from symgrad.tensor import math as tm
from symgrad.tensor.basic import (
    alloc,
    arange,
    as_tensor_variable,
    cast,
    concatenate,
    ones_like,
    stack,
    zeros,
    zeros_like,
)
from symgrad.tensor.elemwise import DimShuffle
from symgrad.tensor.shape import (
    as_int64,
    flatten,
    get_vector_length,
    reshape,
    shape,
    shape_i,
    shape_vector,
    squeeze,
)
from symgrad.tensor.subtensor import getitem, inc_subtensor, set_subtensor
from symgrad.tensor.type import TensorType


def _along(axis: int, item) -> tuple:
    """An index that applies `item` to `axis` and keeps every other axis."""
    return (slice(None),) * axis + (item,)


def _reverse(x, axis: int):
    return getitem(x, _along(axis, slice(None, None, -1)))


def _check_axis(x, axis: int, what: str) -> int:
    if not -x.type.ndim <= axis < max(x.type.ndim, 1):
        raise ValueError(f"{what}: axis {axis} is out of range for {x} ({x.type.ndim} dims)")
    return axis + x.type.ndim if axis < 0 else axis


# --- cumulative sums and products ----------------------------------------------------------
class CumOp(Op):
    """Running sum (mode 'add') or product (mode 'mul') along `axis`, or over the flattened
    array when axis is None."""

    __props__ = ("axis", "mode")

    def __init__(self, axis: int | None = None, mode: str = "add") -> None:
        if mode not in ("add", "mul"):
            raise ValueError(f"CumOp mode must be 'add' or 'mul', got {mode!r}")
        self.axis = axis
        self.mode = mode

    def __str__(self) -> str:
        return f"{'Cumsum' if self.mode == 'add' else 'Cumprod'}{{axis={self.axis}}}"

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        # integers accumulate in 64 bits, as numpy and T.sum do
        dtype = {"b": "int64", "i": "int64", "u": "uint64"}.get(np.dtype(x.type.dtype).kind,
                                                                 x.type.dtype)
        if self.axis is None:
            out = TensorType(dtype, (False,))()
        else:
            if not 0 <= self.axis < x.type.ndim:
                raise ValueError(f"{self}: {x} has no axis {self.axis}")
            out = TensorType(dtype, x.type.broadcastable)()
        return Apply(self, [x], [out])

    def perform(self, node, inputs, output_storage) -> None:
        fn = np.cumsum if self.mode == "add" else np.cumprod
        output_storage[0][0] = np.asarray(fn(inputs[0], axis=self.axis),
                                          dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        if self.axis is None:
            size = 1
            for s in shapes[0]:
                size = tm.mul(size, s)
            return [(size,)]
        return [shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        (x,) = inputs
        (gz,) = output_grads
        if x.type.dtype in discrete_dtypes:
            return [None]
        axis = 0 if self.axis is None else self.axis
        if self.mode == "add":
            # the transpose of a running sum is a running sum taken from the other end
            g = _reverse(CumOp(axis, "add")(_reverse(gz, axis)), axis)
        else:
            # d out_j / d x_i is the product of x_k for k <= j except k = i: the product
            # before i times the reverse recurrence s_i = gz_i + x_{i+1} s_{i+1}; no
            # division, so exact where x has zeros
            a = flatten(x) if self.axis is None else x
            before = _shift_in(outputs[0], axis, 1)
            g = tm.mul(before, LinearRecurrence(axis, reverse=True)(a, gz))
        if self.axis is None:
            g = reshape(g, shape(x), ndim=x.type.ndim)
        return [g]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        if self.mode == "add":
            return [self(eval_points[0])]
        # d out_j = x_j d out_{j-1} + dx_j * (product of x_k for k < j): a recurrence
        (x,) = inputs
        dx = eval_points[0]
        if self.axis is None:
            # dx takes x's flat shape: no shape node of its own (which would tie a batched
            # forward-mode Jacobian to the one tangent)
            x = flatten(x)
            dx = reshape(dx, shape(x), ndim=1)
        axis = 0 if self.axis is None else self.axis
        before = _shift_in(CumOp(axis, "mul")(x), axis, 1)
        return [LinearRecurrence(axis)(x, tm.mul(dx, before))]


def _shift_in(x, axis: int, fill: int):
    """x moved one place along `axis` (towards the end), `fill` (0 or 1) entering at the
    front: the entry i of the result is x[i - 1]. Empty axes stay empty."""
    first = getitem(x, _along(axis, slice(None, 1)))
    head = ones_like(first) if fill else zeros_like(first)
    return concatenate([head, getitem(x, _along(axis, slice(None, -1)))], axis=axis)


class LinearRecurrence(Op):
    """y_i = b_i + a_i * y_{i-1} along `axis` (y_0 = b_0), or with `reverse`,
    y_i = b_i + a_{i+1} * y_{i+1} (the last y is the last b). a and b have one shape; a_0 is
    not used. The gradient of cumprod is one, and the two directions are each other's
    transpose, so the gradients stay in this family (and exact where a has zeros)."""

    __props__ = ("axis", "reverse")

    def __init__(self, axis: int, reverse: bool = False) -> None:
        self.axis = int(axis)
        self.reverse = bool(reverse)

    def __str__(self) -> str:
        return f"LinearRecurrence{{axis={self.axis}{', reverse' if self.reverse else ''}}}"

    def make_node(self, a, b) -> Apply:
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        if a.type.ndim != b.type.ndim or not 0 <= self.axis < a.type.ndim:
            raise ValueError(f"{self}: a and b need the same number of dims, more than the "
                             f"axis; got {a.type} and {b.type}")
        dtype = upcast(a.type.dtype, b.type.dtype)
        bcast = tuple(p or q for p, q in zip(a.type.broadcastable, b.type.broadcastable))
        return Apply(self, [a, b], [TensorType(dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        a, b = inputs
        if a.shape != b.shape:
            raise ValueError(f"{self}: a and b differ in shape: {a.shape} and {b.shape}")
        dtype = node.outputs[0].type.dtype
        a = np.moveaxis(a.astype(dtype), self.axis, 0)
        out = np.array(b, dtype=dtype)
        y = np.moveaxis(out, self.axis, 0)  # a view: filling it fills out
        n = y.shape[0]
        if self.reverse:
            for i in range(n - 2, -1, -1):
                y[i] += a[i + 1] * y[i + 1]
        else:
            for i in range(1, n):
                y[i] += a[i] * y[i - 1]
        output_storage[0][0] = out

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[1]]

    def L_op(self, inputs, outputs, output_grads):
        a, b = inputs
        (y,) = outputs
        (gy,) = output_grads
        # the transpose of one direction is the other, with the same a
        h = LinearRecurrence(self.axis, not self.reverse)(a, gy)
        if self.reverse:  # y_{m-1} reads a_m * y_m
            ga = tm.mul(_shift_in(h, self.axis, 0), y)
        else:  # y_m reads a_m * y_{m-1}
            ga = tm.mul(h, _shift_in(y, self.axis, 0))
        return [None if a.type.dtype in discrete_dtypes else ga,
                None if b.type.dtype in discrete_dtypes else h]

    def R_op(self, inputs, eval_points):
        a, b = inputs
        da, db = eval_points
        if da is None and db is None:
            return [None]
        y = self(a, b)
        db = zeros_like(b) if db is None else db
        if da is None:
            return [self(a, db)]
        if self.reverse:  # d(a_{i+1} y_{i+1}): the product da * y read one place later
            later = _reverse(_shift_in(_reverse(tm.mul(da, y), self.axis), self.axis, 0),
                             self.axis)
            return [self(a, tm.add(db, later))]
        return [self(a, tm.add(db, tm.mul(da, _shift_in(y, self.axis, 0))))]


def cumsum(x, axis: int | None = None):
    """Running sum along `axis` (over the flattened array when axis is None)."""
    x = as_tensor_variable(x)
    return CumOp(None if axis is None else _check_axis(x, axis, "cumsum"), "add")(x)


def cumprod(x, axis: int | None = None):
    """Running product along `axis` (over the flattened array when axis is None)."""
    x = as_tensor_variable(x)
    return CumOp(None if axis is None else _check_axis(x, axis, "cumprod"), "mul")(x)


def diff(x, n: int = 1, axis: int = -1):
    """The n-th discrete difference along `axis`: x[1:] - x[:-1], n times."""
    x = as_tensor_variable(x)
    axis = _check_axis(x, axis, "diff")
    for _ in range(n):
        x = tm.sub(getitem(x, _along(axis, slice(1, None))),
                   getitem(x, _along(axis, slice(None, -1))))
    return x


# --- repeat, tile, roll --------------------------------------------------------------------
class Repeat(Op):
    """Each entry of x along `axis` repeated `repeats` times (a scalar, or one count each)."""

    __props__ = ("axis",)

    def __init__(self, axis: int) -> None:
        self.axis = int(axis)

    def __str__(self) -> str:
        return f"Repeat{{axis={self.axis}}}"

    def make_node(self, x, repeats) -> Apply:
        x = as_tensor_variable(x)
        repeats = as_int64(repeats)
        if repeats.type.ndim > 1:
            raise TypeError(f"repeat: repeats must be a scalar or a vector, got {repeats.type}")
        if not 0 <= self.axis < x.type.ndim:
            raise ValueError(f"{self}: {x} has no axis {self.axis}")
        bcast = list(x.type.broadcastable)
        bcast[self.axis] = False
        return Apply(self, [x, repeats], [TensorType(x.type.dtype, tuple(bcast))()])

    def perform(self, node, inputs, output_storage) -> None:
        x, repeats = inputs
        output_storage[0][0] = np.repeat(x, repeats, axis=self.axis)

    def connection_pattern(self, node):
        return [[True], [False]]

    def infer_shape(self, fgraph, node, shapes):
        repeats = node.inputs[1]
        out = list(shapes[0])
        if repeats.type.ndim == 0:
            out[self.axis] = tm.mul(out[self.axis], repeats)
        else:
            out[self.axis] = tm.sum(repeats)
        return [tuple(out)]

    def L_op(self, inputs, outputs, output_grads):
        x, repeats = inputs
        (gz,) = output_grads
        if x.type.dtype in discrete_dtypes:
            return [None, None]
        if repeats.type.ndim == 0:  # the copies of one entry are adjacent: split and sum them
            lengths = [shape_i(x, a) for a in range(x.type.ndim)]
            split = lengths[:self.axis + 1] + [repeats] + lengths[self.axis + 1:]
            return [tm.sum(reshape(gz, split), axis=self.axis + 1), None]
        # output position j came from entry owner[j]; gather the gradient back there
        owner = Repeat(0)(arange(shape_i(x, self.axis)), repeats)
        return [inc_subtensor(getitem(zeros_like(x), _along(self.axis, owner)), gz), None]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], inputs[1])]


def repeat(x, repeats, axis: int | None = None):
    """numpy's repeat: each entry along `axis` (of the flattened array when None) repeated."""
    x = as_tensor_variable(x)
    if axis is None:
        x, axis = flatten(x), 0
    return Repeat(_check_axis(x, axis, "repeat"))(x, repeats)


def _reps_list(reps) -> list:
    if isinstance(reps, (list, tuple)):
        return list(reps)
    v = as_tensor_variable(reps)
    if v.type.ndim == 0:
        return [v]
    vec = shape_vector(v)
    return [getitem(vec, i) for i in range(get_vector_length(vec))]


def tile(x, reps, ndim: int | None = None):
    """x repeated as a block `reps` times along each axis (numpy's tile)."""
    x = as_tensor_variable(x)
    reps = _reps_list(reps)
    d = max(x.type.ndim, len(reps), ndim or 0)
    x = DimShuffle(x.type.ndim, ["x"] * (d - x.type.ndim) + list(range(x.type.ndim)))(x)
    reps = [1] * (d - len(reps)) + reps
    # (r0, s0, r1, s1, ...): every block is a broadcast copy; merging pairs lays them out
    interleaved = DimShuffle(d, [p for a in range(d) for p in ("x", a)])(x)
    lengths = [shape_i(x, a) for a in range(d)]
    blocks = alloc(interleaved, *[n for r, s in zip(reps, lengths) for n in (r, s)])
    return reshape(blocks, [tm.mul(r, s) for r, s in zip(reps, lengths)], ndim=d)


def roll(x, shift, axis=None):
    """x shifted by `shift` positions along `axis`, wrapping around (numpy's roll)."""
    x = as_tensor_variable(x)
    if axis is None:
        return reshape(roll(flatten(x), shift, 0), shape(x), ndim=x.type.ndim)
    if isinstance(axis, (list, tuple)):
        shifts = shift if isinstance(shift, (list, tuple)) else [shift] * len(axis)
        for s, a in zip(shifts, axis):
            x = roll(x, s, a)
        return x
    axis = _check_axis(x, axis, "roll")
    n = shape_i(x, axis)
    start = tm.sub(n, tm.mod(shift, tm.maximum(n, 1)))  # mod by at least 1: empty axes
    return concatenate([getitem(x, _along(axis, slice(start, None))),
                        getitem(x, _along(axis, slice(None, start)))], axis=axis)


# --- diagonals ---------------------------------------------------------------------------
def diagonal(a, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The diagonal `offset` of the (axis1, axis2) planes, as a last axis (numpy's diagonal)."""
    a = as_tensor_variable(a)
    axis1, axis2 = _check_axis(a, axis1, "diagonal"), _check_axis(a, axis2, "diagonal")
    if axis1 == axis2:
        raise ValueError("diagonal: axis1 and axis2 must differ")
    offset = int(offset)
    row0, col0 = max(-offset, 0), max(offset, 0)
    length = tm.maximum(tm.minimum(shape_i(a, axis1) - row0, shape_i(a, axis2) - col0), 0)
    i = arange(length)
    key = [slice(None)] * a.type.ndim
    key[axis1], key[axis2] = i + row0, i + col0
    out = getitem(a, tuple(key))
    # numpy's indexing puts the diagonal where the pair was (adjacent) or first; move it last
    at = min(axis1, axis2) if abs(axis1 - axis2) == 1 else 0
    order = [ax for ax in range(out.type.ndim) if ax != at] + [at]
    return DimShuffle(out.type.ndim, order)(out) if order != list(range(out.type.ndim)) else out


def diag(v, k: int = 0):
    """A matrix with `v` on diagonal k (v a vector), or the diagonal k of a matrix v."""
    v = as_tensor_variable(v)
    if v.type.ndim == 2:
        return diagonal(v, k)
    if v.type.ndim != 1:
        raise ValueError(f"diag takes a vector or a matrix, got {v.type}")
    k = int(k)
    n = shape_i(v, 0)
    size = n + abs(k)
    i = arange(n)
    square = zeros((size, size), dtype=v.type.dtype)
    return set_subtensor(square[i + max(-k, 0), i + max(k, 0)], v)


# --- positions and counts ------------------------------------------------------------------
class Nonzero(Op):
    """The int64 positions of the non-zero entries of x, one vector per axis (np.nonzero)."""

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        if x.type.ndim == 0:
            raise ValueError("nonzero of a 0-d array is not supported; make it 1-d first")
        return Apply(self, [x], [TensorType("int64", (False,))() for _ in range(x.type.ndim)])

    def perform(self, node, inputs, output_storage) -> None:
        for cell, positions in zip(output_storage, np.nonzero(inputs[0])):
            cell[0] = positions.astype("int64")

    def infer_shape(self, fgraph, node, shapes):
        count = tm.sum(tm.neq(node.inputs[0], 0))
        return [(count,)] * len(node.outputs)

    def connection_pattern(self, node):
        return [[False] * len(node.outputs)]

    def L_op(self, inputs, outputs, output_grads):
        return [None]

    def R_op(self, inputs, eval_points):
        return [None] * inputs[0].type.ndim


def nonzero(a, return_matrix: bool = False):
    """Positions of the non-zero entries: a tuple of vectors, one per axis (or, with
    return_matrix, one matrix with a row per axis)."""
    out = Nonzero()(a)
    out = out if isinstance(out, list) else [out]
    if return_matrix:
        return stack(out)
    return tuple(out)


def flatnonzero(a):
    """Positions of the non-zero entries of the flattened array."""
    return nonzero(flatten(a))[0]


def nonzero_values(a):
    """The non-zero entries of a, flattened; differentiable with respect to them."""
    flat = flatten(a)
    return getitem(flat, flatnonzero(flat))


class SearchSorted(Op):
    """Positions where the values v would be inserted into the sorted vector x (np.searchsorted)."""

    __props__ = ("side",)

    def __init__(self, side: str = "left") -> None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        self.side = side

    def make_node(self, x, v, sorter=None) -> Apply:
        x, v = as_tensor_variable(x), as_tensor_variable(v)
        if x.type.ndim != 1:
            raise TypeError(f"searchsorted: x must be a vector, got {x.type}")
        inputs = [x, v] + ([] if sorter is None else [as_int64(sorter)])
        return Apply(self, inputs, [TensorType("int64", v.type.broadcastable)()])

    def perform(self, node, inputs, output_storage) -> None:
        x, v, *sorter = inputs
        found = np.searchsorted(x, v, side=self.side, sorter=sorter[0] if sorter else None)
        output_storage[0][0] = np.asarray(found, dtype="int64")

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[1]]

    def connection_pattern(self, node):
        return [[False] for _ in node.inputs]

    def L_op(self, inputs, outputs, output_grads):
        return [None] * len(inputs)

    def R_op(self, inputs, eval_points):
        return [None]


def searchsorted(x, v, side: str = "left", sorter=None):
    """Where the values v would be inserted into the sorted vector x to keep it sorted."""
    return SearchSorted(side)(x, v, sorter)


def bincount(x, weights=None, minlength: int | None = None):
    """How often each value 0, 1, ... occurs in the non-negative integer vector x (summing
    `weights` instead of ones when given); differentiable with respect to the weights."""
    x = as_tensor_variable(x)
    if x.type.ndim != 1 or x.type.dtype not in discrete_dtypes:
        raise TypeError(f"bincount takes a vector of integers, got {x.type}")
    # the -1 sentinel gives length 0 for an empty x, whose max alone would fail
    length = tm.add(tm.max(concatenate([as_int64(x), as_int64([-1])])), 1)
    if minlength is not None:
        length = tm.maximum(length, minlength)
    if weights is None:
        counts = zeros([length], dtype="int64")
        return inc_subtensor(counts[x], as_int64(1))
    weights = as_tensor_variable(weights)
    return inc_subtensor(zeros([length], dtype=weights.type.dtype)[x], weights)


def to_one_hot(y, nb_class, dtype: str | None = None):
    """A row per entry of the integer vector y, with 1 in column y[i] and 0 elsewhere."""
    y = as_tensor_variable(y)
    hits = tm.eq(DimShuffle(1, [0, "x"])(y), DimShuffle(1, ["x", 0])(arange(nb_class)))
    return cast(hits, dtype or config.floatX)


def fill_diagonal(a, val):
    """a with its main diagonal (a[i, i, ...]) set to the scalar val."""
    a = as_tensor_variable(a)
    if a.type.ndim < 2:
        raise ValueError(f"fill_diagonal needs at least 2 dimensions, got {a.type}")
    length = shape_i(a, 0)
    for axis in range(1, a.type.ndim):
        length = tm.minimum(length, shape_i(a, axis))
    i = arange(length)
    return set_subtensor(getitem(a, (i,) * a.type.ndim), val)


def fill_diagonal_offset(a, val, offset: int):
    """The matrix a with its diagonal `offset` (above the main one when positive) set to val."""
    a = as_tensor_variable(a)
    if a.type.ndim != 2:
        raise ValueError(f"fill_diagonal_offset takes a matrix, got {a.type}")
    offset = int(offset)
    row0, col0 = max(-offset, 0), max(offset, 0)
    length = tm.maximum(tm.minimum(shape_i(a, 0) - row0, shape_i(a, 1) - col0), 0)
    i = arange(length)
    return set_subtensor(getitem(a, (i + row0, i + col0)), val)


__all__ = [
    "CumOp", "LinearRecurrence", "Nonzero", "Repeat", "SearchSorted", "bincount", "cumprod", "cumsum", "diag",
    "diagonal", "diff", "fill_diagonal", "fill_diagonal_offset", "flatnonzero", "nonzero",
    "nonzero_values", "repeat", "roll", "searchsorted", "squeeze", "tile", "to_one_hot",
]
