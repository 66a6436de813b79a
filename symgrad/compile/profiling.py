"""ProfileStats: call counts and times of compiled functions (`function(..., profile=True)`).

Only profiled functions pay for it: their runner is wrapped, others are untouched.
"""
from __future__ import annotations

import sys
import time


class ProfileStats:
    """Counts calls and accumulates the time spent running a function's graph.

    One instance may be passed to several functions (`profile=stats`) to add them up.
    """

    def __init__(self, name: str | None = None) -> None:
        self.name = name
        self.call_count = 0
        self.call_time = 0.0
        self.rewrite_time = 0.0
        self.link_time = 0.0

    def wrap(self, runner):
        """`runner` timed into this profile."""
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

    def summary(self, file=None) -> str:
        per_call = self.call_time / self.call_count if self.call_count else 0.0
        text = (f"Function profile{' ' + repr(self.name) if self.name else ''}: "
                f"{self.call_count} call(s), {self.call_time:.6f} s running "
                f"({per_call * 1e6:.1f} us per call); rewriting {self.rewrite_time:.6f} s, "
                f"linking {self.link_time:.6f} s")
        print(text, file=file or sys.stdout)
        return text
