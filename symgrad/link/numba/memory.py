"""Reusing freed memory for large arrays instead of asking the kernel for fresh pages.

glibc serves large allocations with mmap and returns them on free, so every call that makes a
big output pays first-touch page faults again (for a 72 MB array about as much as the kernel
itself). With mmap off and a high trim threshold, a freed block stays in the heap and the next
call's output reuses it. This is process-wide, so it is a flag:
`SYMGRAD_FLAGS=numba_keep_freed_memory=False` turns it off. Other C libraries: no change.
"""
from __future__ import annotations

import ctypes
import ctypes.util

from symgrad.config import config

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_applied: list[bool] = []


def keep_freed_memory() -> bool:
    """Apply the setting once per process (when the flag allows); True if it is in force."""
    if not _applied:
        ok = False
        if config.numba_keep_freed_memory:
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                mallopt = libc.mallopt
            except (OSError, AttributeError):
                mallopt = None
            if mallopt is not None:
                ok = bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, 1 << 30))
        _applied.append(ok)
    return _applied[0]
