"""FunctionMaker: own the graph in a FunctionGraph, rewrite it, link it, build the Function.

The FunctionGraph's inputs are the explicit inputs followed by the implicit ones (shared
variables); its outputs are the function's outputs followed by one update per input that has
an update, in input order.
"""
from __future__ import annotations

import time
import warnings

from symgrad.compile.executor import Function
from symgrad.compile.io import In, Out
from symgrad.compile.mode import get_mode
from symgrad.config import config
from symgrad.errors import NodeRuntimeError, UnusedInputError
from symgrad.graph.features import ReplacementHistory
from symgrad.graph.fgraph import FunctionGraph
from symgrad.link.python import PythonLinker
from symgrad.printing.rewrite_log import RewriteLog


class FunctionMaker:
    """What a Function was made from: `inputs` (In, implicit ones last), `outputs` (Out), and
    the optimised `fgraph` (alias `env`)."""

    def __init__(self, inputs: list[In], outputs: list[Out], fgraph: FunctionGraph, mode=None,
                 name: str | None = None, optimized: bool = False,
                 on_unused_input: str | None = None) -> None:
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.mode = get_mode(mode)
        self.name = name
        self.on_unused_input = on_unused_input or config.on_unused_input
        self.fgraph = fgraph
        self.n_outputs = len(outputs)
        t0 = time.perf_counter()
        if not optimized:
            fgraph.attach_feature(ReplacementHistory())
            fgraph.attach_feature(RewriteLog(name))
            self.mode.optimize(fgraph)
            if config.optimizer_verbose:
                print(fgraph.rewrite_log)
        t1 = time.perf_counter()
        self.linker = self.mode.make_linker()
        self.runner = self._make_runner(fgraph)
        self.rewrite_time = t1 - t0
        self.link_time = time.perf_counter() - t1

    def _make_runner(self, fgraph):
        """A linker that keeps values on a device is told which outputs are updates (they
        stay there), which inputs it may overwrite, and which are the caller's data."""
        if not getattr(self.linker, "takes_function_layout", False):
            return self.linker.make_runner(fgraph)
        donate = [k for k, spec in enumerate(self.inputs)
                  if spec.implicit and spec.update is not None]
        explicit = [k for k, spec in enumerate(self.inputs) if not spec.implicit]
        return self.linker.make_runner(fgraph, n_outputs=self.n_outputs, donate=donate,
                                       batch_inputs=explicit)

    @classmethod
    def from_variables(cls, inputs: list[In], outputs: list[Out], output_vars, mode=None,
                       name: str | None = None, on_unused_input: str | None = None):
        """Build the FunctionGraph from the inputs' variables to `output_vars` plus updates."""
        update_vars = [spec.update for spec in inputs if spec.update is not None]
        fgraph = FunctionGraph([spec.variable for spec in inputs],
                               list(output_vars) + update_vars)
        return cls(inputs, outputs, fgraph, mode, name, on_unused_input=on_unused_input)

    @property
    def env(self) -> FunctionGraph:
        """Theano's older name for the optimised graph."""
        return self.fgraph

    @property
    def explicit_inputs(self) -> list[In]:
        return [spec for spec in self.inputs if not spec.implicit]

    @property
    def implicit_inputs(self) -> list:
        """The shared variables the function reads or updates without being passed them."""
        return [spec.variable for spec in self.inputs if spec.implicit]

    @property
    def updates(self) -> list[tuple]:
        """(variable, update expression in the optimised graph) for each updated input."""
        outs = self.fgraph.outputs[self.n_outputs:]
        targets = [spec.variable for spec in self.inputs if spec.update is not None]
        return list(zip(targets, outs))

    def locate_failure(self, values: list, exc: Exception) -> Exception:
        """The error to show for a failed call. A backend that runs the graph as one compiled
        function cannot say which node failed; the Python VM can, so the call is replayed
        there (inputs are never modified, so the replay sees the same values). Returns `exc`
        itself when it already names its node or when the VM does not fail."""
        if getattr(exc, "node", None) is not None or isinstance(self.linker, PythonLinker):
            return exc
        try:
            PythonLinker().make_runner(self.fgraph)(values)
        except NodeRuntimeError as located:
            if located.node is not None:
                return located
        except Exception:  # noqa: BLE001 - the backend's own error is the better report
            pass
        return exc

    def create(self, single_output: bool, outputs_none: bool = False) -> Function:
        return Function(self, single_output, outputs_none)

    def copy(self, swap: dict | None = None, delete_updates: bool = False,
             name: str | None = None) -> FunctionMaker:
        """A maker over a clone of the optimised graph, with shared variables swapped per
        `swap` and, if asked, without updates. The graph is not rewritten again."""
        inputs = list(self.inputs)
        swap = dict(swap or {})
        implicit = {spec.variable: pos for pos, spec in enumerate(inputs) if spec.implicit}
        for old, new in swap.items():
            if old not in implicit:
                raise ValueError(f"copy(swap=...): {old} is not a shared variable used by "
                                 "this function")
            if getattr(new, "container", None) is None or new.type != old.type:
                raise TypeError(f"copy(swap=...): {old} ({old.type}) can only be swapped for a "
                                f"shared variable of the same type, got {new} "
                                f"({getattr(new, 'type', type(new).__name__)})")
            pos = implicit[old]
            inputs[pos] = inputs[pos].replace(variable=new, value=new.container)
        outputs = self.fgraph.outputs
        if delete_updates:
            inputs = [spec.replace(update=None) for spec in inputs]
            outputs = outputs[:self.n_outputs]
        fgraph = FunctionGraph(self.fgraph.inputs, outputs, clone=True)
        if delete_updates:
            _check_unused(inputs, fgraph, self.on_unused_input)
        return FunctionMaker(inputs, self.outputs, fgraph, self.mode,
                             name if name is not None else self.name, optimized=True,
                             on_unused_input=self.on_unused_input)


def _check_unused(inputs: list[In], fgraph: FunctionGraph, policy: str) -> None:
    used = {var for node in fgraph.apply_nodes for var in node.inputs} | set(fgraph.outputs)
    for pos, (spec, var) in enumerate(zip(inputs, fgraph.inputs)):
        if spec.implicit or var in used:
            continue
        msg = (f"input {pos} ({spec.variable}) is no longer used once the updates are deleted; "
               "compile with on_unused_input='ignore' (or 'warn') to allow this")
        if policy == "raise":
            raise UnusedInputError(msg)
        if policy == "warn":
            warnings.warn(msg, stacklevel=3)
