"""Cumulative ops, linear recurrences, repeat, nonzero and searchsorted in jax.

A LinearRecurrence y_i = b_i + a_i y_{i-1} is an associative scan over (a, b) pairs
(`lax.associative_scan`): log-depth on a device instead of a loop. Nonzero's and Repeat's
result lengths depend on their inputs' values, so those inputs are static (each new value
compiles the graph again)."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

from symgrad.link.jax.dispatch import jax_funcify, static_inputs
from symgrad.tensor.extra_ops import CumOp, LinearRecurrence, Nonzero, Repeat, SearchSorted


@jax_funcify.register(CumOp)
def _cumop(op, node):
    fn = jnp.cumsum if op.mode == "add" else jnp.cumprod
    return lambda x: fn(x, axis=op.axis)


def _combine(earlier, later):
    a1, b1 = earlier
    a2, b2 = later
    return a1 * a2, b2 + a2 * b1


@jax_funcify.register(LinearRecurrence)
def _linear_recurrence(op, node):
    dtype = node.outputs[0].type.dtype

    def linear_recurrence(a, b):
        if jnp.shape(a) != jnp.shape(b):
            raise ValueError(f"{op}: a and b differ in shape: {jnp.shape(a)}, {jnp.shape(b)}")
        a = jnp.moveaxis(jnp.asarray(a, dtype=dtype), op.axis, 0)
        b = jnp.moveaxis(jnp.asarray(b, dtype=dtype), op.axis, 0)
        if op.reverse:  # y_i = b_i + a_{i+1} y_{i+1}: the pairs shift by one
            a = jnp.concatenate([a[1:], jnp.zeros_like(a[:1])])
        _, y = lax.associative_scan(_combine, (a, b), reverse=op.reverse, axis=0)
        return jnp.moveaxis(y, 0, op.axis)
    return linear_recurrence


@jax_funcify.register(Repeat)
def _repeat(op, node):
    return lambda x, repeats: jnp.repeat(x, np.asarray(repeats), axis=op.axis)


static_inputs.register(Repeat)(lambda op, node: (1,))


@jax_funcify.register(Nonzero)
def _nonzero(op, node):
    def nonzero(x):  # folded while tracing: x is static (see static_inputs)
        return tuple(p.astype("int64") for p in np.nonzero(np.asarray(x)))
    return nonzero


static_inputs.register(Nonzero)(lambda op, node: (0,))


@jax_funcify.register(SearchSorted)
def _searchsorted(op, node):
    def searchsorted(x, v, *sorter):
        if sorter:
            x = jnp.asarray(x)[sorter[0]]
        return jnp.searchsorted(x, v, side=op.side)
    return searchsorted
