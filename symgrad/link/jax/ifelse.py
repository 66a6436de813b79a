"""IfElse as `lax.cond`: the chosen branch's values are the outputs.

The branches' values are computed before the cond (the graph is one traced program), so both
run on the device; a condition known while tracing picks its side directly, and then the other
side's values may even have other shapes."""
from __future__ import annotations

from jax import lax

from symgrad.ifelse import IfElse
from symgrad.link.jax.dispatch import is_concrete, jax_funcify


@jax_funcify.register(IfElse)
def _ifelse(op, node):
    n = op.n_outs

    def ifelse(condition, *branches):
        then, other = tuple(branches[:n]), tuple(branches[n:])
        if is_concrete(condition):
            chosen = then if bool(condition) else other
        else:
            chosen = tuple(lax.cond(condition != 0, lambda: then, lambda: other))
        return chosen if n > 1 else chosen[0]
    return ifelse
