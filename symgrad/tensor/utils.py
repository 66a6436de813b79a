"""Theano's `theano.tensor.utils`: `hash_from_ndarray`, a content hash of an array."""
from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["hash_from_ndarray"]


def hash_from_ndarray(data) -> str:
    """An md5 hex digest of the array's values, shape and dtype: equal for equal arrays
    whatever their memory layout, different when shape or dtype differ."""
    data = np.ascontiguousarray(np.asarray(data))
    digest = hashlib.md5(data.view(np.uint8).reshape(-1) if data.size else b"")
    digest.update(str(data.shape).encode())
    digest.update(data.dtype.str.encode())
    return digest.hexdigest()
