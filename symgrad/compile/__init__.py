"""Compiling graphs: function, In/Out, modes, copying and pickling.

In: output variables, inputs (plain variables or In specs), updates and givens. Out: a
Function: the graph cloned into a FunctionGraph, rewritten by the mode's phases, linked by its
linker, and called with checked arguments. The top stage: it may import every other one.
"""
from symgrad.compile import (  # noqa: F401
    builders,
    debugmode,
    function_module,
    nanguardmode,
    pfunc,
    pickling,  # noqa: F401  (registers how Functions pickle)
)
from symgrad.compile.builders import OpFromGraph  # noqa: F401
from symgrad.compile.checking import DebugMode, NanGuardMode  # noqa: F401  (registers the names)
from symgrad.compile.dump import function_dump  # noqa: F401
from symgrad.compile.executor import Function  # noqa: F401
from symgrad.compile.function import function  # noqa: F401
from symgrad.compile.io import In, Out, Param, SymbolicInput, SymbolicOutput  # noqa: F401
from symgrad.compile.maker import FunctionMaker  # noqa: F401
from symgrad.compile.mode import (  # noqa: F401
    Mode,
    get_default_mode,
    get_mode,
    predefined_linkers,
    predefined_modes,
    predefined_optimizers,
    register_mode,
    register_optimizer,
)
from symgrad.compile.monitormode import MonitorMode, detect_nan  # noqa: F401
from symgrad.compile.ops import (  # noqa: F401
    DeepCopyOp,
    FromFunctionOp,
    ViewOp,
    as_op,
    deep_copy_op,
    view_op,
)
from symgrad.compile.profiling import ProfileStats  # noqa: F401
from symgrad.errors import UnusedInputError  # noqa: F401
from symgrad.link import register_linker  # noqa: F401
from symgrad.tensor.shape import ShapeI as Shape_i  # noqa: F401  (Theano's class name)
from symgrad.tensor.shape import SpecifyShape, shape_i, specify_shape  # noqa: F401
from symgrad.tensor.sharedvar import SharedVariable, shared, shared_constructor  # noqa: F401

