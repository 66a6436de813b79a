"""Modes: which rewrites run and which linker builds the callable.

FAST_RUN (default): every rewrite phase, the fastest linker available ("tiered": the Python VM
until numba has compiled the graph in the background, then numba).
FAST_COMPILE: merge, constant folding and useless-op removal, the Python VM.
JAX: every rewrite phase, the whole graph as one jax.jit program (an optional dependency);
`Mode(linker='jax', sharding='data')` runs it data-parallel over all devices.
`mode.including(tag, ...)` / `mode.excluding(tag, ...)` add or remove rewrites by tag: an
optimizer name, a phase name (symgrad.rewriting.db.PHASES) or a rewrite's name.

Theano's names work too (see OPTIMIZER_NAMES and LINKER_NAMES for what each stands for):
optimizers 'fast_run', 'fast_compile', 'merge', 'stabilize', 'unsafe', 'o1'..'o4', 'None'
(or None); linkers 'cvm' and 'cvm_nogc' (the fastest: numba, behind the VM while it compiles),
'c', 'c|py' and 'c|py_nogc' (numba; ops without a numba kernel run on the VM), 'vm', 'vm_nogc'
and 'py' (the Python VM). Theano's memory flags (_nogc) change nothing here: storage is fresh
per call and freed when the call returns.
"""
from __future__ import annotations

import copy

from symgrad.config import config
from symgrad.link import available_linkers, get_linker, register_linker  # noqa: F401
from symgrad.rewriting import db as rewrite_db
from symgrad.scan import op as scan_op

# Theano optimizer name -> (our optimizer, phases it adds). Theano's o1 is its cheapest
# level (our fast_compile), o2/o3 its levels below fast_run (fast_run without fusion here),
# o4 and 'unsafe' fast_run (symgrad has no rewrite that is only valid for some inputs).
_ALL_STABLE = ("merge", "useless", "canonicalize", "stabilize", "merge_final")
OPTIMIZER_NAMES: dict = {
    "fast_run": ("fast_run", ()),
    "fast_compile": ("fast_compile", ()),
    "merge": (None, ("merge", "merge_final")),
    "stabilize": (None, _ALL_STABLE),
    "unsafe": ("fast_run", ()),
    "o1": ("fast_compile", ()),
    "o2": (None, _ALL_STABLE + ("specialize",)),
    "o3": (None, _ALL_STABLE + ("specialize",)),
    "o4": ("fast_run", ()),
    "None": (None, ()),
    None: (None, ()),
}

# Theano linker name -> ours ("auto": the fastest available, chosen per mode)
LINKER_NAMES = {"cvm": "auto", "cvm_nogc": "auto", "c": "numba", "c|py": "numba",
                "c|py_nogc": "numba", "vm": "py", "vm_nogc": "py", "py": "py"}

# Theano rewrite tags for what symgrad calls otherwise; tags of Theano's C and GPU rewrites
# name nothing here, so excluding them changes nothing (including them is an error).
_TAG_ALIASES = {"local_elemwise_fusion": "fusion", "elemwise_fusion": "fusion",
                "constant_folding": "local_constant_folding", "inplace_opt": "inplace",
                "BlasOpt": "local_dot_to_blas", "blas_opt": "local_dot_to_blas"}
_FOREIGN_TAGS = frozenset({"gpu", "gpuarray", "cxx_only", "blas", "c_blas",
                           "scipy_blas", "cudnn", "conv_dnn", "local_remove_all_assert"})


def _own_tags(tags, excluding: bool) -> tuple[str, ...]:
    tags = tuple(_TAG_ALIASES.get(t, t) for t in tags)
    if excluding:
        tags = tuple(t for t in tags if t not in _FOREIGN_TAGS)
    return rewrite_db.check_tags(tags)


class Mode:
    """A linker name and an optimizer name; `Mode(linker='py', optimizer=None)`.

    Both take Theano's names (LINKER_NAMES, OPTIMIZER_NAMES); `optimizer='default'` (or no
    optimizer argument) is config.optimizer.
    """

    included: tuple[str, ...] = ()  # rewrite tags added to / removed from the optimizer's
    excluded: tuple[str, ...] = ()  # phases (class defaults for modes pickled without them)

    sharding = None  # the JAX linker's data parallelism (symgrad/link/jax/sharding.py)

    def __init__(self, linker: str | None = None, optimizer: str | None = "default",
                 name: str | None = None, sharding=None) -> None:
        linker = linker or "auto"
        self.linker_name = LINKER_NAMES.get(linker, linker)
        if optimizer == "default":
            optimizer = config.optimizer
        if optimizer not in OPTIMIZER_NAMES:
            raise ValueError(f"unknown optimizer {optimizer!r}; choose from "
                             f"{sorted(map(str, OPTIMIZER_NAMES))}")
        self.optimizer, phases = OPTIMIZER_NAMES[optimizer]
        if phases:
            self.included = phases
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
            chosen = LINKER_NAMES.get(config.linker, config.linker)
            name = chosen if chosen != "auto" else (
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
            t for t in _own_tags(tags, False) if t not in self.included)
        return new

    def excluding(self, *tags: str) -> Mode:
        """A copy of this mode that never runs the rewrites the tags name."""
        new = copy.copy(self)
        new.excluded = self.excluded + tuple(
            t for t in _own_tags(tags, True) if t not in self.excluded)
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


# Theano's module-level names for the two main modes
FAST_RUN, FAST_COMPILE = predefined_modes["FAST_RUN"], predefined_modes["FAST_COMPILE"]

# Theano's table of optimizer names; predefined_linkers maps each linker name to ours
predefined_optimizers = OPTIMIZER_NAMES
predefined_linkers = LINKER_NAMES


def register_mode(name: str, mode: Mode) -> None:
    """Make `mode=name` (and config.mode=name, for names config accepts) mean `mode`."""
    if name in predefined_modes:
        raise ValueError(f"mode name {name!r} is already registered")
    predefined_modes[name] = mode


def register_optimizer(name: str, optimizer: str | None, phases: tuple = ()) -> None:
    """Make `Mode(optimizer=name)` run `optimizer` (one of ours) plus the named phases."""
    if name in OPTIMIZER_NAMES:
        raise ValueError(f"optimizer name {name!r} is already registered")
    rewrite_db.check_tags(phases)
    OPTIMIZER_NAMES[name] = (OPTIMIZER_NAMES[optimizer][0], tuple(phases))


def get_default_mode() -> Mode:
    """The mode `function` uses when given none: config.mode, with config.optimizer and
    config.linker when config.mode is 'Mode' or the default optimizer is changed."""
    return get_mode(None)


def get_mode(mode) -> Mode:
    """A Mode from None (config.mode), a name ('FAST_RUN', 'FAST_COMPILE', a linker) or a Mode.

    A mode given by name (or None) also gets config.optimizer_including and
    config.optimizer_excluding (':'-separated rewrite tags), as Theano applies them."""
    chosen = _mode_from(mode)
    if isinstance(mode, Mode):
        return chosen
    including = [t for t in config.optimizer_including.split(":") if t]
    excluding = [t for t in config.optimizer_excluding.split(":") if t]
    if including:
        chosen = chosen.including(*including)
    if excluding:
        chosen = chosen.excluding(*excluding)
    return chosen


def _mode_from(mode) -> Mode:
    if mode is None:
        mode = config.mode
        if mode == "Mode" or (mode == "FAST_RUN" and config.optimizer != "fast_run"):
            return Mode(config.linker, config.optimizer)
    if isinstance(mode, Mode):
        return mode
    if isinstance(mode, str):
        if mode in predefined_modes:
            return predefined_modes[mode]
        if mode == "Mode":
            return Mode(config.linker, config.optimizer)
        if mode in available_linkers() or mode in LINKER_NAMES:
            return Mode(mode, "fast_run", mode)
    raise ValueError(f"unknown mode {mode!r}; use one of {sorted(predefined_modes)}, a linker "
                     f"name {available_linkers()}, or a symgrad.compile.mode.Mode")


# scan compiles its step graphs with the modes named here
scan_op.set_mode_resolver(get_mode)
