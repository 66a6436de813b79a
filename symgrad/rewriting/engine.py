"""The rewrite engine: node rewriters, pattern rewriters, and the drivers that apply them.

A node rewriter is a function `(fgraph, node) -> replacements or None`; replacements are a list
(one new variable per output of `node`) or a dict {old variable: new variable}. Drivers apply
rewriters and make every change through `FunctionGraph.replace`, with the rewriter's name as the
reason. A rewriter that raises is skipped with a warning (`config.on_opt_error='raise'` makes it
an error, as the test suite does), so a bug in a rewrite never produces a wrong graph.
"""
from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Callable, Iterable

from symgrad.config import config
from symgrad.errors import format_frame
from symgrad.graph.basic import Constant, Variable
from symgrad.graph.fgraph import OUTPUT, FunctionGraph
from symgrad.tensor.constant import constant
from symgrad.tensor.elemwise import DimShuffle, Elemwise


class RewriteError(RuntimeError):
    """A rewrite raised; only raised when config.on_opt_error is 'raise'."""


class NodeRewriter:
    """A named local rewrite, applied only to nodes whose op (or Elemwise scalar op) matches
    one of the classes in `tracks` (all nodes when `tracks` is empty)."""

    def __init__(self, fn: Callable, tracks: Iterable[type] = (), name: str | None = None):
        self.fn = fn
        self.tracks = tuple(tracks)
        self.name = name or fn.__name__
        self.__doc__ = fn.__doc__

    def matches(self, node) -> bool:
        if not self.tracks:
            return True
        op = node.op
        if isinstance(op, self.tracks):
            return True
        return isinstance(op, Elemwise) and isinstance(op.scalar_op, self.tracks)

    def transform(self, fgraph: FunctionGraph, node):
        return self.fn(fgraph, node)

    def __call__(self, fgraph: FunctionGraph, node):
        return self.fn(fgraph, node)

    def __repr__(self) -> str:
        return f"<NodeRewriter {self.name}>"


def node_rewriter(tracks: Iterable[type] = (), name: str | None = None):
    """Decorator: `@node_rewriter([sm.Pow])` makes a function a NodeRewriter."""
    def wrap(fn: Callable) -> NodeRewriter:
        return NodeRewriter(fn, tracks, name)
    return wrap


class GraphRewriter:
    """A rewrite that looks at the whole graph at once (merge, fusion)."""

    name = "graph_rewriter"

    def apply(self, fgraph: FunctionGraph) -> int:
        """Rewrite fgraph in place; return the number of replacements made."""
        raise NotImplementedError


# --- pattern rewriters ------------------------------------------------------------------------
class PatternRewriter(NodeRewriter):
    """Rewrite by example: `PatternRewriter((log, (add, 1, "x")), (log1p, "x"))`.

    A pattern is a string (binds any variable; the same name must bind the same variable), a
    number (matches a constant whose every element equals it), or a tuple (op, *sub-patterns)
    matching a node of that op. The replacement is built from the bound variables; numbers in it
    become constants of the matched output's dtype. `guard(bindings)` may veto a match.
    """

    def __init__(self, in_pattern: tuple, out_pattern, name: str | None = None,
                 guard: Callable | None = None) -> None:
        self.in_pattern = in_pattern
        self.out_pattern = out_pattern
        self.guard = guard
        op = in_pattern[0]
        tracks = (type(op.scalar_op),) if isinstance(op, Elemwise) else (type(op),)
        super().__init__(self._rewrite, tracks, name or f"pattern_{op}")

    def _rewrite(self, fgraph, node):
        bindings: dict = {}
        if not _match(self.in_pattern, node.outputs[0], bindings):
            return None
        if self.guard is not None and not self.guard(bindings):
            return None
        return [_build(self.out_pattern, bindings, node.outputs[0])]


def _match(pattern, var: Variable, bindings: dict) -> bool:
    if isinstance(pattern, str):
        if pattern in bindings:
            return bindings[pattern] is var
        bindings[pattern] = var
        return True
    if isinstance(pattern, (int, float)):
        return constant_equals(var, pattern)
    op, *subs = pattern
    node = var.owner
    if node is None or node.op != op or len(node.inputs) != len(subs):
        return False
    return all(_match(p, v, bindings) for p, v in zip(subs, node.inputs))


def _build(pattern, bindings: dict, like: Variable) -> Variable:
    if isinstance(pattern, str):
        return bindings[pattern]
    if isinstance(pattern, (int, float)):
        return constant(pattern, dtype=like.type.dtype)
    op, *subs = pattern
    return op(*[_build(p, bindings, like) for p in subs])


def constant_of(var: Variable):
    """The Constant behind `var`, looking through DimShuffles that only add broadcast axes
    (how Elemwise pads a constant); None when var is not constant."""
    while var.owner is not None and isinstance(var.owner.op, DimShuffle) \
            and var.owner.op.is_broadcast_only:
        var = var.owner.inputs[0]
    return var if isinstance(var, Constant) else None


def constant_value(var: Variable):
    """The value `var` holds when it is a constant seen through broadcasting DimShuffles, shaped
    as `var` itself (an axis may be inserted anywhere, not only on the left); else None."""
    shufflers = []
    while var.owner is not None and isinstance(var.owner.op, DimShuffle) \
            and var.owner.op.is_broadcast_only:
        shufflers.append(var.owner)
        var = var.owner.inputs[0]
    if not isinstance(var, Constant):
        return None
    value = var.data
    for node in reversed(shufflers):
        cell = [None]
        node.op.perform(node, [value], [cell])
        value = cell[0]
    return value


def constant_equals(var: Variable, value) -> bool:
    """Whether `var` is a constant whose every element equals `value`."""
    const = constant_of(var)
    if const is None:
        return False
    try:
        return bool((const.data == value).all())
    except (TypeError, ValueError, AttributeError):
        return False


# --- applying one rewriter to one node ---------------------------------------------------------
def _replacement_pairs(node, result) -> list[tuple[Variable, Variable]]:
    if isinstance(result, dict):
        return list(result.items())
    result = list(result)
    if len(result) != len(node.outputs):
        raise ValueError(f"a rewrite returned {len(result)} replacements for {len(node.outputs)} "
                         "outputs")
    return [(o, n) for o, n in zip(node.outputs, result) if n is not None and n is not o]


def _check_reachable(fgraph: FunctionGraph, new: Variable, old: Variable) -> None:
    """A replacement may only use the graph's variables and constants, and not the variable it
    replaces (checked before any change, so a bad rewrite leaves the graph untouched)."""
    seen: set = set()
    stack = [new]
    while stack:
        var = stack.pop()
        if var is old:
            raise ValueError(f"the replacement for {old} is computed from {old} itself")
        if var in seen or var in fgraph.variables:
            continue
        seen.add(var)
        if var.owner is not None:
            stack.extend(var.owner.inputs)
        elif not isinstance(var, Constant):
            raise ValueError(f"the replacement uses {var}, which is not part of the graph")


def try_rewrite(fgraph: FunctionGraph, rewriter: NodeRewriter, node) -> bool:
    """Apply `rewriter` to `node`; True when the graph changed."""
    try:
        result = rewriter.transform(fgraph, node)
        if not result:
            return False
        pairs = _replacement_pairs(node, result)
        if not pairs:
            return False
        for old, new in pairs:
            if old.type != new.type:
                raise TypeError(f"replacement {new} ({new.type}) for {old} ({old.type}) "
                                "changes the type")
            _check_reachable(fgraph, new, old)
        for old, new in pairs:
            if old in fgraph.variables:
                fgraph.replace(old, new, reason=rewriter.name)
        return True
    except Exception as exc:  # noqa: BLE001 - a rewrite bug must not break compilation
        report_failure(rewriter.name, node, exc)
        return False


def report_failure(name: str, node, exc: Exception) -> None:
    """Users get a warning and the graph as it was; the test suite gets the exception."""
    policy = config.on_opt_error
    trace = getattr(node, "trace", None)
    where = f" (the node was built at {format_frame(trace)})" if trace is not None else ""
    if policy == "raise":
        raise RewriteError(f"rewrite {name} failed on {node}{where}: {type(exc).__name__}: "
                           f"{exc}") from exc
    if policy == "warn":
        warnings.warn(f"rewrite {name} failed on {node} and was skipped{where}: "
                      f"{type(exc).__name__}: {exc}", stacklevel=3)


# --- drivers ----------------------------------------------------------------------------------
class _RewriterIndex:
    """The rewriters that may apply to a node, looked up once per (op class, scalar op class)."""

    def __init__(self, rewriters: Iterable[NodeRewriter]) -> None:
        self.rewriters = list(rewriters)
        self._cache: dict = {}

    def for_node(self, node) -> list[NodeRewriter]:
        op = node.op
        key = (type(op), type(op.scalar_op) if isinstance(op, Elemwise) else None)
        found = self._cache.get(key)
        if found is None:
            found = [r for r in self.rewriters if r.matches(node)]
            self._cache[key] = found
        return found


class WalkingRewriter(GraphRewriter):
    """One pass over the nodes in topological order (or reversed), each rewriter tried once."""

    def __init__(self, rewriters: Iterable[NodeRewriter], reverse: bool = False,
                 name: str = "walking") -> None:
        self.index = _RewriterIndex(rewriters)
        self.reverse = reverse
        self.name = name

    def apply(self, fgraph: FunctionGraph) -> int:
        order = fgraph.toposort()
        if self.reverse:
            order.reverse()
        changes = 0
        for node in order:
            for rewriter in self.index.for_node(node):
                if node not in fgraph.apply_nodes:
                    break
                if try_rewrite(fgraph, rewriter, node):
                    changes += 1
                    break
        return changes


class _Worklist:
    """Listener that queues every node a replacement creates or touches."""

    def __init__(self, nodes) -> None:
        self.queue = deque(nodes)
        self.queued = set(self.queue)

    def push(self, node) -> None:
        if node is not None and node != OUTPUT and node not in self.queued:
            self.queued.add(node)
            self.queue.append(node)

    def on_import(self, fgraph, node, reason) -> None:
        self.push(node)

    def on_change_input(self, fgraph, node, i, old, new, reason) -> None:
        self.push(node)
        self.push(old.owner)  # its clients changed: single-client rewrites may now apply
        self.push(new.owner)


class EquilibriumRewriter(GraphRewriter):
    """Apply node rewriters until none changes the graph, revisiting only touched nodes."""

    def __init__(self, rewriters: Iterable[NodeRewriter], name: str = "equilibrium",
                 max_changes_per_node: int = 50) -> None:
        self.index = _RewriterIndex(rewriters)
        self.name = name
        self.max_changes_per_node = max_changes_per_node

    def apply(self, fgraph: FunctionGraph) -> int:
        work = _Worklist(fgraph.toposort())
        budget = self.max_changes_per_node * max(len(fgraph.apply_nodes), 10)
        changes = 0
        fgraph.attach_feature(work)
        try:
            while work.queue:
                node = work.queue.popleft()
                work.queued.discard(node)
                if node not in fgraph.apply_nodes:
                    continue
                for rewriter in self.index.for_node(node):
                    if try_rewrite(fgraph, rewriter, node):
                        changes += 1
                        break
                if changes > budget:
                    report_failure(self.name, "the graph", RuntimeError(
                        f"no equilibrium after {changes} replacements; stopped"))
                    break
        finally:
            fgraph.remove_feature(work)
        return changes


class SequenceRewriter(GraphRewriter):
    """Graph rewriters run one after the other."""

    def __init__(self, steps: Iterable[GraphRewriter], name: str = "sequence") -> None:
        self.steps = list(steps)
        self.name = name

    def apply(self, fgraph: FunctionGraph) -> int:
        return sum(step.apply(fgraph) for step in self.steps)
