"""Scalar ops as numba source expressions: the innermost line of every elementwise loop.

`scalar_expression(op, args, in_dtypes, out_dtype)` returns Python source that numba compiles,
computing the op on the scalar expressions `args`. Results are cast to the declared dtype so a
fused loop gives the same bits as numpy applying one op at a time (integer wrap-around,
float32 rounding). Composite graphs become one expression per inner node.
"""
from __future__ import annotations

from functools import singledispatch

import numpy as np

from symgrad.scalar import basic as sb
from symgrad.scalar import math as sm
from symgrad.scalar import special as ss
from symgrad.scalar.composite import Composite
from symgrad.scalar.type import discrete_dtypes


class MissingScalarKernel(NotImplementedError):
    """A scalar op has no numba expression."""


def literal(value, dtype: str) -> str:
    """A constant as numba source in its own dtype (exact: repr round-trips floats)."""
    value = np.asarray(value, dtype=dtype)[()]
    if dtype == "bool":
        return "True" if value else "False"
    if np.dtype(dtype).kind == "f":
        v = float(value)
        text = "np.nan" if np.isnan(v) else ("np.inf" if v == np.inf else
                                        "-np.inf" if v == -np.inf else repr(v))
        return f"np.{dtype}({text})"
    if np.dtype(dtype).kind == "c":
        return f"np.{dtype}(complex({value.real!r}, {value.imag!r}))"
    return f"np.{dtype}({int(value)})"


def cast_expression(expr: str, dtype: str) -> str:
    if dtype == "bool":
        return f"({expr} != 0)"
    return f"np.{dtype}({expr})"


@singledispatch
def scalar_source(op, args: list[str], in_dtypes: list[str], out_dtype: str) -> str:
    """Source computing `op(*args)`; registered per scalar op class."""
    raise MissingScalarKernel(f"no numba expression for scalar op {type(op).__name__}")


def scalar_expression(op, args, in_dtypes, out_dtype) -> str:
    """`op(*args)` cast to `out_dtype`."""
    return cast_expression(scalar_source(op, list(args), list(in_dtypes), out_dtype), out_dtype)


def _register(cls, template: str) -> None:
    """Register an op whose source is a format string over its arguments {0}, {1} ..."""
    scalar_source.register(cls)(lambda op, a, i, o: template.format(*a))


def _variadic(symbol: str):
    def source(op, args, in_dtypes, out_dtype):
        return "(" + f" {symbol} ".join(args) + ")"
    return source


scalar_source.register(sb.Add)(_variadic("+"))
scalar_source.register(sb.Mul)(_variadic("*"))
_register(sb.Sub, "({0} - {1})")
_register(sb.Neg, "(-{0})")
_register(sb.Mod, "({0} % {1})")
_register(sb.IntDiv, "({0} // {1})")
_register(sb.Abs, "abs({0})")
_register(sb.Second, "{1}")
_register(sb.Identity, "{0}")
_register(sb.Switch, "({1} if {0} else {2})")
_register(sb.EQ, "({0} == {1})")
_register(sb.NEQ, "({0} != {1})")
_register(sb.LT, "({0} < {1})")
_register(sb.GT, "({0} > {1})")
_register(sb.LE, "({0} <= {1})")
_register(sb.GE, "({0} >= {1})")
_register(sb.AND, "({0} & {1})")
_register(sb.OR, "({0} | {1})")
_register(sb.XOR, "({0} ^ {1})")
_register(sb.Cast, "{0}")
_register(sm.Sqr, "({0} * {0})")


@scalar_source.register(sb.TrueDiv)
def _true_div(op, args, in_dtypes, out_dtype):
    return f"({_float(args[0], out_dtype)} / {_float(args[1], out_dtype)})"


def _float(expr: str, dtype: str) -> str:
    """Integers converted before float arithmetic, as numpy converts them."""
    return f"np.{dtype}({expr})"


# numpy's maximum/minimum propagate NaN from either side
@scalar_source.register(sb.Maximum)
def _maximum(op, args, in_dtypes, out_dtype):
    return f"max_nan({args[0]}, {args[1]})"


@scalar_source.register(sb.Minimum)
def _minimum(op, args, in_dtypes, out_dtype):
    return f"min_nan({args[0]}, {args[1]})"


@scalar_source.register(sb.Clip)
def _clip(op, args, in_dtypes, out_dtype):
    return f"min_nan(max_nan({args[0]}, {args[1]}), {args[2]})"


@scalar_source.register(sb.Sgn)
def _sgn(op, args, in_dtypes, out_dtype):
    x = args[0]
    return f"(1 if {x} > 0 else (-1 if {x} < 0 else {x}))"


@scalar_source.register(sb.Invert)
def _invert(op, args, in_dtypes, out_dtype):
    return f"(not {args[0]})" if in_dtypes[0] == "bool" else f"(~{args[0]})"


@scalar_source.register(sb.Floor)
def _floor(op, args, in_dtypes, out_dtype):
    return args[0] if in_dtypes[0] in discrete_dtypes else f"np.floor({args[0]})"


@scalar_source.register(sm.Ceil)
def _ceil(op, args, in_dtypes, out_dtype):
    return args[0] if in_dtypes[0] in discrete_dtypes else f"np.ceil({args[0]})"


@scalar_source.register(sm.RoundHalfToEven)
def _round_even(op, args, in_dtypes, out_dtype):
    return args[0] if in_dtypes[0] in discrete_dtypes else f"np.rint({args[0]})"


@scalar_source.register(sm.RoundHalfAwayFromZero)
def _round_away(op, args, in_dtypes, out_dtype):
    if in_dtypes[0] in discrete_dtypes:
        return args[0]
    x = args[0]
    return f"(np.floor({x} + 0.5) if {x} >= 0 else np.ceil({x} - 0.5))"


@scalar_source.register(sm.Pow)
def _pow(op, args, in_dtypes, out_dtype):
    if out_dtype in discrete_dtypes:
        return f"int_pow({args[0]}, {args[1]})"
    return f"({_float(args[0], out_dtype)} ** {args[1]})"


@scalar_source.register(sm.Reciprocal)
def _reciprocal(op, args, in_dtypes, out_dtype):
    return f"(np.{out_dtype}(1.0) / {_float(args[0], out_dtype)})"


@scalar_source.register(sm.Sigmoid)
def _sigmoid(op, args, in_dtypes, out_dtype):
    if out_dtype == "float32":
        return f"sigmoid32(np.float32({args[0]}))"
    return f"sigmoid(np.float64({args[0]}))"


@scalar_source.register(sm.Softplus)
def _softplus(op, args, in_dtypes, out_dtype):
    return f"softplus_fast(np.float64({args[0]}))"


@scalar_source.register(sm.ArcTan2)
def _arctan2(op, args, in_dtypes, out_dtype):
    return f"np.arctan2({_float(args[0], out_dtype)}, {_float(args[1], out_dtype)})"


# fast functions that answer NaN outside the range they are accurate in, and the exact
# function a kernel recomputes with when it sees such a NaN
GUARDED_FUNCTIONS = {"sin_fast": "np.sin", "cos_fast": "np.cos"}

# one-argument float functions; exp, tanh, log, log1p, sin and cos go through the vectorisable
# versions
_UNARY_FUNCTIONS = {
    sm.Exp: "exp", sm.Exp2: "np.exp2", sm.Expm1: "np.expm1", sm.Log: "log_fast",
    sm.Log2: "np.log2", sm.Log10: "np.log10", sm.Log1p: "log1p_fast", sm.Sqrt: "np.sqrt",
    sm.Sin: "sin_fast", sm.Cos: "cos_fast", sm.Tan: "np.tan", sm.ArcSin: "np.arcsin",
    sm.ArcCos: "np.arccos", sm.ArcTan: "np.arctan", sm.Sinh: "np.sinh", sm.Cosh: "np.cosh",
    sm.Tanh: "tanh", sm.ArcSinh: "np.arcsinh", sm.ArcCosh: "np.arccosh",
    sm.ArcTanh: "np.arctanh", sm.Erf: "math.erf", sm.Erfc: "math.erfc",
}


# vectormath works in float64
_FLOAT64_ONLY = ("exp", "tanh", "log_fast", "log1p_fast", "sin_fast", "cos_fast")
_FLOAT32_VERSIONS = {"exp": "exp32", "tanh": "tanh32"}  # ... and these in float32


def _unary_function(name: str):
    def source(op, args, in_dtypes, out_dtype):
        if out_dtype == "float32" and name in _FLOAT32_VERSIONS:
            return f"{_FLOAT32_VERSIONS[name]}(np.float32({args[0]}))"
        if name in _FLOAT64_ONLY:
            return f"{name}(np.float64({args[0]}))"
        return f"{name}({_float(args[0], out_dtype)})"
    return source


for _cls, _name in _UNARY_FUNCTIONS.items():
    scalar_source.register(_cls)(_unary_function(_name))

# scipy's special functions (specialfns.py, imported as spf): each works in float64
_SPECIAL_FUNCTIONS = {
    ss.Gamma: "spf.gamma", ss.GammaLn: "spf.gammaln", ss.Psi: "spf.psi",
    ss.TriGamma: "spf.tri_gamma", ss.Erfinv: "spf.erfinv", ss.Erfcinv: "spf.erfcinv",
    ss.Erfcx: "spf.erfcx", ss.J0: "spf.j0", ss.J1: "spf.j1", ss.I0: "spf.i0", ss.I1: "spf.i1",
    ss.Jv: "spf.jv", ss.Iv: "spf.iv", ss.Chi2SF: "spf.chi2sf",
}


def _special_function(name: str):
    def source(op, args, in_dtypes, out_dtype):
        return f"{name}({', '.join(f'np.float64({a})' for a in args)})"
    return source


for _cls, _name in _SPECIAL_FUNCTIONS.items():
    scalar_source.register(_cls)(_special_function(_name))


@scalar_source.register(ss.IsNan)
def _isnan(op, args, in_dtypes, out_dtype):
    return "False" if in_dtypes[0] in discrete_dtypes else f"np.isnan({args[0]})"


@scalar_source.register(ss.IsInf)
def _isinf(op, args, in_dtypes, out_dtype):
    return "False" if in_dtypes[0] in discrete_dtypes else f"np.isinf({args[0]})"


def composite_lines(op: Composite, args: list[str], prefix: str) -> tuple[list[str], list[str]]:
    """Statements computing a Composite's inner graph, and the expressions of its outputs.

    Each inner value gets its own local (`{prefix}_3`), so shared subexpressions run once."""
    names = {v: a for v, a in zip(op.inputs, args)}
    lines = []

    def ref(var) -> str:
        if var in names:
            return names[var]
        return literal(var.data, var.type.dtype)

    for k, node in enumerate(op.nodes):
        ins = [ref(v) for v in node.inputs]
        in_dtypes = [v.type.dtype for v in node.inputs]
        if isinstance(node.op, Composite):
            inner, outs = composite_lines(node.op, ins, f"{prefix}_{k}")
            lines += inner
        else:
            (out,) = node.outputs
            outs = [scalar_expression(node.op, ins, in_dtypes, out.type.dtype)]
        for j, (var, expr) in enumerate(zip(node.outputs, outs)):
            name = f"{prefix}_{k}_{j}"
            lines.append(f"{name} = {expr}")
            names[var] = name
    return lines, [ref(o) for o in op.outputs]


def scalar_lines(op, args, in_dtypes, out_dtypes, prefix: str) -> tuple[list[str], list[str]]:
    """Statements and output expressions for any scalar op (Composite or single)."""
    if isinstance(op, Composite):
        return composite_lines(op, args, prefix)
    return [], [scalar_expression(op, args, in_dtypes, out_dtypes[0])]


def has_scalar_source(op) -> bool:
    if isinstance(op, Composite):
        return all(has_scalar_source(n.op) for n in op.nodes)
    return scalar_source.dispatch(type(op)) is not scalar_source.dispatch(object)


def guarded_names(lines: list[str]) -> list[str]:
    """Locals assigned from a guarded fast function in these statements."""
    names = []
    for line in lines:
        name, _, expr = line.partition(" = ")
        if any(f"{fn}(" in expr for fn in GUARDED_FUNCTIONS):
            names.append(name)
    return names


def unguarded(text: str) -> str:
    """The same code calling the exact functions instead of the guarded fast ones."""
    for fast, exact in GUARDED_FUNCTIONS.items():
        text = text.replace(f"{fast}(", f"{exact}(")
    return text
