"""Kernels for the MRG31k3p ops (tensor/random/mrg.py): the same integer steps as the ops'
`perform`, one element at a time, and the same float64 product rounded to the output dtype,
so the draws and the new state are bit-identical to the Python VM's.

The uniform kernel copies the state first (as int64, where the shifted sums cannot overflow)
and returns the advanced copy, so the input state is never changed.
"""
from __future__ import annotations

from symgrad.link.numba.dispatch import kernel_def, numba_kernel, source_tuple
from symgrad.tensor.random.mrg import (
    M1,
    M2,
    NORMS,
    ChoiceFromUniform,
    MRGUniform,
    MultinomialFromUniform,
)

_STEP = [
    "x11 = st[r, 0]", "x12 = st[r, 1]", "x13 = st[r, 2]",
    "x21 = st[r, 3]", "x22 = st[r, 4]", "x23 = st[r, 5]",
    "y1 = ((x12 & 511) << 22) + (x12 >> 9) + ((x13 & 16777215) << 7) + (x13 >> 24)",
    f"if y1 >= {M1}:", f"    y1 -= {M1}",
    "y1 += x13",
    f"if y1 >= {M1}:", f"    y1 -= {M1}",
    "z1 = ((x21 & 65535) << 15) + 21069 * (x21 >> 16)",
    f"if z1 >= {M2}:", f"    z1 -= {M2}",
    "z2 = ((x23 & 65535) << 15) + 21069 * (x23 >> 16)",
    f"if z2 >= {M2}:", f"    z2 -= {M2}",
    "z2 += x23",
    f"if z2 >= {M2}:", f"    z2 -= {M2}",
    "z2 += z1",
    f"if z2 >= {M2}:", f"    z2 -= {M2}",
    "st[r, 0] = y1", "st[r, 1] = x11", "st[r, 2] = x12",
    "st[r, 3] = z2", "st[r, 4] = x21", "st[r, 5] = x22",
    f"d = y1 - z2 + {M1} if y1 <= z2 else y1 - z2",
]


@numba_kernel.register(MRGUniform)
def _mrg_uniform_kernel(op, node) -> str:
    sizes = [f"s{k}" for k in range(len(node.inputs) - 1)]
    dtype = node.outputs[1].type.dtype
    shape = source_tuple(sizes) if sizes else "(1,)"
    lines = [
        "if state.shape[1] != 6 or state.shape[0] == 0:",
        "    raise ValueError('mrg_uniform: the state must have shape (n_streams, 6)')",
        *[f"if {s} < 0:\n        raise ValueError('mrg_uniform: negative size')" for s in sizes],
        "st = state.astype(np.int64)",
        "n_streams = st.shape[0]",
        f"out = np.empty({shape}, dtype=np.{dtype})",
        "flat = out.reshape(-1)",
        "for i in range(flat.shape[0]):",
        "    r = i % n_streams",
        *["    " + line for line in _STEP],
        f"    flat[i] = np.{dtype}(np.float64(d) * {NORMS[dtype]!r})",
        "return st.astype(np.int32), " + ("out" if sizes else "out[0]"),
    ]
    return kernel_def(["state", *sizes], lines)


_LENGTH_CHECK = [
    "rows = pvals.shape[0]",
    "k = pvals.shape[1]",
    "if unis.shape[0] != rows * count:",
    "    raise ValueError('the uniforms must number rows * draws')",
]


@numba_kernel.register(MultinomialFromUniform)
def _multinomial_kernel(op, node) -> str:
    lines = [
        *_LENGTH_CHECK,
        f"out = np.zeros((rows, k), dtype=np.{op.dtype})",
        "for r in range(rows):",
        "    for c in range(count):",
        "        u = np.float64(unis[c * rows + r])",
        "        cum = 0.0",
        "        for m in range(k):",
        "            cum += np.float64(pvals[r, m])",
        "            if cum > u:",
        "                out[r, m] += 1",
        "                break",
        "return out",
    ]
    return kernel_def(["pvals", "unis", "count"], lines)


@numba_kernel.register(ChoiceFromUniform)
def _choice_kernel(op, node) -> str:
    lines = [
        *_LENGTH_CHECK,
        *([] if op.replace else [
            "if count > k:",
            "    raise ValueError('choice without replacement: more picks than categories')"]),
        f"out = np.empty((rows, count), dtype=np.{op.dtype})",
        "row = np.empty(k, dtype=np.float64)",
        "for r in range(rows):",
        "    for m in range(k):",
        "        row[m] = np.float64(pvals[r, m])",
        "    for c in range(count):",
        "        u = np.float64(unis[c * rows + r])",
        "        pick = -1",
        "        cum = 0.0",
        "        for m in range(k):",
        "            cum += row[m]",
        "            if cum > u:",
        "                pick = m",
        "                break",
        "        if pick < 0:",  # rounding left u above the total: the last positive index
        "            pick = k - 1",
        "            for m in range(k - 1, -1, -1):",
        "                if row[m] > 0:",
        "                    pick = m",
        "                    break",
        "        out[r, c] = pick",
        *([] if op.replace else [
            "        row[pick] = 0.0",
            "        total = 0.0",
            "        for m in range(k):",
            "            total += row[m]",
            "        if total > 0:",
            "            for m in range(k):",
            "                row[m] = row[m] / total"]),
        "return out",
    ]
    return kernel_def(["pvals", "unis", "count"], lines)
