"""Graph rewriting: the phase table, the rewrite engine and the rewrites.

`optimize(fgraph, optimizer)` runs the phases an optimizer name selects ('fast_run',
'fast_compile', or None for none) on a FunctionGraph, changing it only through replace.
"""
from __future__ import annotations

OPTIMIZERS = ("fast_run", "fast_compile", None)


def optimize(fgraph, optimizer: str | None) -> None:
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose from {OPTIMIZERS}")
    # the rewrite database is filled by symgrad.rewriting.db (optimizer work in progress)
