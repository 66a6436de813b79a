"""TensorVariable and TensorConstant: numpy-like operators and methods on symbolic arrays."""
from __future__ import annotations

import importlib

from symgrad.graph.basic import Constant, Variable
from symgrad.tensor.type import TensorType


class _TensorOperators:
    """Operators and methods shared by tensor variables and constants.

    `==` stays identity (variables are dict keys); use `T.eq` for elementwise equality.
    """

    # arithmetic
    def __add__(self, o): return _m.add(self, o)
    def __radd__(self, o): return _m.add(o, self)
    def __sub__(self, o): return _m.sub(self, o)
    def __rsub__(self, o): return _m.sub(o, self)
    def __mul__(self, o): return _m.mul(self, o)
    def __rmul__(self, o): return _m.mul(o, self)
    def __truediv__(self, o): return _m.true_div(self, o)
    def __rtruediv__(self, o): return _m.true_div(o, self)
    def __floordiv__(self, o): return _m.int_div(self, o)
    def __rfloordiv__(self, o): return _m.int_div(o, self)
    def __mod__(self, o): return _m.mod(self, o)
    def __rmod__(self, o): return _m.mod(o, self)
    def __pow__(self, o): return _m.pow(self, o)
    def __rpow__(self, o): return _m.pow(o, self)
    def __neg__(self): return _m.neg(self)
    def __abs__(self): return _m.abs(self)
    def __matmul__(self, o): return _products.matmul(self, o)
    def __rmatmul__(self, o): return _products.matmul(o, self)
    # comparisons and logic
    def __lt__(self, o): return _m.lt(self, o)
    def __le__(self, o): return _m.le(self, o)
    def __gt__(self, o): return _m.gt(self, o)
    def __ge__(self, o): return _m.ge(self, o)
    def __and__(self, o): return _m.and_(self, o)
    def __rand__(self, o): return _m.and_(o, self)
    def __or__(self, o): return _m.or_(self, o)
    def __ror__(self, o): return _m.or_(o, self)
    def __xor__(self, o): return _m.xor(self, o)
    def __rxor__(self, o): return _m.xor(o, self)
    def __invert__(self): return _m.invert(self)

    def __bool__(self):
        raise TypeError("a symbolic variable has no truth value; use T.switch or ifelse to "
                        "choose between values, and T.eq / T.and_ to compare")

    def __iter__(self):
        raise TypeError("a symbolic tensor cannot be iterated in Python; index it or use scan")

    __hash__ = Variable.__hash__

    # type information
    @property
    def dtype(self) -> str:
        return self.type.dtype

    @property
    def ndim(self) -> int:
        return self.type.ndim

    @property
    def broadcastable(self) -> tuple:
        return self.type.broadcastable

    @property
    def shape(self):
        return _shape.shape(self)

    @property
    def size(self):
        return _m.prod(self.shape)

    # layout
    @property
    def T(self):
        return _basic.transpose(self)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = axes[0]
        return _basic.transpose(self, axes or None)

    def dimshuffle(self, *pattern):
        if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
            pattern = pattern[0]
        return _elemwise.DimShuffle(self.ndim, tuple(pattern))(self)

    def astype(self, dtype):
        return _basic.cast(self, dtype)

    # indexing and shape
    def __getitem__(self, key):
        return _subtensor.getitem(self, key)

    def __setitem__(self, key, value):
        raise TypeError("a symbolic tensor cannot be changed in place; build the changed array "
                        "with x = T.set_subtensor(x[key], value) (or T.inc_subtensor)")

    def __len__(self):
        raise TypeError("the length of a symbolic tensor is not known in Python; use x.shape[0] "
                        "for a symbolic length")

    def reshape(self, *shape, ndim=None):
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = shape[0]
        return _shape.reshape(self, shape, ndim=ndim)

    def flatten(self, ndim=1, outdim=None):
        return _shape.flatten(self, ndim, outdim)

    def ravel(self):
        return _shape.flatten(self, 1)

    def squeeze(self, axis=None):
        return _shape.squeeze(self, axis)

    def take(self, indices, axis=None, mode="raise"):
        return _subtensor.take(self, indices, axis, mode)

    def swapaxes(self, axis1, axis2):
        return _basic.swapaxes(self, axis1, axis2)

    def repeat(self, repeats, axis=None):
        return _extra.repeat(self, repeats, axis)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _extra.diagonal(self, offset, axis1, axis2)

    def cumsum(self, axis=None):
        return _extra.cumsum(self, axis)

    def cumprod(self, axis=None):
        return _extra.cumprod(self, axis)

    def sort(self, axis=-1, kind="quicksort", order=None):
        return _sort.sort(self, axis, kind, order)

    def argsort(self, axis=-1, kind="quicksort", order=None):
        return _sort.argsort(self, axis, kind, order)

    # reductions
    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _m.sum(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _m.prod(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _m.mean(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def var(self, axis=None, ddof=0, keepdims=False):
        return _m.var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, ddof=0, keepdims=False):
        return _m.std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _m.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _m.min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return _m.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _m.argmin(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return _m.any(self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return _m.all(self, axis=axis, keepdims=keepdims)

    def norm(self, L, axis=None):
        if L == 1:
            return _m.sum(_m.abs(self), axis=axis)
        return _m.pow(_m.sum(_m.pow(_m.abs(self), L), axis=axis), 1.0 / L)

    # elementwise helpers
    def dot(self, o):
        return _products.dot(self, o)

    def exp(self): return _m.exp(self)
    def log(self): return _m.log(self)
    def sqrt(self): return _m.sqrt(self)
    def clip(self, lo, hi): return _m.clip(self, lo, hi)
    def round(self, mode=None): return _m.round(self, mode)
    def zeros_like(self, dtype=None): return _basic.zeros_like(self, dtype)
    def ones_like(self, dtype=None): return _basic.ones_like(self, dtype)
    def copy(self, name=None):
        out = _basic.tensor_copy(self)
        out.name = name
        return out


class TensorVariable(_TensorOperators, Variable):
    """A symbolic n-d array."""


class TensorConstant(_TensorOperators, Constant):
    """A fixed n-d array in a graph; prints as its value."""

    def __init__(self, type, data, name=None) -> None:
        Constant.__init__(self, type, data, name)
        self.data.setflags(write=False)  # a constant is shared by every function that uses it

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        text = str(self.data)
        return text if len(text) < 40 else f"TensorConstant{{{self.type}}}"


TensorType.variable_type = TensorVariable
TensorType.constant_type = TensorConstant

class _ImportedOnFirstUse:
    """Stands for a module the operators call. Those modules import the classes above, so
    importing them here would make the outcome depend on which tensor module is imported
    first; the first attribute read imports the module and puts it in this module's globals
    in place of the stand-in, so later calls pay nothing."""

    def __init__(self, alias: str, module: str) -> None:
        self._alias = alias
        self._module = module

    def __getattr__(self, attr: str):
        if attr.startswith("__"):  # copy/pickle probes: not a module attribute
            raise AttributeError(attr)
        module = importlib.import_module(self._module)
        globals()[self._alias] = module
        return getattr(module, attr)


_basic = _ImportedOnFirstUse("_basic", "symgrad.tensor.basic")
_elemwise = _ImportedOnFirstUse("_elemwise", "symgrad.tensor.elemwise")
_extra = _ImportedOnFirstUse("_extra", "symgrad.tensor.extra_ops")
_m = _ImportedOnFirstUse("_m", "symgrad.tensor.math")
_products = _ImportedOnFirstUse("_products", "symgrad.tensor.products")
_shape = _ImportedOnFirstUse("_shape", "symgrad.tensor.shape")
_sort = _ImportedOnFirstUse("_sort", "symgrad.tensor.sort")
_subtensor = _ImportedOnFirstUse("_subtensor", "symgrad.tensor.subtensor")
