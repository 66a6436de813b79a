"""Elemwise (a scalar op lifted to arrays, with its gradient), DimShuffle, and CAReduce."""
from __future__ import annotations

import numpy as np

from symgrad.errors import ShapeError
from symgrad.graph.basic import Apply, Constant, Variable
from symgrad.graph.op import Op
from symgrad.scalar import basic as sb
from symgrad.scalar.basic import ScalarOp, ScalarType
from symgrad.scalar.composite import Composite
from symgrad.scalar.type import discrete_dtypes
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.type import TensorType
from symgrad.tensor.variable import TensorConstant


class DimShuffle(Op):
    """Reorder, drop (length-1) or insert ('x') dimensions: `x.dimshuffle(1, 'x', 0)`. A view."""

    __props__ = ("input_ndim", "new_order")

    def __init__(self, input_ndim: int, new_order) -> None:
        self.input_ndim = int(input_ndim)
        self.new_order = tuple(new_order)
        kept = [d for d in self.new_order if d != "x"]
        if len(set(kept)) != len(kept) or any(not 0 <= d < input_ndim for d in kept):
            raise ValueError(f"invalid dimshuffle pattern {self.new_order} for {input_ndim} dims")
        self.shuffle = kept
        self.drop = [d for d in range(input_ndim) if d not in kept]
        self.augment = [i for i, d in enumerate(self.new_order) if d == "x"]

    @property
    def is_transpose(self) -> bool:
        return not self.augment and not self.drop and self.shuffle == \
            list(range(self.input_ndim))[::-1] and self.input_ndim == 2

    @property
    def is_identity(self) -> bool:
        return self.new_order == tuple(range(self.input_ndim))

    @property
    def is_broadcast_only(self) -> bool:
        """Only inserts length-1 axes, keeping the order: hidden by pp."""
        return not self.drop and self.shuffle == sorted(self.shuffle)

    def __str__(self) -> str:
        return f"DimShuffle{{{','.join(map(str, self.new_order))}}}"

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        if x.type.ndim != self.input_ndim:
            raise TypeError(f"{self} expects a {self.input_ndim}-d input, got {x.type}")
        for d in self.drop:
            if not x.type.broadcastable[d]:
                raise ValueError(f"{self} cannot drop dimension {d} of {x}: it is not "
                                 "broadcastable (length 1)")
        bcast = tuple(True if d == "x" else x.type.broadcastable[d] for d in self.new_order)
        return Apply(self, [x], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        (x,) = inputs
        res = np.transpose(x, self.shuffle + self.drop)
        kept = iter(res.shape[:len(self.shuffle)])
        shape = [1 if d == "x" else next(kept) for d in self.new_order]
        output_storage[0][0] = np.asarray(res.reshape(shape))

    def infer_shape(self, fgraph, node, shapes):
        (ishape,) = shapes
        return [tuple(1 if d == "x" else ishape[d] for d in self.new_order)]

    def L_op(self, inputs, outputs, output_grads):
        (x,) = inputs
        (gz,) = output_grads
        if x.type.dtype in discrete_dtypes:
            return [None]
        gz = as_tensor_variable(gz)
        # drop the inserted axes, then undo the permutation; dropped input axes come back as 'x'
        kept_axes = [i for i, d in enumerate(self.new_order) if d != "x"]
        grad_order = ["x"] * self.input_ndim
        for pos, d in enumerate(self.shuffle):
            grad_order[d] = kept_axes[pos]
        return [DimShuffle(gz.type.ndim, grad_order)(gz)]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]


def _runtime_broadcast_check(node, arrays) -> None:
    out_bcast = node.outputs[0].type.broadcastable
    for axis, out_b in enumerate(out_bcast):
        if out_b:
            continue
        sizes = {(i, a.shape[axis]) for i, (a, v) in enumerate(zip(arrays, node.inputs))
                 if not v.type.broadcastable[axis]}
        lengths = {n for _, n in sizes}
        if len(lengths) > 1:
            shapes = ", ".join(f"input {i}: {a.shape}" for i, a in enumerate(arrays))
            if 1 in lengths:
                culprit = min(i for i, n in sizes if n == 1)
                raise ShapeError(
                    f"input {culprit} has length 1 on axis {axis} but that axis is not declared "
                    f"broadcastable, so it may not be stretched to match ({shapes}); declare it "
                    "with T.row/T.col/T.addbroadcast or a broadcastable TensorType")
            raise ShapeError(f"shapes do not match on axis {axis}: {shapes}")


class Elemwise(Op):
    """A scalar op applied to every element of its (broadcast) inputs."""

    __props__ = ("scalar_op",)

    def __init__(self, scalar_op: ScalarOp, name: str | None = None) -> None:
        self.scalar_op = scalar_op
        self.name = name

    def __str__(self) -> str:
        """Theano's names: `Elemwise{add,no_inplace}` (symgrad's Elemwise always writes fresh
        memory), a fused node as `Elemwise{Composite{...}}`."""
        if self.name:
            return self.name
        if isinstance(self.scalar_op, Composite):
            return f"Elemwise{{{self.scalar_op}}}"
        return f"Elemwise{{{self.scalar_op},no_inplace}}"

    @property
    def undefined_gradients(self) -> dict:
        """{input index: why} for inputs the scalar op has no defined gradient for."""
        return getattr(self.scalar_op, "undefined_gradients", {})

    def make_node(self, *inputs) -> Apply:
        inputs = [as_tensor_variable(i) for i in inputs]
        ndim = max((i.type.ndim for i in inputs), default=0)
        padded = []
        for i in inputs:
            if i.type.ndim < ndim:
                pattern = ["x"] * (ndim - i.type.ndim) + list(range(i.type.ndim))
                i = DimShuffle(i.type.ndim, pattern)(i)
            padded.append(i)
        try:
            out_dtypes = self.scalar_op.output_dtypes(*[i.type.dtype for i in padded])
        except TypeError as exc:
            raise TypeError(f"{self}: {exc}") from None
        bcast = tuple(all(i.type.broadcastable[d] for i in padded) for d in range(ndim))
        return Apply(self, padded, [TensorType(d, bcast)() for d in out_dtypes])

    def perform(self, node, inputs, output_storage) -> None:
        if len(inputs) > 1:
            _runtime_broadcast_check(node, inputs)
        results = self.scalar_op.impl(*inputs)
        if len(node.outputs) == 1:
            results = (results,)
        for cell, value, out in zip(output_storage, results, node.outputs):
            cell[0] = np.asarray(value, dtype=out.type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        out = []
        for axis, b in enumerate(node.outputs[0].type.broadcastable):
            dims = [s[axis] for s, v in zip(shapes, node.inputs)
                    if not v.type.broadcastable[axis]]
            out.append(1 if b or not dims else dims[0])
        return [tuple(out)] * len(node.outputs)

    def _lifted_partials(self, inputs, outputs, output_grads) -> list:
        """The scalar op's gradient built as a scalar graph, then lifted node by node to
        Elemwise ops over the tensors (not yet summed over broadcast axes)."""
        s_inputs = [ScalarType(i.type.dtype)() for i in inputs]
        s_outputs = self.scalar_op.make_node(*s_inputs).outputs
        ograds = [g if g is not None else outputs[k].zeros_like()
                  for k, g in enumerate(output_grads)]
        s_ograds = [ScalarType(g.type.dtype)() for g in ograds]
        s_igrads = self.scalar_op.L_op(s_inputs, s_outputs, s_ograds)
        lifted = dict(zip(s_inputs, inputs))
        lifted.update(zip(s_outputs, outputs))
        lifted.update(zip(s_ograds, ograds))
        return [None if g is None else _lift_scalar_graph(g, lifted) for g in s_igrads]

    def L_op(self, inputs, outputs, output_grads):
        partials = self._lifted_partials(inputs, outputs, output_grads)
        return [None if g is None else _sum_to_broadcast(g, inp, outputs[0])
                for g, inp in zip(partials, inputs)]

    def R_op(self, inputs, eval_points):
        """Forward mode: the scalar op's R_op (built from its gradient) lifted to tensors."""
        s_inputs = [ScalarType(i.type.dtype)() for i in inputs]
        s_points = [None if e is None else ScalarType(e.type.dtype)() for e in eval_points]
        s_tangents = self.scalar_op.R_op(s_inputs, s_points)
        lifted = dict(zip(s_inputs, inputs))
        lifted.update((s, e) for s, e in zip(s_points, eval_points) if s is not None)
        return [None if t is None else _lift_scalar_graph(t, lifted) for t in s_tangents]


def _lift_scalar_graph(s_var: Variable, lifted: dict) -> Variable:
    """Turn a scalar graph into the same graph of Elemwise ops over the tensors in `lifted`."""
    if s_var in lifted:
        return lifted[s_var]
    if s_var.owner is None:
        if not isinstance(s_var, Constant):
            raise ValueError(f"scalar gradient uses an unknown input {s_var}")
        out = TensorConstant(TensorType(s_var.type.dtype, ()), s_var.data)
    else:
        node = s_var.owner
        args = [_lift_scalar_graph(i, lifted) for i in node.inputs]
        res = Elemwise(node.op).make_node(*args).outputs[s_var.index]
        out = res
    lifted[s_var] = out
    return out


def _sum_to_broadcast(g: Variable, inp: Variable, like: Variable) -> Variable:
    """Shape a gradient like `inp`: fill it to the output's shape, sum over broadcast axes."""
    if g.type.broadcastable != like.type.broadcastable:
        g = Elemwise(sb.second)(like, g)
    axes = [a for a, (bi, bg) in enumerate(zip(inp.type.broadcastable, g.type.broadcastable))
            if bi and not bg]
    if axes:
        g = Sum(tuple(axes))(g)
        g = DimShuffle(g.type.ndim, _reinsert_axes(inp.type.ndim, axes))(g)
    if g.type.dtype != inp.type.dtype and inp.type.dtype not in discrete_dtypes:
        g = Elemwise(sb.Cast(inp.type.dtype))(g)
    return g


def _reinsert_axes(ndim: int, axes) -> list:
    pattern, k = [], 0
    for a in range(ndim):
        if a in axes:
            pattern.append("x")
        else:
            pattern.append(k)
            k += 1
    return pattern


# --- reductions -------------------------------------------------------------------------------
_numpy_reducers = {
    sb.Add: np.sum, sb.Mul: np.prod, sb.Maximum: np.max, sb.Minimum: np.min,
    sb.AND: np.all, sb.OR: np.any,
}


def _acc_dtype(scalar_op: ScalarOp, dtype: str) -> str:
    if isinstance(scalar_op, (sb.Add, sb.Mul)):
        if dtype == "bool" or dtype.startswith("int"):
            return "int64"
        if dtype.startswith("uint"):
            return "uint64"
    if isinstance(scalar_op, (sb.AND, sb.OR)):
        return "bool"
    return dtype


class CAReduce(Op):
    """Reduce over `axis` (a sorted tuple, or None for all) with an associative scalar op."""

    __props__ = ("scalar_op", "axis", "dtype")

    def __init__(self, scalar_op: ScalarOp, axis=None, dtype: str | None = None) -> None:
        self.scalar_op = scalar_op
        if axis is not None:
            axis = tuple(sorted({int(a) for a in (axis if isinstance(axis, (tuple, list))
                                                  else (axis,))}))
        self.axis = axis
        self.dtype = dtype

    def __str__(self) -> str:
        """Theano's forms: `Sum{axis=[0], acc_dtype=float64}` for sums and products (which
        carry the dtype they accumulate in), `Max{axis=[0, 1]}` for the others."""
        name = {sb.Add: "Sum", sb.Mul: "Prod", sb.Maximum: "Max", sb.Minimum: "Min",
                sb.AND: "All", sb.OR: "Any"}.get(type(self.scalar_op),
                                                 f"CAReduce{{{self.scalar_op}}}")
        params = [] if self.axis is None else [f"axis={list(self.axis)}"]
        if isinstance(self.scalar_op, (sb.Add, sb.Mul)) and self.dtype is not None:
            params.append(f"acc_dtype={self.dtype}")
        return f"{name}{{{', '.join(params)}}}" if params else name

    def _axes(self, ndim: int) -> tuple:
        if self.axis is None:
            return tuple(range(ndim))
        return tuple(a + ndim if a < 0 else a for a in self.axis)

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        axes = self._axes(x.type.ndim)
        for a in axes:
            if not 0 <= a < x.type.ndim:
                raise ValueError(f"axis {a} is out of range for {x} with {x.type.ndim} dims")
        dtype = self.dtype or _acc_dtype(self.scalar_op, x.type.dtype)
        if self.axis is None or self.axis != axes or self.dtype is None:
            # the node's op names its axes and dtype, so it prints them as Theano's does
            return CAReduce(self.scalar_op, axes, dtype).make_node(x)
        bcast = tuple(b for a, b in enumerate(x.type.broadcastable) if a not in axes)
        return Apply(self, [x], [TensorType(dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        (x,) = inputs
        out_dtype = node.outputs[0].type.dtype
        reducer = _numpy_reducers[type(self.scalar_op)]
        if reducer in (np.sum, np.prod):
            res = reducer(x, axis=self.axis, dtype=out_dtype)
        elif x.size == 0 and reducer in (np.max, np.min):
            raise ValueError(f"{self}: cannot reduce an empty array of shape {x.shape}")
        else:
            res = reducer(x, axis=self.axis)
        output_storage[0][0] = np.asarray(res, dtype=out_dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [tuple(s for a, s in enumerate(shapes[0]) if a not in self.axis)]

    def _expand(self, v: Variable, ndim: int) -> Variable:
        """Put the reduced axes back as broadcastable axes."""
        return DimShuffle(v.type.ndim, _reinsert_axes(ndim, self.axis))(v)

    def L_op(self, inputs, outputs, output_grads):
        (x,) = inputs
        (gz,) = output_grads
        (out,) = outputs
        if x.type.dtype in discrete_dtypes or out.type.dtype in discrete_dtypes:
            return [None]
        gz_b = self._expand(gz, x.type.ndim)
        op = self.scalar_op
        if isinstance(op, sb.Add):
            return [Elemwise(sb.second)(x, gz_b)]
        out_b = self._expand(out, x.type.ndim)
        if isinstance(op, (sb.Maximum, sb.Minimum)):
            return [_chooser_reduce_grad(self, x, gz_b, out_b)]
        if isinstance(op, sb.Mul):
            return [_prod_grad(self, x, gz_b, out_b)]
        raise NotImplementedError(f"{self} has no gradient")

    def R_op(self, inputs, eval_points):
        (x,) = inputs
        (ev,) = eval_points
        if ev is None:
            return [None]
        if isinstance(self.scalar_op, sb.Add):
            return [self(ev)]
        out = self(x)
        (gx,) = self.L_op(inputs, [out], [out.ones_like()])
        return [Sum(self.axis)(Elemwise(sb.mul)(gx, ev))]


def _chooser_reduce_grad(op: CAReduce, x, gz_b, out_b):
    """Max/min: the gradient is split equally among the positions holding the extremum (as
    JAX), so each reduced line's input gradients sum to its output gradient."""
    E = Elemwise
    hit = E(sb.eq)(x, out_b)
    count = op._expand(CAReduce(sb.add, op.axis, x.type.dtype)(hit), x.type.ndim)
    one = TensorConstant(TensorType(x.type.dtype, ()), 1)
    # a line whose maximum is nan matches nowhere: count 0, kept from dividing by zero
    return E(sb.true_div)(E(sb.mul)(gz_b, hit), E(sb.maximum)(count, one))


def _prod_grad(op: CAReduce, x, gz_b, out_b):
    """d prod / d x_i = product of the others, exact with zeros: when x_i is the only zero it
    is the product of the non-zeros; when there are more zeros it is 0."""
    E = Elemwise
    zero = TensorConstant(TensorType(x.type.dtype, ()), 0)
    one = TensorConstant(TensorType(x.type.dtype, ()), 1)
    is_zero = E(sb.eq)(x, zero)
    nonzero_x = E(sb.switch)(is_zero, one, x)
    prod_nonzero = op._expand(CAReduce(sb.mul, op.axis)(nonzero_x), x.type.ndim)
    n_zeros = op._expand(CAReduce(sb.add, op.axis)(is_zero), x.type.ndim)
    one_zero = E(sb.eq)(n_zeros, TensorConstant(TensorType("int64", ()), 1))
    at_zero = E(sb.switch)(one_zero, prod_nonzero, zero)
    elsewhere = E(sb.true_div)(out_b, nonzero_x)
    return E(sb.mul)(gz_b, E(sb.switch)(is_zero, at_zero, elsewhere))


def Sum(axis=None, dtype=None) -> CAReduce:
    return CAReduce(sb.add, axis, dtype)
