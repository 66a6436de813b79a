"""Theano's `compile.ops` names: `as_op` and its FromFunctionOp, ViewOp and DeepCopyOp, and
the shape ops Theano kept here (all defined with the tensor ops, where the backends can see
them)."""
from __future__ import annotations

from symgrad.tensor.from_function import FromFunctionOp, as_op  # noqa: F401
from symgrad.tensor.identity_ops import DeepCopyOp, ViewOp, deep_copy_op, view_op  # noqa: F401
from symgrad.tensor.shape import ShapeI as Shape_i  # noqa: F401
from symgrad.tensor.shape import SpecifyShape, shape_i, specify_shape  # noqa: F401
