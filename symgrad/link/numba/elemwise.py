"""Elemwise kernels: one loop per node, fused Composites included.

The loop has two forms, chosen at run time: a flat loop over all elements when every input is
C-contiguous with the output's full shape (the common case, which LLVM vectorises), and nested
loops in C order that index broadcast (length-1) axes at 0. Lengths are checked against each
other first: symgrad never stretches an axis its type does not declare broadcastable. With
threads on (see threads.py), each form also has a parallel copy that large arrays run.
"""
from __future__ import annotations

import hashlib

from symgrad.link.numba.dispatch import (
    KERNEL_NAME,
    KernelSource,
    _kernel_checks,
    indent,
    numba_kernel,
)
from symgrad.link.numba.scalar import guarded_names, has_scalar_source, scalar_lines, unguarded
from symgrad.link.numba.threads import (
    CHUNK,
    elemwise_min_size,
    parallel_decorated,
    parallel_node,
)
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


def _body(scalar_op, node, prefix: str):
    """Scalar statements for one element, with each output bound to a local."""
    args = [f"x{k}" for k in range(len(node.inputs))]
    in_dtypes = [v.type.dtype for v in node.inputs]
    out_dtypes = [v.type.dtype for v in node.outputs]
    body, exprs = scalar_lines(scalar_op, args, in_dtypes, out_dtypes, prefix)
    results = []
    for k, e in enumerate(exprs):
        body.append(f"r{k} = {e}")
        results.append(f"r{k}")
    return body, results


def _loops(node, names, outs, lengths, body, results, flag: bool, par: list | None):
    """The flat (all contiguous) and nested loop forms around one element's statements; with
    `flag`, each loop ORs into `bad` whether a guarded fast function answered NaN. With `par`
    (a list collecting helper blocks), large arrays run a parallel copy of each loop."""
    ndim = node.outputs[0].type.ndim
    checks = [f"bad |= {g} != {g}" for g in guarded_names(body)] if flag else []
    lines = []
    full = [k for k, v in enumerate(node.inputs) if not any(v.type.broadcastable)]
    if len(full) == len(node.inputs) and ndim > 1:
        cond = " and ".join(f"{names[k]}.flags.c_contiguous" for k in full) or "True"
        lines.append(f"if {cond}:")
        flat = [f"{n}.ravel()" for n in names]
        inner = [f"f{k} = {f}" for k, f in enumerate(flat)]
        inner += [f"g{k} = {o}.ravel()" for k, o in enumerate(outs)]
        loop = [f"for j in range({outs[0]}.size):"]
        loop += indent([f"x{k} = f{k}[j]" for k in range(len(names))] + body + checks
                       + [f"g{k}[j] = {r}" for k, r in enumerate(results)], 1)
        if par is not None:
            args = [f"f{k}" for k in range(len(names))] + [f"g{k}" for k in range(len(outs))]
            helper = _flat_parallel(len(names), len(outs), body, results, checks)
            loop = _size_switch("g0.size", helper, args, flag, loop, par, elemwise_min_size(node))
        lines += indent(inner + loop, 1)
        lines.append("else:")
        depth = 1
    else:
        depth = 0
    nested = _nested_loop(node, names, outs, lengths, body, results, checks)
    if par is not None:
        helper = _nested_parallel(node, names, outs, lengths, body, results, checks)
        nested = _size_switch(f"{outs[0]}.size", helper, names + outs + lengths, flag,
                              nested, par, elemwise_min_size(node))
    return lines + indent(nested, depth)


def _size_switch(size: str, helper, args, flag: bool, serial: list[str], par: list,
                 min_size: int) -> list[str]:
    """`serial` for small arrays, a call of the parallel helper (name, block) for large ones."""
    name, block = helper
    par.append(block)
    call = f"{name}({', '.join(args)})"
    return ([f"if {size} >= {min_size}:", "    " + (f"bad |= {call}" if flag else call),
             "else:"] + indent(serial, 1))


def _parallel_helper(params, lines) -> tuple[str, str]:
    text = parallel_decorated("P", params, lines)
    name = "p_elemwise_" + hashlib.sha1(text.encode()).hexdigest()[:12]
    return name, text.replace("def P(", f"def {name}(", 1)


def _chunked(n: str, index: str, inner: list[str], flag: bool, sliced=()) -> list[str]:
    """A prange over CHUNK-sized pieces of range(n); with `flag`, returns whether any chunk
    set `bad`. `sliced` pairs (view, array): the inner lines index each chunk's view of those
    arrays from 0, so numba knows the index is never negative (indexing the whole array from
    c * CHUNK kept negative-index handling in the loop: 1.5x slower than the serial loop)."""
    lines = [f"nchunks = ({n} + {CHUNK - 1}) // {CHUNK}"]
    if flag:
        lines.append("flags = np.zeros(nchunks, dtype=np.bool_)")
    lines.append("for c in prange(nchunks):")
    block = ["bad = False"] if flag else []
    if sliced:
        block += [f"lo = c * {CHUNK}", f"hi = min({n}, lo + {CHUNK})"]
        block += [f"{view} = {array}[lo:hi]" for view, array in sliced]
        block.append(f"for {index} in range(hi - lo):")
    else:
        block.append(f"for {index} in range(c * {CHUNK}, min({n}, (c + 1) * {CHUNK})):")
    block += indent(inner, 1)
    if flag:
        block.append("flags[c] = bad")
    lines += indent(block, 1)
    if flag:
        lines.append("return flags.any()")
    return lines


def _flat_parallel(n_in: int, n_out: int, body, results, checks) -> tuple[str, str]:
    inner = [f"x{k} = fc{k}[j]" for k in range(n_in)] + body + checks
    inner += [f"gc{k}[j] = {r}" for k, r in enumerate(results)]
    params = [f"f{k}" for k in range(n_in)] + [f"g{k}" for k in range(n_out)]
    sliced = [(f"fc{k}", f"f{k}") for k in range(n_in)] + [(f"gc{k}", f"g{k}")
                                                         for k in range(n_out)]
    return _parallel_helper(params, _chunked("g0.size", "j", inner, bool(checks), sliced))


def _nested_parallel(node, names, outs, lengths, body, results, checks) -> tuple[str, str]:
    """The nested loops with the outer axis split between threads (in chunks for 1-d)."""
    ndim = node.outputs[0].type.ndim
    serial = _nested_loop(node, names, outs, lengths, body, results, checks)
    params = names + outs + lengths
    flag = bool(checks)
    if ndim == 1:
        inner = [line[4:] for line in serial[1:]]  # the loop's body, one level out
        return _parallel_helper(params, _chunked(lengths[0], "j0", inner, flag))
    inner = serial[1:]
    lines = []
    if flag:
        lines.append(f"flags = np.zeros({lengths[0]}, dtype=np.bool_)")
    lines.append(f"for j0 in prange({lengths[0]}):")
    # the row's own flag: `bad` is private to each iteration
    lines += (["    bad = False"] if flag else []) + inner
    if flag:
        lines += ["    flags[j0] = bad", "return flags.any()"]
    return _parallel_helper(params, lines)


def _nested_loop(node, names, outs, lengths, body, results, checks) -> list[str]:
    """Loops over every output index in C order; broadcast axes read index 0."""
    ndim = node.outputs[0].type.ndim
    idx = [f"j{a}" for a in range(ndim)]
    nested = []
    for a in range(ndim):
        nested += indent([f"for {idx[a]} in range({lengths[a]}):"], a)
    inner = []
    for k, v in enumerate(node.inputs):
        where = ", ".join("0" if b else idx[a] for a, b in enumerate(v.type.broadcastable))
        inner.append(f"x{k} = {names[k]}[{where}]")
    inner += body + checks
    inner += [f"{o}[{', '.join(idx)}] = {r}" for o, r in zip(outs, results)]
    return nested + indent(inner, ndim)


def elemwise_source(node) -> str:
    scalar_op = node.op.scalar_op
    names = [f"i{k}" for k in range(len(node.inputs))]
    out_dtypes = [v.type.dtype for v in node.outputs]
    outs = [f"o{k}" for k in range(len(node.outputs))]
    ndim = node.outputs[0].type.ndim
    head = [f"def {KERNEL_NAME}({', '.join(names)}):"]
    body, results = _body(scalar_op, node, "s")
    if ndim == 0:
        body = [unguarded(line) for line in body]
        ret = results[0] if len(results) == 1 else "(" + ", ".join(results) + ",)"
        binds = [f"x{k} = i{k}" for k in range(len(names))]
        return "\n".join(head + indent(binds + body + [f"return {ret}"], 1)) + "\n"

    shape_lines, lengths = _shape_lines(node, names)
    lines = list(shape_lines)
    shape = "(" + ", ".join(lengths) + ",)"
    for o, dtype in zip(outs, out_dtypes):
        lines.append(f"{o} = np.empty({shape}, dtype=np.{dtype})")
    guarded = bool(guarded_names(body))
    if guarded:
        lines.append("bad = False")
    par = [] if parallel_node(node) else None
    lines += _loops(node, names, outs, lengths, body, results, guarded, par)
    if guarded:  # an argument outside the fast range (or a NaN): redo it all exactly
        lines.append("if bad:")
        exact = [unguarded(b) for b in body]
        lines += indent(_nested_loop(node, names, outs, lengths, exact, results, []), 1)
    lines.append("return " + (outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ",)"))
    text = "\n".join(head + indent(lines, 1)) + "\n"
    return KernelSource(text, par) if par else text


@numba_kernel.register(Elemwise)
def _elemwise_kernel(op, node) -> str:
    return elemwise_source(node)


_kernel_checks[Elemwise] = lambda op: has_scalar_source(op.scalar_op)
