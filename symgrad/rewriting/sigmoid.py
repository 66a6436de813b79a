"""Sigmoid algebra inside products: finite gradients for logistic losses.

`1 / (1 + exp(-z))` written by hand differentiates into `exp(-z) / (1 + exp(-z))**2` times the
gradient reaching the probability, itself a sum like `a / (1 - p) + b / p`. For |z| large,
`exp(-z)` overflows, `p` or `1 - p` rounds to 0, and the product is inf / inf or 0 * inf = nan,
although the exact value `a * p + b * (1 - p)` is tame. These stabilize rewrites read the
factors of a product as sigmoids (`1 / (1 + exp(u))` is `sigmoid(-u)`, `exp(u) / (1 + exp(u))` is
`sigmoid(u)`, `1 - sigmoid(x)` is `sigmoid(-x)`), cancel equal sigmoids above and below the
line, and multiply a sum into the product when that removes every term's division by a sigmoid.
The forms come from canonicalize (`-x` is `-1 * x`, `1 - y` is `1 + -1 * y`), and the stabilize
phase has no merge, so sigmoids are compared by structure, not by identity.
"""
from __future__ import annotations

from symgrad.graph.basic import Variable
from symgrad.rewriting.basic import is_elemwise, tensor_constant
from symgrad.rewriting.db import register
from symgrad.rewriting.engine import constant_equals, constant_of, node_rewriter
from symgrad.rewriting.math import collect_factors, fit_type, same_structure, single_client
from symgrad.rewriting.stabilize import (
    added_to_one,
    negated,
    negation_of,
    sigmoid_of_denominator,
)
from symgrad.scalar import basic as sb
from symgrad.scalar import math as sm
from symgrad.scalar.type import float_dtypes
from symgrad.tensor import math as tm

_PRODUCT_OPS = (sb.Mul, sb.TrueDiv, sm.Reciprocal)


def sigmoid_argument(var: Variable):
    """x when var computes sigmoid(x): sigmoid(x), 1 - sigmoid(-x), 1 / (1 + exp(-x)); else None."""
    if is_elemwise(var, sm.Sigmoid):
        return var.owner.inputs[0]
    rest = added_to_one(var)
    if rest is not None:
        s = negation_of(rest)
        if s is not None and is_elemwise(s, sm.Sigmoid) and s.type.dtype == var.type.dtype:
            return negated(s.owner.inputs[0])
        return None
    if is_elemwise(var, sb.TrueDiv) and constant_equals(var.owner.inputs[0], 1):
        return sigmoid_of_denominator(var.owner.inputs[1])
    if is_elemwise(var, sm.Reciprocal):
        return sigmoid_of_denominator(var.owner.inputs[0])
    return None


def same_argument(a: Variable, b: Variable) -> bool:
    """Whether a and b compute the same value: equal structure, or negations of equal ones."""
    if same_structure(a, b):
        return True
    na, nb = negation_of(a), negation_of(b)
    return na is not None and nb is not None and same_structure(na, nb)


def _take_sigmoid(factors: list, x: Variable):
    """Remove from `factors` one factor computing sigmoid(x); return it, or None."""
    for f in factors:
        arg = sigmoid_argument(f)
        if arg is not None and same_argument(arg, x):
            factors.remove(f)
            return f
    return None


def _cancel_sigmoids(num: list, den: list) -> bool:
    """Drop sigmoids found both above and below the line; True when one was dropped."""
    dropped = False
    for d in list(den):
        arg = sigmoid_argument(d)
        if arg is not None and _take_sigmoid(num, arg) is not None:
            den.remove(d)
            dropped = True
    return dropped


def _is_negation(a: Variable, b: Variable) -> bool:
    na, nb = negation_of(a), negation_of(b)
    return (na is not None and same_structure(na, b)) or (nb is not None and same_structure(nb, a))


def _pair_sigmoids(num: list, den: list, dtype: str, ndim: int) -> bool:
    """sigmoid(x) * sigmoid(-x) -> e / (1 + e)**2 with e = exp(-|x|): one exp and one division
    instead of two of each (the pair is even in x), and still finite for any x."""
    changed = False
    for f in list(num):
        if f not in num:
            continue
        x = sigmoid_argument(f)
        if x is None:
            continue
        partner = next((g for g in num if g is not f and (a := sigmoid_argument(g)) is not None
                        and _is_negation(a, x)), None)
        if partner is None:
            continue
        num.remove(f)
        num.remove(partner)
        inner = negation_of(x)  # |-y| is |y|
        e = tm.exp(tm.neg(tm.abs(inner if inner is not None else x)))
        num.append(e)
        den.append(tm.sqr(tm.add(tensor_constant(1, dtype, ndim), e)))
        changed = True
    return changed


def _one_plus_exp(var: Variable, dtype: str):
    """u when var is 1 + exp(u) in `dtype`, else None."""
    rest = added_to_one(var)
    if rest is None or not is_elemwise(rest, sm.Exp) or rest.type.dtype != dtype:
        return None
    return rest.owner.inputs[0]


def _denominators_to_sigmoids(num: list, den: list, dtype: str) -> bool:
    """x / (1 + exp(u)) -> x * sigmoid(-u), and exp(u) / (1 + exp(u)) -> sigmoid(u)."""
    changed = False
    for d in list(den):
        u = _one_plus_exp(d, dtype)
        if u is None:
            continue
        den.remove(d)
        changed = True
        paired = next((f for f in num if is_elemwise(f, sm.Exp)
                       and same_structure(f.owner.inputs[0], u)), None)
        if paired is not None:
            num.remove(paired)
            num.append(tm.sigmoid(u))
        else:
            num.append(tm.sigmoid(negated(u)))
    return changed


def _factors(var: Variable, fgraph, dtype: str):
    num, den = [], []
    if is_elemwise(var, _PRODUCT_OPS):
        collect_factors(fgraph, var, dtype, num, den, invert=False, root=True)
    else:
        num.append(var)
    return num, den


def _distribute(fgraph, num: list, den: list, dtype: str):
    """For a sum among `num` whose every term divides by a sigmoid also found in `num`: the sum
    of the terms each multiplied by the other factors, with the sigmoids cancelled; else None."""
    for k, s in enumerate(num):
        if not is_elemwise(s, sb.Add) or not single_client(fgraph, s) or s.type.dtype != dtype:
            continue
        others = num[:k] + num[k + 1:]
        terms = []
        for t in s.owner.inputs:
            t_num, t_den = _factors(t, fgraph, dtype)
            if any(f.type.dtype != dtype and constant_of(f) is None for f in t_num + t_den):
                break
            t_num += others
            t_den += den
            if not _cancel_sigmoids(t_num, t_den):
                break
            terms.append(_quotient(t_num, t_den, dtype, t.type.ndim))
        else:
            return tm.add(*terms)
    return None


def _product(factors: list):
    return factors[0] if len(factors) == 1 else tm.mul(*factors)


def _quotient(num: list, den: list, dtype: str, ndim: int) -> Variable:
    top = _product(num) if num else tensor_constant(1, dtype, ndim)
    return tm.true_div(top, _product(den)) if den else top


@register("stabilize")
@node_rewriter(list(_PRODUCT_OPS))
def local_sigmoid_product(fgraph, node):
    """(a / (1 - s) + b / s) * exp(-z) / (1 + exp(-z))**2 -> a * s + b * (1 - s), s = sigmoid(z)"""
    out = node.outputs[0]
    dtype = out.type.dtype
    if dtype not in float_dtypes:
        return None
    num, den = [], []
    collect_factors(fgraph, out, dtype, num, den, invert=False, root=True)
    if any(f.type.dtype != dtype and constant_of(f) is None for f in num + den):
        return None
    leaves = num + den
    changed = _denominators_to_sigmoids(num, den, dtype)
    changed = _cancel_sigmoids(num, den) or changed
    distributed = _distribute(fgraph, num, den, dtype)
    if distributed is None:
        changed = _pair_sigmoids(num, den, dtype, out.type.ndim) or changed
    if distributed is not None:
        new = distributed
    elif changed:
        new = _quotient(num, den, dtype, out.type.ndim)
    else:
        return None
    new = fit_type(new, out, leaves)
    return [new] if new is not None else None


@register("stabilize")
@node_rewriter([sb.Add, sb.Sub])
def local_one_minus_sigmoid(fgraph, node):
    """1 - sigmoid(x) -> sigmoid(-x) (exact where sigmoid(x) rounds to 1)"""
    out = node.outputs[0]
    if out.type.dtype not in float_dtypes:
        return None
    rest = added_to_one(out)
    s = negation_of(rest) if rest is not None else None
    if s is None or not is_elemwise(s, sm.Sigmoid) or s.type.dtype != out.type.dtype:
        return None
    return [fit_type(tm.sigmoid(negated(s.owner.inputs[0])), out)]
