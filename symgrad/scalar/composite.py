"""Composite: a small graph of scalar ops used as one scalar op (what fusion produces).

Its `impl` evaluates the inner graph on whole arrays without building intermediate graph
nodes; the numba backend compiles the same inner graph into one loop.
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Constant
from symgrad.graph.clone import clone, clone_replace
from symgrad.graph.traversal import graph_inputs, io_toposort
from symgrad.scalar.basic import ScalarOp


class Composite(ScalarOp):
    """`Composite(inputs, outputs)` for scalar variables `inputs` and scalar graph `outputs`."""

    def __init__(self, inputs, outputs) -> None:
        free = [v for v in graph_inputs(outputs) if not isinstance(v, Constant)]
        missing = [v for v in free if v not in inputs]
        if missing:
            raise ValueError(f"Composite outputs depend on {missing}, which are not inputs")
        self.inputs, self.outputs = clone(inputs, outputs)
        self.nin = len(inputs)
        self.nout = len(outputs)
        self.nodes = io_toposort(self.inputs, self.outputs)
        self._key = self._structure()

    def _structure(self) -> tuple:
        """The graph as a hashable tuple, so equal composites compare equal (merge, caches)."""
        ids = {v: ("in", i) for i, v in enumerate(self.inputs)}
        rows = []
        for k, node in enumerate(self.nodes):
            args = tuple(ids[v] if v in ids else ("const", v.type.dtype, repr(v.data))
                         for v in node.inputs)
            rows.append((node.op, args, tuple(o.type.dtype for o in node.outputs)))
            for j, out in enumerate(node.outputs):
                ids[out] = ("node", k, j)
        outs = tuple(ids[o] if o in ids else ("const", o.type.dtype, repr(o.data))
                     for o in self.outputs)
        return (tuple(v.type.dtype for v in self.inputs), tuple(rows), outs)

    def __eq__(self, other) -> bool:
        return type(other) is Composite and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)

    @property
    def name(self) -> str:
        return "Composite{" + ", ".join(self._format(o) for o in self.outputs) + "}"

    def _format(self, var) -> str:
        if var in self.inputs:
            return f"i{self.inputs.index(var)}"
        if var.owner is None:
            return str(var.data)
        op = var.owner.op
        args = [self._format(i) for i in var.owner.inputs]
        if op.symbol is not None and len(args) >= 2:
            return "(" + f" {op.symbol} ".join(args) + ")"
        if op.symbol is not None:
            return f"{op.symbol}{args[0]}"
        return f"{op.name}({', '.join(args)})"

    def output_dtypes(self, *dtypes):
        expected = [v.type.dtype for v in self.inputs]
        if list(dtypes) != expected:
            raise TypeError(f"{self.name} takes inputs of dtypes {expected}, got {list(dtypes)}")
        return [o.type.dtype for o in self.outputs]

    def impl(self, *values):
        env = dict(zip(self.inputs, values))
        for node in self.nodes:
            args = [env[v] if v in env else v.data for v in node.inputs]
            res = node.op.impl(*args)
            if len(node.outputs) == 1:
                res = (res,)
            for out, r in zip(node.outputs, res):
                # numpy may pick another dtype (exp of int8 is float16): keep the graph's
                env[out] = np.asarray(r, dtype=out.type.dtype)
        results = tuple(env[o] if o in env else o.data for o in self.outputs)
        return results[0] if self.nout == 1 else results

    def L_op(self, inputs, outputs, gout):
        """Differentiate through the inner graph, re-applying the scalar ops to `inputs`."""
        inner_outs = clone_replace(list(self.outputs), dict(zip(self.inputs, inputs)))
        grads: dict = {}
        for o, g in zip(inner_outs, gout):
            if g is not None:
                grads.setdefault(o, []).append(g)
        order = io_toposort(inputs, inner_outs)
        for node in reversed(order):
            ogs = [_sum(grads.get(o)) for o in node.outputs]
            if all(g is None for g in ogs):
                continue
            igs = node.op.L_op(node.inputs, node.outputs, ogs)
            for inp, g in zip(node.inputs, igs):
                if g is not None:
                    grads.setdefault(inp, []).append(g)
        return [_sum(grads.get(i)) for i in inputs]


def _sum(terms):
    if not terms:
        return None
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total
