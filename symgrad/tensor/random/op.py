"""RandomVariable: an op that draws from a numpy generator state given as its first input.

A node is `op(rng, *size, *params) -> (new_rng, draws)`. `size` is zero or more int64 scalars
(none means "the broadcast shape of the parameters"); `perform` copies the generator before
drawing, so the input state is never changed and the advanced copy is the first output. A
function stores that output back into the shared generator (its default update), which is how
successive calls draw new numbers while the op itself stays pure.
"""
from __future__ import annotations

import numpy as np

from symgrad.config import config
from symgrad.graph.basic import Apply, Constant, Variable
from symgrad.graph.op import Op
from symgrad.scalar.type import discrete_dtypes
from symgrad.tensor.basic import cast
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.random.type import RandomType, copy_rng
from symgrad.tensor.shape import Shape, shape_i
from symgrad.tensor.type import TensorType


class RandomVariable(Op):
    """Draws from the numpy method `name` (`rng.<name>(*params, size=size)`).

    ndim_supp: dimensions of one draw (0 for scalars, 1 for a multinomial count vector).
    ndims_params: dimensions of one draw's parameters; extra leading dimensions of a parameter
        are batch dimensions that broadcast with the others.
    batched: False when parameters never batch (choice, permutation): the draws' shape is then
        `size` followed by the support dimensions.
    dtype: dtype of the draws ('floatX' means config.floatX when the op is made).
    """

    __props__ = ("name", "ndim_supp", "ndims_params", "dtype", "batched")
    default_output = 1

    def __init__(self, name: str, ndim_supp: int = 0, ndims_params=(0, 0),
                 dtype: str = "floatX", batched: bool = True) -> None:
        self.name = name
        self.ndim_supp = int(ndim_supp)
        self.ndims_params = tuple(ndims_params)
        self.dtype = config.floatX if dtype == "floatX" else np.dtype(dtype).name
        self.batched = bool(batched)

    def __str__(self) -> str:
        return f"{self.name}_rv{{{self.dtype}}}"

    # --- building ------------------------------------------------------------------------------
    def make_node(self, rng, size, *params) -> Apply:
        if not isinstance(rng, Variable) or not isinstance(rng.type, RandomType):
            raise TypeError(f"{self}: the first input must be a random generator variable "
                            f"(e.g. shared(np.random.default_rng(seed))), got {rng!r}")
        params = [as_tensor_variable(p) for p in params]
        self._check_params(params)
        size = size_entries(size)
        if size:
            batch = tuple(isinstance(s, Constant) and int(s.data) == 1 for s in size)
        else:
            batch = self._params_batch_broadcastable(params)
        bcast = batch + (False,) * self.ndim_supp
        draws = TensorType(self.dtype, bcast)()
        return Apply(self, [rng, *size, *params], [rng.type(), draws])

    def _check_params(self, params) -> None:
        if len(params) != len(self.ndims_params):
            raise TypeError(f"{self} takes {len(self.ndims_params)} parameter(s), got "
                            f"{len(params)}")
        if not self.batched:
            return
        for i, (p, core) in enumerate(zip(params, self.ndims_params)):
            if p.type.ndim < core:
                raise TypeError(f"{self}: parameter {i} ({p}) needs at least {core} "
                                f"dimension(s), got {p.type}")

    def _params_batch_broadcastable(self, params) -> tuple:
        if not self.batched:
            return ()
        batches = [p.type.broadcastable[:p.type.ndim - core]
                   for p, core in zip(params, self.ndims_params)]
        ndim = max((len(b) for b in batches), default=0)
        padded = [(True,) * (ndim - len(b)) + b for b in batches]
        return tuple(all(b[d] for b in padded) for d in range(ndim))

    def split_inputs(self, node_inputs) -> tuple:
        end = len(node_inputs) - len(self.ndims_params)
        return node_inputs[0], node_inputs[1:end], node_inputs[end:]

    # --- running -------------------------------------------------------------------------------
    def rng_fn(self, rng, *params, size):
        """Draw with numpy; `size` is a tuple of ints or None. Backends call this too."""
        return getattr(rng, self.name)(*params, size=size)

    def perform(self, node, inputs, output_storage) -> None:
        rng, size, params = self.split_inputs(inputs)
        rng = copy_rng(rng)
        shape = tuple(int(s) for s in size) if size else None
        draws = self.rng_fn(rng, *params, size=shape)
        output_storage[0][0] = rng
        output_storage[1][0] = np.asarray(draws, dtype=self.dtype)

    # --- shapes and gradients ------------------------------------------------------------------
    def infer_shape(self, fgraph, node, input_shapes):
        _, size, params = self.split_inputs(node.inputs)
        _, _, param_shapes = self.split_inputs(input_shapes)
        if size:
            batch = list(size)
        else:
            batch = self._batch_shape(params, param_shapes)
        return [None, tuple(batch) + tuple(self.support_shape(params, param_shapes))]

    def _batch_shape(self, params, shapes) -> list:
        if not self.batched:
            return []
        cut = [(p, s[:len(s) - core]) for p, s, core in zip(params, shapes, self.ndims_params)]
        ndim = max((len(s) for _, s in cut), default=0)
        out = []
        for d in range(ndim):
            entry = as_tensor_variable(np.int64(1))
            for p, s in cut:
                k = d - (ndim - len(s))
                if k >= 0 and not p.type.broadcastable[k]:
                    entry = s[k]
                    break
            out.append(entry)
        return out

    def support_shape(self, params, param_shapes) -> list:
        """Shape of one draw (empty for scalar draws)."""
        return []

    def L_op(self, inputs, outputs, output_grads):
        # NotImplementedError makes grad() return a null gradient that raises, naming this op
        # and the user's line, only where the gradient would actually be used
        raise NotImplementedError(
            f"{self} has no gradient with respect to its parameters; to differentiate through "
            "a draw, write it as a function of a parameter-free draw (e.g. mu + sigma * "
            "normal(0, 1)), or mark the parameters constant with consider_constant")

    def R_op(self, inputs, eval_points):
        _, size, params = self.split_inputs(inputs)
        _, _, param_points = self.split_inputs(eval_points)
        if any(p is not None for p in param_points):
            raise NotImplementedError(f"{self} has no derivative with respect to its parameters")
        return [None, None]  # nothing differentiable moves: the state and the draws stay put

    def connection_pattern(self, node):
        _, size, params = self.split_inputs(node.inputs)
        # the new generator state depends on nothing differentiable; the draws on the params
        return [[False, False]] * (1 + len(size)) + [[False, True]] * len(params)


def size_entries(size) -> list:
    """`size` as a list of int64 scalar variables: None or () -> [], a tuple of ints or
    integer scalars, or the symbolic shape of a tensor (`x.shape`)."""
    if size is None:
        return []
    if isinstance(size, Variable):
        owner = size.owner
        if owner is not None and isinstance(owner.op, Shape):
            x = owner.inputs[0]
            return [_int64(shape_i(x, i)) for i in range(x.type.ndim)]
        if size.type.ndim == 0:
            return [_int64(size)]
        raise TypeError(f"size {size} is a symbolic vector of unknown length; give a tuple of "
                        "integers or integer scalars (or x.shape)")
    if isinstance(size, (int, np.integer)):
        size = (size,)
    entries = []
    for s in size:
        v = as_tensor_variable(s)
        if v.type.ndim != 0 or v.type.dtype not in discrete_dtypes:
            raise TypeError(f"size entries must be integer scalars, got {s!r} ({v.type})")
        entries.append(_int64(v))
    return entries


def _int64(v):
    if isinstance(v, Constant):
        return as_tensor_variable(np.int64(v.data))
    return v if v.type.dtype == "int64" else cast(v, "int64")
