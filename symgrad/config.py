"""Configuration flags, read once from SYMGRAD_FLAGS (or THEANO_FLAGS): "floatX=float32,mode=FAST_COMPILE"."""
from __future__ import annotations

import os
from contextlib import contextmanager


def _default_compiledir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "symgrad")


class Config:
    """A flat set of named flags with validation for the few that have fixed choices."""

    _choices = {
        "floatX": ("float64", "float32", "float16"),
        "mode": ("FAST_RUN", "FAST_COMPILE", "DebugMode", "NanGuardMode"),
        "on_unused_input": ("raise", "warn", "ignore"),
        "on_opt_error": ("warn", "raise", "ignore"),
    }

    _ints = ("num_threads",)

    def __init__(self) -> None:
        object.__setattr__(self, "_values", {
            "floatX": "float64",
            "mode": "FAST_RUN",
            "linker": "auto",
            "compiledir": _default_compiledir(),
            # numba linker: keep freed large blocks for reuse (see symgrad/link/numba/memory.py)
            "numba_keep_freed_memory": True,
            # numba linker: threads for large elementwise loops and reductions; 0 = every core
            # numba may use (NUMBA_NUM_THREADS), 1 = serial code only
            "num_threads": 0,
            "optimizer_verbose": False,
            # a rewrite that raises: warn and skip it (users), or raise (the test suite)
            "on_opt_error": "warn",
            "on_unused_input": "raise",
            "compute_test_value": "off",
        })
        flags = os.environ.get("SYMGRAD_FLAGS") or os.environ.get("THEANO_FLAGS") or ""
        for item in filter(None, (part.strip() for part in flags.split(","))):
            name, _, value = item.partition("=")
            self._set(name.strip(), _parse(value.strip()))

    def _set(self, name: str, value) -> None:
        if name not in self._values:
            raise AttributeError(f"unknown config flag {name!r}; known: {sorted(self._values)}")
        if name in self._ints:
            value = int(value)
            if value < 0:
                raise ValueError(f"config.{name} must be >= 0, got {value}")
        choices = self._choices.get(name)
        if choices and value not in choices:
            raise ValueError(f"config.{name} must be one of {choices}, got {value!r}")
        self._values[name] = value

    def __getattr__(self, name: str):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"symgrad.config has no flag {name!r}") from None

    def __setattr__(self, name: str, value) -> None:
        self._set(name, value)

    @contextmanager
    def change_flags(self, **flags):
        """Temporarily set flags: `with config.change_flags(floatX='float32'): ...`."""
        old = {name: self._values[name] for name in flags}
        try:
            for name, value in flags.items():
                self._set(name, value)
            yield
        finally:
            self._values.update(old)


def _parse(text: str):
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


config = Config()
