"""FunctionMaker: clone the graph into a FunctionGraph, rewrite it, link it, build the Function."""
from __future__ import annotations

import time

from symgrad.config import config
from symgrad.graph.fgraph import FunctionGraph
from symgrad.graph.features import ReplacementHistory
from symgrad.compile.executor import Function
from symgrad.compile.mode import get_mode
from symgrad import rewriting


class FunctionMaker:
    """Holds what a Function was made from: `inputs`, `outputs`, the optimised `fgraph`."""

    def __init__(self, in_specs, implicit, out_vars, out_specs, update_pairs, upd_vars,
                 mode=None, name=None) -> None:
        self.inputs = list(in_specs)
        self.implicit_inputs = list(implicit)
        self.outputs = list(out_specs)
        self.updates = list(update_pairs)
        self.mode = get_mode(mode)
        self.name = name
        graph_inputs = [s.variable for s in in_specs] + self.implicit_inputs
        self.fgraph = FunctionGraph(graph_inputs, list(out_vars) + list(upd_vars))
        self.fgraph.attach_feature(ReplacementHistory())
        t0 = time.perf_counter()
        rewriting.optimize(self.fgraph, self.mode.optimizer)
        t1 = time.perf_counter()
        self.linker = self.mode.make_linker()
        self.runner = self.linker.make_runner(self.fgraph)
        t2 = time.perf_counter()
        self.rewrite_time = t1 - t0
        self.link_time = t2 - t1
        self.n_outputs = len(out_vars)
        if config.optimizer_verbose:
            for reason, old, new in self.fgraph.history.entries:
                print(f"rewrite {reason}: {old} -> {new}")

    @property
    def env(self) -> FunctionGraph:
        """Theano's older name for the optimised graph."""
        return self.fgraph

    def create(self, single_output: bool, outputs_none: bool = False) -> Function:
        return Function(self, single_output, outputs_none)
