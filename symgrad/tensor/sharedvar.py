"""Shared variables: symbolic variables whose value persists across function calls.

A shared variable owns a one-element list, its `container`; every function that reads it
receives that list's value, and updates store into it. Clones share the container.
"""
from __future__ import annotations

import copy

import numpy as np

from symgrad.graph.basic import Variable
from symgrad.tensor.random.type import RandomType, rng_type_of
from symgrad.tensor.type import TensorType
from symgrad.tensor.variable import _TensorOperators


class SharedVariable(Variable):
    """A variable whose value lives in `container` and is read and updated by functions.

    `default_update`: an expression that functions use as this variable's update when they
    are not given one (random generator states advance this way).
    """

    def __init__(self, type, value, name: str | None = None, strict: bool = False,
                 allow_downcast: bool | None = None, borrow: bool = False) -> None:
        super().__init__(type, None, None, name)
        self.strict = strict
        self.allow_downcast = allow_downcast
        self.container = [None]
        self.default_update = None
        self.set_value(value, borrow=borrow)

    def get_value(self, borrow: bool = False, return_internal_type: bool = False):
        """The current value; a copy unless `borrow=True` (then do not modify it)."""
        value = _host_value(self.container[0])
        return value if borrow else _copy_value(value)

    def set_value(self, value, borrow: bool = False) -> None:
        """Store `value` (converted to this variable's type; copied unless `borrow=True`)."""
        filtered = self.type.filter(value, strict=self.strict, allow_downcast=self.allow_downcast)
        if filtered is value and not borrow:
            filtered = _copy_value(filtered)
        self.container[0] = filtered

    @property
    def value(self):
        return self.get_value()

    def clone(self) -> SharedVariable:
        """A new variable of the same type that shares this one's storage."""
        cp = object.__new__(type(self))
        cp.__dict__.update(self.__dict__)
        cp.__dict__.pop("_eval_cache", None)
        cp.tag = copy.copy(self.tag)
        cp.auto_id = Variable(self.type).auto_id
        return cp

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_eval_cache", None)  # compiled functions are rebuilt on demand
        return state


class TensorSharedVariable(_TensorOperators, SharedVariable):
    """A shared n-d array with the operators of a tensor variable."""

    __hash__ = Variable.__hash__


class RandomStateSharedVariable(SharedVariable):
    """A shared numpy random generator (Generator or RandomState), the input of random ops."""


def _host_value(value):
    """A value kept on a device (the JAX linker keeps updated values there) as numpy."""
    if isinstance(value, np.ndarray) or not hasattr(value, "__array__") or isinstance(
            value, np.generic):
        return value
    return np.asarray(value)


def _copy_value(value):
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    return copy.deepcopy(value)


# constructors registered with shared_constructor, newest first
_user_constructors: list = []


def shared_constructor(ctor, remove: bool = False):
    """Register (or with remove=True, unregister) `ctor(value, name=None, strict=False,
    allow_downcast=None, **kwargs)` for `shared`: registered constructors are tried newest
    first, and one that raises TypeError declines the value. Returns `ctor` (a decorator)."""
    if remove:
        _user_constructors.remove(ctor)
    elif ctor not in _user_constructors:
        _user_constructors.insert(0, ctor)
    return ctor


def shared(value, name: str | None = None, strict: bool = False,
           allow_downcast: bool | None = None, borrow: bool = False, broadcastable=None,
           shape=None, **kwargs) -> SharedVariable:
    """A shared variable holding `value`.

    Python int -> int64 and float -> float64 (as Theano); arrays keep their dtype and their
    number of dimensions; numpy Generators and RandomStates make random-state variables.
    `borrow=True` keeps the given array as the storage instead of a copy. Constructors
    registered with `shared_constructor` are asked first (they also get extra keywords).
    """
    if isinstance(value, Variable):
        raise TypeError("shared() takes a value (number or array), not a symbolic variable")
    # a constructor sees the keywords the caller gave, as in Theano
    given = dict(kwargs, **{k: v for k, v in (("borrow", borrow), ("broadcastable",
                 broadcastable), ("shape", shape)) if v not in (None, False)})
    for ctor in _user_constructors:
        try:
            return ctor(value, name=name, strict=strict, allow_downcast=allow_downcast,
                        **given)
        except TypeError:
            continue
    if kwargs:
        raise TypeError(f"shared() got unexpected keyword arguments {sorted(kwargs)}")
    if isinstance(value, (np.random.Generator, np.random.RandomState)):
        return RandomStateSharedVariable(rng_type_of(value), value, name=name, strict=strict,
                                         allow_downcast=allow_downcast, borrow=borrow)
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
    if broadcastable is None and shape is not None:
        broadcastable = tuple(s == 1 for s in shape)
    bcast = tuple(broadcastable) if broadcastable is not None else (False,) * arr.ndim
    ttype = TensorType(arr.dtype.name, bcast)
    keep = value if isinstance(value, np.ndarray) else arr
    return TensorSharedVariable(ttype, keep, name=name, strict=strict,
                                allow_downcast=allow_downcast,
                                borrow=borrow or keep is not value)


__all__ = ["RandomStateSharedVariable", "RandomType", "SharedVariable", "TensorSharedVariable",
           "shared"]
