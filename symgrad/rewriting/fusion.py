"""Fusion: a connected group of Elemwise nodes becomes one `Elemwise(Composite)` node.

The Python VM then evaluates the group without intermediate graph nodes, and a compiling backend
can turn it into one loop. A node joins its consumer's group only when nothing outside the group
uses its result, so no intermediate value has to be kept.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.clone import clone_replace
from symgrad.graph.fgraph import FunctionGraph
from symgrad.graph.traversal import io_toposort
from symgrad.rewriting.db import register
from symgrad.rewriting.engine import GraphRewriter, constant_of, report_failure
from symgrad.scalar.basic import ScalarConstant
from symgrad.scalar.composite import Composite
from symgrad.scalar.type import ScalarType
from symgrad.tensor.elemwise import Elemwise


def _fusable(node) -> bool:
    return isinstance(node.op, Elemwise) and len(node.outputs) == 1


def _inlinable_constant(var) -> bool:
    """A constant that broadcasts along every axis can live inside the scalar graph."""
    return constant_of(var) is not None and all(var.type.broadcastable)


class FusionRewriter(GraphRewriter):
    """Replace each maximal single-output group of Elemwise nodes by one Composite node."""

    name = "fusion"

    def apply(self, fgraph: FunctionGraph) -> int:
        changes = 0
        for node in reversed(fgraph.toposort()):
            if node not in fgraph.apply_nodes or not _fusable(node):
                continue
            group = self._group(fgraph, node)
            if len(group) < 2:
                continue
            try:
                new = self._fused(node, group)
                if new is not None:
                    fgraph.replace(node.outputs[0], new, reason=self.name)
                    changes += 1
            except Exception as exc:  # noqa: BLE001 - keep the unfused node instead
                report_failure(self.name, node, exc)
        return changes

    @staticmethod
    def _group(fgraph: FunctionGraph, root) -> set:
        group = {root}
        frontier = [root]
        while frontier:
            node = frontier.pop()
            for var in node.inputs:
                parent = var.owner
                if parent is None or parent in group or not _fusable(parent):
                    continue
                if all(client in group for client, _ in fgraph.clients[var]):
                    group.add(parent)
                    frontier.append(parent)
        return group

    @staticmethod
    def _fused(root, group: set):
        outer_inputs: list = []
        scalar_of: dict = {}
        boundary = {v for n in group for v in n.inputs if v.owner not in group}
        # walk the group in the graph's own order so equal graphs fuse to equal composites
        # (same input order and text), which keeps compile caches hitting
        ordered = io_toposort(boundary, [root.outputs[0]])
        for node in ordered:
            for var in node.inputs:
                if var.owner in group or var in scalar_of:
                    continue
                if _inlinable_constant(var):
                    value = np.asarray(constant_of(var).data).reshape(())
                    scalar_of[var] = ScalarConstant(ScalarType(var.type.dtype), value)
                else:
                    scalar_of[var] = ScalarType(var.type.dtype)()
                    outer_inputs.append(var)
        if not outer_inputs:
            return None  # all constants: constant folding's business
        out = root.outputs[0]
        for node in ordered:
            args = [scalar_of[v] for v in node.inputs]
            sop = node.op.scalar_op
            if isinstance(sop, Composite):  # inline: composites never nest
                results = clone_replace(list(sop.outputs), dict(zip(sop.inputs, args)))
            else:
                results = sop.make_node(*args).outputs
            for tvar, svar in zip(node.outputs, results):
                if svar.type.dtype != tvar.type.dtype:
                    return None
                scalar_of[tvar] = svar
        composite = Composite([scalar_of[v] for v in outer_inputs], [scalar_of[out]])
        new = Elemwise(composite)(*outer_inputs)
        return new if new.type == out.type else None


fusion = register("fusion")(FusionRewriter())
