"""Neural-network functions (`T.nnet`): activations, softmax, cross-entropies."""
from symgrad.tensor.nnet.basic import *
from symgrad.tensor.nnet.basic import __all__ as _basic_all

__all__ = list(_basic_all)
