"""debugprint (alias dprint): a graph as an indented tree, one line per variable, with ids.

    Elemwise{add} [id A] ''   2
     |Elemwise{mul} [id B] ''   0
     | |TensorConstant{2.0} [id C]
     | |x [id D]
     |Elemwise{exp} [id E] ''   1
       |x [id D]

Each node's subtree is printed once; a later use shows only its line and id. For a compiled
function (or a FunctionGraph) the trailing number is the node's position in the run order, and
fused nodes' scalar graphs follow under "Inner graphs".
"""
from __future__ import annotations

import sys
from typing import Any

from symgrad.graph.basic import Constant, Variable
from symgrad.graph.fgraph import FunctionGraph
from symgrad.scalar.composite import Composite


class _Ids:
    """Stable short ids per variable: A, B, ..., Z, BA, BB ... (Theano's style) or integers."""

    def __init__(self, style: str) -> None:
        self.style = style
        self.ids: dict = {}

    def __call__(self, key) -> str:
        if self.style == "":
            return ""
        if key not in self.ids:
            self.ids[key] = self._make(len(self.ids))
        return f" [id {self.ids[key]}]"

    def _make(self, n: int) -> str:
        if self.style == "int":
            return str(n)
        if self.style == "id":
            return str(id(n))
        letters = ""
        while True:
            letters = chr(ord("A") + n % 26) + letters
            n //= 26
            if n == 0:
                return letters


def _leaf_text(var: Variable) -> str:
    if isinstance(var, Constant):
        return f"{type(var).__name__}{{{var}}}"
    return var.name if var.name is not None else f"<{var.type}>"


class _Printer:
    def __init__(self, ids: _Ids, print_type: bool, depth: int, order: dict | None,
                 stop_on_name: bool, leaf_names: dict | None = None) -> None:
        self.ids = ids
        self.leaf_names = leaf_names or {}
        self.print_type = print_type
        self.depth = depth
        self.order = order
        self.stop_on_name = stop_on_name
        self.done: set = set()
        self.lines: list[str] = []
        self.composites: list = []

    def variable(self, var: Variable, prefix: str = "", indent: str = "",
                 level: int = 0) -> None:
        """Print `var`'s line after `prefix`; its inputs' lines start with `indent` + " |".
        A bar continues down past every input but the last, so the tree reads as in Theano."""
        if self.depth >= 0 and level >= self.depth:
            return
        type_text = f" <{var.type}>" if self.print_type else ""
        node = var.owner
        if node is None:
            text = self.leaf_names.get(var) or _leaf_text(var)
            self.lines.append(f"{prefix}{text}{self.ids(var)}{type_text}")
            return
        op_text = str(node.op) if len(node.outputs) == 1 else f"{node.op}.{var.index}"
        name = f" '{var.name}'" if var.name else " ''"
        pos = f"   {self.order[node]}" if self.order is not None and node in self.order else ""
        self.lines.append(f"{prefix}{op_text}{self.ids(node)}{type_text}{name}{pos}")
        scalar_op = getattr(node.op, "scalar_op", None)
        if isinstance(scalar_op, Composite) and node not in self.done:
            self.composites.append((node, scalar_op))
        if node in self.done or (self.stop_on_name and var.name and level > 0):
            return
        self.done.add(node)
        last = len(node.inputs) - 1
        for k, inp in enumerate(node.inputs):
            self.variable(inp, indent + " |", indent + ("  " if k == last else " |"), level + 1)

    def inner_graphs(self) -> None:
        if not self.composites:
            return
        self.lines += ["", "Inner graphs:", ""]
        seen = set()
        for node, composite in self.composites:
            if id(composite) in seen:
                continue
            seen.add(id(composite))
            self.lines.append(f"{node.op}{self.ids(node)}")
            names = {v: f"i{k}" for k, v in enumerate(composite.inputs)}
            inner = _Printer(self.ids, self.print_type, -1, None, False, names)
            for out in composite.outputs:
                inner.variable(out, " >", " >")
            self.lines += inner.lines


def _outputs_of(obj: Any) -> tuple[list[Variable], FunctionGraph | None]:
    """The variables to print and, for compiled graphs, the FunctionGraph giving run order."""
    maker = getattr(obj, "maker", None)
    if maker is not None:
        return list(maker.fgraph.outputs), maker.fgraph
    if isinstance(obj, FunctionGraph):
        return list(obj.outputs), obj
    if isinstance(obj, Variable):
        return [obj], None
    if isinstance(obj, (list, tuple)):
        out: list = []
        for item in obj:
            out += _outputs_of(item)[0]
        return out, None
    if hasattr(obj, "outputs") and hasattr(obj, "op"):  # an Apply node
        return list(obj.outputs), None
    raise TypeError(f"debugprint cannot print a {type(obj).__name__}; give it a variable, a "
                    "list of them, a FunctionGraph or a compiled function")


def debugprint(obj, depth: int = -1, print_type: bool = False, file=None, ids: str = "CHAR",
               stop_on_name: bool = False):
    """Print a graph as an indented tree.

    obj: a variable, a list of variables, an Apply node, a FunctionGraph or a compiled function
    (whose optimised graph is shown). depth: levels to print (-1: all). print_type: show each
    variable's type. ids: 'CHAR' (A, B, ...), 'int', 'id' or '' (none). file: a stream, or 'str'
    to get the text back (default: sys.stdout). Returns the text for 'str', the stream when one
    is given, and None when printing to standard output (so a prompt shows nothing extra).
    """
    outputs, fgraph = _outputs_of(obj)
    order = {n: i for i, n in enumerate(fgraph.toposort())} if fgraph is not None else None
    printer = _Printer(_Ids(ids), print_type, depth, order, stop_on_name)
    for out in outputs:
        printer.variable(out)
    printer.inner_graphs()
    text = "\n".join(printer.lines)
    if file == "str":
        return text
    stream = sys.stdout if file is None else file
    stream.write(text + "\n")
    return None if file is None else stream


dprint = debugprint
