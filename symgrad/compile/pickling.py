"""Pickling compiled functions: the optimised graph and the current values travel; the
linked code is rebuilt on load (a backend with a disk cache reloads it from there).

The graph is written as a flat list of nodes in topological order, so deep graphs do not
exhaust Python's recursion limit. Shared variables are pickled as themselves (value included),
so a pickle holding a function and its shared variables restores them as one.
"""
from __future__ import annotations

import copyreg

from symgrad.compile.executor import Function
from symgrad.compile.io import Out
from symgrad.compile.maker import FunctionMaker
from symgrad.graph.basic import Apply, Constant
from symgrad.graph.fgraph import FunctionGraph

_FORMAT = 1


def encode_graph(fgraph: FunctionGraph) -> dict:
    """A picklable description of `fgraph` that refers to variables by position."""
    slots = {var: i for i, var in enumerate(fgraph.inputs)}
    constants: list[tuple[int, Constant]] = []
    nodes = []

    def slot(var) -> int:
        if var not in slots:
            if not isinstance(var, Constant):
                raise ValueError(f"{var} is neither an input, a constant nor computed")
            slots[var] = len(slots)
            constants.append((slots[var], var))
        return slots[var]

    for node in fgraph.toposort():
        ins = [slot(v) for v in node.inputs]
        outs = []
        for out in node.outputs:
            slots[out] = len(slots)
            outs.append((slots[out], out.type, out.name))
        nodes.append((node.op, ins, outs, node.trace))
    outputs = [slot(v) for v in fgraph.outputs]
    return {"inputs": [(v.type, v.name) for v in fgraph.inputs], "constants": constants,
            "nodes": nodes, "outputs": outputs}


def decode_graph(data: dict) -> FunctionGraph:
    """Rebuild the FunctionGraph written by `encode_graph` (no rewriting happens)."""
    variables = [rtype.make_variable(name) for rtype, name in data["inputs"]]
    inputs = list(variables)
    by_slot = dict(enumerate(variables))
    for pos, const in data["constants"]:
        by_slot[pos] = const
    for op, ins, outs, trace in data["nodes"]:
        outputs = [rtype.make_variable(name) for _, rtype, name in outs]
        Apply(op, [by_slot[i] for i in ins], outputs, trace=trace)
        for (pos, _, _), out in zip(outs, outputs):
            by_slot[pos] = out
    return FunctionGraph(inputs, [by_slot[i] for i in data["outputs"]], clone=False)


def _function_state(fn: Function) -> dict:
    maker = fn.maker
    # the user's update and output expressions stay behind; the graph carries them
    inputs = [spec.replace(update=None, value=None if spec.implicit else spec.value)
              for spec in maker.inputs]
    return {
        "format": _FORMAT,
        "inputs": inputs,
        "has_update": [spec.update is not None for spec in maker.inputs],
        "outputs_borrow": [spec.borrow for spec in maker.outputs],
        "graph": encode_graph(maker.fgraph),
        "mode": maker.mode,
        "name": maker.name,
        "on_unused_input": maker.on_unused_input,
        "single_output": fn.single_output,
        "outputs_none": fn.outputs_none,
        "trust_input": fn.trust_input,
        "defaults": [None if cell is None else cell[0] for cell in fn._defaults],
    }


def _rebuild_function(state: dict) -> Function:
    if state.get("format") != _FORMAT:
        raise ValueError(f"this pickle holds a function in format {state.get('format')}; this "
                         f"version of symgrad reads format {_FORMAT}")
    fgraph = decode_graph(state["graph"])
    n_out = len(state["outputs_borrow"])
    update_vars = iter(fgraph.outputs[n_out:])
    inputs = []
    for spec, has_update in zip(state["inputs"], state["has_update"]):
        changes = {"update": next(update_vars) if has_update else None}
        if spec.implicit:
            changes["value"] = spec.variable.container
        inputs.append(spec.replace(**changes))
    outputs = [Out(var, borrow) for var, borrow in zip(fgraph.outputs, state["outputs_borrow"])]
    maker = FunctionMaker(inputs, outputs, fgraph, state["mode"], state["name"],
                          optimized=True, on_unused_input=state["on_unused_input"])
    fn = maker.create(state["single_output"], state["outputs_none"])
    fn.trust_input = state["trust_input"]
    for pos, value in enumerate(state["defaults"]):
        if value is not None:
            fn._defaults[pos][0] = value
    return fn


def _reduce_function(fn: Function):
    return _rebuild_function, (_function_state(fn),)


copyreg.pickle(Function, _reduce_function)
