"""Scalar types and ops: the per-element formulas, dtype rules and gradients that Elemwise lifts.

In: the graph IR. Out: ScalarType and the scalar ops (arithmetic, comparisons, exp, log,
sigmoid ..., the special functions: gamma, psi, Bessel ...), each with its numpy/numba formula, its output dtype rule and its L_op;
Composite, a fused scalar graph.
"""
from symgrad.scalar.basic import *  # noqa: F401,F403
from symgrad.scalar.basic import ScalarConstant, ScalarOp, ScalarVariable, as_scalar, cast  # noqa
from symgrad.scalar.math import *  # noqa: F401,F403
from symgrad.scalar.special import *  # noqa: F401,F403
from symgrad.scalar.type import (  # noqa: F401
    ScalarType,
    all_dtypes,
    complex_dtypes,
    continuous_dtypes,
    discrete_dtypes,
    float_dtypes,
    get_scalar_type,
    int_dtypes,
    literal_dtype,
    uint_dtypes,
    upcast,
    upgrade_to_float_dtype,
)

# Theano's scalar type instances (`theano.scalar.float64`), one per dtype
globals().update({_dtype: get_scalar_type(_dtype) for _dtype in all_dtypes})


def constant(x, name: str | None = None, dtype: str | None = None) -> ScalarConstant:
    """A scalar constant holding `x` (Theano's literal dtypes unless `dtype` is given)."""
    made = ScalarConstant(ScalarType(dtype or literal_dtype(x)), x)
    made.name = name
    return made
