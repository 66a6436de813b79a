"""Theano's smaller `T.nnet` functions, built from the ops in nnet.basic: selu, softmax as a
plain graph, the softmax + cross-entropy pair, and the scalar sigmoid."""
from __future__ import annotations

from symgrad.scalar.math import sigmoid as scalar_sigmoid
from symgrad.tensor.math import exp, max, sum
from symgrad.tensor.nnet.basic import crossentropy_categorical_1hot, elu, softmax

__all__ = ["crossentropy_softmax_1hot", "crossentropy_softmax_1hot_with_bias",
           "scalar_sigmoid", "selu", "softmax_graph"]

# the fixed point of self-normalising networks (Klambauer et al., 2017)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    """Scaled exponential linear unit: scale * elu(x, alpha) with the constants that keep
    activations at mean 0 and variance 1."""
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def softmax_graph(c):
    """Softmax over the last axis written as exp / sum (shifted by the max, so it does not
    overflow) instead of one Softmax op."""
    e = exp(c - max(c, axis=-1, keepdims=True))
    return e / sum(e, axis=-1, keepdims=True)


def crossentropy_softmax_1hot(x, y_idx):
    """(nll, sm): sm = softmax(x) over rows and nll[i] = -log(sm[i, y_idx[i]])."""
    sm = softmax(x)
    return crossentropy_categorical_1hot(sm, y_idx), sm


def crossentropy_softmax_1hot_with_bias(x, b, y_idx):
    """crossentropy_softmax_1hot of x + b (b a vector added to every row)."""
    return crossentropy_softmax_1hot(x + b, y_idx)
