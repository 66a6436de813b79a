"""Theano's `theano.updates.OrderedUpdates`: an ordered dict of (shared variable -> new
value expression) that refuses to update one variable twice."""
from __future__ import annotations

from collections import OrderedDict

from symgrad.tensor.sharedvar import SharedVariable


class OrderedUpdates(OrderedDict):
    """Updates for `function(updates=...)`, kept in insertion order; `a + b` merges two and
    raises KeyError if both update the same variable to different expressions."""

    def __setitem__(self, key, value):
        if not isinstance(key, SharedVariable):
            raise TypeError(f"OrderedUpdates keys must be shared variables, got {key!r}")
        if key in self and self[key] is not value:
            raise KeyError(f"OrderedUpdates: {key} is already updated to {self[key]}; a "
                           "variable can take one update")
        super().__setitem__(key, value)

    def update(self, other=(), **kwargs):
        if kwargs:
            raise TypeError("OrderedUpdates keys are shared variables, not keyword names")
        pairs = other.items() if hasattr(other, "items") else other
        for key, value in pairs:
            self[key] = value

    def __add__(self, other):
        merged = OrderedUpdates(self)
        merged.update(other)
        return merged

    def __radd__(self, other):
        merged = OrderedUpdates(other)
        merged.update(self)
        return merged
