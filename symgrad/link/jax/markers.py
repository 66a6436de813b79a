"""Gradient markers (zero_grad, disconnected_grad, grad_clip ...) are the identity when run;
an undefined gradient raises its reason when the graph is traced."""
from __future__ import annotations

from symgrad.gradient.ops import GradientMarker, NullGradient
from symgrad.link.jax.dispatch import jax_funcify


@jax_funcify.register(GradientMarker)
def _gradient_marker(op, node):
    return lambda x: x


@jax_funcify.register(NullGradient)
def _null_gradient(op, node):
    def null_gradient(*args):
        raise node.outputs[0].type.error()
    return null_gradient
