"""Elemwise kernels: one loop per node, fused Composites included.

The loop has two forms, chosen at run time: a flat loop over all elements when every input is
C-contiguous with the output's full shape (the common case, which LLVM vectorises), and nested
loops in C order that index broadcast (length-1) axes at 0. Lengths are checked against each
other first: symgrad never stretches an axis its type does not declare broadcastable.
"""
from __future__ import annotations

from symgrad.link.numba.dispatch import KERNEL_NAME, indent, numba_kernel
from symgrad.link.numba.scalar import scalar_lines
from symgrad.tensor.elemwise import Elemwise


def _shape_lines(node, names) -> tuple[list[str], list[str]]:
    """Statements binding each output axis length (n0, n1 ...) and checking the inputs agree."""
    ndim = node.outputs[0].type.ndim
    lines, lengths = [], []
    for axis in range(ndim):
        holders = [names[i] for i, v in enumerate(node.inputs)
                   if not v.type.broadcastable[axis]]
        n = f"n{axis}"
        if not holders:
            lines.append(f"{n} = 1")
        else:
            lines.append(f"{n} = {holders[0]}.shape[{axis}]")
            for other in holders[1:]:
                lines.append(f"if {other}.shape[{axis}] != {n}:")
                lines.append(f"    raise ValueError('{node.op}: input shapes do not match on "
                             f"axis {axis} (symgrad does not stretch axes not declared "
                             "broadcastable)')")
        lengths.append(n)
    return lines, lengths


def elemwise_source(node) -> str:
    scalar_op = node.op.scalar_op
    names = [f"i{k}" for k in range(len(node.inputs))]
    in_dtypes = [v.type.dtype for v in node.inputs]
    out_dtypes = [v.type.dtype for v in node.outputs]
    outs = [f"o{k}" for k in range(len(node.outputs))]
    ndim = node.outputs[0].type.ndim
    head = [f"def {KERNEL_NAME}({', '.join(names)}):"]
    if ndim == 0:
        body, exprs = scalar_lines(scalar_op, names, in_dtypes, out_dtypes, "s")
        ret = exprs[0] if len(exprs) == 1 else "(" + ", ".join(exprs) + ",)"
        return "\n".join(head + indent(body + [f"return {ret}"], 1)) + "\n"

    shape_lines, lengths = _shape_lines(node, names)
    lines = list(shape_lines)
    shape = "(" + ", ".join(lengths) + ",)"
    for o, dtype in zip(outs, out_dtypes):
        lines.append(f"{o} = np.empty({shape}, dtype=np.{dtype})")
    ret = outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ",)"

    # flat loop: every input has the full shape and is C-contiguous
    full = [k for k, v in enumerate(node.inputs) if not any(v.type.broadcastable)]
    if len(full) == len(node.inputs) and ndim > 1:
        cond = " and ".join(f"{names[k]}.flags.c_contiguous" for k in full) or "True"
        lines.append(f"if {cond}:")
        flat = [f"f{k}" for k in range(len(names))]
        flat_lines = [f"{f} = {n}.ravel()"
                      for f, n in zip(flat, names)]
        flat_outs = [f"g{k}" for k in range(len(outs))]
        flat_lines += [f"{g} = {o}.ravel()" for g, o in zip(flat_outs, outs)]
        loads = [f"x{k} = {f}[j]" for k, f in enumerate(flat)]
        body, exprs = scalar_lines(scalar_op, [f"x{k}" for k in range(len(names))], in_dtypes,
                                   out_dtypes, "s")
        stores = [f"{g}[j] = {e}" for g, e in zip(flat_outs, exprs)]
        flat_lines.append(f"for j in range({outs[0]}.size):")
        flat_lines += indent(loads + body + stores, 1)
        flat_lines.append(f"return {ret}")
        lines += indent(flat_lines, 1)

    # nested loops in C order; broadcast axes read index 0
    idx = [f"j{a}" for a in range(ndim)]
    loop_lines = []
    for a in range(ndim):
        loop_lines += indent([f"for {idx[a]} in range({lengths[a]}):"], a)
    inner = []
    for k, v in enumerate(node.inputs):
        where = ", ".join("0" if b else idx[a] for a, b in enumerate(v.type.broadcastable))
        inner.append(f"x{k} = {names[k]}[{where}]")
    body, exprs = scalar_lines(scalar_op, [f"x{k}" for k in range(len(names))], in_dtypes,
                               out_dtypes, "s")
    inner += body
    inner += [f"{o}[{', '.join(idx)}] = {e}" for o, e in zip(outs, exprs)]
    loop_lines += indent(inner, ndim)
    lines += loop_lines
    lines.append(f"return {ret}")
    return "\n".join(head + indent(lines, 1)) + "\n"


@numba_kernel.register(Elemwise)
def _elemwise_kernel(op, node) -> str:
    return elemwise_source(node)
