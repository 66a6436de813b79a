"""The kernel table: one numba kernel generator per Op class (`functools.singledispatch`).

A generator `numba_kernel(op, node)` returns the source of a function named `KERNEL` that takes
the node's inputs (arrays, or plain numbers for 0-d tensors) and returns its output (a tuple when
it has several). Sources are plain text so that a graph's whole module is content-keyed on disk;
a `KernelSource` may also carry module-level helper blocks the kernel calls.
An Op class without a generator is an error when linking, never a silent slow path;
`ops_without_kernel()` lists them for the totality test.
"""
from __future__ import annotations

import ast
from functools import singledispatch
from typing import Self

from symgrad.graph.inline import is_inlinable
from symgrad.graph.op import Op


class MissingKernelError(NotImplementedError):
    """An op in the graph has no numba kernel."""


class KernelSourceError(Exception):
    """A kernel generator returned text that is not valid Python (a bug in the generator)."""


KERNEL_NAME = "KERNEL"


class KernelSource(str):
    """A kernel's source that calls module-level helpers (a loop's step graph, say) which the
    generated module must define too. Each helper is a block of module-level source whose
    names are derived from its content, so a helper several kernels share is emitted once;
    blocks come in dependency order (a helper only uses the ones before it)."""

    helpers: tuple[str, ...] = ()

    def __new__(cls, text: str, helpers=()) -> Self:
        source = super().__new__(cls, text)
        source.helpers = tuple(helpers)
        return source


@singledispatch
def numba_kernel(op, node) -> str:
    """Source of `def KERNEL(*inputs)` computing `node`; registered per Op class."""
    raise MissingKernelError(
        f"{type(op).__name__} has no numba kernel; register one with "
        f"@numba_kernel.register({type(op).__name__}) in symgrad/link/numba, or compile with "
        "mode='FAST_COMPILE' (the Python VM)")


def check_kernel_source(text: str, node) -> None:
    """Parse a newly generated kernel's source, so a generator's bug is reported naming the op,
    the node and the line before numba compiles (and caches) a whole module around it."""
    op_name = type(node.op).__name__
    try:
        compile(text, f"<numba kernel of {op_name}>", "exec", flags=ast.PyCF_ONLY_AST)
    except SyntaxError as exc:
        lines = text.splitlines()
        line = lines[exc.lineno - 1] if exc.lineno and exc.lineno <= len(lines) else exc.text
        raise KernelSourceError(
            f"the numba kernel generator for {op_name} returned invalid source for the node "
            f"{node}: {exc.msg} at line {exc.lineno}:\n    {(line or '').strip()}\n"
            f"(the whole kernel:)\n{text}") from exc


def has_kernel(op) -> bool:
    """Whether an op (or Op class) can run under numba; an Elemwise also needs its scalar op."""
    cls = op if isinstance(op, type) else type(op)
    if is_inlinable(cls):
        return True  # compiled as the graph it stands for (graph/inline.py)
    if numba_kernel.dispatch(cls) is numba_kernel.dispatch(object):
        return False
    check = _kernel_checks.get(cls)
    return check is None or isinstance(op, type) or check(op)


# op classes whose kernels may return a view of (or the very array of) an input
view_ops: set = set()


def may_alias_storage(var) -> bool:
    """Whether a graph variable's value may share memory with an input or constant."""
    owner = var.owner
    if owner is None:
        return True
    return isinstance(owner.op, tuple(view_ops)) and any(may_alias_storage(v) for v in owner.inputs)


# op class -> predicate on an instance, for classes whose coverage depends on parameters
_kernel_checks: dict = {}

# op class -> predicate(fgraph, node), for coverage that depends on the node's inputs or on how
# the graph uses its outputs (a graph with a refused node runs on the Python VM); subclasses
# without a check of their own get their nearest base's, as they get its kernel
_node_checks: dict = {}


def node_has_kernel(fgraph, node) -> bool:
    """Whether numba can run this node of this graph (its op has a kernel, and the kernel
    accepts the node's input types and uses)."""
    if not has_kernel(node.op):
        return False
    for cls in type(node.op).__mro__:
        if cls in _node_checks:
            return _node_checks[cls](fgraph, node)
    return True


# Type class -> name, in the generated module, of a plain-Python function the runner applies
# to every graph input of that type before the call: kernels advance random generators in
# place, so the runner hands them a copy and the caller's object is never changed
runner_input_copies: dict = {}


def all_op_classes() -> list[type]:
    """Every runnable tensor-level Op class defined in symgrad."""
    found, stack = [], [Op]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            in_library = sub.__module__.split(".")[:2] in (
                ["symgrad", "tensor"], ["symgrad", "scan"], ["symgrad", "compile"],
                ["symgrad", "ifelse"], ["symgrad", "gradient"])
            # private bases that never run themselves (no perform of their own) are skipped
            runnable = sub.perform is not Op.perform and not sub.__name__.startswith("_")
            if in_library and runnable:
                found.append(sub)
    return sorted(set(found), key=lambda c: (c.__module__, c.__name__))


def ops_without_kernel() -> list[str]:
    """Names of the tensor-level Op classes that cannot run under the numba linker."""
    return [f"{c.__module__}.{c.__name__}" for c in all_op_classes() if not has_kernel(c)]


def kernel_def(args, lines) -> str:
    """Source of `def KERNEL(args...)` with the given body lines."""
    return "\n".join([f"def {KERNEL_NAME}({', '.join(args)}):"]
                      + ["    " + line for line in lines]) + "\n"


def source_tuple(items) -> str:
    """Python source of a tuple of the given item texts (one item keeps its comma)."""
    items = list(items)
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def indent(lines, depth: int) -> list[str]:
    pad = "    " * depth
    return [pad + line for line in lines]
