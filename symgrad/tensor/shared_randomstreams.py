"""Theano's RandomStreams: random variables drawn from numpy RandomStates held in shared
variables, with Theano's argument order (`size` first) and Theano's seeding rule.

Seeding rule: `RandomStreams(seed)` keeps a `numpy.random.RandomState(seed)` as a seed source;
each draw gets `RandomState(source.randint(2**30))`. `seed(s)` gives the draws made so far,
in order, `RandomState(r.randint(2**30))` from a fresh `r = RandomState(s)`. Draws then use the
RandomState methods (`uniform(low, high, size)` ...), so the numbers are Theano's.
"""
from __future__ import annotations

import numpy as np

from symgrad.tensor.random import basic
from symgrad.tensor.random.utils import RandomStreamBase

_SEED_BOUND = 2 ** 30


class RandomStreams(RandomStreamBase):
    """A symbolic stand-in for numpy.random.RandomState: `srng.uniform((2, 2))`."""

    def __init__(self, seed=None) -> None:
        super().__init__(seed)
        self.gen_seedgen = np.random.RandomState(seed)

    def new_generator(self):
        return np.random.RandomState(int(self.gen_seedgen.randint(_SEED_BOUND)))

    def generators_for_seed(self, seed, count: int) -> list:
        source = np.random.RandomState(seed)
        return [np.random.RandomState(int(source.randint(_SEED_BOUND))) for _ in range(count)]

    def uniform(self, size=None, low=0.0, high=1.0, ndim=None, dtype=None):
        """Floats in [low, high); dtype config.floatX by default."""
        return self.gen(basic.uniform, low, high, _size(size, ndim), dtype=dtype)

    def normal(self, size=None, avg=0.0, std=1.0, ndim=None, dtype=None):
        return self.gen(basic.normal, avg, std, _size(size, ndim), dtype=dtype)

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64", prob=None):
        p = prob if prob is not None else p
        return self.gen(basic.binomial, n, p, _size(size, ndim), dtype=dtype)

    def random_integers(self, size=None, low=0, high=1, ndim=None, dtype="int64"):
        """Integers in [low, high], both included."""
        return self.gen(basic.random_integers, low, high, _size(size, ndim), dtype=dtype)

    def choice(self, size=None, a=2, replace=True, p=None, ndim=None, dtype="int64"):
        return self.gen(basic.choice, a, _size(size, ndim), replace, p, dtype=dtype)

    def permutation(self, size=None, n=1, ndim=None, dtype="int64"):
        """`size` permutations of range(n): the draws have shape size + (n,)."""
        return self.gen(basic.permutation, n, _size(size, ndim), dtype=dtype)

    def multinomial(self, size=None, n=1, pvals=(0.5, 0.5), ndim=None, dtype="int64"):
        return self.gen(basic.multinomial, n, pvals, _size(size, ndim), dtype=dtype)


def _size(size, ndim):
    if ndim is not None and size is not None and not hasattr(size, "owner"):
        length = 1 if isinstance(size, int) else len(size)
        if length != ndim:
            raise ValueError(f"size {size} has {length} entries but ndim={ndim}")
    return size
