"""Graph rewriting: the phase table, the rewrite engine and the rewrites.

In: a FunctionGraph as `function` built it. Out: the same FunctionGraph, changed only through
`replace`, after the phases an optimizer name selects ('fast_run', 'fast_compile', or None).
The phase table is `symgrad.rewriting.db.PHASES`.
"""
from __future__ import annotations

# importing the rewrite modules registers their rewrites into the phase table
from symgrad.rewriting import basic, blas, fusion, math, sigmoid, stabilize  # noqa: F401
from symgrad.rewriting.db import OPTIMIZERS, PHASES, optimize, register  # noqa: F401
from symgrad.rewriting.engine import (  # noqa: F401
    EquilibriumRewriter,
    GraphRewriter,
    NodeRewriter,
    PatternRewriter,
    WalkingRewriter,
    node_rewriter,
)
