"""OpFromGraph (Theano's `theano.compile.builders`): a graph packaged as one op.

`op = OpFromGraph([x, y], [x * y + 1])` makes an op that computes the graph from any inputs
of the same types: `op(a, b)`. Shared variables the graph reads become extra inputs of each
node, so functions see them as they would in the graph itself. The Python VM runs the inner
graph; the compiled backends (numba, JAX) inline it (`graph/inline.py`), and with
`inline=True` the rewriter inlines it for every backend. Gradients and R_op come from the
inner graph unless overridden (`grad_overrides(inputs, output_grads)`,
`lop_overrides(inputs, outputs, output_grads)`, `rop_overrides(inputs, eval_points)`).
"""
from __future__ import annotations

import itertools

from symgrad.gradient import Rop, grad
from symgrad.graph.basic import Apply, Constant, Variable
from symgrad.graph.clone import clone_replace
from symgrad.graph.fgraph import FunctionGraph
from symgrad.graph.op import Op
from symgrad.graph.traversal import graph_inputs
from symgrad.link.python import PythonLinker
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.sharedvar import SharedVariable

_names = itertools.count()


def _as_list(outputs) -> list:
    return [outputs] if isinstance(outputs, Variable) else list(outputs)


class OpFromGraph(Op):
    """An op computing `outputs` from `inputs` (see the module docstring). Each instance is
    its own op: two OpFromGraph of equal graphs are not merged."""

    def __init__(self, inputs, outputs, inline: bool = False, lop_overrides="default",
                 grad_overrides="default", rop_overrides="default", connection_pattern=None,
                 name: str | None = None, **kwargs) -> None:
        if kwargs:
            raise TypeError(f"OpFromGraph: unexpected arguments {sorted(kwargs)} (compile "
                            "options belong to the function that uses the op)")
        inputs, outputs = list(inputs), _as_list(outputs)
        for k, v in enumerate(inputs):
            if not isinstance(v, Variable) or v.owner is not None or isinstance(
                    v, (Constant, SharedVariable)):
                raise TypeError(f"OpFromGraph: input {k} ({v}) must be a free symbolic "
                                "variable (not a constant, a shared variable or a computed "
                                "expression)")
        roots = graph_inputs(outputs)
        missing = [v for v in roots if v not in inputs
                   and not isinstance(v, (Constant, SharedVariable))]
        if missing:
            raise ValueError(f"OpFromGraph: the outputs depend on {missing}, which are not "
                             "among its inputs")
        for name_, hook in (("lop_overrides", lop_overrides), ("grad_overrides",
                            grad_overrides), ("rop_overrides", rop_overrides)):
            if hook != "default" and not callable(hook):
                raise TypeError(f"OpFromGraph: {name_} must be 'default' or a function "
                                f"(symgrad takes no other forms), got {hook!r}")
        self.shared_inputs = [v for v in roots if isinstance(v, SharedVariable)]
        outer = inputs + self.shared_inputs
        self._inner_inputs = [v.type(name=v.name) for v in outer]
        self._inner_outputs = _as_list(clone_replace(outputs, dict(zip(outer,
                                                                       self._inner_inputs))))
        self.input_types = [v.type for v in inputs]
        self.output_types = [v.type for v in self._inner_outputs]
        self.is_inline = inline
        self.lop_overrides, self.grad_overrides = lop_overrides, grad_overrides
        self.rop_overrides = rop_overrides
        self._connection_pattern = connection_pattern
        self.name = name or f"OpFromGraph{next(_names)}"
        self._runner = None

    def __eq__(self, other) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __str__(self) -> str:
        return f"{self.name}{{inline={self.is_inline}}}"

    def make_node(self, *inputs) -> Apply:
        if len(inputs) != len(self.input_types):
            raise TypeError(f"{self.name} takes {len(self.input_types)} inputs, got "
                            f"{len(inputs)}")
        inputs = [as_tensor_variable(x) for x in inputs]
        for k, (x, t) in enumerate(zip(inputs, self.input_types)):
            if x.type != t:
                raise TypeError(f"{self.name}: input {k} must be {t}, got {x} ({x.type})")
        return Apply(self, inputs + self.shared_inputs, [t() for t in self.output_types])

    def inline_graph(self, inputs) -> list:
        """The inner graph's outputs computed from `inputs` (the node's inputs, shared
        variables included)."""
        return _as_list(clone_replace(self._inner_outputs,
                                      dict(zip(self._inner_inputs, inputs))))

    def perform(self, node, inputs, output_storage) -> None:
        if self._runner is None:
            fgraph = FunctionGraph(self._inner_inputs, self._inner_outputs, clone=True)
            self._runner = PythonLinker().make_runner(fgraph)
        for cell, value in zip(output_storage, self._runner(list(inputs))):
            cell[0] = value

    def infer_shape(self, fgraph, node, input_shapes):
        return [tuple(o.shape[k] for k in range(o.type.ndim))
                for o in self.inline_graph(node.inputs)]

    def connection_pattern(self, node):
        if self._connection_pattern is not None:
            return [list(row) for row in self._connection_pattern] + [
                [True] * len(node.outputs) for _ in self.shared_inputs]
        return [[True] * len(node.outputs) for _ in node.inputs]

    def L_op(self, inputs, outputs, output_grads):
        n = len(self.input_types)
        if callable(self.lop_overrides):
            return list(self.lop_overrides(inputs[:n], outputs, output_grads)) + [
                None] * len(self.shared_inputs)
        if callable(self.grad_overrides):
            return list(self.grad_overrides(inputs[:n], output_grads)) + [
                None] * len(self.shared_inputs)
        inlined = self.inline_graph(inputs)
        known = {o: g for o, g in zip(inlined, output_grads) if g is not None}
        return grad(None, list(inputs), known_grads=known, disconnected_inputs="ignore",
                    return_disconnected="zero")

    def R_op(self, inputs, eval_points):
        if callable(self.rop_overrides):
            return list(self.rop_overrides(inputs, eval_points))
        pairs = [(x, e) for x, e in zip(inputs, eval_points) if e is not None]
        if not pairs:
            return [None] * len(self.output_types)
        inlined = self.inline_graph(inputs)
        return Rop(inlined, [x for x, _ in pairs], [e for _, e in pairs],
                   disconnected_outputs="ignore", return_disconnected="zero")


__all__ = ["OpFromGraph"]
