"""Rewrites every mode runs: merge, constant folding, and removal of operations that do nothing.

Unused nodes need no rewrite of their own: FunctionGraph drops a node once nothing uses it.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Constant, Variable
from symgrad.graph.fgraph import FunctionGraph
from symgrad.graph.inline import is_inlinable
from symgrad.rewriting.db import register
from symgrad.rewriting.engine import (
    GraphRewriter,
    constant_equals,
    constant_value,
    node_rewriter,
    report_failure,
)
from symgrad.scalar import basic as sb
from symgrad.scalar import math as sm
from symgrad.tensor.basic import Alloc, as_tensor_variable, cast
from symgrad.tensor.elemwise import DimShuffle, Elemwise
from symgrad.tensor.shape import (
    MakeVector,
    Rebroadcast,
    Shape,
    ShapeI,
    SpecifyShape,
    shape_i,
)
from symgrad.tensor.subtensor import Subtensor
from symgrad.tensor.type import TensorType
from symgrad.tensor.variable import TensorConstant


# --- merge ------------------------------------------------------------------------------------
class MergeRewriter(GraphRewriter):
    """Equal constants become one constant; nodes applying an equal op to the same inputs become
    one node (ops compare by their parameters, so equality is by value)."""

    name = "merge"

    def apply(self, fgraph: FunctionGraph) -> int:
        changes = 0
        kept: dict = {}
        constants = sorted((v for v in fgraph.variables if isinstance(v, Constant)),
                           key=lambda v: v.auto_id)
        for const in constants:
            keep = kept.setdefault(const.signature(), const)
            if keep is not const and const in fgraph.variables:
                changes += _replace_all(fgraph, [(const, keep)], self.name)
        seen: dict = {}
        for node in fgraph.toposort():
            if node not in fgraph.apply_nodes:
                continue
            key = (node.op, tuple(node.inputs))
            other = seen.setdefault(key, node)
            if other is not node and len(other.outputs) == len(node.outputs):
                changes += _replace_all(fgraph, list(zip(node.outputs, other.outputs)),
                                        self.name)
        return changes


def _replace_all(fgraph: FunctionGraph, pairs, reason: str) -> int:
    try:
        for old, new in pairs:
            if old in fgraph.variables:
                fgraph.replace(old, new, reason=reason)
        return 1
    except Exception as exc:  # noqa: BLE001 - any failure must leave the graph usable
        report_failure(reason, pairs[0][0].owner, exc)
        return 0


merge = register("merge", "merge_final")(MergeRewriter())


# --- constant folding -------------------------------------------------------------------------
_FOLD_LIMIT = 1 << 20  # elements: larger results stay computed at run time rather than stored


def tensor_constant(value, dtype: str, ndim: int) -> Variable:
    """`value` as a constant of `dtype` with `ndim` dims: a 0-d constant broadcast by a
    DimShuffle when it is a single number (as Elemwise pads literals, and pp prints them)."""
    arr = np.asarray(value, dtype=dtype)
    if arr.size == 1:
        const = TensorConstant(TensorType(dtype, ()), arr.reshape(()).copy())
        return DimShuffle(0, ("x",) * ndim)(const) if ndim else const
    arr = arr.reshape((1,) * (ndim - arr.ndim) + arr.shape)
    return TensorConstant(TensorType(dtype, tuple(n == 1 for n in arr.shape)), arr.copy())


@register("useless", "canonicalize", "stabilize", "specialize")
@node_rewriter()
def local_constant_folding(fgraph, node):
    """op(constants...) -> constant"""
    if not node.inputs or not all(isinstance(o.type, TensorType) for o in node.outputs):
        return None  # only arrays become constants (not random generators, for one)
    if isinstance(node.op, DimShuffle) and node.op.is_broadcast_only:
        return None  # a free view that keeps the constant printable as a number
    values = [constant_value(i) for i in node.inputs]
    if any(v is None for v in values):
        return None
    cells = [[None] for _ in node.outputs]
    node.op.perform(node, values, cells)
    results = []
    for out, (value,) in zip(node.outputs, cells):
        if np.size(value) > _FOLD_LIMIT:
            return None
        value = np.asarray(value, dtype=out.type.dtype)
        if value.size == 1 and all(out.type.broadcastable):
            results.append(tensor_constant(value, out.type.dtype, out.type.ndim))
        else:
            results.append(out.type.make_constant(value))
    return results


@register("useless", "canonicalize")
@node_rewriter()
def local_inline_op_from_graph(fgraph, node):
    """OpFromGraph(inline=True)(inputs) -> its graph on those inputs, so every rewrite sees
    inside it"""
    if getattr(node.op, "is_inline", False) and is_inlinable(node.op):
        return node.op.inline_graph(list(node.inputs))
    return None


# --- useless operations -----------------------------------------------------------------------
def is_elemwise(var_or_node, scalar_class) -> bool:
    """Whether a node (or a variable's owner) is an Elemwise of `scalar_class`."""
    node = getattr(var_or_node, "owner", var_or_node)
    return node is not None and isinstance(node.op, Elemwise) and \
        isinstance(node.op.scalar_op, scalar_class)


@register("useless", "canonicalize", "stabilize", "specialize")
@node_rewriter([sb.Second])
def local_useless_fill(fgraph, node):
    """fill(a, b) -> b, when b already has the output's type (so its shape too)"""
    b = node.inputs[1]
    if b.type == node.outputs[0].type:
        return [b]
    return None


@register("useless", "canonicalize", "stabilize", "specialize")
@node_rewriter([sb.Cast, sb.Identity])
def local_useless_cast(fgraph, node):
    """cast(x, x.dtype) -> x; identity(x) -> x"""
    (x,) = node.inputs
    if x.type == node.outputs[0].type:
        return [x]
    return None


@register("useless", "canonicalize", "stabilize", "specialize")
@node_rewriter([DimShuffle])
def local_useless_dimshuffle(fgraph, node):
    """DimShuffle{0,1,...}(x) -> x; DimShuffle(DimShuffle(x)) -> one DimShuffle(x)"""
    (x,) = node.inputs
    op = node.op
    if op.is_identity:
        return [x]
    inner = x.owner
    if inner is not None and isinstance(inner.op, DimShuffle):
        inner_order = inner.op.new_order
        order = tuple("x" if d == "x" else inner_order[d] for d in op.new_order)
        y = inner.inputs[0]
        if order == tuple(range(y.type.ndim)):
            return [y]
        return [DimShuffle(y.type.ndim, order)(y)]
    return None


def _drop_neutral(node, neutral) -> list | None:
    """The node's op applied to its inputs minus constants equal to `neutral`, if that keeps the
    output type; None when nothing can be dropped."""
    out = node.outputs[0]
    kept = [i for i in node.inputs if not constant_equals(i, neutral)]
    if len(kept) == len(node.inputs) or not kept:
        return None
    new = kept[0] if len(kept) == 1 else node.op(*kept)
    return [new] if new.type == out.type else None


@register("useless", "canonicalize", "stabilize", "specialize")
@node_rewriter([sb.Mul, sb.Add])
def local_useless_neutral(fgraph, node):
    """x * 1 -> x, x + 0 -> x (when the type stays the same)"""
    neutral = 1 if isinstance(node.op.scalar_op, sb.Mul) else 0
    return _drop_neutral(node, neutral)


@register("useless", "canonicalize", "stabilize", "specialize")
@node_rewriter([sb.Sub, sb.TrueDiv, sm.Pow])
def local_useless_right_neutral(fgraph, node):
    """x - 0 -> x, x / 1 -> x, x ** 1 -> x (when the type stays the same)"""
    x, y = node.inputs
    neutral = 0 if isinstance(node.op.scalar_op, sb.Sub) else 1
    if constant_equals(y, neutral) and x.type == node.outputs[0].type:
        return [x]
    return None


@register("useless", "canonicalize", "specialize")
@node_rewriter([Alloc])
def local_useless_alloc(fgraph, node):
    """alloc(x, x.shape[0], ..., x.shape[n-1]) -> x"""
    x, *shape = node.inputs
    if x.type != node.outputs[0].type:
        return None
    for axis, s in enumerate(shape):
        same = (s.owner is not None and isinstance(s.owner.op, ShapeI)
                and s.owner.op.i == axis and s.owner.inputs[0] is x)
        if not same and not (x.type.broadcastable[axis] and constant_equals(s, 1)):
            return None
    return [x]


# --- shapes -----------------------------------------------------------------------------------
def _built_only_from_graph(fgraph: FunctionGraph, var: Variable, forbidden) -> bool:
    """Whether `var` (new nodes down to the graph's variables) avoids `forbidden` variables."""
    stack, seen = [var], set()
    while stack:
        v = stack.pop()
        if v in forbidden:
            return False
        if v in seen or v in fgraph.variables:
            continue
        seen.add(v)
        if v.owner is not None:
            stack.extend(v.owner.inputs)
    return True


@register("canonicalize", "stabilize", "specialize")
@node_rewriter([ShapeI])
def local_shape_i_of_result(fgraph, node):
    """Shape_i{k}(op(x, ...)) -> dimension k from op.infer_shape and the inputs' shapes"""
    (var,) = node.inputs
    producer = var.owner
    if producer is None or not hasattr(producer.op, "infer_shape"):
        return None
    if isinstance(producer.op, SpecifyShape):
        return None  # the given lengths hold only once the check has run: read them from it
    shapes = [tuple(shape_i(i, d) for d in range(i.type.ndim))
              if isinstance(i.type, TensorType) else None for i in producer.inputs]
    try:
        out_shapes = producer.op.infer_shape(fgraph, producer, shapes)
    except NotImplementedError:
        return None
    if out_shapes is None or out_shapes[var.index] is None:
        return None
    dim = as_tensor_variable(out_shapes[var.index][node.op.i])
    if dim.type.ndim != 0 or dim.type.dtype not in ("int8", "int16", "int32", "int64",
                                                    "uint8", "uint16", "uint32"):
        return None
    dim = cast(dim, "int64")
    if not _built_only_from_graph(fgraph, dim, set(producer.outputs)):
        return None  # the op reads its own output's shape: nothing to gain
    return [dim]


@register("canonicalize", "stabilize", "specialize")
@node_rewriter([Shape])
def local_shape_to_shape_i(fgraph, node):
    """shape(x) -> [Shape_i{0}(x), Shape_i{1}(x), ...]: each entry can then simplify alone"""
    (x,) = node.inputs
    out = node.outputs[0]
    if x.type.ndim == 0:
        new = as_tensor_variable(np.zeros(0, dtype="int64"))
    else:
        new = MakeVector("int64")(*[shape_i(x, d) for d in range(x.type.ndim)])
    return [new] if new.type == out.type else None


def _constant_int(var: Variable):
    data = constant_value(var)
    if data is None or np.ndim(data) != 0:
        return None
    return int(data)


@register("canonicalize", "stabilize", "specialize")
@node_rewriter([Subtensor])
def local_subtensor_of_make_vector(fgraph, node):
    """[a, b, c][-1] -> c; [a, b, c][1:] -> [b, c] (constant indices inside the vector)"""
    vec, *index_inputs = node.inputs
    if vec.owner is None or not isinstance(vec.owner.op, MakeVector) \
            or len(node.op.entries) != 1:
        return None
    entries = vec.owner.inputs
    (entry,) = node.op.entries
    values = [_constant_int(v) for v in index_inputs]
    if any(v is None for v in values):
        return None
    if entry == "i":
        (k,) = values
        if not -len(entries) <= k < len(entries):
            return None  # out of range: the Subtensor raises IndexError when run
        return [entries[k]]
    if not isinstance(entry, tuple) or entry[0] != "s":
        return None
    it = iter(values)
    start, stop, step = (next(it) if given else None for given in entry[1:])
    if step == 0:
        return None  # numpy's error, at run time
    new = MakeVector(vec.owner.op.dtype)(*entries[start:stop:step])
    out = node.outputs[0]
    if new.type.broadcastable != out.type.broadcastable:  # one entry left: declared length 1
        new = Rebroadcast((0, out.type.broadcastable[0]))(new)
    return [new] if new.type == out.type else None


@register("specialize")
@node_rewriter([sb.Second])
def local_fill_of_result_to_alloc(fgraph, node):
    """fill(f(x), b) -> alloc(b, *shape of f(x)): the shape, not f(x), is what the fill needs"""
    a, b = node.inputs
    out = node.outputs[0]
    if a.owner is None or b.type == out.type:
        return None
    # where only b has the full length, its shape gives the output's
    shape = [shape_i(b if a_bc and not b_bc else a, d)
             for d, (a_bc, b_bc) in enumerate(zip(a.type.broadcastable, b.type.broadcastable))]
    new = Alloc()(b, *shape)
    return [new] if new.type == out.type else None
