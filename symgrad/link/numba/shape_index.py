"""Kernels for shape bookkeeping (MakeVector, ShapeEntry, Reshape, Rebroadcast, SpecifyShape),
basic indexing (Subtensor, IncSubtensor without array indices), Join, ARange, Eye and Tri.

Integer indices are bounds-checked here: numba does not check them, and reading past an array's
end must be an IndexError, as under numpy.
"""
from __future__ import annotations

import numpy as np

from symgrad.link.numba.dispatch import _node_checks, numba_kernel, view_ops
from symgrad.link.numba.dispatch import kernel_def as _def
from symgrad.link.numba.dispatch import source_tuple as _tuple
from symgrad.tensor.basic import ARange, Eye, Join, Tri
from symgrad.tensor.shape import MakeVector, Rebroadcast, Reshape, ShapeEntry, SpecifyShape
from symgrad.tensor.subtensor import IncSubtensor, Subtensor, split_index_inputs


@numba_kernel.register(MakeVector)
def _make_vector(op, node) -> str:
    args = [f"i{k}" for k in range(len(node.inputs))]
    lines = [f"out = np.empty({len(args)}, dtype=np.{op.dtype})"]
    lines += [f"out[{k}] = {a}" for k, a in enumerate(args)]
    return _def(args, lines + ["return out"])


@numba_kernel.register(ShapeEntry)
def _shape_entry(op, node) -> str:
    return _def(["i0"], [f"return i0[{op.i}]"])


@numba_kernel.register(Reshape)
def _reshape(op, node) -> str:
    shape = _tuple(f"i1[{k}]" for k in range(op.ndim))
    lines = [f"if i1.shape[0] != {op.ndim}:",
             f"    raise ValueError('reshape: the new shape must have {op.ndim} entries')"]
    if node.inputs[0].type.ndim == 0:
        return _def(["i0", "i1"], lines + [f"return np.full({shape}, i0)"])
    return _def(["i0", "i1"], lines + [f"return np.ascontiguousarray(i0).reshape({shape})"])


@numba_kernel.register(Rebroadcast)
def _rebroadcast(op, node) -> str:
    lines = []
    for a, b in op.axes:
        if b:
            lines += [f"if i0.shape[{a}] != 1:",
                      f"    raise ValueError('axis {a} was declared broadcastable (length 1)')"]
    return _def(["i0"], lines + ["return i0"])


@numba_kernel.register(SpecifyShape)
def _specify_shape(op, node) -> str:
    n = len(node.inputs) - 1
    args = ["i0"] + [f"s{k}" for k in range(n)]
    lines = []
    for k in range(n):
        lines += [f"if s{k} != -1 and s{k} != i0.shape[{k}]:",
                  "    raise ValueError('specify_shape: the shape differs from the one given')"]
    return _def(args, lines + ["return i0"])


view_ops.update({Reshape, Rebroadcast, SpecifyShape, Subtensor})


def _basic_key(entries, index_names, x_ndim: int) -> tuple[list[str], list[str], list[int]]:
    """Checks, the numba index expressions (no newaxis), and where newaxis entries go."""
    groups = split_index_inputs(entries, index_names)
    checks, key, newaxes, dim, out_axis = [], [], [], 0, 0
    for entry, names in zip(entries, groups):
        if entry == "x":
            newaxes.append(out_axis)
            out_axis += 1
        elif entry == "i":
            (name,) = names
            checks += [f"if {name} < -i0.shape[{dim}] or {name} >= i0.shape[{dim}]:",
                       f"    raise IndexError('index out of bounds for axis {dim}')"]
            key.append(name)
            dim += 1
        else:
            it = iter(names)
            parts = [next(it) if given else "" for given in entry[1:]]
            if entry[3]:
                checks += [f"if {parts[2]} == 0:", "    raise ValueError('slice step is zero')"]
            key.append(":".join(parts) if entry[3] else f"{parts[0]}:{parts[1]}")
            dim += 1
            out_axis += 1
    key += [":"] * (x_ndim - dim)
    return checks, key, newaxes


def _insert_axes(expr: str, newaxes: list[int], out_ndim: int) -> list[str]:
    if not newaxes:
        return [f"return {expr}"]
    kept = [a for a in range(out_ndim) if a not in newaxes]
    shape = _tuple("1" if a in newaxes else f"v.shape[{kept.index(a)}]" for a in range(out_ndim))
    strides = _tuple("0" if a in newaxes else f"v.strides[{kept.index(a)}]"
                     for a in range(out_ndim))
    if not kept:
        return [f"return np.full({shape}, {expr})"]
    return [f"v = {expr}",
            f"return np.lib.stride_tricks.as_strided(v, shape={shape}, strides={strides})"]


@numba_kernel.register(Subtensor)
def _subtensor(op, node) -> str:
    index_names = [f"j{k}" for k in range(len(node.inputs) - 1)]
    checks, key, newaxes = _basic_key(op.entries, index_names, node.inputs[0].type.ndim)
    # a 0-d input arrives as a scalar in the jitted graph, which cannot be indexed
    expr = f"i0[{', '.join(key)}]" if key else "i0" if node.inputs[0].type.ndim == 0 \
        else "i0[()]"
    return _def(["i0"] + index_names,
                checks + _insert_axes(expr, newaxes, node.outputs[0].type.ndim))


@numba_kernel.register(IncSubtensor)
def _inc_subtensor(op, node) -> str:
    if "a" in op.entries:
        return _inc_integer_arrays(op, node)
    index_names = [f"j{k}" for k in range(len(node.inputs) - 2)]
    checks, key, newaxes = _basic_key(op.entries, index_names, node.inputs[0].type.ndim)
    if node.inputs[0].type.ndim == 0:  # a number in the jitted graph: x[None, ...] += y
        return _def(["i0", "i1"] + index_names, checks + _inc_number(op, node))
    # inserted axes have length 1: writing through the key without them is the same write
    target = f"out[{', '.join(key)}]" if key else "out[()]"
    lines = checks + ["out = i0.copy()"]
    y_ndim = node.inputs[1].type.ndim
    target_ndim = node.outputs[0].type.ndim - sum(1 for e in op.entries if e == "i")
    if target_ndim == 0:
        lines.append(f"{target} {'=' if op.set_instead_of_inc else '+='} i1")
    else:
        lines.append(f"view = {target}")
        y = "i1"
        if y_ndim and newaxes:  # drop the value's axes that stand for newaxis entries
            keep = [a for a in range(y_ndim) if a + (target_ndim + len(newaxes) - y_ndim)
                    not in newaxes]
            y = _drop_axes_expr("i1", y_ndim, keep)
        lines.append(f"yb = np.broadcast_to({y}, view.shape)")
        lines.append(f"view[...] = {'yb' if op.set_instead_of_inc else 'view + yb'}")
    return _def(["i0", "i1"] + index_names, lines + ["return out"])


def _inc_number(op, node) -> list[str]:
    """The lines for a 0-d x indexed by newaxis entries only (the gradient of `x[None]`):
    the value has one element, whatever its length-1 axes."""
    y_ndim = node.inputs[1].type.ndim
    dtype = node.outputs[0].type.dtype
    lines = [f"if i1.shape[{a}] != 1:\n        raise ValueError('{op}: the value has "
             "length ' + str(i1.shape[" + str(a) + "]) + ' on an axis of length 1')"
             for a in range(y_ndim)]
    y = f"i1[{', '.join(['0'] * y_ndim)}]" if y_ndim else "i1"
    value = y if op.set_instead_of_inc else f"i0 + {y}"
    return lines + [f"return np.{dtype}({value})"]


def _drop_axes_expr(name: str, ndim: int, keep: list[int]) -> str:
    key = ", ".join(":" if a in keep else "0" for a in range(ndim))
    return f"{name}[{key}]"


def _inc_integer_arrays(op, node) -> str:
    """x[j0, j1, ...] += y (or = y) for 1-d integer index arrays on the leading axes (the
    gradient of `p[arange(n), labels]`): one loop over the broadcast index positions, so a
    position given several times receives every increment, as np.add.at does."""
    k = len(op.entries)
    x_ndim = node.inputs[0].type.ndim
    names = [f"j{a}" for a in range(k)]
    lines = ["out = i0.copy()", "n = 1"]
    for j in names:
        lines += [f"if {j}.shape[0] != 1:",
                  f"    if n != 1 and n != {j}.shape[0]:",
                  "        raise IndexError('index arrays of different lengths')",
                  f"    n = {j}.shape[0]"]
    shape = _tuple(["n"] + [f"out.shape[{a}]" for a in range(k, x_ndim)])
    if node.inputs[1].type.ndim == 0:
        lines.append(f"yb = np.full({shape}, i1, dtype=out.dtype)")
    else:
        lines.append(f"yb = np.broadcast_to(i1, {shape})")
    lines.append("for t in range(n):")
    for a, j in enumerate(names):
        lines += [f"    a{a} = {j}[t if {j}.shape[0] != 1 else 0]",
                  f"    if a{a} < 0:", f"        a{a} += out.shape[{a}]",
                  f"    if a{a} < 0 or a{a} >= out.shape[{a}]:",
                  "        raise IndexError('index out of bounds')"]
    target = f"out[{', '.join(f'a{a}' for a in range(k))}]"
    if k == x_ndim:
        lines.append(f"    {target} {'=' if op.set_instead_of_inc else '+='} yb[t]")
    else:
        lines += [f"    view = {target}",
                  f"    view[...] = {'yb[t]' if op.set_instead_of_inc else 'view + yb[t]'}"]
    return _def(["i0", "i1"] + names, lines + ["return out"])


def _integer_array_entries(fgraph, node) -> bool:
    """Basic indexing, or only 1-d integer index arrays (what _inc_integer_arrays covers)."""
    if "a" not in node.op.entries:
        return True
    return (all(e == "a" for e in node.op.entries)
            and all(v.type.ndim == 1 and np.dtype(v.type.dtype).kind in "iu"
                    and v.type.dtype != "uint64" for v in node.inputs[2:]))


_node_checks[IncSubtensor] = _integer_array_entries


@numba_kernel.register(Join)
def _join(op, node) -> str:
    args = [f"i{k}" for k in range(len(node.inputs))]
    return _def(args, [f"return np.concatenate({_tuple(args)}, axis={op.axis})"])


@numba_kernel.register(ARange)
def _arange(op, node) -> str:
    return _def(["i0", "i1", "i2"], [
        "if i2 == 0:", "    raise ValueError('arange: step must not be zero')",
        f"return np.arange(i0, i1, i2).astype(np.{op.dtype})"])


@numba_kernel.register(Eye)
def _eye(op, node) -> str:
    return _def(["n", "m", "k"], [f"out = np.zeros((n, m), dtype=np.{op.dtype})",
                                  "for r in range(max(0, -k), min(n, m - k)):",
                                  "    out[r, r + k] = 1", "return out"])


@numba_kernel.register(Tri)
def _tri(op, node) -> str:
    return _def(["n", "m", "k"], [f"out = np.zeros((n, m), dtype=np.{op.dtype})",
                                  "for r in range(n):",
                                  "    for c in range(min(m, max(0, r + k + 1))):",
                                  "        out[r, c] = 1", "return out"])
