"""Types of random number generator states, as values threaded through random ops.

A random op takes a generator state as an input and returns the advanced state as an output;
a shared variable holds the state between calls and its default update stores the new one.
"""
from __future__ import annotations

import copy

import numpy as np

from symgrad.graph.basic import Constant, Variable
from symgrad.graph.type import Type


class RandomType(Type):
    """A numpy random generator of one kind (`value_class`); all instances of a kind are equal."""

    value_class: type = object
    variable_type = Variable
    constant_type = Constant

    def filter(self, data, strict: bool = False, allow_downcast: bool | None = None):
        if isinstance(data, self.value_class):
            return data
        raise TypeError(f"{self} holds a numpy.random.{self.value_class.__name__}, got "
                        f"{type(data).__name__}")

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __str__(self) -> str:
        return type(self).__name__

    __repr__ = __str__

    def data_signature(self, data):
        return id(data)

    def values_eq(self, a, b) -> bool:
        return _state_equal(rng_state(a), rng_state(b))


class RandomGeneratorType(RandomType):
    """numpy.random.Generator (the modern API; `default_rng(seed)`)."""

    value_class = np.random.Generator


class RandomStateType(RandomType):
    """numpy.random.RandomState (the legacy API that Theano's RandomStreams used)."""

    value_class = np.random.RandomState


random_generator_type = RandomGeneratorType()
random_state_type = RandomStateType()


def rng_type_of(value) -> RandomType:
    """The RandomType holding `value`, or a TypeError for anything else."""
    for rtype in (random_generator_type, random_state_type):
        if isinstance(value, rtype.value_class):
            return rtype
    raise TypeError(f"expected a numpy Generator or RandomState, got {type(value).__name__}")


def rng_state(rng) -> dict:
    return rng.bit_generator.state if isinstance(rng, np.random.Generator) else \
        rng.get_state(legacy=False)


def copy_rng(rng):
    """An independent generator in the same state: random ops draw from a copy, never the input."""
    if isinstance(rng, np.random.Generator):
        bits = type(rng.bit_generator)(0)
        bits.state = rng.bit_generator.state
        return np.random.Generator(bits)
    # RandomState keeps a cached Gaussian outside its bit generator; deepcopy keeps it too
    return copy.deepcopy(rng)


def _state_equal(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_state_equal(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    return a == b
