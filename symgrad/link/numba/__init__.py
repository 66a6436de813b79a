"""The numba backend: a FunctionGraph in, one jitted function (with a Python-side runner) out.

In: a rewritten FunctionGraph. Out: a runner calling one generated, jitted function.

dispatch.py holds the per-Op-class kernel table; scalar.py, elemwise.py, reduce.py,
structure.py, markers.py and the other kernel modules fill it (ifelse.py also lays out lazy
branches; scan.py turns a loop's step graph into jitted helpers); vectormath.py has the math
functions kernels inline so their loops vectorise (exp, log, tanh ..., float64 and float32),
mathlib.py the other scalar helpers, arrayviews.py the views that keep a contiguous operand
typed contiguous, vector_width.py the 512-bit vectors on AVX-512 CPUs;
linker.py generates a graph's module (each kernel without helpers in a module of its own, shared
by every graph); cache.py stores them by content so numba's own cache can keep the machine code.
"""
from __future__ import annotations

# first: numba fixes its target's features when it creates its first jitted function
from symgrad.link.numba import vector_width  # noqa: F401

# isort: split

# importing the kernel modules fills the kernel table
from symgrad.link.numba import (  # noqa: F401
    advanced_index,
    elemwise,
    extra_ops,
    linalg,
    markers,
    mrg,
    nnet,
    reduce,
    scan,
    shape_index,
    structure,
)
from symgrad.link.numba import random as _random_kernels  # noqa: F401
from symgrad.link.numba.background import wait_idle  # noqa: F401
from symgrad.link.numba.dispatch import (  # noqa: F401
    numba_kernel,
    ops_without_kernel,
)
from symgrad.link.numba.linker import NumbaLinker, TieredLinker  # noqa: F401
