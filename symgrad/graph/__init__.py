"""The graph IR: Variables produced by Apply nodes of Ops. Imports nothing else from symgrad
except errors; everything else builds on it."""
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
