"""Theano's `theano.compile.nanguardmode`: NanGuardMode under its old module name."""
from symgrad.compile.checking import NanGuardMode  # noqa: F401
from symgrad.errors import NanGuardError  # noqa: F401
