"""Numerically stable forms: the same function, computed without overflow or lost digits.

`log(1 + x)` loses x when it is tiny, `log(1 + exp(x))` overflows for large x, `log(sigmoid(x))`
gives -inf for very negative x. These rewrites run after canonicalize, so they match its forms
(`1 - y` is `1 + -1 * y`, `-x` is `-1 * x`).
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Variable
from symgrad.rewriting.basic import is_elemwise, tensor_constant
from symgrad.rewriting.db import register
from symgrad.rewriting.engine import constant_equals, node_rewriter
from symgrad.rewriting.math import fit_type
from symgrad.scalar import basic as sb
from symgrad.scalar import math as sm
from symgrad.scalar.type import float_dtypes
from symgrad.tensor import math as tm
from symgrad.tensor.basic import alloc, ones_like, switch
from symgrad.tensor.elemwise import CAReduce, DimShuffle
from symgrad.tensor.nnet.basic import (
    CrossentropyCategorical1Hot,
    CrossentropyCategorical1HotGrad,
    LogSoftmax,
    Softmax,
    SoftmaxGrad,
)
from symgrad.tensor.shape import shape_i


def negation_of(var: Variable):
    """y when var is -y, -1 * y, or a sum of such terms (y is then the sum of the y's)."""
    if is_elemwise(var, sb.Neg):
        return var.owner.inputs[0]
    if is_elemwise(var, sb.Add):
        terms = [negation_of(t) for t in var.owner.inputs]
        if any(t is None for t in terms):
            return None
        return tm.add(*terms)
    if is_elemwise(var, sb.Mul) and constant_equals(var.owner.inputs[0], -1):
        rest = var.owner.inputs[1:]
        return rest[0] if len(rest) == 1 else tm.mul(*rest)
    return None


def negated(x: Variable) -> Variable:
    """-x, written without a double negation when x is already a negation."""
    inner = negation_of(x)
    return inner if inner is not None else tm.neg(x)


def added_to_one(var: Variable):
    """y when var is 1 + y (an add with a constant 1 among its terms) or 1 - z (y = -z)."""
    if is_elemwise(var, sb.Add) and var.type.dtype in float_dtypes:
        ones = [i for i in var.owner.inputs if constant_equals(i, 1)]
        if not ones:
            return None
        rest = list(var.owner.inputs)
        rest.remove(ones[0])
        return rest[0] if len(rest) == 1 else tm.add(*rest)
    if is_elemwise(var, sb.Sub) and var.type.dtype in float_dtypes \
            and constant_equals(var.owner.inputs[0], 1):
        return tm.neg(var.owner.inputs[1])
    return None


@register("stabilize")
@node_rewriter([sm.Log])
def local_log1p(fgraph, node):
    """log(1 + x) -> log1p(x)"""
    (arg,) = node.inputs
    y = added_to_one(arg)
    if y is None or y.type.dtype != arg.type.dtype:
        return None
    return [fit_type(tm.log1p(y), node.outputs[0], [arg.owner.inputs[0]])]


@register("stabilize")
@node_rewriter([sm.Log1p])
def local_log1p_special(fgraph, node):
    """log1p(exp(x)) -> softplus(x); log1p(-sigmoid(x)) -> -softplus(x)"""
    (arg,) = node.inputs
    out = node.outputs[0]
    if is_elemwise(arg, sm.Exp):
        return [fit_type(tm.softplus(arg.owner.inputs[0]), out)]
    neg = negation_of(arg)
    if neg is not None and is_elemwise(neg, sm.Sigmoid):
        return [fit_type(tm.neg(tm.softplus(neg.owner.inputs[0])), out)]
    return None


@register("stabilize")
@node_rewriter([sm.Log])
def local_log_sigmoid(fgraph, node):
    """log(sigmoid(x)) -> -softplus(-x)"""
    (arg,) = node.inputs
    if not is_elemwise(arg, sm.Sigmoid):
        return None
    x = arg.owner.inputs[0]
    return [fit_type(tm.neg(tm.softplus(negated(x))), node.outputs[0])]


@register("stabilize")
@node_rewriter([sb.Add, sb.Sub])
def local_expm1(fgraph, node):
    """exp(x) - 1 -> expm1(x) (also -1 + exp(x) + y -> expm1(x) + y)"""
    out = node.outputs[0]
    if out.type.dtype not in float_dtypes:
        return None
    if isinstance(node.op.scalar_op, sb.Sub):
        a, b = node.inputs
        if is_elemwise(a, sm.Exp) and constant_equals(b, 1):
            return [fit_type(tm.expm1(a.owner.inputs[0]), out)]
        return None
    minus_ones = [i for i in node.inputs if constant_equals(i, -1)]
    exps = [i for i in node.inputs if is_elemwise(i, sm.Exp) and i.type.dtype == out.type.dtype]
    if not minus_ones or not exps:
        return None
    rest = list(node.inputs)
    rest.remove(minus_ones[0])
    rest.remove(exps[0])
    new = tm.expm1(exps[0].owner.inputs[0])
    if rest:
        new = tm.add(new, *rest)
    return [fit_type(new, out, [minus_ones[0]])]


def sigmoid_of_denominator(den: Variable):
    """x when den is 1 + exp(-x), -x when den is 1 + exp(x); else None."""
    y = added_to_one(den)
    if y is None or not is_elemwise(y, sm.Exp):
        return None
    z = y.owner.inputs[0]
    x = negation_of(z)
    return x if x is not None else tm.neg(z)


@register("stabilize")
@node_rewriter([sb.TrueDiv, sm.Reciprocal])
def local_sigmoid(fgraph, node):
    """1 / (1 + exp(-x)) -> sigmoid(x)"""
    if isinstance(node.op.scalar_op, sb.TrueDiv):
        one, den = node.inputs
        if not constant_equals(one, 1):
            return None
    else:
        (den,) = node.inputs
    x = sigmoid_of_denominator(den)
    out = node.outputs[0]
    if x is None or x.type.dtype != out.type.dtype:
        return None
    return [fit_type(tm.sigmoid(x), out)]


def _shifted_by_its_max(x: Variable) -> bool:
    """Whether x is a - m with m computed from max(a) (what local_logsumexp builds)."""
    if not is_elemwise(x, sb.Sub):
        return False
    a, m = x.owner.inputs
    stack, seen = [m], 0
    while stack and seen < 8:  # the shift is a few nodes deep: never walk the whole graph
        v = stack.pop()
        seen += 1
        node = v.owner
        if node is None:
            continue
        if isinstance(node.op, CAReduce) and isinstance(node.op.scalar_op, sb.Maximum):
            if node.inputs[0] is a:
                return True
            continue
        stack.extend(node.inputs)
    return False


@register("stabilize")
@node_rewriter([sm.Log])
def local_logsumexp(fgraph, node):
    """log(sum(exp(x))) -> m + log(sum(exp(x - m))) with m = max(x), kept finite"""
    (s,) = node.inputs
    snode = s.owner
    if snode is None or not isinstance(snode.op, CAReduce) \
            or not isinstance(snode.op.scalar_op, sb.Add):
        return None
    (e,) = snode.inputs
    if not is_elemwise(e, sm.Exp) or s.type.dtype != e.type.dtype:
        return None
    x = e.owner.inputs[0]
    axis = snode.op.axis
    if _shifted_by_its_max(x):
        return None  # already the stable form
    m = CAReduce(sb.maximum, axis)(x)
    # an all -inf (or inf) slice would give inf - inf = nan: shift by 0 there instead
    finite = tm.lt(tm.abs(m), tensor_constant(np.inf, m.type.dtype, m.type.ndim))
    m = switch(finite, m, tensor_constant(0, m.type.dtype, m.type.ndim))
    pattern, k = [], 0
    for a in range(x.type.ndim):
        if a in axis:
            pattern.append("x")
        else:
            pattern.append(k)
            k += 1
    m_b = DimShuffle(m.type.ndim, pattern)(m)
    shifted = CAReduce(sb.add, axis, snode.op.dtype)(tm.exp(tm.sub(x, m_b)))
    return [fit_type(tm.add(m, tm.log(shifted)), node.outputs[0])]



@register("stabilize")
@node_rewriter([sm.Log])
def local_log_softmax(fgraph, node):
    """log(softmax(x)) -> log_softmax(x)"""
    (arg,) = node.inputs
    if arg.owner is None or not isinstance(arg.owner.op, Softmax):
        return None
    return [fit_type(LogSoftmax(arg.owner.op.axis)(arg.owner.inputs[0]), node.outputs[0])]


@register("stabilize")
@node_rewriter([SoftmaxGrad])
def local_log_softmax_grad(fgraph, node):
    """softmax_grad(g / s, s) -> g - s * sum(g) (the gradient of log(softmax) where s is 0)"""
    dy, s = node.inputs
    if not is_elemwise(dy, sb.TrueDiv) or dy.owner.inputs[1] is not s:
        return None
    g = dy.owner.inputs[0]
    total = tm.sum(g, axis=node.op.axis, keepdims=True)
    return [fit_type(tm.sub(g, tm.mul(s, total)), node.outputs[0])]


@register("stabilize")
@node_rewriter([SoftmaxGrad])
def local_softmax_crossentropy_grad(fgraph, node):
    """softmax_grad(crossentropy_1hot_grad(g, s, y), s) -> g[:, None] * (s - onehot(y))"""
    dy, s = node.inputs
    inner = dy.owner
    if node.op.axis != 1 or inner is None \
            or not isinstance(inner.op, CrossentropyCategorical1HotGrad) \
            or inner.inputs[1] is not s:
        return None
    g, _, labels = inner.inputs
    # no division by the labelled probability, which underflows to 0 for confident mistakes;
    # the one-hot term is the same op over ones, so labels out of range still raise
    minus_g_onehot = CrossentropyCategorical1HotGrad()(g, ones_like(s), labels)
    new = tm.add(tm.mul(g.dimshuffle(0, "x"), s), minus_g_onehot)
    return [fit_type(new, node.outputs[0])]


@register("stabilize")
@node_rewriter([CrossentropyCategorical1Hot])
def local_crossentropy_of_softmax(fgraph, node):
    """crossentropy_1hot(softmax(x), y) -> -log_softmax(x)[i, y[i]] summed as a masked row"""
    s, labels = node.inputs
    if s.owner is None or not isinstance(s.owner.op, Softmax) or s.owner.op.axis != 1:
        return None
    log_probs = LogSoftmax(1)(s.owner.inputs[0])
    dtype = log_probs.type.dtype
    # -onehot from the op that checks the labels, so a label out of range still raises
    ones = alloc(tensor_constant(1, dtype, 0), shape_i(labels, 0))
    minus_onehot = CrossentropyCategorical1HotGrad()(ones, ones_like(log_probs), labels)
    # a switch, not a product: a masked logit of -inf must not give -inf * 0 = nan
    picked = switch(tm.neq(minus_onehot, tensor_constant(0, dtype, 2)), log_probs,
                    tensor_constant(0, dtype, 2))
    return [fit_type(tm.neg(tm.sum(picked, axis=1)), node.outputs[0])]
