"""Turning Python values into graph constants, with Theano's dtype rules for literals."""
from __future__ import annotations

import numpy as np

from symgrad.config import config
from symgrad.graph.basic import Variable
from symgrad.scalar.type import literal_dtype
from symgrad.tensor.type import TensorType
from symgrad.tensor.variable import TensorConstant


def _literal_array(x, dtype: str | None) -> np.ndarray:
    if dtype is not None:
        return np.asarray(x, dtype=dtype)
    if isinstance(x, (bool, int, float, complex)):
        return np.asarray(x, dtype=literal_dtype(x))
    arr = np.asarray(x)
    if isinstance(x, (list, tuple)) and arr.dtype == np.float64 and config.floatX == "float32" \
            and np.array_equal(arr.astype(np.float32), arr):
        arr = arr.astype(np.float32)
    return arr


def constant(x, name: str | None = None, ndim: int | None = None,
             dtype: str | None = None) -> TensorConstant:
    """A tensor constant: int literals take the smallest int dtype, float literals float64."""
    arr = _literal_array(x, dtype)
    if arr.dtype == object:
        raise TypeError(f"cannot make a tensor constant from {type(x).__name__} {x!r}")
    if ndim is not None:
        if arr.ndim > ndim:
            raise ValueError(f"constant {x!r} has {arr.ndim} dims, more than ndim={ndim}")
        arr = arr.reshape((1,) * (ndim - arr.ndim) + arr.shape)
    return TensorConstant(TensorType(arr.dtype.name, tuple(n == 1 for n in arr.shape)),
                          arr.copy(), name)


def as_tensor_variable(x, name: str | None = None, ndim: int | None = None) -> Variable:
    """A tensor variable as is; a number, list or array as a constant."""
    if isinstance(x, Variable):
        if isinstance(x.type, TensorType):
            if ndim is not None and x.type.ndim != ndim:
                raise TypeError(f"{x} has {x.type.ndim} dimensions, expected {ndim}")
            return x
        converter = _converters.get(type(x.type))
        if converter is not None:
            return converter(x)
        raise TypeError(f"{x} of type {x.type} cannot be used as a tensor")
    if isinstance(x, (list, tuple)) and any(isinstance(e, Variable) for e in _flat(x)):
        converter = _converters.get("sequence")
        if converter is None:
            raise TypeError("a list holding symbolic variables needs T.stack to become a tensor")
        return converter(x)
    return constant(x, name=name, ndim=ndim)


def _flat(seq):
    for e in seq:
        if isinstance(e, (list, tuple)):
            yield from _flat(e)
        else:
            yield e


# Other modules register how their variable kinds become tensors (a scalar, a list of tensors).
_converters: dict = {}


def register_tensor_converter(kind, fn) -> None:
    """Make `as_tensor_variable` turn values of class `kind` into tensors with `fn(value)`."""
    _converters[kind] = fn
