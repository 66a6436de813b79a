"""Kernels for the softmax family and the one-hot cross-entropy (T.nnet).

Softmax-like ops work along one axis: the kernel moves that axis last (a copy only when it is
not already last and contiguous), then runs one pass per row.
"""
from __future__ import annotations

from symgrad.link.numba.dispatch import KERNEL_NAME, numba_kernel
from symgrad.tensor.nnet.basic import (
    CrossentropyCategorical1Hot,
    CrossentropyCategorical1HotGrad,
    LogSoftmax,
    Softmax,
    SoftmaxGrad,
)


def _rows_source(node, axis: int, n_in: int, row_body: list[str]) -> str:
    """A kernel viewing each input as rows along `axis`, running `row_body` for row r."""
    ndim = node.outputs[0].type.ndim
    dtype = node.outputs[0].type.dtype
    perm = [a for a in range(ndim) if a != axis] + [axis]
    inverse = [perm.index(a) for a in range(ndim)]
    args = [f"i{k}" for k in range(n_in)]
    lines = [f"def {KERNEL_NAME}({', '.join(args)}):"]
    for k in range(n_in):
        moved = f"i{k}" if perm == list(range(ndim)) else f"i{k}.transpose({tuple(perm)})"
        lines.append(f"    x{k} = np.ascontiguousarray({moved})")
        lines.append(f"    m{k} = x{k}.reshape((-1, x{k}.shape[-1])) if x{k}.size else "
                     f"np.empty((0, x{k}.shape[-1]), dtype=x{k}.dtype)")
    lines.append(f"    out = np.empty(m{n_in - 1}.shape, dtype=np.{dtype})")
    lines.append("    n = out.shape[1]")
    lines.append("    for r in range(out.shape[0]):")
    lines += ["        " + b for b in row_body]
    if perm == list(range(ndim)):
        lines.append(f"    return out.reshape(x{n_in - 1}.shape)")
    else:
        lines.append(f"    return np.ascontiguousarray(out.reshape(x{n_in - 1}.shape)"
                     f".transpose({tuple(inverse)}))")
    return "\n".join(lines) + "\n"


def _max_lines(src: str) -> list[str]:
    return ["top = -np.inf", "for j in range(n):",
            f"    top = max_nan({src}[r, j], top)"]


@numba_kernel.register(Softmax)
def _softmax_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    body = _max_lines("m0") + [
        "total = 0.0",
        "for j in range(n):",
        f"    e = np.{dtype}(exp(m0[r, j] - top))",
        "    out[r, j] = e",
        "    total += e",
        "scale = 1.0 / total",
        "for j in range(n):",
        f"    out[r, j] = np.{dtype}(out[r, j] * scale)",
    ]
    return _rows_source(node, op.axis, 1, body)


@numba_kernel.register(LogSoftmax)
def _log_softmax_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    body = _max_lines("m0") + [
        "total = 0.0",
        "for j in range(n):",
        "    total += exp(m0[r, j] - top)",
        "shift = top + np.log(total)",
        "for j in range(n):",
        f"    out[r, j] = np.{dtype}(m0[r, j] - shift)",
    ]
    return _rows_source(node, op.axis, 1, body)


@numba_kernel.register(SoftmaxGrad)
def _softmax_grad_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    body = [
        "if m0.shape != m1.shape:",
        "    raise ValueError('SoftmaxGrad: gradient and softmax shapes differ')",
        "total = 0.0",
        "for j in range(n):",
        "    total += m0[r, j] * m1[r, j]",
        "for j in range(n):",
        f"    out[r, j] = np.{dtype}(m0[r, j] * m1[r, j] - m1[r, j] * total)",
    ]
    return _rows_source(node, op.axis, 2, body)


_LABEL_CHECKS = [
    "if coding.shape[0] != labels.shape[0]:",
    "    raise ValueError('categorical_crossentropy: rows of probabilities and labels differ')",
    "for r in range(labels.shape[0]):",
    "    if labels[r] < 0 or labels[r] >= coding.shape[1]:",
    "        raise ValueError('categorical_crossentropy: a label is out of range')",
]


@numba_kernel.register(CrossentropyCategorical1Hot)
def _xent_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    lines = [f"def {KERNEL_NAME}(coding, labels):"] + ["    " + x for x in _LABEL_CHECKS] + [
        f"    out = np.empty(labels.shape[0], dtype=np.{dtype})",
        "    for r in range(labels.shape[0]):",
        f"        out[r] = np.{dtype}(-np.log(coding[r, labels[r]]))",
        "    return out",
    ]
    return "\n".join(lines) + "\n"


@numba_kernel.register(CrossentropyCategorical1HotGrad)
def _xent_grad_kernel(op, node) -> str:
    dtype = node.outputs[0].type.dtype
    lines = [f"def {KERNEL_NAME}(g, coding, labels):"] + ["    " + x for x in _LABEL_CHECKS] + [
        "    if g.shape[0] != labels.shape[0]:",
        "        raise ValueError('categorical_crossentropy gradient: lengths differ')",
        f"    out = np.zeros(coding.shape, dtype=np.{dtype})",
        "    for r in range(labels.shape[0]):",
        f"        out[r, labels[r]] = np.{dtype}(-g[r] / coding[r, labels[r]])",
        "    return out",
    ]
    return "\n".join(lines) + "\n"
