"""`strided_view`: the view generated kernels make to add or drop length-1 axes.

`np.lib.stride_tricks.as_strided` gives numba an array of unknown layout ('A'), and a loop
reading one does not vectorise (numba cannot know its inner stride is the element size): a
bias added across the rows of a matrix ran about 3x slower than the same loop over a
contiguous bias. When the input is typed C-contiguous and the view keeps its axes' order,
`reshape` makes the same view typed C-contiguous; otherwise this is `as_strided`.
"""
from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload


def strided_view(a, shape, strides, keeps_order):
    """as_strided(a, shape, strides); `keeps_order`: the view only adds or drops length-1
    axes, so a C-contiguous `a` reshaped to `shape` is the same view."""
    return np.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)


@overload(strided_view, jit_options={"cache": True}, prefer_literal=True)
def _strided_view(a, shape, strides, keeps_order):
    if (isinstance(a, types.Array) and a.layout == "C" and isinstance(keeps_order, types.Literal)
            and keeps_order.literal_value):
        def reshaped(a, shape, strides, keeps_order):
            return a.reshape(shape)
        return reshaped

    def strided(a, shape, strides, keeps_order):
        return np.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)
    return strided
