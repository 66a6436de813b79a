"""The reference VM: runs each node's numpy `perform` in topological order.

Storage is a fresh list per call, so one compiled function can run in several threads at once.

Lazy ops (`op.lazy = True`, e.g. ifelse) receive their inputs on demand: their
`perform_lazy(node, fetch, output_storage)` calls `fetch(i)` for the inputs it needs, and only
the nodes those inputs depend on run. A graph holding a lazy op is run demand-driven from its
outputs; other graphs keep the plain topological loop.
"""
from __future__ import annotations

import numpy as np

from symgrad.config import config
from symgrad.errors import NodeRuntimeError, located_error_type, node_origin
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


def _shape_of(value):
    return np.shape(value) if isinstance(value, np.ndarray) or np.isscalar(value) else "?"


def node_error(node, values, exc: Exception) -> NodeRuntimeError:
    """An error naming the failing op, the user's line that built it, and its inputs. It is
    also an instance of `exc`'s type, so code catching numpy's error still catches it; it
    carries `node`, `input_shapes` and `origin` (the user's line) as attributes."""
    shapes = [_shape_of(v) for v in values]
    origin = node_origin(node)
    error = located_error_type(type(exc))(
        f"{node.op} failed: {type(exc).__name__}: {exc}\n"
        f"Input shapes: [{', '.join(map(str, shapes))}]\n"
        f"The node was built at:\n{origin}\n"
        f"Its inputs were:\n{describe_inputs(node, values)}" + _producers(node))
    error.node = node
    error.input_shapes = shapes
    error.origin = origin
    return error


def _producers(node, depth: int = 3) -> str:
    """With config.exception_verbosity='high': the subgraph that computed the node's inputs."""
    if config.exception_verbosity != "high":
        return ""
    lines = ["", "The subgraph computing its inputs:"]

    def walk(var, level: int) -> None:
        owner = var.owner
        what = f"{owner.op}" if owner is not None else "input" if var.name else "constant"
        lines.append(f"{'  ' * level}|{var} ({var.type}) <- {what}")
        if owner is not None and level < depth:
            for inp in owner.inputs:
                walk(inp, level + 1)

    for var in node.inputs:
        walk(var, 1)
    return "\n".join(lines)


class PythonLinker:
    """Builds a runner that calls `Op.perform` node by node.

    `wrap_perform(node, perform) -> perform`, when given, wraps each node's step (profiling
    times it, checking modes look at its results); the plain VM pays nothing for it. Lazy ops
    (ifelse) run unwrapped: their work is the branches they ask for, which are wrapped.
    """

    name = "py"

    def __init__(self, wrap_perform=None) -> None:
        self.wrap_perform = wrap_perform

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
            perform = node.op.perform
            if self.wrap_perform is not None and not getattr(node.op, "lazy", False):
                perform = self.wrap_perform(node, perform)
            steps.append((perform, node, ins, outs))
        output_slots = [slot(v) for v in fgraph.outputs]
        if any(getattr(node.op, "lazy", False) for node in order):
            run = _demand_driven_runner(template, input_slots, steps, output_slots)
            run.nodes = order
            return run

        def run(values):
            storage = list(template)
            for i, v in zip(input_slots, values):
                storage[i] = v
            for perform, node, ins, outs in steps:
                _run_node(perform, node, [storage[i] for i in ins], outs, storage)
            return [storage[i] for i in output_slots]

        run.nodes = order
        return run


_UNSET = object()  # a storage cell not computed yet in this call


def _run_node(perform, node, args, outs, storage) -> None:
    cells = [[None] for _ in outs]
    try:
        perform(node, args, cells)
    except NodeRuntimeError:
        raise
    except Exception as exc:
        raise node_error(node, args, exc) from exc
    for i, cell in zip(outs, cells):
        storage[i] = cell[0]


def _demand_driven_runner(template, input_slots, steps, output_slots):
    """A runner that computes a node only when an output (or a lazy op) asks for its value."""
    producer = {}  # storage slot -> the step that fills it
    for step in steps:
        for i in step[3]:
            producer[i] = step
    template = [_UNSET if v is None else v for v in template]

    def run(values):
        storage = list(template)
        for i, v in zip(input_slots, values):
            storage[i] = v

        def fetch_slot(slot: int):
            if storage[slot] is _UNSET:
                compute(slot)
            return storage[slot]

        def compute(slot: int) -> None:
            # iterative post-order walk, so long chains do not hit the recursion limit
            stack = [producer[slot]]
            while stack:
                perform, node, ins, outs = stack[-1]
                if storage[outs[0]] is not _UNSET:
                    stack.pop()
                    continue
                lazy = getattr(node.op, "lazy", False)
                missing = [] if lazy else [producer[i] for i in ins if storage[i] is _UNSET]
                if missing:
                    stack.extend(missing)
                    continue
                stack.pop()
                if lazy:
                    _run_lazy_node(node, ins, outs, storage, fetch_slot)
                else:
                    _run_node(perform, node, [storage[i] for i in ins], outs, storage)

        return [fetch_slot(i) for i in output_slots]

    return run


def _run_lazy_node(node, ins, outs, storage, fetch_slot) -> None:
    cells = [[None] for _ in outs]

    def fetch(k: int):
        return fetch_slot(ins[k])

    try:
        node.op.perform_lazy(node, fetch, cells)
    except NodeRuntimeError:
        raise
    except Exception as exc:
        known = [storage[i] if storage[i] is not _UNSET else None for i in ins]
        raise node_error(node, known, exc) from exc
    for i, cell in zip(outs, cells):
        storage[i] = cell[0]
