"""The graph IR: Variables produced by Apply nodes of Ops, and the FunctionGraph that owns them.

In: nothing from the rest of symgrad (only `errors`); every other stage builds on this one.
Out: Variable/Apply/Constant, the Type and Op protocols, traversal and cloning helpers, and
FunctionGraph, whose `replace(old, new, reason)` is the only way a graph changes.
"""
from symgrad.graph.basic import Apply, Constant, Variable
from symgrad.graph.clone import clone, clone_replace
from symgrad.graph.fgraph import FunctionGraph
from symgrad.graph.op import Op
from symgrad.graph.traversal import ancestors, applys_between, graph_inputs, io_toposort
from symgrad.graph.type import Type

__all__ = [
    "Apply", "Constant", "Variable", "Op", "Type", "ancestors", "graph_inputs", "io_toposort",
    "applys_between", "clone", "clone_replace", "FunctionGraph",
]
