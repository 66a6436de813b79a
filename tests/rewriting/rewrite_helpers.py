"""Compile a graph with one optimizer and show what the rewrites made of it."""
from __future__ import annotations

from symgrad import function, pp
from symgrad.compile.mode import Mode
from symgrad.graph.fgraph import FunctionGraph
from symgrad.rewriting import optimize


def compiled(inputs, outputs, optimizer="fast_run"):
    """A function compiled with the Python VM and the given optimizer."""
    return function(inputs, outputs, mode=Mode("py", optimizer), on_unused_input="ignore")


def optimized_text(inputs, output, optimizer="fast_run") -> str:
    """pp of the optimised graph of `output` (one line per output)."""
    return pp(compiled(inputs, output, optimizer).maker.fgraph.outputs)


def canonical_text(inputs, output, optimizer="fast_run") -> str:
    """pp of `output` after every phase but fusion, so the algebra's forms stay visible."""
    fgraph = FunctionGraph(inputs, [output])
    optimize(fgraph, optimizer, exclude=("fusion",))
    return pp(fgraph.outputs[0])


def node_ops(f) -> list[str]:
    """The ops of a compiled function's graph, in run order."""
    return [str(n.op) for n in f.maker.fgraph.toposort()]
