"""Shared variables: symbolic variables with a value that persists across function calls."""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Variable
from symgrad.tensor.type import TensorType
from symgrad.tensor.variable import _TensorOperators


class SharedVariable(Variable):
    """A variable whose value lives in `container` and is read and updated by functions."""

    def __init__(self, type, value, name: str | None = None, strict: bool = False,
                 allow_downcast: bool | None = None, borrow: bool = False) -> None:
        super().__init__(type, None, None, name)
        self.strict = strict
        self.allow_downcast = allow_downcast
        self.container = [None]
        self.default_update = None
        self.set_value(value, borrow=borrow)

    def get_value(self, borrow: bool = False, return_internal_type: bool = False):
        value = self.container[0]
        return value if borrow else np.array(value, copy=True)

    def set_value(self, value, borrow: bool = False) -> None:
        value = self.type.filter(value, strict=self.strict, allow_downcast=self.allow_downcast)
        self.container[0] = value if borrow and value is not None else np.array(value, copy=True)

    @property
    def value(self):
        return self.get_value()

    def clone(self):
        cp = self.__class__(self.type, self.container[0], self.name, self.strict,
                            self.allow_downcast, borrow=True)
        cp.container = self.container  # a clone shares the storage
        cp.default_update = self.default_update
        return cp


class TensorSharedVariable(_TensorOperators, SharedVariable):
    """A shared n-d array with the operators of a tensor variable."""


def shared(value, name: str | None = None, strict: bool = False,
           allow_downcast: bool | None = None, borrow: bool = False, broadcastable=None):
    """A shared variable holding `value` (Python int -> int64, float -> float64, as Theano)."""
    if isinstance(value, Variable):
        raise TypeError("shared() takes a value (number or array), not a symbolic variable")
    if isinstance(value, bool):
        arr = np.asarray(value)
    elif isinstance(value, int):
        arr = np.asarray(value, dtype="int64")
    elif isinstance(value, float):
        arr = np.asarray(value, dtype="float64")
    else:
        arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError(f"shared() cannot hold a {type(value).__name__}")
    bcast = tuple(broadcastable) if broadcastable is not None else (False,) * arr.ndim
    ttype = TensorType(arr.dtype.name, bcast)
    return TensorSharedVariable(ttype, value if isinstance(value, np.ndarray) else arr,
                                name=name, strict=strict, allow_downcast=allow_downcast,
                                borrow=borrow)
