"""Theano's `theano.gof.graph`: the IR classes and the functions that walk a graph between
inputs `i` and outputs `o` (Theano's names and argument orders)."""
from __future__ import annotations

from symgrad.graph.basic import Apply, Constant, Variable
from symgrad.graph.clone import clone
from symgrad.graph.traversal import ancestors, graph_inputs
from symgrad.graph.traversal import io_toposort as _io_toposort

__all__ = ["Apply", "Constant", "Variable", "ancestors", "clone", "inputs", "io_toposort",
           "list_of_nodes", "ops", "orphans", "variables", "view_roots"]


def inputs(variable_list, blockers=None) -> list:
    """The ownerless variables (inputs and constants) the variables depend on, and the
    blockers reached."""
    return graph_inputs(variable_list, blockers or ())


def io_toposort(inputs, outputs, orderings=None) -> list:
    """The Apply nodes between inputs and outputs, each after those that feed it. symgrad
    graphs carry no extra ordering constraints, so `orderings` must be empty."""
    if orderings:
        raise ValueError("io_toposort: symgrad has no ordering constraints beyond the graph's "
                         "edges; pass orderings=None")
    return _io_toposort(inputs, outputs)


def list_of_nodes(inputs, outputs) -> list:
    """The Apply nodes between inputs and outputs, in topological order."""
    return _io_toposort(inputs, outputs)


def ops(i, o) -> set:
    """The set of Apply nodes between i and o (Theano's name: it returns nodes, not Ops)."""
    return set(_io_toposort(i, o))


def variables(i, o) -> set:
    """Every variable between i and o: i, o, and the inputs and outputs of the nodes between."""
    found = set(i) | set(o)
    for node in _io_toposort(i, o):
        found.update(node.inputs)
        found.update(node.outputs)
    return found


def orphans(i, o) -> set:
    """Variables the graph between i and o uses that are neither in i nor computed there
    (constants and inputs left out of i)."""
    given = set(i)
    return {v for v in variables(i, o) if v.owner is None and v not in given}


def view_roots(r) -> list:
    """The variables `r` is a view of, following each op's `view_map` ({output: [input]});
    [r] when r is not a view (symgrad's ops declare none unless they set view_map)."""
    owner = r.owner
    view_map = getattr(owner.op, "view_map", None) if owner is not None else None
    if not view_map:
        return [r]
    k = owner.outputs.index(r)
    if k not in view_map:
        return [r]
    roots = []
    for j in view_map[k]:
        roots.extend(view_roots(owner.inputs[j]))
    return roots
