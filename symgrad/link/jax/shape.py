"""Shapes, reshapes, allocation, joining and indexing in jax.numpy.

Shapes are static under jit, so Shape and ShapeI give numpy values and everything computed
from them is folded while tracing. Indexing follows numpy's rules except one: an index out of
bounds is clamped by XLA (jax's documented behaviour) instead of raising.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from symgrad.link.jax.dispatch import as_int, is_concrete, jax_funcify, static_inputs
from symgrad.tensor import basic as tb
from symgrad.tensor.nnet.conv import ShapeHint
from symgrad.tensor.shape import (
    MakeVector,
    Rebroadcast,
    Reshape,
    Shape,
    ShapeEntry,
    ShapeI,
    SpecifyShape,
)
from symgrad.tensor.subtensor import AdvancedSubtensor, IncSubtensor, Subtensor


def _known_only(name: str):
    """An op whose every input decides its output's shape: the linker makes them static and
    folds the node while tracing; reaching this means a value was only known at run time."""
    def fn(*args):
        raise TypeError(f"{name}: its arguments decide the result's shape, so the JAX linker "
                        "needs them when compiling (inputs or constants, not computed data)")
    return fn


def _all_inputs(op, node):
    return tuple(range(len(node.inputs)))


for _cls in (tb.ARange, tb.Eye, tb.Tri):
    jax_funcify.register(_cls)(lambda op, node: _known_only(type(op).__name__))
    static_inputs.register(_cls)(_all_inputs)


@jax_funcify.register(Shape)
def _shape(op, node):
    return lambda x: np.asarray(jnp.shape(x), dtype="int64")


@jax_funcify.register(ShapeI)
def _shape_i(op, node):
    return lambda x: np.asarray(jnp.shape(x)[op.i], dtype="int64")


@jax_funcify.register(ShapeEntry)
def _shape_entry(op, node):
    return lambda v: v[op.i]


@jax_funcify.register(MakeVector)
def _make_vector(op, node):
    dtype = op.dtype

    def make_vector(*xs):
        if all(is_concrete(x) for x in xs):
            return np.array(xs, dtype=dtype).reshape(len(xs))
        return jnp.stack([jnp.asarray(x, dtype=dtype) for x in xs]) if xs else jnp.zeros(
            0, dtype)
    return make_vector


@jax_funcify.register(Rebroadcast)
def _rebroadcast(op, node):
    def rebroadcast(x):
        for a, b in op.axes:
            if b and jnp.shape(x)[a] != 1:
                raise ValueError(f"axis {a} was declared broadcastable (length 1) but has "
                                 f"length {jnp.shape(x)[a]}")
        return x
    return rebroadcast


@jax_funcify.register(SpecifyShape)
def _specify_shape(op, node):
    def specify_shape(x, *lengths):
        for n, got in zip(lengths, jnp.shape(x)):
            if is_concrete(n) and int(n) != -1 and int(n) != got:
                raise ValueError(f"specify_shape: expected length {int(n)}, got shape "
                                 f"{jnp.shape(x)}")
        return x
    return specify_shape


@jax_funcify.register(ShapeHint)
def _shape_hint(op, node):
    def shape_hint(x):
        if any(e is not None and e != n for e, n in zip(op.expected, jnp.shape(x))):
            raise ValueError(f"conv2d: {op.what} was declared as {op.expected} but the value "
                             f"has shape {jnp.shape(x)}")
        return x
    return shape_hint


@jax_funcify.register(Reshape)
def _reshape(op, node):
    return lambda x, shape: jnp.reshape(x, tuple(as_int(s) for s in shape))


static_inputs.register(Reshape)(lambda op, node: (1,))


@jax_funcify.register(tb.Alloc)
def _alloc(op, node):
    dtype = node.outputs[0].type.dtype
    return lambda v, *shape: jnp.broadcast_to(jnp.asarray(v, dtype=dtype),
                                              tuple(as_int(s) for s in shape))


static_inputs.register(tb.Alloc)(lambda op, node: tuple(range(1, len(node.inputs))))


@jax_funcify.register(tb.Join)
def _join(op, node):
    return lambda *xs: jnp.concatenate(xs, axis=op.axis)


@jax_funcify.register(tb.Split)
def _split(op, node):
    def split(x, splits):
        sizes = [as_int(s) for s in splits]
        if len(sizes) != op.n_splits or min(sizes, default=0) < 0 or sum(sizes) != \
                jnp.shape(x)[op.axis]:
            raise ValueError(f"split: lengths {sizes} do not cut axis {op.axis} of length "
                             f"{jnp.shape(x)[op.axis]} into {op.n_splits} pieces")
        return tuple(jnp.split(x, np.cumsum(sizes)[:-1].tolist(), axis=op.axis))
    return split


static_inputs.register(tb.Split)(lambda op, node: (1,))


# --- indexing ------------------------------------------------------------------------------
def _index_plan(entries, first: int, index_inputs):
    """For each entry, how to build it; and the input positions that must be static (slice
    fields and boolean masks, which decide the result's shape)."""
    static, pos = [], first
    for entry in entries:
        if entry == "x":
            continue
        if entry == "i":
            pos += 1
        elif entry == "a":
            if index_inputs[pos - first].type.dtype == "bool":
                static.append(pos)
            pos += 1
        else:
            n = sum(entry[1:])
            static.extend(range(pos, pos + n))
            pos += n
    return tuple(static)


def jax_key(entries, index_values) -> tuple:
    """The jax index for these entries: traced integers and integer arrays are fine, slice
    fields and boolean masks are static numbers."""
    key, it = [], iter(index_values)
    for entry in entries:
        if entry == "x":
            key.append(None)
        elif entry == "i":
            key.append(next(it))
        elif entry == "a":
            arr = next(it)
            if is_concrete(arr) and np.asarray(arr).dtype == bool:
                key.extend(np.nonzero(np.asarray(arr)))
            else:
                key.append(arr)
        else:
            key.append(slice(*[as_int(next(it)) if given else None for given in entry[1:]]))
    return tuple(key)


@jax_funcify.register(Subtensor)
def _subtensor(op, node):
    entries = op.entries
    return lambda x, *idx: jnp.asarray(x)[jax_key(entries, idx)]


jax_funcify.register(AdvancedSubtensor)(_subtensor)
static_inputs.register(AdvancedSubtensor)(
    lambda op, node: _index_plan(op.entries, 1, node.inputs[1:]))


@static_inputs.register(Subtensor)
def _subtensor_static(op, node):
    return _index_plan(op.entries, 1, node.inputs[1:])


@jax_funcify.register(IncSubtensor)
def _inc_subtensor(op, node):
    entries, setting = op.entries, op.set_instead_of_inc

    def inc_subtensor(x, y, *idx):
        at = jnp.asarray(x).at[jax_key(entries, idx)]
        return at.set(y) if setting else at.add(y)
    return inc_subtensor


@static_inputs.register(IncSubtensor)
def _inc_subtensor_static(op, node):
    return _index_plan(op.entries, 2, node.inputs[2:])
