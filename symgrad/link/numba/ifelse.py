"""IfElse under numba, lazy as on the Python VM: the nodes only one branch needs are emitted
inside an `if` block of the generated function, so the branch not taken never runs (it may
divide by zero, index out of range or loop for long: none of it happens).

`lazy_layout` gives each node a home: the innermost branch block every use of it lies in (a
graph output, or any use outside the branch, brings it out to the enclosing block). A node used
by one branch of two different ifelse nodes therefore runs before both (eagerly): the results
are the same; only such a shared node is computed where the VM might skip it.

An IfElse none of whose branch nodes could be deferred (its branch values are inputs, constants
or computed anyway) is a plain call of the select kernel below. Either way its outputs are its
branch values themselves, as on the VM, so IfElse is a view op: the runner copies a result that
could share memory with an input.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from symgrad.ifelse import IfElse
from symgrad.link.numba.dispatch import KERNEL_NAME, numba_kernel, view_ops

view_ops.add(IfElse)


@numba_kernel.register(IfElse)
def _ifelse_select_kernel(op: IfElse, node) -> str:
    n = op.n_outs
    then_vals = [f"t{k}" for k in range(n)]
    else_vals = [f"e{k}" for k in range(n)]
    return "\n".join([f"def {KERNEL_NAME}(c, {', '.join(then_vals + else_vals)}):",
                      "    if c:",
                      f"        return {', '.join(then_vals)}",
                      f"    return {', '.join(else_vals)}"]) + "\n"


@dataclass
class LazyBranch:
    """An IfElse node with the items (nodes, nested branches) each side computes first."""

    node: object
    then_items: list = field(default_factory=list)
    else_items: list = field(default_factory=list)

    @property
    def condition(self):
        return self.node.inputs[0]

    def values(self, side: int) -> list:
        n = self.node.op.n_outs
        return self.node.inputs[1 + side * n:1 + (side + 1) * n]


def lazy_layout(nodes: list, outputs: list) -> list:
    """`nodes` (in topological order) as a list of nodes and `LazyBranch`es, nested so that a
    node only a branch needs sits inside it; a graph without IfElse comes back as it is."""
    if not any(isinstance(node.op, IfElse) for node in nodes):
        return list(nodes)
    parent: dict = {}       # branch context (ifelse node, side) -> enclosing context
    depth: dict = {None: 0}  # None is the function's top level
    home: dict = {}
    readers: dict = {}
    for node in nodes:
        for i, var in enumerate(node.inputs):
            readers.setdefault(var, []).append((node, i))
    results = set(outputs)

    def enclosing(a, b):
        while a != b:
            if depth[a] >= depth[b]:
                a = parent[a]
            else:
                b = parent[b]
        return a

    def context_of_use(reader, i):
        if isinstance(reader.op, IfElse) and i > 0:
            return (reader, 0 if i <= reader.op.n_outs else 1)
        return home[reader]

    for node in reversed(nodes):  # every reader has its home before the node it reads
        uses = [context_of_use(r, i) for out in node.outputs for r, i in readers.get(out, ())]
        if any(out in results for out in node.outputs) or not uses:
            uses.append(None)
        where = uses[0]
        for ctx in uses[1:]:
            where = enclosing(where, ctx)
        home[node] = where
        if isinstance(node.op, IfElse):
            for side in (0, 1):
                parent[(node, side)] = where
                depth[(node, side)] = depth[where] + 1

    deferring = {ctx[0] for ctx in home.values() if ctx is not None}
    items: dict = {None: []}
    for node in nodes:
        if node in deferring:
            branch = LazyBranch(node, items.pop((node, 0), []), items.pop((node, 1), []))
            items.setdefault(home[node], []).append(branch)
        else:
            items.setdefault(home[node], []).append(node)
    return items[None]
