"""Products beyond matrices: tensordot, numpy's dot on n-d arrays, matmul (`@`), batched_dot.

tensordot and n-d dot are built from transpose, reshape and the 2-d Dot, so their gradients
come from those ops. matmul broadcasts batch axes and has its own op.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.scalar.type import discrete_dtypes, upcast
from symgrad.tensor import math as tm
from symgrad.tensor.basic import as_tensor_variable, transpose
from symgrad.tensor.elemwise import DimShuffle
from symgrad.tensor.shape import reshape, shape_i
from symgrad.tensor.subtensor import sum_to_shape_of
from symgrad.tensor.type import TensorType


def _product(lengths):
    total = None
    for n in lengths:
        total = n if total is None else tm.mul(total, n)
    return 1 if total is None else total


def _tensordot_axes(a, b, axes) -> tuple[list, list]:
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > a.type.ndim or n > b.type.ndim:
            raise ValueError(f"tensordot: cannot sum over {n} axes of {a.type} and {b.type}")
        return list(range(a.type.ndim - n, a.type.ndim)), list(range(n))
    try:
        a_axes, b_axes = axes
    except (TypeError, ValueError):
        raise ValueError("tensordot: axes must be an int or a pair of axis lists") from None
    a_axes = [a_axes] if isinstance(a_axes, (int, np.integer)) else list(a_axes)
    b_axes = [b_axes] if isinstance(b_axes, (int, np.integer)) else list(b_axes)
    if len(a_axes) != len(b_axes):
        raise ValueError(f"tensordot: {len(a_axes)} axes of a paired with {len(b_axes)} of b")
    norm = []
    for axes_, x in ((a_axes, a), (b_axes, b)):
        fixed = [int(ax) + x.type.ndim if ax < 0 else int(ax) for ax in axes_]
        if any(not 0 <= ax < x.type.ndim for ax in fixed) or len(set(fixed)) != len(fixed):
            raise ValueError(f"tensordot: invalid axes {axes_} for {x.type}")
        norm.append(fixed)
    return norm[0], norm[1]


def tensordot(a, b, axes=2):
    """Sum of products over `axes` (an int: the last n of a with the first n of b; or a pair
    of axis lists), as numpy's tensordot."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    a_sum, b_sum = _tensordot_axes(a, b, axes)
    a_free = [ax for ax in range(a.type.ndim) if ax not in a_sum]
    b_free = [ax for ax in range(b.type.ndim) if ax not in b_sum]
    a_free_len = [shape_i(a, ax) for ax in a_free]
    b_free_len = [shape_i(b, ax) for ax in b_free]
    summed_len = _product([shape_i(a, ax) for ax in a_sum])
    # everything becomes one matrix product: (free a, summed) x (summed, free b)
    a2 = reshape(transpose(a, a_free + a_sum), [_product(a_free_len), summed_len])
    b2 = reshape(transpose(b, b_sum + b_free), [summed_len, _product(b_free_len)])
    out = tm.dot(a2, b2)
    return reshape(out, a_free_len + b_free_len, ndim=len(a_free) + len(b_free))


def dot(a, b):
    """numpy's dot: scalars scale, vectors and matrices multiply, and n-d arrays sum over the
    last axis of a and the second-to-last of b (the only one when b is a vector)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.type.ndim <= 2 and b.type.ndim <= 2:
        return tm.dot(a, b)
    return tensordot(a, b, [[a.type.ndim - 1], [max(b.type.ndim - 2, 0)]])


def _swap_last(x):
    order = list(range(x.type.ndim))
    order[-2], order[-1] = order[-1], order[-2]
    return DimShuffle(x.type.ndim, order)(x)


class Matmul(Op):
    """Stacks of matrix products with numpy's batch broadcasting; both inputs at least 2-d and
    of equal rank (the matmul function pads them)."""

    def make_node(self, a, b) -> Apply:
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        if a.type.ndim < 2 or a.type.ndim != b.type.ndim:
            raise TypeError(f"Matmul takes two arrays of the same rank >= 2, got {a.type} and "
                            f"{b.type}")
        batch = tuple(x and y for x, y in zip(a.type.broadcastable[:-2],
                                             b.type.broadcastable[:-2]))
        bcast = batch + (a.type.broadcastable[-2], b.type.broadcastable[-1])
        return Apply(self, [a, b], [TensorType(upcast(a.type.dtype, b.type.dtype), bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        a, b = inputs
        for axis, (x, y) in enumerate(zip(node.inputs[0].type.broadcastable[:-2],
                                          node.inputs[1].type.broadcastable[:-2])):
            n, m = a.shape[axis], b.shape[axis]
            # stretching an axis not declared broadcastable would break the gradient's shape
            if n != m and not ((x and n == 1) or (y and m == 1)):
                raise ValueError(f"matmul: batch axis {axis} has lengths {n} and {m} (shapes "
                                 f"{a.shape} and {b.shape})")
        out = np.matmul(a, b)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        a_bcast = node.inputs[0].type.broadcastable
        batch = [sb_ if ba else sa for sa, sb_, ba in
                 zip(shapes[0][:-2], shapes[1][:-2], a_bcast[:-2])]
        return [tuple(batch) + (shapes[0][-2], shapes[1][-1])]

    def L_op(self, inputs, outputs, output_grads):
        a, b = inputs
        (gz,) = output_grads
        ga = None if a.type.dtype in discrete_dtypes else \
            sum_to_shape_of(self(gz, _swap_last(b)), a)
        gb = None if b.type.dtype in discrete_dtypes else \
            sum_to_shape_of(self(_swap_last(a), gz), b)
        return [ga, gb]

    def R_op(self, inputs, eval_points):
        a, b = inputs
        ea, eb = eval_points
        terms = ([self(ea, b)] if ea is not None else []) + \
            ([self(a, eb)] if eb is not None else [])
        if not terms:
            return [None]
        return [terms[0] if len(terms) == 1 else tm.add(*terms)]


_matmul = Matmul()


def matmul(a, b):
    """numpy's matmul (the `@` operator): matrix products over the last two axes, batch axes
    broadcast; a 1-d operand is a row (on the left) or a column (on the right)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.type.ndim == 0 or b.type.ndim == 0:
        raise ValueError("matmul: scalar operands are not allowed; use * or dot")
    if a.type.ndim <= 2 and b.type.ndim <= 2:
        return tm.dot(a, b)
    drop = []
    if a.type.ndim == 1:
        a = DimShuffle(1, ["x", 0])(a)
        drop.append(-2)
    if b.type.ndim == 1:
        b = DimShuffle(1, [0, "x"])(b)
        drop.append(-1)
    ndim = max(a.type.ndim, b.type.ndim)
    a, b = _pad_left(a, ndim), _pad_left(b, ndim)
    out = _matmul(a, b)
    if drop:
        keep = [ax for ax in range(ndim) if ax - ndim not in drop]
        out = DimShuffle(ndim, keep)(out)
    return out


def _pad_left(x, ndim: int):
    if x.type.ndim == ndim:
        return x
    return DimShuffle(x.type.ndim, ["x"] * (ndim - x.type.ndim) + list(range(x.type.ndim)))(x)


def batched_dot(a, b):
    """One dot per entry of the first axis: (B, n, m) x (B, m, p) -> (B, n, p); a (B, n)
    operand is a batch of vectors."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.type.ndim not in (2, 3) or b.type.ndim not in (2, 3):
        raise TypeError(f"batched_dot takes 2-d or 3-d arrays, got {a.type} and {b.type}; use "
                        "batched_tensordot for more axes")
    drop = []
    if a.type.ndim == 2:
        a = DimShuffle(2, [0, "x", 1])(a)
        drop.append(1)
    if b.type.ndim == 2:
        b = DimShuffle(2, [0, 1, "x"])(b)
        drop.append(2)
    out = _matmul(a, b)
    if drop:
        out = DimShuffle(3, [ax for ax in range(3) if ax not in drop])(out)
    return out


def batched_tensordot(a, b, axes=2):
    """tensordot for each entry of the first axis. `axes` is an int n (the last n axes of a
    with the n axes of b after the batch axis) or a pair of axis lists of the full arrays."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if isinstance(axes, (int, np.integer)):
        a_sum = list(range(a.type.ndim - int(axes), a.type.ndim))
        b_sum = list(range(1, int(axes) + 1))
    else:
        a_sum, b_sum = _tensordot_axes(a, b, axes)
    if 0 in a_sum or 0 in b_sum or len(a_sum) != len(b_sum) or max(b_sum, default=0) >= \
            b.type.ndim or min(a_sum, default=1) < 1:
        raise ValueError(f"batched_tensordot: invalid axes {axes} for {a.type} and {b.type} "
                         "(axis 0 is the batch axis)")
    a_free = [ax for ax in range(1, a.type.ndim) if ax not in a_sum]
    b_free = [ax for ax in range(1, b.type.ndim) if ax not in b_sum]
    batch = shape_i(a, 0)
    a_free_len = [shape_i(a, ax) for ax in a_free]
    b_free_len = [shape_i(b, ax) for ax in b_free]
    summed_len = _product([shape_i(a, ax) for ax in a_sum])
    a3 = reshape(transpose(a, [0] + a_free + a_sum), [batch, _product(a_free_len), summed_len])
    b3 = reshape(transpose(b, [0] + b_sum + b_free), [batch, summed_len, _product(b_free_len)])
    out = _matmul(a3, b3)
    return reshape(out, [batch] + a_free_len + b_free_len, ndim=1 + len(a_free) + len(b_free))


__all__ = ["Matmul", "batched_dot", "batched_tensordot", "dot", "matmul", "tensordot"]
