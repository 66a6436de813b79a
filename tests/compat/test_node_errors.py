"""A node that fails at run time raises numpy's exception type, carrying the node, the input
shapes and the user's line."""
from __future__ import annotations

import numpy as np
import pytest

import symgrad as theano
import symgrad.tensor as T
from symgrad.compile import Mode
from symgrad.config import config
from symgrad.errors import NodeRuntimeError


@pytest.mark.parametrize("linker", ["py", "numba"])
def test_shape_mismatch_is_a_value_error_naming_the_line(linker):
    x, y = T.dvector("x"), T.dvector("y")
    z = x + y  # the line the error points at
    f = theano.function([x, y], z, mode=Mode(linker=linker, optimizer="fast_compile"))
    with pytest.raises(ValueError) as info:
        f(np.ones(3), np.ones(4))
    err = info.value
    assert isinstance(err, NodeRuntimeError)
    assert "z = x + y" in str(err)
    assert err.node is not None and err.input_shapes == [(3,), (4,)]
    assert "test_node_errors.py" in err.origin


def test_high_verbosity_shows_the_inputs_subgraph():
    x, y = T.dvector("x"), T.dvector("y")
    z = T.exp(x) + y
    f = theano.function([x, y], z, mode=Mode(linker="py", optimizer="None"))
    with config.change_flags(exception_verbosity="high"), pytest.raises(ValueError) as info:
        f(np.ones(3), np.ones(2))
    assert "subgraph computing its inputs" in str(info.value) and "exp" in str(info.value)
