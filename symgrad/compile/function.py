"""`function`: from symbolic inputs and outputs (plus updates and givens) to a compiled Function.

Order of work: normalise inputs and outputs; substitute `givens` in every expression; add the
default updates of the shared variables the graph reads; check update types and unused inputs;
then let FunctionMaker own, rewrite and link the graph.
"""
from __future__ import annotations

import warnings

from symgrad.compile.io import In, Out
from symgrad.compile.maker import FunctionMaker
from symgrad.compile.profiling import ProfileStats
from symgrad.config import config
from symgrad.errors import UnusedInputError
from symgrad.graph.basic import Constant, Variable
from symgrad.graph.clone import clone_replace
from symgrad.graph.traversal import graph_inputs
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.sharedvar import SharedVariable


def function(inputs, outputs=None, mode=None, updates=None, givens=None,
             no_default_updates=False, accept_inplace=False, name=None, rebuild_strict=True,
             allow_input_downcast=None, profile=None, on_unused_input=None, trust_input=False):
    """Compile a callable computing `outputs` from `inputs`.

    inputs: variables or In(...) specs; the call takes them positionally or by name.
    outputs: a variable or Out (the call returns one array), a list (the call returns a list),
        or None (the call returns [] and only applies updates).
    updates: (shared_variable, expression) pairs or a dict; all are computed from the values
        before the call, then stored.
    givens: (variable, replacement) pairs or a dict, substituted before compiling.
    no_default_updates: True, or a list of shared variables whose `default_update` is not used.
    rebuild_strict: False lets a `givens` replacement have another type (types are re-inferred).
    on_unused_input: 'raise' (default, from config), 'warn' or 'ignore'.
    profile: True (or a name, or a ProfileStats to share) counts and times calls in f.profile.
    accept_inplace: accepted for Theano code; symgrad graphs hold no in-place ops to refuse.
    """
    if inputs is None:
        inputs = []
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("function's inputs must be a list (or tuple) of variables, e.g. "
                        "function([x], y)")
    output_keys = None
    if isinstance(outputs, dict):
        # Theano's rule: the call returns a dict with the same keys (sorted to fix an order)
        output_keys = sorted(outputs)
        outputs = [outputs[k] for k in output_keys]
    single = outputs is not None and not isinstance(outputs, (list, tuple))
    out_list = [] if outputs is None else ([outputs] if single else list(outputs))
    out_specs = [o if isinstance(o, Out) else Out(o) for o in out_list]
    out_vars = [_as_variable(o.variable, "output") for o in out_specs]
    in_specs = [_input_spec(i, allow_input_downcast) for i in inputs]
    _check_inputs(in_specs)
    update_pairs = _pairs(updates, "updates")
    _check_update_targets(update_pairs)
    update_pairs = [(sv, _as_update(sv, e)) for sv, e in update_pairs]

    out_vars, update_pairs, replace = _substitute_givens(givens, rebuild_strict, out_vars,
                                                         update_pairs, in_specs)
    for spec in in_specs:
        if spec.variable in replace:
            raise RuntimeError(
                f"givens replaces {spec.variable}, which is an input of the function: the "
                "replacement would make the input useless. Give a new input y instead and "
                "write givens={x: g(y)}, or rewrite the output with symgrad.clone(f(x), "
                "replace={x: g(x)}) and keep x as the input")
    explicit = {spec.variable for spec in in_specs}
    update_pairs += _default_updates(out_vars + [e for _, e in update_pairs]
                                     + [s.update for s in in_specs if s.update is not None],
                                     update_pairs, explicit, replace, no_default_updates)
    for sv, expr in update_pairs:
        _check_update_type(sv, expr)
    all_exprs = out_vars + [e for _, e in update_pairs] + \
        [s.update for s in in_specs if s.update is not None]
    policy = on_unused_input or config.on_unused_input
    _check_unused(in_specs, all_exprs, policy)

    in_specs += _implicit_inputs(all_exprs, update_pairs, explicit)
    maker = FunctionMaker.from_variables(in_specs, out_specs, out_vars, mode=mode, name=name,
                                         on_unused_input=policy)
    fn = maker.create(single_output=single, outputs_none=outputs is None)
    fn.output_keys = output_keys
    fn.trust_input = trust_input
    if profile is None and config.profile:  # Theano's flag: profile every function
        profile = True
    if profile:
        stats = profile if isinstance(profile, ProfileStats) else \
            ProfileStats(profile if isinstance(profile, str) else name)
        fn.profile = stats
        fn._runner = stats.profiled_runner(maker)
    return fn


def _substitute_givens(givens, rebuild_strict: bool, out_vars, update_pairs, in_specs):
    """Outputs, updates and In(update=) expressions with `givens` substituted (in_specs is
    updated in place); also returns the replacement map."""
    in_update_pos = [pos for pos, spec in enumerate(in_specs) if spec.update is not None]
    in_update_vars = [_as_variable(in_specs[p].update, "update") for p in in_update_pos]
    replace = _givens(givens, rebuild_strict)
    exprs = out_vars + [e for _, e in update_pairs] + in_update_vars
    if replace:
        exprs = clone_replace(exprs, replace)
    n_out, n_upd = len(out_vars), len(update_pairs)
    update_pairs = [(sv, e) for (sv, _), e in zip(update_pairs, exprs[n_out:n_out + n_upd])]
    for pos, expr in zip(in_update_pos, exprs[n_out + n_upd:]):
        in_specs[pos] = in_specs[pos].replace(update=expr)
    return exprs[:n_out], update_pairs, replace


def _implicit_inputs(all_exprs, update_pairs, explicit) -> list:
    """The shared variables the graph reads or updates, as implicit inputs holding storage."""
    updated = dict(update_pairs)
    implicit = [v for v in graph_inputs(all_exprs)
                if isinstance(v, SharedVariable) and v not in explicit]
    implicit += [sv for sv in updated if sv not in implicit]
    return [In(sv, update=updated.get(sv), implicit=True, value=sv.container)
            for sv in implicit]


def _pairs(items, what: str) -> list[tuple]:
    if items is None:
        return []
    if isinstance(items, dict):
        return list(items.items())
    pairs = list(items)
    for pair in pairs:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            raise TypeError(f"{what} must be a dict or a list of (variable, expression) pairs; "
                            f"got the item {pair!r}")
    return [tuple(p) for p in pairs]


def _as_variable(x, what: str) -> Variable:
    if isinstance(x, Variable):
        return x
    try:
        return as_tensor_variable(x)
    except TypeError as exc:
        raise TypeError(f"an {what} of function must be a symbolic variable or a value that "
                        f"can become a constant; got {type(x).__name__}: {exc}") from None


def _as_update(target: SharedVariable, expr) -> Variable:
    """A symbolic update as is; a plain value becomes a constant of the target's type."""
    if isinstance(expr, Variable):
        return expr
    try:
        value = target.type.filter(expr, allow_downcast=target.allow_downcast)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the update value for shared variable {target} does not fit its type "
                        f"{target.type}: {exc}") from None
    return target.type.make_constant(value)


def _input_spec(item, allow_input_downcast) -> In:
    spec = item.replace() if isinstance(item, In) else In(*_input_tuple(item))
    if allow_input_downcast is not None and spec.allow_downcast is None:
        spec.allow_downcast = allow_input_downcast
    return spec


def _input_tuple(item) -> tuple:
    """Theano's shorthand inputs as (variable, name, value, update): a variable, or a tuple
    `([name,] variable [, value])` or `([name,] (variable, update), value)`."""
    if not isinstance(item, (list, tuple)):
        return (item,)
    parts, name = list(item), None
    if parts and isinstance(parts[0], str):
        name, parts = parts[0], parts[1:]
    if len(parts) == 2 and isinstance(parts[0], (list, tuple)) and len(parts[0]) == 2:
        (variable, update), value = parts
        return variable, name, value, update
    if len(parts) in (1, 2) and isinstance(parts[0], Variable):
        return parts[0], name, parts[1] if len(parts) == 2 else None, None
    raise TypeError(f"function input {item!r}: expected a variable, In(...), or a tuple "
                    "([name,] variable [, default]) or ([name,] (variable, update), default)")


def _check_inputs(specs: list[In]) -> None:
    seen = set()
    for pos, spec in enumerate(specs):
        var = spec.variable
        if isinstance(var, Constant):
            raise TypeError(f"input {pos} ({var}) is a constant and cannot be a function input")
        if isinstance(var, SharedVariable):
            raise TypeError(f"input {pos} ({var}) is a shared variable: functions read shared "
                            "variables themselves; to pass a value instead, give a new "
                            "variable and substitute it with givens=[(shared_var, new_var)]")
        if var.owner is not None:
            raise TypeError(f"input {pos} ({var}) is computed by {var.owner.op}; function "
                            "inputs must be free variables such as T.dscalar('x')")
        if var in seen:
            raise ValueError(f"input {var} is given twice to function")
        seen.add(var)


def _check_update_targets(pairs: list[tuple]) -> None:
    seen = set()
    for target, _ in pairs:
        if not isinstance(target, SharedVariable):
            raise TypeError(f"updates must be (shared variable, expression) pairs; {target} "
                            f"({type(target).__name__}) is not a shared variable")
        if target in seen:
            raise ValueError(f"shared variable {target} is given two updates")
        seen.add(target)


def _check_update_type(target: SharedVariable, expr: Variable) -> None:
    if expr.type != target.type:
        raise TypeError(
            f"the update of shared variable {target} must have its type {target.type}, but the "
            f"expression {expr} has type {expr.type}; cast it (e.g. T.cast(expr, "
            f"'{getattr(target.type, 'dtype', '...')}')) or change the shared value's dtype")


def _givens(givens, rebuild_strict: bool) -> dict:
    replace = {}
    for old, new in _pairs(givens, "givens"):
        if not isinstance(old, Variable):
            raise TypeError(f"givens keys must be symbolic variables, got {type(old).__name__}")
        if isinstance(old, Constant):
            raise TypeError(f"givens cannot replace the constant {old}")
        new = _as_variable(new, "givens replacement")
        if new.type != old.type:
            converted = old.type.convert_variable(new)
            if converted is not None:
                new = converted
            elif rebuild_strict:
                raise TypeError(
                    f"givens replaces {old} ({old.type}) by {new} of another type "
                    f"({new.type}); use a replacement of the same type, or "
                    "rebuild_strict=False to let the types change")
        replace[old] = new
    return replace


def _default_updates(exprs, update_pairs, explicit, replace, no_default_updates) -> list[tuple]:
    """(shared variable, default update) for the shared variables the graph reads, repeated
    until closed: a default update may read shared variables that have their own."""
    if no_default_updates is True:
        return []
    skip = set(no_default_updates or ()) | {sv for sv, _ in update_pairs} | explicit | set(replace)
    found: list[tuple] = []
    pending = list(exprs)
    while pending:
        new_exprs = []
        for var in graph_inputs(pending):
            if not isinstance(var, SharedVariable) or var in skip:
                continue
            skip.add(var)
            if var.default_update is None:
                continue
            expr = _as_variable(var.default_update, "default update")
            if replace:
                expr = clone_replace(expr, replace)
            found.append((var, expr))
            new_exprs.append(expr)
        pending = new_exprs
    return found


def _check_unused(in_specs: list[In], exprs, policy: str) -> None:
    needed = set(graph_inputs(exprs))
    for pos, spec in enumerate(in_specs):
        if spec.variable in needed:
            continue
        msg = (f"function was given input {pos} ({spec.variable}) but the outputs do not "
               "depend on it; pass on_unused_input='ignore' (or 'warn') to allow this")
        if policy == "raise":
            raise UnusedInputError(msg)
        if policy == "warn":
            warnings.warn(msg, stacklevel=3)
