"""Compiling graphs: function, In/Out, shared variables, modes, copying and pickling."""
from symgrad.compile import pickling  # noqa: F401  (registers how Functions pickle)
from symgrad.compile.checking import DebugMode, NanGuardMode  # noqa: F401  (registers the names)
from symgrad.compile.executor import Function  # noqa: F401
from symgrad.compile.function import function  # noqa: F401
from symgrad.compile.io import In, Out, Param  # noqa: F401
from symgrad.compile.mode import Mode, get_mode, predefined_modes  # noqa: F401
from symgrad.compile.shared import SharedVariable, shared  # noqa: F401
