"""The phase table: which rewrites run, in which order, under which optimizer.

Read this file to know what `function` does to a graph. Each phase is either an equilibrium of
the node rewriters registered under its tag, or a whole-graph rewriter. Rewrite modules register
into phases with `register(...)`; `optimize(fgraph, optimizer)` runs the selected phases.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from symgrad.graph.basic import traces_set_by_caller
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
    Phase("specialize", 2, (FAST_RUN,), "faster forms: sqr, sqrt, reciprocal, neg, sub; dot as "
          "Gemv/Dot22"),
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


# --- tags: what Mode.including / Mode.excluding name -------------------------------------------
def rewrite_names() -> set[str]:
    """The names of the registered rewrites (local_log1p, merge, fusion ...)."""
    return {r.name for p in PHASES for r in (*p.node_rewriters, *p.graph_rewriters)}


def check_tags(tags) -> tuple[str, ...]:
    """`tags` as a tuple after checking each names an optimizer, a phase or a rewrite."""
    tags = tuple(tags)
    known = set(OPTIMIZERS[:2]) | set(_by_name) | rewrite_names()
    for tag in tags:
        if tag not in known:
            raise ValueError(
                f"unknown rewrite tag {tag!r}: a tag is an optimizer ({', '.join(OPTIMIZERS[:2])})"
                f", a phase ({', '.join(_by_name)}) or a rewrite's name (such as local_log1p)")
    return tags


def _phase_names(tags) -> set[str]:
    """The phases that tags name, an optimizer's name standing for all the phases it runs."""
    names = set()
    for tag in tags:
        if tag in OPTIMIZERS[:2]:
            names.update(p.name for p in phases_for(tag))
        elif tag in _by_name:
            names.add(tag)
    return names


def optimize(fgraph: FunctionGraph, optimizer: str | None, exclude=(), include=()) -> int:
    """Run the phases `optimizer` selects on `fgraph`; return the number of replacements.

    `include` and `exclude` hold tags: an optimizer name, a phase name or a rewrite name. An
    included phase runs whole; an included rewrite runs (in its phase) even where its phase is
    not selected; whatever `exclude` names never runs."""
    # config.optimizer_verbose is honoured by the caller, which prints the function's rewrite log
    with traces_set_by_caller():  # FunctionGraph.replace gives new nodes the old node's trace
        return _optimize(fgraph, optimizer, set(exclude), set(include))


def _optimize(fgraph: FunctionGraph, optimizer: str | None, exclude: set, include: set) -> int:
    whole = {p.name for p in phases_for(optimizer)} | _phase_names(include)
    skipped = _phase_names(exclude)
    changes = 0
    for ph in sorted(PHASES, key=lambda p: p.position):
        if ph.name in skipped:
            continue

        def wanted(rewriter, ph=ph) -> bool:
            return rewriter.name not in exclude and (ph.name in whole or rewriter.name in include)

        for graph_rewriter in filter(wanted, ph.graph_rewriters):
            changes += graph_rewriter.apply(fgraph)
        node_rewriters = list(filter(wanted, ph.node_rewriters))
        if node_rewriters:
            changes += EquilibriumRewriter(node_rewriters, name=ph.name).apply(fgraph)
    return changes
