"""`scan`: Theano's loop. Calls the user's step function once on symbolic rows, then builds one
Scan node that runs the resulting graph for every step.

    result, updates = scan(lambda prior, A: prior * A, outputs_info=T.ones_like(A),
                           non_sequences=A, n_steps=k)
"""
from __future__ import annotations

from symgrad.graph.basic import Constant, Variable
from symgrad.graph.clone import clone_replace
from symgrad.graph.traversal import ancestors, graph_inputs
from symgrad.scan.info import ScanInfo
from symgrad.scan.op import Scan
from symgrad.scan.utils import hoist_loop_invariants, row_type, tap_span, until
from symgrad.tensor.basic import cast
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.math import minimum
from symgrad.tensor.shape import shape_i
from symgrad.tensor.sharedvar import SharedVariable
from symgrad.tensor.type import TensorType


class _Sequence:
    def __init__(self, variable, taps) -> None:
        self.variable = variable
        self.taps = tuple(int(k) for k in taps)
        self.inner = [row_type(variable.type)(_tap_name(variable, "t", k)) for k in self.taps]


class _Output:
    """One entry of outputs_info: recurrent (with an initial block) or computed per step."""

    def __init__(self, initial, taps) -> None:
        self.taps = tuple(int(k) for k in taps) if initial is not None else ()
        if any(k >= 0 for k in self.taps):
            raise ValueError(f"scan: output taps must be negative (past values), got {taps}")
        self.initial_block = None
        self.inner = []
        if initial is not None:
            initial = as_tensor_variable(initial)
            if self.taps == (-1,):
                # a single past value is given as that value; the op wants a block of rows
                block = initial.dimshuffle("x", *range(initial.type.ndim))
            else:
                # the taps read the first L rows, as Theano's do; later rows are ignored
                block = initial[:-min(self.taps)]
            self.initial_block = block
            self.inner = [row_type(block.type)(_tap_name(initial, "t", k)) for k in self.taps]


def _tap_name(var, step: str, k: int) -> str | None:
    if var.name is None:
        return None
    return f"{var.name}[{step}]" if k == 0 else f"{var.name}[{step}{k:+d}]"


def _as_sequences(sequences) -> list[_Sequence]:
    out = []
    for entry in _as_list(sequences):
        if isinstance(entry, dict):
            if "input" not in entry:
                raise ValueError("scan: a sequence given as a dict needs an 'input' entry")
            taps = entry.get("taps", [0])
            out.append(_Sequence(as_tensor_variable(entry["input"]),
                                 [0] if taps is None else _as_list(taps)))
        else:
            out.append(_Sequence(as_tensor_variable(entry), [0]))
    return out


def _as_outputs(outputs_info) -> list[_Output] | None:
    if outputs_info is None:
        return None
    out = []
    for entry in _as_list(outputs_info):
        if isinstance(entry, dict):
            initial = entry.get("initial")
            taps = entry.get("taps", [-1])
            out.append(_Output(initial, [-1] if taps is None else _as_list(taps)))
        else:
            out.append(_Output(entry, [-1]))
    return out


def _as_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _split_step_result(result):
    """(outputs, updates, condition) from whatever the step function returned."""
    if not isinstance(result, (list, tuple)) or _is_update_list(result):
        result = (result,)
    if all(_is_output(r) for r in result):
        return [as_tensor_variable(r) for r in result], {}, None
    outputs, updates, condition = [], {}, None
    for item in result:
        if isinstance(item, until):
            condition = item.condition
        elif isinstance(item, dict):
            updates.update(item)
        elif _is_update_list(item):
            updates.update(dict(item))
        elif _is_output(item):
            outputs.append(as_tensor_variable(item))
        elif isinstance(item, (list, tuple)) and all(_is_output(r) for r in item):
            outputs += [as_tensor_variable(r) for r in item]
        else:
            raise TypeError(f"scan: the step function returned {item!r}; it may return outputs, "
                            "an updates dict and an until(condition), in any order")
    return outputs, updates, condition


def _is_output(x) -> bool:
    return isinstance(x, (Variable, int, float)) or hasattr(x, "__array__")


def _is_update_list(x) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], SharedVariable) for p in x)


def _shared_with_default_update(variables, explicit) -> list:
    """Shared variables the step reads that update themselves (random generators)."""
    return [v for v in variables if isinstance(v, SharedVariable)
            and getattr(v, "default_update", None) is not None and v not in explicit]


def scan(fn, sequences=None, outputs_info=None, non_sequences=None, n_steps=None,
         truncate_gradient: int = -1, go_backwards: bool = False, mode=None,
         name: str | None = None, strict: bool = False, return_list: bool = False,
         profile=False, allow_gc=None):
    """Run `fn` over the rows of `sequences`, feeding back past outputs; returns
    `(outputs, updates)`.

    fn receives, in order: one row per sequence tap, one past value per output tap, then the
    non-sequences; it returns its outputs (one per outputs_info entry), and optionally an
    updates dict for shared variables and an `until(condition)`.
    sequences: variables, or dict(input=x, taps=[-2, 0]).
    outputs_info: per output None (not fed back), an initial value (fed back as tap -1), or
    dict(initial=x0, taps=[-2, -1]) with x0 holding the two past rows.
    profile, allow_gc: accepted as Theano accepts them; they change nothing here.
    """
    seqs = _as_sequences(sequences)
    outs = _as_outputs(outputs_info)
    non_seqs = [v if isinstance(v, Variable) else as_tensor_variable(v)
                for v in _as_list(non_sequences)]
    if n_steps is None and not seqs:
        raise ValueError("scan needs sequences to iterate over, or n_steps")
    steps = _number_of_steps(seqs, n_steps)
    args = [v for s in seqs for v in s.inner] + [v for o in (outs or []) for v in o.inner]
    step = _trace_step(fn, args, outs, non_seqs)
    states, ordered, replace = _step_free_variables(step, args, non_seqs, strict)
    node, rec, per_step = _build_node(step, seqs, states, ordered, replace, steps, mode,
                                      go_backwards, truncate_gradient, name)
    results, new_updates = _results_of(node, step, rec, per_step, states, name)
    if return_list:
        return results, new_updates
    if not results:
        return None, new_updates
    return (results[0] if len(results) == 1 else results), new_updates


class _Step:
    """What one call of the user's step function built."""

    def __init__(self, outputs, updates, condition, outs, self_updating) -> None:
        self.outputs, self.updates, self.condition = outputs, updates, condition
        self.outs, self.self_updating = outs, self_updating

    @property
    def roots(self) -> list:
        return (self.outputs + list(self.updates.values())
                + ([self.condition] if self.condition is not None else []))


def _trace_step(fn, args, outs, non_seqs) -> _Step:
    """Call the step function on the inner variables; check and complete what it returns."""
    step_outputs, updates, condition = _split_step_result(fn(*(args + non_seqs)))
    if outs is None:
        outs = [_Output(None, ()) for _ in step_outputs]
    if len(step_outputs) != len(outs):
        raise ValueError(f"scan: outputs_info has {len(outs)} entries but the step function "
                         f"returned {len(step_outputs)} outputs")
    for sv in updates:
        if not isinstance(sv, SharedVariable):
            raise TypeError(f"scan: updates must be keyed by shared variables, got {sv}")
    updates = {sv: as_tensor_variable(e) if isinstance(sv.type, TensorType) else e
               for sv, e in updates.items()}
    step = _Step(step_outputs, updates, condition, outs, [])
    reads = graph_inputs(step.roots, blockers=non_seqs)
    step.self_updating = _shared_with_default_update(reads, updates)
    for sv in step.self_updating:
        updates[sv] = sv.default_update
    return step


def _step_free_variables(step: _Step, args, non_seqs, strict: bool):
    """Every outer variable the step reads becomes an inner input: updated shared variables
    are carried from step to step (`states`), the others are non-sequences (`ordered`)."""
    own = set(args)
    free = [v for v in graph_inputs(step.roots, blockers=non_seqs)
            if v not in own and not isinstance(v, Constant)]
    for sv in step.updates:
        if sv not in free:
            free.append(sv)
    states = [v for v in free if v in step.updates]
    ordered = [v for v in non_seqs if v in free and v not in step.updates]
    ordered += [v for v in free if v not in step.updates and v not in ordered]
    if strict:
        loose = [v for v in ordered if v not in non_seqs and not isinstance(v, SharedVariable)]
        if loose:
            raise ValueError(f"scan(strict=True): the step uses {loose}, which are not passed "
                             "as non_sequences")
    for sv in states:
        new = step.updates[sv]
        if getattr(new, "type", sv.type) != sv.type and not _same_kind(new.type, sv.type):
            raise TypeError(f"scan: the update of shared variable {sv} ({sv.type}) has type "
                            f"{new.type}; cast it to the shared variable's type")
    replace = {v: v.type(v.name) for v in states + ordered}
    return states, ordered, replace


def _build_node(step: _Step, seqs, states, ordered, replace, steps, mode, go_backwards,
                truncate_gradient, name):
    """The Scan node: its inner graph, layout and outer inputs."""
    roots = step.roots
    inner_outputs = clone_replace(roots, replace) if roots else []
    inner_outputs, hoisted = hoist_loop_invariants(inner_outputs,
                                                   {replace[v]: v for v in ordered})
    # a sequence none of whose rows the step reads only sets the number of steps
    used = set(ancestors(inner_outputs))
    non_seq_pairs = [(replace[v], v) for v in ordered] + hoisted
    non_seq_pairs = [(inner, outer) for inner, outer in non_seq_pairs if inner in used]
    kept = [s for s in seqs if any(v in used for v in s.inner)]
    outs = step.outs
    rec = [(k, o) for k, o in enumerate(outs) if o.initial_block is not None]
    per_step = [k for k, o in enumerate(outs) if o.initial_block is None]
    n_out = len(step.outputs)
    inner_rec = [inner_outputs[k] for k, _ in rec]
    inner_per_step = [inner_outputs[k] for k in per_step]
    inner_states = inner_outputs[n_out:n_out + len(states)]
    inner_cond = inner_outputs[n_out + len(states):]
    info = ScanInfo(
        seq_taps=tuple(s.taps for s in kept), seq_reversed=(bool(go_backwards),) * len(kept),
        rec_taps=tuple(o.taps for _, o in rec), n_per_step=len(per_step),
        n_opaque=len(states), n_non_seqs=len(non_seq_pairs),
        as_while=step.condition is not None, truncate_gradient=int(truncate_gradient),
        name=name)
    inner_inputs = ([v for s in kept for v in s.inner] + [v for _, o in rec for v in o.inner]
                    + [replace[v] for v in states] + [inner for inner, _ in non_seq_pairs])
    op = Scan(inner_inputs, inner_rec + inner_per_step + inner_states + inner_cond, info, mode)
    node = op.make_node(steps, *[s.variable for s in kept], *[o.initial_block for _, o in rec],
                        *states, *[outer for _, outer in non_seq_pairs])
    return node, rec, per_step


def _results_of(node, step: _Step, rec, per_step, states, name):
    """The outputs in the user's order, and the shared variables' updates."""
    results: list = [None] * len(step.outputs)
    for pos, (k, _) in enumerate(rec):
        results[k] = node.outputs[pos]
    for pos, k in enumerate(per_step):
        results[k] = node.outputs[len(rec) + pos]
    for out in results:
        if name is not None and out is not None:
            out.name = name
    new_updates = {sv: node.outputs[len(rec) + len(per_step) + q] for q, sv in enumerate(states)}
    # a generator drawn from inside the step now advances by the whole loop: functions that
    # run the loop without the returned updates still store its state after the last step
    for sv in step.self_updating:
        sv.default_update = new_updates[sv]
    return results, new_updates


def _same_kind(a, b) -> bool:
    return isinstance(a, TensorType) and isinstance(b, TensorType) and a.dtype == b.dtype \
        and a.ndim == b.ndim


def _number_of_steps(seqs: list[_Sequence], n_steps):
    """n_steps if given, else the most steps every sequence can feed, as an int64 scalar."""
    if n_steps is not None:
        steps = as_tensor_variable(n_steps)
        if steps.type.ndim != 0 or steps.type.is_float:
            raise TypeError(f"scan's n_steps must be an integer scalar, got {steps}")
        return cast(steps, "int64")
    steps = None
    for s in seqs:
        low, high = tap_span(s.taps)
        available = shape_i(s.variable, 0)
        if high - low:
            available = available - (high - low)
        steps = available if steps is None else minimum(steps, available)
    return steps
