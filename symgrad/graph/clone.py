"""Copying graphs, optionally replacing some variables on the way."""
from __future__ import annotations

from typing import Iterable

from symgrad.graph.basic import Apply, Variable
from symgrad.graph.traversal import graph_inputs, io_toposort


def clone_get_equiv(inputs: Iterable[Variable], outputs: Iterable[Variable],
                    copy_inputs: bool = True, memo: dict | None = None) -> dict:
    """Map every variable and node between inputs and outputs to a copy."""
    memo = {} if memo is None else memo
    inputs = list(inputs)
    for var in inputs:
        if var not in memo:
            memo[var] = var.clone() if copy_inputs else var
    for node in io_toposort(inputs, outputs):
        for var in node.inputs:
            if var not in memo:
                # constants and free inputs outside `inputs` are shared, not copied
                memo[var] = var
        new_inputs = [memo[v] for v in node.inputs]
        if all(a.type == b.type for a, b in zip(node.inputs, new_inputs)):
            new_node = Apply(node.op, new_inputs, [o.clone() for o in node.outputs], node.trace)
        else:  # a replacement of another type: let the op re-infer its outputs
            new_node = node.clone_with_new_inputs(new_inputs, strict=False)
        memo[node] = new_node
        if hasattr(node.tag, "merged_traces"):  # the user lines a fused node stands for
            new_node.tag.merged_traces = node.tag.merged_traces
        for old, new in zip(node.outputs, new_node.outputs):
            new.name = old.name
            new.tag.__dict__.update(old.tag.__dict__)
            memo[old] = new
    for var in outputs:
        memo.setdefault(var, var)
    return memo


def clone(inputs, outputs, copy_inputs: bool = True):
    """Copies of `inputs` and `outputs` with every node between them copied."""
    memo = clone_get_equiv(inputs, outputs, copy_inputs)
    return [memo[v] for v in inputs], [memo[v] for v in outputs]


def clone_replace(outputs, replace: dict | None = None):
    """Rebuild `outputs` with each key of `replace` swapped for its value."""
    single = isinstance(outputs, Variable)
    outs = [outputs] if single else list(outputs)
    replace = dict(replace or {})
    memo = dict(replace)
    ins = [v for v in graph_inputs(outs, replace.keys()) if v not in replace]
    for v in ins:
        memo.setdefault(v, v)
    memo = clone_get_equiv(list(replace) + ins, outs, copy_inputs=False, memo=memo)
    new = [memo[o] for o in outs]
    return new[0] if single else new



def clone_outputs(output, replace=None, strict: bool = True, share_inputs: bool = True):
    """Theano's `theano.clone`: `output` (a variable or a list) rebuilt with the pairs of
    `replace` (a dict or (old, new) pairs) swapped in. strict: a replacement must have the
    type of what it replaces. share_inputs=False also copies the graph's inputs."""
    pairs = list(replace.items()) if isinstance(replace, dict) else list(replace or ())
    if strict:
        for old, new in pairs:
            if old.type != new.type:
                raise TypeError(f"clone: {new} ({new.type}) cannot replace {old} ({old.type}) "
                                "with strict=True; pass strict=False to allow it")
    new_outputs = clone_replace(output, dict(pairs))
    if share_inputs:
        return new_outputs
    outs = [new_outputs] if isinstance(new_outputs, Variable) else list(new_outputs)
    _, copied = clone(graph_inputs(outs), outs, copy_inputs=True)
    return copied[0] if isinstance(new_outputs, Variable) else copied
