"""Theano's `theano.compile.debugmode`: DebugMode and the errors it raises.

symgrad's DebugMode checks every node on the Python VM (types, values, inputs left
unchanged) and compares a backend with the VM node by node; see `compile/checking.py`.
"""
from symgrad.compile.checking import DebugMode  # noqa: F401
from symgrad.errors import (  # noqa: F401
    BadDestroyMap,
    BadOptimization,
    BadThunkOutput,
    BadViewMap,
    DebugModeError,
    FloatError,
    InvalidValueError,
    StochasticOrder,
)
