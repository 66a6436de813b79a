"""Small pieces shared by the scan modules: `until`, and the row type of a sequence."""
from __future__ import annotations

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
