"""symgrad.tensor (Theano's `T`): typed symbolic arrays and the operations on them.

In: the graph IR and the scalar ops. Out: TensorType and its constructors (`T.dscalar` ...),
TensorVariable operators, and every tensor op (Elemwise, reductions, dot, shape and indexing,
nnet, linalg, random variables, shared variables), each with make_node, perform, L_op, R_op and
infer_shape. `symgrad.gradient` installs Theano's `T.grad` family here when it loads.
"""
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
    blas,
    extra_ops,
    nlinalg,
    nnet,
    signal,
    slinalg,
    subtensor,
    utils,  # noqa: F401,E402
)
from symgrad.tensor.basic import *  # noqa: F401,F403
from symgrad.tensor.constant import as_tensor_variable, constant  # noqa: F401
from symgrad.tensor.derived import *  # noqa: F401,F403
from symgrad.tensor.elemwise import CAReduce, DimShuffle, Elemwise  # noqa: F401
from symgrad.tensor.extra_ops import *  # noqa: F401,F403
from symgrad.tensor.math import *  # noqa: F401,F403
from symgrad.tensor.products import *  # noqa: F401,F403
from symgrad.tensor.scalar_constant import (  # noqa: F401
    NotScalarConstantError,
    get_scalar_constant_value,
)
from symgrad.tensor.shape import *  # noqa: F401,F403
from symgrad.tensor.sharedvar import TensorSharedVariable  # noqa: F401
from symgrad.tensor.sort import *  # noqa: F401,F403
from symgrad.tensor.subtensor import *  # noqa: F401,F403
from symgrad.tensor.type import TensorType, constructors, tensor  # noqa: F401
from symgrad.tensor.variable import TensorConstant, TensorVariable  # noqa: F401
from symgrad.tensor.variable import _TensorOperators as _tensor_py_operators  # noqa: F401

globals().update(constructors)
as_tensor = as_tensor_variable
Tensor = TensorType  # Theano's older name for the tensor type
Apply = _Apply  # Theano's T.Apply
log_softmax = nnet.log_softmax

# Theano keeps these compositions in nlinalg and slinalg; they are built from both modules
from symgrad.tensor import linalg_compositions as _compositions  # noqa: E402

for _name in ("alloc_diag", "diag", "extract_diag", "matrix_power", "tensorinv", "tensorsolve"):
    setattr(nlinalg, _name, getattr(_compositions, _name))
slinalg.kron = _compositions.kron
extra_ops.compress, extra_ops.bartlett = compress, bartlett  # noqa: F405  (from derived)
norm, trace = nlinalg.norm, nlinalg.trace
