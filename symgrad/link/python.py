"""The reference VM: runs each node's numpy `perform` in topological order.

Storage is a fresh list per call, so one compiled function can run in several threads at once.
"""
from __future__ import annotations

import numpy as np

from symgrad.errors import NodeRuntimeError, format_frame
from symgrad.graph.basic import Constant


def describe_inputs(node, values) -> str:
    lines = []
    for i, (var, val) in enumerate(zip(node.inputs, values)):
        if isinstance(val, np.ndarray) or np.isscalar(val):
            arr = np.asarray(val)
            lines.append(f"  input {i}: {var} ({var.type}) shape={arr.shape} dtype={arr.dtype}")
        else:
            lines.append(f"  input {i}: {var} ({var.type}) value={val!r}")
    return "\n".join(lines)


def node_error(node, values, exc: Exception) -> NodeRuntimeError:
    """An error naming the failing op, the user's line that built it, and its inputs."""
    return NodeRuntimeError(
        f"{node.op} failed: {type(exc).__name__}: {exc}\n"
        f"The node was built at:\n  {format_frame(node.trace)}\n"
        f"Its inputs were:\n{describe_inputs(node, values)}")


class PythonLinker:
    """Builds a runner that calls `Op.perform` node by node."""

    name = "py"

    def make_runner(self, fgraph):
        order = fgraph.toposort()
        index: dict = {}
        template: list = []

        def slot(var) -> int:
            if var not in index:
                index[var] = len(template)
                template.append(var.data if isinstance(var, Constant) else None)
            return index[var]

        input_slots = [slot(v) for v in fgraph.inputs]
        steps = []
        for node in order:
            ins = [slot(v) for v in node.inputs]
            outs = [slot(v) for v in node.outputs]
            steps.append((node.op.perform, node, ins, outs))
        output_slots = [slot(v) for v in fgraph.outputs]

        def run(values):
            storage = list(template)
            for i, v in zip(input_slots, values):
                storage[i] = v
            for perform, node, ins, outs in steps:
                args = [storage[i] for i in ins]
                cells = [[None] for _ in outs]
                try:
                    perform(node, args, cells)
                except NodeRuntimeError:
                    raise
                except Exception as exc:
                    raise node_error(node, args, exc) from exc
                for i, cell in zip(outs, cells):
                    storage[i] = cell[0]
            return [storage[i] for i in output_slots]

        run.nodes = order
        return run
