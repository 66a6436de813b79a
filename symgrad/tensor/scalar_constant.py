"""`get_scalar_constant_value`: the number a scalar expression is known to hold before any
value is given (constants seen through casts, broadcasts, shape checks and elementwise math
on constants), or NotScalarConstantError."""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Constant
from symgrad.tensor.elemwise import DimShuffle, Elemwise
from symgrad.tensor.shape import Rebroadcast, ShapeI, SpecifyShape

# ops whose output holds its first input's values
_PASS_THROUGH = (DimShuffle, Rebroadcast, SpecifyShape)


class NotScalarConstantError(Exception):
    """The expression is not a constant scalar (or one symgrad can see through)."""


def get_scalar_constant_value(v, elemwise: bool = True, only_process_constants: bool = False,
                              max_recur: int = 10):
    """The value `v` always holds, as a 0-d numpy array, when `v` is a constant with one
    element or is built from such constants by casts, broadcasts, shape checks and (with
    `elemwise`) elementwise ops; a shape entry the type fixes to 1 counts too. Otherwise
    NotScalarConstantError. `only_process_constants` accepts constants only."""
    if isinstance(v, (int, float, bool, np.number, np.ndarray)):
        value = np.asarray(v)
    elif isinstance(v, Constant):
        value = np.asarray(v.data)
    elif only_process_constants or max_recur <= 0 or getattr(v, "owner", None) is None:
        raise NotScalarConstantError(f"{v} is not a constant")
    else:
        return _through_op(v, elemwise, max_recur - 1)
    if value.size != 1:
        raise NotScalarConstantError(f"{v} holds {value.size} values, not one")
    return value.reshape(())


def _through_op(v, elemwise: bool, max_recur: int):
    node = v.owner
    op = node.op
    if isinstance(op, _PASS_THROUGH):
        return get_scalar_constant_value(node.inputs[0], elemwise, False, max_recur)
    if isinstance(op, ShapeI):
        if node.inputs[0].type.broadcastable[op.i]:
            return np.asarray(1, dtype="int64")
        raise NotScalarConstantError(f"{v}: the length of axis {op.i} is only known when run")
    if isinstance(op, Elemwise) and elemwise and len(node.outputs) == 1:
        values = [get_scalar_constant_value(x, elemwise, False, max_recur) for x in node.inputs]
        cells = [[None]]
        op.perform(node, values, cells)
        return np.asarray(cells[0][0]).reshape(())
    raise NotScalarConstantError(f"{v} is computed by {op}, which symgrad does not evaluate "
                                 "before the graph runs")
