"""symgrad: a symbolic tensor compiler with Theano's API.

    import symgrad as theano
    import symgrad.tensor as T
    x = T.dscalar('x'); f = theano.function([x], T.grad(x ** 2, x)); f(4)  # array(8.0)
"""
from symgrad.config import config  # noqa: F401
from symgrad import tensor  # noqa: F401
from symgrad import gradient  # noqa: F401
from symgrad.gradient import grad, Lop, Rop  # noqa: F401
from symgrad.compile import In, Mode, Out, Param, SharedVariable, function, shared  # noqa: F401
from symgrad import printing  # noqa: F401
from symgrad.printing import pp, pprint  # noqa: F401
from symgrad.printing import debugprint, dprint  # noqa: F401
from symgrad.graph import Apply, Constant, FunctionGraph, Op, Variable  # noqa: F401
# loops and lazy branches: `symgrad.scan(...)` calls scan; `from symgrad.ifelse import ifelse`
from symgrad import ifelse, scan, scan_module  # noqa: F401,E402

__version__ = "0.1.0"

# random streams make shared variables, so they load once symgrad.compile has
from symgrad.tensor import shared_randomstreams  # noqa: F401,E402
from symgrad.tensor.random import utils as _random_utils  # noqa: F401,E402
