"""The phase table: which rewrites run, in which order, under which optimizer.

Read this file to know what `function` does to a graph. Each phase is either an equilibrium of
the node rewriters registered under its tag, or a whole-graph rewriter. Rewrite modules register
into phases with `register(...)`; `optimize(fgraph, optimizer)` runs the selected phases.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from symgrad.graph.fgraph import FunctionGraph
from symgrad.rewriting.engine import (
    EquilibriumRewriter,
    GraphRewriter,
    NodeRewriter,
)

FAST_RUN = "fast_run"
FAST_COMPILE = "fast_compile"
OPTIMIZERS = (FAST_RUN, FAST_COMPILE, None)


@dataclass
class Phase:
    name: str
    position: float
    optimizers: tuple[str, ...]
    doc: str
    node_rewriters: list[NodeRewriter] = field(default_factory=list)
    graph_rewriters: list[GraphRewriter] = field(default_factory=list)


_BOTH = (FAST_RUN, FAST_COMPILE)

# THE phase table. Positions follow Theano's: lower runs first.
PHASES: tuple[Phase, ...] = (
    Phase("merge", 0, _BOTH, "equal subgraphs and constants become one"),
    Phase("useless", 0.6, _BOTH, "constant folding; drop fill/cast/dimshuffle/x*1/x+0/x**1"),
    Phase("canonicalize", 1, (FAST_RUN,), "one normal form: flattened add/mul, constants first"),
    Phase("stabilize", 1.5, (FAST_RUN,), "numerically safer forms: log1p, softplus, expm1"),
    Phase("specialize", 2, (FAST_RUN,), "faster forms: sqr, sqrt, reciprocal, neg, sub"),
    Phase("fusion", 3, (FAST_RUN,), "connected Elemwise nodes -> one Elemwise(Composite)"),
    Phase("inplace", 49.5, (FAST_RUN,), "reuse input memory (empty: outputs get fresh memory)"),
    Phase("merge_final", 100, _BOTH, "merge what the earlier phases made equal"),
)
_by_name = {p.name: p for p in PHASES}


def register(*phases: str):
    """Decorator adding a node rewriter (or graph rewriter) to the named phases."""
    for name in phases:
        if name not in _by_name:
            raise ValueError(f"unknown phase {name!r}; phases are {list(_by_name)}")

    def add(rewriter):
        for name in phases:
            phase = _by_name[name]
            target = phase.graph_rewriters if isinstance(rewriter, GraphRewriter) \
                else phase.node_rewriters
            if rewriter not in target:
                target.append(rewriter)
        return rewriter
    return add


def phase(name: str) -> Phase:
    return _by_name[name]


def phases_for(optimizer: str | None) -> list[Phase]:
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose from {OPTIMIZERS}")
    if optimizer is None:
        return []
    return [p for p in sorted(PHASES, key=lambda p: p.position) if optimizer in p.optimizers]


def optimize(fgraph: FunctionGraph, optimizer: str | None, exclude=()) -> int:
    """Run the phases `optimizer` selects (minus the `exclude`d phase names) on `fgraph`;
    return the number of replacements."""
    # config.optimizer_verbose is honoured by the caller, which prints the function's rewrite log
    changes = 0
    for ph in phases_for(optimizer):
        if ph.name in exclude:
            continue
        for graph_rewriter in ph.graph_rewriters:
            changes += graph_rewriter.apply(fgraph)
        if ph.node_rewriters:
            changes += EquilibriumRewriter(ph.node_rewriters, name=ph.name).apply(fgraph)
    return changes
