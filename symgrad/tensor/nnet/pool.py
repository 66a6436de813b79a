"""2-d pooling over the last two axes (`theano.tensor.signal.pool.pool_2d`) and its gradients.

Pool computes max, sum or average over (possibly overlapping, padded) windows. Its gradients are
ops of their own: MaxPoolGrad routes each output gradient to the window's maximum (split
equally among the positions of a window that tie for the maximum, as JAX does),
AveragePoolGrad spreads it over the window, and MaxPoolRop (the adjoint of MaxPoolGrad) picks
values at the maxima, serving as Pool's R_op and as the second derivative. Every op loops over
the window's taps (a handful) and handles all windows of one tap with a strided slice.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.scalar.type import discrete_dtypes, float_dtypes, upgrade_to_float_dtype
from symgrad.tensor.basic import as_tensor_variable, cast, ones_like, switch, zeros_like
from symgrad.tensor.math import gt, maximum
from symgrad.tensor.type import TensorType

MODES = ("max", "sum", "average_inc_pad", "average_exc_pad")


def _pair(value, what: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    pair = tuple(int(v) for v in value)
    if len(pair) != 2:
        raise ValueError(f"{what} must be a pair of ints, got {value!r}")
    return pair


class _PoolOp(Op):
    """Holds the window geometry shared by Pool and its gradient ops."""

    __props__ = ("ws", "ignore_border", "stride", "pad", "mode")

    def __init__(self, ws, ignore_border: bool = False, stride=None, pad=(0, 0),
                 mode: str = "max") -> None:
        self.ws = _pair(ws, "ws")
        self.stride = self.ws if stride is None else _pair(stride, "stride")
        self.pad = _pair(pad, "pad")
        self.ignore_border = bool(ignore_border)
        if mode == "average":
            mode = "average_inc_pad"
        if mode not in MODES:
            raise ValueError(f"pool mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        if min(self.ws) < 1 or min(self.stride) < 1:
            raise ValueError(f"pool window {self.ws} and stride {self.stride} must be positive")
        if min(self.pad) < 0 or any(p >= w for p, w in zip(self.pad, self.ws)):
            raise ValueError(f"pool padding {self.pad} must be non-negative and smaller than "
                             f"the window {self.ws}")
        if any(self.pad) and not self.ignore_border:
            raise NotImplementedError("pool padding works only with ignore_border=True")

    def _props_args(self):
        return self.ws, self.ignore_border, self.stride, self.pad, self.mode

    def out_len(self, n: int, axis: int) -> int:
        ws, st, pad = self.ws[axis], self.stride[axis], self.pad[axis]
        if self.ignore_border:
            return max(0, (n + 2 * pad - ws) // st + 1)
        if st >= ws:
            return (n - 1) // st + 1 if n > 0 else 0
        return max(0, (n - 1 - ws + st) // st) + 1 if n > 0 else 0

    def out_shape(self, shape) -> tuple:
        return tuple(shape[:-2]) + (self.out_len(shape[-2], 0), self.out_len(shape[-1], 1))

    def _symbolic_out_len(self, n, axis: int):
        ws, st, pad = self.ws[axis], self.stride[axis], self.pad[axis]
        if self.ignore_border:
            return maximum((n + 2 * pad - ws) // st + 1, 0)
        if st >= ws:
            return (n - 1) // st + 1
        return maximum((n - 1 - ws + st) // st, 0) + 1

    # --- numpy geometry -------------------------------------------------------------------
    def _padded(self, x: np.ndarray, fill, out) -> np.ndarray:
        """x inside a buffer that every window of the output fits, `fill` outside x."""
        rows = max(x.shape[-2] + 2 * self.pad[0], (out[0] - 1) * self.stride[0] + self.ws[0])
        cols = max(x.shape[-1] + 2 * self.pad[1], (out[1] - 1) * self.stride[1] + self.ws[1])
        buf = np.full(x.shape[:-2] + (rows, cols), fill, dtype=x.dtype)
        buf[..., self.pad[0]:self.pad[0] + x.shape[-2], self.pad[1]:self.pad[1] + x.shape[-1]] = x
        return buf

    def _taps(self, out):
        """For each tap of the window, the slices selecting that tap of every window."""
        (sr, sc), (oh, ow) = self.stride, out
        for i in range(self.ws[0]):
            for j in range(self.ws[1]):
                yield (..., slice(i, i + (oh - 1) * sr + 1, sr),
                       slice(j, j + (ow - 1) * sc + 1, sc))

    def _crop(self, buf: np.ndarray, shape) -> np.ndarray:
        return buf[..., self.pad[0]:self.pad[0] + shape[-2], self.pad[1]:self.pad[1] + shape[-1]]

    def _divisor(self, shape, out) -> np.ndarray:
        """How many elements each window averages over (padding included or not)."""
        region = np.zeros(self._padded(np.zeros(shape[-2:]), 0.0, out).shape)
        if self.mode == "average_inc_pad":
            region[:shape[-2] + 2 * self.pad[0], :shape[-1] + 2 * self.pad[1]] = 1
        else:
            region[self.pad[0]:self.pad[0] + shape[-2], self.pad[1]:self.pad[1] + shape[-1]] = 1
        return sum(region[tap] for tap in self._taps(out))

    def _lowest(self, dtype):
        return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min

    def _empty(self, out) -> bool:
        return min(out[-2:]) == 0

    def forward(self, x: np.ndarray) -> np.ndarray:
        out = self.out_shape(x.shape)
        if self._empty(out):
            return np.zeros(out, dtype=x.dtype)
        if self.mode == "max":
            buf = self._padded(x, self._lowest(x.dtype), out[-2:])
            taps = self._taps(out[-2:])
            res = buf[next(taps)].copy()
            for tap in taps:
                np.maximum(res, buf[tap], out=res)
            return res
        buf = self._padded(x, 0, out[-2:])
        res = sum(buf[tap] for tap in self._taps(out[-2:]))
        if self.mode != "sum":
            res = res / self._divisor(x.shape, out[-2:])
        return res

    def max_grad(self, x, pooled, gz) -> np.ndarray:
        out = pooled.shape
        if self._empty(out):
            return np.zeros_like(x)
        buf = self._padded(x, self._lowest(x.dtype), out[-2:])
        share = gz / self._ties(x, buf, pooled)
        grad = np.zeros(buf.shape, dtype=gz.dtype)
        for tap in self._taps(out[-2:]):
            grad[tap] += np.where(buf[tap] == pooled, share, 0)
        return self._crop(grad, x.shape)

    def _ties(self, x, buf, pooled) -> np.ndarray:
        """How many positions of x inside each window hold the window's maximum (at least 1,
        so a window that matches nowhere divides by 1)."""
        inside = self._padded(np.ones(x.shape, dtype=bool), False, pooled.shape[-2:])
        count = np.zeros(pooled.shape, dtype="int64")
        for tap in self._taps(pooled.shape[-2:]):
            count += (buf[tap] == pooled) & inside[tap]
        return np.maximum(count, 1)

    def max_pick(self, x, pooled, v) -> np.ndarray:
        out = pooled.shape
        res = np.zeros(out, dtype=v.dtype)
        if self._empty(out):
            return res
        buf = self._padded(x, self._lowest(x.dtype), out[-2:])
        vbuf = self._padded(v, 0, out[-2:])
        for tap in self._taps(out[-2:]):
            res += np.where(buf[tap] == pooled, vbuf[tap], 0)
        return (res / self._ties(x, buf, pooled)).astype(v.dtype, copy=False)

    def spread_grad(self, x_shape, gz) -> np.ndarray:
        out = gz.shape
        if self._empty(out):
            return np.zeros(x_shape, dtype=gz.dtype)
        share = gz if self.mode == "sum" else gz / self._divisor(x_shape, out[-2:])
        grad = np.zeros(self._padded(np.zeros(x_shape, dtype=gz.dtype), 0, out[-2:]).shape,
                        dtype=gz.dtype)
        for tap in self._taps(out[-2:]):
            grad[tap] += share
        return self._crop(grad, x_shape)


def _check_ndim(x, what: str):
    x = as_tensor_variable(x)
    if x.type.ndim < 2:
        raise TypeError(f"{what} pools over the last two axes and needs at least a matrix, got "
                        f"{x} ({x.type})")
    return x


class Pool(_PoolOp):
    """Max, sum or average over windows of the last two axes."""

    def make_node(self, x) -> Apply:
        x = _check_ndim(x, "pool_2d")
        if self.mode.startswith("average") and x.type.dtype not in float_dtypes:
            x = cast(x, upgrade_to_float_dtype(x.type.dtype))
        bcast = x.type.broadcastable[:-2] + (False, False)
        return Apply(self, [x], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage) -> None:
        out = self.forward(inputs[0])
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        (shp,) = shapes
        return [tuple(shp[:-2]) + (self._symbolic_out_len(shp[-2], 0),
                                   self._symbolic_out_len(shp[-1], 1))]

    def L_op(self, inputs, outputs, output_grads):
        (x,), (out,), (gz,) = inputs, outputs, output_grads
        if x.type.dtype in discrete_dtypes:
            return [None]
        if self.mode == "max":
            return [MaxPoolGrad(*self._props_args())(x, out, gz)]
        return [AveragePoolGrad(*self._props_args())(x, gz)]

    def R_op(self, inputs, eval_points):
        (x,), (v,) = inputs, eval_points
        if v is None:
            return [None]
        if self.mode == "max":
            return [MaxPoolRop(*self._props_args())(x, self(x), v)]
        return [self(v)]  # sum and average are linear


class MaxPoolGrad(_PoolOp):
    """(x, pooled, output gradient) -> gradient wrt x: each window's gradient goes to the
    position holding its maximum, split equally when several positions tie."""

    r_op_from_l_op = True  # forward mode: its L_op, transposed

    def make_node(self, x, pooled, gz) -> Apply:
        x, pooled, gz = (_check_ndim(v, "MaxPoolGrad") for v in (x, pooled, gz))
        return Apply(self, [x, pooled, gz], [TensorType(gz.type.dtype, x.type.broadcastable)()])

    def perform(self, node, inputs, output_storage) -> None:
        out = self.max_grad(*inputs)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        x, pooled, _gz = inputs
        (g,) = output_grads
        # piecewise constant in x and pooled; linear in gz with MaxPoolRop as the adjoint
        return [zeros_like(x), zeros_like(pooled), MaxPoolRop(*self._props_args())(x, pooled, g)]



class MaxPoolRop(_PoolOp):
    """(x, pooled, v) -> for each window, the mean of v over the positions holding x's
    maximum (the adjoint of MaxPoolGrad)."""

    r_op_from_l_op = True  # forward mode: its L_op, transposed

    def make_node(self, x, pooled, v) -> Apply:
        x, pooled, v = (_check_ndim(a, "MaxPoolRop") for a in (x, pooled, v))
        return Apply(self, [x, pooled, v], [TensorType(v.type.dtype, pooled.type.broadcastable)()])

    def perform(self, node, inputs, output_storage) -> None:
        out = self.max_pick(*inputs)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[1]]

    def L_op(self, inputs, outputs, output_grads):
        x, pooled, _v = inputs
        (g,) = output_grads
        return [zeros_like(x), zeros_like(pooled), MaxPoolGrad(*self._props_args())(x, pooled, g)]



class AveragePoolGrad(_PoolOp):
    """(x, output gradient) -> gradient wrt x of a sum or average pool; x gives only the
    shape."""

    r_op_from_l_op = True  # forward mode: its L_op, transposed

    def make_node(self, x, gz) -> Apply:
        x, gz = _check_ndim(x, "AveragePoolGrad"), _check_ndim(gz, "AveragePoolGrad")
        if self.mode == "max":
            raise ValueError("AveragePoolGrad is for the sum and average modes")
        return Apply(self, [x, gz], [TensorType(gz.type.dtype, x.type.broadcastable)()])

    def perform(self, node, inputs, output_storage) -> None:
        x, gz = inputs
        out = self.spread_grad(x.shape, gz)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def connection_pattern(self, node):
        return [[False], [True]]

    def L_op(self, inputs, outputs, output_grads):
        return [None, Pool(*self._props_args())(output_grads[0])]



def pool_2d(input, ws=None, ignore_border=None, stride=None, pad=(0, 0), mode: str = "max",
            ds=None, st=None, padding=None):
    """Pool the last two axes of `input` over `ws` windows moved by `stride` (default: ws).

    mode: 'max', 'sum', 'average_inc_pad' (divide by the window size, padding counted) or
    'average_exc_pad' (padding not counted). ignore_border=True drops partial windows at the
    bottom and right edges; as in Theano, the default (None) keeps them. `pad` adds a border
    (ignore_border=True only). ds, st and padding are Theano's old names for ws, stride, pad.
    """
    ws = ws if ws is not None else ds
    if ws is None:
        raise ValueError("pool_2d needs the window size ws")
    stride = stride if stride is not None else st
    pad = padding if padding is not None else pad
    return Pool(ws, bool(ignore_border), stride, pad, mode)(input)


def max_pool_2d_same_size(input, patch_size):
    """Keep each window's maximum in place and zero the rest (non-overlapping windows)."""
    input = as_tensor_variable(input)
    op = Pool(patch_size, True, None, (0, 0), "max")
    pooled = op(input)
    # every tied maximum keeps its value: the split gradient only marks where the maxima are
    marks = MaxPoolGrad(*op._props_args())(input, pooled, ones_like(pooled, "float64"))
    return switch(gt(marks, 0), input, zeros_like(input))


__all__ = ["AveragePoolGrad", "MaxPoolGrad", "MaxPoolRop", "Pool", "max_pool_2d_same_size",
           "pool_2d"]
