"""Softmax, cross-entropy, convolution and pooling in jax.

Convolutions run on `lax.conv_general_dilated`; their two gradient ops are the vector-Jacobian
products of that forward function (`jax.vjp`), so they agree with it by construction. Pooling
follows the op's own window geometry (pool.py): the same padded buffer and the same taps, with
jax arrays, and the averaging divisor (which depends on shapes only) from the op itself.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from symgrad.link.jax.dispatch import as_int, jax_funcify, static_inputs
from symgrad.tensor.nnet import basic as nb
from symgrad.tensor.nnet import conv as nc
from symgrad.tensor.nnet import pool as npool


@jax_funcify.register(nb.Softmax)
def _softmax(op, node):
    return lambda x: jax.nn.softmax(x, axis=op.axis)


@jax_funcify.register(nb.LogSoftmax)
def _log_softmax(op, node):
    return lambda x: jax.nn.log_softmax(x, axis=op.axis)


@jax_funcify.register(nb.SoftmaxGrad)
def _softmax_grad(op, node):
    def softmax_grad(dy, sm):
        dy_sm = dy * sm
        return dy_sm - sm * jnp.sum(dy_sm, axis=op.axis, keepdims=True)
    return softmax_grad


def _picked(coding, labels):
    if jnp.shape(coding)[0] != jnp.shape(labels)[0]:
        raise ValueError(f"{jnp.shape(coding)[0]} rows of probabilities but "
                         f"{jnp.shape(labels)[0]} labels")
    return jnp.take_along_axis(coding, jnp.asarray(labels)[:, None], axis=1)[:, 0]


@jax_funcify.register(nb.CrossentropyCategorical1Hot)
def _xent(op, node):
    return lambda coding, labels: -jnp.log(_picked(coding, labels))


@jax_funcify.register(nb.CrossentropyCategorical1HotGrad)
def _xent_grad(op, node):
    dtype = node.outputs[0].type.dtype

    def xent_grad(g, coding, labels):
        rows = jnp.arange(jnp.shape(labels)[0])
        out = jnp.zeros(jnp.shape(coding), dtype=dtype)
        return out.at[rows, labels].set(-g / _picked(coding, labels))
    return xent_grad


# --- convolution ---------------------------------------------------------------------------
def _conv_forward(geo: nc.ConvGeometry):
    def forward(x, w):
        if jnp.shape(x)[1] != jnp.shape(w)[1]:
            raise ValueError(f"conv2d: the input has {jnp.shape(x)[1]} channels but the "
                             f"filters expect {jnp.shape(w)[1]}")
        kernel = jnp.shape(w)[2:]
        geo.out_size(jnp.shape(x)[2:], kernel)  # the op's own check that the kernel fits
        if geo.filter_flip:
            w = w[..., ::-1, ::-1]
        pad = geo.padding(kernel)
        return lax.conv_general_dilated(
            x, w, window_strides=geo.subsample, padding=[(pad[0], pad[0]), (pad[1], pad[1])],
            rhs_dilation=geo.filter_dilation, dimension_numbers=("NCHW", "OIHW", "NCHW"),
            precision=lax.Precision.HIGHEST)
    return forward


@jax_funcify.register(nc.Conv2d)
def _conv2d(op, node):
    return _conv_forward(op.geometry)


@jax_funcify.register(nc.Conv2dGradInputs)
def _conv2d_grad_inputs(op, node):
    forward = _conv_forward(op.geometry)
    dtype = node.outputs[0].type.dtype

    def grad_inputs(gz, w, rows, cols):
        shape = (jnp.shape(gz)[0], jnp.shape(w)[1], as_int(rows), as_int(cols))
        _, pullback = jax.vjp(lambda x: forward(x, w), jnp.zeros(shape, dtype))
        return pullback(gz)[0]
    return grad_inputs


@jax_funcify.register(nc.Conv2dGradWeights)
def _conv2d_grad_weights(op, node):
    forward = _conv_forward(op.geometry)
    dtype = node.outputs[0].type.dtype

    def grad_weights(x, gz, k_rows, k_cols):
        shape = (jnp.shape(gz)[1], jnp.shape(x)[1], as_int(k_rows), as_int(k_cols))
        _, pullback = jax.vjp(lambda w: forward(x, w), jnp.zeros(shape, dtype))
        return pullback(gz)[0]
    return grad_weights


static_inputs.register(nc.Conv2dGradInputs)(lambda op, node: (2, 3))
static_inputs.register(nc.Conv2dGradWeights)(lambda op, node: (2, 3))


# --- pooling -------------------------------------------------------------------------------
def _padded(op, x, fill, out):
    rows = max(x.shape[-2] + 2 * op.pad[0], (out[0] - 1) * op.stride[0] + op.ws[0])
    cols = max(x.shape[-1] + 2 * op.pad[1], (out[1] - 1) * op.stride[1] + op.ws[1])
    buf = jnp.full(x.shape[:-2] + (rows, cols), fill, dtype=x.dtype)
    return buf.at[..., op.pad[0]:op.pad[0] + x.shape[-2],
                  op.pad[1]:op.pad[1] + x.shape[-1]].set(x)


def _pool_forward(op, x):
    out = op.out_shape(x.shape)
    if op._empty(out):
        return jnp.zeros(out, dtype=x.dtype)
    taps = list(op._taps(out[-2:]))
    if op.mode == "max":
        buf = _padded(op, x, op._lowest(x.dtype), out[-2:])
        res = buf[taps[0]]
        for tap in taps[1:]:
            res = jnp.maximum(res, buf[tap])
        return res
    buf = _padded(op, x, 0, out[-2:])
    res = sum(buf[tap] for tap in taps)
    if op.mode != "sum":
        res = res / op._divisor(x.shape, out[-2:])
    return res


def _max_grad(op, x, pooled, gz):
    out = pooled.shape
    if op._empty(out):
        return jnp.zeros_like(x)
    buf = _padded(op, x, op._lowest(x.dtype), out[-2:])
    share = gz / _ties(op, x, buf, pooled)
    grad = jnp.zeros(buf.shape, dtype=gz.dtype)
    for tap in op._taps(out[-2:]):
        grad = grad.at[tap].add(jnp.where(buf[tap] == pooled, share, 0))
    return grad[..., op.pad[0]:op.pad[0] + x.shape[-2], op.pad[1]:op.pad[1] + x.shape[-1]]


def _max_pick(op, x, pooled, v):
    out = pooled.shape
    res = jnp.zeros(out, dtype=v.dtype)
    if op._empty(out):
        return res
    buf = _padded(op, x, op._lowest(x.dtype), out[-2:])
    vbuf = _padded(op, v, 0, out[-2:])
    for tap in op._taps(out[-2:]):
        res = res + jnp.where(buf[tap] == pooled, vbuf[tap], 0)
    return (res / _ties(op, x, buf, pooled)).astype(v.dtype)


def _ties(op, x, buf, pooled):
    """How many positions of x (not padding) in each window hold its maximum, at least 1: the
    gradient is split equally among tied maxima, as pool.py does."""
    inside = _padded(op, jnp.ones(x.shape, dtype=bool), False, pooled.shape[-2:])
    count = jnp.zeros(pooled.shape, dtype="int32")
    for tap in op._taps(pooled.shape[-2:]):
        count = count + ((buf[tap] == pooled) & inside[tap])
    return jnp.maximum(count, 1)


def _spread_grad(op, x, gz):
    out, x_shape = gz.shape, x.shape
    if op._empty(out):
        return jnp.zeros(x_shape, dtype=gz.dtype)
    share = gz if op.mode == "sum" else gz / op._divisor(x_shape, out[-2:])
    grad = jnp.zeros(_padded(op, jnp.zeros(x_shape, gz.dtype), 0, out[-2:]).shape, gz.dtype)
    for tap in op._taps(out[-2:]):
        grad = grad.at[tap].add(share)
    return grad[..., op.pad[0]:op.pad[0] + x_shape[-2], op.pad[1]:op.pad[1] + x_shape[-1]]


def _with_arrays(fn):
    return lambda op, node: lambda *xs: fn(op, *[jnp.asarray(x) for x in xs])


jax_funcify.register(npool.Pool)(_with_arrays(_pool_forward))
jax_funcify.register(npool.MaxPoolGrad)(_with_arrays(_max_grad))
jax_funcify.register(npool.MaxPoolRop)(_with_arrays(_max_pick))
jax_funcify.register(npool.AveragePoolGrad)(_with_arrays(_spread_grad))
