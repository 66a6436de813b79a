"""`function`: from symbolic inputs and outputs (plus updates and givens) to a compiled Function."""
from __future__ import annotations

import warnings

from symgrad.config import config
from symgrad.errors import UnusedInputError
from symgrad.graph.basic import Constant, Variable
from symgrad.graph.clone import clone_replace
from symgrad.graph.traversal import graph_inputs
from symgrad.compile.io import In, Out
from symgrad.compile.maker import FunctionMaker
from symgrad.compile.shared import SharedVariable
from symgrad.tensor.constant import as_tensor_variable


def _pairs(updates) -> list[tuple]:
    if updates is None:
        return []
    items = list(updates.items()) if isinstance(updates, dict) else list(updates)
    return [(k, v) for k, v in items]


def function(inputs, outputs=None, mode=None, updates=None, givens=None,
             no_default_updates=False, accept_inplace=False, name=None, rebuild_strict=True,
             allow_input_downcast=None, profile=None, on_unused_input=None, trust_input=False):
    """Compile a callable computing `outputs` from `inputs`.

    outputs: a variable (the call returns one array) or a list (the call returns a list).
    updates: pairs (shared_variable, new_expression) applied after every call.
    givens: pairs (variable, replacement) substituted before compiling.
    """
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("function's inputs must be a list (or tuple) of variables, e.g. "
                        "function([x], y)")
    single = outputs is not None and not isinstance(outputs, (list, tuple))
    out_list = [] if outputs is None else ([outputs] if single else list(outputs))
    out_specs = [o if isinstance(o, Out) else Out(o) for o in out_list]
    out_vars = [as_tensor_variable(o.variable) if not isinstance(o.variable, Variable)
                else o.variable for o in out_specs]
    in_specs = [i if isinstance(i, In) else In(i) for i in inputs]
    for spec in in_specs:
        if allow_input_downcast is not None and spec.allow_downcast is None:
            spec.allow_downcast = allow_input_downcast
        if isinstance(spec.variable, Constant):
            raise TypeError(f"{spec.variable} is a constant and cannot be a function input")
    _check_distinct(in_specs)

    update_pairs = _pairs(updates)
    for shared_var, expr in update_pairs:
        if not isinstance(shared_var, SharedVariable):
            raise TypeError(f"updates must be (shared variable, expression) pairs; {shared_var} "
                            "is not a shared variable")
    upd_vars = [as_tensor_variable(e) for _, e in update_pairs]
    for (sv, _), e in zip(update_pairs, upd_vars):
        if e.type != sv.type:
            raise TypeError(
                f"the update of shared variable {sv} ({sv.type}) has type {e.type}; cast the "
                "expression to the shared variable's type (e.g. T.cast(expr, dtype))")

    givens_pairs = _pairs(givens)
    if givens_pairs:
        replaced = clone_replace(out_vars + upd_vars, dict(givens_pairs))
        out_vars, upd_vars = replaced[:len(out_vars)], replaced[len(out_vars):]

    policy = on_unused_input or config.on_unused_input
    needed = set(graph_inputs(out_vars + upd_vars))
    for pos, spec in enumerate(in_specs):
        if spec.variable not in needed:
            msg = (f"function was given input {pos} ({spec.variable}) but the outputs do not "
                   "depend on it; pass on_unused_input='ignore' (or 'warn') to allow this")
            if policy == "raise":
                raise UnusedInputError(msg)
            if policy == "warn":
                warnings.warn(msg, stacklevel=2)

    # shared variables the graph reads become implicit inputs holding their storage
    explicit = {s.variable for s in in_specs}
    implicit = [v for v in graph_inputs(out_vars + upd_vars)
                if isinstance(v, SharedVariable) and v not in explicit]
    for sv, _ in update_pairs:
        if sv not in explicit and sv not in implicit:
            implicit.append(sv)
    maker = FunctionMaker(in_specs, implicit, out_vars, out_specs, update_pairs, upd_vars,
                          mode=mode, name=name)
    fn = maker.create(single_output=single, outputs_none=outputs is None)
    fn.trust_input = trust_input
    return fn


def _check_distinct(specs) -> None:
    seen = set()
    for spec in specs:
        if spec.variable in seen:
            raise ValueError(f"input {spec.variable} is given twice to function")
        seen.add(spec.variable)
