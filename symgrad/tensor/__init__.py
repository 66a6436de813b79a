"""symgrad.tensor (Theano's `T`): typed symbolic arrays and the operations on them."""
from symgrad.tensor.type import TensorType, constructors, tensor  # noqa: F401
from symgrad.tensor.variable import TensorConstant, TensorVariable  # noqa: F401
from symgrad.tensor.constant import as_tensor_variable, constant  # noqa: F401
from symgrad.tensor.elemwise import CAReduce, DimShuffle, Elemwise  # noqa: F401
from symgrad.tensor.basic import *  # noqa: F401,F403
from symgrad.tensor.math import *  # noqa: F401,F403
from symgrad.tensor.shape import *  # noqa: F401,F403
from symgrad.tensor.subtensor import *  # noqa: F401,F403
from symgrad.tensor.products import *  # noqa: F401,F403  (its dot also takes n-d arrays)
from symgrad.tensor.extra_ops import *  # noqa: F401,F403
from symgrad.tensor.sort import *  # noqa: F401,F403
from symgrad.tensor import extra_ops  # noqa: F401
from symgrad.tensor import basic, subtensor  # noqa: F401
from symgrad.tensor import nnet  # noqa: F401
from symgrad.tensor import nlinalg, signal, slinalg  # noqa: F401
# grad is Theano's T.grad; symgrad.gradient builds on this package's modules
from symgrad.gradient import (  # noqa: F401,E402
    Lop, Rop, consider_constant, grad, hessian, jacobian, numeric_grad, verify_grad,
)

globals().update(constructors)
as_tensor = as_tensor_variable
