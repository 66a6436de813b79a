"""Tensor building blocks: constants, fill, ones/zeros_like, alloc, cast, transpose, copy,
joining and splitting, stacking, and arrays made from shapes (zeros, ones, arange, eye, tri)."""
from __future__ import annotations

import numpy as np

from symgrad.config import config
from symgrad.graph.basic import Apply, Constant
from symgrad.graph.op import Op
from symgrad.scalar import basic as sb
from symgrad.scalar import math as sm
from symgrad.scalar.type import continuous_dtypes, discrete_dtypes, upcast
from symgrad.tensor.constant import as_tensor_variable, constant, register_tensor_converter
from symgrad.tensor.elemwise import DimShuffle, Elemwise, Sum
from symgrad.tensor.shape import (  # noqa: F401  (reshape ... also live at Theano's T.basic)
    MakeVector,
    ShapeEntry,
    addbroadcast,
    expand_dims,
    flatten,
    get_vector_length,
    patternbroadcast,
    reshape,
    shape_i,
    shape_padaxis,
    shape_padleft,
    shape_padright,
    shape_vector,
    unbroadcast,
)
from symgrad.tensor.type import TensorType

second = Elemwise(sb.second)
fill = second
identity = Elemwise(sb.identity)
tensor_copy = identity


def ones_like(model, dtype: str | None = None):
    """An array of ones shaped like `model`, as fill(model, 1.0)."""
    model = as_tensor_variable(model)
    return fill(model, constant(1.0, dtype=dtype or model.type.dtype))


def zeros_like(model, dtype: str | None = None):
    """A tensor of zeros with the shape of `model` (and its dtype unless `dtype` is given)."""
    model = as_tensor_variable(model)
    return fill(model, constant(0.0, dtype=dtype or model.type.dtype))


def float_ones_like(model):
    """ones_like in a float dtype (floatX for an integer model): the seed of `grad`."""
    model = as_tensor_variable(model)
    dtype = model.type.dtype if model.type.dtype in continuous_dtypes else config.floatX
    return ones_like(model, dtype)


def cast(x, dtype: str):
    """x converted to dtype (`'floatX'` means config.floatX)."""
    x = as_tensor_variable(x)
    dtype = config.floatX if dtype == "floatX" else np.dtype(dtype).name
    if x.type.dtype == dtype:
        return x
    return Elemwise(sb.Cast(dtype))(x)


def transpose(x, axes=None):
    """Reverse (or permute by `axes`) the dimensions of x; `x.T`."""
    x = as_tensor_variable(x)
    axes = list(range(x.type.ndim))[::-1] if axes is None else list(axes)
    return DimShuffle(x.type.ndim, axes)(x)


def _as_shape_scalar(s):
    v = as_tensor_variable(s)
    if v.type.ndim != 0 or v.type.dtype not in discrete_dtypes:
        raise TypeError(f"a shape entry must be an integer scalar, got {v} ({v.type})")
    if isinstance(v, Constant) and v.type.dtype != "int64":
        return constant(np.int64(v.data))  # a constant stays one, so alloc sees lengths of 1
    return v if v.type.dtype == "int64" else cast(v, "int64")


class Alloc(Op):
    """alloc(value, *shape): `value` broadcast to `shape`, in fresh memory."""

    def make_node(self, value, *shape) -> Apply:
        value = as_tensor_variable(value)
        shape = [_as_shape_scalar(s) for s in shape]
        if len(shape) < value.type.ndim:
            raise ValueError(f"alloc: {len(shape)} shape entries for a {value.type.ndim}-d value")
        bcast = tuple(isinstance(s, Constant) and int(s.data) == 1 for s in shape)
        return Apply(self, [value, *shape], [TensorType(value.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        value, *shape = inputs
        out = np.empty([int(s) for s in shape], dtype=node.outputs[0].type.dtype)
        out[...] = value
        output_storage[0][0] = out

    def infer_shape(self, fgraph, node, shapes):
        return [tuple(node.inputs[1:])]

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)

    def L_op(self, inputs, outputs, output_grads):
        value = inputs[0]
        (gz,) = output_grads
        if value.type.dtype in discrete_dtypes:
            return [None] * len(inputs)
        n_new = gz.type.ndim - value.type.ndim
        axes = list(range(n_new)) + [n_new + a for a, b in enumerate(value.type.broadcastable)
                                     if b and not gz.type.broadcastable[n_new + a]]
        g = Sum(tuple(axes))(gz) if axes else gz
        pattern, k = [], 0
        for a, b in enumerate(value.type.broadcastable):
            if n_new + a in axes:
                pattern.append("x")
            else:
                pattern.append(k)
                k += 1
        if axes:
            g = DimShuffle(g.type.ndim, pattern)(g)
        return [g] + [None] * (len(inputs) - 1)

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], *inputs[1:])]


alloc = Alloc()


def switch(cond, ift, iff):
    """Elementwise choice: ift where cond is true, else iff (both are computed)."""
    return Elemwise(sb.switch)(cond, ift, iff)


# --- joining and splitting -----------------------------------------------------------------
def _normalize_axis(axis, ndim: int, what: str) -> int:
    if isinstance(axis, Constant):
        axis = axis.data
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{what}: the axis must be a Python int, got {axis!r}")
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{what}: axis {axis} is out of range for {ndim}-d arrays")
    return axis + ndim if axis < 0 else axis


class Join(Op):
    """Arrays of the same rank concatenated along `axis`."""

    __props__ = ("axis",)

    def __init__(self, axis: int) -> None:
        self.axis = int(axis)

    def __str__(self) -> str:
        return f"Join{{axis={self.axis}}}"

    def make_node(self, *tensors) -> Apply:
        tensors = [as_tensor_variable(t) for t in tensors]
        if not tensors:
            raise ValueError("join needs at least one array")
        ndim = tensors[0].type.ndim
        if ndim == 0 or any(t.type.ndim != ndim for t in tensors):
            raise TypeError("join: the arrays must all have the same number of dimensions (at "
                            f"least 1), got {[str(t.type) for t in tensors]}")
        if not 0 <= self.axis < ndim:
            raise ValueError(f"join: axis {self.axis} is out of range for {ndim}-d arrays")
        dtype = upcast(*[t.type.dtype for t in tensors])
        tensors = [cast(t, dtype) for t in tensors]
        # off the join axis the lengths must agree, so one length-1 input makes them all 1
        bcast = tuple(False if a == self.axis else any(t.type.broadcastable[a] for t in tensors)
                      for a in range(ndim))
        return Apply(self, tensors, [TensorType(dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = np.concatenate(inputs, axis=self.axis)

    def vector_length(self, node) -> int | None:
        try:
            return sum(get_vector_length(t) for t in node.inputs)
        except ValueError:
            return None

    def infer_shape(self, fgraph, node, shapes):
        out = list(shapes[0])
        total = None
        for s in shapes:
            n = as_tensor_variable(s[self.axis])
            total = n if total is None else Elemwise(sb.add)(total, n)
        out[self.axis] = total
        return [tuple(out)]

    def L_op(self, inputs, outputs, output_grads):
        (gz,) = output_grads
        if outputs[0].type.dtype in discrete_dtypes:
            return [None] * len(inputs)
        if len(inputs) == 1:
            return [gz]
        sizes = MakeVector("int64")(*[shape_i(t, self.axis) for t in inputs])
        parts = Split(len(inputs), self.axis)(gz, sizes)
        return [None if t.type.dtype in discrete_dtypes else p for t, p in zip(inputs, parts)]

    def R_op(self, inputs, eval_points):
        if all(e is None for e in eval_points):
            return [None]
        return [self(*[zeros_like(t) if e is None else e for t, e in zip(inputs, eval_points)])]


class Split(Op):
    """x cut along `axis` into `n_splits` pieces whose lengths are the vector `splits`."""

    __props__ = ("n_splits", "axis")

    def __init__(self, n_splits: int, axis: int) -> None:
        self.n_splits = int(n_splits)
        self.axis = int(axis)

    def __str__(self) -> str:
        return f"Split{{{self.n_splits}, axis={self.axis}}}"

    def make_node(self, x, splits) -> Apply:
        x = as_tensor_variable(x)
        splits = shape_vector(splits)
        if not 0 <= self.axis < x.type.ndim:
            raise ValueError(f"split: axis {self.axis} is out of range for {x}")
        bcast = tuple(False if a == self.axis else b for a, b in enumerate(x.type.broadcastable))
        outs = [TensorType(x.type.dtype, bcast)() for _ in range(self.n_splits)]
        return Apply(self, [x, splits], outs)

    def perform(self, node, inputs, output_storage) -> None:
        x, splits = inputs
        if len(splits) != self.n_splits:
            raise ValueError(f"split: {len(splits)} lengths given for {self.n_splits} pieces")
        if (splits < 0).any() or splits.sum() != x.shape[self.axis]:
            raise ValueError(f"split: lengths {list(splits)} do not add up to the length "
                             f"{x.shape[self.axis]} of axis {self.axis}")
        for cell, piece in zip(output_storage, np.split(x, np.cumsum(splits)[:-1], self.axis)):
            cell[0] = piece

    def infer_shape(self, fgraph, node, shapes):
        splits = node.inputs[1]
        out = []
        for i in range(self.n_splits):
            s = list(shapes[0])
            s[self.axis] = ShapeEntry(i)(splits)
            out.append(tuple(s))
        return out

    def connection_pattern(self, node):
        return [[True] * self.n_splits, [False] * self.n_splits]

    def L_op(self, inputs, outputs, output_grads):
        x, _ = inputs
        if x.type.dtype in discrete_dtypes:
            return [None, None]
        return [Join(self.axis)(*output_grads), None]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None] * self.n_splits
        return self(eval_points[0], inputs[1])


def join(axis, *tensors):
    """The arrays concatenated along `axis` (Theano's argument order: axis first)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    tensors = [as_tensor_variable(t) for t in tensors]
    if len(tensors) == 1:
        return tensors[0]
    axis = _normalize_axis(axis, tensors[0].type.ndim, "join")
    return Join(axis)(*tensors)


def concatenate(tensor_list, axis: int = 0):
    """numpy's concatenate: the arrays of `tensor_list` joined along `axis`."""
    if not isinstance(tensor_list, (list, tuple)):
        raise TypeError("concatenate takes a list or tuple of arrays, e.g. "
                        "concatenate([x, y], axis=0)")
    return join(axis, *tensor_list)


def split(x, splits_size, n_splits: int, axis: int = 0):
    """x cut along `axis` into `n_splits` pieces of lengths `splits_size`; a list."""
    x = as_tensor_variable(x)
    axis = _normalize_axis(axis, x.type.ndim, "split")
    out = Split(n_splits, axis)(x, splits_size)
    return out if isinstance(out, list) else [out]


def stack(tensors, *more, axis: int = 0):
    """The arrays (all of one shape) stacked along a new axis `axis`.

    `stack([a, b])` as numpy; `stack(a, b)` as older Theano. Scalars make a vector.
    """
    if isinstance(tensors, (list, tuple)):
        if len(more) == 1 and isinstance(more[0], (int, np.integer)):
            axis = int(more[0])  # stack([a, b], 1)
        elif more:
            raise TypeError("stack takes a list of arrays: stack([a, b], axis=0)")
    else:
        tensors = [tensors, *more]
    tensors = [as_tensor_variable(t) for t in tensors]
    if not tensors:
        raise ValueError("stack needs at least one array")
    ndim = tensors[0].type.ndim
    if any(t.type.ndim != ndim for t in tensors):
        raise TypeError(f"stack: the arrays must have the same number of dimensions, got "
                        f"{[str(t.type) for t in tensors]}")
    if ndim == 0 and axis in (0, -1):
        return MakeVector(upcast(*[t.type.dtype for t in tensors]))(*tensors)
    axis = _normalize_axis(axis, ndim + 1, "stack")
    return join(axis, *[expand_dims(t, axis) for t in tensors])


def horizontal_stack(*matrices):
    """Matrices side by side: joined along their columns."""
    return _stack_matrices(matrices, 1, "horizontal_stack")


def vertical_stack(*matrices):
    """Matrices one above the other: joined along their rows."""
    return _stack_matrices(matrices, 0, "vertical_stack")


def _stack_matrices(matrices, axis: int, what: str):
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = matrices[0]
    matrices = [as_tensor_variable(m) for m in matrices]
    if any(m.type.ndim != 2 for m in matrices):
        raise TypeError(f"{what} takes matrices, got {[str(m.type) for m in matrices]}")
    return join(axis, *matrices)


def swapaxes(x, axis1: int, axis2: int):
    """x with two axes exchanged."""
    x = as_tensor_variable(x)
    order = list(range(x.type.ndim))
    a = _normalize_axis(axis1, x.type.ndim, "swapaxes")
    b = _normalize_axis(axis2, x.type.ndim, "swapaxes")
    order[a], order[b] = order[b], order[a]
    return transpose(x, order)


def _stack_nested(seq):
    return stack([_stack_nested(e) if isinstance(e, (list, tuple)) else e for e in seq])


register_tensor_converter("sequence", _stack_nested)


# --- arrays made from shapes ---------------------------------------------------------------
def _shape_scalars(shape) -> list:
    """A shape (int, ints and scalars, or a vector of known length) as int64 scalars."""
    if isinstance(shape, (list, tuple)):
        return [_as_shape_scalar(s) for s in shape]
    v = as_tensor_variable(shape)
    if v.type.ndim == 0:
        return [_as_shape_scalar(v)]
    vec = shape_vector(v)
    return [ShapeEntry(i)(vec) for i in range(get_vector_length(vec))]


def zeros(shape, dtype: str | None = None):
    """An array of zeros of `shape` (ints, symbolic scalars, or a shape vector like x.shape)."""
    dtype = config.floatX if dtype in (None, "floatX") else dtype
    return alloc(constant(0, dtype=dtype), *_shape_scalars(shape))


def ones(shape, dtype: str | None = None):
    """An array of ones of `shape`."""
    dtype = config.floatX if dtype in (None, "floatX") else dtype
    return alloc(constant(1, dtype=dtype), *_shape_scalars(shape))


def full(shape, fill_value, dtype: str | None = None):
    """An array of `shape` filled with `fill_value`."""
    value = as_tensor_variable(fill_value)
    if dtype is not None:
        value = cast(value, dtype)
    return alloc(value, *_shape_scalars(shape))


class _NoGradOp(Op):
    """Ops whose inputs only say how big the output is and where its pattern lies: no input is
    differentiable."""

    def connection_pattern(self, node):
        return [[False] for _ in node.inputs]

    def L_op(self, inputs, outputs, output_grads):
        return [None] * len(inputs)

    def R_op(self, inputs, eval_points):
        return [None]


class ARange(_NoGradOp):
    """numpy's arange(start, stop, step) with symbolic bounds."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str) -> None:
        self.dtype = np.dtype(dtype).name

    def make_node(self, start, stop, step) -> Apply:
        args = [as_tensor_variable(a) for a in (start, stop, step)]
        for a in args:
            if a.type.ndim != 0:
                raise TypeError(f"arange takes scalars, got {a} ({a.type})")
        return Apply(self, args, [TensorType(self.dtype, (False,))()])

    def perform(self, node, inputs, output_storage) -> None:
        start, stop, step = (np.asarray(v).item() for v in inputs)
        if step == 0:
            raise ValueError("arange: step must not be zero")
        output_storage[0][0] = np.arange(start, stop, step, dtype=self.dtype)

    def infer_shape(self, fgraph, node, shapes):
        # in float64, as numpy counts, so float32 bounds give numpy's length
        start, stop, step = (cast(v, "float64") for v in node.inputs)
        span = Elemwise(sb.true_div)(Elemwise(sb.sub)(stop, start), step)
        count = Elemwise(sb.maximum)(Elemwise(sm.ceil)(span), constant(0))
        return [(cast(count, "int64"),)]


def arange(start, stop=None, step=1, dtype: str | None = None):
    """Evenly spaced values in [start, stop); integers give int64, floats their upcast."""
    if stop is None:
        start, stop = 0, start
    args = [as_tensor_variable(a) for a in (start, stop, step)]
    if dtype is None:
        dtype = upcast(*[a.type.dtype for a in args])
        if dtype in discrete_dtypes:
            dtype = "int64"
    dtype = config.floatX if dtype == "floatX" else dtype
    return ARange(dtype)(*args)


class Eye(_NoGradOp):
    """An n x m array with ones on diagonal k (numpy's eye)."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str) -> None:
        self.dtype = np.dtype(dtype).name

    def make_node(self, n, m, k) -> Apply:
        n, m, k = (_as_shape_scalar(a) for a in (n, m, k))
        return Apply(self, [n, m, k], [TensorType(self.dtype, (False, False))()])

    def perform(self, node, inputs, output_storage) -> None:
        n, m, k = (int(v) for v in inputs)
        output_storage[0][0] = np.eye(n, m, k, dtype=self.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [(node.inputs[0], node.inputs[1])]


class Tri(Eye):
    """An n x m array with ones on and below diagonal k (numpy's tri)."""

    def perform(self, node, inputs, output_storage) -> None:
        n, m, k = (int(v) for v in inputs)
        output_storage[0][0] = np.tri(n, m, k, dtype=self.dtype)


class _Grid:
    """`mgrid[0:3, 0:4]`: one array per slice holding that axis's positions, broadcast to the
    whole grid (mgrid) or left with length-1 axes elsewhere (ogrid), as a list as in Theano."""

    def __init__(self, sparse: bool) -> None:
        self.sparse = sparse

    def __getitem__(self, key):
        slices = key if isinstance(key, tuple) else (key,)
        if not all(isinstance(s, slice) and s.stop is not None for s in slices):
            raise TypeError("mgrid and ogrid take slices with a stop, like mgrid[0:3, 0:4]")
        ndim = len(slices)
        ranges = [arange(0 if s.start is None else s.start, s.stop, 1 if s.step is None
                         else s.step) for s in slices]
        axes = [DimShuffle(1, ["x"] * k + [0] + ["x"] * (ndim - k - 1))(r)
                for k, r in enumerate(ranges)]
        if self.sparse:
            return axes
        lengths = [shape_i(r, 0) for r in ranges]
        return [alloc(a, *lengths) for a in axes]


mgrid = _Grid(sparse=False)
ogrid = _Grid(sparse=True)


def eye(n, m=None, k: int = 0, dtype: str | None = None):
    """Identity-like matrix: ones on diagonal k of an n x m array."""
    dtype = config.floatX if dtype in (None, "floatX") else dtype
    return Eye(dtype)(n, n if m is None else m, k)


def identity_like(x, dtype: str | None = None):
    """An identity-like matrix of x's shape."""
    x = as_tensor_variable(x)
    return eye(shape_i(x, 0), shape_i(x, 1), 0, dtype or x.type.dtype)


def tri(n, m=None, k: int = 0, dtype: str | None = None):
    """Ones on and below diagonal k of an n x m array, zeros above."""
    dtype = config.floatX if dtype in (None, "floatX") else dtype
    return Tri(dtype)(n, n if m is None else m, k)


def _triangle(m, k, lower: bool):
    m = as_tensor_variable(m)
    if m.type.ndim < 2:
        raise ValueError(f"tril/triu need an array of at least 2 dimensions, got {m.type}")
    rows, cols = shape_i(m, m.type.ndim - 2), shape_i(m, m.type.ndim - 1)
    if lower:
        mask = tri(rows, cols, k, dtype="bool")
    else:
        mask = Elemwise(sb.invert)(tri(rows, cols, Elemwise(sb.sub)(k, constant(1)),
                                       dtype="bool"))
    # a switch, not a product, so that inf and nan outside the triangle give 0 as in numpy
    return switch(mask, m, constant(0, dtype=m.type.dtype))


def tril(m, k: int = 0):
    """m with the entries above diagonal k set to zero (on the last two axes)."""
    return _triangle(m, k, lower=True)


def triu(m, k: int = 0):
    """m with the entries below diagonal k set to zero (on the last two axes)."""
    return _triangle(m, k, lower=False)


__all__ = [
    "ARange", "Alloc", "Eye", "Join", "Split", "Tri", "alloc", "arange", "as_tensor_variable",
    "cast", "concatenate", "constant", "eye", "fill", "float_ones_like", "full",
    "horizontal_stack", "identity", "identity_like", "join", "mgrid", "ogrid", "ones",
    "ones_like",
    "register_tensor_converter", "second", "split", "stack", "swapaxes", "switch", "tensor_copy",
    "transpose", "tri", "tril", "triu", "vertical_stack", "zeros", "zeros_like",
]
