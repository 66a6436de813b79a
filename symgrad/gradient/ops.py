"""Gradient markers: the types of missing and undefined gradients, and the identity ops that only
change how gradients flow (zero_grad, disconnected_grad, grad_clip, grad_scale, undefined_grad).

In: a tensor variable. Out: the same values forward; a changed gradient backward. Every op here
is the identity when run, so rewrites and backends may treat it as a view of its input.
"""
from __future__ import annotations

import numpy as np

from symgrad.errors import GradientNotImplementedError, NullGradientError, format_frame
from symgrad.graph.basic import Apply, Variable
from symgrad.graph.op import Op
from symgrad.graph.type import Type
from symgrad.tensor.basic import zeros_like
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.math import clip, mul


# --- the types of "no gradient" -------------------------------------------------------------
class DisconnectedType(Type):
    """The type of a gradient that does not exist because the input does not affect the output."""

    def filter(self, data, strict: bool = False, allow_downcast: bool | None = None):
        raise TypeError("a disconnected gradient has no value; ask grad for "
                        "return_disconnected='zero' to get zeros instead")

    def __eq__(self, other: object) -> bool:
        return type(other) is DisconnectedType

    def __hash__(self) -> int:
        return hash(DisconnectedType)

    def __str__(self) -> str:
        return "DisconnectedType"


DisconnectedType.variable_type = Variable


def disconnected_type() -> Variable:
    """A fresh variable meaning "this gradient is disconnected"."""
    return DisconnectedType()()


def is_disconnected(var) -> bool:
    """Whether `var` is the placeholder for a gradient of an input that the cost does not use."""
    return isinstance(var, Variable) and isinstance(var.type, DisconnectedType)


class NullType(Type):
    """The type of a gradient that is mathematically undefined; `why_null` says where and why.

    A variable of this type cannot be used as a tensor, so using it fails with that message.
    """

    def __init__(self, why_null: str = "(no explanation given)",
                 not_implemented: bool = False) -> None:
        self.why_null = why_null
        self.not_implemented = not_implemented

    def error(self, prefix: str = "") -> NullGradientError:
        """The exception to raise when this gradient is used."""
        cls = GradientNotImplementedError if self.not_implemented else NullGradientError
        return cls(prefix + self.why_null)

    def filter(self, data, strict: bool = False, allow_downcast: bool | None = None):
        raise self.error()

    def __eq__(self, other: object) -> bool:
        return type(other) is NullType and (other.why_null, other.not_implemented) == (
            self.why_null, self.not_implemented)

    def __hash__(self) -> int:
        return hash((NullType, self.why_null, self.not_implemented))

    def __str__(self) -> str:
        return f"NullType(undefined gradient: {self.why_null})"


class NullVariable(Variable):
    """An undefined gradient: any arithmetic on it raises the reason it is undefined."""

    def _refuse(self, *args, **kwargs):
        raise self.type.error("cannot compute with an undefined gradient: ")


for _name in ("add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "pow",
              "rpow", "neg", "matmul", "rmatmul", "abs"):
    setattr(NullVariable, f"__{_name}__", NullVariable._refuse)
NullType.variable_type = NullVariable


class NullGradient(Op):
    """Stands for an undefined gradient in a graph; running it raises the reason."""

    __props__ = ("why_null", "not_implemented")

    def __init__(self, why_null: str, not_implemented: bool = False) -> None:
        self.why_null = why_null
        self.not_implemented = not_implemented

    def __str__(self) -> str:
        return "NullGradient"

    def make_node(self) -> Apply:
        null_type = NullType(self.why_null, self.not_implemented)
        return Apply(self, [], [null_type("undefined_gradient")])

    def perform(self, node, inputs, output_storage) -> None:
        raise node.outputs[0].type.error()

    def L_op(self, inputs, outputs, output_grads):
        return []

    def R_op(self, inputs, eval_points):
        return [None]


def is_null(var) -> bool:
    """Whether `var` is the placeholder for a gradient that is not defined (e.g. of an index)."""
    return isinstance(var, Variable) and isinstance(var.type, NullType)


def _where(node) -> str:
    if node is None:
        return ""
    return f"\nThe node was built at:\n  {format_frame(node.trace)}"


def grad_undefined(op, input_index: int, variable, comment: str = "", node=None) -> Variable:
    """The gradient of `op` wrt its input number `input_index` is undefined: a null variable
    whose message names the op, the input and (given `node`) the user's line."""
    why = (f"the gradient of {op} with respect to its input {input_index} ({variable}) is "
           f"undefined" + (f": {comment}" if comment else "") + _where(node))
    return NullGradient(why)()


def grad_not_implemented(op, input_index: int, variable, comment: str = "",
                         node=None) -> Variable:
    """`op` does not implement the gradient wrt input `input_index`: a null variable saying so."""
    why = (f"{op} does not implement a gradient with respect to its input {input_index} "
           f"({variable})" + (f": {comment}" if comment else "") + _where(node))
    return NullGradient(why, not_implemented=True)()


# --- identity ops that steer gradients ------------------------------------------------------
class GradientMarker(Op):
    """Identity forward; subclasses say what happens to the gradient on the way back."""

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = inputs[0]

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def R_op(self, inputs, eval_points):
        return [eval_points[0]]


class ZeroGrad(GradientMarker):
    """Gradient is zero (the path stays connected)."""

    def L_op(self, inputs, outputs, output_grads):
        return [zeros_like(inputs[0])]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else zeros_like(eval_points[0])]


class ConsiderConstant(ZeroGrad):
    """Theano's older name for a zero gradient."""


class DisconnectedGrad(GradientMarker):
    """No gradient flows: the input counts as not part of the graph."""

    def connection_pattern(self, node):
        return [[False]]

    def L_op(self, inputs, outputs, output_grads):
        return [disconnected_type()]

    def R_op(self, inputs, eval_points):
        return [None]


class UndefinedGrad(GradientMarker):
    """The gradient through this point is undefined; using it raises."""

    def L_op(self, inputs, outputs, output_grads):
        return [grad_undefined(self, 0, inputs[0], "it passes through undefined_grad",
                               outputs[0].owner)]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [grad_undefined(self, 0, inputs[0], "it passes through undefined_grad")]


class GradClip(GradientMarker):
    """The gradient is clipped elementwise to [lower, upper]."""

    __props__ = ("lower", "upper")

    def __init__(self, lower: float, upper: float) -> None:
        if not lower <= upper:
            raise ValueError(f"grad_clip needs lower <= upper, got {lower} > {upper}")
        self.lower = float(lower)
        self.upper = float(upper)

    def L_op(self, inputs, outputs, output_grads):
        (g,) = output_grads
        dtype = g.type.dtype
        return [clip(g, np.asarray(self.lower, dtype), np.asarray(self.upper, dtype))]


class GradScale(GradientMarker):
    """The gradient is multiplied by `multiplier`."""

    __props__ = ("multiplier",)

    def __init__(self, multiplier: float) -> None:
        self.multiplier = float(multiplier)

    def L_op(self, inputs, outputs, output_grads):
        (g,) = output_grads
        return [mul(g, np.asarray(self.multiplier, g.type.dtype))]


def zero_grad(x):
    """x, with a gradient of zero: the graph stays connected, nothing flows back."""
    return ZeroGrad()(x)


def consider_constant(x):
    """x, treated as a constant by grad (its gradient is zero); same as `zero_grad`."""
    return ConsiderConstant()(x)


def disconnected_grad(x):
    """x, cut out of gradients: grad treats x as if it were not in the cost's graph."""
    return DisconnectedGrad()(x)


def undefined_grad(x):
    """x, with an undefined gradient: grad raises (or returns a null gradient) through it."""
    return UndefinedGrad()(x)


def grad_clip(x, lower_bound: float, upper_bound: float):
    """x, whose gradient is clipped to [lower_bound, upper_bound] on the way back."""
    return GradClip(lower_bound, upper_bound)(x)


def grad_scale(x, multiplier: float):
    """x, whose gradient is multiplied by `multiplier` on the way back."""
    return GradScale(multiplier)(x)
