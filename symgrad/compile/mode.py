"""Modes: which rewrites run and which linker builds the callable.

FAST_RUN (default): every rewrite phase, the fastest linker available ("tiered": the Python VM
until numba has compiled the graph in the background, then numba).
FAST_COMPILE: merge, constant folding and useless-op removal, the Python VM.
"""
from __future__ import annotations

from symgrad.config import config
from symgrad.link import available_linkers, get_linker


class Mode:
    """A linker name and an optimizer name; `Mode(linker='py', optimizer=None)`."""

    def __init__(self, linker: str | None = None, optimizer: str | None = "fast_run",
                 name: str | None = None) -> None:
        self.linker_name = linker or "auto"
        self.optimizer = optimizer
        self.name = name

    def __repr__(self) -> str:
        return self.name or f"Mode(linker={self.linker_name!r}, optimizer={self.optimizer!r})"

    def resolved_linker_name(self) -> str:
        name = self.linker_name
        if name == "auto":
            name = config.linker if config.linker != "auto" else (
                "tiered" if "tiered" in available_linkers() and self.optimizer == "fast_run"
                else "py")
        return name

    def make_linker(self):
        return get_linker(self.resolved_linker_name())

    def including(self, *tags) -> Mode:
        return Mode(self.linker_name, self.optimizer, self.name)

    def __eq__(self, other) -> bool:
        return isinstance(other, Mode) and (self.linker_name, self.optimizer) == (
            other.linker_name, other.optimizer)

    def __hash__(self) -> int:
        return hash((self.linker_name, self.optimizer))


predefined_modes = {
    "FAST_RUN": Mode("auto", "fast_run", "FAST_RUN"),
    "FAST_COMPILE": Mode("py", "fast_compile", "FAST_COMPILE"),
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
