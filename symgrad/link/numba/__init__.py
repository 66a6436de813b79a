"""The numba backend: a FunctionGraph in, one jitted function (with a Python-side runner) out.

dispatch.py holds the per-Op-class kernel table; scalar.py, elemwise.py, reduce.py,
structure.py and the other kernel modules fill it (ifelse.py also lays out lazy branches;
scan.py turns a loop's step graph into jitted helpers); mathlib.py has the vectorisable scalar
functions kernels call; linker.py generates a graph's module; cache.py stores it by content so
numba's own cache can keep the machine code.
"""
from __future__ import annotations

# importing the kernel modules fills the kernel table
from symgrad.link.numba import (  # noqa: F401
    advanced_index,
    elemwise,
    extra_ops,
    linalg,
    mrg,
    nnet,
    reduce,
    shape_index,
    structure,
)
from symgrad.link.numba import random as _random_kernels  # noqa: F401
from symgrad.link.numba.background import wait_idle  # noqa: F401
from symgrad.link.numba.dispatch import (  # noqa: F401
    defer_kernel_module,
    numba_kernel,
    ops_without_kernel,
)
from symgrad.link.numba.linker import NumbaLinker, TieredLinker  # noqa: F401

# ifelse.py comes in through linker.py (its lazy layout). scan.py imports symgrad.compile,
# which imports this package: it is loaded on the first kernel lookup
defer_kernel_module("symgrad.link.numba.scan")
