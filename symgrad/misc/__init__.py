"""Theano's `theano.misc`: helpers outside the compiler proper (`misc.pkl_utils`: saving
models with their arrays as .npy files in a zip)."""
from symgrad.misc import pkl_utils  # noqa: F401
