"""Small pieces shared by the scan modules: `until`, row types, loop-invariant hoisting."""
from __future__ import annotations

from symgrad.graph.basic import Constant
from symgrad.graph.clone import clone_replace
from symgrad.graph.traversal import io_toposort
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.type import TensorType


class until:
    """Returned by a scan step (alone or beside outputs and updates) to stop the loop once
    `condition` is true; the step that makes it true is the last one kept."""

    def __init__(self, condition) -> None:
        condition = as_tensor_variable(condition)
        if condition.type.ndim != 0:
            raise TypeError(f"until's condition must be a scalar, got {condition} "
                            f"({condition.type})")
        self.condition = condition

    def __repr__(self) -> str:
        return f"until({self.condition})"


def row_type(ttype: TensorType) -> TensorType:
    """The type of one row (`x[t]`) of a tensor of type `ttype`."""
    if ttype.ndim == 0:
        raise TypeError(f"scan cannot iterate over a scalar ({ttype}); give it a vector or more")
    return TensorType(ttype.dtype, ttype.broadcastable[1:])


def stacked_type(ttype: TensorType) -> TensorType:
    """The type of rows of type `ttype` stacked along a new leading axis."""
    return TensorType(ttype.dtype, (False,) + ttype.broadcastable)


def tap_span(taps) -> tuple[int, int]:
    """(lowest, highest) tap, both measured from a window that always includes tap 0."""
    return min(min(taps), 0), max(max(taps), 0)


def hoist_loop_invariants(inner_outputs, outer_of: dict) -> tuple[list, list]:
    """Move out of the loop every step node that reads only non-sequences and constants.

    outer_of maps each non-sequence's inner variable to its outer variable. Returns the step's
    outputs rewritten to read the hoisted values, and (inner variable, outer expression) pairs
    for the new non-sequences. Graphs with lazy ops are left alone: hoisting would compute a
    branch the loop might never take.
    """
    order = io_toposort(list(outer_of), inner_outputs)
    if any(getattr(node.op, "lazy", False) for node in order):
        return list(inner_outputs), []
    invariant = set(outer_of)
    for node in order:
        if all(v in invariant or isinstance(v, Constant) for v in node.inputs):
            invariant.update(node.outputs)
    frontier: list = []
    for node in order:
        if node.outputs[0] in invariant:
            continue
        frontier += [v for v in node.inputs if v in invariant and v.owner is not None]
    frontier += [v for v in inner_outputs if v in invariant and v.owner is not None]
    frontier = list(dict.fromkeys(frontier))
    if not frontier:
        return list(inner_outputs), []
    outer_values = clone_replace(frontier, dict(outer_of))
    new_inner = {v: v.type(v.name) for v in frontier}
    return clone_replace(list(inner_outputs), new_inner), list(zip(new_inner.values(),
                                                                    outer_values))
