"""Theano's `theano.compile.sharedvalue`: shared variables under their old module name."""
from symgrad.compile import SharedVariable, shared  # noqa: F401
