"""Theano's `theano.gof` under its old name: the graph IR's public names (`from theano.gof
import Op, Apply`, `theano.gof.graph.inputs`, ...) for code written against Theano 1.0.

symgrad's own home for these is `symgrad.graph`; this package only re-exports. Theano's
`gof.opt` and `gof.toolbox` (its rewriting framework) have no counterpart here: symgrad's
rewrites are registered in `symgrad.rewriting`, with another interface.
"""
from symgrad.errors import InconsistencyError  # noqa: F401
from symgrad.gof import fg, graph, utils  # noqa: F401
from symgrad.gof.utils import MethodNotDefined  # noqa: F401
from symgrad.graph import Apply, Constant, FunctionGraph, Op, Type, Variable  # noqa: F401
from symgrad.graph.type import Generic, generic  # noqa: F401
