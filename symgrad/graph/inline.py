"""Ops that stand for a graph (OpFromGraph): an op with `inline_graph(inputs) -> outputs`
is, for a backend that compiles whole graphs, the same as the graph it returns. Such
backends call `inline_ops` on (a copy of) the graph they compile; the Python VM runs the
op's perform instead, and users keep seeing the op in the optimised graph."""
from __future__ import annotations

from symgrad.graph.fgraph import FunctionGraph


def is_inlinable(op) -> bool:
    return callable(getattr(op, "inline_graph", None))


def inline_ops(fgraph: FunctionGraph) -> FunctionGraph:
    """`fgraph` itself when no node can be inlined; otherwise a copy (same inputs and
    outputs order) with every such node, nested ones included, replaced by its graph."""
    if not any(is_inlinable(n.op) for n in fgraph.apply_nodes):
        return fgraph
    graph = FunctionGraph(fgraph.inputs, fgraph.outputs, clone=True)
    while True:
        nodes = [n for n in graph.toposort() if is_inlinable(n.op)]
        if not nodes:
            return graph
        for node in nodes:
            outs = node.op.inline_graph(list(node.inputs))
            graph.replace_all(list(zip(node.outputs, outs)), reason="inline_ops")
