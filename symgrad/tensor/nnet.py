"""Neural-network functions (`T.nnet`): sigmoid and softplus so far."""
from __future__ import annotations

from symgrad.tensor.math import sigmoid, softplus

__all__ = ["sigmoid", "softplus"]
