"""Compile a graph with one optimizer and show what the rewrites made of it."""
from __future__ import annotations

from symgrad import function, pp
from symgrad.compile.mode import Mode


def compiled(inputs, outputs, optimizer="fast_run"):
    """A function compiled with the Python VM and the given optimizer."""
    return function(inputs, outputs, mode=Mode("py", optimizer), on_unused_input="ignore")


def optimized_text(inputs, output, optimizer="fast_run") -> str:
    """pp of the optimised graph of `output` (one line per output)."""
    return pp(compiled(inputs, output, optimizer).maker.fgraph.outputs)


def node_ops(f) -> list[str]:
    """The ops of a compiled function's graph, in run order."""
    return [str(n.op) for n in f.maker.fgraph.toposort()]
