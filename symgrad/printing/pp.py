"""Theano's pretty printer: every op's printed form, chosen in one table.

Operators always parenthesise, `fill(a, b)` for second, constants print their value, and a
DimShuffle that only inserts broadcast axes is hidden.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from symgrad.graph.basic import Constant, Variable
from symgrad.scalar import basic as sb
from symgrad.tensor.basic import Join
from symgrad.tensor.elemwise import CAReduce, DimShuffle, Elemwise
from symgrad.tensor.math import Dot
from symgrad.tensor.random.op import RandomVariable
from symgrad.tensor.shape import MakeVector, Reshape, Shape
from symgrad.tensor.subtensor import (
    AdvancedSubtensor,
    IncSubtensor,
    Subtensor,
    entry_text,
    split_index_inputs,
)


def _args(node, state) -> list[str]:
    return [_print(i, state) for i in node.inputs]


def _elemwise(node, state) -> str:
    op = node.op.scalar_op
    args = _args(node, state)
    if isinstance(op, sb.Second):
        return f"fill({args[0]}, {args[1]})"
    if isinstance(op, sb.LogicalComparison):  # Theano prints comparisons as calls: gt(a, b)
        return f"{op.name}({', '.join(args)})"
    if op.symbol is not None and len(args) >= 2:
        return "(" + f" {op.symbol} ".join(args) + ")"
    if op.symbol is not None and len(args) == 1:
        return f"{op.symbol}{args[0]}"
    return f"{op.name}({', '.join(args)})"


def _dimshuffle(node, state) -> str:
    op = node.op
    (arg,) = _args(node, state)
    if op.is_broadcast_only:
        return arg
    if op.is_transpose:
        return f"{arg}.T"
    return f"{op}({arg})"


def _index_text(node, state, first_index: int) -> str:
    texts = _args(node, state)
    groups = split_index_inputs(node.op.entries, texts[first_index:])
    return ", ".join(entry_text(e, g) for e, g in zip(node.op.entries, groups))


def _subtensor(node, state) -> str:
    return f"{_print(node.inputs[0], state)}[{_index_text(node, state, 1)}]"


def _inc_subtensor(node, state) -> str:
    x, y = _print(node.inputs[0], state), _print(node.inputs[1], state)
    verb = "set" if node.op.set_instead_of_inc else "inc"
    return f"{verb}_subtensor({x}[{_index_text(node, state, 2)}], {y})"


def _default(node, state) -> str:
    return f"{node.op}({', '.join(_args(node, state))})"


def _random(node, state) -> str:
    """`uniform(0.0, 1.0, size=(2, 2))`: the distribution's parameters, then the size; the
    generator input is left out."""
    _, size, params = node.op.split_inputs(node.inputs)
    args = [_print(p, state) for p in params]
    if size:
        entries = [_print(s, state) for s in size]
        args.append(f"size=({', '.join(entries)}{',' if len(entries) == 1 else ''})")
    return f"{node.op.name}({', '.join(args)})"


# op class -> printer(node, state); subclasses resolve through the MRO, so an op family
# registers once. Other modules add their ops with `assign_printer`.
_printers: dict[type, Callable] = {
    Elemwise: _elemwise,
    DimShuffle: _dimshuffle,
    CAReduce: _default,
    RandomVariable: _random,
    Subtensor: _subtensor,
    AdvancedSubtensor: _subtensor,
    IncSubtensor: _inc_subtensor,
    MakeVector: lambda node, state: f"[{', '.join(_args(node, state))}]",
    Shape: lambda node, state: f"shape({_args(node, state)[0]})",
    Reshape: lambda node, state: "reshape({}, {})".format(*_args(node, state)),
    Join: lambda node, state: f"join({node.op.axis}, {', '.join(_args(node, state))})",
    Dot: lambda node, state: "({} \\dot {})".format(*_args(node, state)),
}


_resolved: dict[type, Callable] = {}  # op class -> its printer, found through the MRO once


def assign_printer(op_class: type, printer: Callable) -> None:
    """Print nodes of `op_class` with printer(node, state) -> str."""
    _printers[op_class] = printer
    _resolved.clear()


def _printer_for(op_class: type) -> Callable:
    printer = _resolved.get(op_class)
    if printer is None:
        printer = next((_printers[c] for c in op_class.__mro__ if c in _printers), _default)
        _resolved[op_class] = printer
    return printer


def _leaf(var: Variable) -> str:
    if isinstance(var, Constant):
        data = var.data
        if var.name is None and isinstance(data, np.ndarray) and data.ndim == 0:
            return str(data[()])  # the numpy scalar prints the same, without arrayprint's cost
        return str(var)
    return var.name if var.name is not None else f"<{var.type}>"


class FrozenNode:
    """A node as it was when `freeze` saw it: its op and outputs, and the inputs it had then."""

    __slots__ = ("op", "inputs", "outputs")

    def __init__(self, node, inputs) -> None:
        self.op = node.op
        self.inputs = inputs
        self.outputs = node.outputs


def freeze(var: Variable, depth: int, frozen: dict, max_nodes: int = 32) -> None:
    """Record in `frozen` the inputs of the nodes within `depth` levels above `var`, so that
    `pp(var, depth, frozen)` prints it as it is now even after the graph changes (graphs change
    only by swapping a node's inputs). Much cheaper than printing now. At most `max_nodes` are
    recorded (nearest first), so wide products stay cheap; the rest print as `…`."""
    queue, head, added = [(var, depth)], 0, 0
    while head < len(queue) and added < max_nodes:
        v, d = queue[head]
        head += 1
        node = v.owner
        if node is None or d == 0 or node in frozen:
            continue
        frozen[node] = tuple(node.inputs)
        added += 1
        if d > 1:
            queue.extend((i, d - 1) for i in node.inputs)


def _print(var: Variable, state: dict) -> str:
    if var.owner is None:
        return _leaf(var)
    if var.name is not None and var is not state["target"]:
        return var.name
    depth, max_depth = state.get("depth", 0), state.get("max_depth")
    if max_depth is not None and depth >= max_depth:
        return "…"
    if var in state["memo"]:
        return state["memo"][var]
    node = var.owner
    frozen = state.get("frozen")
    if frozen is not None:
        if node not in frozen:  # beyond what `freeze` recorded: the graph may have changed
            return "…"
        node = FrozenNode(node, frozen[node])
    printer = _printer_for(type(node.op))
    state["depth"] = depth + 1
    text = printer(node, state)
    state["depth"] = depth
    if len(node.outputs) > 1 and var.index != node.op.default_output:
        text = f"{text}[{var.index}]"
    if max_depth is None:  # a cut-off text depends on the depth it was printed at
        state["memo"][var] = text
    return text


def pp(var, max_depth: int | None = None, frozen: dict | None = None) -> str:
    """Theano-style text of a variable's graph: `((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))`.

    max_depth: print at most this many levels of nodes; deeper subexpressions show as `…`.
    frozen: print the graph as `freeze` recorded it.
    """
    if isinstance(var, (list, tuple)):
        return "\n".join(pp(v, max_depth, frozen) for v in var)
    fgraph_outputs = getattr(var, "outputs", None)
    if fgraph_outputs is not None and not isinstance(var, Variable):
        return "\n".join(pp(v, max_depth, frozen) for v in fgraph_outputs)
    maker = getattr(var, "maker", None)
    if maker is not None:
        return "\n".join(pp(v, max_depth, frozen) for v in maker.fgraph.outputs)
    return _print(var, {"target": var, "memo": {}, "max_depth": max_depth, "frozen": frozen})


pprint = pp
