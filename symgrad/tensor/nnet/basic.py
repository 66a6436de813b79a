"""Activations, softmax and cross-entropies: the `T.nnet` functions that are not convolutions.

Smooth activations are compositions of Elemwise ops, so they fuse and differentiate for free.
Softmax, log-softmax and the integer-label cross-entropy are ops of their own: they subtract the
row maximum before exponentiating, and their gradients are single ops instead of the chain of
exp/sum/div gradients the naive formula would produce.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply
from symgrad.graph.op import Op
from symgrad.scalar.type import discrete_dtypes, float_dtypes, upgrade_to_float_dtype
from symgrad.tensor.basic import as_tensor_variable, cast, constant, ones_like, switch
from symgrad.tensor.math import (
    abs_,
    clip,
    exp,
    expm1,
    gt,
    log,
    log1p,
    minimum,
    sigmoid,
    softplus,
)
from symgrad.tensor.math import (
    sum as tsum,
)
from symgrad.tensor.type import TensorType


def _float_input(x, what: str):
    """x as a float tensor: integers are promoted as exp promotes them; complex is refused."""
    x = as_tensor_variable(x)
    if x.type.dtype not in float_dtypes and x.type.dtype not in discrete_dtypes:
        raise TypeError(f"{what} needs a real input, got {x} of type {x.type}")
    dtype = upgrade_to_float_dtype(x.type.dtype)
    return x if dtype == x.type.dtype else cast(x, dtype)


def _const(value: float, like):
    """A scalar constant in `like`'s dtype, so float32 graphs stay float32."""
    return constant(value, dtype=like.type.dtype)


def _check_axis(x, axis: int, what: str) -> int:
    ndim = x.type.ndim
    if ndim == 0:
        raise TypeError(f"{what} needs at least a vector, got the scalar {x}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{what}: axis {axis} is out of range for {x} with {ndim} dims")
    return axis % ndim


# --- elementwise activations --------------------------------------------------------------
def hard_sigmoid(x):
    """Piecewise-linear sigmoid: clip(0.2 * x + 0.5, 0, 1)."""
    x = _float_input(x, "hard_sigmoid")
    return clip(x * _const(0.2, x) + _const(0.5, x), _const(0.0, x), _const(1.0, x))


def ultra_fast_sigmoid(x):
    """A cheap sigmoid (absolute error below 0.025): 0.5 + 0.5 * tanh(x / 2), with tanh replaced
    by its (3, 2) Pade approximant u (27 + u^2) / (27 + 9 u^2), clipped to [-1, 1]."""
    x = _float_input(x, "ultra_fast_sigmoid")
    u = x * _const(0.5, x)
    u2 = u * u
    t = u * (_const(27.0, x) + u2) / (_const(27.0, x) + _const(9.0, x) * u2)
    half = _const(0.5, x)
    return half + half * clip(t, _const(-1.0, x), _const(1.0, x))


def softsign(x):
    """x / (1 + |x|)."""
    x = _float_input(x, "softsign")
    return x / (_const(1.0, x) + abs_(x))


def relu(x, alpha=0):
    """Rectifier: x where x > 0, else alpha * x (a leaky rectifier when alpha != 0). At x == 0
    the gradient is alpha (0 for the plain rectifier, as JAX)."""
    x = _float_input(x, "relu")
    if isinstance(alpha, (int, float)) and alpha == 0:
        return switch(gt(x, _const(0.0, x)), x, _const(0.0, x))
    alpha = _const(alpha, x) if isinstance(alpha, (int, float)) else as_tensor_variable(alpha)
    return switch(gt(x, _const(0.0, x)), x, alpha * x)


def elu(x, alpha=1.0):
    """Exponential linear unit: x where x > 0, else alpha * (exp(x) - 1)."""
    x = _float_input(x, "elu")
    alpha = _const(alpha, x) if isinstance(alpha, (int, float)) else as_tensor_variable(alpha)
    # expm1 sees min(x, 0) so the branch switch discards cannot overflow into a nan gradient
    return switch(gt(x, _const(0.0, x)), x, alpha * expm1(minimum(x, _const(0.0, x))))


# --- softmax family -----------------------------------------------------------------------
def _np_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class _AlongAxis(Op):
    """An op normalising along one axis, stored non-negative so that equal ops compare equal."""

    __props__ = ("axis",)
    label = ""

    def __init__(self, axis: int = -1) -> None:
        self.axis = int(axis)

    def __str__(self) -> str:
        return f"{self.label}{{axis={self.axis}}}"

    def _normalised(self, x):
        axis = _check_axis(x, self.axis, self.label)
        return self if axis == self.axis else type(self)(axis)


class Softmax(_AlongAxis):
    """exp(x) / sum(exp(x)) along `axis`, computed after subtracting the maximum."""

    label = "Softmax"

    def make_node(self, x) -> Apply:
        x = _float_input(x, "softmax")
        op = self._normalised(x)
        return Apply(op, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = _np_softmax(inputs[0], self.axis)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        return [SoftmaxGrad(self.axis)(output_grads[0], outputs[0])]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        # the Jacobian diag(s) - s s^T is symmetric, so J v is the same product as v^T J
        return [SoftmaxGrad(self.axis)(eval_points[0], self(inputs[0]))]


class SoftmaxGrad(_AlongAxis):
    """Gradient of softmax: (dy, s) -> s * (dy - sum(dy * s, axis))."""

    label = "SoftmaxGrad"

    def make_node(self, dy, sm) -> Apply:
        dy, sm = as_tensor_variable(dy), as_tensor_variable(sm)
        if dy.type.ndim != sm.type.ndim:
            raise TypeError(f"SoftmaxGrad: {dy} ({dy.type}) and {sm} ({sm.type}) differ in rank")
        op = self._normalised(sm)
        return Apply(op, [dy, sm], [sm.type.clone(broadcastable=sm.type.broadcastable)()])

    def perform(self, node, inputs, output_storage) -> None:
        dy, sm = inputs
        dy_sm = dy * sm
        out = dy_sm - sm * np.sum(dy_sm, axis=self.axis, keepdims=True)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[1]]

    def L_op(self, inputs, outputs, output_grads):
        # out = s*dy - s*c with c = sum(dy*s); differentiate each term by hand
        dy, sm = inputs
        (g,) = output_grads
        c = tsum(dy * sm, axis=self.axis, keepdims=True)
        g_dy = SoftmaxGrad(self.axis)(g, sm)
        g_sm = g * (dy - c) - dy * tsum(g * sm, axis=self.axis, keepdims=True)
        return [g_dy, g_sm]

    def R_op(self, inputs, eval_points):
        dy, sm = inputs
        e_dy, e_sm = eval_points
        terms = []
        if e_dy is not None:
            terms.append(SoftmaxGrad(self.axis)(e_dy, sm))
        if e_sm is not None:
            c = tsum(dy * sm, axis=self.axis, keepdims=True)
            terms.append(e_sm * (dy - c) - sm * tsum(dy * e_sm, axis=self.axis, keepdims=True))
        if not terms:
            return [None]
        return [terms[0] if len(terms) == 1 else terms[0] + terms[1]]


class LogSoftmax(_AlongAxis):
    """x - logsumexp(x) along `axis`, stable for large inputs."""

    label = "LogSoftmax"

    def make_node(self, x) -> Apply:
        x = _float_input(x, "log_softmax")
        op = self._normalised(x)
        return Apply(op, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        output_storage[0][0] = _np_log_softmax(inputs[0], self.axis)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        (g,) = output_grads
        # d out_i / d x_j = delta_ij - softmax_j, and softmax = exp(out) is already at hand
        return [g - exp(outputs[0]) * tsum(g, axis=self.axis, keepdims=True)]

    def R_op(self, inputs, eval_points):
        (v,) = eval_points
        if v is None:
            return [None]
        sm = Softmax(self.axis)(inputs[0])
        return [v - tsum(sm * v, axis=self.axis, keepdims=True)]


def softmax(c, axis: int = -1):
    """Softmax along `axis` (the last one by default, Theano's rows of a matrix)."""
    return Softmax(axis)(c)


def log_softmax(c, axis: int = -1):
    """log(softmax(c)) computed without forming softmax: stable for large inputs."""
    return LogSoftmax(axis)(c)


logsoftmax = log_softmax


def softmax_with_bias(x, b):
    """softmax(x + b) for a matrix x and a bias vector b, over the rows."""
    return softmax(as_tensor_variable(x) + as_tensor_variable(b), axis=-1)


def softmax_grad(dy, sm, axis: int = -1):
    return SoftmaxGrad(axis)(dy, sm)


# --- cross-entropies ----------------------------------------------------------------------
def _check_labels(labels) -> None:
    if labels.type.dtype not in discrete_dtypes or labels.type.dtype == "bool":
        raise TypeError(f"class labels must be an integer vector, got {labels} ({labels.type})")
    if labels.type.ndim != 1:
        raise TypeError(f"class labels must be a vector, got {labels} with {labels.type.ndim} "
                        "dims")


def _picked(coding: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """coding[i, labels[i]] for each row, with a clear error for a bad label or length."""
    if coding.shape[0] != labels.shape[0]:
        raise ValueError(f"{coding.shape[0]} rows of probabilities but {labels.shape[0]} labels")
    if labels.size and (labels.min() < 0 or labels.max() >= coding.shape[1]):
        raise ValueError(f"labels must lie in [0, {coding.shape[1]}), got values from "
                         f"{labels.min()} to {labels.max()}")
    return coding[np.arange(labels.shape[0]), labels]


class CrossentropyCategorical1Hot(Op):
    """-log(coding_dist[i, labels[i]]) for each row i: cross-entropy with integer labels."""

    def make_node(self, coding_dist, labels) -> Apply:
        coding = _float_input(coding_dist, "categorical_crossentropy")
        labels = as_tensor_variable(labels)
        if coding.type.ndim != 2:
            raise TypeError(f"categorical_crossentropy with integer labels needs a matrix of "
                            f"probabilities, got {coding} ({coding.type})")
        _check_labels(labels)
        out = TensorType(coding.type.dtype, coding.type.broadcastable[:1])()
        return Apply(self, [coding, labels], [out])

    def perform(self, node, inputs, output_storage) -> None:
        coding, labels = inputs
        out = -np.log(_picked(coding, labels))
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[0][:1]]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, output_grads):
        coding, labels = inputs
        return [CrossentropyCategorical1HotGrad()(output_grads[0], coding, labels), None]

    def R_op(self, inputs, eval_points):
        coding, labels = inputs
        if eval_points[0] is None:
            return [None]
        per_unit = CrossentropyCategorical1HotGrad()(ones_like(self(coding, labels)), coding,
                                                     labels)
        return [tsum(per_unit * eval_points[0], axis=1)]


class CrossentropyCategorical1HotGrad(Op):
    """(g, coding, labels) -> a matrix of zeros holding -g[i] / coding[i, labels[i]] at the
    labelled positions: the gradient of CrossentropyCategorical1Hot."""

    r_op_from_l_op = True  # forward mode: its L_op, transposed

    def make_node(self, g, coding, labels) -> Apply:
        g, coding, labels = (as_tensor_variable(v) for v in (g, coding, labels))
        if g.type.ndim != 1 or coding.type.ndim != 2:
            raise TypeError(f"CrossentropyCategorical1HotGrad takes a vector and a matrix, got "
                            f"{g.type} and {coding.type}")
        _check_labels(labels)
        return Apply(self, [g, coding, labels], [coding.type()])

    def perform(self, node, inputs, output_storage) -> None:
        g, coding, labels = inputs
        out = np.zeros_like(coding, dtype=node.outputs[0].type.dtype)
        rows = np.arange(labels.shape[0])
        out[rows, labels] = -g / _picked(coding, labels)
        output_storage[0][0] = out

    def infer_shape(self, fgraph, node, shapes):
        return [shapes[1]]

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def L_op(self, inputs, outputs, output_grads):
        g, coding, labels = inputs
        (gz,) = output_grads
        # the op is -g * onehot / coding; `unit` is -onehot / coding
        unit = CrossentropyCategorical1HotGrad()(ones_like(g), coding, labels)
        g_g = tsum(gz * unit, axis=1)
        g_coding = gz * g.dimshuffle(0, "x") * unit * unit
        return [g_g, g_coding, None]


crossentropy_categorical_1hot = CrossentropyCategorical1Hot()


def categorical_crossentropy(coding_dist, true_dist):
    """Cross-entropy of each row of `coding_dist` (probabilities) against `true_dist`: a matrix
    of target distributions (e.g. one-hot), or a vector of integer class labels."""
    coding = _float_input(coding_dist, "categorical_crossentropy")
    true_dist = as_tensor_variable(true_dist)
    if true_dist.type.ndim == coding.type.ndim:
        return -tsum(true_dist * log(coding), axis=coding.type.ndim - 1)
    if true_dist.type.ndim == coding.type.ndim - 1:
        return crossentropy_categorical_1hot(coding, true_dist)
    raise TypeError(f"categorical_crossentropy: true_dist must have the rank of coding_dist "
                    f"(distributions) or one less (integer labels); got {true_dist.type} and "
                    f"{coding.type}")


def binary_crossentropy(output, target):
    """-(target * log(output) + (1 - target) * log(1 - output)), elementwise."""
    output = _float_input(output, "binary_crossentropy")
    target = as_tensor_variable(target)
    one = _const(1.0, output)
    return -(target * log(output) + (one - target) * log1p(-output))


def sigmoid_binary_crossentropy(output, target):
    """binary_crossentropy(sigmoid(output), target) from the pre-sigmoid `output`, through
    softplus so that large |output| neither overflows nor loses the gradient."""
    output = _float_input(output, "sigmoid_binary_crossentropy")
    target = as_tensor_variable(target)
    one = _const(1.0, output)
    return target * softplus(-output) + (one - target) * softplus(output)


__all__ = [
    "CrossentropyCategorical1Hot", "CrossentropyCategorical1HotGrad", "LogSoftmax", "Softmax",
    "SoftmaxGrad", "binary_crossentropy", "categorical_crossentropy",
    "crossentropy_categorical_1hot", "elu", "hard_sigmoid", "log_softmax", "logsoftmax", "relu",
    "sigmoid", "sigmoid_binary_crossentropy", "softmax", "softmax_grad", "softmax_with_bias",
    "softplus", "softsign", "ultra_fast_sigmoid",
]
