"""The kernel for AdvancedSubtensor: numpy's advanced indexing (integer and boolean arrays,
mixed with integers, slices and newaxis).

The kernel works in three steps, all laid out when the graph is built:
1. the slices are applied as basic indexing (a view `v`; array and integer entries keep their
   axis whole, newaxis entries are left for the end);
2. the index arrays are broadcast together (a boolean mask stands for its nonzero positions,
   one array per axis it covers; an integer entry is a 0-d array) and, for every position of
   the broadcast shape, the sub-array of `v` at those indices is copied into a buffer laid out
   as the output (the broadcast axes at the first array's place when the array entries are
   adjacent, in front otherwise, as numpy does);
3. the buffer is reshaped to the output shape, which adds the newaxis axes.
Every index is bounds-checked (numba does not check) and negative ones count from the end.
"""
from __future__ import annotations

import numpy as np

from symgrad.link.numba.dispatch import kernel_def as _def
from symgrad.link.numba.dispatch import numba_kernel
from symgrad.link.numba.dispatch import source_tuple as _tuple
from symgrad.tensor.subtensor import AdvancedSubtensor, split_index_inputs


class _Layout:
    """Where each entry of the index goes: the basic key, the index sources, the output axes."""

    def __init__(self, entries, index_vars, names, x_ndim: int) -> None:
        self.key = []       # basic indexing of x (slices; ':' for axes taken by arrays)
        self.checks = []    # source lines run before anything else
        self.sources = []   # (expression, ndim, dtype or None when known in range)
        self.source_axes = []  # the axis of v each source indexes
        self.out_axes = []  # output axes outside the broadcast block: ('v', axis) or ('new',)
        positions, block_at, dim = [], None, 0
        for pos, (entry, group, var_group) in enumerate(zip(
                entries, split_index_inputs(entries, names),
                split_index_inputs(entries, index_vars))):
            if entry == "x":
                self.out_axes.append(("new",))
            elif isinstance(entry, tuple):
                self._slice(entry, group)
                self.out_axes.append(("v", dim))
                dim += 1
            else:
                positions.append(pos)
                block_at = len(self.out_axes) if block_at is None else block_at
                dim = self._array(entry, group[0], var_group[0], dim)
        for d in range(dim, x_ndim):
            self.key.append(":")
            self.out_axes.append(("v", d))
        adjacent = positions == list(range(positions[0], positions[-1] + 1)) if positions \
            else True
        self.block_at = block_at if adjacent and block_at is not None else 0

    def _slice(self, entry, group) -> None:
        it = iter(group)
        parts = [next(it) if given else "" for given in entry[1:]]
        if entry[3]:
            self.checks += [f"if {parts[2]} == 0:", "    raise ValueError('slice step is zero')"]
        self.key.append(":".join(parts) if entry[3] else f"{parts[0]}:{parts[1]}")

    def _array(self, entry, name: str, var, dim: int) -> int:
        """Record one integer or array entry starting at axis `dim`; the next free axis."""
        if var.type.dtype == "bool" and var.type.ndim == 0:
            # the reference (numpy's nonzero) refuses a 0-d mask too; getitem never makes one
            self.checks.append("raise IndexError('a 0-d boolean index is not supported')")
            return dim
        if entry == "i" or var.type.ndim == 0:  # one position for all: checked once, here
            self.key.append(":")
            self.checks += [f"if {name} < -x.shape[{dim}] or {name} >= x.shape[{dim}]:",
                            f"    raise IndexError('index out of bounds for axis {dim}')",
                            f"{name}p = {name} + x.shape[{dim}] if {name} < 0 else {name}"]
            self.sources.append((f"{name}p", 0, None))
            self.source_axes.append(dim)
            return dim + 1
        if var.type.dtype != "bool":
            self.key.append(":")
            self.sources.append((name, var.type.ndim, var.type.dtype))
            self.source_axes.append(dim)
            return dim + 1
        r = var.type.ndim  # a mask covers r axes; its nonzero positions index them
        for e in range(r):
            self.key.append(":")
            self.checks += [f"if {name}.shape[{e}] != x.shape[{dim + e}]:",
                            (f"    raise IndexError('boolean index did not match the "
                             f"indexed array along axis {dim + e}')")]
        self.checks.append(f"{name}nz = np.nonzero({name})")
        for e in range(r):
            self.sources.append((f"{name}nz[{e}]", 1, None))
            self.source_axes.append(dim + e)
        return dim + r


@numba_kernel.register(AdvancedSubtensor)
def _advanced_subtensor(op, node) -> str:
    x, *index_vars = node.inputs
    names = [f"j{k}" for k in range(len(index_vars))]
    args = ["x"] + names
    out_ndim = node.outputs[0].type.ndim
    if x.type.ndim == 0:  # only newaxis entries can index a number
        if out_ndim == 0:
            return _def(args, ["return x"])
        return _def(args, [f"return np.full({_tuple(['1'] * out_ndim)}, x)"])
    lay = _Layout(op.entries, index_vars, names, x.type.ndim)
    lines = list(lay.checks)
    lines.append(f"v = x[{', '.join(lay.key)}]")
    block_ndim = max([s[1] for s in lay.sources], default=0)
    lines += _broadcast_shape(lay.sources, block_ndim)

    basic = [a for a in lay.out_axes if a[0] == "v"]
    n_before = sum(1 for a in lay.out_axes[:lay.block_at] if a[0] == "v")
    count = " * ".join([f"b{d}" for d in range(block_ndim)]) or "1"
    buffer_shape = ([f"v.shape[{a[1]}]" for a in basic[:n_before]] + ["count"]
                    + [f"v.shape[{a[1]}]" for a in basic[n_before:]])
    lines += [f"count = {count}",
              f"out = np.empty({_tuple(buffer_shape)}, dtype=x.dtype)",
              "pos = 0"]
    lines += _gather(lay, block_ndim, n_before, x.type.ndim)

    block = [f"b{d}" for d in range(block_ndim)]
    axes = ["1" if a[0] == "new" else f"v.shape[{a[1]}]" for a in lay.out_axes]
    final = axes[:lay.block_at] + block + axes[lay.block_at:]
    assert len(final) == out_ndim
    if out_ndim == 0:
        lines.append("return out[0]")
    else:
        lines.append(f"return out.reshape({_tuple(final)})")
    return _def(args, lines)


def _broadcast_shape(sources, block_ndim: int) -> list[str]:
    """Lines computing b0, b1, ...: the broadcast shape of the index sources (numpy's rule,
    a length 1 stretches, anything else must agree)."""
    lines = [f"b{d} = 1" for d in range(block_ndim)]
    for expr, ndim, _ in sources:
        for e in range(ndim):
            d = block_ndim - ndim + e
            lines += [f"n = {expr}.shape[{e}]",
                      "if n != 1:",
                      f"    if b{d} != 1 and b{d} != n:",
                      ("        raise IndexError('shape mismatch: indexing arrays could not "
                       "be broadcast together')"),
                      f"    b{d} = n"]
    return lines


def _gather(lay, block_ndim: int, n_before: int, x_ndim: int) -> list[str]:
    """Nested loops over the broadcast shape; each step reads the indices and copies one
    sub-array of v (a single element when no slice or trailing axis is left)."""
    lines, depth = [], 0
    for d in range(block_ndim):
        lines.append("    " * depth + f"for d{d} in range(b{d}):")
        depth += 1
    pad = "    " * depth
    key = [":"] * x_ndim
    for k, ((expr, ndim, dtype), axis) in enumerate(zip(lay.sources, lay.source_axes)):
        if ndim == 0:
            key[axis] = expr
            continue
        at = ", ".join(f"(d{block_ndim - ndim + e} if {expr}.shape[{e}] != 1 else 0)"
                       for e in range(ndim))
        lines.append(pad + f"p{k} = {expr}[{at}]")
        if dtype is not None:  # user positions: bounds-checked, negative ones from the end
            length = f"v.shape[{axis}]"
            if np.dtype(dtype).kind == "u":
                lines += [pad + f"if p{k} >= {length}:",
                          pad + f"    raise IndexError('index out of bounds for axis {axis}')"]
            else:
                lines += [pad + f"if p{k} < -{length} or p{k} >= {length}:",
                          pad + f"    raise IndexError('index out of bounds for axis {axis}')",
                          pad + f"if p{k} < 0:",
                          pad + f"    p{k} += {length}"]
        key[axis] = f"p{k}"
    target = ", ".join([":"] * n_before + ["pos"])
    lines += [pad + f"out[{target}] = v[{', '.join(key)}]", pad + "pos += 1"]
    return lines
