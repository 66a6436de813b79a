"""Modes: which rewrites run and which linker builds the callable.

FAST_RUN (default): every rewrite phase, the fastest linker available ("tiered": the Python VM
until numba has compiled the graph in the background, then numba).
FAST_COMPILE: merge, constant folding and useless-op removal, the Python VM.
JAX: every rewrite phase, the whole graph as one jax.jit program (an optional dependency);
`Mode(linker='jax', sharding='data')` runs it data-parallel over all devices.
`mode.including(tag, ...)` / `mode.excluding(tag, ...)` add or remove rewrites by tag: an
optimizer name, a phase name (symgrad.rewriting.db.PHASES) or a rewrite's name.
"""
from __future__ import annotations

import copy

from symgrad.config import config
from symgrad.link import available_linkers, get_linker
from symgrad.rewriting import db as rewrite_db


class Mode:
    """A linker name and an optimizer name; `Mode(linker='py', optimizer=None)`."""

    included: tuple[str, ...] = ()  # rewrite tags added to / removed from the optimizer's
    excluded: tuple[str, ...] = ()  # phases (class defaults for modes pickled without them)

    sharding = None  # the JAX linker's data parallelism (symgrad/link/jax/sharding.py)

    def __init__(self, linker: str | None = None, optimizer: str | None = "fast_run",
                 name: str | None = None, sharding=None) -> None:
        self.linker_name = linker or "auto"
        self.optimizer = optimizer
        self.name = name
        if sharding is not None:
            if linker != "jax":
                raise ValueError("sharding= is an option of the JAX linker: use "
                                 "Mode(linker='jax', sharding=...)")
            self.sharding = sharding

    def __repr__(self) -> str:
        text = self.name or f"Mode(linker={self.linker_name!r}, optimizer={self.optimizer!r}" + (
            f", sharding={self.sharding!r})" if self.sharding is not None else ")")
        for method, tags in (("including", self.included), ("excluding", self.excluded)):
            if tags:
                text += f".{method}({', '.join(map(repr, tags))})"
        return text

    def resolved_linker_name(self) -> str:
        name = self.linker_name
        if name == "auto":
            name = config.linker if config.linker != "auto" else (
                "tiered" if "tiered" in available_linkers() and self.optimizer == "fast_run"
                else "py")
        return name

    def make_linker(self):
        if self.sharding is not None:
            return get_linker(self.resolved_linker_name(), sharding=self.sharding)
        return get_linker(self.resolved_linker_name())

    def including(self, *tags: str) -> Mode:
        """A copy of this mode that also runs the rewrites the tags name (phases run whole)."""
        new = copy.copy(self)
        new.included = self.included + tuple(
            t for t in rewrite_db.check_tags(tags) if t not in self.included)
        return new

    def excluding(self, *tags: str) -> Mode:
        """A copy of this mode that never runs the rewrites the tags name."""
        new = copy.copy(self)
        new.excluded = self.excluded + tuple(
            t for t in rewrite_db.check_tags(tags) if t not in self.excluded)
        return new

    def optimize(self, fgraph) -> int:
        """Rewrite `fgraph` in place as this mode says; the number of replacements."""
        return rewrite_db.optimize(fgraph, self.optimizer, exclude=self.excluded,
                                   include=self.included)

    def _rewrite_key(self) -> tuple:
        return (self.optimizer, frozenset(self.included), frozenset(self.excluded))

    def __eq__(self, other) -> bool:
        return isinstance(other, Mode) and (
            self.linker_name, self._rewrite_key(), id(self.sharding)) == (
            other.linker_name, other._rewrite_key(), id(other.sharding))

    def __hash__(self) -> int:
        return hash((self.linker_name, self._rewrite_key(), id(self.sharding)))


predefined_modes = {
    "FAST_RUN": Mode("auto", "fast_run", "FAST_RUN"),
    "FAST_COMPILE": Mode("py", "fast_compile", "FAST_COMPILE"),
    "JAX": Mode("jax", "fast_run", "JAX"),  # needs jax (pip install symgrad[jax])
}


def get_mode(mode) -> Mode:
    """A Mode from None (config.mode), a name ('FAST_RUN', 'FAST_COMPILE', a linker) or a Mode."""
    if mode is None:
        mode = config.mode
    if isinstance(mode, Mode):
        return mode
    if isinstance(mode, str):
        if mode in predefined_modes:
            return predefined_modes[mode]
        if mode in available_linkers():
            return Mode(mode, "fast_run", mode)
    raise ValueError(f"unknown mode {mode!r}; use one of {sorted(predefined_modes)}, a linker "
                     f"name {available_linkers()}, or a symgrad.compile.mode.Mode")
