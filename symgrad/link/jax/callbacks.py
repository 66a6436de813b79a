"""Python functions inside the compiled program: as_op (FromFunctionOp) through
`jax.pure_callback`, Print through `jax.debug.callback`.

XLA must know a callback's result shapes when compiling. An as_op output has them when it is
0-d or every axis is broadcastable (length 1); otherwise the op's `infer_shape` gives them,
built here as a graph of the inputs' shapes and evaluated while tracing (input shapes are
static). An op with neither is refused when linking, naming the op, since running the
function once to learn its shapes would need the values, which only exist at run time.
"""
from __future__ import annotations

import jax
import numpy as np

from symgrad.graph.clone import clone_replace
from symgrad.graph.fgraph import FunctionGraph
from symgrad.link.jax.dispatch import as_int, folds_when_known, jax_funcify
from symgrad.link.jax.linker import graph_function
from symgrad.printing.print_op import Print
from symgrad.tensor.basic import cast
from symgrad.tensor.constant import as_tensor_variable
from symgrad.tensor.from_function import FromFunctionOp
from symgrad.tensor.shape import shape_i


def _shape_function(op: FromFunctionOp, node):
    """A function of the input values giving the output shapes (numbers, while tracing)."""
    if all(all(out.type.broadcastable) for out in node.outputs):
        shapes = [(1,) * out.type.ndim for out in node.outputs]
        return lambda *values: shapes
    symbolic = [tuple(shape_i(x, d) for d in range(x.type.ndim)) for x in node.inputs]
    try:
        shapes = op.infer_shape(None, node, symbolic)
    except NotImplementedError:
        raise NotImplementedError(
            f"{op}: XLA needs the shapes of a Python function's results when compiling, and "
            f"this as_op has no infer_shape; give it one (as_op(itypes, otypes, "
            "infer_shape=lambda fgraph, node, input_shapes: [...])) or use another "
            "linker") from None
    dims = [[cast(as_tensor_variable(d), "int64") for d in shape] for shape in shapes]
    flat = [d for shape in dims for d in shape]
    fresh = [x.type() for x in node.inputs]
    fgraph = FunctionGraph(fresh, clone_replace(flat, dict(zip(node.inputs, fresh))),
                           clone=False)
    run = graph_function(fgraph, keep_known=True)
    lengths = [len(shape) for shape in dims]

    def output_shapes(*values):
        try:
            numbers = [as_int(d) for d in run(*values)]
        except TypeError:
            raise TypeError(f"{op}: its infer_shape reads input values, not only their "
                            "shapes; XLA needs the result shapes when compiling") from None
        out, pos = [], 0
        for n in lengths:
            out.append(tuple(numbers[pos:pos + n]))
            pos += n
        return out
    return output_shapes


@jax_funcify.register(FromFunctionOp)
def _from_function(op: FromFunctionOp, node):
    output_shapes = _shape_function(op, node)
    dtypes = [out.type.dtype for out in node.outputs]

    def on_host(*values):
        cells = [[None] for _ in node.outputs]
        op.perform(node, [np.asarray(v) for v in values], cells)
        return tuple(cell[0] for cell in cells)

    def from_function(*args):
        specs = tuple(jax.ShapeDtypeStruct(shape, dtype)
                      for shape, dtype in zip(output_shapes(*args), dtypes))
        results = jax.pure_callback(on_host, specs, *args)
        return results[0] if len(results) == 1 else tuple(results)
    return from_function


@jax_funcify.register(Print)
def _print(op: Print, node):
    def print_value(x):
        # ordered: the prints of one call come in the graph's order, once per call
        jax.debug.callback(lambda value: op.global_fn(op, np.asarray(value)), x, ordered=True)
        return x
    return print_value


@folds_when_known.register(Print)
def _print_runs_each_call(op, node) -> bool:
    return False
