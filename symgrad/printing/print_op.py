"""Theano's `printing.Print`: an op that passes its input through and prints it when it runs,
and `min_informative_str`, a short text of a graph with a letter for each variable."""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Apply, Variable
from symgrad.graph.op import Op
from symgrad.tensor.constant import as_tensor_variable


def _print_it(op: Print, value) -> None:
    print(op.message, *(f"{attr} = {_attr(value, attr)}" for attr in op.attrs), sep=" ")


def _attr(value, name: str):
    found = getattr(value, name)
    return found() if callable(found) else found


class Print(Op):
    """`Print(message, attrs=('__str__',))(x)` is x; each run prints the message and the named
    attributes of x's value (`attrs=('shape', 'min')` prints its shape and minimum), or calls
    `global_fn(op, value)` instead. Gradients pass through unchanged, and nothing is printed
    for them. Graphs holding it run on the Python VM under every linker (the print is Python)."""

    __props__ = ("message", "attrs")

    def __init__(self, message: str = "", attrs: tuple = ("__str__",), global_fn=_print_it):
        self.message = message
        self.attrs = tuple(attrs)
        self.global_fn = global_fn

    def make_node(self, x) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage) -> None:
        (x,) = inputs
        self.global_fn(self, x)
        output_storage[0][0] = np.array(x, copy=True)  # the caller may keep either array

    def L_op(self, inputs, outputs, output_grads):
        return list(output_grads)

    def R_op(self, inputs, eval_points):
        return list(eval_points)

    def infer_shape(self, fgraph, node, input_shapes):
        return input_shapes


def min_informative_str(obj, indent_level: int = 0) -> str:
    """The graph of `obj` (a Variable), one line per variable: each gets a letter (A, B ...)
    and its name or the op that computes it; a variable met again prints only its letter."""
    labels: dict[Variable, str] = {}
    lines: list[str] = []

    def label(var) -> str:
        if var not in labels:
            n = len(labels)
            labels[var] = "".join(chr(65 + d) for d in _digits(n))
        return labels[var]

    def walk(var, level: int) -> None:
        pad = "\t" * level
        if var in labels:
            lines.append(f"{pad}{labels[var]}")
            return
        name = label(var)
        if var.owner is None or var.name is not None:
            lines.append(f"{pad}{name}. {var.name if var.name is not None else var}")
            return
        lines.append(f"{pad}{name}. {var.owner.op}")
        for inp in var.owner.inputs:
            walk(inp, level + 1)

    walk(obj, indent_level)
    return "\n".join(lines)


def _digits(n: int) -> list[int]:
    out = [n % 26]
    n //= 26
    while n:
        n -= 1
        out.append(n % 26)
        n //= 26
    return out[::-1]
