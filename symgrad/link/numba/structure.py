"""Kernels for ops that move or describe data: DimShuffle (a view), Alloc, Shape, Shape_i, Dot
(and its BLAS forms Dot22 and Gemv).

Dot goes to BLAS through the wrappers in blas.py for float32/float64 (integer products loop here).
"""
from __future__ import annotations

import numpy as np

from symgrad.graph.basic import Constant
from symgrad.link.numba.dispatch import KERNEL_NAME, numba_kernel, view_ops
from symgrad.tensor.basic import Alloc
from symgrad.tensor.blas import Gemv, beta_is_zero
from symgrad.tensor.elemwise import DimShuffle
from symgrad.tensor.math import Dot
from symgrad.tensor.shape import Shape, ShapeI


def _def(args: str, *body: str) -> str:
    return "\n".join([f"def {KERNEL_NAME}({args}):"] + ["    " + b for b in body]) + "\n"


def _tuple(items) -> str:
    items = list(items)
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


view_ops.add(DimShuffle)


@numba_kernel.register(DimShuffle)
def _dimshuffle_kernel(op, node) -> str:
    in_ndim = op.input_ndim
    out_ndim = len(op.new_order)
    dtype = node.outputs[0].type.dtype
    if op.is_identity:
        return _def("i0", "return i0")
    if in_ndim == 0:  # a number becomes an array of ones-shaped axes
        return _def("i0", f"return np.full({_tuple(['1'] * out_ndim)}, i0, dtype=np.{dtype})")
    if out_ndim == 0:  # every axis dropped (each has length 1)
        return _def("i0", f"return i0[{', '.join(['0'] * in_ndim)}]")
    if op.is_transpose:
        return _def("i0", "return i0.T")
    shape = _tuple("1" if d == "x" else f"i0.shape[{d}]" for d in op.new_order)
    strides = _tuple("0" if d == "x" else f"i0.strides[{d}]" for d in op.new_order)
    kept = [d for d in op.new_order if d != "x"]
    return _def("i0", f"return strided_view(i0, {shape}, {strides}, {kept == sorted(kept)})")


@numba_kernel.register(Alloc)
def _alloc_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    n_shape = len(node.inputs) - 1
    args = ", ".join(["i0"] + [f"s{k}" for k in range(n_shape)])
    shape = _tuple(f"s{k}" for k in range(n_shape))
    if node.inputs[0].type.ndim == 0:
        return _def(args, f"return np.full({shape}, i0, dtype=np.{dtype})")
    return _def(args, f"out = np.empty({shape}, dtype=np.{dtype})", "out[...] = i0",
                "return out")


@numba_kernel.register(Shape)
def _shape_kernel(op, node) -> str:
    if node.inputs[0].type.ndim == 0:
        return _def("i0", "return np.empty((0,), dtype=np.int64)")
    return _def("i0", "return np.array(i0.shape, dtype=np.int64)")


@numba_kernel.register(ShapeI)
def _shape_i_kernel(op, node) -> str:
    return _def("i0", f"return np.int64(i0.shape[{op.i}])")


@numba_kernel.register(Dot)
def _dot_kernel(op, node) -> str:
    x, y = node.inputs
    dtype = node.outputs[0].type.dtype
    if dtype not in ("float32", "float64"):
        return _integer_dot(x.type.ndim, y.type.ndim, dtype)
    # straight to BLAS (blas.py): an operand is copied only when it is not contiguous
    conv = [f"i{k} = i{k}.astype(np.{dtype})" for k, v in enumerate((x, y))
            if v.type.dtype != dtype]
    check = (f"if i0.shape[{x.type.ndim - 1}] != i1.shape[0]:\n"
             f"        raise ValueError('dot: shapes are not aligned')")
    fn = {(2, 2): "matmat", (2, 1): "matvec", (1, 2): "vecmat", (1, 1): "vecvec"}[
        (x.type.ndim, y.type.ndim)]
    if fn == "vecvec":
        return _def("i0, i1", *conv, check, f"return np.{dtype}(blas_vecvec(i0, i1))")
    return _def("i0, i1", *conv, check, f"return blas_{fn}(i0, i1)")


@numba_kernel.register(Gemv)
def _gemv_kernel(op, node) -> str:
    """beta * y + alpha * A @ x, with A @ x from BLAS; a constant beta of 0 leaves y unread and
    a constant alpha of 1 unmultiplied, so a Gemv for a plain dot costs what the dot does."""
    _, alpha, _, _, beta = node.inputs
    lines = ["if i2.shape[1] != i3.shape[0] or i2.shape[0] != i0.shape[0]:",
             "    raise ValueError('gemv: shapes are not aligned')",
             "out = blas_matvec(i2, i3)"]
    if not (isinstance(alpha, Constant) and np.all(alpha.data == 1)):
        lines.append("out *= i1")
    if not beta_is_zero(beta):  # in place, without a temporary for beta * y
        lines += ["b = out.dtype.type(i4)", "if b != 0:", "    for j in range(out.shape[0]):",
                  "        out[j] += b * i0[j]"]
    return _def("i0, i1, i2, i3, i4", *lines, "return out")


def _integer_dot(xd: int, yd: int, dtype: str) -> str:
    lines = ["if i0.shape[-1] != i1.shape[0]:",
             "    raise ValueError('dot: shapes are not aligned')"]
    x2 = "i0" if xd == 2 else "np.expand_dims(i0, 0)"
    y2 = "i1" if yd == 2 else "np.expand_dims(i1, 1)"
    lines += [f"a = {x2}", f"b = {y2}",
              f"out = np.zeros((a.shape[0], b.shape[1]), dtype=np.{dtype})",
              "for r in range(a.shape[0]):",
              "    for k in range(a.shape[1]):",
              "        v = a[r, k]",
              "        for c in range(b.shape[1]):",
              f"            out[r, c] += np.{dtype}(v * b[k, c])"]
    if xd == 1 and yd == 1:
        lines.append("return out[0, 0]")
    elif xd == 1:
        lines.append("return out[0]")
    elif yd == 1:
        lines.append("return out[:, 0]")
    else:
        lines.append("return out")
    return _def("i0, i1", *lines)
