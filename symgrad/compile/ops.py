"""Theano's `compile.ops` names: `as_op` and its FromFunctionOp (defined with the tensor ops,
symgrad/tensor/from_function.py, where the backends can see them)."""
from __future__ import annotations

from symgrad.tensor.from_function import FromFunctionOp, as_op  # noqa: F401
