"""The MRG31k3p ops (tensor/random/mrg.py) in jax.numpy, with the same numbers as the VM.

The generator is an integer recurrence: the state is stepped in int64 (x64 is on, see
linker.py) by the same shifts and conditional subtractions as `advance`, so the new state is
exact, and the uniforms are the same float64 product rounded to the output dtype. Full rounds
over all streams run in a `lax.scan`; a partial last round moves the first streams only.

Multinomial and choice from uniforms are deterministic; their cumulative sums are taken one
category after another (a `lax.scan` over categories, not jnp.cumsum, whose tree order would
round differently), so every comparison sees the VM's float64 values. Sizes and draw counts
decide shapes, so they are compile-time values.
"""
from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from symgrad.link.jax.dispatch import as_int, jax_funcify, static_inputs
from symgrad.tensor.random.mrg import (
    M1,
    M2,
    NORMS,
    ChoiceFromUniform,
    MRGUniform,
    MultinomialFromUniform,
)


def _advance(state):
    """(state stepped once, x1 - x2 mod M1 in [1, M1]) for an (m, 6) int64 state."""
    x11, x12, x13, x21, x22, x23 = (state[:, k] for k in range(6))
    # 2**22 * x12 and 2**7 * x13 mod M1 by shifts (2**31 = 1 mod M1), then + x13
    y1 = ((x12 & 511) << 22) + (x12 >> 9) + ((x13 & 16777215) << 7) + (x13 >> 24)
    y1 = jnp.where(y1 >= M1, y1 - M1, y1) + x13
    y1 = jnp.where(y1 >= M1, y1 - M1, y1)
    # 2**15 * x mod M2 by shifts (2**31 = 21069 mod M2)
    z1 = ((x21 & 65535) << 15) + 21069 * (x21 >> 16)
    z1 = jnp.where(z1 >= M2, z1 - M2, z1)
    z2 = ((x23 & 65535) << 15) + 21069 * (x23 >> 16)
    z2 = jnp.where(z2 >= M2, z2 - M2, z2) + x23
    z2 = jnp.where(z2 >= M2, z2 - M2, z2) + z1
    z2 = jnp.where(z2 >= M2, z2 - M2, z2)
    stepped = jnp.stack([y1, x11, x12, z2, x21, x22], axis=1)
    return stepped, jnp.where(y1 <= z2, y1 - z2 + M1, y1 - z2)


def mrg_uniforms(state, n: int, dtype: str):
    """(new int32 state, n uniforms of dtype) from an (n_streams, 6) int32 state."""
    work = jnp.asarray(state).astype("int64")
    n_streams = work.shape[0]
    rounds, rest = divmod(n, n_streams)
    parts = []
    if rounds:
        work, diffs = lax.scan(lambda st, _: _advance(st), work, None, length=rounds)
        parts.append(diffs.reshape(-1))  # round 0 of every stream, then round 1 ...
    if rest:
        stepped, diff = _advance(work[:rest])
        work = work.at[:rest].set(stepped)
        parts.append(diff)
    diffs = jnp.concatenate(parts) if parts else jnp.zeros((0,), "int64")
    draws = (diffs.astype("float64") * NORMS[dtype]).astype(dtype)
    return work.astype("int32"), draws


@jax_funcify.register(MRGUniform)
def _mrg_uniform(op: MRGUniform, node):
    def mrg_uniform(state, *size):
        shape = tuple(as_int(s) for s in size)
        if jnp.shape(state)[1:] != (6,) or jnp.shape(state)[0] == 0:
            raise ValueError(f"{op}: the state must have shape (n_streams, 6), "
                             f"got {jnp.shape(state)}")
        if any(s < 0 for s in shape):
            raise ValueError(f"{op}: negative size {shape}")
        n = 1
        for s in shape:
            n *= s
        new_state, draws = mrg_uniforms(state, n, op.dtype)
        return new_state, draws.reshape(shape)
    return mrg_uniform


@static_inputs.register(MRGUniform)
def _mrg_size_inputs(op, node):
    return tuple(range(1, len(node.inputs)))


@static_inputs.register(MultinomialFromUniform)
@static_inputs.register(ChoiceFromUniform)
def _draw_count_input(op, node):
    return (2,)


def _running_sums(p):
    """Cumulative sums along the last axis of a (rows, k) float64 array, left to right."""
    def add(total, column):
        total = total + column
        return total, total
    _, sums = lax.scan(add, jnp.zeros(p.shape[0], p.dtype), p.T)
    return sums.T


def _uniform_rows(op, pvals, unis, count: int):
    """The uniforms as (count, rows) float64: draw c of row r reads unis[c * rows + r]."""
    rows = jnp.shape(pvals)[0]
    if jnp.shape(unis)[0] != rows * count:
        raise ValueError(f"{op}: {jnp.shape(unis)[0]} uniforms for {rows} rows and "
                         f"{count} draws each (need rows * draws)")
    return jnp.asarray(unis).astype("float64").reshape(count, rows)


@jax_funcify.register(MultinomialFromUniform)
def _multinomial_from_uniform(op: MultinomialFromUniform, node):
    def multinomial(pvals, unis, n):
        n = as_int(n)
        u = _uniform_rows(op, pvals, unis, n)
        k = jnp.shape(pvals)[1]
        cum = _running_sums(jnp.asarray(pvals).astype("float64"))
        above = cum[None] > u[:, :, None]  # (draws, rows, k)
        # the first category above the uniform; none when it lies beyond the row's total
        first = jnp.argmax(above, axis=2)
        hits = (first[..., None] == jnp.arange(k)) & above.any(axis=2)[..., None]
        return hits.sum(axis=0).astype(op.dtype)
    return multinomial


@jax_funcify.register(ChoiceFromUniform)
def _choice_from_uniform(op: ChoiceFromUniform, node):
    def choice(pvals, unis, size):
        size = as_int(size)
        rows, k = jnp.shape(pvals)
        if not op.replace and size > k:
            raise ValueError(f"{op}: cannot pick {size} of {k} categories without "
                             "replacement")
        u = _uniform_rows(op, pvals, unis, size)
        columns = jnp.arange(k)

        def draw(p, u_c):
            above = _running_sums(p) > u_c[:, None]
            positive = p > 0
            # past the total (rounding): the last positive category, else the last one
            last_positive = jnp.where(positive.any(axis=1),
                                      k - 1 - jnp.argmax(positive[:, ::-1], axis=1), k - 1)
            pick = jnp.where(above.any(axis=1), jnp.argmax(above, axis=1), last_positive)
            if not op.replace:
                p = jnp.where(columns == pick[:, None], 0.0, p)
                total = _running_sums(p)[:, -1:]  # summed in order, as the VM does
                p = jnp.where(total > 0, p / jnp.where(total > 0, total, 1.0), p)
            return p, pick

        _, picks = lax.scan(draw, jnp.asarray(pvals).astype("float64"), u)
        return picks.T.astype(op.dtype)
    return choice
