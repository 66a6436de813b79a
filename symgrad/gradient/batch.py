"""Running a backward pass for a whole batch of seeds at once (what jacobian and hessian use).

In: a gradient graph built once for one symbolic seed `g`, and a batched seed `G` with extra
leading axes (one row per output element). Out: the same graph rebuilt so that every node that
depends on `g` works on the batch, by a per-op batching rule. Nodes that do not depend on the
seed are shared unchanged. Ops' L_op are written for one seed; since a gradient is linear in its
seed, adding leading axes to everything downstream of the seed gives all rows at once, with no
loop at run time.

Ops added later register a rule with `@batch_rule.register(TheirOp)`.
"""
from __future__ import annotations

from functools import singledispatch

import numpy as np

from symgrad.errors import GradientError, format_frame
from symgrad.gradient.ops import GradientMarker
from symgrad.graph.basic import Apply, Variable
from symgrad.graph.op import Op
from symgrad.graph.traversal import graph_inputs, io_toposort
from symgrad.tensor.basic import Alloc, Join, Split, alloc, cast, eye
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.elemwise import CAReduce, DimShuffle, Elemwise
from symgrad.tensor.extra_ops import CumOp, LinearRecurrence
from symgrad.tensor.math import Dot, mul
from symgrad.tensor.nnet.basic import LogSoftmax, Softmax, SoftmaxGrad
from symgrad.tensor.products import Matmul
from symgrad.tensor.shape import (
    MakeVector,
    Rebroadcast,
    Reshape,
    Shape,
    ShapeI,
    SpecifyShape,
    shape_i,
)
from symgrad.tensor.subtensor import FULL_SLICE, AdvancedSubtensor, IncSubtensor, Subtensor


def identity_seed(like: Variable, dtype: str) -> tuple[Variable, list]:
    """Seeds for every element of `like` at once: shape like.shape + like.shape, with
    seed[i..., j...] = 1 where i == j. Returns it and the batch shape (like's shape)."""
    ndim = like.type.ndim
    sizes = [shape_i(like, d) for d in range(ndim)]
    seed = None
    for d, n in enumerate(sizes):
        # rows on batch axis d, columns on axis ndim + d, length-1 axes elsewhere
        pattern = ["x"] * (2 * ndim)
        pattern[d], pattern[ndim + d] = 0, 1
        ones_on_diagonal = eye(n, dtype=dtype).dimshuffle(*pattern)
        seed = ones_on_diagonal if seed is None else mul(seed, ones_on_diagonal)
    return seed, sizes


# --- batching rules: (op, node, inputs, batched flags, batch shape) -> outputs ---------------
class NoBatchRuleError(GradientError):
    """An op in the backward pass has no rule to run over a batch of seeds."""


@singledispatch
def batch_rule(op: Op, node: Apply, inputs: list, batched: list, batch_shape: list) -> list:
    """How `op`'s backward step runs over a leading batch of seeds: returns its outputs with the
    batch axes in front. Register a rule per op class with `batch_rule.register(OpClass)`."""
    raise NoBatchRuleError(
        f"cannot run the backward pass of {op} over a batch of seeds: it has no batching rule "
        "(register one with symgrad.gradient.batch.batch_rule.register)."
        f"\nThe node was built at:\n  {format_frame(node.trace)}")


@batch_rule.register(Elemwise)
def _batch_elemwise(op, node, inputs, batched, batch_shape):
    # Elemwise pads lower-rank inputs with leading broadcastable axes: exactly the batch axes
    return op.make_node(*inputs).outputs


@batch_rule.register(GradientMarker)
def _batch_marker(op, node, inputs, batched, batch_shape):
    return op.make_node(*inputs).outputs


@batch_rule.register(DimShuffle)
def _batch_dimshuffle(op, node, inputs, batched, batch_shape):
    k = len(batch_shape)
    order = list(range(k)) + [d if d == "x" else d + k for d in op.new_order]
    return [DimShuffle(op.input_ndim + k, order)(inputs[0])]


@batch_rule.register(CAReduce)
def _batch_careduce(op, node, inputs, batched, batch_shape):
    k = len(batch_shape)
    axes = range(node.inputs[0].type.ndim) if op.axis is None else op.axis
    return [CAReduce(op.scalar_op, tuple(a + k for a in axes), op.dtype)(inputs[0])]


@batch_rule.register(ShapeI)
def _batch_shape_i(op, node, inputs, batched, batch_shape):
    return [ShapeI(op.i + len(batch_shape))(inputs[0])]  # an unbatched length


@batch_rule.register(Alloc)
def _batch_alloc(op, node, inputs, batched, batch_shape):
    value, *shape = inputs
    if any(batched[1:]):
        raise GradientError("alloc's shape cannot depend on a gradient seed")
    k = len(batch_shape)
    v_ndim = node.inputs[0].type.ndim
    if batched[0]:
        # keep the batch axes first, then line the value up with the end of the shape
        order = list(range(k)) + ["x"] * (len(shape) - v_ndim) + [k + a for a in range(v_ndim)]
        value = DimShuffle(v_ndim + k, order)(value)
    return [alloc(value, *batch_shape, *shape)]


def _pad_front(var: Variable, batched: bool, k: int) -> Variable:
    """Unbatched operands get k broadcastable leading axes, to line up with batched ones."""
    if batched:
        return var
    return DimShuffle(var.type.ndim, ["x"] * k + list(range(var.type.ndim)))(var)


@batch_rule.register(Matmul)
def _batch_matmul(op, node, inputs, batched, batch_shape):
    k = len(batch_shape)
    return [op(*[_pad_front(v, b, k) for v, b in zip(inputs, batched)])]


@batch_rule.register(Dot)
def _batch_dot(op, node, inputs, batched, batch_shape):
    """dot with batch axes as a stack of matrix products (vectors as one row or column)."""
    k = len(batch_shape)
    x, y = inputs
    xd, yd = node.inputs[0].type.ndim, node.inputs[1].type.ndim
    xn, yn = x.type.ndim, y.type.ndim
    if xd == 1:  # a row: (..., 1, n)
        x = DimShuffle(xn, list(range(xn - 1)) + ["x", xn - 1])(x)
    if yd == 1:  # a column: (..., n, 1)
        y = DimShuffle(yn, list(range(yn)) + ["x"])(y)
    product = Matmul()(_pad_front(x, batched[0], k), _pad_front(y, batched[1], k))
    keep = list(range(k)) + ([k] if xd == 2 else []) + ([k + 1] if yd == 2 else [])
    out = DimShuffle(k + 2, keep)(product)
    out_dtype = node.outputs[0].type.dtype
    return [out if out.type.dtype == out_dtype else cast(out, out_dtype)]


@batch_rule.register(Softmax)
@batch_rule.register(SoftmaxGrad)
@batch_rule.register(LogSoftmax)
def _batch_along_axis(op, node, inputs, batched, batch_shape):
    # these ops take inputs of one shape: repeat the unbatched ones over the batch
    args = [lift_to_batch(v, b, batch_shape) for v, b in zip(inputs, batched)]
    return [type(op)(op.axis + len(batch_shape))(*args)]


@batch_rule.register(CumOp)
def _batch_cumop(op, node, inputs, batched, batch_shape):
    k = len(batch_shape)
    x = inputs[0]
    if op.axis is None:  # over the flattened array: flatten everything but the batch axes
        flat_shape = Join(0)(MakeVector("int64")(*batch_shape),
                             as_tensor_variable(np.array([-1], dtype="int64")))
        return [CumOp(k, op.mode)(Reshape(k + 1)(x, flat_shape))]
    return [CumOp(op.axis + k, op.mode)(x)]


@batch_rule.register(LinearRecurrence)
def _batch_linear_recurrence(op, node, inputs, batched, batch_shape):
    # a and b take one shape: the unbatched one is repeated over the batch
    args = [lift_to_batch(v, b, batch_shape) for v, b in zip(inputs, batched)]
    return [LinearRecurrence(op.axis + len(batch_shape), op.reverse)(*args)]


@batch_rule.register(SpecifyShape)
def _batch_specify_shape(op, node, inputs, batched, batch_shape):
    if any(batched[1:]):
        raise NoBatchRuleError("specify_shape: the lengths cannot depend on a gradient seed")
    return [op(inputs[0], *batch_shape, *inputs[1:])]


@batch_rule.register(Shape)
def _batch_shape(op, node, inputs, batched, batch_shape):
    return [op(inputs[0])[len(batch_shape):]]  # an unbatched shape


def lift_to_batch(var: Variable, batched: bool, batch_shape: list) -> Variable:
    """`var` with the batch axes in front: repeated (broadcast) when it has none."""
    if batched:
        return var
    return alloc(var, *batch_shape, *[shape_i(var, d) for d in range(var.type.ndim)])


def _shift_index(op, node, batched, batch_shape) -> tuple:
    """The index entries with one full slice per batch axis in front."""
    first = 2 if isinstance(op, IncSubtensor) else 1
    if any(batched[first:]):
        raise GradientError(f"{op}: an index cannot depend on a gradient seed")
    if "a" in op.entries:
        # numpy moves non-adjacent array indices to the front, in front of the batch axes
        positions = [p for p, e in enumerate(op.entries) if e in ("a", "i")]
        if positions != list(range(positions[0], positions[-1] + 1)):
            raise GradientError(f"jacobian cannot batch {op}: its array indices are not "
                                "adjacent\nThe node was built at:\n  "
                                f"{format_frame(node.trace)}")
    return (FULL_SLICE,) * len(batch_shape) + op.entries


@batch_rule.register(Subtensor)
@batch_rule.register(AdvancedSubtensor)
def _batch_subtensor(op, node, inputs, batched, batch_shape):
    entries = _shift_index(op, node, batched, batch_shape)
    return [type(op)(entries)(inputs[0], *inputs[1:])]


@batch_rule.register(IncSubtensor)
def _batch_inc_subtensor(op, node, inputs, batched, batch_shape):
    entries = _shift_index(op, node, batched, batch_shape)
    k = len(batch_shape)
    x, y, *index = inputs
    x = lift_to_batch(x, batched[0], batch_shape)
    if batched[1]:
        # y broadcasts into x[key] from the right: keep its batch axes in front of the padding
        target_ndim = op._indexed_type(node.inputs[0], node.inputs[2:]).ndim
        y_ndim = node.inputs[1].type.ndim
        order = list(range(k)) + ["x"] * (target_ndim - y_ndim) + [k + a for a in range(y_ndim)]
        y = DimShuffle(k + y_ndim, order)(y)
    return [IncSubtensor(entries, op.set_instead_of_inc)(x, y, *index)]


@batch_rule.register(Reshape)
def _batch_reshape(op, node, inputs, batched, batch_shape):
    if batched[1]:
        raise GradientError("reshape: the new shape cannot depend on a gradient seed")
    x, new_shape = inputs
    full_shape = Join(0)(MakeVector("int64")(*batch_shape), new_shape)
    return [Reshape(op.ndim + len(batch_shape))(x, full_shape)]


@batch_rule.register(Rebroadcast)
def _batch_rebroadcast(op, node, inputs, batched, batch_shape):
    k = len(batch_shape)
    return [Rebroadcast(*[(a + k, b) for a, b in op.axes])(inputs[0])]


@batch_rule.register(Join)
def _batch_join(op, node, inputs, batched, batch_shape):
    parts = [lift_to_batch(v, b, batch_shape) for v, b in zip(inputs, batched)]
    return [Join(op.axis + len(batch_shape))(*parts)]


@batch_rule.register(Split)
def _batch_split(op, node, inputs, batched, batch_shape):
    if batched[1]:
        raise GradientError("split: the lengths cannot depend on a gradient seed")
    out = Split(op.n_splits, op.axis + len(batch_shape))(*inputs)
    return out if isinstance(out, list) else [out]


@batch_rule.register(MakeVector)
def _batch_make_vector(op, node, inputs, batched, batch_shape):
    k = len(batch_shape)
    columns = [DimShuffle(k, list(range(k)) + ["x"])(lift_to_batch(v, b, batch_shape))
               for v, b in zip(inputs, batched)]
    return [Join(k)(*columns) if len(columns) > 1 else columns[0]]


def vectorize_over_seed(outputs: list, seed: Variable, batched_seed: Variable,
                        batch_shape: list) -> list:
    """`outputs` rebuilt with `seed` replaced by `batched_seed` (which has len(batch_shape)
    extra leading axes); every result gets those leading axes."""
    k = len(batch_shape)
    new: dict[Variable, Variable] = {seed: batched_seed}
    is_batched: dict[Variable, bool] = {seed: True}
    for node in io_toposort(graph_inputs(outputs, [seed]), outputs):
        flags = [is_batched.get(v, False) for v in node.inputs]
        if not any(flags):
            continue
        inputs = [new.get(v, v) for v in node.inputs]
        results = batch_rule(node.op, node, inputs, flags, batch_shape)
        for old, res in zip(node.outputs, results):
            if res.type.ndim not in (old.type.ndim, old.type.ndim + k):
                raise GradientError(f"the batching rule of {node.op} returned {res.type} for "
                                    f"{old.type} with {k} batch axes")
            new[old] = res
            is_batched[old] = res.type.ndim == old.type.ndim + k
    results = []
    for out in outputs:
        res = new.get(out, out)
        if not is_batched.get(out, False):
            # a gradient that does not depend on the seed is the same for every row
            res = alloc(res, *batch_shape, *[shape_i(res, d) for d in range(res.type.ndim)])
        results.append(res)
    return results
