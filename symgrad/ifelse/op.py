"""ifelse: a lazy branch. Only the branch the condition picks is computed.

`switch(cond, a, b)` chooses element by element and computes both sides; `ifelse(cond, a, b)`
takes a scalar condition and, under a linker that honours laziness (the Python VM does), runs
only the nodes the chosen branch needs.
"""
from __future__ import annotations

from symgrad.gradient.batch import NoBatchRuleError, batch_rule, lift_to_batch
from symgrad.graph.basic import Apply, Variable
from symgrad.graph.op import Op
from symgrad.scalar.type import discrete_dtypes
from symgrad.tensor.basic import as_tensor_variable, zeros_like
from symgrad.tensor.type import TensorType


class IfElse(Op):
    """inputs: condition, then-values (n_outs), else-values (n_outs); outputs: n_outs values.

    `lazy = True` asks the VM to call `perform_lazy` with a `fetch(i)` that computes input i
    on demand; `perform` is the eager fallback for linkers that compute every input.
    """

    __props__ = ("n_outs", "as_view")
    lazy = True

    def __init__(self, n_outs: int, as_view: bool = False, gpu: bool = False,
                 name: str | None = None) -> None:
        """as_view: Theano's promise that outputs may be views of the chosen branch; the
        values are the same either way (symgrad's linkers decide aliasing). gpu must be
        False: symgrad runs on the CPU (or through JAX)."""
        if gpu:
            raise ValueError("IfElse(gpu=True) needs Theano's GPU backend; use mode='JAX' "
                             "to run graphs on an accelerator")
        self.n_outs = int(n_outs)
        self.as_view = bool(as_view)
        self.name = name

    def __str__(self) -> str:
        return "if{inplace}" if self.as_view else "if{}"

    def make_node(self, condition, *branches) -> Apply:
        if len(branches) != 2 * self.n_outs:
            raise ValueError(f"{self} takes a condition and {2 * self.n_outs} branch values")
        condition = as_tensor_variable(condition)
        if condition.type.ndim != 0:
            raise TypeError(f"ifelse's condition must be a scalar, got {condition} "
                            f"({condition.type}); use T.switch to choose element by element")
        branches = [as_tensor_variable(b) for b in branches]
        then_vals, else_vals = branches[:self.n_outs], branches[self.n_outs:]
        outputs = [_common_type(t, e)() for t, e in zip(then_vals, else_vals)]
        return Apply(self, [condition, *then_vals, *else_vals], outputs)

    def perform(self, node, inputs, output_storage) -> None:
        chosen = inputs[1:1 + self.n_outs] if inputs[0] else inputs[1 + self.n_outs:]
        for cell, value in zip(output_storage, chosen):
            cell[0] = value

    def perform_lazy(self, node, fetch, output_storage) -> None:
        start = 1 if fetch(0) else 1 + self.n_outs
        for k, cell in enumerate(output_storage):
            cell[0] = fetch(start + k)

    def connection_pattern(self, node):
        return [[False] * self.n_outs] + [[i == k for k in range(self.n_outs)]
                                          for i in list(range(self.n_outs)) * 2]

    def L_op(self, inputs, outputs, output_grads):
        condition = inputs[0]
        then_vals, else_vals = inputs[1:1 + self.n_outs], inputs[1 + self.n_outs:]
        then_grads, else_grads = [], []
        for g, t, e in zip(output_grads, then_vals, else_vals):
            then_grads.append(None if t.type.dtype in discrete_dtypes
                              else ifelse(condition, g, zeros_like(g)))
            else_grads.append(None if e.type.dtype in discrete_dtypes
                              else ifelse(condition, zeros_like(g), g))
        return [None, *then_grads, *else_grads]

    def R_op(self, inputs, eval_points):
        condition = inputs[0]
        then_vals, else_vals = inputs[1:1 + self.n_outs], inputs[1 + self.n_outs:]
        then_evs = eval_points[1:1 + self.n_outs]
        else_evs = eval_points[1 + self.n_outs:]
        results = []
        for t, e, te, ee in zip(then_vals, else_vals, then_evs, else_evs):
            if te is None and ee is None:
                results.append(None)
                continue
            te = zeros_like(t) if te is None else te
            ee = zeros_like(e) if ee is None else ee
            results.append(ifelse(condition, te, ee))
        return results


def _common_type(then_value: Variable, else_value: Variable) -> TensorType:
    t, e = then_value.type, else_value.type
    if t.ndim != e.ndim or t.dtype != e.dtype:
        raise TypeError(f"ifelse's branches must have the same dtype and number of dimensions; "
                        f"got {then_value} ({t}) and {else_value} ({e}); cast one of them")
    # an axis is known to have length 1 only when it has in both branches
    bcast = tuple(a and b for a, b in zip(t.broadcastable, e.broadcastable))
    return TensorType(t.dtype, bcast)


def ifelse(condition, then_branch, else_branch, name: str | None = None):
    """`then_branch` if the scalar `condition` is true, else `else_branch`, computing only one.

    Each branch is a variable or a list of variables (of matching types); the result has the
    same form.
    """
    single = not isinstance(then_branch, (list, tuple))
    then_vals = [then_branch] if single else list(then_branch)
    else_vals = [else_branch] if not isinstance(else_branch, (list, tuple)) else list(else_branch)
    if len(then_vals) != len(else_vals):
        raise ValueError(f"ifelse: the then branch has {len(then_vals)} values and the else "
                         f"branch {len(else_vals)}; they must match")
    outs = IfElse(len(then_vals)).make_node(condition, *then_vals, *else_vals).outputs
    if name is not None:
        for out in outs:
            out.name = name
    return outs[0] if single else outs


@batch_rule.register(IfElse)
def _batch_ifelse(op, node, inputs, batched, batch_shape):
    if batched[0]:
        raise NoBatchRuleError("ifelse: the condition cannot depend on a gradient seed")
    values = [lift_to_batch(v, b, batch_shape) for v, b in zip(inputs[1:], batched[1:])]
    out = op(inputs[0], *values)
    return out if isinstance(out, list) else [out]
