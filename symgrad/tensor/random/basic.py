"""The distributions: one RandomVariable per numpy method, and functions that build draws.

Each function takes the generator variable `rng` (a shared numpy Generator or RandomState) and
returns the draws; `draws.owner.outputs[0]` is the advanced generator state.
"""
from __future__ import annotations

import numpy as np

from symgrad.tensor.basic import cast
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.random.op import RandomVariable


class RandomIntegersRV(RandomVariable):
    """Integers between low and high, both included (Theano's random_integers)."""

    def rng_fn(self, rng, low, high, size):
        if isinstance(rng, np.random.Generator):
            return rng.integers(low, high, size=size, endpoint=True)
        return rng.randint(low, np.asarray(high) + 1, size=size)


class ChoiceRV(RandomVariable):
    """Samples of `a` (an array, or range(a) for an integer), optionally weighted by `p`."""

    __props__ = RandomVariable.__props__ + ("replace",)

    def __init__(self, dtype: str, replace: bool = True, with_p: bool = False) -> None:
        super().__init__("choice", 0, (0, 1) if with_p else (0,), dtype, batched=False)
        self.replace = bool(replace)

    def rng_fn(self, rng, a, *p, size):
        a = int(a) if np.ndim(a) == 0 else a
        return rng.choice(a, size=size, replace=self.replace, p=p[0] if p else None)


class PermutationRV(RandomVariable):
    """A random ordering of range(n) (or of a vector x); `size` asks for several at once."""

    def __init__(self, dtype: str) -> None:
        super().__init__("permutation", 1, (0,), dtype, batched=False)

    def rng_fn(self, rng, x, size):
        x = int(x) if np.ndim(x) == 0 else x
        if size is None:
            return rng.permutation(x)
        n = x if isinstance(x, int) else len(x)
        out = np.empty(tuple(size) + (n,), dtype=self.dtype)
        for index in np.ndindex(*size):
            out[index] = rng.permutation(x)
        return out

    def support_shape(self, params, param_shapes) -> list:
        (x,) = params
        if x.type.ndim == 0:
            return [cast(x, "int64")]
        return [param_shapes[0][0]]


class MultinomialRV(RandomVariable):
    """Counts of `n` trials over the categories of `pvals` (the last axis)."""

    def __init__(self, dtype: str) -> None:
        super().__init__("multinomial", 1, (0, 1), dtype)

    def rng_fn(self, rng, n, pvals, size):
        n, pvals = np.asarray(n), np.asarray(pvals)
        if isinstance(rng, np.random.Generator) or (n.ndim == 0 and pvals.ndim == 1):
            return rng.multinomial(n if n.ndim else int(n), pvals, size=size)
        # RandomState takes one (n, pvals) pair per call
        batch = size or np.broadcast_shapes(n.shape, pvals.shape[:-1])
        n = np.broadcast_to(n, batch)
        pvals = np.broadcast_to(pvals, tuple(batch) + pvals.shape[-1:])
        out = np.empty(tuple(batch) + pvals.shape[-1:], dtype=self.dtype)
        for index in np.ndindex(*batch):
            out[index] = rng.multinomial(int(n[index]), pvals[index])
        return out

    def support_shape(self, params, param_shapes) -> list:
        return [param_shapes[1][-1]]


def _dtype(dtype, default: str) -> str:
    return default if dtype is None else dtype


def uniform(low=0.0, high=1.0, size=None, *, rng, dtype=None):
    """Floats in [low, high)."""
    return RandomVariable("uniform", 0, (0, 0), _dtype(dtype, "floatX"))(rng, size, low, high)


def normal(loc=0.0, scale=1.0, size=None, *, rng, dtype=None):
    """Gaussian draws with mean `loc` and standard deviation `scale`."""
    return RandomVariable("normal", 0, (0, 0), _dtype(dtype, "floatX"))(rng, size, loc, scale)


def binomial(n=1, p=0.5, size=None, *, rng, dtype=None):
    """Number of successes in `n` trials of probability `p`."""
    return RandomVariable("binomial", 0, (0, 0), _dtype(dtype, "int64"))(rng, size, n, p)


def random_integers(low=0, high=1, size=None, *, rng, dtype=None):
    """Integers in [low, high], both ends included."""
    return RandomIntegersRV("random_integers", 0, (0, 0), _dtype(dtype, "int64"))(
        rng, size, low, high)


def choice(a=2, size=None, replace=True, p=None, *, rng, dtype=None):
    """Samples of `a` (or of range(a) for an integer), with or without replacement."""
    a = as_tensor_variable(a)
    default = "int64" if a.type.ndim == 0 else a.type.dtype
    op = ChoiceRV(_dtype(dtype, default), replace=replace, with_p=p is not None)
    return op(rng, size, a) if p is None else op(rng, size, a, p)


def permutation(x=1, size=None, *, rng, dtype=None):
    """A random ordering of range(x) for an integer x, or of the entries of a vector x."""
    x = as_tensor_variable(x)
    default = "int64" if x.type.ndim == 0 else x.type.dtype
    return PermutationRV(_dtype(dtype, default))(rng, size, x)


def multinomial(n=1, pvals=(0.5, 0.5), size=None, *, rng, dtype=None):
    """Counts per category; the draws' last axis has the length of pvals' last axis."""
    return MultinomialRV(_dtype(dtype, "int64"))(rng, size, n, pvals)


__all__ = ["ChoiceRV", "MultinomialRV", "PermutationRV", "RandomIntegersRV", "RandomVariable",
           "binomial", "choice", "multinomial", "normal", "permutation", "random_integers",
           "uniform"]
