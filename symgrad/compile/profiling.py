"""ProfileStats: where a compiled function spends its time (`function(..., profile=True)`).

Only profiled functions pay for it: their runner is replaced by a timed one, others are
untouched. Per-node times come from the Python VM, which runs one node at a time and can time
each step. A backend that runs the whole graph as one compiled function (numba) has no node
boundaries to time, so for it only whole calls are timed and the summary says so; compile with
`mode=Mode(linker='py')` (or FAST_COMPILE) to see per-node times.
"""
from __future__ import annotations

import sys
import time

from symgrad.errors import format_frame
from symgrad.link.python import PythonLinker


class ProfileStats:
    """Counts calls and accumulates time: per call, per Apply node and per op.

    One instance may be passed to several functions (`profile=stats`) to add them up.
    """

    def __init__(self, name: str | None = None) -> None:
        self.name = name
        self.call_count = 0
        self.call_time = 0.0
        self.rewrite_time = 0.0
        self.link_time = 0.0
        self.node_stats: dict = {}  # Apply node -> [calls, seconds]
        self.unavailable: list[str] = []  # why some functions have no per-node times

    # --- building the timed runner ----------------------------------------------------------
    def profiled_runner(self, maker):
        """A runner for `maker`'s graph that records into this profile."""
        self.rewrite_time += maker.rewrite_time
        self.link_time += maker.link_time
        if type(maker.linker) is PythonLinker:
            runner = PythonLinker(wrap_perform=self._timed_perform).make_runner(maker.fgraph)
        else:
            linker = getattr(maker.linker, "name", type(maker.linker).__name__)
            self.unavailable.append(
                f"linker {linker!r} runs the graph as one unit, so only whole calls are timed; "
                "compile with mode=Mode(linker='py') for per-node times")
            runner = maker.runner
        return self.wrap(runner)

    def _timed_perform(self, node, perform):
        record = self.node_stats.setdefault(node, [0, 0.0])
        clock = time.perf_counter

        def timed(node_, args, cells):
            start = clock()
            try:
                perform(node_, args, cells)
            finally:
                record[0] += 1
                record[1] += clock() - start
        return timed

    def wrap(self, runner):
        """`runner` with its whole calls timed into this profile."""
        clock = time.perf_counter

        def timed(values):
            start = clock()
            try:
                return runner(values)
            finally:
                self.call_count += 1
                self.call_time += clock() - start

        timed.nodes = getattr(runner, "nodes", None)
        return timed

    # --- reading ----------------------------------------------------------------------------
    def op_stats(self) -> list[tuple[str, int, float, int]]:
        """(op, calls, seconds, number of nodes) per op, slowest first."""
        by_op: dict[str, list] = {}
        for node, (calls, seconds) in self.node_stats.items():
            entry = by_op.setdefault(str(node.op), [0, 0.0, 0])
            entry[0] += calls
            entry[1] += seconds
            entry[2] += 1
        rows = [(op, c, s, n) for op, (c, s, n) in by_op.items()]
        return sorted(rows, key=lambda row: -row[2])

    def summary(self, file=None, n_nodes: int = 20) -> str:
        """Print (to `file`, default stdout) and return the profile as text."""
        per_call = self.call_time / self.call_count if self.call_count else 0.0
        title = f"Function profile{' ' + repr(self.name) if self.name else ''}"
        compile_time = self.rewrite_time + self.link_time
        lines = [
            (f"{title}: {self.call_count} call(s), {self.call_time:.6f} s running "
             f"({per_call * 1e6:.1f} us per call)"),
            (f"  compile time: {compile_time:.6f} s (rewrite {self.rewrite_time:.6f} s + "
             f"link {self.link_time:.6f} s)"),
        ]
        lines += [f"  per-node times unavailable: {why}" for why in dict.fromkeys(self.unavailable)]
        node_total = sum(s for _, s in self.node_stats.values())
        if self.node_stats:
            share = (lambda s: 100.0 * s / node_total) if node_total > 0 else (lambda s: 0.0)
            lines.append(f"  time in nodes: {node_total:.6f} s "
                         f"({100.0 * node_total / self.call_time if self.call_time else 0:.1f}% "
                         "of the running time; the rest is the VM's own work)")
            lines += ["", "Ops, slowest first:",
                      f"  {'share':>6}  {'time (s)':>10}  {'calls':>7}  {'nodes':>5}  op"]
            for op, calls, seconds, n in self.op_stats():
                lines.append(f"  {share(seconds):5.1f}%  {seconds:10.6f}  {calls:7d}  {n:5d}  {op}")
            columns = f"  {'share':>6}  {'time (s)':>10}  {'calls':>7}  node, and its line"
            lines += ["", f"Nodes, slowest first (up to {n_nodes}):", columns]
            ranked = sorted(self.node_stats.items(), key=lambda item: -item[1][1])
            for node, (calls, seconds) in ranked[:n_nodes]:
                lines.append(f"  {share(seconds):5.1f}%  {seconds:10.6f}  {calls:7d}  {node}")
                lines.append(f"{'':32}{format_frame(node.trace).splitlines()[0]}")
        text = "\n".join(lines)
        print(text, file=file or sys.stdout)
        return text
