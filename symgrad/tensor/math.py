"""Elementwise math as explicit `Elemwise(scalar_op)` instances, reductions, and dot."""
from __future__ import annotations

import builtins

import numpy as np

from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.scalar import basic as sb
from symgrad.scalar import math as sm
from symgrad.scalar import special as ss
from symgrad.scalar.type import discrete_dtypes, upcast
from symgrad.tensor.basic import as_tensor_variable, cast
from symgrad.tensor.elemwise import CAReduce, DimShuffle, Elemwise
from symgrad.tensor.shape import shape_i
from symgrad.tensor.type import TensorType

# arithmetic
add = Elemwise(sb.add)
sub = Elemwise(sb.sub)
mul = Elemwise(sb.mul)
true_div = Elemwise(sb.true_div)
int_div = Elemwise(sb.int_div)
mod = Elemwise(sb.mod)
pow = Elemwise(sm.pow)
neg = Elemwise(sb.neg)
abs_ = Elemwise(sb.abs_)
abs = abs_
sgn = Elemwise(sb.sgn)
sign = sgn
maximum = Elemwise(sb.maximum)
minimum = Elemwise(sb.minimum)
# comparisons and logic
eq = Elemwise(sb.eq)
neq = Elemwise(sb.neq)
lt = Elemwise(sb.lt)
gt = Elemwise(sb.gt)
le = Elemwise(sb.le)
ge = Elemwise(sb.ge)
and_ = bitwise_and = Elemwise(sb.and_)
or_ = bitwise_or = Elemwise(sb.or_)
xor = bitwise_xor = Elemwise(sb.xor)
invert = bitwise_not = Elemwise(sb.invert)
# functions
exp = Elemwise(sm.exp)
exp2 = Elemwise(sm.exp2)
expm1 = Elemwise(sm.expm1)
log = Elemwise(sm.log)
log2 = Elemwise(sm.log2)
log10 = Elemwise(sm.log10)
log1p = Elemwise(sm.log1p)
sqrt = Elemwise(sm.sqrt)
sqr = Elemwise(sm.sqr)
square = sqr
inv = reciprocal = Elemwise(sm.reciprocal)
sin = Elemwise(sm.sin)
cos = Elemwise(sm.cos)
tan = Elemwise(sm.tan)
arcsin = Elemwise(sm.arcsin)
arccos = Elemwise(sm.arccos)
arctan = Elemwise(sm.arctan)
arctan2 = Elemwise(sm.arctan2)
sinh = Elemwise(sm.sinh)
cosh = Elemwise(sm.cosh)
tanh = Elemwise(sm.tanh)
arcsinh = Elemwise(sm.arcsinh)
arccosh = Elemwise(sm.arccosh)
arctanh = Elemwise(sm.arctanh)
sigmoid = Elemwise(sm.sigmoid, name="sigmoid")  # Theano names these two plainly
softplus = Elemwise(sm.softplus, name="softplus")
erf = Elemwise(sm.erf)
erfc = Elemwise(sm.erfc)
# special functions
isnan = Elemwise(ss.isnan)
isinf = Elemwise(ss.isinf)
gamma = Elemwise(ss.gamma)
gammaln = Elemwise(ss.gammaln)
psi = Elemwise(ss.psi)
tri_gamma = Elemwise(ss.tri_gamma)
erfinv = Elemwise(ss.erfinv)
erfcinv = Elemwise(ss.erfcinv)
erfcx = Elemwise(ss.erfcx)
j0 = Elemwise(ss.j0)
j1 = Elemwise(ss.j1)
i0 = Elemwise(ss.i0)
i1 = Elemwise(ss.i1)
jv = Elemwise(ss.jv)
iv = Elemwise(ss.iv)
chi2sf = Elemwise(ss.chi2sf)
floor = Elemwise(sb.floor)
ceil = Elemwise(sm.ceil)
round_half_to_even = Elemwise(sm.round_half_to_even)
round_half_away_from_zero = Elemwise(sm.round_half_away_from_zero)





def round(a, mode: str | None = None):
    """Round to the nearest integer; ties to even by default (as numpy)."""
    if mode in (None, "half_to_even"):
        return round_half_to_even(a)
    if mode == "half_away_from_zero":
        return round_half_away_from_zero(a)
    raise ValueError(f"round mode must be 'half_to_even' or 'half_away_from_zero', got {mode!r}")


def clip(x, min, max):
    """x limited to [min, max]; the gradient flows where x is inside the interval. It is
    differentiated as minimum(maximum(x, min), max), as jnp.clip: at x == min (or max) x and
    the bound each get half of the gradient."""
    return Elemwise(sb.clip)(x, min, max)


# --- reductions ---------------------------------------------------------------------------
def _normalize_axis(x, axis):
    if axis is None:
        return None
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    out = []
    for a in axes:
        a = int(a)
        if not -x.type.ndim <= a < builtins.max(x.type.ndim, 1):
            raise ValueError(f"axis {a} is out of range for {x} with {x.type.ndim} dims")
        out.append(a + x.type.ndim if a < 0 else a)
    return tuple(sorted(set(out)))


def _keep(x, out, axes, keepdims: bool):
    if not keepdims:
        return out
    axes = range(x.type.ndim) if axes is None else axes
    pattern, k = [], 0
    for a in range(x.type.ndim):
        if a in axes:
            pattern.append("x")
        else:
            pattern.append(k)
            k += 1
    return DimShuffle(out.type.ndim, pattern)(out)


def _reduce(scalar_op, x, axis, keepdims, dtype=None):
    x = as_tensor_variable(x)
    axes = _normalize_axis(x, axis)
    out = CAReduce(scalar_op, axes, dtype)(x)
    return _keep(x, out, axes, keepdims)


def sum(input, axis=None, dtype=None, keepdims=False, acc_dtype=None):
    """Sum over `axis` (int, tuple or None for all); integers accumulate in int64."""
    return _reduce(sb.add, input, axis, keepdims, dtype)


def prod(input, axis=None, dtype=None, keepdims=False, acc_dtype=None, no_zeros_in_input=False):
    """Product over `axis`; its gradient is exact where inputs are zero."""
    return _reduce(sb.mul, input, axis, keepdims, dtype)


def max(x, axis=None, keepdims=False):
    """Maximum over `axis`; the gradient is split equally among the positions holding it."""
    return _reduce(sb.maximum, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over `axis`; the gradient is split equally among the positions holding it."""
    return _reduce(sb.minimum, x, axis, keepdims)


def any(x, axis=None, keepdims=False):
    """True where some element along `axis` (all axes if None) is non-zero; a bool tensor."""
    x = as_tensor_variable(x)
    return _reduce(sb.or_, neq(x, 0) if x.type.dtype != "bool" else x, axis, keepdims)


def all(x, axis=None, keepdims=False):
    """True where every element along `axis` (all axes if None) is non-zero; a bool tensor."""
    x = as_tensor_variable(x)
    return _reduce(sb.and_, neq(x, 0) if x.type.dtype != "bool" else x, axis, keepdims)


def mean(input, axis=None, dtype=None, keepdims=False, acc_dtype=None):
    """Arithmetic mean over `axis`: sum divided by the number of elements reduced."""
    x = as_tensor_variable(input)
    axes = _normalize_axis(x, axis)
    s = sum(x, axes, dtype=dtype)
    out_dtype = s.type.dtype if s.type.dtype not in discrete_dtypes else "float64"
    count = None
    for a in (range(x.type.ndim) if axes is None else axes):
        n = shape_i(x, a)
        count = n if count is None else mul(count, n)
    if count is None:
        out = cast(s, out_dtype)
    else:
        out = true_div(s, cast(count, out_dtype)) if out_dtype in ("float32", "float16") \
            else true_div(s, count)
    return _keep(x, out, axes, keepdims)


def var(input, axis=None, ddof=0, keepdims=False, corrected=False):
    """Variance: mean of squared deviations (ddof=1 or corrected=True for the unbiased one)."""
    x = as_tensor_variable(input)
    axes = _normalize_axis(x, axis)
    centered = sub(x, mean(x, axes, keepdims=True))
    ddof = 1 if corrected else ddof
    if not ddof:
        v = mean(sqr(centered), axes)
    else:
        count = None
        for a in (range(x.type.ndim) if axes is None else axes):
            n = shape_i(x, a)
            count = n if count is None else mul(count, n)
        v = true_div(sum(sqr(centered), axes), sub(count, ddof))
    return _keep(x, v, axes, keepdims)


def std(input, axis=None, ddof=0, keepdims=False, corrected=False):
    """Standard deviation: the square root of `var` with the same arguments."""
    return sqrt(var(input, axis, ddof, keepdims, corrected))


class Argmax(Op):
    """Index of the maximum (or minimum) along one axis, or over the flattened array."""

    __props__ = ("axis", "minimum")

    def __init__(self, axis, minimum: bool = False) -> None:
        self.axis = axis
        self.minimum = minimum

    def __str__(self) -> str:
        return f"{'Argmin' if self.minimum else 'Argmax'}{{axis={self.axis}}}"

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        bcast = () if self.axis is None else tuple(
            b for a, b in enumerate(x.type.broadcastable) if a != self.axis)
        return Apply(self, [x], [TensorType("int64", bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        fn = np.argmin if self.minimum else np.argmax
        output_storage[0][0] = np.asarray(fn(inputs[0], axis=self.axis), dtype="int64")

    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, output_grads):
        return [None]

    def R_op(self, inputs, eval_points):
        return [None]


def _arg_reduce(x, axis, keepdims, minimum):
    x = as_tensor_variable(x)
    axes = _normalize_axis(x, axis)
    if axes is not None and len(axes) == x.type.ndim:
        axes = None
    if axes is not None and len(axes) > 1:
        raise NotImplementedError("argmax/argmin over several axes: reduce one axis at a time")
    out = Argmax(None if axes is None else axes[0], minimum)(x)
    return _keep(x, out, axes, keepdims)


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum; integer output with no gradient."""
    return _arg_reduce(x, axis, keepdims, False)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum; integer output with no gradient."""
    return _arg_reduce(x, axis, keepdims, True)


# --- dot ----------------------------------------------------------------------------------
class Dot(Op):
    """Matrix and vector products (1-d and 2-d operands), through BLAS via numpy."""

    def __str__(self) -> str:
        return "dot"  # Theano's name for it in printed graphs

    def make_node(self, x, y) -> Apply:
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if x.type.ndim not in (1, 2) or y.type.ndim not in (1, 2):
            raise TypeError(f"Dot takes 1-d or 2-d inputs, got {x.type} and {y.type}")
        bcast = x.type.broadcastable[:-1] + y.type.broadcastable[1:]
        out_dtype = upcast(x.type.dtype, y.type.dtype)
        return Apply(self, [x, y], [TensorType(out_dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        x, y = inputs
        if x.shape[-1] != y.shape[0]:
            raise ValueError(f"dot: shapes {x.shape} and {y.shape} are not aligned "
                             f"({x.shape[-1]} != {y.shape[0]})")
        output_storage[0][0] = np.asarray(np.dot(x, y), dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        xs, ys = shapes
        return [tuple(xs[:-1]) + tuple(ys[1:])]

    def L_op(self, inputs, outputs, output_grads):
        x, y = inputs
        (gz,) = output_grads
        xd, yd = x.type.ndim, y.type.ndim
        if xd == 1 and yd == 1:
            gx, gy = mul(gz, y), mul(gz, x)
        elif xd == 2 and yd == 1:
            gx, gy = outer(gz, y), dot(x.T, gz)
        elif xd == 1 and yd == 2:
            gx, gy = dot(y, gz), outer(x, gz)
        else:
            gx, gy = dot(gz, y.T), dot(x.T, gz)
        return [_match(gx, x), _match(gy, y)]

    def R_op(self, inputs, eval_points):
        x, y = inputs
        ex, ey = eval_points
        terms = []
        if ex is not None:
            terms.append(dot(ex, y))
        if ey is not None:
            terms.append(dot(x, ey))
        if not terms:
            return [None]
        return [terms[0] if len(terms) == 1 else add(*terms)]


_dot = Dot()


def _match(g, like):
    """Cast a gradient to the input's dtype and restore broadcastable dims the input declares.
    An integer input keeps the float gradient (as in Theano, dot(X_int, W) differentiates
    with respect to X_int as it would for a float X)."""
    if like.type.dtype not in discrete_dtypes and g.type.dtype != like.type.dtype:
        g = cast(g, like.type.dtype)
    if g.type.broadcastable != like.type.broadcastable:
        axes = tuple(a for a, (b1, b2) in enumerate(zip(like.type.broadcastable,
                                                        g.type.broadcastable)) if b1 and not b2)
        if axes:
            g = sum(g, axes, keepdims=True)
    return g


def dot(a, b):
    """Inner product for vectors, matrix product for matrices, scaling for scalars."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.type.ndim == 0 or b.type.ndim == 0:
        return mul(a, b)
    return _dot(a, b)


def outer(x, y):
    """Outer product of two vectors."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    return mul(x.dimshuffle(0, "x"), y.dimshuffle("x", 0))


__all__ = [name for name in dir() if not name.startswith("_")
           and name not in ("annotations", "builtins", "np", "Apply", "Op", "sb", "sm", "ss",
                            "TensorType", "upcast", "discrete_dtypes")]
