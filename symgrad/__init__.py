"""symgrad: a symbolic tensor compiler with Theano's API.

Build a graph, differentiate it, compile it:

    import symgrad as theano
    import symgrad.tensor as T
    x = T.dscalar('x'); f = theano.function([x], T.grad(x ** 2, x)); f(4)  # array(8.)
"""
# scan and ifelse: loops and lazy branches (`symgrad.scan(...)` calls scan;
# `from symgrad.ifelse import ifelse`)
from symgrad import (  # noqa: F401
    compat,
    configparser,
    gof,
    gradient,
    ifelse,
    misc,
    printing,
    scan,
    scan_module,
    tensor,
    updates,
    version,
)
from symgrad.compile import (  # noqa: F401
    FunctionMaker,
    In,
    Mode,
    OpFromGraph,
    Out,
    Param,
    ProfileStats,
    SharedVariable,
    SymbolicInput,
    SymbolicOutput,
    as_op,
    function,
    function_dump,
    predefined_linkers,
    predefined_modes,
    predefined_optimizers,
    shared,
)
from symgrad.config import change_flags, config  # noqa: F401
from symgrad.errors import InconsistencyError  # noqa: F401
from symgrad.gradient import Lop, Rop, grad, subgraph_grad  # noqa: F401
from symgrad.graph import Apply, Constant, FunctionGraph, Op, Type, Variable  # noqa: F401
from symgrad.graph.clone import clone_outputs as clone  # noqa: F401
from symgrad.graph.type import Generic, generic  # noqa: F401
from symgrad.printing import debugprint, dprint, pp, pprint  # noqa: F401
from symgrad.scan import foldl, foldr, map, reduce  # noqa: F401
from symgrad.tensor import dot, get_scalar_constant_value  # noqa: F401
from symgrad.updates import OrderedUpdates  # noqa: F401

__version__ = "0.1.0"

# random streams make shared variables, so they load once symgrad.compile has
from symgrad import sandbox  # noqa: F401  (theano.sandbox.rng_mrg)
from symgrad.tensor import shared_randomstreams  # noqa: F401
from symgrad.tensor.random import utils as _random_utils  # noqa: F401
