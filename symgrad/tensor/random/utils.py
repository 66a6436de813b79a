"""RandomStream: random variables whose generator states are shared variables.

Each draw gets its own generator, held by a shared variable `draws.rng` whose
`default_update` is the advanced state that the draw's node returns. So every compiled
function that computes a draw also stores the new state (unless compiled with
`no_default_updates=True`), and the next call draws new numbers. Loops (scan) can thread the
same state: read `draws.rng`, and use `draws.owner.outputs[0]` as its next value.

Seeding: `RandomStream(seed)` makes a `numpy.random.SeedSequence(seed)`; the k-th draw's
generator is `default_rng` of the k-th child spawned from it. `seed(s)` spawns the children of a
fresh `SeedSequence(s)` in the same order, so it restores every generator to the state it had
when built with seed s.

This module makes shared variables, so it sits above `symgrad.compile` (an upward import of
the tensor package, kept to the two stream modules).
"""
from __future__ import annotations

import numpy as np

from symgrad.tensor.random import basic
from symgrad.tensor.sharedvar import shared


class RandomStreamBase:
    """Builds draws and remembers (shared generator, new state) pairs for reseeding."""

    def __init__(self, seed=None) -> None:
        self.default_instance_seed = seed
        self.state_updates: list[tuple] = []

    def new_generator(self):
        """A fresh generator for the next draw (subclasses choose the kind and seeding)."""
        raise NotImplementedError

    def generators_for_seed(self, seed, count: int) -> list:
        """`count` generators in the states the first `count` draws get from `seed`."""
        raise NotImplementedError

    def gen(self, build, *args, **kwargs):
        """Call `build(*args, rng=shared_generator, **kwargs)`, attach `.rng` and `.update` to
        the draws, and set the generator's default update."""
        rng = shared(self.new_generator(), borrow=True)
        draws = build(*args, rng=rng, **kwargs)
        new_rng = draws.owner.outputs[0]
        rng.default_update = new_rng
        draws.rng = rng
        draws.update = (rng, new_rng)
        self.state_updates.append((rng, new_rng))
        return draws

    def updates(self) -> list[tuple]:
        """(shared generator, new state) for every draw made so far."""
        return list(self.state_updates)

    def seed(self, seed=None) -> None:
        """Reset every generator made so far as if the stream had been created with `seed`
        (the seed given at construction when None)."""
        if seed is None:
            seed = self.default_instance_seed
        fresh = self.generators_for_seed(seed, len(self.state_updates))
        for (rng, _), value in zip(self.state_updates, fresh):
            rng.set_value(value, borrow=True)


class RandomStream(RandomStreamBase):
    """numpy Generators seeded through a SeedSequence; the parameters come before `size`,
    as in numpy's Generator methods."""

    def __init__(self, seed=None, rng_ctor=np.random.default_rng) -> None:
        super().__init__(seed)
        self.rng_ctor = rng_ctor
        self.seed_sequence = np.random.SeedSequence(seed)

    def new_generator(self):
        return self.rng_ctor(self.seed_sequence.spawn(1)[0])

    def generators_for_seed(self, seed, count: int) -> list:
        self.seed_sequence = np.random.SeedSequence(seed)
        return [self.rng_ctor(child) for child in self.seed_sequence.spawn(count)]

    def uniform(self, low=0.0, high=1.0, size=None, dtype=None):
        return self.gen(basic.uniform, low, high, size, dtype=dtype)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=None):
        return self.gen(basic.normal, loc, scale, size, dtype=dtype)

    def binomial(self, n=1, p=0.5, size=None, dtype=None):
        return self.gen(basic.binomial, n, p, size, dtype=dtype)

    def random_integers(self, low=0, high=1, size=None, dtype=None):
        return self.gen(basic.random_integers, low, high, size, dtype=dtype)

    def choice(self, a=2, size=None, replace=True, p=None, dtype=None):
        return self.gen(basic.choice, a, size, replace, p, dtype=dtype)

    def permutation(self, x=1, size=None, dtype=None):
        return self.gen(basic.permutation, x, size, dtype=dtype)

    def multinomial(self, n=1, pvals=(0.5, 0.5), size=None, dtype=None):
        return self.gen(basic.multinomial, n, pvals, size, dtype=dtype)
