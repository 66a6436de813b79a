"""Neural-network functions (`T.nnet`): activations, softmax, cross-entropies, conv2d.

Pooling is `T.signal.pool.pool_2d`, as in Theano; its ops live in `nnet.pool`.
"""
from symgrad.tensor.nnet import (  # noqa: E402,F401  (Theano's submodule paths)
    bn,
    nnet,
    pool,  # noqa: F401
)
from symgrad.tensor.nnet.basic import *
from symgrad.tensor.nnet.basic import __all__ as _basic_all
from symgrad.tensor.nnet.conv import *
from symgrad.tensor.nnet.conv import __all__ as _conv_all
from symgrad.tensor.nnet.extras import *
from symgrad.tensor.nnet.extras import __all__ as _extras_all

__all__ = list(_basic_all) + list(_conv_all) + list(_extras_all)
