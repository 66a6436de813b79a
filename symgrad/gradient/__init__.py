"""symgrad.gradient (Theano's `theano.gradient`): symbolic derivatives of graphs.

In: output variables of a graph and the variables to differentiate with respect to. Out:
ordinary graphs (they print, rewrite and can be differentiated again).

- `grad.py`: reverse mode (`grad`, `Lop`/`vjp`, `subgraph_grad`) walking nodes backwards and
  asking each op's `L_op`; forward mode (`Rop`/`jvp`) asking `R_op`.
- `jacobian.py`: `jacobian`, `hessian`, `hessian_vector_product`, from one batched pass.
- `batch.py`: running a backward pass over a batch of seeds. Every op's `L_op` is written for one
  seed; a gradient is linear in its seed, so a per-op-class *batching rule* rebuilds a node with
  leading batch axes. Rules for the tensor ops live in `batch.py`; an op class from a package
  above this one (control flow such as `symgrad.ifelse`) registers its rule beside the op with
  `batch_rule.register(TheOp)`, as backends register kernels.
- `ops.py`: ops that steer gradients (`zero_grad`, `disconnected_grad`, `grad_clip`,
  `grad_scale`, `undefined_grad`) and the gradient types (`DisconnectedType`, `NullType`).
- `check.py`: `verify_grad` and `numeric_grad`, finite-difference checks.

Importing this package also installs Theano's `T.grad` family on `symgrad.tensor`.
"""
from symgrad import tensor as _tensor
from symgrad.errors import (
    DisconnectedInputError,
    GradientError,
    GradientNotImplementedError,
    NullGradientError,
)
from symgrad.gradient.batch import NoBatchRuleError, batch_rule
from symgrad.gradient.check import GradientCheckError, numeric_grad, verify_grad
from symgrad.gradient.grad import Lop, Rop, format_as, grad, jvp, subgraph_grad, vjp
from symgrad.gradient.jacobian import hessian, hessian_vector_product, jacobian
from symgrad.gradient.ops import (
    ConsiderConstant,
    DisconnectedGrad,
    DisconnectedType,
    GradClip,
    GradScale,
    NullType,
    UndefinedGrad,
    ZeroGrad,
    consider_constant,
    disconnected_grad,
    disconnected_type,
    grad_clip,
    grad_not_implemented,
    grad_scale,
    grad_undefined,
    is_disconnected,
    is_null,
    undefined_grad,
    zero_grad,
)

__all__ = [
    "ConsiderConstant", "DisconnectedGrad", "DisconnectedInputError", "DisconnectedType",
    "GradClip", "GradScale", "GradientCheckError", "GradientError", "GradientNotImplementedError",
    "Lop", "NoBatchRuleError", "NullGradientError", "NullType", "Rop", "UndefinedGrad",
    "ZeroGrad", "batch_rule", "consider_constant", "disconnected_grad", "disconnected_type",
    "format_as", "grad", "grad_clip", "grad_not_implemented", "grad_scale", "grad_undefined",
    "hessian", "hessian_vector_product", "is_disconnected", "is_null", "jacobian", "jvp",
    "numeric_grad", "subgraph_grad", "undefined_grad", "verify_grad", "vjp", "zero_grad",
]

# Theano's T.grad family: the very functions above, also reachable as symgrad.tensor.<name>
TENSOR_NAMES = ("Lop", "Rop", "consider_constant", "disconnected_grad", "grad", "hessian",
                "jacobian", "numeric_grad", "verify_grad", "zero_grad")
for _name in TENSOR_NAMES:
    setattr(_tensor, _name, globals()[_name])
