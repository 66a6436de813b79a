"""FunctionGraph: a graph with fixed inputs and outputs that knows every variable's clients.

`replace(old, new, reason)` is the only way it changes; listeners (features) hear every change.
"""
from __future__ import annotations

from typing import Iterable

from symgrad.graph.basic import Apply, Constant, Variable
from symgrad.graph.clone import clone_get_equiv
from symgrad.graph.traversal import io_toposort

OUTPUT = "output"  # the client standing for "is output number i of the graph"


class MissingInputError(ValueError):
    """An output depends on a variable that is neither an input nor a constant."""


class FunctionGraph:
    """Inputs, outputs, and the Apply nodes between them, with a clients map kept up to date."""

    def __init__(self, inputs: Iterable[Variable], outputs: Iterable[Variable],
                 features: Iterable = (), clone: bool = True) -> None:
        inputs, outputs = list(inputs), list(outputs)
        if clone:
            memo = clone_get_equiv(inputs, outputs, copy_inputs=True)
            self.equiv = memo
            inputs = [memo[v] for v in inputs]
            outputs = [memo[v] for v in outputs]
        else:
            self.equiv = None
        self.inputs: list[Variable] = []
        self.outputs: list[Variable] = []
        self.apply_nodes: set[Apply] = set()
        self.variables: set[Variable] = set()
        self.clients: dict[Variable, list[tuple]] = {}
        self._features: list = []
        self._new_nodes: list[Apply] | None = None
        self._pruned_nodes: list[Apply] | None = None
        for var in inputs:
            if var.owner is not None:
                raise ValueError(f"input {var} of a FunctionGraph must not be computed by a node")
            self.inputs.append(var)
            self._import_var(var)
        for i, out in enumerate(outputs):
            self._import_var(out, reason="init")
            self.outputs.append(out)
            self.clients[out].append((OUTPUT, i))
        for feature in features:
            self.attach_feature(feature)

    # --- building -------------------------------------------------------------------------
    def _import_var(self, var: Variable, reason: str | None = None) -> None:
        if var in self.variables:
            return
        if var.owner is not None:
            self._import_node(var.owner, reason)
        elif not isinstance(var, Constant) and var not in self.inputs:
            raise MissingInputError(
                f"the graph needs {var} ({var.type}), which is neither an input nor a constant; "
                "pass it in the inputs list (or use givens)")
        self.variables.add(var)
        self.clients.setdefault(var, [])

    def _import_node(self, node: Apply, reason: str | None) -> None:
        new_nodes = io_toposort(self.variables, node.outputs)
        for n in new_nodes:
            if n in self.apply_nodes:
                continue
            for var in n.inputs:
                if var not in self.variables:
                    self._import_var(var, reason)
            self.apply_nodes.add(n)
            for out in n.outputs:
                self.variables.add(out)
                self.clients.setdefault(out, [])
            for i, var in enumerate(n.inputs):
                self.clients[var].append((n, i))
            if self._new_nodes is not None:
                self._new_nodes.append(n)
            for f in self._features:
                getattr(f, "on_import", _noop)(self, n, reason)

    def _prune(self, var: Variable, reason: str | None) -> None:
        """Drop `var`'s node (and its now-unused ancestors) once nothing uses it."""
        stack = [var]
        while stack:
            v = stack.pop()
            node = v.owner
            if node is None or node not in self.apply_nodes:
                if v.owner is None and not self.clients.get(v) and v not in self.inputs:
                    self.variables.discard(v)
                    self.clients.pop(v, None)
                continue
            if any(self.clients.get(o) for o in node.outputs):
                continue
            self.apply_nodes.discard(node)
            if self._pruned_nodes is not None:
                self._pruned_nodes.append(node)
            for o in node.outputs:
                self.variables.discard(o)
                self.clients.pop(o, None)
            for f in self._features:
                getattr(f, "on_prune", _noop)(self, node, reason)
            for i, inp in enumerate(node.inputs):
                self.clients[inp].remove((node, i))
                stack.append(inp)

    # --- changing ---------------------------------------------------------------------------
    def change_node_input(self, node, i: int, new_var: Variable, reason: str | None = None) -> None:
        if node == OUTPUT:
            old = self.outputs[i]
            if old is new_var:
                return
            self.outputs[i] = new_var
        else:
            old = node.inputs[i]
            if old is new_var:
                return
            node.inputs[i] = new_var
        self._import_var(new_var, reason)
        self.clients[new_var].append((node, i))
        self.clients[old].remove((node, i))
        for f in self._features:
            getattr(f, "on_change_input", _noop)(self, node, i, old, new_var, reason)
        if not self.clients[old]:
            self._prune(old, reason)

    def replace(self, var: Variable, new_var: Variable, reason: str | None = None,
                verbose: bool = False) -> None:
        """Make every client of `var` use `new_var` instead (types must agree)."""
        if var is new_var:
            return
        if var not in self.variables:
            raise ValueError(f"{var} is not in this graph")
        if var.type != new_var.type:
            converted = var.type.convert_variable(new_var)
            if converted is None:
                raise TypeError(
                    f"cannot replace {var} ({var.type}) by {new_var} ({new_var.type})"
                    + (f" in rewrite {reason}" if reason else ""))
            new_var = converted
        self._new_nodes, self._pruned_nodes = [], []
        try:
            for node, i in list(self.clients[var]):
                self.change_node_input(node, i, new_var, reason)
            # the user's line travels with the computation it now stands for, and so do the
            # lines of the nodes it absorbed (a fused node names every line it computes)
            if var.owner is not None:
                merged = _traces_of([var.owner] + self._pruned_nodes)
                for node in self._new_nodes:
                    node.trace = var.owner.trace
                    if len(merged) > 1:
                        node.tag.merged_traces = merged
        finally:
            self._new_nodes = self._pruned_nodes = None
        for f in self._features:
            getattr(f, "on_replace", _noop)(self, var, new_var, reason)

    def replace_all(self, pairs, reason: str | None = None) -> None:
        for var, new_var in pairs:
            if var in self.variables:
                self.replace(var, new_var, reason)

    # --- features ---------------------------------------------------------------------------
    def attach_feature(self, feature) -> None:
        if feature in self._features:
            return
        self._features.append(feature)
        getattr(feature, "on_attach", _noop)(self)

    def remove_feature(self, feature) -> None:
        self._features.remove(feature)
        getattr(feature, "on_detach", _noop)(self)

    @property
    def features(self) -> list:
        return list(self._features)

    # --- reading ----------------------------------------------------------------------------
    def toposort(self) -> list[Apply]:
        return io_toposort(self.inputs, self.outputs)

    def get_clients(self, var: Variable) -> list[tuple]:
        return self.clients.get(var, [])

    def clone(self) -> FunctionGraph:
        return FunctionGraph(self.inputs, self.outputs, clone=True)

    def __str__(self) -> str:
        return f"FunctionGraph({', '.join(map(str, self.outputs))})"

    __repr__ = __str__


def _traces_of(nodes) -> list:
    """The distinct user lines behind `nodes`, in order, including lines merged earlier."""
    found: list = []
    for node in nodes:
        for frame in [node.trace, *getattr(node.tag, "merged_traces", ())]:
            if frame is not None and frame not in found:
                found.append(frame)
    return found


def _noop(*args, **kwargs) -> None:
    return None
