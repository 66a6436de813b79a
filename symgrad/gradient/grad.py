"""Reverse and forward mode: grad, Lop, Rop (and JAX's names vjp, jvp), subgraph_grad.

In: output variables and the variables to differentiate with respect to. Out: ordinary graphs
built from each op's L_op / R_op, so they print, rewrite and can be differentiated again.

Ties. Where a piecewise op is not differentiable because arguments tie, the rule is JAX's: the
output gradient is split equally among the tied arguments, so the input gradients still sum to
it. maximum/minimum(x, x) gives each argument half; max/min reductions and max pooling share a
line's (window's) gradient among every position holding the extremum; clip differentiates as
min(max(x, lo), hi), so at x == lo x and lo get half each; sort follows the stable order (the
first of equal values takes the first sorted slot). At 0, relu and abs have gradient 0 (JAX
agrees for relu; its abs gives 1 there).
"""
from __future__ import annotations

import warnings

from symgrad.config import config
from symgrad.errors import (
    DisconnectedInputError,
    GradientError,
    GradientNotImplementedError,
    format_frame,
)
from symgrad.gradient.ops import (
    disconnected_type,
    grad_not_implemented,
    grad_undefined,
    is_disconnected,
    is_null,
)
from symgrad.graph.basic import Constant, Variable
from symgrad.graph.clone import clone_replace
from symgrad.graph.op import Op
from symgrad.graph.traversal import graph_inputs, io_toposort
from symgrad.scalar.type import continuous_dtypes, discrete_dtypes
from symgrad.tensor.basic import (
    as_tensor_variable,
    cast,
    float_ones_like,
    second,
    zeros_like,
)
from symgrad.tensor.math import add
from symgrad.tensor.math import sum as tensor_sum
from symgrad.tensor.type import TensorType


def _as_list(x) -> tuple[list, bool]:
    if isinstance(x, (list, tuple)):
        return list(x), False
    return [x], True


def _grad_dtype(var: Variable) -> str:
    """Gradients of float variables share their dtype; integers get floatX."""
    return var.type.dtype if var.type.dtype in continuous_dtypes else config.floatX


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


def _fit(g: Variable, var: Variable, node) -> Variable:
    """A gradient term with var's rank, dtype and broadcast pattern (summing stretched axes)."""
    g = as_tensor_variable(g)
    if g.type.ndim != var.type.ndim:
        source = f"{node.op}.L_op" if node is not None else "known_grads"
        raise GradientError(f"{source} gave a gradient of {g.type.ndim} dimension(s) for {var}, "
                            f"which has {var.type.ndim}")
    if var.type.dtype in continuous_dtypes and g.type.dtype != var.type.dtype:
        g = cast(g, var.type.dtype)
    if g.type.broadcastable != var.type.broadcastable:
        axes = tuple(a for a, (bv, bg) in enumerate(zip(var.type.broadcastable,
                                                       g.type.broadcastable)) if bv and not bg)
        if axes:
            g = tensor_sum(g, axes, keepdims=True)
        if g.type.broadcastable != var.type.broadcastable:
            g = second(var, g)
    return g


def _add_terms(terms: list) -> Variable | None:
    """The sum of gradient contributions; a null one makes the whole sum null."""
    if not terms:
        return None
    for t in terms:
        if is_null(t):
            return t
    return terms[0] if len(terms) == 1 else add(*terms)


def _connected_to(seeds, topo, constants: set) -> set:
    """Variables some seed depends on through differentiable edges (connection_pattern),
    not passing beyond `constants` (which are reached, but not their inputs)."""
    reached = set(seeds)
    for node in reversed(topo):
        outs = [j for j, o in enumerate(node.outputs) if o in reached and o not in constants]
        if not outs:
            continue
        pattern = node.op.connection_pattern(node)
        for i, inp in enumerate(node.inputs):
            if any(pattern[i][j] for j in outs):
                reached.add(inp)
    return reached


def _depends_on(wrt, topo, constants: set) -> set:
    """Variables that depend on some `wrt` through differentiable edges; a variable in
    `constants` is not made dependent by its inputs."""
    depends = set(wrt)
    for node in topo:
        ins = [i for i, v in enumerate(node.inputs) if v in depends]
        if not ins:
            continue
        pattern = node.op.connection_pattern(node)
        for j, out in enumerate(node.outputs):
            if out not in constants and any(pattern[i][j] for i in ins):
                depends.add(out)
    return depends


def _backward(seeds: dict, wrt: list, constants: set) -> tuple[dict, set]:
    """The reverse sweep. Returns (gradient of each reached variable, connected variables)."""
    outs = list(seeds)
    topo = io_toposort(graph_inputs(outs), outs)
    connected = _connected_to(outs, topo, constants)
    needed = _depends_on(wrt, topo, constants) & connected
    terms: dict[Variable, list] = {v: [g] for v, g in seeds.items()}
    totals: dict[Variable, Variable | None] = {}

    def total(var):
        if var not in totals:
            totals[var] = _add_terms(terms.get(var, []))
        return totals[var]

    for node in reversed(topo):
        wanted = [i for i, v in enumerate(node.inputs)
                  if v in needed and not isinstance(v, Constant)]
        if not wanted:
            continue
        # the gradient of a variable held constant stops there
        ograds = [None if o in constants else total(o) for o in node.outputs]
        flowing = [j for j, g in enumerate(ograds) if g is not None]
        if not flowing:
            continue
        null = next((g for g in ograds if is_null(g)), None)
        if null is not None:
            igrads = [null] * len(node.inputs)  # undefined downstream stays undefined upstream
        else:
            # outputs that are not arrays (a random generator's new state) get no gradient
            ograds = [g if g is not None else _no_gradient(o)
                      for g, o in zip(ograds, node.outputs)]
            igrads = _call_l_op(node, ograds)
        pattern = node.op.connection_pattern(node)
        for i in wanted:
            g, inp = igrads[i], node.inputs[i]
            if g is None or is_disconnected(g):
                continue
            if not any(pattern[i][j] for j in flowing):
                continue
            terms.setdefault(inp, []).append(g if is_null(g) else _fit(g, inp, node))
    return {v: total(v) for v in wrt}, connected


def _call_l_op(node, ograds: list) -> list:
    try:
        igrads = node.op.L_op(node.inputs, node.outputs, ograds)
    except NotImplementedError as exc:
        return [grad_not_implemented(node.op, i, v, str(exc), node)
                for i, v in enumerate(node.inputs)]
    igrads = list(igrads)
    if len(igrads) != len(node.inputs):
        raise GradientError(f"{node.op}.L_op returned {len(igrads)} gradients for "
                            f"{len(node.inputs)} inputs")
    # ops below this package cannot build null variables, so they name such inputs instead
    for i, why in getattr(node.op, "undefined_gradients", {}).items():
        if node.inputs[i].type.dtype not in discrete_dtypes:
            igrads[i] = grad_undefined(node.op, i, node.inputs[i], why, node)
    return igrads


def grad(cost, wrt, consider_constant=None, disconnected_inputs: str = "raise",
         add_names: bool = True, known_grads: dict | None = None,
         return_disconnected: str = "zero", null_gradients: str = "raise"):
    """Gradient of the scalar `cost` with respect to `wrt` (a variable, or a list of them).

    consider_constant: variables whose own gradient is not propagated to their inputs.
    disconnected_inputs: 'raise' (DisconnectedInputError), 'warn' or 'ignore' when a `wrt` is
        not part of the cost's graph (or reaches it only through non-differentiable ops).
    add_names: name each gradient `(dcost/dwrt)` when both have names.
    known_grads: {variable: its gradient}, extra starting points of the sweep; `cost` may then
        be None.
    return_disconnected: what a disconnected gradient is: 'zero' (zeros like wrt), 'None', or
        'Disconnected' (a DisconnectedType variable).
    null_gradients: 'raise' (NullGradientError naming the op and the line that built it) or
        'return' (a NullType variable) when a gradient is mathematically undefined.
    Integer and boolean paths carry no gradient; the gradient wrt an integer variable is zeros
    of floatX. Returns one graph per `wrt`, in order (a single graph for a single variable).
    """
    _check_choice("disconnected_inputs", disconnected_inputs, ("raise", "warn", "ignore"))
    _check_choice("return_disconnected", return_disconnected, ("zero", "None", "Disconnected"))
    _check_choice("null_gradients", null_gradients, ("raise", "return"))
    if cost is None and not known_grads:
        raise ValueError("grad needs a cost, or known_grads to start the sweep from")
    wrt_list, single = _as_list(wrt)
    for w in wrt_list:
        if not isinstance(w, Variable):
            raise TypeError(f"grad: wrt must be symbolic variables, got {type(w).__name__} {w!r}")
    constants = set(_as_list(consider_constant)[0]) if consider_constant is not None else set()
    for c in constants:
        if not isinstance(c, Variable):
            raise TypeError(f"consider_constant must hold symbolic variables, got {c!r}")

    seeds: dict[Variable, Variable] = {}
    if cost is not None:
        cost = as_tensor_variable(cost)
        if cost.type.ndim != 0:
            raise TypeError(f"cost must be a scalar: grad needs a 0-d cost, got {cost} of type "
                            f"{cost.type}; sum it (cost.sum()) or use jacobian for a vector")
        seeds[cost] = float_ones_like(cost)
    for var, g in (known_grads or {}).items():
        if not isinstance(var, Variable):
            raise TypeError(f"known_grads keys must be symbolic variables, got {var!r}")
        if not (is_null(g) or is_disconnected(g)):
            g = as_tensor_variable(g)
            if g.type.ndim != var.type.ndim:
                raise ValueError(f"known_grads gives {var} (of {var.type.ndim} dimension(s)) a "
                                 f"gradient of {g.type.ndim} dimension(s)")
            g = _fit(g, var, None)
        elif is_disconnected(g):
            continue
        seeds[var] = g if var not in seeds else add(seeds[var], g)

    totals, connected = _backward(seeds, wrt_list, constants)
    results = []
    for w in wrt_list:
        g = totals[w]
        if g is None and w not in connected:
            g = _disconnected(w, disconnected_inputs, return_disconnected)
        elif g is None:
            g = zeros_like(w, _grad_dtype(w))  # connected, but nothing flows back (integers)
        elif getattr(w.type, "dtype", None) in discrete_dtypes and not is_null(g) \
                and g.type.dtype in discrete_dtypes:
            g = zeros_like(w, _grad_dtype(w))
        # otherwise, as Theano: an integer input read by ops computing in floats (dot(X_int, W))
        # gets the gradient it would get as a float
        if is_null(g) and null_gradients == "raise":
            raise g.type.error(f"grad: the gradient with respect to {w} is undefined: ")
        # (a gradient that is one of the caller's own variables keeps its name)
        if g is not None and g.owner is not None and not is_null(g) and add_names \
                and cost is not None and cost.name and w.name:
            g.name = f"(d{cost.name}/d{w.name})"
        results.append(g)
    return results[0] if single else results


def _disconnected(w: Variable, policy: str, kind: str):
    message = (f"grad was asked for the gradient with respect to {w} ({w.type}), which is not "
               "part of the cost's graph or reaches it only through non-differentiable ops; "
               "pass disconnected_inputs='ignore' (or 'warn') to accept this")
    if policy == "raise":
        raise DisconnectedInputError(message)
    if policy == "warn":
        warnings.warn(message, stacklevel=3)
    if kind == "None":
        return None
    if kind == "Disconnected":
        return disconnected_type()
    return zeros_like(w, _grad_dtype(w))


def subgraph_grad(wrt: list, end: list, start: dict | None = None, cost=None,
                  details: bool = False):
    """Gradients over one stretch of a graph, for backpropagating a graph piece by piece.

    The sweep starts from `cost` and/or `start` ({variable: known gradient}) and stops at the
    `end` variables, held constant. Returns (gradients wrt `wrt`, gradients wrt `end`); feed
    dict(zip(end, end_grads)) as `start` of the next stretch. With details=True, also returns
    the contributions of `start` and of `cost` to the wrt-and-end gradients, separately
    (None for one not given). Disconnected variables get zeros.
    """
    if cost is None and start is None:
        raise ValueError("subgraph_grad needs a cost, a start dict, or both")
    if not isinstance(wrt, list) or not isinstance(end, list):
        raise TypeError("subgraph_grad: wrt and end must be lists of variables")
    if start is not None and not isinstance(start, dict):
        raise TypeError("subgraph_grad: start must map variables to their gradients")
    params = list(dict.fromkeys(wrt + end))  # each once, in order
    options = {"consider_constant": end, "disconnected_inputs": "ignore", "add_names": False}
    start_grads = None if start is None else grad(None, params, known_grads=start, **options)
    cost_grads = None if cost is None else grad(cost, params, **options)
    if start_grads is None:
        total = cost_grads
    elif cost_grads is None:
        total = start_grads
    else:
        total = [add(a, b) for a, b in zip(start_grads, cost_grads)]
    by_param = dict(zip(params, total))
    wrt_grads = [by_param[v] for v in wrt]
    end_grads = [by_param[v] for v in end]
    if details:
        return wrt_grads, end_grads, start_grads, cost_grads
    return wrt_grads, end_grads


def format_as(use_list: bool, use_tuple: bool, outputs):
    """`outputs` as a list, a tuple, or (neither) its single element: how grad-like functions
    give back one result per argument, in the form the argument had."""
    if use_list and use_tuple:
        raise ValueError("format_as: use_list and use_tuple cannot both be true")
    if use_list or use_tuple:
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        return outputs if use_list else tuple(outputs)
    if isinstance(outputs, (list, tuple)):
        if len(outputs) != 1:
            raise ValueError(f"format_as: expected one output, got {len(outputs)}")
        return outputs[0]
    return outputs


def Lop(f, wrt, eval_points, consider_constant=None, disconnected_inputs: str = "raise"):
    """Row vector times Jacobian (reverse mode): for each `wrt`, the sum over the outputs `f`
    of eval_point · d f / d wrt. `f` and `eval_points` are a variable or equal-length lists."""
    fs, _ = _as_list(f)
    evs, _ = _as_list(eval_points)
    if len(fs) != len(evs):
        raise ValueError(f"Lop: f has {len(fs)} variable(s) but eval_points has {len(evs)}")
    known = {}
    for fi, ev in zip(fs, evs):
        fi, ev = as_tensor_variable(fi), as_tensor_variable(ev)
        if ev.type.ndim != fi.type.ndim:
            raise ValueError(f"Lop: eval point {ev} has {ev.type.ndim} dimension(s) but {fi} "
                             f"has {fi.type.ndim}")
        known[fi] = ev
    return grad(None, wrt, consider_constant=consider_constant, known_grads=known,
                disconnected_inputs=disconnected_inputs, add_names=False)


def _fit_tangent(t: Variable, var: Variable, node) -> Variable:
    """A tangent with var's dtype and broadcast pattern (stretched, never summed)."""
    t = as_tensor_variable(t)
    if t.type.ndim != var.type.ndim:
        raise GradientError(f"{node.op}.R_op gave a tangent of {t.type.ndim} dimension(s) for "
                            f"{var}, which has {var.type.ndim}")
    if t.type.dtype != var.type.dtype:
        t = cast(t, var.type.dtype)
    if t.type.broadcastable != var.type.broadcastable:
        t = second(var, t)
    return t


def Rop(f, wrt, eval_points, disconnected_outputs: str = "raise",
        return_disconnected: str = "zero"):
    """Jacobian times column vector (forward mode): for each output in `f`, the sum over `wrt`
    of d f / d wrt · eval_point, propagated through every op's R_op in one forward pass.

    disconnected_outputs: 'raise', 'warn' or 'ignore' when an output does not depend on wrt;
    return_disconnected: 'zero', 'None' or 'Disconnected' for such an output.
    """
    _check_choice("disconnected_outputs", disconnected_outputs, ("raise", "warn", "ignore"))
    _check_choice("return_disconnected", return_disconnected, ("zero", "None", "Disconnected"))
    fs, single = _as_list(f)
    fs = [as_tensor_variable(v) for v in fs]
    wrts, _ = _as_list(wrt)
    evs, _ = _as_list(eval_points)
    if len(wrts) != len(evs):
        raise ValueError(f"Rop: wrt has {len(wrts)} variable(s) but eval_points has {len(evs)}")
    tangent: dict[Variable, Variable] = {}
    for i, (w, ev) in enumerate(zip(wrts, evs)):
        ev = as_tensor_variable(ev)
        if ev.type.ndim != w.type.ndim:
            raise ValueError(f"Rop: eval point {i} ({ev}) has {ev.type.ndim} dimension(s) but "
                             f"wrt {i} ({w}) has {w.type.ndim}")
        if w.type.dtype in continuous_dtypes and ev.type.dtype != w.type.dtype:
            ev = cast(ev, w.type.dtype)
        tangent[w] = ev
    topo = io_toposort(wrts, fs)
    for node in topo:
        ins = [tangent.get(v) for v in node.inputs]
        if all(t is None for t in ins):
            continue
        # as in Theano, other free inputs are held still by a zero tangent: the result then
        # reads every input of the point it is taken at (function([W, V, x], Rop(..)) works)
        moving_undefined = _moving_undefined(node, ins)
        ins = [zeros_like(v) if t is None and _is_free_float(v) else t
               for v, t in zip(node.inputs, ins)]
        null = next((t for t in ins if is_null(t)), moving_undefined)
        outs = [null] * len(node.outputs) if null is not None else _call_r_op(node, ins)
        for o, t in zip(node.outputs, outs):
            if t is None or is_disconnected(t) or o.type.dtype in discrete_dtypes:
                continue
            tangent[o] = t if is_null(t) else _fit_tangent(t, o, node)
    connected = _depends_on(wrts, topo, set())
    results = []
    for fi in fs:
        t = tangent.get(fi)
        if t is None and fi not in connected:
            message = (f"Rop: output {fi} does not depend on any of {wrts}; pass "
                       "disconnected_outputs='ignore' (or 'warn') to accept this")
            if disconnected_outputs == "raise":
                raise DisconnectedInputError(message)
            if disconnected_outputs == "warn":
                warnings.warn(message, stacklevel=2)
            t = {"None": None, "Disconnected": disconnected_type()}.get(
                return_disconnected, zeros_like(fi, _grad_dtype(fi)))
        elif t is None:
            t = zeros_like(fi, _grad_dtype(fi))
        if is_null(t):
            raise t.type.error(f"Rop: the derivative of {fi} is undefined: ")
        results.append(t)
    return results[0] if single else results


def _moving_undefined(node, tangents: list):
    """A null tangent when an input the op has no derivative for moves, else None."""
    for i, why in getattr(node.op, "undefined_gradients", {}).items():
        if tangents[i] is not None and node.inputs[i].type.dtype not in discrete_dtypes:
            return grad_undefined(node.op, i, node.inputs[i], why, node)
    return None


def _is_float_tensor(var: Variable) -> bool:
    return isinstance(var.type, TensorType) and var.type.dtype in continuous_dtypes


def _is_free_float(var: Variable) -> bool:
    return var.owner is None and not isinstance(var, Constant) and _is_float_tensor(var)


def _no_gradient(var: Variable) -> Variable | None:
    """What an op's L_op receives for an output nothing flows back to: zeros for arrays, None
    for other types (a random generator's new state)."""
    if isinstance(var.type, TensorType):
        return zeros_like(var, _grad_dtype(var))
    return None


def _call_r_op(node, tangents: list) -> list:
    op = node.op
    if getattr(op, "r_op_from_l_op", False) or type(op).R_op is Op.R_op:
        outs = _r_op_by_transposing(node, tangents)
    else:
        try:
            outs = op.R_op(node.inputs, tangents)
        except NotImplementedError as exc:
            raise GradientNotImplementedError(
                f"Rop: {op} has no forward mode for these inputs: {exc}\nThe node was built "
                f"at:\n  {format_frame(node.trace)}") from None
    outs = list(outs)
    if len(outs) != len(node.outputs):
        raise GradientError(f"{node.op}.R_op returned {len(outs)} tangents for "
                            f"{len(node.outputs)} outputs")
    return outs


def _r_op_by_transposing(node, tangents: list) -> list:
    """J·u for an op whose forward mode is its L_op transposed: L_op(v) = Jᵀv is linear in v,
    so the gradient of <Jᵀv, u> with respect to v is J·u (all built from this one node)."""
    seeds = [o.type.clone()(f"transpose_seed{j}") if _is_float_tensor(o) else _no_gradient(o)
             for j, o in enumerate(node.outputs)]
    free = [(s, o) for s, o in zip(seeds, node.outputs) if s is not None and s.owner is None]
    try:
        cotangents = node.op.L_op(node.inputs, node.outputs, seeds)
    except NotImplementedError as exc:
        raise GradientNotImplementedError(
            f"Rop: the forward mode of {node.op} transposes its L_op, which is not implemented "
            f"here: {exc}\nThe node was built at:\n  {format_frame(node.trace)}") from None
    terms = []
    for g, u, inp in zip(cotangents, tangents, node.inputs):
        if g is None or u is None or is_disconnected(g) or inp.type.dtype in discrete_dtypes:
            continue
        if is_null(g):
            return [g] * len(node.outputs)
        terms.append(tensor_sum(g * u))
    if not terms or not free:
        return [None] * len(node.outputs)
    inner = terms[0] if len(terms) == 1 else add(*terms)
    products = grad(inner, [s for s, _ in free], disconnected_inputs="ignore",
                    return_disconnected="None", add_names=False)
    # J·u does not depend on the seeds' values; their shapes are the outputs' shapes
    found = [p for p in products if p is not None]
    found = clone_replace(found, dict(free)) if found else []
    by_seed = dict(zip([s for (s, _), p in zip(free, products) if p is not None], found))
    return [by_seed.get(s) for s in seeds]


def jvp(f, wrt, tangents, **kwargs):
    """Jacobian-vector product, forward mode: `Rop` under JAX's name.

    jax.jvp(fun, primals, tangents) becomes jvp(fun(*wrt), wrt, tangents): the outputs come
    first because here they are already graphs; the result is the output tangents only.
    """
    return Rop(f, wrt, tangents, **kwargs)


def vjp(f, wrt, cotangents, **kwargs):
    """Vector-Jacobian product, reverse mode: `Lop` under JAX's name.

    jax.vjp(fun, *primals) returns a function of the cotangents; here the cotangents are given
    at once: vjp(fun(*wrt), wrt, cotangents) returns the gradients wrt each of `wrt`.
    """
    return Lop(f, wrt, cotangents, **kwargs)
