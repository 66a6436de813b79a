"""Algebra: one normal form for products and sums (canonicalize), then faster forms (specialize).

Canonical products are `c * a * b / (d * e)` with the constant first; canonical sums are
`c + a + k * b` with negation written as a factor -1. Specialize then turns `-1 * x` into `-x`,
`x ** 2` into `sqr(x)`, and sums with negative terms into subtractions.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Constant, Variable
from symgrad.graph.fgraph import OUTPUT
from symgrad.rewriting.basic import is_elemwise, tensor_constant
from symgrad.rewriting.db import register
from symgrad.rewriting.engine import constant_equals, constant_of, constant_value, node_rewriter
from symgrad.scalar import basic as sb
from symgrad.scalar import math as sm
from symgrad.scalar.type import discrete_dtypes, float_dtypes, uint_dtypes
from symgrad.tensor import math as tm
from symgrad.tensor.basic import fill
from symgrad.tensor.elemwise import CAReduce, DimShuffle, Elemwise


# --- shared helpers ---------------------------------------------------------------------------
def same_structure(new: Variable, old: Variable) -> bool:
    """Whether `new` computes `old` with the same ops on the same variables (so a rewrite that
    built it changed nothing)."""
    if new is old:
        return True
    if isinstance(new, Constant) and isinstance(old, Constant):
        return new.equals(old)
    a, b = new.owner, old.owner
    if a is None or b is None or a.op != b.op or len(a.inputs) != len(b.inputs):
        return False
    return new.index == old.index and all(same_structure(x, y)
                                          for x, y in zip(a.inputs, b.inputs))


def single_client(fgraph, var: Variable) -> bool:
    return len(fgraph.clients.get(var, ())) == 1


def constant_data(var: Variable):
    """The value of a constant (seen through broadcasting DimShuffles), else None."""
    return constant_value(var)


def fit_type(new: Variable, old: Variable, shape_refs=None):
    """`new` when it has `old`'s type; when only broadcasting differs, `new` filled to the shape
    of `shape_refs` (default: old's inputs, which fix its shape); else None (no rewrite)."""
    if new.type == old.type:
        return new
    if new.type.dtype != old.type.dtype or new.type.ndim > old.type.ndim:
        return None
    refs = old.owner.inputs if shape_refs is None and old.owner is not None else shape_refs
    for ref in refs or ():
        if new.type.broadcastable == old.type.broadcastable:
            break
        if ref.type.ndim == old.type.ndim and any(
                not rb and nb for rb, nb in zip(ref.type.broadcastable, new.type.broadcastable)):
            new = fill(ref, new)
    return new if new.type == old.type else None


def _signed(dtype: str) -> bool:
    return dtype not in uint_dtypes and dtype != "bool"


# --- products ---------------------------------------------------------------------------------
_PRODUCT_OPS = (sb.Mul, sb.TrueDiv, sm.Reciprocal)


def _absorbable(fgraph, var: Variable, dtype: str) -> bool:
    """An inner product node can be flattened into its client when nothing else uses it and it
    computes in the same dtype (flattening never changes where rounding happens)."""
    return (is_elemwise(var, _PRODUCT_OPS) and single_client(fgraph, var)
            and var.type.dtype == dtype
            and all(i.type.dtype == dtype or constant_of(i) is not None
                    for i in var.owner.inputs))


def collect_factors(fgraph, var, dtype, num, den, invert, root=False) -> None:
    if not root and not _absorbable(fgraph, var, dtype):
        (den if invert else num).append(var)
        return
    node = var.owner
    op = node.op.scalar_op
    if isinstance(op, sb.Mul):
        for i in node.inputs:
            collect_factors(fgraph, i, dtype, num, den, invert)
    elif isinstance(op, sb.TrueDiv):
        collect_factors(fgraph, node.inputs[0], dtype, num, den, invert)
        collect_factors(fgraph, node.inputs[1], dtype, num, den, not invert)
    else:  # reciprocal
        collect_factors(fgraph, node.inputs[0], dtype, num, den, not invert)


def _absorbed_by_client(fgraph, var) -> bool:
    """Whether `var`'s only client is a float product that will flatten `var` into itself when
    it is canonized. Such inner nodes are left to their client: canonizing each node of a long
    product chain on its own would flatten the chain again at every link (quadratic time)."""
    clients = fgraph.clients.get(var, ())
    if len(clients) != 1 or clients[0][0] == OUTPUT:
        return False
    client = clients[0][0]
    if not is_elemwise(client, _PRODUCT_OPS):
        return False
    dtype = client.outputs[0].type.dtype
    return (dtype in float_dtypes and _absorbable(fgraph, var, dtype)
            and all(i.type.dtype == dtype or constant_of(i) is not None
                    for i in client.inputs))


def _split_constants(terms):
    consts = [t for t in terms if constant_of(t) is not None]
    return consts, [t for t in terms if constant_of(t) is None]


def _cancel(num: list, den: list) -> list:
    """Remove factors that appear in both the numerator and the denominator; return them."""
    removed = []
    for t in list(den):
        if t in num:
            num.remove(t)
            den.remove(t)
            removed.append(t)
    return removed


def _already_canonical_product(node, num_c, num, den_c, den, cancelled) -> bool:
    """A flat product `c * a * b` (c first, in the output dtype, not 1): nothing to rebuild.
    Checked before building anything, since most products are already in this form."""
    if not isinstance(node.op.scalar_op, sb.Mul) or den or den_c or cancelled:
        return False
    if len(num_c) + len(num) != len(node.inputs):  # an inner product was flattened
        return False
    if not num_c:
        return True
    const = num_c[0]
    return (len(num_c) == 1 and node.inputs[0] is const
            and const.type.dtype == node.outputs[0].type.dtype
            and not np.all(constant_data(const) == 1))


def _product(terms):
    return terms[0] if len(terms) == 1 else tm.mul(*terms)


@register("canonicalize")
@node_rewriter([sb.Mul, sb.TrueDiv, sm.Reciprocal])
def local_mul_canonizer(fgraph, node):
    """a * (b / c) * 2 * 3 / a -> 6.0 * b / c: flatten, cancel, constants folded and first"""
    out = node.outputs[0]
    dtype = out.type.dtype
    if dtype not in float_dtypes:
        return None  # integer division and overflow make reordering unsafe
    if _absorbed_by_client(fgraph, out):
        return None
    num, den = [], []
    collect_factors(fgraph, out, dtype, num, den, invert=False, root=True)
    if any(t.type.dtype != dtype and constant_of(t) is None for t in num + den):
        return None
    num_c, num = _split_constants(num)
    den_c, den = _split_constants(den)
    cancelled = _cancel(num, den)
    if _already_canonical_product(node, num_c, num, den_c, den, cancelled):
        return None
    ndim = out.type.ndim
    with np.errstate(all="ignore"):
        coef = np.asarray(1, dtype=dtype)
        for c in num_c:
            coef = np.multiply(coef, np.asarray(constant_data(c), dtype=dtype), dtype=dtype)
        for c in den_c:
            coef = np.true_divide(coef, np.asarray(constant_data(c), dtype=dtype), dtype=dtype)
    if not np.all(np.isfinite(coef)):
        return None  # keep x / 0 and friends as the user wrote them
    head = [] if np.all(coef == 1) and (num or den) else [tensor_constant(coef, dtype, ndim)]
    top = head + num
    new = _product(top) if top else tensor_constant(1, dtype, ndim)
    if den:
        new = tm.true_div(new, _product(den))
    new = fit_type(new, out, cancelled + num_c + den_c)
    if new is None or same_structure(new, out):
        return None
    return [new]


# --- sums -------------------------------------------------------------------------------------
_SUM_OPS = (sb.Add, sb.Sub)


def _collect_terms(fgraph, var, dtype, terms, sign, root=False) -> None:
    """terms: list of (coefficient, factors tuple); -x is read as coefficient -1."""
    node = var.owner
    absorbable = root or (is_elemwise(var, _SUM_OPS) and single_client(fgraph, var)
                          and var.type.dtype == dtype)
    if absorbable and node is not None and is_elemwise(node, _SUM_OPS):
        if isinstance(node.op.scalar_op, sb.Add):
            for i in node.inputs:
                _collect_terms(fgraph, i, dtype, terms, sign)
        else:
            _collect_terms(fgraph, node.inputs[0], dtype, terms, sign)
            _collect_terms(fgraph, node.inputs[1], dtype, terms, -sign)
        return
    if constant_of(var) is not None:
        terms.append((sign * np.asarray(constant_data(var), dtype=dtype), ()))
        return
    coef, factors = np.asarray(1, dtype=dtype), (var,)
    if is_elemwise(var, sb.Mul) and var.type.dtype == dtype:
        consts, rest = _split_constants(var.owner.inputs)
        if len(consts) == 1 and rest and np.size(constant_data(consts[0])) == 1 \
                and all(r.type.dtype == dtype for r in rest):
            coef = np.asarray(constant_data(consts[0]), dtype=dtype).reshape(())
            factors = tuple(rest)
    terms.append((sign * coef, factors))


def _already_canonical_sum(node, terms) -> bool:
    """An add of its own inputs, at most one constant (first, in the output dtype, not 0) and
    no two terms over the same factors: nothing to rebuild (checked before building)."""
    if not isinstance(node.op.scalar_op, sb.Add) or len(terms) != len(node.inputs):
        return False
    dtype = node.outputs[0].type.dtype
    keys = set()
    for k, ((coef, factors), inp) in enumerate(zip(terms, node.inputs)):
        if not factors:
            if k != 0 or inp.type.dtype != dtype or np.all(coef == 0):
                return False
            continue
        key = tuple(sorted(factors, key=lambda v: v.auto_id))
        if key in keys or np.all(coef == 0):
            return False
        keys.add(key)
    return True


def _constant_leaves(out):
    return [i for i in out.owner.inputs if constant_of(i) is not None]


@register("canonicalize")
@node_rewriter([sb.Add, sb.Sub])
def local_add_canonizer(fgraph, node):
    """a - (b - 2) + 3 + 2 * a -> 5 + 3.0 * a + -1 * b: flatten, combine scaled terms"""
    out = node.outputs[0]
    dtype = out.type.dtype
    if dtype in discrete_dtypes:
        return None  # wrap-around arithmetic: leave integer sums as written
    terms: list = []
    with np.errstate(all="ignore"):
        _collect_terms(fgraph, out, dtype, terms, 1, root=True)
        if any(t.type.dtype != dtype for _, fs in terms for t in fs):
            return None
        if _already_canonical_sum(node, terms):
            return None
        const = np.asarray(0, dtype=dtype)
        combined: dict = {}
        for coef, factors in terms:
            if not factors:
                const = np.add(const, coef, dtype=dtype)
                continue
            key = tuple(sorted(factors, key=lambda v: v.auto_id))
            prev = combined.get(key)
            combined[key] = (coef if prev is None else np.add(prev[0], coef, dtype=dtype),
                             factors if prev is None else prev[1])
    if not np.all(np.isfinite(const)):
        return None
    ndim = out.type.ndim
    parts = [] if np.all(const == 0) else [tensor_constant(const, dtype, ndim)]
    dropped = []
    for coef, factors in combined.values():
        if np.all(coef == 0):
            dropped.extend(factors)
            continue
        if np.all(coef == 1):
            parts.append(_product(list(factors)))
        else:
            parts.append(tm.mul(tensor_constant(coef, dtype, ndim), *factors))
    if not parts:
        new = tensor_constant(0, dtype, ndim)
    else:
        new = parts[0] if len(parts) == 1 else tm.add(*parts)
    new = fit_type(new, out, dropped + [t for t in _constant_leaves(out) if t.type.ndim == ndim])
    if new is None or same_structure(new, out):
        return None
    return [new]


@register("canonicalize")
@node_rewriter([sb.Neg])
def local_neg_to_mul(fgraph, node):
    """-x -> -1 * x (the canonizers then fold the -1 with other constants)"""
    (x,) = node.inputs
    dtype = node.outputs[0].type.dtype
    if not _signed(dtype):
        return None
    return [tm.mul(tensor_constant(-1, dtype, x.type.ndim), x)]


# --- fill -------------------------------------------------------------------------------------
@register("canonicalize", "stabilize", "specialize")
@node_rewriter([Elemwise])
def local_fill_sink(fgraph, node):
    """f(fill(a, b), c) -> fill(a, f(b, c)): fills move outwards until useless_fill drops them"""
    op = node.op.scalar_op
    if isinstance(op, (sb.Second, sb.Switch)) or len(node.outputs) != 1:
        return None
    for k, inp in enumerate(node.inputs):
        # other clients keep the fill until they sink it too: a fill is cheap to repeat
        if is_elemwise(inp, sb.Second):
            shape_ref, value = inp.owner.inputs
            args = list(node.inputs)
            args[k] = value
            inner = node.op(*args)
            new = fill(shape_ref, inner)
            return [new] if new.type == node.outputs[0].type else None
    return None


# --- powers -----------------------------------------------------------------------------------
def _scalar_value(var: Variable):
    data = constant_data(var)
    if data is not None and np.size(data) == 1:
        return np.asarray(data).reshape(()).item()
    return None


@register("canonicalize")
@node_rewriter([sm.Pow])
def local_pow_canonicalize(fgraph, node):
    """x ** 0 -> fill(x, 1); x ** 1 -> x"""
    x, y = node.inputs
    out = node.outputs[0]
    p = _scalar_value(y)
    if p == 0:
        return [fit_type(fill(x, tensor_constant(1, out.type.dtype, out.type.ndim)), out)]
    if p == 1 and x.type == out.type:
        return [x]
    return None


@register("specialize")
@node_rewriter([sm.Pow])
def local_pow_specialize(fgraph, node):
    """x ** 2 -> sqr(x), x ** 0.5 -> sqrt(x), x ** -1 -> reciprocal(x), x ** -2, x ** -0.5"""
    x, y = node.inputs
    out = node.outputs[0]
    p = _scalar_value(y)
    if p is None or x.type.dtype != out.type.dtype:
        return None
    if p == 2:
        new = tm.sqr(x)
    elif out.type.dtype not in float_dtypes:
        return None
    elif p == 0.5:
        new = tm.sqrt(x)
    elif p == -1:
        new = tm.reciprocal(x)
    elif p == -2:
        new = tm.reciprocal(tm.sqr(x))
    elif p == -0.5:
        new = tm.reciprocal(tm.sqrt(x))
    else:
        return None
    return [fit_type(new, out)]


@register("specialize")
@node_rewriter([sb.Mul])
def local_mul_specialize(fgraph, node):
    """-1 * x -> -x; x * x -> sqr(x)"""
    out = node.outputs[0]
    if len(node.inputs) == 2 and node.inputs[0] is node.inputs[1] \
            and out.type.dtype == node.inputs[0].type.dtype:
        return [fit_type(tm.sqr(node.inputs[0]), out)]
    first, *rest = node.inputs
    if constant_equals(first, -1) and _signed(out.type.dtype):
        return [fit_type(tm.neg(_product(rest)), out)]
    return None


@register("specialize")
@node_rewriter([sb.TrueDiv])
def local_div_specialize(fgraph, node):
    """1 / x -> reciprocal(x)"""
    a, b = node.inputs
    out = node.outputs[0]
    if constant_equals(a, 1) and out.type.dtype in float_dtypes and b.type.dtype == out.type.dtype:
        return [fit_type(tm.reciprocal(b), out)]
    return None


def _negated(var: Variable):
    """y when var is -y, or c * y with a negative number c (then y is -c * y), else None."""
    if is_elemwise(var, sb.Neg):
        return var.owner.inputs[0]
    if not is_elemwise(var, sb.Mul):
        return None
    first, *rest = var.owner.inputs
    c = _scalar_value(first)
    if c is None or not c < 0:
        return None
    if c == -1:
        return _product(rest)
    return tm.mul(tensor_constant(-c, var.type.dtype, var.type.ndim), *rest)


@register("specialize")
@node_rewriter([sb.Add])
def local_add_specialize(fgraph, node):
    """a + -1 * b + c -> (a + c) - b; -1 * a + -1 * b -> -(a + b)"""
    out = node.outputs[0]
    if not _signed(out.type.dtype):
        return None
    pos, neg = [], []
    for i in node.inputs:
        n = _negated(i)
        (pos if n is None else neg).append(i if n is None else n)
    if not neg:
        return None
    new = tm.sub(_sum(pos), _sum(neg)) if pos else tm.neg(_sum(neg))
    return [fit_type(new, out)]


def _sum(terms):
    return terms[0] if len(terms) == 1 else tm.add(*terms)


# --- dimshuffles ------------------------------------------------------------------------------
@register("canonicalize", "stabilize", "specialize")
@node_rewriter([DimShuffle])
def local_dimshuffle_lift(fgraph, node):
    """DimShuffle(f(a, b)) -> f(DimShuffle(a), DimShuffle(b)): layout changes move to inputs"""
    (x,) = node.inputs
    inner = x.owner
    if inner is None or not isinstance(inner.op, Elemwise) or len(inner.outputs) != 1 \
            or not single_client(fgraph, x):
        return None
    args = [DimShuffle(i.type.ndim, node.op.new_order)(i) for i in inner.inputs]
    new = inner.op(*args)
    return [fit_type(new, node.outputs[0])]


# --- reductions -------------------------------------------------------------------------------
@register("canonicalize")
@node_rewriter([CAReduce])
def local_sum_of_scaled(fgraph, node):
    """sum(c * x) -> c * sum(x) for a c that is the same for every element (one multiply)"""
    if not isinstance(node.op.scalar_op, sb.Add):
        return None
    (prod,) = node.inputs
    out = node.outputs[0]
    if not is_elemwise(prod, sb.Mul) or not single_client(fgraph, prod) \
            or out.type.dtype != prod.type.dtype or out.type.dtype not in float_dtypes:
        return None
    scalars = [i for i in prod.owner.inputs if all(i.type.broadcastable)]
    rest = [i for i in prod.owner.inputs if not all(i.type.broadcastable)]
    if not scalars or not rest:
        return None
    axis = node.op.axis
    kept = [d for d in range(prod.type.ndim) if d not in axis]
    scale = [DimShuffle(s.type.ndim, kept)(s) for s in scalars]
    summed = CAReduce(sb.add, axis, node.op.dtype)(_product(rest))
    return [fit_type(tm.mul(*scale, summed), out)]
