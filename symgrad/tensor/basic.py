"""Tensor building blocks: constants, fill, ones/zeros_like, alloc, cast, transpose, copy."""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply, Constant
from symgrad.graph.op import Op
from symgrad.scalar import basic as sb
from symgrad.scalar.type import continuous_dtypes, discrete_dtypes
from symgrad.tensor.constant import as_tensor_variable, constant, register_tensor_converter
from symgrad.tensor.elemwise import DimShuffle, Elemwise, Sum
from symgrad.tensor.type import TensorType
from symgrad.config import config

second = Elemwise(sb.second, name="second")
fill = second
identity = Elemwise(sb.identity)
tensor_copy = identity


def ones_like(model, dtype: str | None = None):
    """An array of ones shaped like `model`, as fill(model, 1.0)."""
    model = as_tensor_variable(model)
    return fill(model, constant(1.0, dtype=dtype or model.type.dtype))


def zeros_like(model, dtype: str | None = None):
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


__all__ = [
    "Alloc", "alloc", "as_tensor_variable", "cast", "constant", "fill", "float_ones_like",
    "identity", "ones_like", "register_tensor_converter", "second", "switch", "tensor_copy",
    "transpose", "zeros_like",
]
