"""Compiling graphs: function, In/Out, modes, copying and pickling.

In: output variables, inputs (plain variables or In specs), updates and givens. Out: a
Function: the graph cloned into a FunctionGraph, rewritten by the mode's phases, linked by its
linker, and called with checked arguments. The top stage: it may import every other one.
"""
from symgrad.compile import pickling  # noqa: F401  (registers how Functions pickle)
from symgrad.compile.checking import DebugMode, NanGuardMode  # noqa: F401  (registers the names)
from symgrad.compile.executor import Function  # noqa: F401
from symgrad.compile.function import function  # noqa: F401
from symgrad.compile.io import In, Out, Param  # noqa: F401
from symgrad.compile.mode import Mode, get_mode, predefined_modes  # noqa: F401
from symgrad.tensor.sharedvar import SharedVariable, shared  # noqa: F401
