"""The graph IR: Variables produced by Apply nodes of Ops. Imports nothing else from symgrad
except errors; everything else builds on it."""
from symgrad.graph.basic import Apply, Constant, Variable
from symgrad.graph.op import Op
from symgrad.graph.type import Type
from symgrad.graph.traversal import ancestors, graph_inputs, io_toposort, applys_between
from symgrad.graph.clone import clone, clone_replace
from symgrad.graph.fgraph import FunctionGraph

__all__ = [
    "Apply", "Constant", "Variable", "Op", "Type", "ancestors", "graph_inputs", "io_toposort",
    "applys_between", "clone", "clone_replace", "FunctionGraph",
]
