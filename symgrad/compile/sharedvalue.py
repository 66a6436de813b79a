"""Theano's `theano.compile.sharedvalue`: shared variables under their old module name."""
from symgrad.compile import SharedVariable, shared, shared_constructor  # noqa: F401
