"""Scalar variables and scalar ops: arithmetic, comparisons, logic, fill (`second`), switch, cast.

A scalar op holds its formula (`impl`, written with numpy so it works on whole arrays), its output
dtype rule and its gradient (`L_op`, a small scalar graph). Elemwise lifts all three to tensors.
"""
from __future__ import annotations

from functools import reduce

import numpy as np

from symgrad.config import config
from symgrad.graph.basic import Apply, Constant, Variable
from symgrad.graph.op import Op
from symgrad.scalar.type import (
    ScalarType,
    continuous_dtypes,
    discrete_dtypes,
    literal_dtype,
    upcast,
    upgrade_to_float_dtype,
)


class ScalarVariable(Variable):
    """A symbolic scalar; scalar ops' gradients are written as small graphs of these."""

    @property
    def dtype(self) -> str:
        return self.type.dtype

    def __add__(self, o): return add(self, as_scalar(o))
    def __radd__(self, o): return add(as_scalar(o), self)
    def __sub__(self, o): return sub(self, as_scalar(o))
    def __rsub__(self, o): return sub(as_scalar(o), self)
    def __mul__(self, o): return mul(self, as_scalar(o))
    def __rmul__(self, o): return mul(as_scalar(o), self)
    def __truediv__(self, o): return true_div(self, as_scalar(o))
    def __rtruediv__(self, o): return true_div(as_scalar(o), self)
    def __neg__(self): return neg(self)


class ScalarConstant(ScalarVariable, Constant):
    def __init__(self, type, data, name=None) -> None:
        Constant.__init__(self, type, data, name)


ScalarType.variable_type = ScalarVariable
ScalarType.constant_type = ScalarConstant


def as_scalar(x, dtype: str | None = None) -> ScalarVariable:
    """A scalar variable as is, or a Python/numpy number as a constant (Theano's literal dtypes)."""
    if isinstance(x, Variable):
        if isinstance(x.type, ScalarType):
            return x
        raise TypeError(f"{x} of type {x.type} is not a scalar variable")
    return ScalarConstant(ScalarType(dtype or literal_dtype(x)), x)


def const_like(value, like: Variable) -> ScalarConstant:
    """A constant in `like`'s float dtype, so gradients of float32 graphs stay float32."""
    dtype = like.type.dtype if like.type.dtype in continuous_dtypes else config.floatX
    return ScalarConstant(ScalarType(dtype), np.asarray(value, dtype=dtype))


def zero_grad_of(x: Variable):
    """The gradient of a piecewise-constant function: zero (None for discrete inputs)."""
    return None if x.type.dtype in discrete_dtypes else const_like(0.0, x)


class ScalarOp(Op):
    """An operation on numbers. Subclasses define `nin`, `impl`, and `L_op`; `symbol` makes pp
    print it infix."""

    nin = 1
    nout = 1
    symbol: str | None = None
    commutative = False
    associative = False
    identity = None  # value of the empty reduction, where it has one

    @property
    def name(self) -> str:
        return type(self).__name__.lower()

    def __str__(self) -> str:
        return self.name

    def output_dtypes(self, *dtypes: str) -> list[str]:
        """Default rule: upcast the inputs, never to bool for arithmetic."""
        out = upcast(*dtypes)
        return ["int8" if out == "bool" else out]

    def make_node(self, *inputs) -> Apply:
        if self.nin >= 0 and len(inputs) != self.nin:
            raise TypeError(f"{self} takes {self.nin} inputs, got {len(inputs)}")
        inputs = [as_scalar(i) for i in inputs]
        outs = [ScalarType(d)() for d in self.output_dtypes(*[i.type.dtype for i in inputs])]
        return Apply(self, inputs, outs)

    def impl(self, *inputs):
        raise NotImplementedError(f"{self} has no impl")

    def R_op(self, inputs, eval_points):
        """Forward mode from the gradient: d out_j = sum_i (d out_j / d in_i) * v_i, with the
        partials read off L_op seeded by 1 on output j (exact for elementwise functions)."""
        outputs = self.make_node(*inputs).outputs
        tangents = []
        for j, out in enumerate(outputs):
            if out.type.dtype in discrete_dtypes:
                tangents.append(None)
                continue
            seed = [const_like(1.0 if k == j else 0.0, o) for k, o in enumerate(outputs)]
            total = None
            for partial, v in zip(self.L_op(inputs, outputs, seed), eval_points):
                if partial is None or v is None:
                    continue
                total = partial * v if total is None else total + partial * v
            tangents.append(total)
        return tangents

    def perform(self, node, inputs, output_storage) -> None:
        results = self.impl(*inputs)
        if self.nout == 1:
            results = (results,)
        for cell, value, out in zip(output_storage, results, node.outputs):
            cell[0] = np.asarray(value, dtype=out.type.dtype)[()]


class UnaryScalarOp(ScalarOp):
    nin = 1


class BinaryScalarOp(ScalarOp):
    nin = 2


class FloatUnaryOp(UnaryScalarOp):
    """A real function of one argument: integers are promoted to float as Theano does."""

    ufunc = None

    def output_dtypes(self, dtype: str) -> list[str]:
        return [upgrade_to_float_dtype(dtype)]

    def impl(self, x):
        x = np.asarray(x)
        if x.dtype.kind in "biu":  # numpy would compute small ints at float16 precision
            x = x.astype(upgrade_to_float_dtype(x.dtype.name))
        return type(self).ufunc(x)


class LogicalComparison(BinaryScalarOp):
    ufunc = None

    def output_dtypes(self, *dtypes):
        return ["bool"]

    def impl(self, x, y):
        return type(self).ufunc(x, y)

    def L_op(self, inputs, outputs, gout):
        return [zero_grad_of(x) for x in inputs]


# --- arithmetic -----------------------------------------------------------------------------
class Add(ScalarOp):
    nin = -1
    symbol = "+"
    commutative = associative = True
    identity = 0

    def impl(self, *xs):
        return reduce(np.add, xs)

    def L_op(self, inputs, outputs, gout):
        (gz,) = gout
        return [None if x.type.dtype in discrete_dtypes else gz for x in inputs]


class Mul(ScalarOp):
    nin = -1
    symbol = "*"
    commutative = associative = True
    identity = 1

    def impl(self, *xs):
        return reduce(np.multiply, xs)

    def L_op(self, inputs, outputs, gout):
        (gz,) = gout
        grads = []
        for i, x in enumerate(inputs):
            if x.type.dtype in discrete_dtypes:
                grads.append(None)
                continue
            others = inputs[:i] + inputs[i + 1:]
            grads.append(gz * (others[0] if len(others) == 1 else mul(*others)))
        return grads


class Sub(BinaryScalarOp):
    symbol = "-"

    def impl(self, x, y):
        return np.subtract(x, y)

    def L_op(self, inputs, outputs, gout):
        (gz,) = gout
        x, y = inputs
        return [None if x.type.dtype in discrete_dtypes else gz,
                None if y.type.dtype in discrete_dtypes else -gz]


class TrueDiv(BinaryScalarOp):
    symbol, name = "/", "true_div"  # Theano's names, as debugprint shows them

    def output_dtypes(self, *dtypes):
        if all(d in discrete_dtypes for d in dtypes):
            return [config.floatX]
        return super().output_dtypes(*dtypes)

    def impl(self, x, y):
        return np.true_divide(x, y)

    def L_op(self, inputs, outputs, gout):
        (gz,) = gout
        x, y = inputs
        gx = None if x.type.dtype in discrete_dtypes else gz / y
        gy = None if y.type.dtype in discrete_dtypes else -(gz * x) / (y * y)
        return [gx, gy]


class IntDiv(BinaryScalarOp):
    symbol, name = "//", "int_div"

    def impl(self, x, y):
        return np.floor_divide(x, y)

    def L_op(self, inputs, outputs, gout):
        return [zero_grad_of(x) for x in inputs]


class Mod(BinaryScalarOp):
    symbol = "%"

    def impl(self, x, y):
        return np.mod(x, y)

    def L_op(self, inputs, outputs, gout):
        (gz,) = gout
        x, y = inputs
        if x.type.dtype in discrete_dtypes:
            return [None, None]
        return [gz, None if y.type.dtype in discrete_dtypes else -gz * floor(x / y)]


def _chooser_grads(z, a, b, gz) -> list:
    """Gradients of z = max(a, b) or min(a, b): all of gz to the chosen argument, half to each
    at a tie (as JAX), so the input gradients always sum to gz."""
    def g(v):
        if v.type.dtype in discrete_dtypes or gz is None:
            return None
        zero, half = const_like(0.0, gz), const_like(0.5, gz)
        return switch(eq(a, b), gz * half, switch(eq(z, v), gz, zero))

    return [g(a), g(b)]


class Maximum(BinaryScalarOp):
    commutative = associative = True
    identity = -np.inf

    def impl(self, x, y):
        return np.maximum(x, y)

    def L_op(self, inputs, outputs, gout):
        """Ties split: where x == y each argument gets half of the output gradient."""
        (gz,) = gout
        (z,) = outputs
        x, y = inputs
        return _chooser_grads(z, x, y, gz)


class Minimum(Maximum):
    identity = np.inf

    def impl(self, x, y):
        return np.minimum(x, y)


class Neg(UnaryScalarOp):
    symbol = "-"

    def impl(self, x):
        return np.negative(x)

    def L_op(self, inputs, outputs, gout):
        return [None if inputs[0].type.dtype in discrete_dtypes else -gout[0]]


class Abs(UnaryScalarOp):
    def impl(self, x):
        return np.abs(x)

    def L_op(self, inputs, outputs, gout):
        """gz * sign(x): 0 at x == 0 (the mean of the one-sided slopes)."""
        (x,) = inputs
        return [None if x.type.dtype in discrete_dtypes else gout[0] * sgn(x)]


class Sgn(UnaryScalarOp):
    def impl(self, x):
        return np.sign(x)

    def L_op(self, inputs, outputs, gout):
        return [zero_grad_of(inputs[0])]


# --- comparisons and logic ------------------------------------------------------------------
class EQ(LogicalComparison):
    symbol, ufunc = "==", np.equal


class NEQ(LogicalComparison):
    symbol, ufunc = "!=", np.not_equal


class LT(LogicalComparison):
    symbol, ufunc = "<", np.less


class GT(LogicalComparison):
    symbol, ufunc = ">", np.greater


class LE(LogicalComparison):
    symbol, ufunc = "<=", np.less_equal


class GE(LogicalComparison):
    symbol, ufunc = ">=", np.greater_equal


class BitwiseOp(BinaryScalarOp):
    commutative = associative = True
    ufunc = None

    def output_dtypes(self, *dtypes):
        for d in dtypes:
            if d not in discrete_dtypes:
                raise TypeError(f"{self} needs integer or boolean inputs, got {d}")
        return [upcast(*dtypes)]

    def impl(self, x, y):
        return type(self).ufunc(x, y)

    def L_op(self, inputs, outputs, gout):
        return [None, None]


class AND(BitwiseOp):
    symbol, ufunc, identity = "&", np.bitwise_and, True
    name = "and_"  # Theano's names for the two


class OR(BitwiseOp):
    symbol, ufunc, identity = "|", np.bitwise_or, False
    name = "or_"


class XOR(BitwiseOp):
    symbol, ufunc = "^", np.bitwise_xor


class Invert(UnaryScalarOp):
    symbol = "~"

    def output_dtypes(self, dtype):
        if dtype not in discrete_dtypes:
            raise TypeError(f"invert needs an integer or boolean input, got {dtype}")
        return [dtype]

    def impl(self, x):
        return np.invert(x)

    def L_op(self, inputs, outputs, gout):
        return [None]


# --- structure: fill, switch, clip, cast, identity ------------------------------------------
class Second(BinaryScalarOp):
    """second(a, b) = b, shaped like a: the scalar core of `fill`."""

    def output_dtypes(self, a, b):
        return [b]

    def impl(self, a, b):
        return np.broadcast_to(b, np.broadcast_shapes(np.shape(a), np.shape(b))).copy() \
            if np.ndim(a) else b

    def L_op(self, inputs, outputs, gout):
        b = inputs[1]
        return [None, None if b.type.dtype in discrete_dtypes else gout[0]]


class Switch(ScalarOp):
    nin = 3

    def output_dtypes(self, cond, a, b):
        return [upcast(a, b)]

    def impl(self, cond, a, b):
        return np.where(cond, a, b)

    def L_op(self, inputs, outputs, gout):
        (gz,) = gout
        cond, a, b = inputs
        zero = const_like(0.0, gz)
        ga = None if a.type.dtype in discrete_dtypes else switch(cond, gz, zero)
        gb = None if b.type.dtype in discrete_dtypes else switch(cond, zero, gz)
        return [None, ga, gb]


class Clip(ScalarOp):
    nin = 3

    def impl(self, x, lo, hi):
        return np.minimum(np.maximum(x, lo), hi)

    def L_op(self, inputs, outputs, gout):
        """clip is min(max(x, lo), hi) and differentiates as that composition (as jnp.clip):
        at x == lo (or x == hi) x and the bound each get half of the gradient."""
        (gz,) = gout
        (z,) = outputs
        x, lo, hi = inputs
        m = maximum(x, lo)
        gm, ghi = _chooser_grads(z, m, hi, gz)
        gx, glo = _chooser_grads(m, x, lo, gm)
        return [gx, glo, ghi]


class Cast(UnaryScalarOp):
    __props__ = ("o_dtype",)

    def __init__(self, o_dtype: str) -> None:
        self.o_dtype = np.dtype(o_dtype).name

    @property
    def name(self) -> str:
        return f"convert_to_{self.o_dtype}"

    def output_dtypes(self, dtype):
        return [self.o_dtype]

    def impl(self, x):
        return np.asarray(x).astype(self.o_dtype)

    def L_op(self, inputs, outputs, gout):
        (x,) = inputs
        if self.o_dtype in discrete_dtypes:
            return [zero_grad_of(x)]
        if x.type.dtype in discrete_dtypes:
            # as Theano: an integer read as a float gets the float's gradient
            # (grad(dot(cast(X_int), W).sum(), X_int) equals the gradient for a float X)
            return [gout[0]]
        return [cast(gout[0], x.type.dtype)]


class Identity(UnaryScalarOp):
    def output_dtypes(self, dtype):
        return [dtype]

    def impl(self, x):
        return x

    def L_op(self, inputs, outputs, gout):
        return [None if inputs[0].type.dtype in discrete_dtypes else gout[0]]


class Floor(FloatUnaryOp):
    ufunc = np.floor

    def output_dtypes(self, dtype):
        return [dtype if dtype in discrete_dtypes and dtype != "bool" else
                upgrade_to_float_dtype(dtype)]

    def L_op(self, inputs, outputs, gout):
        return [zero_grad_of(inputs[0])]


add, mul, sub, true_div, int_div, mod = Add(), Mul(), Sub(), TrueDiv(), IntDiv(), Mod()
maximum, minimum, neg, abs_, sgn = Maximum(), Minimum(), Neg(), Abs(), Sgn()
eq, neq, lt, gt, le, ge = EQ(), NEQ(), LT(), GT(), LE(), GE()
and_, or_, xor, invert = AND(), OR(), XOR(), Invert()
second, switch, clip, identity, floor = Second(), Switch(), Clip(), Identity(), Floor()


def cast(x, dtype: str):
    x = as_scalar(x)
    return x if x.type.dtype == dtype else Cast(dtype)(x)
