"""Rewrites of lazy branches, registered into the optimizer's phases.

In: an IfElse node in a FunctionGraph. Out: the branch itself when the condition is a constant
or both branches are the same variables.
"""
from __future__ import annotations

from symgrad.graph.basic import Constant
from symgrad.ifelse.op import IfElse
from symgrad.rewriting.db import register
from symgrad.rewriting.engine import node_rewriter


@register("useless")
@node_rewriter([IfElse])
def local_ifelse_known_branch(fgraph, node):
    """ifelse(constant c, a, b) -> a or b;  ifelse(c, a, a) -> a."""
    n = node.op.n_outs
    condition, then_vals, else_vals = node.inputs[0], node.inputs[1:1 + n], node.inputs[1 + n:]
    if isinstance(condition, Constant):
        chosen = then_vals if condition.data else else_vals
    elif all(t is e for t, e in zip(then_vals, else_vals)):
        chosen = then_vals
    else:
        return None
    # a branch may declare more length-1 axes than the output; then leave the node be
    if any(v.type != out.type for v, out in zip(chosen, node.outputs)):
        return None
    return list(chosen)
