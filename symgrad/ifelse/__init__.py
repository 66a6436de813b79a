"""ifelse: a lazy branch. Only the branch the condition picks is computed.

In: a scalar condition and two branches of matching types. Out: IfElse nodes, whose gradient is
an ifelse of the branch gradients; `rewriting` removes branches decided at compile time.
Control flow follows one pattern (here and in `symgrad.scan`): the op and its gradient in the
package, its rewrites in `rewriting.py`, its kernels in the backends.
"""
from symgrad.ifelse import rewriting  # noqa: F401  (registers the rewrites)
from symgrad.ifelse.op import IfElse, ifelse

__all__ = ["IfElse", "ifelse"]
