"""The JAX backend: a FunctionGraph in, one jax.jit program (with a Python-side runner) out.

dispatch.py holds the per-Op-class implementation table; elemwise.py (scalar ops lifted
elementwise, reductions), shape.py (shapes, reshapes, indexing), math.py (dot, matmul, sort,
extra ops), nnet.py, linalg.py, random.py, mrg.py (MRG31k3p, the VM's numbers), ifelse.py
(lax.cond), scan.py (lax.scan, and lax.while_loop for `until`) and callbacks.py (as_op and
Print as host callbacks) fill it; linker.py traces the graph; sharding.py runs it
data-parallel. Importing this package imports jax (the linker registry imports it lazily).
"""
from __future__ import annotations

# importing the implementation modules fills the table
from symgrad.link.jax import (  # noqa: F401
    callbacks,
    elemwise,
    extra_ops,
    ifelse,
    linalg,
    markers,
    math,
    mrg,
    nnet,
    random,
    scan,
    shape,
)
from symgrad.link.jax.dispatch import jax_funcify, ops_without_jax  # noqa: F401
from symgrad.link.jax.linker import JaxLinker  # noqa: F401
from symgrad.link.jax.sharding import DataParallel  # noqa: F401
