"""512-bit vectors for generated kernels on CPUs with AVX-512.

LLVM tunes its Intel AVX-512 targets to prefer 256-bit vectors (`prefer-256-bit`), so a numba
loop over float64 runs four lanes where the CPU has eight: on a 1000x1000 sigmoid gradient
the exp loop took 1.08 ms at 256 bits and 0.80 ms at 512, and a chain of 200 elementwise
ops 73 ms against 45 ms. numba reads its target's features once, when it first compiles, so
this runs as the backend is imported: it appends `-prefer-256-bit` to the host's features.

Process-wide (numba has one target for every jitted function), so it is a flag:
`SYMGRAD_FLAGS=numba_wide_vectors=False` keeps LLVM's choice; a user's own NUMBA_CPU_NAME or
NUMBA_CPU_FEATURES always wins, and so does a numba that has compiled something already.
"""
from __future__ import annotations

import os

import llvmlite.binding as llvm
from numba.core import config as numba_config

from symgrad.config import config

WIDE = "-prefer-256-bit"


def wide_vector_features(host_features: dict, environ) -> str | None:
    """The feature string to give numba, or None to leave numba's default: only on AVX-512
    hosts and only when the user set neither NUMBA_CPU_NAME nor NUMBA_CPU_FEATURES."""
    if "NUMBA_CPU_NAME" in environ or "NUMBA_CPU_FEATURES" in environ:
        return None
    if not host_features.get("avx512f"):
        return None
    flat = ",".join(("+" if on else "-") + name for name, on in sorted(host_features.items()))
    return f"{flat},{WIDE}"


def _codegen_started() -> bool:
    """Whether numba already built its target machine (its features are then fixed)."""
    from numba.core.registry import cpu_target
    # a cached property: present in the instance's dict once numba has created its context
    return "_toplevel_target_context" in vars(cpu_target)


def apply() -> bool:
    """Set numba's features once, if the flag and the host allow; True when 512-bit is on."""
    if not config.numba_wide_vectors or numba_config.CPU_FEATURES is not None:
        return WIDE in (numba_config.CPU_FEATURES or "")
    features = wide_vector_features(dict(llvm.get_host_cpu_features()), os.environ)
    if features is None or _codegen_started():
        return False
    # the environment too: numba re-reads its settings from it whenever a NUMBA_ variable changes
    os.environ["NUMBA_CPU_FEATURES"] = features
    numba_config.CPU_FEATURES = features
    return True


IN_FORCE = apply()
