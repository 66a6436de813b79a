"""Reductions: CAReduce (sum, prod, max, min, all, any) and Argmax as loops in memory order.

The loops walk the input in C order whatever the axes, so every axis reads memory forward: a
reduced trailing block accumulates in a local, other reduced axes add whole rows into the
output (a loop LLVM vectorises). With threads on (threads.py), a sum, product, max or min of
a large contiguous array to one number adds per-chunk partial results made on the threads.
"""
from __future__ import annotations

import hashlib

import numpy as np

from symgrad.link.numba.dispatch import KERNEL_NAME, KernelSource, indent, numba_kernel
from symgrad.link.numba.scalar import literal
from symgrad.link.numba.threads import CHUNK, PARALLEL_MIN_SIZE, parallel_decorated, parallel_input
from symgrad.scalar import basic as sb
from symgrad.tensor.elemwise import CAReduce
from symgrad.tensor.math import Argmax


def _identity(scalar_op, dtype: str) -> str:
    kind = np.dtype(dtype).kind
    if isinstance(scalar_op, sb.Add):
        return literal(0, dtype)
    if isinstance(scalar_op, sb.Mul):
        return literal(1, dtype)
    if isinstance(scalar_op, sb.AND):
        return literal(True, dtype)
    if isinstance(scalar_op, sb.OR):
        return literal(False, dtype)
    big = isinstance(scalar_op, sb.Minimum)
    if kind == "f":
        return literal(np.inf if big else -np.inf, dtype)
    if kind == "b":
        return literal(big, dtype)
    info = np.iinfo(dtype)
    return literal(info.max if big else info.min, dtype)


def _combine(scalar_op, acc: str, x: str) -> str:
    if isinstance(scalar_op, sb.Add):
        return f"{acc} + {x}"
    if isinstance(scalar_op, sb.Mul):
        return f"{acc} * {x}"
    if isinstance(scalar_op, sb.Minimum):  # before Maximum: Minimum subclasses it
        return f"min_nan({x}, {acc})"
    if isinstance(scalar_op, sb.Maximum):
        return f"max_nan({x}, {acc})"
    if isinstance(scalar_op, sb.AND):
        return f"{acc} and {x}"
    if isinstance(scalar_op, sb.OR):
        return f"{acc} or {x}"
    raise NotImplementedError(f"no numba reduction for {scalar_op}")


def careduce_source(op: CAReduce, node, element=None, n_inputs: int = 1) -> str:
    """`element(index_text) -> (lines, expr)` computes one input element; by default it reads
    input 0, and a fused producer passes its own scalar code instead."""
    (x,) = node.inputs[:1]
    ndim = x.type.ndim
    out_dtype = node.outputs[0].type.dtype
    axes = set(op.axis)
    names = [f"i{k}" for k in range(n_inputs)]
    lines = [f"n{a} = i0.shape[{a}]" for a in range(ndim)]
    if isinstance(op.scalar_op, (sb.Maximum, sb.Minimum)):
        lines += ["if i0.size == 0:",
                  f"    raise ValueError('{op}: cannot reduce an empty array')"]
    trailing = ndim
    while trailing > 0 and trailing - 1 in axes:
        trailing -= 1
    kept = [a for a in range(ndim) if a not in axes]
    ident = _identity(op.scalar_op, out_dtype)
    idx = [f"j{a}" for a in range(ndim)]
    out_idx = ", ".join(idx[a] for a in kept)
    plain = element is None  # reads input 0 itself (no fused producer)
    if element is None:
        def element(where):
            return [], f"i0[{where}]"
    elem_lines, elem = element(", ".join(idx))
    cast = f"np.{out_dtype}({elem})" if out_dtype != "bool" else f"({elem} != 0)"
    helpers = []
    if not kept and plain and _parallel_total(op, node):
        name, block = _parallel_total_helper(op, out_dtype, ident, cast.replace(elem, "f0[j]"))
        helpers.append(block)
        lines += [f"if i0.size >= {PARALLEL_MIN_SIZE} and i0.flags.c_contiguous:",
                  f"    return {name}(i0.ravel())"]
    if kept:
        lines.append(f"out = np.full(({', '.join(f'n{a}' for a in kept)},), {ident})")
    loops = []
    for a in range(trailing):
        loops += indent([f"for {idx[a]} in range(n{a}):"], a)
    inner_outer = []
    if trailing < ndim:
        inner_outer.append(f"acc = out[{out_idx}]" if kept else f"acc = {ident}")
        block = []
        for a in range(trailing, ndim):
            block += indent([f"for {idx[a]} in range(n{a}):"], a - trailing)
        block += indent(elem_lines + [f"acc = {_combine(op.scalar_op, 'acc', cast)}"],
                        ndim - trailing)
        inner_outer += block
        if kept:
            inner_outer.append(f"out[{out_idx}] = acc")
    else:
        inner_outer += elem_lines
        inner_outer.append(f"out[{out_idx}] = {_combine(op.scalar_op, f'out[{out_idx}]', cast)}")
    lines += loops + indent(inner_outer, trailing)
    lines.append("return out" if kept else f"return np.{out_dtype}(acc)"
                 if out_dtype != "bool" else "return acc")
    head = f"def {KERNEL_NAME}({', '.join(names)}):"
    text = "\n".join([head] + indent(lines, 1)) + "\n"
    return KernelSource(text, helpers) if helpers else text


def _parallel_total(op: CAReduce, node) -> bool:
    """A reduction to one number that threads may split: sum, product, max or min."""
    kinds = (sb.Add, sb.Mul, sb.Maximum)  # Minimum subclasses Maximum
    return (parallel_input(node) and isinstance(op.scalar_op, kinds)
            and node.outputs[0].type.dtype != "bool")


def _parallel_total_helper(op: CAReduce, dtype: str, ident: str, cast: str) -> tuple[str, str]:
    """Partial results of CHUNK-sized pieces on the threads, combined in chunk order."""
    chunk = f"range(c * {CHUNK}, min(n, (c + 1) * {CHUNK}))"
    lines = ["n = f0.size", f"nchunks = (n + {CHUNK - 1}) // {CHUNK}",
             f"parts = np.empty(nchunks, dtype=np.{dtype})",
             "for c in prange(nchunks):",
             f"    acc = {ident}",
             f"    for j in {chunk}:",
             f"        acc = {_combine(op.scalar_op, 'acc', cast)}",
             "    parts[c] = acc",
             f"acc = {ident}",
             "for c in range(nchunks):",
             f"    acc = {_combine(op.scalar_op, 'acc', 'parts[c]')}",
             f"return np.{dtype}(acc)"]
    text = parallel_decorated("P", ["f0"], lines)
    name = "p_careduce_" + hashlib.sha1(text.encode()).hexdigest()[:12]
    return name, text.replace("def P(", f"def {name}(", 1)


@numba_kernel.register(CAReduce)
def _careduce_kernel(op, node) -> str:
    if node.inputs[0].type.ndim == 0:
        dtype = node.outputs[0].type.dtype
        return f"def {KERNEL_NAME}(i0):\n    return {_cast(dtype, 'i0')}\n"
    return careduce_source(op, node)


def _cast(dtype: str, expr: str) -> str:
    return f"({expr} != 0)" if dtype == "bool" else f"np.{dtype}({expr})"


@numba_kernel.register(Argmax)
def _argmax_kernel(op, node) -> str:
    fn = "np.argmin" if op.minimum else "np.argmax"
    ndim = node.inputs[0].type.ndim
    if ndim == 0:
        return f"def {KERNEL_NAME}(i0):\n    return np.int64(0)\n"
    if op.axis is None or ndim == 1:
        return f"def {KERNEL_NAME}(i0):\n    return np.int64({fn}(i0))\n"
    return f"def {KERNEL_NAME}(i0):\n    return {fn}(i0, axis={op.axis}).astype(np.int64)\n"
