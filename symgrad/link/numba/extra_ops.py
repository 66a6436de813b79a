"""Kernels for running sums and products (CumOp, and LinearRecurrence for their gradients),
Repeat, Split, Nonzero, SearchSorted, Sort, ArgSort and Matmul.

Axes known when the graph is built are written into the source as literals. ArgSort is
always numba's stable merge sort (NaN last, as numpy): for the stable kinds the positions are
numpy's exactly; for quicksort and heapsort numpy leaves the order of ties unspecified and
ours is the stable one. Sort's values are numpy's for every kind. Matmul goes to BLAS
through np.dot for float and complex products.
"""
from __future__ import annotations

import numpy as np

from symgrad.link.numba.dispatch import _kernel_checks, numba_kernel, view_ops
from symgrad.link.numba.dispatch import kernel_def as _def
from symgrad.link.numba.dispatch import source_tuple as _tuple
from symgrad.tensor.basic import Split
from symgrad.tensor.extra_ops import CumOp, LinearRecurrence, Nonzero, Repeat, SearchSorted
from symgrad.tensor.products import Matmul
from symgrad.tensor.sort import ArgSort, Sort


def _at(axis: int, index: str) -> str:
    """The key selecting `index` along `axis` and everything along the axes before it."""
    return "".join(":, " for _ in range(axis)) + index


# --- running sums and products --------------------------------------------------------------
@numba_kernel.register(CumOp)
def _cumop(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    sign = "+=" if op.mode == "add" else "*="
    if node.inputs[0].type.ndim == 0:  # a number becomes a one-entry vector
        return _def(["i0"], [f"out = np.empty(1, dtype=np.{dtype})", "out[0] = i0",
                             "return out"])
    # astype always copies into a fresh C-ordered array: the input is never written
    lines = [f"out = i0.astype(np.{dtype})"]
    axis = op.axis
    if axis is None:
        lines.append("out = out.reshape(out.size)")
        axis = 0
    # one step after another along the axis, as numpy's accumulate: the same roundings
    lines += [f"for i in range(1, out.shape[{axis}]):",
              f"    out[{_at(axis, 'i')}] {sign} out[{_at(axis, 'i - 1')}]",
              "return out"]
    return _def(["i0"], lines)


@numba_kernel.register(LinearRecurrence)
def _linear_recurrence(op, node) -> str:
    a = node.inputs[0]
    dtype = node.outputs[0].type.dtype
    axis = op.axis
    lines = []
    for d in range(a.type.ndim):
        lines += [f"if i0.shape[{d}] != i1.shape[{d}]:",
                  "    raise ValueError('LinearRecurrence: a and b differ in shape')"]
    lines += ["a = i0" if a.type.dtype == dtype else f"a = i0.astype(np.{dtype})",
              f"out = i1.astype(np.{dtype})"]  # a fresh copy: b is never written
    if op.reverse:
        step = f"a[{_at(axis, 'i + 1')}] * out[{_at(axis, 'i + 1')}]"
        lines += [f"for i in range(out.shape[{axis}] - 2, -1, -1):",
                  f"    out[{_at(axis, 'i')}] += {step}"]
    else:
        lines += [f"for i in range(1, out.shape[{axis}]):",
                  f"    out[{_at(axis, 'i')}] += a[{_at(axis, 'i')}] * out[{_at(axis, 'i - 1')}]"]
    return _def(["i0", "i1"], lines + ["return out"])


# --- repeat and split -----------------------------------------------------------------------
@numba_kernel.register(Repeat)
def _repeat(op, node) -> str:
    x = node.inputs[0]
    axis, dtype = op.axis, x.type.dtype
    shape = _tuple("total" if a == axis else f"i0.shape[{a}]" for a in range(x.type.ndim))
    copy = [f"out[{_at(axis, 'pos')}] = i0[{_at(axis, 'i')}]", "pos += 1"]
    if node.inputs[1].type.ndim == 0:
        lines = ["if i1 < 0:", "    raise ValueError('repeat: repeats may not be negative')",
                 f"n = i0.shape[{axis}]", "total = n * i1", "count = i1"]
    else:
        lines = [f"n = i0.shape[{axis}]",
                 "if i1.shape[0] != n and i1.shape[0] != 1:",
                 "    raise ValueError('repeat: one count per entry along the axis is needed')",
                 "total = 0",
                 "for i in range(n):",
                 "    r = i1[i if i1.shape[0] != 1 else 0]",
                 "    if r < 0:",
                 "        raise ValueError('repeat: repeats may not be negative')",
                 "    total += r"]
    lines += [f"out = np.empty({shape}, dtype=np.{dtype})", "pos = 0", "for i in range(n):"]
    if node.inputs[1].type.ndim == 1:
        lines.append("    count = i1[i if i1.shape[0] != 1 else 0]")
    lines += ["    for c in range(count):"] + ["        " + line for line in copy]
    return _def(["i0", "i1"], lines + ["return out"])


view_ops.add(Split)  # the pieces are views of x


@numba_kernel.register(Split)
def _split(op, node) -> str:
    n, axis = op.n_splits, op.axis
    lines = [f"if i1.shape[0] != {n}:",
             f"    raise ValueError('split: {n} lengths are needed, one per piece')",
             "total = 0",
             f"for k in range({n}):",
             "    if i1[k] < 0:",
             "        raise ValueError('split: lengths may not be negative')",
             "    total += i1[k]",
             f"if total != i0.shape[{axis}]:",
             "    raise ValueError('split: the lengths do not add up to the length of the axis')",
             "p0 = 0"]
    lines += [f"p{k + 1} = p{k} + i1[{k}]" for k in range(n)]
    pieces = [f"i0[{_at(axis, f'p{k}:p{k + 1}')}]" for k in range(n)]
    lines.append("return " + (pieces[0] if n == 1 else _tuple(pieces)))
    return _def(["i0", "i1"], lines)


# a node with no outputs has nothing to compute (and the VM's check of its lengths is moot)
_kernel_checks[Split] = lambda op: op.n_splits >= 1


# --- positions ----------------------------------------------------------------------------
@numba_kernel.register(Nonzero)
def _nonzero(op, node) -> str:
    # numba's nonzero gives intp (int64 here) positions in C order, as numpy's
    if node.inputs[0].type.ndim == 1:
        return _def(["i0"], ["return np.nonzero(i0)[0]"])
    return _def(["i0"], ["return np.nonzero(i0)"])


def _less_than(dtype: str) -> list[str]:
    """Source of `lt(a, b)`: numpy's sort order, NaN after every number (for complex numbers
    numpy's lexicographic order with NaN parts last)."""
    kind = np.dtype(dtype).kind
    if kind == "c":
        return ["def lt(a, b):",
                "    ar, ai, br, bi = a.real, a.imag, b.real, b.imag",
                "    if ar < br:",
                "        return ai == ai or bi != bi",
                "    if ar > br:",
                "        return bi != bi and ai == ai",
                "    if ar == br or (ar != ar and br != br):",
                "        return ai < bi or (bi != bi and ai == ai)",
                "    return br != br"]
    if kind == "f":
        return ["def lt(a, b):", "    return a < b or (b != b and a == a)"]
    return ["def lt(a, b):", "    return a < b"]


@numba_kernel.register(SearchSorted)
def _searchsorted(op, node) -> str:
    x, v = node.inputs[:2]
    # both sides are compared in their common dtype, as numpy does
    common = np.result_type(x.type.dtype, v.type.dtype).name
    args = ["i0", "i1"] + (["i2"] if len(node.inputs) == 3 else [])
    lines = _less_than(common) + ["n = i0.shape[0]"]
    if len(node.inputs) == 3:
        lines += ["if i2.shape[0] != n:",
                  "    raise ValueError('searchsorted: sorter must have the length of x')",
                  f"xs = np.empty(n, dtype=np.{common})",
                  "for k in range(n):",
                  "    s = i2[k]",
                  "    if s < 0 or s >= n:",
                  "        raise ValueError('searchsorted: sorter index out of range')",
                  "    xs[k] = i0[s]"]
    else:
        lines.append(f"xs = i0.astype(np.{common})")
    # the first position whose entry does not sort before v (left), or after v (right)
    goes_after = "lt(xs[mid], value)" if op.side == "left" else "not lt(value, xs[mid])"
    search = ["lo = 0", "hi = n", "while lo < hi:", "    mid = (lo + hi) >> 1",
              f"    if {goes_after}:", "        lo = mid + 1", "    else:", "        hi = mid"]
    if v.type.ndim == 0:
        lines += [f"value = np.{common}(i1)"] + search + ["return np.int64(lo)"]
        return _def(args, lines)
    lines += ["flat = np.ascontiguousarray(i1).reshape(i1.size)",
              "out = np.empty(flat.shape[0], dtype=np.int64)",
              "for t in range(flat.shape[0]):", f"    value = np.{common}(flat[t])"]
    lines += ["    " + line for line in search] + ["    out[t] = lo", "return out.reshape(i1.shape)"]
    return _def(args, lines)


# --- sorting ----------------------------------------------------------------------------
def _sort_source(op, node, values: bool) -> str:
    """Every line along the axis goes through numba's stable argsort; the axis is moved last
    (and back) so the lines are contiguous."""
    ndim, axis = node.inputs[0].type.ndim, op.axis
    perm = [a for a in range(ndim) if a != axis] + [axis]
    back = [perm.index(a) for a in range(ndim)]
    moved = axis != ndim - 1
    lines = [("x = np.ascontiguousarray(np.transpose(i0, " + _tuple(map(str, perm)) + "))")
             if moved else "x = np.ascontiguousarray(i0)",
             f"n = x.shape[{ndim - 1}]", "rows = 1"]
    lines += [f"rows *= x.shape[{a}]" for a in range(ndim - 1)]
    lines += ["lines = x.reshape((rows, n))"]
    if values and op.kind in ("quicksort", "heapsort"):
        # numba's quicksort: the same values (numpy leaves the order of equal ones open)
        lines += ["res = np.empty((rows, n), dtype=x.dtype)", "for r in range(rows):",
                  "    res[r] = np.sort(lines[r])"]
    elif values:
        lines += ["res = np.empty((rows, n), dtype=x.dtype)", "for r in range(rows):",
                  "    line = lines[r]", "    order = np.argsort(line, kind='mergesort')",
                  "    for t in range(n):", "        res[r, t] = line[order[t]]"]
    else:
        lines += ["res = np.empty((rows, n), dtype=np.int64)", "for r in range(rows):",
                  "    res[r] = np.argsort(lines[r], kind='mergesort')"]
    lines.append("res = res.reshape(x.shape)")
    if moved:
        lines.append("res = np.ascontiguousarray(np.transpose(res, "
                     + _tuple(map(str, back)) + "))")
    return _def(["i0"], lines + ["return res"])


@numba_kernel.register(Sort)
def _sort(op, node) -> str:
    return _sort_source(op, node, values=True)


@numba_kernel.register(ArgSort)
def _argsort(op, node) -> str:
    return _sort_source(op, node, values=False)


# --- matmul -------------------------------------------------------------------------------
@numba_kernel.register(Matmul)
def _matmul(op, node) -> str:
    a, b = node.inputs
    dtype = node.outputs[0].type.dtype
    ndim = a.type.ndim
    nb = ndim - 2
    lines = []
    for d in range(nb):
        fa, fb = a.type.broadcastable[d], b.type.broadcastable[d]
        ok = [f"i0.shape[{d}] == i1.shape[{d}]"]
        ok += [f"i0.shape[{d}] == 1"] if fa else []
        ok += [f"i1.shape[{d}] == 1"] if fb else []
        lines += [f"if not ({' or '.join(ok)}):",
                  (f"    raise ValueError('matmul: batch axis {d} differs in length and is "
                   "not declared broadcastable')"),
                  f"o{d} = i1.shape[{d}] if i0.shape[{d}] == 1 else i0.shape[{d}]"]
    lines += [f"if i0.shape[{ndim - 1}] != i1.shape[{ndim - 2}]:",
              "    raise ValueError('matmul: the inner dimensions of the operands differ')",
              f"n = i0.shape[{ndim - 2}]", f"k = i0.shape[{ndim - 1}]", f"m = i1.shape[{ndim - 1}]"]
    for name in ("a", "b"):
        src = "i0" if name == "a" else "i1"
        var = a if name == "a" else b
        # C-contiguous operands in the product's dtype: BLAS reads them as they are
        lines.append(f"{name} = " + (f"np.ascontiguousarray({src})" if var.type.dtype == dtype
                                     else f"{src}.astype(np.{dtype})"))
    shape = _tuple([f"o{d}" for d in range(nb)] + ["n", "m"])
    lines.append(f"out = np.zeros({shape}, dtype=np.{dtype})")
    lines += ["if out.size == 0 or k == 0:", "    return out"]
    depth = 0
    out_key, a_key, b_key = [], [], []
    for d in range(nb):
        lines.append("    " * depth + f"for d{d} in range(o{d}):")
        depth += 1
        out_key.append(f"d{d}")
        a_key.append(f"d{d} if a.shape[{d}] != 1 else 0")
        b_key.append(f"d{d} if b.shape[{d}] != 1 else 0")
    pad = "    " * depth
    am = f"a[{', '.join(a_key)}]" if nb else "a"
    bm = f"b[{', '.join(b_key)}]" if nb else "b"
    om = f"out[{', '.join(out_key)}]" if nb else "out"
    if np.dtype(dtype).kind in "fc":
        lines += [pad + f"np.dot({am}, {bm}, {om})"]
    else:
        lines += _loop_product(am, bm, om, dtype, pad)
    return _def(["i0", "i1"], lines + ["return out"])


def _loop_product(am: str, bm: str, om: str, dtype: str, pad: str) -> list[str]:
    """A plain triple loop for integer and boolean products (BLAS has neither). Integers add
    up in 64 bits; the cast back wraps around exactly as numpy's narrower sum does."""
    if dtype == "bool":
        step = "acc = acc or (am[r, t] and bm[t, c])"
        start, store = "False", "acc"
    else:
        wide = "uint64" if np.dtype(dtype).kind == "u" else "int64"
        step = f"acc += np.{wide}(am[r, t]) * np.{wide}(bm[t, c])"
        start = f"np.{wide}(0)"
        store = f"np.{dtype}(acc)"
    body = [f"am = {am}", f"bm = {bm}", f"om = {om}",
            "for r in range(n):",
            "    for c in range(m):",
            f"        acc = {start}",
            "        for t in range(k):",
            f"            {step}",
            f"        om[r, c] = {store}"]
    return [pad + line for line in body]
