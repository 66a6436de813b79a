"""Products, argmax and sorting in jax.numpy."""
from __future__ import annotations

import jax.numpy as jnp

from symgrad.link.jax.dispatch import jax_funcify
from symgrad.tensor.blas import Gemv, beta_is_zero
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


@jax_funcify.register(Gemv)
def _gemv(op, node):
    skip_y = beta_is_zero(node.inputs[4])  # y is not read when beta is 0, as in BLAS

    def gemv(y, alpha, A, x, beta):
        if jnp.shape(A)[1] != jnp.shape(x)[0] or jnp.shape(A)[0] != jnp.shape(y)[0]:
            raise ValueError(f"gemv: shapes A {jnp.shape(A)}, x {jnp.shape(x)} and y "
                             f"{jnp.shape(y)} are not aligned")
        out = alpha * jnp.dot(A, x)
        return out if skip_y else jnp.where(beta == 0, out, out + beta * y)
    return gemv


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
