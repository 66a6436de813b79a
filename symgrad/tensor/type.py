"""TensorType and Theano's variable constructors (dscalar, fmatrix, ivector, tensor3 ...)."""
from __future__ import annotations

import numpy as np

from symgrad.config import config
from symgrad.graph.type import Type
from symgrad.scalar.type import discrete_dtypes, float_dtypes

_NON_NUMERIC = {"O": "Python objects", "U": "strings", "S": "bytes", "V": "records",
                "M": "datetimes", "m": "timedeltas"}


def _check_numeric(ttype, dtype: np.dtype) -> None:
    """Strings, objects and other non-numbers never convert, even with allow_input_downcast:
    numpy would parse '1' silently or fail with an unrelated message."""
    if dtype.kind in _NON_NUMERIC:
        raise TypeError(f"{ttype} needs numbers, got an array of {_NON_NUMERIC[dtype.kind]} "
                        f"(dtype {dtype}); convert it with np.asarray(value, dtype="
                        f"{ttype.dtype!r}) first")


class TensorType(Type):
    """An n-d array type: a dtype and, per dimension, whether it is known to have length 1."""

    def __init__(self, dtype: str, broadcastable=None, shape=None, name: str | None = None):
        if broadcastable is None:
            broadcastable = tuple(s == 1 for s in (shape or ()))
        self.dtype = np.dtype(dtype).name
        self.broadcastable = tuple(bool(b) for b in broadcastable)
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.broadcastable)

    @property
    def shape(self) -> tuple:
        return tuple(1 if b else None for b in self.broadcastable)

    def __eq__(self, other: object) -> bool:
        return (type(other) is TensorType and other.dtype == self.dtype
                and other.broadcastable == self.broadcastable)

    def __hash__(self) -> int:
        return hash((TensorType, self.dtype, self.broadcastable))

    def clone(self, dtype: str | None = None, broadcastable=None) -> TensorType:
        return TensorType(dtype or self.dtype,
                          self.broadcastable if broadcastable is None else broadcastable)

    def __str__(self) -> str:
        if self.name:
            return self.name
        kinds = {0: "scalar", 1: "vector", 2: "matrix"}
        b = self.broadcastable
        kind = kinds.get(self.ndim, f"{self.ndim}D")
        if b == (True, False):
            kind = "row"
        elif b == (False, True):
            kind = "col"
        elif any(b) and self.ndim != 2:
            kind = f"{kind}, {tuple(1 if x else None for x in b)}"
        return f"TensorType({self.dtype}, {kind})"

    __repr__ = __str__

    def filter(self, data, strict: bool = False, allow_downcast: bool | None = None):
        """`data` as an ndarray of this type, or a TypeError saying what does not fit."""
        if isinstance(data, np.ndarray) and data.dtype.name == self.dtype:
            value = data
        elif strict:
            got = data.dtype.name if isinstance(data, np.ndarray) else type(data).__name__
            raise TypeError(f"expected a {self.dtype} ndarray, got {got}")
        elif isinstance(data, np.ndarray) or np.isscalar(data) and isinstance(data, np.generic):
            value = np.asarray(data)
            _check_numeric(self, value.dtype)
            if value.dtype.name != self.dtype:
                if allow_downcast or np.can_cast(value.dtype, self.dtype, "safe"):
                    value = value.astype(self.dtype)
                else:
                    raise TypeError(
                        f"{self} cannot hold a value of dtype {value.dtype} without risking "
                        f"loss of precision; cast it to {self.dtype} first, or pass "
                        f"allow_input_downcast=True to function")
        else:  # Python numbers and lists: accept when the conversion loses nothing
            raw = np.asarray(data)
            if raw.dtype == object:
                raise TypeError(f"{self} cannot hold {type(data).__name__} {data!r}")
            _check_numeric(self, raw.dtype)
            with np.errstate(all="ignore"):
                value = raw.astype(self.dtype)
            lossless = raw.dtype.kind in "biuf" and np.array_equal(value, raw, equal_nan=(
                raw.dtype.kind == "f" and value.dtype.kind == "f"))
            floatx_ok = (allow_downcast is None and self.dtype == config.floatX
                         and raw.dtype.kind == "f")
            if not (allow_downcast or lossless or floatx_ok):
                raise TypeError(
                    f"{self} cannot hold {data!r} ({raw.dtype}) without loss; pass "
                    "allow_input_downcast=True to function to accept it")
        if value.ndim != self.ndim:
            raise TypeError(f"expected {self.ndim} dimension(s) for {self}, got {value.ndim} "
                            f"(shape {value.shape})")
        for axis, (b, n) in enumerate(zip(self.broadcastable, value.shape)):
            if b and n != 1:
                raise TypeError(f"dimension {axis} of {self} is broadcastable (length 1), got "
                                f"shape {value.shape}")
        return value

    def data_signature(self, data):
        data = np.asarray(data)
        return (data.dtype.name, data.shape, data.tobytes())

    def values_eq(self, a, b) -> bool:
        return np.array_equal(a, b, equal_nan=np.asarray(a).dtype.kind == "f")

    def values_eq_approx(self, a, b, rtol=1e-5, atol=1e-8) -> bool:
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol,
                                                       equal_nan=True))

    def convert_variable(self, var):
        return var if var.type == self else None

    @property
    def is_float(self) -> bool:
        return self.dtype in float_dtypes

    @property
    def is_discrete(self) -> bool:
        return self.dtype in discrete_dtypes


_patterns = {
    "scalar": (), "vector": (False,), "matrix": (False, False), "row": (True, False),
    "col": (False, True), "tensor3": (False,) * 3, "tensor4": (False,) * 4,
    "tensor5": (False,) * 5, "tensor6": (False,) * 6, "tensor7": (False,) * 7,
}
_prefixes = {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32",
             "d": "float64", "c": "complex64", "z": "complex128"}


def tensor(dtype: str | None = None, broadcastable=None, name: str | None = None, shape=None,
           ndim: int | None = None):
    """A symbolic tensor; `tensor('float64', (False, True))` or `tensor(dtype, shape=(None, 1))`."""
    if isinstance(dtype, str) and broadcastable is None and shape is None and ndim is None \
            and dtype not in _all_dtype_names:
        name, dtype = dtype, None  # tensor('x') names a floatX scalar, as in PyTensor
    if broadcastable is None:
        if shape is not None:
            broadcastable = tuple(s == 1 for s in shape)
        else:
            broadcastable = (False,) * (ndim or 0)
    return TensorType(dtype or config.floatX, broadcastable)(name)


_all_dtype_names = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                    "uint64", "float16", "float32", "float64", "complex64", "complex128",
                    "floatX"}


def _make_constructors(name: str, pattern: tuple, dtype: str | None):
    """Theano's pair for one kind: `dscalar` (the type itself when the dtype is fixed, a
    function of name and dtype for floatX kinds) and `dscalars` (several variables)."""
    if dtype is not None:
        one = TensorType(dtype, pattern)
    else:
        def one(name: str | None = None, dtype: str | None = None):
            return TensorType(dtype or config.floatX, pattern)(name)

        one.__name__ = name
        one.__doc__ = f"A symbolic {name} of dtype `dtype` (default config.floatX)."

    def many(*names, dtype: str | None = dtype):
        """Theano's rule: an int n gives n unnamed variables; several names, or one string of
        several characters, give one variable per name (or per character); one name of one
        character gives that one variable."""
        make = (lambda n=None: one(n)) if dtype is not None else (lambda n=None: one(n, dtype))
        if names and isinstance(names[0], int):
            return [make() for _ in range(names[0])]
        if len(names) == 1:
            names = names[0]
        if len(names) == 1:
            return make(names)
        return [make(n) for n in names]

    many.__name__ = name[:-2] + "ices" if name.endswith("matrix") else name + "s"
    return one, many


constructors: dict = {}
for _kind, _pattern in _patterns.items():
    for _prefix, _dtype in list(_prefixes.items()) + [("", None)]:
        _one, _many = _make_constructors(_prefix + _kind, _pattern, _dtype)
        constructors[_prefix + _kind] = _one
        constructors[_many.__name__] = _many
globals().update(constructors)
