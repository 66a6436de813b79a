"""Random variables drawn with jax.random.

A generator value is a jax.random key (the linker turns a numpy Generator into one on first
use); each draw splits it, returns the next key as the op's first output (the shared
generator's update) and draws with the other half. Distributions are the same as numpy's and a
seed gives the same numbers on every run, but they are not numpy's numbers. `size` entries are
static (they decide the shape).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from symgrad.link.jax.dispatch import as_int, jax_funcify, static_inputs
from symgrad.tensor.random import basic as rb
from symgrad.tensor.random.op import RandomVariable


def _shape(op, size, params):
    if size:
        return tuple(as_int(s) for s in size)
    if not op.batched:
        return ()
    batch = [jnp.shape(p)[:jnp.ndim(p) - nd] for p, nd in zip(params, op.ndims_params)]
    return tuple(jnp.broadcast_shapes(*batch)) if batch else ()


def _uniform(key, shape, dtype, low, high):
    return jax.random.uniform(key, shape, dtype, low, high)


def _normal(key, shape, dtype, loc, scale):
    return loc + scale * jax.random.normal(key, shape, dtype)


def _binomial(key, shape, dtype, n, p):
    return jax.random.binomial(key, jnp.asarray(n, "float64"), p, shape).astype(dtype)


_DRAWS = {"uniform": _uniform, "normal": _normal, "binomial": _binomial}


def _draw_plain(op, key, shape, dtype, params):
    if op.name not in _DRAWS:
        raise NotImplementedError(f"no jax.random draw for {op.name!r}")
    return _DRAWS[op.name](key, shape, dtype, *params)


@jax_funcify.register(RandomVariable)
def _random_variable(op, node):
    dtype = node.outputs[1].type.dtype
    draw = _DRAW_BY_CLASS.get(type(op), _draw_plain)

    def random_variable(key, *rest):
        _, size, params = op.split_inputs([key, *rest])
        new_key, sub = jax.random.split(key)
        draws = draw(op, sub, _shape(op, size, params), dtype, params)
        return new_key, jnp.asarray(draws).astype(dtype)
    return random_variable


@static_inputs.register(RandomVariable)
def _size_inputs(op, node):
    _, size, _ = op.split_inputs(list(range(len(node.inputs))))
    return tuple(size)


def _integers(op, key, shape, dtype, params):
    low, high = params
    return jax.random.randint(key, shape, low, jnp.asarray(high) + 1, dtype=dtype)


def _choice(op, key, shape, dtype, params):
    a, *p = params
    a = as_int(a) if jnp.ndim(a) == 0 else a
    return jax.random.choice(key, a, shape, replace=op.replace, p=p[0] if p else None)


def _permutation(op, key, shape, dtype, params):
    (x,) = params
    x = as_int(x) if jnp.ndim(x) == 0 else x
    if not shape:
        return jax.random.permutation(key, x)
    keys = jax.random.split(key, int(jnp.prod(jnp.asarray(shape))))
    rows = jnp.stack([jax.random.permutation(k, x) for k in keys])
    return rows.reshape(shape + rows.shape[1:])


def _multinomial(op, key, shape, dtype, params):
    n, pvals = params
    batch = shape or tuple(jnp.broadcast_shapes(jnp.shape(n), jnp.shape(pvals)[:-1]))
    full = batch + jnp.shape(pvals)[-1:]
    return jax.random.multinomial(key, jnp.asarray(n, "float64"), pvals, shape=full)


_DRAW_BY_CLASS = {rb.RandomIntegersRV: _integers, rb.ChoiceRV: _choice,
                  rb.PermutationRV: _permutation, rb.MultinomialRV: _multinomial}
for _cls in _DRAW_BY_CLASS:
    jax_funcify.register(_cls)(_random_variable)


@static_inputs.register(rb.ChoiceRV)
@static_inputs.register(rb.PermutationRV)
def _count_input(op, node):  # choice(5) and permutation(5) draw from range(n): n is a shape
    sizes = _size_inputs(op, node)
    first = len(node.inputs) - len(op.ndims_params)
    return sizes + ((first,) if node.inputs[first].type.ndim == 0 else ())
