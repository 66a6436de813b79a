"""MRG_RandomStreams: Theano's MRG31k3p random streams (`theano.sandbox.rng_mrg`).

Each draw gets its own shared int32 state matrix (n_streams, 6) whose `default_update` is the
state the draw's node returns, so every compiled function that computes the draw also stores
the new state and the next call draws new numbers. The streams of one draw start 2**72 steps
apart; each new draw's streams start 2**134 steps after the previous draw's, so the numbers
depend only on the seed and on the order the draws were made in.

Everything is built from uniforms: normal by Box-Muller, binomial(n=1) as `u < p`, multinomial
and choice by walking the cumulative probabilities of each row.

This module makes shared variables, so it sits above `symgrad.compile`.
"""
from __future__ import annotations

import numpy as np

from symgrad.config import config
from symgrad.graph.basic import Variable
from symgrad.scalar.type import upcast
from symgrad.tensor import basic, math
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.random.mrg import (
    M1,
    M2,
    ChoiceFromUniform,
    MRGUniform,
    MultinomialFromUniform,
    check_seed,
    jump,
    substream_states,
)
from symgrad.tensor.shape import Shape
from symgrad.tensor.sharedvar import shared

__all__ = ["M1", "M2", "MRG_RandomStreams", "guess_n_streams"]

_MAX_STREAMS = 60 * 256


def guess_n_streams(size) -> int:
    """Streams for a draw of `size`: a sixth of the elements (at least 1, at most 15360),
    or 15360 when the size is symbolic."""
    if isinstance(size, (tuple, list)) and all(isinstance(s, (int, np.integer)) for s in size):
        n = int(np.prod(size, dtype=np.int64)) if size else 1
        if n > 6:
            n //= 6
        return max(1, min(n, _MAX_STREAMS))
    return _MAX_STREAMS


def _size_entries(size, ndim):
    """`size` as a tuple of ints / integer scalars: a tuple, an int, x.shape, or an integer
    vector (whose length `ndim` gives when it is not known)."""
    if isinstance(size, (int, np.integer)):
        size = (size,)
    if isinstance(size, (tuple, list)):
        if ndim is not None and len(size) != ndim:
            raise ValueError(f"size {size} has {len(size)} entries but ndim={ndim}")
        for s in size:
            if isinstance(s, (int, np.integer)) and s < 0:
                raise ValueError(f"size {size} has a negative entry")
        return tuple(size)
    if isinstance(size, Variable) and size.type.ndim == 1:
        length = size.type.shape[0] if size.type.shape else None
        if size.owner is not None and isinstance(size.owner.op, Shape):
            length = size.owner.inputs[0].type.ndim
        length = ndim if length is None else length
        if length is None:
            raise TypeError(f"size {size} is a symbolic vector of unknown length: pass ndim")
        return tuple(size[i] for i in range(length))
    raise TypeError(f"size must be a tuple of integers, an integer vector or x.shape, "
                    f"got {size!r}")


class MRG_RandomStreams:
    """Random draws with MRG31k3p: `srng = MRG_RandomStreams(seed=234); srng.uniform((2, 2))`.

    seed: an int in [1, M2) (used for all 6 state values) or 6 ints.
    """

    def __init__(self, seed=12345) -> None:
        self.default_instance_seed = seed
        self.state_updates: list[tuple] = []
        self.set_rstate(seed)

    def set_rstate(self, seed) -> None:
        self.rstate = check_seed(seed)

    def inc_rstate(self) -> None:
        """Move the seed state 2**134 steps on: where the next draw's streams start."""
        self.rstate = jump(self.rstate, 134)

    def get_substream_rstates(self, n_streams: int, dtype=None, inc_rstate: bool = True):
        """(n_streams, 6) int32 states 2**72 steps apart, from the current seed state."""
        states = substream_states(self.rstate, int(n_streams))
        if inc_rstate:
            self.inc_rstate()
        return states

    def n_streams(self, size) -> int:
        return guess_n_streams(size)

    def updates(self) -> list[tuple]:
        """(shared state, new state) for every draw made so far."""
        return [(old, new) for old, new, _ in self.state_updates]

    def seed(self, seed=None) -> None:
        """Give every draw made so far the state it would have had with this seed."""
        self.set_rstate(self.default_instance_seed if seed is None else seed)
        for old, _, n_streams in self.state_updates:
            old.set_value(self.get_substream_rstates(n_streams), borrow=True)

    # --- draws -----------------------------------------------------------------------------
    def _uniform01(self, size, dtype: str, nstreams):
        entries = size if isinstance(size, tuple) else _size_entries(size, None)
        n_streams = self.n_streams(size) if nstreams is None else int(nstreams)
        state = shared(self.get_substream_rstates(n_streams), borrow=True)
        state.tag.is_rng = True
        draws = MRGUniform(dtype)(state, *entries)
        new_state = draws.owner.outputs[0]
        state.default_update = new_state
        draws.rstate = state
        draws.update = (state, new_state)
        self.state_updates.append((state, new_state, n_streams))
        return draws

    def uniform(self, size, low=0.0, high=1.0, ndim=None, dtype=None, nstreams=None):
        """Floats in (low, high) of shape `size`; dtype from low and high, at least floatX."""
        low, high = as_tensor_variable(low), as_tensor_variable(high)
        if dtype is None:
            dtype = upcast(config.floatX, low.type.dtype, high.type.dtype)
        size = _size_entries(size, ndim)
        u = self._uniform01(size, dtype, nstreams)
        low, high = basic.cast(low, dtype), basic.cast(high, dtype)
        r = u * (high - low) + low
        if r.type.broadcastable != u.type.broadcastable:
            raise NotImplementedError("low and high would broadcast the draws to a larger "
                                      "shape; give that shape as size")
        # keep the state visible on the result, as Theano users read it there
        r.rstate, r.update = u.rstate, u.update
        return r

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", nstreams=None,
                 prob=None):
        """0/1 draws with probability p of 1 (only n=1, as in Theano)."""
        if prob is not None:
            p = prob
        if n != 1:
            raise NotImplementedError("MRG_RandomStreams.binomial draws with n=1 only")
        p = as_tensor_variable(p)
        u = self.uniform(size=size, ndim=ndim, nstreams=nstreams,
                         dtype=upcast(config.floatX, p.type.dtype))
        return basic.cast(math.lt(u, p), dtype)

    def normal(self, size, avg=0.0, std=1.0, ndim=None, dtype=None, nstreams=None):
        """Normal draws by Box-Muller over an even number of uniforms."""
        avg, std = as_tensor_variable(avg), as_tensor_variable(std)
        if dtype is None:
            dtype = upcast(config.floatX, avg.type.dtype, std.type.dtype)
        size = _size_entries(size, ndim)
        count = _product(size)
        if isinstance(count, int):
            n_samples = count + count % 2
        else:
            n_samples = count + math.mod(count, 2)
        flat = self.uniform((n_samples,), dtype=dtype, nstreams=nstreams)
        half = n_samples // 2
        u1, u2 = flat[:half], flat[half:]
        two_pi = basic.cast(as_tensor_variable(2 * np.pi), dtype)
        radius = math.sqrt(basic.cast(-2.0, dtype) * math.log(u1))
        both = basic.join(0, radius * math.cos(two_pi * u2), radius * math.sin(two_pi * u2))
        draws = both[:count].reshape(size, ndim=len(size))
        return basic.cast(avg, dtype) + basic.cast(std, dtype) * draws

    def multinomial(self, size=None, n=1, pvals=None, ndim=None, dtype="int64", nstreams=None):
        """Counts (rows, k) of n draws per row of pvals (rows, k)."""
        if pvals is None:
            raise TypeError("multinomial needs pvals")
        if size is not None or ndim is not None:
            raise ValueError("MRG_RandomStreams.multinomial takes its shape from pvals; "
                             "size and ndim must be None")
        pvals = as_tensor_variable(pvals)
        if pvals.type.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.multinomial needs a pvals matrix")
        unis = self._uniform01((pvals.shape[0] * n,), pvals.type.dtype, nstreams)
        return MultinomialFromUniform(dtype)(pvals, unis, as_tensor_variable(n))

    def choice(self, size=1, a=None, replace=True, p=None, ndim=None, dtype="int64",
               nstreams=None):
        """Indices (rows, size) into each row of p (rows, k), with or without replacement."""
        if a is not None:
            raise TypeError("MRG_RandomStreams.choice draws indices of p's columns: a must be "
                            "None")
        if p is None:
            raise TypeError("MRG_RandomStreams.choice needs p")
        if ndim is not None:
            raise ValueError("MRG_RandomStreams.choice does not use ndim")
        p = as_tensor_variable(p)
        if p.type.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.choice needs a p matrix")
        unis = self._uniform01((p.shape[0] * size,), p.type.dtype, nstreams)
        return ChoiceFromUniform(dtype, replace)(p, unis, as_tensor_variable(size))

    def multinomial_wo_replacement(self, size=None, n=1, pvals=None, ndim=None,
                                   dtype="int64", nstreams=None):
        return self.choice(size=n, p=pvals, replace=False, dtype=dtype, nstreams=nstreams)


def _product(size):
    """The number of elements of `size`: an int when every entry is one."""
    if all(isinstance(s, (int, np.integer)) for s in size):
        return int(np.prod(size, dtype=np.int64)) if size else 1
    total = as_tensor_variable(np.int64(1))
    for s in size:
        total = total * s
    return total
