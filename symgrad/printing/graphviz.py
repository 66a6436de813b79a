"""Drawing graphs with graphviz: `pydotprint` writes PNG/SVG/PDF files, `to_digraph` builds
the drawing for notebooks. Needs the `graphviz` Python package and the system `dot` program."""
from __future__ import annotations

import os
import shutil

from symgrad.graph.basic import Constant, Variable
from symgrad.graph.traversal import graph_inputs, io_toposort
from symgrad.printing.pp import pp

_INSTALL_HINT = ("drawing graphs needs the graphviz Python package and the `dot` program: "
                 "pip install graphviz, and apt-get install graphviz (or brew install graphviz)")


def _graphviz():
    try:
        import graphviz  # optional dependency, imported only when drawing
    except ImportError:
        raise ImportError(_INSTALL_HINT) from None
    if shutil.which("dot") is None:
        raise RuntimeError(_INSTALL_HINT)
    return graphviz


def _outputs_of(obj) -> tuple[list[Variable], list[Variable] | None]:
    """The output variables (and inputs, when known) of a variable, list, graph or function."""
    maker = getattr(obj, "maker", None)
    if maker is not None:
        return list(maker.fgraph.outputs), list(maker.fgraph.inputs)
    if hasattr(obj, "outputs") and hasattr(obj, "inputs") and not isinstance(obj, Variable):
        return list(obj.outputs), list(obj.inputs)
    if isinstance(obj, Variable):
        return [obj], None
    return list(obj), None


def _label(var: Variable) -> str:
    if isinstance(var, Constant):
        text = str(var)
        return text if len(text) <= 20 else f"constant {var.type}"
    if var.name:
        return f"{var.name}\n{var.type}"
    return str(var.type)


def to_digraph(obj, max_label: int = 60):
    """A graphviz.Digraph: variables are ellipses (inputs green, outputs blue, constants grey),
    Apply nodes are boxes labelled with their op."""
    gv = _graphviz()
    outputs, inputs = _outputs_of(obj)
    inputs = inputs if inputs is not None else graph_inputs(outputs)
    dot = gv.Digraph(graph_attr={"rankdir": "TB"}, node_attr={"fontsize": "10"})
    ids: dict = {}

    def var_node(var: Variable) -> str:
        if var not in ids:
            ids[var] = f"v{len(ids)}"
            style = {"shape": "ellipse"}
            if isinstance(var, Constant):
                style.update(style="filled", fillcolor="lightgrey")
            elif var in inputs:
                style.update(style="filled", fillcolor="palegreen")
            if var in outputs:
                style.update(style="filled", fillcolor="lightblue")
            dot.node(ids[var], _label(var), **style)
        return ids[var]

    for k, node in enumerate(io_toposort(inputs, outputs)):
        name = f"a{k}"
        label = str(node.op)
        dot.node(name, label if len(label) <= max_label else label[:max_label] + "…",
                 shape="box", style="filled", fillcolor="white")
        for pos, var in enumerate(node.inputs):
            dot.edge(var_node(var), name, label=str(pos) if len(node.inputs) > 1 else "")
        for var in node.outputs:
            dot.edge(name, var_node(var))
    for var in outputs:
        var_node(var)
    return dot


def pydotprint(fct, outfile: str | None = None, format: str = "png",
               print_output_file: bool = True, return_image: bool = False, **_ignored):
    """Draw a variable, list of variables or compiled function to `outfile` (format from its
    extension or `format`: png, svg, pdf ...). Returns the file name (or the bytes)."""
    if outfile is not None:
        ext = os.path.splitext(outfile)[1].lstrip(".")
        format = ext or format
    dot = to_digraph(fct)
    data = dot.pipe(format=format)
    if return_image:
        return data
    outfile = outfile or f"symgrad.pydotprint.{format}"
    with open(outfile, "wb") as fh:
        fh.write(data)
    if print_output_file:
        print(f"The output file is available at {outfile}")
    return outfile


def svg_or_none(obj) -> str | None:
    """SVG text of a graph for notebook display, or None when graphviz is not installed."""
    try:
        return to_digraph(obj).pipe(format="svg").decode("utf-8")
    except (ImportError, RuntimeError):
        return None


def text_of(obj) -> str:
    outputs, _ = _outputs_of(obj)
    return pp(outputs if len(outputs) > 1 else outputs[0])
