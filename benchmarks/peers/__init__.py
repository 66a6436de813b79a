"""One module per implementation; each exposes `setup(options) -> dict` and
`build(workload, data) -> Built`. The registry below maps an implementation id to its module."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Built:
    """A compiled workload: `run()` performs one call (its results ready on return) and returns
    what the call returned; `outputs(raw)` turns the first call's result into numpy arrays keyed
    like the reference's. `note` says how it was built (shown in the report)."""

    run: Callable[[], Any]
    outputs: Callable[[Any], dict]
    notes: list = field(default_factory=list)


# id -> (module, label, options passed to setup)
IMPLS = {
    "symgrad": ("peers.theano_like", "symgrad FAST_RUN", {"lib": "symgrad", "mode": None}),
    "symgrad_fc": ("peers.theano_like", "symgrad FAST_COMPILE",
                   {"lib": "symgrad", "mode": "FAST_COMPILE"}),
    "numpy": ("peers.numpy_peer", "numpy (hand-written)", {}),
    "pytensor": ("peers.theano_like", "PyTensor (default mode)", {"lib": "pytensor", "mode": None}),
    "symgrad_jax": ("peers.theano_like", "symgrad JAX", {"lib": "symgrad", "mode": "JAX"}),
    "jax": ("peers.jax_peer", "JAX (jit)", {}),
    "torch": ("peers.torch_peer", "PyTorch", {}),
}
ORDER = tuple(IMPLS)
BASELINE = "symgrad"
# Implementations with an on-disk compile cache, timed a second time reusing it ("warm").
WARM_CACHE = ("symgrad", "symgrad_fc", "pytensor")


def load(impl: str):
    module, label, options = IMPLS[impl]
    return importlib.import_module(module), label, dict(options)
