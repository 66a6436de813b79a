"""Scalar types and the dtype rules every elementwise op follows (upcasting, float promotion)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from symgrad.config import config
from symgrad.graph.type import Type

int_dtypes = ("int8", "int16", "int32", "int64")
uint_dtypes = ("uint8", "uint16", "uint32", "uint64")
float_dtypes = ("float16", "float32", "float64")
complex_dtypes = ("complex64", "complex128")
discrete_dtypes = ("bool",) + int_dtypes + uint_dtypes
continuous_dtypes = float_dtypes + complex_dtypes
all_dtypes = discrete_dtypes + continuous_dtypes


@lru_cache(maxsize=4096)
def upcast(*dtypes: str) -> str:
    """The dtype numpy gives when combining arrays of these dtypes (no value-based casting).

    Cached: every elementwise node asks, and numpy's dtype machinery is slow next to a lookup."""
    return np.result_type(*[np.dtype(d) for d in dtypes]).name


def upgrade_to_float_dtype(dtype: str) -> str:
    """Float dtype used by float-valued functions of `dtype` (exp of int8 is float32, as Theano)."""
    if dtype in continuous_dtypes:
        return dtype
    if dtype in ("bool", "int8", "uint8", "int16", "uint16"):
        return "float32"
    return "float64"


def smallest_int_dtype(value: int) -> str:
    for dtype in int_dtypes:
        info = np.iinfo(dtype)
        if info.min <= value <= info.max:
            return dtype
    return "uint64"


def literal_dtype(value) -> str:
    """Theano's dtype for a Python literal: smallest int, float64 (floatX when exact), bool."""
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, int):
        return smallest_int_dtype(value)
    if isinstance(value, float):
        if config.floatX == "float32" and np.float32(value) == value:
            return "float32"
        return "float64"
    if isinstance(value, complex):
        return "complex128"
    return np.asarray(value).dtype.name


class ScalarType(Type):
    """The type of a single number of a given dtype (used inside elementwise ops)."""

    def __init__(self, dtype: str) -> None:
        self.dtype = np.dtype(dtype).name

    def __eq__(self, other: object) -> bool:
        return type(other) is ScalarType and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash((ScalarType, self.dtype))

    def __str__(self) -> str:
        return self.dtype

    __repr__ = __str__

    def filter(self, data, strict: bool = False, allow_downcast: bool | None = None):
        value = np.asarray(data)
        if value.ndim != 0:
            raise TypeError(f"a {self.dtype} scalar cannot hold a value of shape {value.shape}")
        if value.dtype.name != self.dtype:
            if strict:
                raise TypeError(f"expected a {self.dtype} scalar, got {value.dtype}")
            converted = value.astype(self.dtype)
            if not allow_downcast and converted != value:
                raise TypeError(f"{data!r} does not fit in {self.dtype} without loss")
            value = converted
        return value[()]

    def data_signature(self, data):
        return (self.dtype, np.asarray(data).tobytes())

    @property
    def ndim(self) -> int:
        return 0


def get_scalar_type(dtype: str) -> ScalarType:
    return ScalarType(dtype)
