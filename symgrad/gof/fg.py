"""Theano's `theano.gof.fg`: FunctionGraph and the error its features raise."""
from symgrad.errors import InconsistencyError  # noqa: F401
from symgrad.graph.fgraph import FunctionGraph, MissingInputError  # noqa: F401
