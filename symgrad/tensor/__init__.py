"""symgrad.tensor (Theano's `T`): typed symbolic arrays and the operations on them."""
# The star imports run in sorted order; the one name two of them export is dot, and T.dot is
# products' (it also takes n-d arrays), imported after math's.
from symgrad.graph.basic import Apply as _Apply
from symgrad.scalar.type import (  # noqa: F401
    all_dtypes,
    complex_dtypes,
    continuous_dtypes,
    discrete_dtypes,
    float_dtypes,
    int_dtypes,
    uint_dtypes,
)
from symgrad.tensor import (  # noqa: F401
    basic,
    extra_ops,
    nlinalg,
    nnet,
    signal,
    slinalg,
    subtensor,
)
from symgrad.tensor.basic import *
from symgrad.tensor.constant import as_tensor_variable, constant  # noqa: F401
from symgrad.tensor.elemwise import CAReduce, DimShuffle, Elemwise  # noqa: F401
from symgrad.tensor.extra_ops import *
from symgrad.tensor.math import *
from symgrad.tensor.products import *
from symgrad.tensor.shape import *
from symgrad.tensor.sort import *
from symgrad.tensor.subtensor import *
from symgrad.tensor.type import TensorType, constructors, tensor  # noqa: F401
from symgrad.tensor.variable import TensorConstant, TensorVariable  # noqa: F401

globals().update(constructors)
as_tensor = as_tensor_variable
Tensor = TensorType  # Theano's older name for the tensor type
Apply = _Apply  # Theano's T.Apply

# Theano's T.grad family: the functions of symgrad.gradient, which builds on this package, so
# they are looked up on first use (a module __getattr__) and importing this package never needs
# symgrad.gradient, whatever order the imports run in. T.grad is symgrad.gradient.grad itself.
_GRADIENT_NAMES = frozenset({"Lop", "Rop", "consider_constant", "grad", "hessian", "jacobian",
                             "numeric_grad", "verify_grad"})


def __getattr__(name: str):
    if name in _GRADIENT_NAMES:
        import symgrad.gradient  # upward: symgrad.gradient imports this package's modules

        value = getattr(symgrad.gradient, name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _GRADIENT_NAMES)
