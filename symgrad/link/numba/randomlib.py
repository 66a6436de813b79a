"""Jitted draws that the random-variable kernels call (see random.py), equal to numpy's.

Each function takes a numpy Generator (numba unboxes it as its bit generator: drawing here
advances the very state numpy would), an output array of the op's dtype, and the parameters
(numbers or arrays), checks the parameters as numpy does, and fills the output in C order, one
draw per element, with the same algorithms numpy's Generator uses, so the numbers and the new
generator state are bit-identical to the Python VM's. They are compiled without fastmath: a
contracted `low + range * u` would round differently from numpy.

`copy_generator` is plain Python: the generated runner calls it on each generator input, since
the kernels advance their generator in place (numba cannot copy one in nopython code).
"""
from __future__ import annotations

import numpy as np
from numba import njit, uint64
from numba.np.random.distributions import random_binomial
from numba.np.random.generator_core import next_double, next_uint32, next_uint64
from numba.np.random.random_methods import (
    bounded_lemire_uint64,
    buffered_bounded_lemire_uint32,
    gen_mask,
)

from symgrad.tensor.random.type import copy_rng

# fastmath=False explicitly: a helper left unset inherits the calling kernel's fastmath flags,
# and a contracted `low + width * u` rounds differently from numpy; numpy's error model as in
# numpy's C code (a 0/0 in multinomial's p / remaining_p gives NaN, not an exception)
_jit = njit(cache=True, nogil=True, fastmath=False, error_model="numpy")

copy_generator = copy_rng


@_jit
def broadcast_dim(a, b):
    """One dimension of the broadcast shape of the parameters."""
    if a == 1 or a == b:
        return b
    if b == 1:
        return a
    raise ValueError("shape mismatch: the parameters cannot be broadcast to a single shape")


@_jit
def _bounded(bitgen, rng):
    """A uniform integer in [0, rng] (numpy's random_bounded_uint64 without masking)."""
    if rng == 0:
        return uint64(0)
    if rng <= 0xFFFFFFFF:
        if rng == 0xFFFFFFFF:
            return uint64(next_uint32(bitgen))
        return uint64(buffered_bounded_lemire_uint32(bitgen, rng))
    if rng == 0xFFFFFFFFFFFFFFFF:
        return next_uint64(bitgen)
    return uint64(bounded_lemire_uint64(bitgen, rng))


@_jit
def _kahan_sum(x, n):
    """numpy's compensated sum of x[:n] (it decides the pvals/p validity checks)."""
    if n <= 0:
        return 0.0
    total = x[0]
    c = 0.0
    for i in range(1, n):
        y = x[i] - c
        t = total + y
        c = (t - total) - y
        total = t
    return total


# --- one number per element ----------------------------------------------------------------
@_jit
def uniform(rng, out, low, high):
    lo = np.asarray(low).astype(np.float64)
    width = np.asarray(high).astype(np.float64) - lo
    if not np.all(np.isfinite(width)):
        raise ValueError("uniform: high - low range exceeds valid bounds")
    if np.any(width < 0):
        raise ValueError("uniform: high - low < 0")
    lo_b = np.broadcast_to(lo, out.shape)
    width_b = np.broadcast_to(width, out.shape)
    bitgen = rng.bit_generator
    for idx in np.ndindex(out.shape):
        out[idx] = lo_b[idx] + width_b[idx] * next_double(bitgen)


@_jit
def normal(rng, out, loc, scale):
    if np.any(np.asarray(scale) < 0):
        raise ValueError("normal: scale < 0")
    loc_b = np.broadcast_to(np.asarray(loc).astype(np.float64), out.shape)
    scale_b = np.broadcast_to(np.asarray(scale).astype(np.float64), out.shape)
    for idx in np.ndindex(out.shape):
        out[idx] = rng.normal(loc_b[idx], scale_b[idx])


@_jit
def binomial(rng, out, n, p):
    n = np.asarray(n).astype(np.int64)
    p = np.asarray(p).astype(np.float64)
    if np.any(n < 0):
        raise ValueError("binomial: n < 0")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("binomial: p < 0, p > 1 or p is NaN")
    n_b = np.broadcast_to(n, out.shape)
    p_b = np.broadcast_to(p, out.shape)
    bitgen = rng.bit_generator
    for idx in np.ndindex(out.shape):
        out[idx] = random_binomial(bitgen, n_b[idx], p_b[idx])


@_jit
def integers_closed(rng, out, low, high):
    """Integers in [low, high], both included (Generator.integers with endpoint=True)."""
    low = np.asarray(low).astype(np.int64)
    high = np.asarray(high).astype(np.int64)
    if np.any(low > high):
        raise ValueError("random_integers: low > high")
    low_b = np.broadcast_to(low, out.shape)
    high_b = np.broadcast_to(high, out.shape)
    bitgen = rng.bit_generator
    for idx in np.ndindex(out.shape):
        lo = low_b[idx]
        width = uint64(high_b[idx]) - uint64(lo)  # wraps as numpy's unsigned range does
        out[idx] = np.int64(uint64(lo) + _bounded(bitgen, width))


# --- vectors ---------------------------------------------------------------------------------
@_jit
def permutations(rng, out, x):
    """out[i, ...] = a permutation of range(x) (x a number) or of the vector x, for each index
    of out's leading dimensions, in C order."""
    for idx in np.ndindex(out.shape[:-1]):
        out[idx] = rng.permutation(x)


@_jit
def multinomial(rng, out, n, pvals):
    """Counts of n trials over pvals' last axis; out has shape batch + (d,), and n and
    pvals[..., 0] broadcast to batch."""
    pvals = np.ascontiguousarray(np.asarray(pvals).astype(np.float64))
    d = pvals.shape[-1]
    if d == 0:
        raise ValueError("multinomial: the last dimension of pvals must be greater than 0")
    if not np.all((pvals >= 0) & (pvals <= 1)):
        raise ValueError("multinomial: pvals < 0, pvals > 1 or pvals contains NaNs")
    rows = pvals.reshape((-1, d))
    for r in range(rows.shape[0]):
        if _kahan_sum(rows[r], d - 1) > 1.0 + 1e-12:
            raise ValueError("multinomial: sum(pvals[..., :-1]) > 1.0")
    n = np.asarray(n).astype(np.int64)
    if np.any(n < 0):
        raise ValueError("multinomial: n < 0")
    batch = out.shape[:-1]
    n_b = np.broadcast_to(n, batch)
    p_b = np.broadcast_to(pvals, out.shape)
    bitgen = rng.bit_generator
    out[...] = 0
    for idx in np.ndindex(batch):
        counts = out[idx]
        probs = p_b[idx]
        remaining_p = 1.0
        left = n_b[idx]
        for j in range(d - 1):
            drawn = random_binomial(bitgen, left, probs[j] / remaining_p)
            counts[j] = drawn
            left -= drawn
            if left <= 0:
                break
            remaining_p -= probs[j]
        if left > 0:
            counts[d - 1] = left


# --- choice ----------------------------------------------------------------------------------
@_jit
def _shuffle_tail(bitgen, data, first):
    """Fisher-Yates over data[first:], drawing from the end (numpy's _shuffle_int)."""
    for i in range(data.shape[0] - 1, first - 1, -1):
        j = _bounded(bitgen, uint64(i))
        tmp = data[j]
        data[j] = data[i]
        data[i] = tmp


@_jit
def _check_p(p, pop_size, atol):
    if p.shape[0] != pop_size:
        raise ValueError("choice: a and p must have same size")
    total = _kahan_sum(p, p.shape[0])
    if np.isnan(total):
        raise ValueError("choice: probabilities contain NaN")
    if np.any(p < 0):
        raise ValueError("choice: probabilities are not non-negative")
    if abs(total - 1.0) > atol:
        raise ValueError("choice: probabilities do not sum to 1")


@_jit
def _choice_weighted_unique(bitgen, p, count):
    """`count` distinct indices drawn with weights p (numpy's rounds of weighted draws, each
    keeping the new values in the order they first appear)."""
    p = p.copy()
    found = np.empty(count, np.int64)
    n_found = 0
    while n_found < count:
        u = np.empty(count - n_found)
        for i in range(u.shape[0]):
            u[i] = next_double(bitgen)
        for i in range(n_found):
            p[found[i]] = 0.0
        cdf = np.cumsum(p)
        cdf /= cdf[-1]
        new = np.searchsorted(cdf, u, side="right")
        start = n_found
        for value in new:
            seen = False
            for k in range(start, n_found):
                if found[k] == value:
                    seen = True
                    break
            if not seen:
                found[n_found] = value
                n_found += 1
    return found


@_jit
def _choice_unique(bitgen, pop_size, count):
    """`count` distinct indices of range(pop_size), uniformly (numpy's tail shuffle for large
    samples of large populations, else Floyd's algorithm followed by a shuffle)."""
    if pop_size > 10000 and count > pop_size // 50:
        idx = np.arange(pop_size)
        _shuffle_tail(bitgen, idx, max(pop_size - count, 1))
        return idx[pop_size - count:].copy()
    idx = np.empty(count, np.int64)
    mask = gen_mask(uint64(1.2 * count))
    empty = uint64(0xFFFFFFFFFFFFFFFF)
    hash_set = np.full(np.int64(mask) + 1, empty, np.uint64)
    for j in range(pop_size - count, pop_size):
        val = _bounded(bitgen, uint64(j))
        loc = val & mask
        while hash_set[loc] != empty and hash_set[loc] != val:
            loc = (loc + uint64(1)) & mask
        if hash_set[loc] == empty:
            hash_set[loc] = val
            idx[j - pop_size + count] = np.int64(val)
        else:
            loc = uint64(j) & mask
            while hash_set[loc] != empty:
                loc = (loc + uint64(1)) & mask
            hash_set[loc] = uint64(j)
            idx[j - pop_size + count] = j
    _shuffle_tail(bitgen, idx, 1)
    return idx


@_jit
def choice_indices(rng, count, pop_size, weighted, p, replace, atol):
    """`count` indices into a population of `pop_size`, in C order of the draws' shape
    (Generator.choice); the weights p (float64) are used when `weighted`."""
    if pop_size <= 0 and count != 0:
        raise ValueError("choice: a must be a non-empty vector or a positive integer unless "
                         "no samples are taken")
    if weighted:
        _check_p(p, pop_size, atol)
    bitgen = rng.bit_generator
    if replace:
        if weighted:
            cdf = np.cumsum(p)
            cdf /= cdf[-1]
            u = np.empty(count)
            for i in range(count):
                u[i] = next_double(bitgen)
            return np.searchsorted(cdf, u, side="right").astype(np.int64)
        flat = np.empty(count, np.int64)
        for i in range(count):
            flat[i] = np.int64(_bounded(bitgen, uint64(pop_size - 1)))
        return flat
    if count > pop_size:
        raise ValueError("choice: cannot take a larger sample than the population when "
                         "replace is False")
    if weighted:
        if np.count_nonzero(p > 0) < count:
            raise ValueError("choice: fewer non-zero entries in p than size")
        return _choice_weighted_unique(bitgen, p, count)
    return _choice_unique(bitgen, pop_size, count)
