"""Symbolic differentiation: grad (reverse mode), Lop, Rop, and numeric gradient checks.

Gradients are graphs built from each op's L_op, so they print, rewrite and differentiate again.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from symgrad.errors import DisconnectedInputError, GradientError
from symgrad.graph.basic import Constant, Variable
from symgrad.graph.traversal import graph_inputs, io_toposort
from symgrad.scalar.type import discrete_dtypes
from symgrad.tensor.basic import as_tensor_variable, cast, float_ones_like, second, zeros_like
from symgrad.tensor.math import add, sum as tsum
from symgrad.tensor.type import TensorType
from symgrad.config import config


def _fit(g: Variable, var: Variable, node) -> Variable:
    """Check a gradient term has var's rank, and give it var's dtype and broadcast pattern."""
    g = as_tensor_variable(g)
    if g.type.ndim != var.type.ndim:
        raise GradientError(f"{node.op if node else 'grad'} returned a gradient of {g.type.ndim} "
                            f"dims for {var} which has {var.type.ndim}")
    if var.type.dtype not in discrete_dtypes and g.type.dtype != var.type.dtype:
        g = cast(g, var.type.dtype)
    if g.type.broadcastable != var.type.broadcastable:
        axes = tuple(a for a, (bv, bg) in enumerate(zip(var.type.broadcastable,
                                                       g.type.broadcastable)) if bv and not bg)
        if axes:
            g = tsum(g, axes, keepdims=True)
        if g.type.broadcastable != var.type.broadcastable:
            g = second(var, g)
    return g


def _as_list(x) -> tuple[list, bool]:
    if isinstance(x, (list, tuple)):
        return list(x), False
    return [x], True


def grad(cost, wrt, consider_constant=None, disconnected_inputs: str = "raise",
         add_names: bool = True, known_grads: dict | None = None,
         return_disconnected: str = "zero", null_gradients: str = "raise"):
    """Gradient of the scalar `cost` with respect to `wrt` (a variable or a list of them).

    The sweep starts from fill(cost, 1.0) and from `known_grads`; returns graphs in wrt's order.
    """
    if disconnected_inputs not in ("raise", "warn", "ignore"):
        raise ValueError("disconnected_inputs must be 'raise', 'warn' or 'ignore'")
    if cost is None and not known_grads:
        raise ValueError("grad needs a cost, or known_grads to start from")
    wrt_list, single = _as_list(wrt)
    for w in wrt_list:
        if not isinstance(w, Variable):
            raise TypeError(f"grad: wrt must be symbolic variables, got {type(w).__name__} {w!r}")
    seeds: dict[Variable, Variable] = {}
    if cost is not None:
        cost = as_tensor_variable(cost)
        if cost.type.ndim != 0:
            raise TypeError(f"cost must be a scalar: grad needs a 0-d cost, got {cost} of type "
                            f"{cost.type}; sum it (cost.sum()) or use jacobian for a vector")
        seeds[cost] = float_ones_like(cost)
    for var, g in (known_grads or {}).items():
        seeds[var] = _fit(g, var, None) if var not in seeds else add(seeds[var], g)
    constants = set(consider_constant or ())
    terms = _backward(list(seeds.items()), wrt_list, constants)

    results = []
    for w in wrt_list:
        g = _total(terms, w)
        if g is None:
            if disconnected_inputs == "raise":
                raise DisconnectedInputError(
                    f"grad was asked for the gradient with respect to {w} ({w.type}), which is not "
                    "part of the cost's graph (or reaches it only through non-differentiable "
                    "ops); pass disconnected_inputs='ignore' to get zeros")
            if disconnected_inputs == "warn":
                import warnings

                warnings.warn(f"grad: {w} is not connected to the cost; its gradient is zero",
                              stacklevel=2)
            g = None if return_disconnected in ("None", "Disconnected") else \
                zeros_like(w, _grad_dtype(w))
        elif w.type.dtype in discrete_dtypes:
            g = zeros_like(w, config.floatX)
        if g is not None and add_names and cost is not None and cost.name and w.name:
            g.name = f"(d{cost.name}/d{w.name})"
        results.append(g)
    return results[0] if single else results


def _grad_dtype(w: Variable) -> str:
    return w.type.dtype if w.type.dtype not in discrete_dtypes else config.floatX


def _total(terms: dict, var: Variable):
    parts = terms.get(var)
    if not parts:
        return None
    if len(parts) > 1:
        total = add(*parts)
        parts[:] = [total]
    return parts[0]


def _backward(seeds, wrt: Iterable[Variable], constants: set) -> dict:
    """Reverse sweep: terms[var] lists gradient contributions for each variable."""
    outs = [v for v, _ in seeds]
    topo = io_toposort(graph_inputs(outs), outs)
    wrt = list(wrt)
    depends = set(wrt)  # variables that depend on some wrt, through non-constant paths
    for node in topo:
        if any(i in depends and i not in constants for i in node.inputs):
            depends.update(node.outputs)
    terms: dict[Variable, list] = {v: [g] for v, g in seeds}
    for node in reversed(topo):
        if not any(o in terms for o in node.outputs):
            continue
        if not any(i in depends and i not in constants for i in node.inputs):
            continue
        ograds = [_total(terms, o) for o in node.outputs]
        if all(g is None for g in ograds):
            continue
        # outputs that are not arrays (a random generator's new state) get no gradient
        ograds = [g if g is not None or not hasattr(o.type, "dtype")
                  else zeros_like(o, _grad_dtype(o)) for g, o in zip(ograds, node.outputs)]
        igrads = node.op.L_op(node.inputs, node.outputs, ograds)
        if len(igrads) != len(node.inputs):
            raise GradientError(f"{node.op}.L_op returned {len(igrads)} gradients for "
                                f"{len(node.inputs)} inputs")
        for inp, g in zip(node.inputs, igrads):
            if g is None or inp not in depends or inp in constants or isinstance(inp, Constant):
                continue
            terms.setdefault(inp, []).append(_fit(g, inp, node))
    return terms


def Lop(f, wrt, eval_points, consider_constant=None, disconnected_inputs: str = "raise"):
    """Row vector times Jacobian: sum over f of eval_points * d f / d wrt, for each wrt."""
    fs, _ = _as_list(f)
    evs, _ = _as_list(eval_points)
    known = {as_tensor_variable(fi): as_tensor_variable(ev) for fi, ev in zip(fs, evs)}
    return grad(None, wrt, consider_constant=consider_constant, known_grads=known,
                disconnected_inputs=disconnected_inputs)


def Rop(f, wrt, eval_points, disconnected_outputs: str = "raise"):
    """Jacobian times column vector (forward mode): d f / d wrt · eval_points."""
    fs, single_f = _as_list(f)
    wrts, _ = _as_list(wrt)
    evs, _ = _as_list(eval_points)
    tangent: dict[Variable, Variable] = {}
    for w, ev in zip(wrts, evs):
        ev = as_tensor_variable(ev)
        if ev.type.ndim != w.type.ndim:
            raise ValueError(f"Rop: eval point {ev} has {ev.type.ndim} dims, {w} has "
                             f"{w.type.ndim}")
        tangent[w] = ev
    for node in io_toposort(graph_inputs(fs, wrts), fs):
        evs_in = [tangent.get(i) for i in node.inputs]
        if all(e is None for e in evs_in):
            continue
        outs = node.op.R_op(node.inputs, evs_in)
        for o, t in zip(node.outputs, outs):
            if t is not None:
                tangent[o] = _fit(t, o, node) if o.type.dtype not in discrete_dtypes else t
    results = []
    for fi in fs:
        t = tangent.get(fi)
        if t is None:
            if disconnected_outputs == "raise":
                raise DisconnectedInputError(f"Rop: {fi} does not depend on {wrts}")
            t = zeros_like(fi)
        results.append(t)
    return results[0] if single_f else results


# --- numeric checks -----------------------------------------------------------------------
def numeric_grad(fn, pt: list[np.ndarray], eps: float) -> list[np.ndarray]:
    """Central differences of the scalar function fn(*pt) at pt."""
    grads = []
    for i, x in enumerate(pt):
        g = np.zeros_like(x, dtype="float64")
        flat_x = x.reshape(-1)
        flat_g = g.reshape(-1)
        for k in range(flat_x.size):
            orig = flat_x[k]
            flat_x[k] = orig + eps
            hi = float(fn(*pt))
            flat_x[k] = orig - eps
            lo = float(fn(*pt))
            flat_x[k] = orig
            flat_g[k] = (hi - lo) / (2 * eps)
        grads.append(g)
    return grads


class GradientCheckError(AssertionError):
    """The analytic and numeric gradients disagree."""


def verify_grad(fun, pt, n_tests: int = 2, rng=None, eps: float | None = None,
                abs_tol: float | None = None, rel_tol: float | None = None, mode=None,
                cast_to_output_type: bool = False) -> None:
    """Check `grad` of fun(*inputs) against finite differences at `pt`, along random projections.

    Raises GradientCheckError naming the input and the largest difference.
    """
    from symgrad.compile.function import function  # gradient sits below compile in the layers

    rng = rng if rng is not None else np.random.default_rng(42)
    pt = [np.array(p, dtype=np.asarray(p).dtype if np.asarray(p).dtype.kind == "f" else "float64")
          for p in pt]
    dtype = np.result_type(*[p.dtype for p in pt])
    eps = eps or (1e-7 if dtype == np.float64 else 1e-3)
    abs_tol = abs_tol if abs_tol is not None else (1e-4 if dtype == np.float64 else 1e-2)
    rel_tol = rel_tol if rel_tol is not None else (1e-4 if dtype == np.float64 else 1e-2)
    inputs = [TensorType(p.dtype, (False,) * p.ndim)(f"input{i}") for i, p in enumerate(pt)]
    out = as_tensor_variable(fun(*inputs))
    for _ in range(n_tests):
        # a random projection turns any output into a scalar cost that weighs every element
        if out.type.ndim:
            shape = function(inputs, out.shape, mode=mode, on_unused_input="ignore")(*pt)
            proj = as_tensor_variable(rng.random(tuple(shape)).astype(out.type.dtype))
            cost = tsum(out * proj)
        else:
            cost = out * as_tensor_variable(np.asarray(rng.random(), dtype=out.type.dtype))
        cost_fn = function(inputs, cost, mode=mode, on_unused_input="ignore")
        grads = grad(cost, inputs, disconnected_inputs="ignore")
        grad_fn = function(inputs, grads, mode=mode, on_unused_input="ignore")
        analytic = grad_fn(*[p.copy() for p in pt])
        numeric = numeric_grad(lambda *a: cost_fn(*a), [p.copy().astype("float64")
                                                        if dtype == np.float64 else p.copy()
                                                        for p in pt], eps)
        for i, (a, n) in enumerate(zip(analytic, numeric)):
            a = np.asarray(a, dtype="float64")
            abs_err = np.abs(a - n)
            rel_err = abs_err / np.maximum(np.abs(a) + np.abs(n), 1e-8)
            bad = (abs_err > abs_tol) & (rel_err > rel_tol)
            if bad.any():
                k = np.unravel_index(np.argmax(np.where(bad, abs_err, -1)), a.shape) \
                    if a.ndim else ()
                raise GradientCheckError(
                    f"verify_grad: gradient wrt input {i} differs from finite differences: "
                    f"at index {k} analytic {a[k]!r} vs numeric {n[k]!r} (abs err "
                    f"{abs_err[k]:.3g}, rel err {rel_err[k]:.3g}; tolerances {abs_tol}, "
                    f"{rel_tol})\nanalytic:\n{a}\nnumeric:\n{n}")
