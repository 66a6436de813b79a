"""Walking graphs: ancestors, their inputs, and a topological order of Apply nodes."""
from __future__ import annotations

from typing import Iterable

from symgrad.graph.basic import Apply, Variable


def ancestors(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list[Variable]:
    """Every variable the outputs depend on (outputs included), not walking past `blockers`."""
    blocked = set(blockers)
    seen: set[Variable] = set()
    order: list[Variable] = []
    stack = list(outputs)[::-1]
    while stack:
        var = stack.pop()
        if var in seen:
            continue
        seen.add(var)
        order.append(var)
        if var.owner is not None and var not in blocked:
            stack.extend(reversed(var.owner.inputs))
    return order


def graph_inputs(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list[Variable]:
    """The ownerless variables (inputs and constants) the outputs depend on, plus reached blockers."""
    blocked = set(blockers)
    return [v for v in ancestors(outputs, blocked) if v.owner is None or v in blocked]


def io_toposort(inputs: Iterable[Variable], outputs: Iterable[Variable]) -> list[Apply]:
    """Apply nodes between inputs and outputs, each after the nodes that feed it (`inputs` may
    be a set, used as is: a FunctionGraph passes all its variables on every import)."""
    stop = inputs if isinstance(inputs, (set, frozenset)) else set(inputs)
    order: list[Apply] = []
    done: set[Apply] = set()
    visiting: set[Apply] = set()
    for out in outputs:
        if out.owner is None or out in stop or out.owner in done:
            continue
        stack = [(out.owner, iter(out.owner.inputs))]
        visiting.add(out.owner)
        while stack:
            node, it = stack[-1]
            for var in it:
                parent = var.owner
                if parent is None or var in stop or parent in done:
                    continue
                if parent in visiting:
                    raise ValueError("the graph has a cycle")
                visiting.add(parent)
                stack.append((parent, iter(parent.inputs)))
                break
            else:
                stack.pop()
                visiting.discard(node)
                done.add(node)
                order.append(node)
    return order


def applys_between(inputs: Iterable[Variable], outputs: Iterable[Variable]) -> list[Apply]:
    return io_toposort(inputs, outputs)
