"""Theano's `theano.tensor.nnet.nnet` module path: the functions of `T.nnet` under it."""
from symgrad.tensor.nnet.basic import *  # noqa: F401,F403
from symgrad.tensor.nnet.extras import *  # noqa: F401,F403
