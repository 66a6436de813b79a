"""Products, argmax and sorting in jax.numpy."""
from __future__ import annotations

import jax.numpy as jnp

from symgrad.link.jax.dispatch import jax_funcify
from symgrad.tensor.math import Argmax, Dot
from symgrad.tensor.products import Matmul
from symgrad.tensor.sort import ArgSort, Sort


@jax_funcify.register(Dot)
def _dot(op, node):
    def dot(x, y):
        if jnp.shape(x)[-1] != jnp.shape(y)[0]:
            raise ValueError(f"dot: shapes {jnp.shape(x)} and {jnp.shape(y)} are not aligned")
        return jnp.dot(x, y)
    return dot


@jax_funcify.register(Matmul)
def _matmul(op, node):
    return jnp.matmul


@jax_funcify.register(Argmax)
def _argmax(op, node):
    fn = jnp.argmin if op.minimum else jnp.argmax
    return lambda x: fn(x, axis=op.axis)


@jax_funcify.register(Sort)
def _sort(op, node):
    return lambda x: jnp.sort(x, axis=op.axis, stable=op.kind in ("stable", "mergesort"))


@jax_funcify.register(ArgSort)
def _argsort(op, node):
    return lambda x: jnp.argsort(x, axis=op.axis, stable=True)
