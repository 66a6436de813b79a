"""MonitorMode: call user functions before and after every node runs (Theano's debugging hook).

    def detect_nan(i, node, fn):
        for output in fn.outputs:
            if np.isnan(output[0]).any(): raise ...
    f = function([x], y, mode=MonitorMode(post_func=detect_nan))

`pre_func(i, node, fn)` and `post_func(i, node, fn)` get the node's position in the run order,
the Apply node, and an object whose `inputs` and `outputs` are lists of one-element storage
cells (`fn.inputs[k][0]` is input k's value; outputs are filled only for post_func). The graph
runs on the Python VM, which is where the values of every node exist.
"""
from __future__ import annotations

import numpy as np

from symgrad.compile.mode import Mode
from symgrad.link.python import PythonLinker


class NodeCall:
    """One node's run, as pre_func and post_func see it."""

    def __init__(self, inputs: list, outputs: list) -> None:
        self.inputs = inputs
        self.outputs = outputs


class MonitorMode(Mode):
    """A mode that calls pre_func and post_func around each node (either may be None)."""

    def __init__(self, pre_func=None, post_func=None, optimizer: str | None = "default",
                 linker=None) -> None:
        super().__init__("py", optimizer, "MonitorMode")
        self.pre_func = pre_func
        self.post_func = post_func

    def __eq__(self, other) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def make_linker(self):
        return _MonitoringLinker(self)


class _MonitoringLinker(PythonLinker):
    name = "monitor"

    def __init__(self, mode: MonitorMode) -> None:
        super().__init__(wrap_perform=self._wrapped)
        self.mode = mode
        self._position: dict = {}

    def make_runner(self, fgraph):
        self._position = {node: i for i, node in enumerate(fgraph.toposort())}
        return super().make_runner(fgraph)

    def _wrapped(self, node, perform):
        i = self._position[node]
        pre, post = self.mode.pre_func, self.mode.post_func

        def run(node_, args, cells):
            call = NodeCall([[a] for a in args], cells)
            if pre is not None:
                pre(i, node, call)
            perform(node_, args, cells)
            if post is not None:
                post(i, node, call)
        return run


def detect_nan(i, node, fn) -> None:
    """A post_func for MonitorMode: raise ValueError at the first node whose float output
    holds a NaN, naming the node and its inputs."""
    for k, cell in enumerate(fn.outputs):
        value = cell[0]
        if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "fc" \
                and np.isnan(value).any():
            shapes = [np.shape(c[0]) for c in fn.inputs]
            raise ValueError(f"NaN in output {k} of node {i}: {node.op}; input shapes {shapes}")
