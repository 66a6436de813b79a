"""Symbolic shapes: `x.shape` and its entries, reshape/flatten, adding and removing length-1
axes, and declaring which axes are broadcastable."""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply, Constant
from symgrad.graph.op import Op
from symgrad.scalar import basic as sb
from symgrad.scalar.type import discrete_dtypes, upcast
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.elemwise import CAReduce, DimShuffle, Elemwise
from symgrad.tensor.type import TensorType


class Shape(Op):
    """x.shape as an int64 vector."""

    def vector_length(self, node) -> int:
        return node.inputs[0].type.ndim

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType("int64", (x.type.ndim == 1,))()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = np.asarray(inputs[0].shape, dtype="int64")

    def infer_shape(self, fgraph, node, shapes):
        return [(len(shapes[0]),)]

    def L_op(self, inputs, outputs, output_grads):
        return [None]

    def R_op(self, inputs, eval_points):
        return [None]

    def connection_pattern(self, node):
        return [[False]]


class ShapeI(Op):
    """The length of one dimension of x, an int64 scalar."""

    __props__ = ("i",)

    def __init__(self, i: int) -> None:
        self.i = int(i)

    def __str__(self) -> str:
        return f"Shape_i{{{self.i}}}"

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        if not 0 <= self.i < x.type.ndim:
            raise ValueError(f"{x} has {x.type.ndim} dims, no dimension {self.i}")
        return Apply(self, [x], [TensorType("int64", ())()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = np.asarray(inputs[0].shape[self.i], dtype="int64")

    def infer_shape(self, fgraph, node, shapes):
        return [()]

    def L_op(self, inputs, outputs, output_grads):
        return [None]

    def R_op(self, inputs, eval_points):
        return [None]

    def connection_pattern(self, node):
        return [[False]]


shape = Shape()


def shape_i(x, i: int):
    """Length of dimension i of x; a constant when x's type says it is 1."""
    x = as_tensor_variable(x)
    if x.type.broadcastable[i]:
        return as_tensor_variable(np.int64(1))
    return ShapeI(i)(x)


def as_int64(v):
    """An integer scalar or vector as int64 (shape arithmetic is done in int64)."""
    v = as_tensor_variable(v)
    if v.type.dtype not in discrete_dtypes or v.type.dtype == "bool":
        raise TypeError(f"a shape entry must hold integers, got {v} ({v.type})")
    if v.type.dtype == "int64":
        return v
    if isinstance(v, Constant):  # a constant stays one, so its value remains visible
        return as_tensor_variable(v.data.astype("int64"))
    return Elemwise(sb.Cast("int64"))(v)


class MakeVector(Op):
    """A vector from scalars: `[a, b, c]`, mostly for symbolic shapes."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str = "int64") -> None:
        self.dtype = np.dtype(dtype).name

    def make_node(self, *scalars) -> Apply:
        scalars = [as_tensor_variable(s) for s in scalars]
        for s in scalars:
            if s.type.ndim != 0:
                raise TypeError(f"MakeVector takes scalars, got {s} ({s.type})")
            if upcast(s.type.dtype, self.dtype) != self.dtype:
                raise TypeError(f"MakeVector{{{self.dtype}}} cannot hold {s} ({s.type.dtype}) "
                                "without loss")
        scalars = [s if s.type.dtype == self.dtype else Elemwise(sb.Cast(self.dtype))(s)
                   for s in scalars]
        out = TensorType(self.dtype, (len(scalars) == 1,))()
        return Apply(self, scalars, [out])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = np.array(inputs, dtype=self.dtype).reshape(len(inputs))

    def infer_shape(self, fgraph, node, shapes):
        return [(len(node.inputs),)]

    def vector_length(self, node) -> int:
        return len(node.inputs)

    def L_op(self, inputs, outputs, output_grads):
        if self.dtype in discrete_dtypes:
            return [None] * len(inputs)
        (gz,) = output_grads
        grads = []
        for i in range(len(inputs)):  # one-hot weighting picks element i without indexing ops
            one_hot = np.zeros(len(inputs), dtype=self.dtype)
            one_hot[i] = 1
            grads.append(CAReduce(sb.add)(Elemwise(sb.mul)(gz, as_tensor_variable(one_hot))))
        return grads

    def R_op(self, inputs, eval_points):
        if all(e is None for e in eval_points):
            return [None]
        zero = as_tensor_variable(np.zeros((), dtype=self.dtype))
        return [self(*[zero if e is None else e for e in eval_points])]


def get_vector_length(v) -> int:
    """The static length of a symbolic vector (a constant, a shape, [a, b], a join ...)."""
    v = as_tensor_variable(v)
    if v.type.ndim != 1:
        raise TypeError(f"{v} is not a vector ({v.type})")
    if v.type.broadcastable[0]:
        return 1
    if isinstance(v, Constant):
        return len(v.data)
    node = v.owner
    if node is not None:
        if hasattr(node.op, "vector_length"):
            length = node.op.vector_length(node)
            if length is not None:
                return length
        if isinstance(node.op, Elemwise):  # as long as any input not declared of length 1
            for i in node.inputs:
                if i.type.ndim == 1 and not i.type.broadcastable[0]:
                    try:
                        return get_vector_length(i)
                    except ValueError:
                        continue
    raise ValueError(f"the length of vector {v} cannot be known before running; give the "
                     "number of dimensions explicitly (ndim=...)")


def shape_vector(shape):
    """A shape given as ints, scalars or a vector, as an int64 vector variable."""
    if isinstance(shape, (list, tuple)):
        entries = [as_tensor_variable(s) for s in shape]
        if all(isinstance(e, Constant) for e in entries):
            return as_tensor_variable(np.array([int(e.data) for e in entries], dtype="int64"))
        return MakeVector("int64")(*[as_int64(e) for e in entries])
    v = as_tensor_variable(shape)
    if v.type.ndim == 0:
        return shape_vector([v])
    return as_int64(v)


def _known_entries(vec, ndim: int) -> list:
    """The statically known entries of a shape vector (None where symbolic)."""
    if isinstance(vec, Constant):
        return [int(s) for s in vec.data]
    node = vec.owner
    if node is not None and isinstance(node.op, MakeVector):
        return [int(i.data) if isinstance(i, Constant) else None for i in node.inputs]
    return [None] * ndim


class Reshape(Op):
    """x with a new shape (a vector of `ndim` entries, one of which may be -1); a view."""

    __props__ = ("ndim",)

    def __init__(self, ndim: int) -> None:
        self.ndim = int(ndim)

    def __str__(self) -> str:
        return f"Reshape{{{self.ndim}}}"

    def make_node(self, x, shape) -> Apply:
        x = as_tensor_variable(x)
        shape = shape_vector(shape)
        if shape.type.ndim != 1:
            raise TypeError(f"reshape: the new shape must be a vector, got {shape.type}")
        known = _known_entries(shape, self.ndim)
        if len(known) != self.ndim:
            raise ValueError(f"reshape: a shape of {len(known)} entries for ndim={self.ndim}")
        bcast = tuple(k == 1 for k in known)
        return Apply(self, [x, shape], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        x, shape = inputs
        if len(shape) != self.ndim:
            raise ValueError(f"reshape: got a shape of {len(shape)} entries for ndim={self.ndim}")
        output_storage[0][0] = np.reshape(x, tuple(int(s) for s in shape))

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, output_grads):
        x, _ = inputs
        if x.type.dtype in discrete_dtypes:
            return [None, None]
        return [Reshape(x.type.ndim)(output_grads[0], shape(x)), None]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], inputs[1])]

    def infer_shape(self, fgraph, node, shapes):
        vec = node.inputs[1]
        size = None
        for s in shapes[0]:
            size = as_int64(s) if size is None else Elemwise(sb.mul)(size, as_int64(s))
        size = as_tensor_variable(np.int64(1)) if size is None else size
        entries = _entry_scalars(vec, self.ndim)
        if not any(_may_be_minus_one(e) for e in entries):
            return [tuple(entries)]
        # with one -1 entry, the product of all entries is minus the product of the others
        product = entries[0]
        for e in entries[1:]:
            product = Elemwise(sb.mul)(product, e)
        minus_one = as_tensor_variable(np.int64(-1))
        one = as_tensor_variable(np.int64(1))
        missing = Elemwise(sb.int_div)(size, Elemwise(sb.maximum)(Elemwise(sb.neg)(product), one))
        return [tuple(Elemwise(sb.switch)(Elemwise(sb.eq)(e, minus_one), missing, e)
                      if _may_be_minus_one(e) else e for e in entries)]


def _may_be_minus_one(entry) -> bool:
    return not isinstance(entry, Constant) or int(entry.data) == -1


def _entry_scalars(vec, ndim: int) -> list:
    """The entries of a shape vector as int64 scalars, read from [a, b] or a constant directly."""
    if isinstance(vec, Constant):
        return [as_tensor_variable(np.int64(s)) for s in vec.data]
    if vec.owner is not None and isinstance(vec.owner.op, MakeVector):
        return [as_int64(e) for e in vec.owner.inputs]
    return [as_int64(ShapeEntry(i)(vec)) for i in range(ndim)]


class ShapeEntry(Op):
    """Entry i of an integer vector as a scalar (used for shapes, which have no gradient)."""

    __props__ = ("i",)

    def __init__(self, i: int) -> None:
        self.i = int(i)

    def make_node(self, v) -> Apply:
        v = as_tensor_variable(v)
        return Apply(self, [v], [TensorType(v.type.dtype, ())()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = np.asarray(inputs[0][self.i])

    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, output_grads):
        return [None]

    def R_op(self, inputs, eval_points):
        return [None]

    def infer_shape(self, fgraph, node, shapes):
        return [()]


def reshape(x, newshape, ndim: int | None = None):
    """x with shape `newshape` (ints and symbolic scalars, or a vector; one entry may be -1)."""
    x = as_tensor_variable(x)
    vec = shape_vector(newshape)
    if ndim is None:
        ndim = get_vector_length(vec)
    return Reshape(ndim)(x, vec)


def flatten(x, ndim: int = 1, outdim: int | None = None):
    """x with its trailing dimensions merged so that `ndim` remain (`outdim` in old Theano)."""
    x = as_tensor_variable(x)
    ndim = outdim if outdim is not None else ndim
    if not 1 <= ndim <= max(x.type.ndim, 1):
        raise ValueError(f"flatten: ndim={ndim} for a {x.type.ndim}-d array")
    kept = [shape_i(x, i) for i in range(ndim - 1)]
    # the merged length is spelled out: numpy cannot infer a -1 next to a zero length
    merged = None
    for i in range(ndim - 1, x.type.ndim):
        n = shape_i(x, i)
        merged = n if merged is None else Elemwise(sb.mul)(merged, n)
    return reshape(x, kept + [1 if merged is None else merged], ndim)


def shape_tuple(x) -> tuple:
    """x's shape as a tuple of symbolic scalars (1 where the type says so)."""
    x = as_tensor_variable(x)
    return tuple(shape_i(x, i) for i in range(x.type.ndim))


class Rebroadcast(Op):
    """x with some axes declared broadcastable (checked to have length 1 when run) or not."""

    __props__ = ("axes",)

    def __init__(self, *axes) -> None:
        self.axes = tuple(sorted((int(a), bool(b)) for a, b in axes))

    def __str__(self) -> str:
        return f"Rebroadcast{{{','.join(f'{a}:{int(b)}' for a, b in self.axes)}}}"

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        bcast = list(x.type.broadcastable)
        for a, b in self.axes:
            if not 0 <= a < x.type.ndim:
                raise ValueError(f"{self}: {x} has no axis {a}")
            bcast[a] = b
        return Apply(self, [x], [TensorType(x.type.dtype, tuple(bcast))()])

    def perform(self, node, inputs, output_storage) -> None:
        (x,) = inputs
        for a, b in self.axes:
            if b and x.shape[a] != 1:
                raise ValueError(f"axis {a} was declared broadcastable (length 1) but has length "
                                 f"{x.shape[a]} (shape {x.shape})")
        output_storage[0][0] = x

    def infer_shape(self, fgraph, node, shapes):
        flags = dict(self.axes)
        return [tuple(1 if flags.get(a) else s for a, s in enumerate(shapes[0]))]

    def L_op(self, inputs, outputs, output_grads):
        (x,) = inputs
        if x.type.dtype in discrete_dtypes:
            return [None]
        back = [(a, x.type.broadcastable[a]) for a, _ in self.axes]
        return [Rebroadcast(*back)(output_grads[0])]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]


class SpecifyShape(Op):
    """x, checked when run to have the given shape (None entries are not checked), so that
    graphs computing its shape can use the given lengths."""

    def make_node(self, x, *shape) -> Apply:
        x = as_tensor_variable(x)
        if len(shape) != x.type.ndim:
            raise ValueError(f"specify_shape: {len(shape)} lengths for {x} ({x.type.ndim} dims)")
        lengths = [as_int64(-1 if s is None else s) for s in shape]
        bcast = tuple(b or (isinstance(s, Constant) and int(s.data) == 1)
                      for b, s in zip(x.type.broadcastable, lengths))
        return Apply(self, [x, *lengths], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        x, *lengths = inputs
        if any(n != -1 and n != got for n, got in zip(lengths, x.shape)):
            wanted = tuple(None if n == -1 else int(n) for n in lengths)
            raise ValueError(f"specify_shape: expected shape {wanted}, got {x.shape}")
        output_storage[0][0] = x

    def infer_shape(self, fgraph, node, shapes):
        given = node.inputs[1:]
        return [tuple(s if isinstance(n, Constant) and int(n.data) == -1 else n
                      for s, n in zip(shapes[0], given))]

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)

    def L_op(self, inputs, outputs, output_grads):
        x = inputs[0]
        grad = None if x.type.dtype in discrete_dtypes else output_grads[0]
        return [grad] + [None] * (len(inputs) - 1)

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], *inputs[1:])]


def specify_shape(x, shape):
    """x, with its shape declared (ints, symbolic scalars or None per axis; checked when run)."""
    x = as_tensor_variable(x)
    if not isinstance(shape, (list, tuple)):
        vec = shape_vector(shape)
        shape = [ShapeEntry(i)(vec) for i in range(get_vector_length(vec))]
    return SpecifyShape()(x, *shape)


def _axis_list(axes, ndim: int) -> list:
    if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
        axes = axes[0]
    return [a + ndim if a < 0 else a for a in axes]


def addbroadcast(x, *axes):
    """x with `axes` declared broadcastable (length 1, checked when run)."""
    x = as_tensor_variable(x)
    axes = [a for a in _axis_list(axes, x.type.ndim) if not x.type.broadcastable[a]]
    return Rebroadcast(*[(a, True) for a in axes])(x) if axes else x


def unbroadcast(x, *axes):
    """x with `axes` no longer declared broadcastable."""
    x = as_tensor_variable(x)
    axes = [a for a in _axis_list(axes, x.type.ndim) if x.type.broadcastable[a]]
    return Rebroadcast(*[(a, False) for a in axes])(x) if axes else x


def patternbroadcast(x, broadcastable):
    """x with exactly the broadcastable pattern given."""
    x = as_tensor_variable(x)
    changes = [(a, bool(b)) for a, b in enumerate(broadcastable) if bool(b) !=
               x.type.broadcastable[a]]
    return Rebroadcast(*changes)(x) if changes else x


specify_broadcastable = addbroadcast


def squeeze(x, axis=None):
    """x without length-1 axes: all axes its type declares broadcastable, or `axis`
    (checked to have length 1 when run)."""
    x = as_tensor_variable(x)
    if axis is None:
        drop = [a for a, b in enumerate(x.type.broadcastable) if b]
    else:
        drop = _axis_list(axis if isinstance(axis, (list, tuple)) else (axis,), x.type.ndim)
        x = addbroadcast(x, *drop)
    if not drop:
        return x
    return DimShuffle(x.type.ndim, [a for a in range(x.type.ndim) if a not in drop])(x)


def expand_dims(x, axis):
    """x with new length-1 axes at positions `axis` of the result (numpy's expand_dims)."""
    x = as_tensor_variable(x)
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    out_ndim = x.type.ndim + len(axes)
    new = {a + out_ndim if a < 0 else a for a in axes}
    if len(new) != len(axes) or any(not 0 <= a < out_ndim for a in new):
        raise ValueError(f"expand_dims: invalid axes {axis} for a {x.type.ndim}-d array")
    it = iter(range(x.type.ndim))
    return DimShuffle(x.type.ndim, ["x" if a in new else next(it) for a in range(out_ndim)])(x)


def shape_padleft(t, n_ones: int = 1):
    """t with `n_ones` broadcastable axes in front."""
    t = as_tensor_variable(t)
    return DimShuffle(t.type.ndim, ["x"] * n_ones + list(range(t.type.ndim)))(t)


def shape_padright(t, n_ones: int = 1):
    """t with `n_ones` broadcastable axes at the end."""
    t = as_tensor_variable(t)
    return DimShuffle(t.type.ndim, list(range(t.type.ndim)) + ["x"] * n_ones)(t)


def shape_padaxis(t, axis: int):
    """t with one broadcastable axis inserted at `axis` (of the result)."""
    return expand_dims(t, axis)


__all__ = [
    "MakeVector",
    "Rebroadcast",
    "Reshape",
    "Shape",
    "ShapeI",
    "SpecifyShape",
    "addbroadcast",
    "expand_dims",
    "flatten",
    "get_vector_length",
    "patternbroadcast",
    "reshape",
    "shape",
    "shape_i",
    "shape_padaxis",
    "shape_padleft",
    "shape_padright",
    "shape_tuple",
    "specify_broadcastable",
    "specify_shape",
    "squeeze",
    "unbroadcast",
]
