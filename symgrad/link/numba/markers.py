"""Kernels for the gradient markers (zero_grad, disconnected_grad, grad_clip ...): the identity.

The optimiser removes them, so they reach numba only in graphs compiled without rewrites; there
they pass their input through (a view, like an identity DimShuffle). An undefined gradient
(NullGradient) raises its reason when run, as it does on the Python VM.
"""
from __future__ import annotations

from symgrad.gradient.ops import GradientMarker, NullGradient
from symgrad.link.numba.dispatch import kernel_def, numba_kernel, view_ops


def _with_subclasses(cls: type) -> list[type]:
    return [cls] + [c for sub in cls.__subclasses__() for c in _with_subclasses(sub)]


view_ops.update(_with_subclasses(GradientMarker))  # the output is the input itself


@numba_kernel.register(GradientMarker)
def _marker_kernel(op, node) -> str:
    return kernel_def(["i0"], ["return i0"])


@numba_kernel.register(NullGradient)
def _null_gradient_kernel(op, node) -> str:
    return kernel_def([], [f"raise ValueError({op.why_null!r})"])
