"""The kernel table: one numba kernel generator per Op class, looked up by `functools.singledispatch`.

A generator `numba_kernel(op, node)` returns the source of a function named `KERNEL` that takes
the node's inputs (arrays, or plain numbers for 0-d tensors) and returns its output (a tuple when
it has several). Sources are plain text so that a graph's whole module is content-keyed on disk.
An Op class without a generator is an error when linking, never a silent slow path;
`ops_without_kernel()` lists them for the totality test.
"""
from __future__ import annotations

from functools import singledispatch

from symgrad.graph.op import Op


class MissingKernelError(NotImplementedError):
    """An op in the graph has no numba kernel."""


KERNEL_NAME = "KERNEL"


@singledispatch
def numba_kernel(op, node) -> str:
    """Source of `def KERNEL(*inputs)` computing `node`; registered per Op class."""
    raise MissingKernelError(
        f"{type(op).__name__} has no numba kernel; register one with "
        f"@numba_kernel.register({type(op).__name__}) in symgrad/link/numba, or compile with "
        "mode='FAST_COMPILE' (the Python VM)")


def has_kernel(op_class: type) -> bool:
    return numba_kernel.dispatch(op_class) is not numba_kernel.dispatch(object)


def all_op_classes() -> list[type]:
    """Every concrete Op subclass defined in symgrad (abstract bases excluded)."""
    found, stack = [], [Op]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("symgrad.tensor") or sub.__module__.startswith(
                    "symgrad.scan") or sub.__module__.startswith("symgrad.compile"):
                found.append(sub)
    return sorted(set(found), key=lambda c: (c.__module__, c.__name__))


def ops_without_kernel() -> list[str]:
    """Names of the tensor-level Op classes that cannot run under the numba linker."""
    return [f"{c.__module__}.{c.__name__}" for c in all_op_classes() if not has_kernel(c)]


def indent(lines, depth: int) -> list[str]:
    pad = "    " * depth
    return [pad + line for line in lines]
