"""Theano's tensor functions that are compositions of other ops (no op of their own):
numpy-style tests (isclose, allclose), extremes (largest, ptp, max_and_argmax), angle
conversion, integer rounding and nested stacking."""
from __future__ import annotations

import functools

import numpy as np

from symgrad.tensor.basic import arange, as_tensor_variable, cast, stack, switch
from symgrad.tensor.extra_ops import flatnonzero
from symgrad.tensor.math import (
    abs_,
    and_,
    argmax,
    eq,
    int_div,
    le,
    lt,
    max,
    maximum,
    min,
    minimum,
    mul,
    neq,
    or_,
    round,
)
from symgrad.tensor.math import all as all_
from symgrad.tensor.shape import flatten
from symgrad.tensor.sort import argsort, sort
from symgrad.tensor.subtensor import getitem, take

__all__ = ["allclose", "argtopk", "bartlett", "compress", "deg2rad", "floor_div", "iround", "isclose", "largest",
           "max_and_argmax", "ptp", "rad2deg", "smallest", "stacklists", "topk",
           "topk_and_argtopk", "where"]


def where(condition, x, y):
    """Elementwise `x` where `condition` holds, else `y` (Theano's alias of switch)."""
    return switch(condition, x, y)


def floor_div(a, b):
    """a // b elementwise, rounding towards minus infinity (numpy's floor_divide)."""
    return int_div(a, b)


def isclose(a, b, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """Elementwise |a - b| <= atol + rtol * |b| (numpy's rule, so not symmetric); equal
    infinities are close; NaNs are close to NaNs only with equal_nan."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    both_finite = and_(lt(abs_(a), np.inf), lt(abs_(b), np.inf))
    # infinities (and NaN) are close only when equal: the tolerance test says inf <= inf
    close = switch(both_finite, le(abs_(a - b), atol + rtol * abs_(b)), eq(a, b))
    if equal_nan:
        close = or_(close, and_(neq(a, a), neq(b, b)))
    return close


def allclose(a, b, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """A boolean scalar: isclose holds everywhere."""
    return all_(isclose(a, b, rtol, atol, equal_nan))


def largest(*args):
    """The elementwise largest of the arguments (broadcast together)."""
    if not args:
        raise TypeError("largest needs at least one argument")
    return functools.reduce(maximum, args)


def smallest(*args):
    """The elementwise smallest of the arguments (broadcast together)."""
    if not args:
        raise TypeError("smallest needs at least one argument")
    return functools.reduce(minimum, args)


def ptp(a, axis=None):
    """Peak to peak: max - min along the axis (all axes by default)."""
    return max(a, axis) - min(a, axis)


def max_and_argmax(a, axis=None, keepdims: bool = False):
    """[max(a, axis), argmax(a, axis)]."""
    return [max(a, axis, keepdims=keepdims), argmax(a, axis, keepdims=keepdims)]


def deg2rad(x):
    """Degrees to radians."""
    return mul(x, np.pi / 180.0)


def rad2deg(x):
    """Radians to degrees."""
    return mul(x, 180.0 / np.pi)


def iround(a, mode: str | None = None):
    """round(a, mode) cast to int64."""
    return cast(round(a, mode), "int64")


def stacklists(arg):
    """Stack nested lists of scalars (or tensors) into one tensor: [[a, b], [c, d]] is a
    2x2 matrix."""
    if isinstance(arg, (tuple, list)):
        return stack([stacklists(a) for a in arg])
    return as_tensor_variable(arg)


def _top_slice(x, kth: int, axis: int):
    """The key picking the |kth| entries at the end (kth > 0, largest first) or the start
    (kth < 0, smallest first) of an ascending sort along `axis`."""
    if not isinstance(kth, (int, np.integer)) or kth == 0:
        raise ValueError(f"topk: kth must be a non-zero Python int, got {kth!r}")
    key = [slice(None)] * x.ndim
    key[axis] = slice(None, -int(kth) - 1, -1) if kth > 0 else slice(None, -int(kth))
    return tuple(key)


def topk_and_argtopk(x, kth: int, axis: int = -1, sorted: bool = True,
                     idx_dtype: str = "int64"):
    """(values, positions) of the kth largest entries along `axis` (the |kth| smallest when
    kth < 0), largest first (smallest first); ties keep their order in x."""
    x = as_tensor_variable(x)
    axis = axis % x.ndim
    key = _top_slice(x, kth, axis)
    # a stable sort of -x puts equal values in their original order when taking the largest
    order = argsort(-x if kth > 0 else x, axis=axis, kind="stable")
    first = tuple(slice(None, abs(int(kth))) if k == axis else s for k, s in enumerate(key))
    positions = getitem(order, first)
    values = getitem(sort(x, axis=axis), key)
    return values, cast(positions, idx_dtype)


def topk(x, kth: int, axis: int = -1, sorted: bool = True, idx_dtype: str = "int64"):
    """The kth largest entries along `axis` (the |kth| smallest when kth < 0), largest
    (smallest) first; differentiable (the gradient goes to the entries chosen)."""
    return topk_and_argtopk(x, kth, axis, sorted, idx_dtype)[0]


def argtopk(x, kth: int, axis: int = -1, sorted: bool = True, idx_dtype: str = "int64"):
    """The positions along `axis` of topk(x, kth, axis)."""
    return topk_and_argtopk(x, kth, axis, sorted, idx_dtype)[1]


def compress(condition, x, axis=None):
    """The slices of x along `axis` (of the flattened x when None) where the vector
    `condition` is true (numpy's compress; a shorter condition selects among the first)."""
    x = as_tensor_variable(x)
    chosen = flatnonzero(condition)
    if axis is None:
        return take(flatten(x), chosen)
    return take(x, chosen, axis=axis)


def bartlett(M):
    """The Bartlett (triangular) window of M points, float64: 0 at both ends, 1 in the
    middle (numpy's bartlett; [1.0] for M = 1, empty for M <= 0)."""
    M = as_tensor_variable(M)
    if M.ndim != 0 or M.dtype not in ("int8", "int16", "int32", "int64", "uint8", "uint16",
                                      "uint32", "uint64"):
        raise TypeError(f"bartlett takes an integer scalar, got {M} ({M.type})")
    n = cast(arange(M), "float64")
    half = maximum(cast(M, "float64") - 1.0, 1.0) / 2.0  # M = 1: no division by zero
    return switch(eq(M, 1), 1.0, 1.0 - abs_(n - half) / half)
