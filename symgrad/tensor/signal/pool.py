"""`theano.tensor.signal.pool`: pool_2d and its ops (defined in symgrad.tensor.nnet.pool)."""
from symgrad.tensor.nnet.pool import *
from symgrad.tensor.nnet.pool import __all__  # noqa: F401
