"""Signal processing (`theano.tensor.signal`): pooling lives in `signal.pool`."""
from symgrad.tensor.signal import pool  # noqa: F401
