"""Kernels for T.nnet: softmax family, integer-label cross-entropy, conv2d and pooling.

Softmax-like ops bring their axis last (a transposed contiguous copy when it is not already)
and loop over rows. Convolution and pooling loop over output positions in memory order; the
geometry that depends on run-time sizes ('full'/'half' padding, window counts) is computed in
the kernel from the constants of the op.
"""
from __future__ import annotations

import numpy as np

from symgrad.link.numba.dispatch import KERNEL_NAME, numba_kernel
from symgrad.link.numba.scalar import literal
from symgrad.tensor.nnet.basic import (
    CrossentropyCategorical1Hot,
    CrossentropyCategorical1HotGrad,
    LogSoftmax,
    Softmax,
    SoftmaxGrad,
)
from symgrad.tensor.nnet.conv import Conv2d, Conv2dGradInputs, Conv2dGradWeights, ShapeHint
from symgrad.tensor.nnet.pool import AveragePoolGrad, MaxPoolGrad, MaxPoolRop, Pool


def _def(args: str, lines) -> str:
    return "\n".join([f"def {KERNEL_NAME}({args}):"] + ["    " + line for line in lines]) + "\n"


def _tuple(items) -> str:
    items = list(items)
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


# --- softmax family -----------------------------------------------------------------------
def _rowwise(node, axis: int, n_inputs: int, row_lines) -> str:
    """Move `axis` last, view every input as rows, run `row_lines` per row `r` writing
    `out[r, k]`, and put the axis back."""
    ndim = node.inputs[0].type.ndim
    dtype = node.outputs[0].type.dtype
    perm = [a for a in range(ndim) if a != axis] + [axis]
    inverse = [perm.index(a) for a in range(ndim)]
    lines = []
    for k in range(n_inputs):
        moved = f"i{k}"
        if perm != list(range(ndim)):
            moved = f"np.transpose(i{k}, {_tuple(map(str, perm))})"
        lines.append(f"x{k} = np.ascontiguousarray({moved})")
    lines += ["shp = x0.shape", "n = shp[-1]", "rows = 1"]
    lines += [f"rows *= shp[{a}]" for a in range(ndim - 1)]
    lines += [f"r{k} = x{k}.reshape((rows, n))" for k in range(n_inputs)]
    lines += [f"out = np.empty((rows, n), dtype=np.{dtype})", "for r in range(rows):"]
    lines += ["    " + line for line in row_lines]
    lines.append("res = out.reshape(shp)")
    if perm != list(range(ndim)):
        lines.append(f"res = np.ascontiguousarray(np.transpose(res, {_tuple(map(str, inverse))}))")
    lines.append("return res")
    return _def(", ".join(f"i{k}" for k in range(n_inputs)), lines)


_ROW_MAX = ["m = -np.inf", "for k in range(n):", "    if r0[r, k] > m:", "        m = r0[r, k]"]


@numba_kernel.register(Softmax)
def _softmax_kernel(op, node) -> str:
    return _rowwise(node, op.axis, 1, _ROW_MAX + [
        "s = 0.0", "for k in range(n):", "    e = np.exp(r0[r, k] - m)", "    out[r, k] = e",
        "    s += e", "for k in range(n):", "    out[r, k] = out[r, k] / s"])


@numba_kernel.register(LogSoftmax)
def _log_softmax_kernel(op, node) -> str:
    return _rowwise(node, op.axis, 1, _ROW_MAX + [
        "s = 0.0", "for k in range(n):", "    s += np.exp(r0[r, k] - m)", "lse = m + np.log(s)",
        "for k in range(n):", "    out[r, k] = r0[r, k] - lse"])


@numba_kernel.register(SoftmaxGrad)
def _softmax_grad_kernel(op, node) -> str:
    # inputs (dy, sm): out = sm * dy - sm * sum(dy * sm)
    return _rowwise(node, op.axis, 2, [
        "s = 0.0", "for k in range(n):", "    s += r0[r, k] * r1[r, k]",
        "for k in range(n):", "    out[r, k] = r1[r, k] * r0[r, k] - r1[r, k] * s"])


_LABEL_CHECKS = [
    "if i_c.shape[0] != i_y.shape[0]:",
    ("    raise ValueError('categorical_crossentropy: rows of probabilities and labels differ "
    "in number')"),
    "for r in range(i_y.shape[0]):",
    "    if i_y[r] < 0 or i_y[r] >= i_c.shape[1]:",
    ("        raise ValueError('categorical_crossentropy: labels must lie in [0, number of "
    "classes)')"),
]


@numba_kernel.register(CrossentropyCategorical1Hot)
def _crossentropy_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    return _def("i_c, i_y", _LABEL_CHECKS + [
        f"out = np.empty(i_y.shape[0], dtype=np.{dtype})",
        "for r in range(i_y.shape[0]):", "    out[r] = -np.log(i_c[r, i_y[r]])", "return out"])


@numba_kernel.register(CrossentropyCategorical1HotGrad)
def _crossentropy_grad_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    return _def("i_g, i_c, i_y", _LABEL_CHECKS + [
        f"out = np.zeros(i_c.shape, dtype=np.{dtype})",
        "for r in range(i_y.shape[0]):", "    out[r, i_y[r]] = -i_g[r] / i_c[r, i_y[r]]",
        "return out"])


@numba_kernel.register(ShapeHint)
def _shape_hint_kernel(op, node) -> str:
    lines = []
    for axis, expected in enumerate(op.expected):
        if expected is not None:
            lines += [f"if i0.shape[{axis}] != {int(expected)}:",
                      (f"    raise ValueError('conv2d: {op.what} was declared as "
                      f"{op.expected} but the value has another shape')")]
    return _def("i0", lines + ["return i0"])


# --- convolution ----------------------------------------------------------------------------
def _conv_geometry(op, k_rows: str, k_cols: str, rows: str, cols: str) -> list[str]:
    """Lines defining pr, pc (padding) and oh, ow (output size) for the given sizes."""
    (sr, sc), (dr, dc) = op.subsample, op.filter_dilation
    lines = [f"span_r = ({k_rows} - 1) * {dr} + 1", f"span_c = ({k_cols} - 1) * {dc} + 1"]
    if op.border_mode == "valid":
        lines += ["pr = 0", "pc = 0"]
    elif op.border_mode == "full":
        lines += ["pr = span_r - 1", "pc = span_c - 1"]
    elif op.border_mode == "half":
        lines += ["pr = span_r // 2", "pc = span_c // 2"]
    else:
        lines += [f"pr = {op.border_mode[0]}", f"pc = {op.border_mode[1]}"]
    lines += [f"oh = ({rows} + 2 * pr - span_r) // {sr} + 1",
              f"ow = ({cols} + 2 * pc - span_c) // {sc} + 1",
              "if oh < 1 or ow < 1:",
              "    raise ValueError('conv2d: the kernel does not fit the padded image')"]
    return lines


def _tap(op, i: str, j: str, k_rows: str, k_cols: str) -> str:
    """Index of the filter tap used at window offset (i, j): flipped for a true convolution."""
    if op.filter_flip:
        return f"{k_rows} - 1 - {i}, {k_cols} - 1 - {j}"
    return f"{i}, {j}"


def _conv_loops(op, body: list[str]) -> list[str]:
    """Loops over (b, o, y, x, c, i, j) with `row`/`col` the padded-image position."""
    (sr, sc), (dr, dc) = op.subsample, op.filter_dilation
    return ["for b in range(nb):", "    for o in range(no):", "        for y in range(oh):",
            "            for x in range(ow):", "                for c in range(nc):",
            "                    for i in range(kr):",
            f"                        row = y * {sr} + i * {dr} - pr",
            "                        if row < 0 or row >= rows:",
            "                            continue",
            "                        for j in range(kc):",
            f"                            col = x * {sc} + j * {dc} - pc",
            "                            if col < 0 or col >= cols:",
            "                                continue"] + ["                            " + line
                                                            for line in body]


@numba_kernel.register(Conv2d)
def _conv2d_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    lines = ["nb, nc, rows, cols = i0.shape", "no, nc_w, kr, kc = i1.shape",
             "if nc != nc_w:",
             "    raise ValueError('conv2d: the input and the filters differ in channels')"]
    lines += _conv_geometry(op, "kr", "kc", "rows", "cols")
    lines += [f"out = np.zeros((nb, no, oh, ow), dtype=np.{dtype})"]
    lines += _conv_loops(op, [(f"out[b, o, y, x] += i0[b, c, row, col] * "
                              f"i1[o, c, {_tap(op, 'i', 'j', 'kr', 'kc')}]")])
    return _def("i0, i1", lines + ["return out"])


@numba_kernel.register(Conv2dGradInputs)
def _conv2d_grad_inputs_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    lines = ["nb, no, gh, gw = i0.shape", "no_w, nc, kr, kc = i1.shape", "rows = i2",
             "cols = i3"]
    lines += _conv_geometry(op, "kr", "kc", "rows", "cols")
    lines += ["if gh != oh or gw != ow:",
              "    raise ValueError('conv2d gradient: the output gradient has the wrong size')",
              f"out = np.zeros((nb, nc, rows, cols), dtype=np.{dtype})"]
    lines += _conv_loops(op, [(f"out[b, c, row, col] += i0[b, o, y, x] * "
                              f"i1[o, c, {_tap(op, 'i', 'j', 'kr', 'kc')}]")])
    return _def("i0, i1, i2, i3", lines + ["return out"])


@numba_kernel.register(Conv2dGradWeights)
def _conv2d_grad_weights_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    lines = ["nb, nc, rows, cols = i0.shape", "nb_g, no, gh, gw = i1.shape", "kr = i2",
             "kc = i3"]
    lines += _conv_geometry(op, "kr", "kc", "rows", "cols")
    lines += ["if gh != oh or gw != ow:",
              "    raise ValueError('conv2d gradient: the output gradient has the wrong size')",
              f"out = np.zeros((no, nc, kr, kc), dtype=np.{dtype})"]
    lines += _conv_loops(op, [(f"out[o, c, {_tap(op, 'i', 'j', 'kr', 'kc')}] += "
                              "i1[b, o, y, x] * i0[b, c, row, col]")])
    return _def("i0, i1, i2, i3", lines + ["return out"])


# --- pooling --------------------------------------------------------------------------------
def _pool_sizes(op, ndim: int) -> list[str]:
    """Lines flattening the leading axes of i0 into `batch` and computing oh, ow."""
    lines = [f"rows = i0.shape[{ndim - 2}]", f"cols = i0.shape[{ndim - 1}]", "batch = 1"]
    lines += [f"batch *= i0.shape[{a}]" for a in range(ndim - 2)]
    for name, n, axis in (("oh", "rows", 0), ("ow", "cols", 1)):
        ws, st, pad = op.ws[axis], op.stride[axis], op.pad[axis]
        if op.ignore_border:
            lines.append(f"{name} = max(0, ({n} + {2 * pad} - {ws}) // {st} + 1)")
        elif st >= ws:
            lines.append(f"{name} = ({n} - 1) // {st} + 1 if {n} > 0 else 0")
        else:
            lines.append(f"{name} = max(0, ({n} - 1 - {ws} + {st}) // {st}) + 1 "
                         f"if {n} > 0 else 0")
    return lines


def _flat(name: str, ndim: int, rows: str, cols: str) -> str:
    return f"np.ascontiguousarray({name}).reshape((batch, {rows}, {cols}))"


def _out_shape(ndim: int, rows: str, cols: str) -> str:
    return _tuple([f"i0.shape[{a}]" for a in range(ndim - 2)] + [rows, cols])


def _window_loops(op, body: list[str], before=(), after=()) -> list[str]:
    """Loops over (b, oy, ox) windows with r0..r1, c0..c1 the part inside the image and
    `count` the averaging divisor."""
    (wr, wc), (sr, sc), (pr, pc) = op.ws, op.stride, op.pad
    lines = ["for b in range(batch):", "    for oy in range(oh):", "        for ox in range(ow):",
             f"            top = oy * {sr}", f"            left = ox * {sc}",
             f"            r0 = max(top, {pr}) - {pr}",
             f"            r1 = min(top + {wr}, rows + {pr}) - {pr}",
             f"            c0 = max(left, {pc}) - {pc}",
             f"            c1 = min(left + {wc}, cols + {pc}) - {pc}"]
    if op.mode == "average_inc_pad":
        lines.append(f"            count = (min(top + {wr}, rows + {2 * pr}) - top) * "
                     f"(min(left + {wc}, cols + {2 * pc}) - left)")
    elif op.mode == "average_exc_pad":
        lines.append("            count = (r1 - r0) * (c1 - c0)")
    lines += ["            " + line for line in before]
    lines += ["            for rr in range(r0, r1):", "                for cc in range(c0, c1):"]
    lines += ["                    " + line for line in body]
    lines += ["            " + line for line in after]
    return lines


@numba_kernel.register(Pool)
def _pool_kernel(op, node) -> str:
    ndim = node.inputs[0].type.ndim
    dtype = node.outputs[0].type.dtype
    lines = _pool_sizes(op, ndim) + [f"x = {_flat('i0', ndim, 'rows', 'cols')}",
                                     f"out = np.empty((batch, oh, ow), dtype=np.{dtype})"]
    if op.mode == "max":
        first = literal(-np.inf if dtype.startswith("float") else np.iinfo(dtype).min, dtype)
        lines += _window_loops(op, ["v = x[b, rr, cc]", "if v > acc:", "    acc = v"],
                               before=[f"acc = {first}"], after=["out[b, oy, ox] = acc"])
    else:
        final = "acc" if op.mode == "sum" else "acc / count"
        lines += _window_loops(op, ["acc += x[b, rr, cc]"], before=["acc = 0.0"],
                               after=[f"out[b, oy, ox] = {final}"])
    return _def("i0", lines + [f"return out.reshape({_out_shape(ndim, 'oh', 'ow')})"])


@numba_kernel.register(MaxPoolGrad)
def _max_pool_grad_kernel(op, node) -> str:
    ndim = node.inputs[0].type.ndim
    dtype = node.outputs[0].type.dtype
    lines = _pool_sizes(op, ndim) + [
        f"x = {_flat('i0', ndim, 'rows', 'cols')}", f"m = {_flat('i1', ndim, 'oh', 'ow')}",
        f"g = {_flat('i2', ndim, 'oh', 'ow')}",
        f"out = np.zeros((batch, rows, cols), dtype=np.{dtype})"]
    # ties split the window's gradient: count them, then share
    lines += _window_loops(op, ["if x[b, rr, cc] == m[b, oy, ox]:", "    n += 1"],
                           before=["n = 0"],
                           after=["share = g[b, oy, ox] / max(n, 1)",
                                  "for rr in range(r0, r1):", "    for cc in range(c0, c1):",
                                  "        if x[b, rr, cc] == m[b, oy, ox]:",
                                  "            out[b, rr, cc] += share"])
    return _def("i0, i1, i2", lines + ["return out.reshape(i0.shape)"])


@numba_kernel.register(MaxPoolRop)
def _max_pool_rop_kernel(op, node) -> str:
    ndim = node.inputs[0].type.ndim
    dtype = node.outputs[0].type.dtype
    lines = _pool_sizes(op, ndim) + [
        f"x = {_flat('i0', ndim, 'rows', 'cols')}", f"m = {_flat('i1', ndim, 'oh', 'ow')}",
        f"v = {_flat('i2', ndim, 'rows', 'cols')}",
        f"out = np.zeros((batch, oh, ow), dtype=np.{dtype})"]
    lines += _window_loops(op, ["if x[b, rr, cc] == m[b, oy, ox]:",
                                "    n += 1", "    acc += v[b, rr, cc]"],
                           before=["n = 0", "acc = 0.0"],
                           after=["out[b, oy, ox] = acc / max(n, 1)"])
    return _def("i0, i1, i2", lines + [f"return out.reshape({_out_shape(ndim, 'oh', 'ow')})"])


@numba_kernel.register(AveragePoolGrad)
def _average_pool_grad_kernel(op, node) -> str:
    ndim = node.inputs[0].type.ndim
    dtype = node.outputs[0].type.dtype
    share = "g[b, oy, ox]" if op.mode == "sum" else "g[b, oy, ox] / count"
    lines = _pool_sizes(op, ndim) + [
        "g = np.ascontiguousarray(i1).reshape((batch, oh, ow))",
        f"out = np.zeros((batch, rows, cols), dtype=np.{dtype})"]
    lines += _window_loops(op, ["out[b, rr, cc] += share"], before=[f"share = {share}"])
    return _def("i0, i1", lines + ["return out.reshape(i0.shape)"])
